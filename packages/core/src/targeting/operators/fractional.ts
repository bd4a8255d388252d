import { bucketOf, MAX_TOTAL_WEIGHT } from '../../bucketing/bucket.js';
import { murmur3Utf8, murmur3Utf8Concat } from '../../bucketing/murmur3.js';
import type { Operator } from '../operator.js';
import type { Compiled } from '../rule.js';

/** Buckets resolved to variants and running weight sums; null when the bucket list is invalid. */
interface Plan {
  readonly variants: readonly unknown[];
  readonly ends: readonly number[];
  readonly total: number;
}

/** Validates buckets as flagd does: `[variant, weight?]`, integer weights, negatives clamp to 0. */
function toPlan(buckets: readonly unknown[]): Plan | null {
  const variants: unknown[] = [];
  const ends: number[] = [];
  let total = 0;
  for (const entry of buckets) {
    if (!Array.isArray(entry) || entry.length === 0 || entry.length > 2) return null;
    const variant = entry[0];
    const kind = typeof variant;
    if (variant === null || variant === undefined) variants.push(null);
    else if (kind === 'string' || kind === 'number' || kind === 'boolean') variants.push(variant);
    else return null;
    let weight = 1;
    if (entry.length === 2) {
      const raw = entry[1];
      if (typeof raw !== 'number' || !Number.isInteger(raw)) return null;
      weight = Math.max(0, raw);
    }
    total += weight;
    ends.push(total);
  }
  return total > MAX_TOTAL_WEIGHT ? null : { variants, ends, total };
}

/** The variant whose bucket holds `hash`; null for an empty or invalid plan. */
function pick(plan: Plan | null, hash: number): unknown {
  if (plan === null || plan.total === 0) return null;
  const bucket = bucketOf(hash, plan.total);
  const { ends, variants } = plan;
  for (let i = 0; i < ends.length; i++) if (ends[i] > bucket) return variants[i];
  return null;
}

function valuesOf(parts: readonly Compiled[]): unknown[] | null {
  return parts.every((p) => p.constant) ? parts.map((p) => p.value) : null;
}

/**
 * `fractional`: sticky percentage buckets (flagd v2). If the first argument evaluates to a string it is
 * the bucketing value; otherwise every argument is a bucket and the value is flagKey + targetingKey.
 * Constant bucket lists (the usual case) are validated and summed once, at compile time.
 */
export const fractionalOperator: Operator = {
  pure: false,
  compile(input) {
    const { flagKey } = input.env;
    const parts = input.args();
    if (parts.length === 0) return () => null;
    const [first, ...rest] = parts;
    const restValues = valuesOf(rest);
    const restPlan = restValues && toPlan(restValues);
    const allValues = valuesOf(parts);
    const shorthandPlan = allValues && toPlan(allValues);
    const headRun = first.run;
    const restRuns = rest.map((p) => p.run);

    return (d, x) => {
      const head = headRun(d, x);
      if (typeof head === 'string') {
        return pick(restValues ? restPlan : toPlan(restRuns.map((run) => run(d, x))), murmur3Utf8(head));
      }
      const targetingKey = x.targetingKey;
      if (!targetingKey) return null;
      const plan = allValues ? shorthandPlan : toPlan([head, ...restRuns.map((run) => run(d, x))]);
      return pick(plan, murmur3Utf8Concat(flagKey, typeof targetingKey === 'string' ? targetingKey : String(targetingKey)));
    };
  },
};
