import type { EvaluationContext } from '@openfeature/server-sdk';
import { isStage, previousSafeStage, readPlan, STAGES, writePlan, type Origin, type Stage } from '@switchyard/core';
import { reportRollback, type ReportOutcome, type ReportTarget } from './guard/report.js';
import type { SwitchyardProvider } from './provider.js';

export interface MigrationOptions<TRead, TWrite, TReadInput, TWriteInput> {
  /** The migration flag: a string flag whose variants are the stages (`"migration": true` in its metadata). */
  readonly flag: string;
  readonly readOld: (input: TReadInput) => TRead | Promise<TRead>;
  readonly readNew: (input: TReadInput) => TRead | Promise<TRead>;
  readonly writeOld: (input: TWriteInput) => TWrite | Promise<TWrite>;
  readonly writeNew: (input: TWriteInput) => TWrite | Promise<TWrite>;
  /** Compares the two answers of a read that ran both (`shadow`, `live`); without it nothing is compared. */
  readonly check?: (old: TRead, next: TRead) => boolean;
  /** Share of two-origin reads compared, 0–1; default 1. */
  readonly checkRatio?: number;
  /** Both reads at once (default), or old then new. */
  readonly execution?: 'concurrent' | 'sequential';
  /** The stage when the flag cannot be evaluated or names no stage; default `off` (old only). */
  readonly defaultStage?: Stage;
  /**
   * Back to the previous safe stage, for everyone, when the new origin misbehaves: `maxInconsistencies`
   * failed checks (default 3) or `maxNewErrors` errors of the new origin (default 5) among the last
   * `window` operations that involved it (default 1,000). `false`: never (events only).
   */
  readonly rollback?: { readonly maxInconsistencies?: number; readonly maxNewErrors?: number; readonly window?: number } | false;
  /** Report that rollback to a Switchyard server, which pins the stage for every instance. */
  readonly report?: ReportTarget;
  /** Tracking event names; default `error` (the new origin failed or disagreed) and `latency` (ms). */
  readonly errorEvent?: string;
  readonly latencyEvent?: string;
  readonly logger?: { warn(message: string): void; error(message: string): void };
  /** Random numbers in [0, 1) for `checkRatio` sampling; default Math.random. */
  readonly random?: () => number;
}

/** What one origin did in an operation. */
export interface OriginOutcome {
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: unknown;
}

/** What an operation did: the stage, which origins ran, which answered, and whether the answers agreed. */
export interface MigrationOutcome {
  readonly stage: Stage;
  readonly operation: 'read' | 'write';
  readonly origins: Partial<Record<Origin, OriginOutcome>>;
  /** The origin whose result (or failure) the caller gets. */
  readonly answer: Origin;
  /** Reads that ran both and were compared; undefined when not compared. */
  readonly consistent?: boolean;
}

export type MigrationResult<T> = ({ readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown }) & { readonly outcome: MigrationOutcome };

/** A migration's decision to go back a stage. */
export interface MigrationRollback {
  readonly flag: string;
  readonly from: Stage;
  readonly to: Stage;
  readonly reason: string;
  readonly reported: Promise<ReportOutcome>;
}

/**
 * Recent operations that involved the new origin: whether each failed a check or errored, and its
 * stage. A ring of `size` entries with running counts: constant work per operation.
 */
