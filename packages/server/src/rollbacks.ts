import { extensionOperators, loadSnapshot, type Snapshot } from '@switchyard/core';

/**
 * A rollback pinned on a flag by a guard (or an operator) through `POST /v1/rollbacks`: every client is
 * served `variant` to everyone until the flag is changed at its source (an operator has acted) or the
 * rollback is lifted (`DELETE /v1/rollbacks/{flag}`).
 */
export interface Rollback {
  readonly flag: string;
  readonly variant: string;
  readonly reason: string;
  readonly by: string;
  readonly at: string;
  /** The flag's definition at its source when the rollback was made (JSON): a different one lifts it. */
  readonly baseline: string;
}

/** A rollback as the API and the audit trail show it (without the baseline definition). */
export const publicView = ({ baseline: _, ...rollback }: Rollback): Omit<Rollback, 'baseline'> => rollback;

type FlagJson = { defaultVariant?: unknown; targeting?: unknown; metadata?: Record<string, unknown> };

export const definitionOf = (snapshot: Snapshot, flag: string): string | undefined => {
  const flags = (snapshot.document as { flags: Record<string, unknown> }).flags;
  return Object.hasOwn(flags, flag) ? JSON.stringify(flags[flag]) : undefined;
};

/**
 * The source's snapshot with the rollbacks applied (the flag's default becomes the rollback variant,
 * its targeting is removed, `metadata.rolledBack` says why), and the rollbacks that no longer apply
 * because the flag changed or disappeared at the source.
 */
export function applyRollbacks(source: Snapshot, rollbacks: ReadonlyMap<string, Rollback>): { snapshot: Snapshot; lifted: Rollback[] } {
  const lifted: Rollback[] = [];
  const active = [...rollbacks.values()].filter((r) => (definitionOf(source, r.flag) === r.baseline ? true : (lifted.push(r), false)));
  if (active.length === 0) return { snapshot: source, lifted };
  const document = JSON.parse(JSON.stringify(source.document)) as { flags: Record<string, FlagJson> };
  for (const r of active) {
    const flag = document.flags[r.flag];
    flag.defaultVariant = r.variant;
    delete flag.targeting;
    flag.metadata = { ...flag.metadata, rolledBack: `${r.at} by ${r.by}: ${r.reason}` };
  }
  // Valid by construction (the variant was checked when the rollback was made); Node: every extension on.
  return { snapshot: loadSnapshot(document, { operators: extensionOperators }), lifted };
}
