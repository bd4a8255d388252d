// The guard's statistics. Decisions use a one-sided mixture sequential probability ratio test (mSPRT,
// Johari, Pekelis & Walsh, "Always valid inference", 2017) on the difference of error rates, so the
// guard may look after every single event without inflating its false-positive rate above `alpha`.

/** What one variant has seen. */
export interface Arm {
  /** Evaluations that served this variant. */
  n: number;
  /** Errors attributed to it (`track('error')` by a user it was served to). */
  errors: number;
  /** Latency reported with `track('latency', ctx, { value: ms })`: count and sum. */
  latencyCount: number;
  latencySum: number;
}

export const emptyArm = (): Arm => ({ n: 0, errors: 0, latencyCount: 0, latencySum: 0 });

export interface ErrorRateTest {
  /** Treatment error rate minus control's. */
  readonly difference: number;
  /** ln Λ, the log mixture likelihood ratio against "difference ≤ margin". */
  readonly logLikelihoodRatio: number;
  /** ln(1 / alpha): the test rejects at or above it. */
  readonly threshold: number;
  /** True when the treatment is worse than control by more than `margin`, with confidence 1 − alpha. */
  readonly worse: boolean;
}

export interface TestOptions {
  /** Error-rate difference tolerated (absolute, e.g. 0.01 = one percentage point). */
  readonly margin: number;
  /** Bound on the false-positive rate, however often the test is run. */
  readonly alpha: number;
  /** Standard deviation of the mixing distribution: the size of difference the test is tuned to find quickly. */
  readonly tau: number;
}

/**
 * H0: p_treatment − p_control ≤ margin. With θ̂ the observed difference and V its variance (rates
 * smoothed as (x + 1) / (n + 2) so that zero errors do not give zero variance):
 *   Λ = sqrt(V / (V + τ²)) · exp(τ² (θ̂ − margin)² / (2 V (V + τ²)))
 * and H0 is rejected when θ̂ > margin and Λ ≥ 1 / alpha.
 */
export function errorRateTest(control: Arm, treatment: Arm, { margin, alpha, tau }: TestOptions): ErrorRateTest {
  const rate = (a: Arm) => (a.n === 0 ? 0 : a.errors / a.n);
  const smoothed = (a: Arm) => (a.errors + 1) / (a.n + 2);
  const variance = (a: Arm) => (smoothed(a) * (1 - smoothed(a))) / Math.max(a.n, 1);
  const difference = rate(treatment) - rate(control);
  const v = variance(treatment) + variance(control);
  const t2 = tau * tau;
  const excess = difference - margin;
  const logLikelihoodRatio = 0.5 * Math.log(v / (v + t2)) + (t2 * excess * excess) / (2 * v * (v + t2));
  const threshold = Math.log(1 / alpha);
  return { difference, logLikelihoodRatio, threshold, worse: excess > 0 && logLikelihoodRatio >= threshold };
}

export const errorRate = (a: Arm) => (a.n === 0 ? 0 : a.errors / a.n);
export const meanLatency = (a: Arm) => (a.latencyCount === 0 ? undefined : a.latencySum / a.latencyCount);