class Window {
  private readonly entries: { inconsistent: boolean; errored: boolean; stage: Stage }[] = [];
  private next = 0;
  private inconsistencies = 0;
  private errors = 0;
  constructor(private readonly size: number) {}
  add(inconsistent: boolean, errored: boolean, stage: Stage): { inconsistencies: number; errors: number } {
    const entry = { inconsistent, errored, stage };
    if (this.entries.length < this.size) this.entries.push(entry);
    else {
      const out = this.entries[this.next];
      this.inconsistencies -= Number(out.inconsistent);
      this.errors -= Number(out.errored);
      this.entries[this.next] = entry;
      this.next = (this.next + 1) % this.size;
    }
    this.inconsistencies += Number(inconsistent);
    this.errors += Number(errored);
    return { inconsistencies: this.inconsistencies, errors: this.errors };
  }
  seen(stage: Stage): boolean {
    return this.entries.some((e) => e.stage === stage);
  }
  /** The earliest stage among the recent operations (a ramp has users in several). */
  lowest(): Stage | undefined {
    let lowest: Stage | undefined;
    for (const { stage } of this.entries) if (lowest === undefined || STAGES.indexOf(stage) < STAGES.indexOf(lowest)) lowest = stage;
    return lowest;
  }
  clear(): void {
    this.entries.length = 0;
    this.next = 0;
    this.inconsistencies = 0;
    this.errors = 0;
  }
}

const elapsed = (start: number) => performance.now() - start;

/**
 * An expand–contract migration driven by a flag: each call evaluates the flag for the caller's context
 * (so targeting and sticky ramps move users between stages) and runs the old and new implementations
 * as the stage says. Reads: `off`/`dualwrite` old; `shadow` both, old answers; `live` both, new
 * answers; `rampdown`/`complete` new. Writes: `off` old; `dualwrite`/`shadow` old then new (new skipped
 * if old fails); `live`/`rampdown` new then old (old skipped if new fails); `complete` new.
 *
 * The stage comes from the provider's synchronous evaluator and every operation is tracked through
 * the provider's OpenFeature tracking (`migration` with the flag and stage, and `error`/`latency` for
 * the new origin) — not through the SDK's client, whose own cost per call (~12 µs) would dwarf the
 * helper's. A `RolloutGuard` on the provider counts each `migration` event as an evaluation of that
 * stage, so it can compare stages; and when the new origin disagrees or fails too often, the
 * migration itself goes back to the previous safe stage for everyone — the same pin a guard's
 * rollback is, reported to the server with `report`.
 *
 *   const users = new Migration(provider, { flag: 'users-email', readOld, readNew, writeOld, writeNew, check: (a, b) => a === b });
 *   const email = await users.read({ targetingKey: userId }, userId);
 */
export class Migration<TRead, TWrite = unknown, TReadInput = void, TWriteInput = void> {
  private readonly window: Window;
  private readonly decisions: MigrationRollback[] = [];
  private readonly logger: NonNullable<MigrationOptions<TRead, TWrite, TReadInput, TWriteInput>['logger']>;
  private readonly random: () => number;
  /** A write to old failed after new took it (`live`, `rampdown`): old is behind, and must not answer again by itself. */
  private oldBehind = false;
  /** Said once: a misbehaving migration this helper will not move by itself. */
  private stuck = false;

  constructor(
    private readonly provider: SwitchyardProvider,
    private readonly options: MigrationOptions<TRead, TWrite, TReadInput, TWriteInput>,
  ) {
    const ratio = options.checkRatio ?? 1;
    if (!(ratio >= 0 && ratio <= 1)) throw new RangeError('Migration: checkRatio must be in [0, 1]');
    if (options.defaultStage !== undefined && !isStage(options.defaultStage)) throw new RangeError(`Migration: defaultStage must be one of the stages, not ${String(options.defaultStage)}`);
    this.window = new Window(options.rollback === false ? 1 : (options.rollback?.window ?? 1000));
    this.logger = options.logger ?? console;
    this.random = options.random ?? Math.random;
  }

  /** The stage for this context (a flag that is missing or names no stage: `defaultStage`). */
  stage(context: EvaluationContext): Stage {
    const fallback = this.options.defaultStage ?? 'off';
    const value = this.provider.evaluator.getStringValue(this.options.flag, fallback, context);
    return isStage(value) ? value : fallback;
  }

