import type { Pin } from '@switchyard/core';

/**
 * A rollback pinned on a flag by a guard (or an operator) through `POST /v1/rollbacks`: the core's
 * pin, with who made it. Every client is served `variant` to everyone until the flag is changed at its
 * source (an operator has acted) or the rollback is lifted (`DELETE /v1/rollbacks/{flag}`).
 */
export type Rollback = Pin & { readonly by: string };

/** A rollback as the API and the audit trail show it (without the definitions it was made against). */
export type PublicRollback = Omit<Rollback, 'baseline' | 'known'>;

export const publicView = ({ baseline: _, known: __, ...rollback }: Pin): PublicRollback => ({ by: 'unknown', ...rollback });

const FIELDS = ['flag', 'variant', 'reason', 'by', 'at', 'baseline'] as const;

/** Whether a value read back from disk or the database is a whole rollback (it may have been edited by hand). */
export function isRollback(value: unknown): value is Rollback {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  if (!FIELDS.every((field) => typeof record[field] === 'string')) return false;
  const known = record.known;
  return known === undefined || (Array.isArray(known) && known.length <= 20 && known.every((k) => typeof k === 'string'));
}

/** Same rollback (the fields that make it; not when it was read). */
export const sameRollback = (a: Pin | undefined, b: Rollback): boolean => a !== undefined && FIELDS.every((field) => a[field] === b[field]);
