import type { Pin } from '@switchyard/core';

/**
 * A rollback pinned on a flag by a guard (or an operator) through `POST /v1/rollbacks`: the core's
 * pin, with who made it. Every client is served `variant` to everyone until the flag is changed at its
 * source (an operator has acted) or the rollback is lifted (`DELETE /v1/rollbacks/{flag}`).
 */
export type Rollback = Pin & { readonly by: string };

/** A rollback as the API and the audit trail show it (without the definitions it was made against). */
export const publicView = ({ baseline: _, known: __, ...rollback }: Pin): Omit<Rollback, 'baseline' | 'known'> => ({ by: 'unknown', ...rollback });
