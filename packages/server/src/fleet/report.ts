import type { AuditEntry, AuditRecord } from '../audit.js';

/** Targets the report measures against (DORA-style delivery goals for flags). */
export const TARGETS = Object.freeze({ changeFailureRate: 0.05, timeToRollbackSeconds: 300, lifespanDays: 90 });

export interface ReportOptions {
  /** The report's end; default now. */
  readonly now?: number;
  /** The period covered, in days; default 30. */
  readonly days?: number;
  /** A flag change counts as failed when the flag is rolled back within this many hours of it; default 24. */
  readonly windowHours?: number;
  /** Flags the environment serves now (lifespan warnings are for these); default every flag seen. */
  readonly current?: ReadonlySet<string>;
}

export interface FlagAge {
  readonly flag: string;
  readonly firstSeen: string;
  readonly ageDays: number;
  readonly changes: number;
  readonly rollbacks: number;
  /** Older than the lifespan target (90 days): time to remove it. */
  readonly overLifespan: boolean;
}

export interface DeliveryReport {
  readonly from: string;
  readonly to: string;
  /** Flag changes in the period (one per flag per published document, however many replicas logged it). */
  readonly changes: number;
  /** Of those, the ones followed by a rollback of the same flag within `windowHours`. */
  readonly failedChanges: number;
  readonly changeFailureRate: number | null;
  readonly rollbacks: number;
  /** From the fault's start (the fleet guard's evidence), or else the flag's last change, to the rollback. */
  readonly timeToRollback: { readonly count: number; readonly meanSeconds: number; readonly p90Seconds: number } | null;
  /** Treatment evaluations and failed requests before fleet-guard rollbacks pinned control. */
  readonly blastRadius: { readonly rollbacks: number; readonly treatmentEvaluations: number; readonly failedRequests: number };
  readonly flags: readonly FlagAge[];
  readonly targets: typeof TARGETS;
}

const DAY = 86_400_000;
/** Entries of the same flag and document this close together are one publication seen by several replicas. */
const SAME_PUBLICATION_MS = 10 * 60_000;
const isPinChange = (e: AuditEntry) => e.source.startsWith('rollback of ');

/**
 * Delivery metrics from an audit trail (oldest first): change failure rate, time to rollback, blast
 * radius, flag age. A pure function of the entries, so a recorded trail gives the same numbers anywhere.
 */
