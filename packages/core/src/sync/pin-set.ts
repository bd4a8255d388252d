import { applyPins, definitionHolds, pinOf, type Pin } from '../snapshot/pins.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import type { SyncEngine } from './engine.js';

/**
 * Given a pin whose baseline is not the flag's fingerprint, a replacement pin to keep instead of
 * lifting it (e.g. one recorded in an older baseline format against the very same definition).
 */
export type PinRebase = (pin: Pin, source: Snapshot) => Pin | undefined;

/**
 * The pins (rollbacks, overrides) on an engine's snapshots: installed as the store's transform, so
 * every snapshot served — from the source or after a pin change — has them applied, and a pin whose
 * flag changed at the source is lifted by the same rule everywhere. Runtimes that never pin (browser,
 * edge) do not load this.
 */
export class PinSet {
  private readonly pins = new Map<string, Pin>();

  constructor(
    private readonly engine: SyncEngine,
    private readonly rebase?: PinRebase,
  ) {
    engine.store.transform = (source) => {
      if (this.rebase) {
        for (const [flag, pin] of this.pins) {
          if (definitionHolds(source, pin)) continue;
          const kept = this.rebase(pin, source);
          if (kept) this.pins.set(flag, kept);
        }
      }
      const result = applyPins(source, this.pins.values());
      for (const { pin } of result.lifted) this.pins.delete(pin.flag);
      return result;
    };
  }

  /** The pins in force (or waiting for the first snapshot), by flag key. */
  get all(): ReadonlyMap<string, Pin> {
    return this.pins;
  }

  /** Pins `flag` to `variant` against the source's current definition; RangeError for an unknown flag or variant. */
  pin(flag: string, variant: string, why: { reason: string; by?: string; at?: string }): Pin {
    const source = this.engine.store.source;
    if (!source) throw new RangeError(`no flag "${flag}": no definitions loaded yet`);
    const pin = pinOf(source, flag, variant, why);
    this.pins.set(flag, pin);
    this.engine.republish();
    return pin;
  }

  /**
   * Takes in a pin made elsewhere (another replica, a restart's saved state). Before the first
   * snapshot it waits; one that no longer matches its flag is lifted when the snapshot arrives.
   */
  restore(pin: Pin): void {
    this.pins.set(pin.flag, pin);
    this.engine.republish();
  }

  /** Removes a pin; the source's definition is served again. */
  unpin(flag: string): boolean {
    if (!this.pins.delete(flag)) return false;
    this.engine.republish();
    return true;
  }
}