  async read(context: EvaluationContext, input: TReadInput): Promise<MigrationResult<TRead>> {
    const stage = this.stage(context);
    const { run, answer } = readPlan(stage);
    const call = (origin: Origin) => this.timed(() => (origin === 'old' ? this.options.readOld(input) : this.options.readNew(input)));
    let results: Partial<Record<Origin, Timed<TRead>>>;
    if (run.length === 1) {
      // One origin (most reads, in most stages): no second promise around it.
      const start = performance.now();
      let only: Timed<TRead>;
      try {
        only = { ok: true, value: await (answer === 'old' ? this.options.readOld(input) : this.options.readNew(input)), ms: 0 };
      } catch (error) {
        only = { ok: false, error, ms: 0 };
      }
      only.ms = performance.now() - start;
      results = answer === 'old' ? { old: only } : { new: only };
    }
    else if (this.options.execution === 'sequential') results = { old: await call('old'), new: await call('new') };
    else {
      // Both at once, and the caller waits only for the origin that answers: a slow or hung other
      // origin never holds a read up. It is compared (and tracked) when it settles.
      const other: Origin = answer === 'old' ? 'new' : 'old';
      const running = call(other);
      const answered = await call(answer);
      void running.then((late) => {
        const both = answer === 'old' ? { old: answered, new: late } : { old: late, new: answered };
        this.observe(context, this.readOutcome(stage, answer, both));
      });
      return this.result(answered, { stage, operation: 'read', origins: outcomes({ [answer]: answered }), answer });
    }
    const outcome = this.readOutcome(stage, answer, results);
    this.observe(context, outcome);
    return this.result(results[answer]!, outcome);
  }

  /** The outcome of a read whose origins have settled, with the sampled comparison. */
  private readOutcome(stage: Stage, answer: Origin, results: Partial<Record<Origin, Timed<TRead>>>): MigrationOutcome {
    let consistent: boolean | undefined;
    const { old, new: next } = results;
    if (old?.ok && next?.ok && this.options.check && this.random() < (this.options.checkRatio ?? 1)) {
      try {
        consistent = this.options.check(old.value, next.value);
      } catch {
        consistent = false; // a comparator that throws has not shown the answers agree
      }
    }
    return { stage, operation: 'read', origins: outcomes(results), answer, ...(consistent === undefined ? {} : { consistent }) };
  }

  private result<T>(chosen: Timed<T>, outcome: MigrationOutcome): MigrationResult<T> {
    return chosen.ok ? { ok: true, value: chosen.value, outcome } : { ok: false, error: chosen.error, outcome };
  }

  async write(context: EvaluationContext, input: TWriteInput): Promise<MigrationResult<TWrite>> {
    const stage = this.stage(context);
    const { authoritative, then } = writePlan(stage);
    const call = (origin: Origin) => this.timed(() => (origin === 'old' ? this.options.writeOld(input) : this.options.writeNew(input)));
    const first = await call(authoritative);
    const results: Partial<Record<Origin, Timed<TWrite>>> = { [authoritative]: first };
    if (then && first.ok) results[then] = await call(then); // the other origin only follows a write that landed
    if (results.old && !results.old.ok && authoritative === 'new' && !this.oldBehind) {
      // New has data old lacks: going back to a stage where old answers would serve it stale.
      this.oldBehind = true;
      this.logger.error(`switchyard: migration ${this.options.flag}: a write to the old origin failed in "${stage}"; it is behind, so no automatic rollback to a stage that reads it`);
    }
    const outcome: MigrationOutcome = { stage, operation: 'write', origins: outcomes(results), answer: authoritative };
    this.observe(context, outcome);
    return this.result(first, outcome);
  }

  /** Every rollback this migration decided. */
  rollbacks(): readonly MigrationRollback[] {
    return this.decisions;
  }

  private async timed<T>(work: () => T | Promise<T>): Promise<Timed<T>> {
    const start = performance.now();
    try {
      const value = await work();
      return { ok: true, value, ms: elapsed(start) };
    } catch (error) {
      return { ok: false, error, ms: elapsed(start) };
    }
  }

