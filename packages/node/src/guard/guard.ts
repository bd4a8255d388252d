import type { EvaluationDetails, FlagValue, Hook, HookContext } from '@openfeature/server-sdk';
import { ProviderEvents } from '@openfeature/server-sdk';
import { createHash } from 'node:crypto';
import {
  addLatency,
  armSummary,
  emptyArm,
  errorRate,
  flagFingerprint,
  geometricMeanLatency,
  guardControlOf,
  guardSettingsOf,
  judge,
  type Arm,
  type ArmSummary,
  type SequentialTest,
  type Verdict,
} from '@switchyard/core';
import { EvidenceReporter, type EvidenceOptions } from './evidence.js';
import { reportRollback, reportTargetProblems, type ReportOutcome, type ReportTarget } from './report.js';
import { SwitchyardConfigError } from '../options.js';
import type { SwitchyardProvider, TrackingEvent } from '../provider.js';
import { RecentMap } from './recent.js';

export interface RolloutGuardOptions {
  /** The flags to guard. Control is `control` if given, else the flag's `defaultVariant`; every other variant served is a treatment. */
  readonly flags: readonly string[] | Readonly<Record<string, { readonly control?: string }>>;
  /** Error-rate difference tolerated, absolute; default 0.01 (one percentage point). */
  readonly margin?: number;
  /** False-positive bound of the sequential test, however often it looks; default 0.01. */
  readonly alpha?: number;
  /** Mixing standard deviation of the test (the difference it is tuned to find fast); default 0.05. */
  readonly tau?: number;
  /**
   * Latency slowdown tolerated: the treatment is rolled back when its geometric mean latency is more than
   * this much above control's (0.2 = 20% slower) with the same confidence; `null` turns latency decisions
   * off. Only latency you report with `track(latencyEvent, ctx, { value: ms })` counts. Default 0.2.
   */
  readonly latencyMargin?: number | null;
  /** Mixing standard deviation of the latency test, on the log scale (0.1 ≈ a 10% change); default 0.1. */
  readonly latencyTau?: number;
  /** Evaluations (and, for latency, latency samples) each variant needs before any decision; default 200. */
  readonly minSamples?: number;
  /** After a rollback, no new decision on that flag for this long; default 10 minutes. */
  readonly coolDownMs?: number;
  /** Tracking event names: default `error` and `latency` (`details.value` in ms). */
  readonly errorEvent?: string;
  readonly latencyEvent?: string;
  /** How many users' last variants are remembered to attribute their tracked errors; default 100,000. */
  readonly maxUsers?: number;
  /**
   * Report rollbacks to a Switchyard server (server key), which rolls the flag back for every instance.
   * A failed report (unreachable, 5xx, 429) is retried `retries` times (default 4) with jittered
   * exponential backoff from `retryMs` (default 500 ms); a 4xx other than 429 is not retried. Checked at
   * construction: a URL without a scheme (or another bad value) throws `SwitchyardConfigError`.
   */
  readonly report?: ReportTarget;
  /**
   * With `report`: send this process's counts to the server once per `intervalMs` (default 1,000), so it
   * judges the fleet's pooled evidence; `false` turns it off. See `EvidenceOptions`.
   */
  readonly evidence?: EvidenceOptions | false;
  /** Called with every decision (also logged through `logger.warn`). */
  readonly onRollback?: (decision: RollbackDecision) => void;
  readonly logger?: { warn(message: string): void; error(message: string): void };
}


/** A rollback and the numbers that caused it. */
export interface RollbackDecision {
  readonly flag: string;
  readonly from: string;
  readonly to: string;
  readonly at: string;
  readonly control: ArmSummary;
  readonly treatment: ArmSummary;
  /** What the treatment was worse at. */
  readonly metric: 'error rate' | 'latency';
  /** The test that decided; for latency `difference` is ln(treatment / control) of geometric means and `margin` is relative. */
  readonly test: SequentialTest & { readonly margin: number; readonly alpha: number };
  /** Evaluations of the flag that errored before producing a variant (not attributable to one). */
  readonly evaluationErrors: number;
  readonly message: string;
  /** Settles once the server has been told (or at once without `report`). */
  readonly reported: Promise<ReportOutcome>;
}

interface FlagState {
  arms: Map<string, Arm>;
  evaluationErrors: number;
  coolDownUntil: number;
}

const summary = armSummary;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number | undefined) => `${(x ?? 0).toFixed(1)} ms`;

/**
 * Guarded rollouts for the Node provider: an OpenFeature hook that counts, per flag and variant,
 * evaluations, errors (tracked `error` events of the users who were served it) and latency, and rolls
 * the flag back to control — in this process from the next evaluation, and through the server for
 * every instance — when the treatment's error rate is worse than control's by more than `margin`, or
 * its latency by more than `latencyMargin`.
 *
 *   const guard = new RolloutGuard(provider, { flags: ['new-checkout'], report: { url, key } });
 *   OpenFeature.addHooks(guard);
 *   client.track('error', ctx);                    // when a request fails
 *   client.track('latency', ctx, { value: ms });   // how long a request took
 */
