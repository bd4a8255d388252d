import type { Issue, SnapshotDiff } from '@switchyard/core';
import type { FleetDecision } from './fleet/fleet-guard.js';
import type { PublicRollback } from './rollbacks.js';

/** What happened to an environment: a reload applied or rejected, a rollback made or lifted. */
export interface AuditEntry {
  readonly time: string;
  readonly outcome: 'applied' | 'rejected' | 'recovered' | 'rollback' | 'lifted';
  readonly version?: number;
  readonly etag?: string;
  readonly source: string;
  readonly changes?: SnapshotDiff;
  readonly issues?: readonly Issue[];
  readonly rollback?: PublicRollback;
  /** For a rollback the fleet guard made: the pooled numbers that decided it. */
  readonly decision?: FleetDecision;
}

/** An entry as `/v1/changes` shows it: numbered (the cursor for paging) and naming the replica that wrote it. */
export type AuditRecord = AuditEntry & { readonly id: number; readonly replica: string };

/** One page of the trail, oldest first; `before` (when there are older entries) fetches the previous page. */
export interface AuditPage {
  readonly changes: readonly AuditRecord[];
  readonly before?: number;
}

/** Page size bounds for `/v1/changes?limit=`. */
export const MAX_PAGE = 1000;

/** The trail of a server without a store: the last `size` entries of this process, lost on restart. */
export class MemoryAudit {
  private readonly entries: AuditRecord[] = [];
  private next = 1;

  constructor(
    private readonly replica: string,
    private readonly size = 1000,
  ) {}

  record(entry: AuditEntry): void {
    this.entries.push({ id: this.next++, replica: this.replica, ...entry });
    if (this.entries.length > this.size) this.entries.shift();
  }

  page(before: number | undefined, limit: number, outcomes?: readonly AuditEntry['outcome'][]): AuditPage {
    const older = this.entries.filter((e) => (before === undefined || e.id < before) && (!outcomes || outcomes.includes(e.outcome)));
    const changes = older.slice(-limit);
    return changes.length === limit && older.length > limit ? { changes, before: changes[0].id } : { changes };
  }
}
