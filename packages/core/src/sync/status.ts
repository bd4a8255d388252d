import type { SourceProblem, SourceStatus } from './events.js';
import { PollError } from './poller.js';
import { systemTimers, type Timers } from './timers.js';

export interface StatusMachineOptions {
  /** How long the source may be unreachable before `stale`; default 10,000 ms. */
  readonly staleAfterMs?: number;
  readonly timers?: Timers;
  /**
   * Arm a timer to notice staleness while nothing happens (default). Runtimes without background
   * timers (edge workers) turn it off: staleness is then judged at each failed attempt.
   */
  readonly staleTimer?: boolean;
}

/**
 * The one source-status machine. Every outcome moves it: `error` comes from a rejected payload and
 * clears with the next valid one (an unchanged payload, as a reverted edit produces, counts); `stale`
 * comes from unreachability past the threshold and clears as soon as the source answers, back to
 * `error` if the last payload was rejected, else `ready`. A refusal (a final failure: a wrong key, an
 * unknown environment) is `error` at once, with or without data — waiting for `stale` would only delay
 * what is already known — and `stale` past the threshold like any failure, until the source answers.
 * The listener hears each transition, and each new rejection or refusal even when the status stays.
 */
export class StatusMachine {
  private current: SourceStatus = 'not-ready';
  private hasData = false;
  private isStale = false;
  private rejection?: SourceProblem;
  private refusal?: SourceProblem;
  private failingSince?: number;
  private timer?: unknown;
  /** The most recent problem (transport failure or rejected payload), for start-up error messages. */
  lastProblem?: SourceProblem;

  constructor(
    private readonly listener: (status: SourceStatus, problem?: SourceProblem) => void,
    private readonly options: StatusMachineOptions = {},
  ) {}

  get status(): SourceStatus {
    return this.current;
  }

  private get timers(): Timers {
    return this.options.timers ?? systemTimers;
  }

  /** A valid payload was applied, or an unchanged one arrived. */
  accepted(): void {
    this.hasData = true;
    this.rejection = undefined;
    this.answered();
  }

  /** A payload was rejected whole (the last good data keeps serving). */
  rejected(problem: SourceProblem): void {
    this.rejection = this.lastProblem = problem;
    this.answered(true);
  }

  /** The source answered without a payload (a 304, an open stream). */
  reachable(): void {
    this.answered();
  }

  /** The source could not be reached, or answered with an error (a final PollError: a refusal). */
  unreachable(error: Error): void {
    const final = error instanceof PollError && error.final;
    this.lastProblem = { message: error.message, errorCode: 'GENERAL', ...(final && { final }) };
    if (final) {
      const fresh = !this.refusal; // told once, not at every slow retry
      this.refusal = this.lastProblem;
      this.update(fresh);
    }
    const since = (this.failingSince ??= this.timers.now());
    if (this.isStale || this.timer !== undefined) return;
    const staleAfterMs = this.options.staleAfterMs ?? 10_000;
    const left = staleAfterMs - (this.timers.now() - since);
    if (left <= 0) return this.goStale();
    if (this.options.staleTimer !== false) this.timer = this.timers.setTimeout(() => ((this.timer = undefined), this.goStale()), left);
  }

  /** Stops the stale timer (the source was stopped). */
  stop(): void {
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.failingSince = undefined;
  }

  private goStale(): void {
    this.isStale = true;
    this.update();
  }

  private staleProblem(): SourceProblem {
    return { message: `flag source unreachable: ${this.lastProblem?.message ?? 'no answer'}`, errorCode: 'GENERAL', since: this.failingSince };
  }

  private answered(again = false): void {
    this.stop();
    // An answer ends a refusal; it is no longer the reason to give for a failed start either.
    if (this.refusal === this.lastProblem) this.lastProblem = undefined;
    this.isStale = false;
    this.refusal = undefined;
    this.update(again);
  }

  private update(again = false): void {
    const status: SourceStatus = this.isStale ? 'stale' : this.refusal || this.rejection ? 'error' : this.hasData ? 'ready' : 'not-ready';
    if (status === this.current && !again) return;
    this.current = status;
    const problem = status === 'error' ? (this.refusal ?? this.rejection) : status === 'stale' ? this.staleProblem() : undefined;
    this.listener(status, problem);
  }
}