export class RolloutGuard implements Hook {
  private readonly flags = new Map<string, { control?: string }>();
  private readonly state = new Map<string, FlagState>();
  /** flag + targeting key → the variant that user was last served. */
  private readonly served: RecentMap<string, string>;
  private readonly options: Required<Pick<RolloutGuardOptions, 'margin' | 'alpha' | 'tau' | 'latencyMargin' | 'latencyTau' | 'minSamples' | 'coolDownMs' | 'errorEvent' | 'latencyEvent'>> &
    RolloutGuardOptions;
  private readonly stop: () => void;
  private readonly decisions: RollbackDecision[] = [];
  private readonly logger: NonNullable<RolloutGuardOptions['logger']>;
  private readonly evidence?: EvidenceReporter;

  constructor(
    private readonly provider: SwitchyardProvider,
    options: RolloutGuardOptions,
  ) {
    this.options = { margin: 0.01, alpha: 0.01, tau: 0.05, latencyMargin: 0.2, latencyTau: 0.1, minSamples: 200, coolDownMs: 600_000, errorEvent: 'error', latencyEvent: 'latency', ...options };
    const flags = Array.isArray(options.flags) ? Object.fromEntries(options.flags.map((f) => [f, {}])) : options.flags;
    for (const [key, spec] of Object.entries(flags as Record<string, { control?: string }>)) this.flags.set(key, spec);
    const { alpha, margin, latencyMargin, minSamples } = this.options;
    if (!(alpha > 0 && alpha < 1) || !(margin >= 0) || !(latencyMargin === null || latencyMargin >= 0) || !(minSamples >= 1)) {
      throw new RangeError('RolloutGuard: alpha must be in (0, 1), margin ≥ 0, latencyMargin ≥ 0 or null, minSamples ≥ 1');
    }
    // Before anything starts: `report: { url: 'localhost:8013' }` fails here, naming the URL to write.
    const reportProblems = options.report ? reportTargetProblems(options.report) : [];
    if (reportProblems.length > 0) throw new SwitchyardConfigError(`invalid RolloutGuard options:\n  ${reportProblems.join('\n  ')}`);
    this.served = new RecentMap(options.maxUsers ?? 100_000);
    this.logger = options.logger ?? console;
    const untrack = provider.onTrack((event) => this.tracked(event));
    // A new definition of a guarded flag (a new rollout, an operator's fix) starts its statistics afresh.
    const changed = ({ flagsChanged = [] }: { flagsChanged?: string[] } = {}) => {
      for (const key of flagsChanged) if (this.flags.has(key) && !provider.overrides().has(key)) this.reset(key);
    };
    provider.events.addHandler(ProviderEvents.ConfigurationChanged, changed as never);
    if (options.report && options.evidence !== false) {
      const definitionOf = (flag: string) => {
        const snapshot = provider.snapshot;
        const fingerprint = snapshot && flagFingerprint(snapshot, flag);
        return fingerprint === undefined ? undefined : createHash('sha256').update(fingerprint).digest('hex');
      };
      this.evidence = new EvidenceReporter(options.report, { ...options.evidence, logger: this.logger, definitionOf });
    }
    this.stop = () => {
      untrack();
      provider.events.removeHandler(ProviderEvents.ConfigurationChanged, changed as never);
      this.evidence?.close();
    };
  }

  after(hookContext: HookContext, details: EvaluationDetails<FlagValue>): void {
    if (!this.flags.has(details.flagKey) || details.variant === undefined) return;
    this.count(details.flagKey, details.variant, (arm) => arm.n++);
    const user = hookContext.context.targetingKey;
    if (user !== undefined) this.served.set(`${details.flagKey}\u0000${user}`, details.variant);
  }

  error(hookContext: HookContext): void {
    if (this.flags.has(hookContext.flagKey)) this.flagState(hookContext.flagKey).evaluationErrors++;
  }

  /** Statistics so far: flag → variant → counts. */
  stats(): Record<string, Record<string, ArmSummary>> {
    return Object.fromEntries([...this.state].map(([flag, s]) => [flag, Object.fromEntries([...s.arms].map(([v, a]) => [v, summary(v, a)]))]));
  }

  /** Every rollback decided so far. */
  rollbacks(): readonly RollbackDecision[] {
    return this.decisions;
  }

  /** Stops counting; evidence not yet sent is sent once more (awaited). */
  async close(): Promise<void> {
    this.stop();
    await this.evidence?.flush();
  }

