import { applyPins, pinOf, type Pin } from '../snapshot/pins.js';
import type { SyncEngine } from './engine.js';

export interface PinSetOptions {
  /**
   * Who lifts a pin whose flag changed at the source. `'here'` (default): this pin set, at once — one
   * process, nobody else to ask. `'owner'`: whoever stores the pins (a server's shared store, which
   * knows whether the definition is new or one a replica mid-rollout still serves); until it calls
   * `unpin`, the pin applies, and one whose flag or variant is missing here is kept, unapplied.
   */
  readonly lifts?: 'here' | 'owner';
}

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
    options: PinSetOptions = {},
  ) {
    const owned = options.lifts === 'owner';
    engine.store.transform = (source) => {
      const result = applyPins(source, this.pins.values(), owned ? () => true : undefined);
      if (!owned) for (const { pin } of result.lifted) this.pins.delete(pin.flag);
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
