import type { Flag } from './flag.js';
import type { Snapshot } from './snapshot.js';

export interface SnapshotDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

/**
 * Which flags differ between two snapshots: added, removed, or changed in state, variants,
 * defaultVariant, targeting (including the `$evaluators` it references) or metadata (flag metadata
 * merged over flag-set metadata, so a flag-set metadata change touches every flag, as in flagd).
 */
export function diffSnapshots(previous: Snapshot | undefined, next: Snapshot): SnapshotDiff {
  const before = previous?.flags ?? new Map<string, Flag>();
  const added: string[] = [];
  const changed: string[] = [];
  for (const [key, flag] of next.flags) {
    const old = before.get(key);
    if (old === undefined) added.push(key);
    else if (!sameFlag(old, flag, previous!, next)) changed.push(key);
  }
  const removed = [...before.keys()].filter((key) => !next.flags.has(key));
  return { added, removed, changed };
}

/** All changed keys in one list (added, removed, changed): PROVIDER_CONFIGURATION_CHANGED's flagsChanged. */
export function changedFlagKeys(previous: Snapshot | undefined, next: Snapshot): string[] {
  const { added, removed, changed } = diffSnapshots(previous, next);
  return [...added, ...removed, ...changed];
}

function sameFlag(a: Flag, b: Flag, before: Snapshot, after: Snapshot): boolean {
  const x = a.definition;
  const y = b.definition;
  if (x === y && a.metadata === b.metadata) return true;
  if (
    x.state !== y.state ||
    (x.defaultVariant || null) !== (y.defaultVariant || null) ||
    !deepEqual(x.variants, y.variants) ||
    !deepEqual(x.targeting ?? null, y.targeting ?? null) ||
    !deepEqual(a.metadata, b.metadata)
  ) {
    return false;
  }
  // Same targeting text, but the evaluators it pulls in may have changed.
  const beforeEvaluators = before.document.$evaluators ?? {};
  const afterEvaluators = after.document.$evaluators ?? {};
  for (const name of b.refs) {
    if (!deepEqual(beforeEvaluators[name], afterEvaluators[name])) return false;
  }
  return true;
}

/** Structural equality of JSON values; object key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