  private tracked(event: TrackingEvent): void {
    const user = event.context.targetingKey;
    if (user === undefined) return;
    if (event.name === 'migration') return this.migrated(user, event.details);
    const isError = event.name === this.options.errorEvent;
    const latency = event.name === this.options.latencyEvent ? event.details?.value : undefined;
    if (!isError && typeof latency !== 'number') return;
    for (const flag of this.flags.keys()) {
      const variant = this.served.get(`${flag}\u0000${user}`);
      if (variant === undefined) continue;
      this.count(flag, variant, (arm) => (isError ? arm.errors++ : addLatency(arm, latency!)));
      this.check(flag); // the statistics can only cross a threshold on an error or a latency sample
    }
  }

  /**
   * Judges the flag on this process's own counts: the fast path for a busy instance (the server judges
   * the fleet's pooled evidence the same way). Settings in the flag's metadata (`guardMargin`, …) win
   * over the options, so every instance and the server agree.
   */
  /**
   * A `Migration` operation evaluates its flag without the SDK (no `after` hook): its `migration`
   * event says which stage this user was served, and counts as that evaluation.
   */
  private migrated(user: string, details: TrackingEvent['details']): void {
    const { flag, stage } = details as { flag?: unknown; stage?: unknown };
    if (typeof flag !== 'string' || typeof stage !== 'string' || !this.flags.has(flag)) return;
    this.count(flag, stage, (arm) => arm.n++);
    this.served.set(`${flag}\u0000${user}`, stage);
  }

  private check(flag: string): void {
    const s = this.flagState(flag);
    if (Date.now() < s.coolDownUntil || this.provider.overrides().has(flag)) return;
    const snapshotFlag = this.provider.snapshot?.flags.get(flag);
    const metadata = snapshotFlag?.definition.metadata;
    const control = this.flags.get(flag)?.control ?? guardControlOf(metadata, snapshotFlag?.defaultVariant);
    if (control === undefined || !snapshotFlag?.variants.has(control)) return; // nothing valid to roll back to
    const verdict = judge(s.arms, control, guardSettingsOf(metadata, this.options));
    if (verdict) this.rollback(flag, control, verdict, s);
  }

  private rollback(flag: string, to: string, { variant: from, metric, test }: Verdict, s: FlagState): void {
    const controlArm = s.arms.get(to)!;
    const arm = s.arms.get(from)!;
    const { alpha, margin } = test;
    const evidence =
      metric === 'latency'
        ? `latency ${ms(geometricMeanLatency(arm))} vs ${ms(geometricMeanLatency(controlArm))} (geometric means of ${arm.latencyCount} and ${controlArm.latencyCount} samples), ` +
          `${pct(Math.exp(test.difference) - 1)} slower > margin ${pct(margin)}`
        : `error rate ${pct(errorRate(arm))} (${arm.errors}/${arm.n}) vs ${pct(errorRate(controlArm))} (${controlArm.errors}/${controlArm.n}), difference ${pct(test.difference)} > margin ${pct(margin)}`;
    const message =
      `rolled back ${flag} from "${from}" to "${to}": ${evidence}; ` +
      `mSPRT ln Λ = ${test.logLikelihoodRatio.toFixed(2)} ≥ ln(1/α) = ${test.threshold.toFixed(2)} (α = ${alpha})`;
    this.provider.override(flag, to, message); // in force from the next evaluation
    s.coolDownUntil = Date.now() + this.options.coolDownMs;
    const decision: RollbackDecision = {
      flag,
      from,
      to,
      at: new Date().toISOString(),
      control: summary(to, controlArm),
      treatment: summary(from, arm),
      metric,
      test,
      evaluationErrors: s.evaluationErrors,
      message,
      reported: this.report(flag, to, message),
    };
    this.decisions.push(decision);
    this.logger.warn(`switchyard guard: ${message}`);
    this.options.onRollback?.(decision);
  }

  private report(flag: string, variant: string, reason: string): Promise<ReportOutcome> {
    return this.options.report ? reportRollback(this.options.report, { flag, variant, reason }, this.logger) : Promise.resolve('not reported');
  }

  private reset(flag: string): void {
    const s = this.state.get(flag);
    if (s) (s.arms = new Map()), (s.evaluationErrors = 0);
    this.evidence?.forget(flag);
  }

  private flagState(flag: string): FlagState {
    let s = this.state.get(flag);
    if (!s) this.state.set(flag, (s = { arms: new Map(), evaluationErrors: 0, coolDownUntil: 0 }));
    return s;
  }

  /** Counts into this process's statistics and into the evidence not yet sent to the server. */
  private count(flag: string, variant: string, add: (arm: Arm) => void): void {
    const s = this.flagState(flag);
    let arm = s.arms.get(variant);
    if (!arm) s.arms.set(variant, (arm = emptyArm()));
    add(arm);
    this.evidence?.count(flag, variant, add);
  }
}
