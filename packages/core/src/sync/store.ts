import type { Issue } from '../model/issues.js';
import { diffSnapshots, type SnapshotDiff } from '../snapshot/diff.js';
import { parseFlags, type LoadOptions } from '../snapshot/load.js';
import type { LiftedPin } from '../snapshot/pins.js';
import type { Snapshot } from '../snapshot/snapshot.js';

export type ApplyResult =
  | {
      readonly outcome: 'applied';
      /** What is served now: the source's snapshot with the pins in force. */
      readonly snapshot: Snapshot;
      /** Every added, removed and changed key, as served (PROVIDER_CONFIGURATION_CHANGED's flagsChanged). */
      readonly changed: readonly string[];
      readonly diff: SnapshotDiff;
      /** Pins lifted by this change (their flag changed at its source). */
      readonly lifted: readonly LiftedPin[];
    }
  | { readonly outcome: 'unchanged'; readonly snapshot: Snapshot }
  | { readonly outcome: 'rejected'; readonly issues: readonly Issue[] };

/** What turns the source's snapshot into the served one (`PinSet` installs one), and the pins it lifted. */
export type SnapshotTransform = (source: Snapshot) => { readonly snapshot: Snapshot; readonly lifted: readonly LiftedPin[] };

/**
 * Holds what is served: the last valid snapshot from the source, through the transform if any (pins).
 * A payload is all or nothing: an invalid one is rejected whole and the current snapshot stays; a
 * valid one replaces it atomically and yields the exact changed keys. The same text twice is not
 * parsed again.
 */
export class SnapshotStore {
  private served?: Snapshot;
  private fromSource?: Snapshot;
  private lastText?: string;
  /** Applied to every source snapshot before it is served (see `PinSet`). */
  transform?: SnapshotTransform;

  constructor(private readonly options: LoadOptions = {}) {}

  /** What evaluation uses (undefined before the first valid payload). */
  get snapshot(): Snapshot | undefined {
    return this.served;
  }

  /** The source's last valid snapshot, before pins. */
  get source(): Snapshot | undefined {
    return this.fromSource;
  }

  apply(payload: string | unknown): ApplyResult {
    if (this.served && typeof payload === 'string' && payload === this.lastText) return { outcome: 'unchanged', snapshot: this.served };
    const result = parseFlags(payload, this.options);
    if (!result.ok) return { outcome: 'rejected', issues: result.issues };
    this.lastText = typeof payload === 'string' ? payload : undefined;
    this.fromSource = result.snapshot;
    return this.publish();
  }

  /** Serves the source's snapshot again through the transform (the pins changed); undefined before the first one. */
  republish(): ApplyResult | undefined {
    return this.fromSource && this.publish();
  }

  private publish(): ApplyResult {
    const { snapshot, lifted } = this.transform?.(this.fromSource!) ?? { snapshot: this.fromSource!, lifted: [] };
    const previous = this.served;
    const diff = diffSnapshots(previous, snapshot);
    this.served = snapshot;
    const changed = [...diff.added, ...diff.removed, ...diff.changed];
    if (previous && changed.length === 0 && lifted.length === 0) return { outcome: 'unchanged', snapshot };
    return { outcome: 'applied', snapshot, changed, diff, lifted };
  }
}