export function deliveryReport(trail: readonly AuditRecord[], options: ReportOptions = {}): DeliveryReport {
  const now = options.now ?? Date.now();
  const from = now - (options.days ?? 30) * DAY;
  const window = (options.windowHours ?? 24) * 3_600_000;
  const time = (e: AuditEntry) => Date.parse(e.time);

  // Flag changes: published documents that changed a flag at its source (not a pin), once per document.
  const changes: { flag: string; at: number }[] = [];
  const counted = new Map<string, number>();
  const firstSeen = new Map<string, number>();
  for (const e of trail) {
    if (e.outcome !== 'applied' || !e.changes || isPinChange(e)) continue;
    for (const flag of [...e.changes.added, ...e.changes.changed]) if (!firstSeen.has(flag)) firstSeen.set(flag, time(e));
    if (e.version === 1) continue; // a process's first load is a start, not a change
    for (const flag of [...e.changes.added, ...e.changes.changed]) {
      // Replicas log the same document within moments; the same document again later (a revert, then
      // the change once more) is a change of its own.
      const key = `${flag}\u0000${e.etag ?? e.time}`;
      const seen = counted.get(key);
      counted.set(key, time(e));
      if (seen !== undefined && time(e) - seen < SAME_PUBLICATION_MS) continue;
      changes.push({ flag, at: time(e) });
    }
  }
  const rollbacks = trail.filter((e) => e.outcome === 'rollback' && e.rollback);
  const inPeriod = <T extends { at: number }>(xs: T[]) => xs.filter((x) => x.at >= from && x.at <= now);
  const periodChanges = inPeriod(changes);
  const rollbackTimes = rollbacks.map((e) => ({ flag: e.rollback!.flag, at: time(e), entry: e }));
  const failed = periodChanges.filter((c) => rollbackTimes.some((r) => r.flag === c.flag && r.at >= c.at && r.at - c.at <= window));

  const durations: number[] = [];
  const periodRollbacks = inPeriod(rollbackTimes);
  let treatmentEvaluations = 0;
  let failedRequests = 0;
  let guarded = 0;
  for (const r of periodRollbacks) {
    const decision = r.entry.decision;
    const lastChange = changes.filter((c) => c.flag === r.flag && c.at <= r.at).at(-1)?.at;
    const start = decision?.faultAt ? Date.parse(decision.faultAt) : lastChange;
    if (start !== undefined && r.at - start <= window) durations.push((r.at - start) / 1000);
    if (decision) {
      guarded++;
      treatmentEvaluations += decision.treatment.evaluations;
      failedRequests += decision.treatment.errors;
    }
  }
  durations.sort((a, b) => a - b);
  const flags = [...firstSeen]
    .filter(([flag]) => !options.current || options.current.has(flag))
    .map(([flag, seen]) => ({
      flag,
      firstSeen: new Date(seen).toISOString(),
      ageDays: Math.floor((now - seen) / DAY),
      changes: changes.filter((c) => c.flag === flag).length,
      rollbacks: rollbacks.filter((r) => r.rollback!.flag === flag).length,
      overLifespan: now - seen > TARGETS.lifespanDays * DAY,
    }))
    .sort((a, b) => b.ageDays - a.ageDays || a.flag.localeCompare(b.flag));
  return {
    from: new Date(from).toISOString(),
    to: new Date(now).toISOString(),
    changes: periodChanges.length,
    failedChanges: failed.length,
    changeFailureRate: periodChanges.length ? failed.length / periodChanges.length : null,
    rollbacks: periodRollbacks.length,
    timeToRollback: durations.length
      ? { count: durations.length, meanSeconds: durations.reduce((a, b) => a + b, 0) / durations.length, p90Seconds: durations[Math.min(durations.length - 1, Math.ceil(0.9 * durations.length) - 1)] }
      : null,
    blastRadius: { rollbacks: guarded, treatmentEvaluations, failedRequests },
    flags,
    targets: TARGETS,
  };
}

/** The report as text, one finding per line, targets beside the numbers. */
export function formatReport(environment: string, r: DeliveryReport): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const secs = (s: number) => (s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`);
  const mark = (ok: boolean) => (ok ? 'ok  ' : 'MISS');
  const lines = [`delivery report for ${environment}: ${r.from.slice(0, 10)} → ${r.to.slice(0, 10)}`];
  lines.push(
    r.changeFailureRate === null
      ? '      change failure rate: no flag changes'
      : `${mark(r.changeFailureRate < r.targets.changeFailureRate)}  change failure rate ${pct(r.changeFailureRate)} (${r.failedChanges} of ${r.changes} flag changes rolled back within a day; target < ${pct(r.targets.changeFailureRate)})`,
  );
  lines.push(
    r.timeToRollback === null
      ? `      time to rollback: no rollbacks (${r.rollbacks} in the period)`
      : `${mark(r.timeToRollback.meanSeconds < r.targets.timeToRollbackSeconds)}  time to rollback: mean ${secs(r.timeToRollback.meanSeconds)}, p90 ${secs(r.timeToRollback.p90Seconds)} over ${r.timeToRollback.count} rollbacks (target < ${secs(r.targets.timeToRollbackSeconds)})`,
  );
  lines.push(`      blast radius: ${r.blastRadius.treatmentEvaluations} treatment evaluations and ${r.blastRadius.failedRequests} failed requests before ${r.blastRadius.rollbacks} guard rollbacks`);
  for (const f of r.flags.filter((f) => f.overLifespan)) lines.push(`WARN  ${f.flag} is ${f.ageDays} days old (lifespan target ${r.targets.lifespanDays} days): remove it`);
  lines.push(`      ${r.flags.length} flags; oldest ${r.flags[0] ? `${r.flags[0].flag} (${r.flags[0].ageDays} days)` : '—'}`);
  return lines.join('\n');
}
