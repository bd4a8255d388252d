import { armOf, type Arm } from '@switchyard/core';
import type { Batch } from './evidence.js';

/** Bounds on one `POST /v1/evidence` batch (the body itself is at most 1 MiB). */
export const BATCH_LIMITS = { instance: 200, flags: 1000, variants: 100 } as const;

/** A batch from an untrusted body, or what is wrong with it. */
export function batchOf(body: unknown): Batch | string {
  const usage = 'body must be {"instance": string, "seq": positive integer, "flags": {FLAG: {VARIANT: {n, errors, latencyCount, latencySum, logLatencySum, logLatencySquares}}}}';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return usage;
  const { instance, seq, flags } = body as Record<string, unknown>;
  if (typeof instance !== 'string' || instance.length === 0 || instance.length > BATCH_LIMITS.instance) return `instance must be a string of 1–${BATCH_LIMITS.instance} characters`;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return 'seq must be a positive whole number';
  if (typeof flags !== 'object' || flags === null || Array.isArray(flags)) return usage;
  const entries = Object.entries(flags);
  if (entries.length > BATCH_LIMITS.flags) return `at most ${BATCH_LIMITS.flags} flags per batch`;
  const parsed = new Map<string, Map<string, Arm>>();
  for (const [flag, variants] of entries) {
    if (typeof variants !== 'object' || variants === null || Array.isArray(variants)) return `flags.${flag}: must be an object of variants`;
    const arms = Object.entries(variants);
    if (arms.length > BATCH_LIMITS.variants) return `flags.${flag}: at most ${BATCH_LIMITS.variants} variants`;
    const map = new Map<string, Arm>();
    for (const [variant, value] of arms) {
      const arm = armOf(value);
      if (!arm) return `flags.${flag}.${variant}: counts must be whole numbers ≥ 0 (errors ≤ n) and finite sums`;
      map.set(variant, arm);
    }
    parsed.set(flag, map);
  }
  const { definitions } = body as Record<string, unknown>;
  if (definitions !== undefined && (typeof definitions !== 'object' || definitions === null || Array.isArray(definitions) || !Object.values(definitions).every((d) => typeof d === 'string' && d.length <= 128))) {
    return 'definitions must map flags to definition hashes (strings)';
  }
  return { instance, seq, flags: parsed, ...(definitions ? { definitions: new Map(Object.entries(definitions as Record<string, string>)) } : {}) };
}