  /**
   * Tracks the operation and, for the new origin, what a guard needs: an `error` when it failed or
   * disagreed, its `latency`. Then the migration's own rule: too many in the window → back a stage.
   */
  private observe(context: EvaluationContext, outcome: MigrationOutcome): void {
    const next = outcome.origins.new;
    const details: Record<string, string | boolean> = { flag: this.options.flag, stage: outcome.stage, operation: outcome.operation, answer: outcome.answer };
    if (outcome.consistent !== undefined) details.consistent = outcome.consistent;
    this.provider.track('migration', context, details);
    if (!next) return;
    const inconsistent = outcome.consistent === false;
    if (!next.ok || inconsistent) this.provider.track(this.options.errorEvent ?? 'error', context, details);
    this.provider.track(this.options.latencyEvent ?? 'latency', context, { value: next.ms });
    if (this.options.rollback === false) return;
    const { inconsistencies, errors } = this.window.add(inconsistent, !next.ok, outcome.stage);
    const maxInconsistencies = this.options.rollback?.maxInconsistencies ?? 3;
    const maxErrors = this.options.rollback?.maxNewErrors ?? 5;
    if (inconsistencies >= maxInconsistencies) this.back(outcome.stage, `${inconsistencies} inconsistent reads of the new origin in the last operations (limit ${maxInconsistencies})`);
    else if (errors >= maxErrors) this.back(outcome.stage, `${errors} errors of the new origin in the last operations (limit ${maxErrors})`);
  }

  /**
   * Goes back for everyone to the previous safe stage of the misbehaving one — never past the earliest
   * stage any recent user was in (a ramp must not move anyone forward), and never to a stage where old
   * answers once old has fallen behind. From `complete` there is no automatic way back: old is no
   * longer written. Those cases are logged for a person to decide.
   */
  private back(from: Stage, why: string): void {
    const flag = this.options.flag;
    const lowest = this.window.lowest() ?? from;
    const safe = previousSafeStage(from);
    const to = STAGES.indexOf(lowest) < STAGES.indexOf(safe) ? lowest : safe;
    const oldAnswers = readPlan(to).answer === 'old';
    if (to === from || this.provider.overrides().get(flag)?.variant === to) {
      if (!this.stuck) this.logger.error(`switchyard: migration ${flag} misbehaves in "${from}" (${why}) and has no safe stage to go back to by itself: decide by hand`);
      this.stuck = true;
      return;
    }
    // Users at `complete` have written to new only: old is behind for them.
    if (oldAnswers && (this.oldBehind || this.window.seen('complete'))) {
      if (!this.stuck) this.logger.error(`switchyard: migration ${flag} misbehaves in "${from}" (${why}), but old is behind (a write to it failed): not going back to "${to}" by itself — repair old, then decide`);
      this.stuck = true;
      return;
    }
    const reason = `migration ${flag} back from "${from}" to "${to}": ${why}`;
    this.provider.override(flag, to, reason); // every context, from the next operation
    this.window.clear();
    const report = this.options.report;
    const decision: MigrationRollback = { flag, from, to, reason, reported: report ? reportRollback(report, { flag, variant: to, reason }, this.logger) : Promise.resolve('not reported') };
    this.decisions.push(decision);
    this.logger.warn(`switchyard: ${reason}`);
  }
}

type Timed<T> = ({ ok: true; value: T } | { ok: false; error: unknown }) & { ms: number };

function outcomes<T>(results: Partial<Record<Origin, Timed<T>>>): Partial<Record<Origin, OriginOutcome>> {
  const out: Partial<Record<Origin, OriginOutcome>> = {};
  for (const origin of ['old', 'new'] as const) {
    const r = results[origin];
    if (r) out[origin] = r.ok ? { ok: true, ms: r.ms } : { ok: false, ms: r.ms, error: r.error };
  }
  return out;
}
