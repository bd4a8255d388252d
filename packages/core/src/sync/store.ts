import type { Issue } from '../model/issues.js';
import { changedFlagKeys } from '../snapshot/diff.js';
import { parseFlags, type LoadOptions } from '../snapshot/load.js';
import type { Snapshot } from '../snapshot/snapshot.js';

export type ApplyResult =
  | { readonly outcome: 'applied'; readonly snapshot: Snapshot; readonly changed: readonly string[] }
  | { readonly outcome: 'unchanged'; readonly snapshot: Snapshot }
  | { readonly outcome: 'rejected'; readonly issues: readonly Issue[] };

/**
 * Holds the live snapshot. A payload is all or nothing: an invalid one is rejected whole and the
 * current snapshot stays; a valid one replaces it atomically and yields the exact changed keys.
 */
export class SnapshotStore {
  private current?: Snapshot;

  constructor(private readonly options: LoadOptions = {}) {}

  get snapshot(): Snapshot | undefined {
    return this.current;
  }

  apply(payload: string | unknown): ApplyResult {
    const result = parseFlags(payload, this.options);
    if (!result.ok) return { outcome: 'rejected', issues: result.issues };
    const changed = changedFlagKeys(this.current, result.snapshot);
    const first = this.current === undefined;
    this.current = result.snapshot;
    if (!first && changed.length === 0) return { outcome: 'unchanged', snapshot: result.snapshot };
    return { outcome: 'applied', snapshot: result.snapshot, changed };
  }
}
