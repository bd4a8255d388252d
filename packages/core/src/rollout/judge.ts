import type { FlagMetadata } from '../model/types.js';
import { emptyArm, errorRate, errorRateTest, geometricMeanLatency, latencyTest, meanLatency, type Arm, type SequentialTest } from './stats.js';

/** How a guarded rollout is judged: the same numbers in every process and on the server. */
export interface GuardSettings {
  /** Error-rate difference tolerated, absolute (0.01 = one percentage point). */
  readonly margin: number;
  /** False-positive bound of the sequential test, however often it looks. */
  readonly alpha: number;
  /** Mixing standard deviation of the error-rate test. */
  readonly tau: number;
  /** Latency slowdown tolerated, relative (0.2 = 20% slower); null: latency is not judged. */
  readonly latencyMargin: number | null;
  /** Mixing standard deviation of the latency test, on the log scale. */
  readonly latencyTau: number;
  /** Evaluations (and latency samples, for latency) each variant needs before any decision. */
  readonly minSamples: number;
}

export const DEFAULT_GUARD: GuardSettings = /* @__PURE__ */ Object.freeze({ margin: 0.01, alpha: 0.01, tau: 0.05, latencyMargin: 0.2, latencyTau: 0.1, minSamples: 200 });

/** Flag metadata keys that set a flag's guard, so every instance and the server judge it alike. */
const KEYS = { margin: 'guardMargin', alpha: 'guardAlpha', tau: 'guardTau', latencyMargin: 'guardLatencyMargin', latencyTau: 'guardLatencyTau', minSamples: 'guardMinSamples' } as const;

/**
 * `base` with what the flag's metadata says: `guardMargin`, `guardAlpha`, `guardTau`,
 * `guardLatencyMargin` (a number, or `false` to judge no latency), `guardLatencyTau`,
 * `guardMinSamples`. Values out of range are ignored (the base stands).
 */
export function guardSettingsOf(metadata: FlagMetadata | undefined, base: GuardSettings = DEFAULT_GUARD): GuardSettings {
  if (!metadata) return base;
  const number = (key: string, ok: (n: number) => boolean) => {
    const value = metadata[key];
    return typeof value === 'number' && ok(value) ? value : undefined;
  };
  const latencyOff = metadata[KEYS.latencyMargin] === false;
  return {
    margin: number(KEYS.margin, (n) => n >= 0 && n < 1) ?? base.margin,
    alpha: number(KEYS.alpha, (n) => n > 0 && n < 1) ?? base.alpha,
    tau: number(KEYS.tau, (n) => n > 0) ?? base.tau,
    latencyMargin: latencyOff ? null : (number(KEYS.latencyMargin, (n) => n >= 0) ?? base.latencyMargin),
    latencyTau: number(KEYS.latencyTau, (n) => n > 0) ?? base.latencyTau,
    minSamples: number(KEYS.minSamples, (n) => Number.isInteger(n) && n >= 1) ?? base.minSamples,
  };
}

/** Control for a guarded flag: `guardControl` in its metadata, else its default variant. */
export const guardControlOf = (metadata: FlagMetadata | undefined, defaultVariant: string | undefined): string | undefined =>
  typeof metadata?.guardControl === 'string' ? metadata.guardControl : defaultVariant;

/** A treatment found worse than control, and the test that found it. */
export interface Verdict {
  readonly variant: string;
  readonly metric: 'error rate' | 'latency';
  readonly test: SequentialTest & { readonly margin: number; readonly alpha: number };
}

/**
 * Runs the sequential tests of every treatment against control (error rate first, then latency) and
 * returns the first one found worse, or undefined. Valid whenever it is called — after every event or
 * after each batch of pooled evidence: the mixture SPRT bounds the false-positive rate by `alpha` at
 * any stopping time.
 */
export function judge(arms: ReadonlyMap<string, Arm>, control: string, settings: GuardSettings): Verdict | undefined {
  const controlArm = arms.get(control);
  const { minSamples, latencyMargin, latencyTau, alpha, margin } = settings;
  if (!controlArm || controlArm.n < minSamples) return undefined;
  for (const [variant, arm] of arms) {
    if (variant === control || arm.n < minSamples) continue;
    const errors = errorRateTest(controlArm, arm, settings);
    if (errors.worse) return { variant, metric: 'error rate', test: { ...errors, margin, alpha } };
    if (latencyMargin === null || arm.latencyCount < minSamples || controlArm.latencyCount < minSamples) continue;
    const latency = latencyTest(controlArm, arm, { margin: latencyMargin, alpha, tau: latencyTau });
    if (latency.worse) return { variant, metric: 'latency', test: { ...latency, margin: latencyMargin, alpha } };
  }
  return undefined;
}

/** Adds `from`'s counts into `into` (pooling evidence). */
export function addArm(into: Arm, from: Arm): Arm {
  into.n += from.n;
  into.errors += from.errors;
  into.latencyCount += from.latencyCount;
  into.latencySum += from.latencySum;
  into.logLatencySum += from.logLatencySum;
  into.logLatencySquares += from.logLatencySquares;
  return into;
}

/** A copy. */
export const cloneArm = (arm: Arm): Arm => addArm(emptyArm(), arm);

const COUNTS = ['n', 'errors', 'latencyCount'] as const;
const SUMS = ['latencySum', 'logLatencySum', 'logLatencySquares'] as const;

/** An Arm from untrusted JSON: whole non-negative counts within 2^40, finite sums; undefined otherwise. */
export function armOf(value: unknown): Arm | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  for (const key of COUNTS) {
    const n = record[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 2 ** 40) return undefined;
  }
  for (const key of SUMS) if (typeof record[key] !== 'number' || !Number.isFinite(record[key] as number)) return undefined;
  const arm = Object.fromEntries([...COUNTS, ...SUMS].map((k) => [k, record[k]])) as unknown as Arm;
  // Σ(log²) ≥ (Σ log)² / count for any real samples: counts that break it were not measured.
  const possible = arm.latencyCount === 0 ? arm.logLatencySum === 0 && arm.logLatencySquares === 0 : arm.logLatencySquares * (1 + 1e-9) + 1e-9 >= (arm.logLatencySum * arm.logLatencySum) / arm.latencyCount;
  return arm.errors <= arm.n && arm.latencySum >= 0 && arm.logLatencySquares >= 0 && possible ? arm : undefined;
}

/** One variant's numbers, as a decision reports them. */
export interface ArmSummary {
  readonly variant: string;
  readonly evaluations: number;
  readonly errors: number;
  readonly errorRate: number;
  readonly latencySamples: number;
  readonly meanLatencyMs?: number;
  readonly geometricMeanLatencyMs?: number;
}

export const armSummary = (variant: string, arm: Arm): ArmSummary => ({
  variant,
  evaluations: arm.n,
  errors: arm.errors,
  errorRate: errorRate(arm),
  latencySamples: arm.latencyCount,
  meanLatencyMs: meanLatency(arm),
  geometricMeanLatencyMs: geometricMeanLatency(arm),
});
