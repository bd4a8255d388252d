// The guard's statistics. Decisions use a one-sided mixture sequential probability ratio test (mSPRT,
// Johari, Pekelis & Walsh, "Always valid inference", 2017) on a difference between treatment and
// control — of error rates, and of mean log latency — so the guard may look after every single event
// without inflating its false-positive rate above `alpha`.

/** What one variant has seen. */
export interface Arm {
  /** Evaluations that served this variant. */
  n: number;
  /** Errors attributed to it (`track('error')` by a user it was served to). */
  errors: number;
  /** Latency reported with `track('latency', ctx, { value: ms })`: count, sum, and sums of logs and squared logs. */
  latencyCount: number;
  latencySum: number;
  logLatencySum: number;
  logLatencySquares: number;
}

export const emptyArm = (): Arm => ({ n: 0, errors: 0, latencyCount: 0, latencySum: 0, logLatencySum: 0, logLatencySquares: 0 });

/** Adds one latency sample (ms); negative, infinite or NaN values are ignored. */
export function addLatency(arm: Arm, ms: number): void {
  if (!(ms >= 0 && ms < Infinity)) return;
  const log = Math.log(Math.max(ms, 1e-3)); // a 0 ms reading (coarse timers) counts as 1 µs
  arm.latencyCount++;
  arm.latencySum += ms;
  arm.logLatencySum += log;
  arm.logLatencySquares += log * log;
}

/** One sequential test's outcome. */
export interface SequentialTest {
  /** Treatment minus control: error rates, or mean log latency (ln of the ratio of geometric means). */
  readonly difference: number;
  /** ln Λ, the log mixture likelihood ratio against "difference ≤ margin". */
  readonly logLikelihoodRatio: number;
  /** ln(1 / alpha): the test rejects at or above it. */
  readonly threshold: number;
  /** True when the treatment is worse than control by more than the margin, with confidence 1 − alpha. */
  readonly worse: boolean;
}
export type ErrorRateTest = SequentialTest;

export interface TestOptions {
  /** Difference tolerated: absolute for error rates (0.01 = one point), relative for latency (0.2 = 20% slower). */
  readonly margin: number;
  /** Bound on the false-positive rate, however often the test is run. */
  readonly alpha: number;
  /** Standard deviation of the mixing distribution: the size of difference the test is tuned to find quickly. */
  readonly tau: number;
}

/**
 * H0: θ ≤ margin, for an observed difference θ̂ with variance V:
 *   Λ = sqrt(V / (V + τ²)) · exp(τ² (θ̂ − margin)² / (2 V (V + τ²)))
 * and H0 is rejected when θ̂ > margin and Λ ≥ 1 / alpha.
 */
function msprt(difference: number, v: number, margin: number, alpha: number, tau: number): SequentialTest {
  const t2 = tau * tau;
  const excess = difference - margin;
  const logLikelihoodRatio = 0.5 * Math.log(v / (v + t2)) + (t2 * excess * excess) / (2 * v * (v + t2));
  const threshold = Math.log(1 / alpha);
  return { difference, logLikelihoodRatio, threshold, worse: excess > 0 && logLikelihoodRatio >= threshold };
}

/** Error rates, smoothed as (x + 1) / (n + 2) for the variance so that zero errors do not give zero variance. */
export function errorRateTest(control: Arm, treatment: Arm, { margin, alpha, tau }: TestOptions): SequentialTest {
  const smoothed = (a: Arm) => (a.errors + 1) / (a.n + 2);
  const variance = (a: Arm) => (smoothed(a) * (1 - smoothed(a))) / Math.max(a.n, 1);
  return msprt(errorRate(treatment) - errorRate(control), variance(treatment) + variance(control), margin, alpha, tau);
}

/**
 * Latency compared on the log scale (request latencies are skewed; their logs are close to normal):
 * θ̂ = mean ln(treatment) − mean ln(control), the log of the ratio of geometric means, tested against
 * ln(1 + margin). V uses each arm's sample variance of the logs.
 */
export function latencyTest(control: Arm, treatment: Arm, { margin, alpha, tau }: TestOptions): SequentialTest {
  const mean = (a: Arm) => a.logLatencySum / a.latencyCount;
  const variance = (a: Arm) => Math.max((a.logLatencySquares - a.latencyCount * mean(a) ** 2) / Math.max(a.latencyCount - 1, 1), 1e-9) / a.latencyCount;
  return msprt(mean(treatment) - mean(control), variance(treatment) + variance(control), Math.log(1 + margin), alpha, tau);
}

export const errorRate = (a: Arm) => (a.n === 0 ? 0 : a.errors / a.n);
export const meanLatency = (a: Arm) => (a.latencyCount === 0 ? undefined : a.latencySum / a.latencyCount);
export const geometricMeanLatency = (a: Arm) => (a.latencyCount === 0 ? undefined : Math.exp(a.logLatencySum / a.latencyCount));
