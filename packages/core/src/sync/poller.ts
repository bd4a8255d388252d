import { backoffDelay, type BackoffOptions } from './backoff.js';
import { systemTimers, type Timers } from './timers.js';

/**
 * A failed attempt. `retryAfterMs` is the least the poller waits before the next (e.g. `Retry-After`);
 * `final` says asking again cannot help (a refused key or body): `retry` stops there, the loop slows
 * to its backoff's ceiling, and the status machine reports a refusal at once.
 */
export class PollError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    readonly final = false,
  ) {
    super(message);
    this.name = 'PollError';
  }
}

/**
 * One attempt: resolves when it succeeded (optionally with the delay until the next one, when the
 * server says so), throws when it failed. The signal aborts it on timeout or `stop()`.
 */
export type PollAttempt = (signal: AbortSignal) => Promise<number | void>;

export interface PollerOptions {
  /** Time between successful attempts. */
  readonly pollIntervalMs: number;
  /** Per-attempt timeout; default 10,000 ms. */
  readonly timeoutMs?: number;
  readonly backoff?: BackoffOptions;
  readonly timers?: Timers;
  /** What is polled, for the timeout message ("cannot reach LABEL: timed out after N ms"). */
  readonly label?: string;
  /** Told about every failed attempt. */
  readonly onFailure?: (error: Error) => void;
}

/**
 * The one polling loop: attempts never overlap, failures back off with full jitter (at least as long
 * as the failure's `retryAfterMs`), success resets the backoff. `once()` is the same attempt without a
 * loop, for runtimes that forbid background timers (edge workers).
 */
export class Poller {
  private timer?: unknown;
  private failures = 0;
  /** Refusals (final PollErrors) in a row: the first two are retried at the usual backoff. */
  private refusalsInRow = 0;
  private running = false;
  private inflight?: Promise<boolean>;
  private controller?: AbortController;
  /** Bumped by `stop()`: an attempt or loop turn from before it changes nothing after it. */
  private generation = 0;
  private nextDelay = 0;
  /** Why the last attempt failed (undefined after a success). */
  lastError?: Error;

  constructor(
    private readonly attempt: PollAttempt,
    private readonly options: PollerOptions,
  ) {}

  private get timers(): Timers {
    return this.options.timers ?? systemTimers;
  }

  /** Starts the loop; the promise settles when the first attempt is done. A no-op while running. */
  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    return this.run().then(() => undefined);
  }

  /** Stops the loop and cancels the attempt in flight (a cancelled attempt is not a failure). */
  stop(): void {
    this.running = false;
    this.generation++;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.controller?.abort();
    this.inflight = undefined;
  }

  /** Runs one attempt now (or joins the one in flight); resolves true if it succeeded. */
  once(): Promise<boolean> {
    if (this.inflight) return this.inflight;
    const attempt: Promise<boolean> = this.execute(this.generation).finally(() => {
      if (this.inflight === attempt) this.inflight = undefined;
    });
    return (this.inflight = attempt);
  }

  /**
   * Attempts now instead of at the next tick (e.g. the context changed), after any attempt in
   * flight; running or not. Resolves true if it succeeded.
   */
  async poke(): Promise<boolean> {
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.inflight;
    return this.run();
  }

  /** The wait before the next attempt: the interval (or what the source asked for) or the backoff. */
  get delay(): number {
    return this.nextDelay;
  }

  /** Refusals in a row so far (what `retry` stops on). */
  get refusals(): number {
    return this.refusalsInRow;
  }

  private async run(): Promise<boolean> {
    const generation = this.generation;
    const ok = await this.once();
    if (this.running && generation === this.generation && this.timer === undefined) {
      this.timer = this.timers.setTimeout(() => ((this.timer = undefined), void this.run()), this.nextDelay);
    }
    return ok;
  }

  private async execute(generation: number): Promise<boolean> {
    const { timeoutMs = 10_000 } = this.options;
    const controller = (this.controller = new AbortController());
    let timedOut = false;
    const timeout = this.timers.setTimeout(() => ((timedOut = true), controller.abort()), timeoutMs);
    try {
      const next = await this.attempt(controller.signal);
      if (generation !== this.generation) return false; // stopped meanwhile: its answer is not used
      this.failures = 0;
      this.refusalsInRow = 0;
      this.lastError = undefined;
      this.nextDelay = typeof next === 'number' ? next : this.options.pollIntervalMs;
      return true;
    } catch (e) {
      if (generation !== this.generation) return false; // cancelled by stop(): not a failure
      let error = e instanceof Error ? e : new Error(String(e));
      if (timedOut) error = new PollError(`cannot reach ${this.options.label ?? 'the source'}: timed out after ${timeoutMs} ms`);
      const wait = error instanceof PollError ? error.retryAfterMs : undefined;
      // A refusal (a final PollError) ends only by a change on the server (a key or an environment
      // deployed) — or was a proxy's passing answer: asked again at the usual backoff twice, then
      // rarely, at the backoff's ceiling (30: where its exponent stops).
      this.refusalsInRow = error instanceof PollError && error.final ? this.refusalsInRow + 1 : 0;
      if (this.refusalsInRow > 2) this.failures = 30;
      this.nextDelay = Math.max(backoffDelay(this.failures++, this.options.backoff), wait ?? 0);
      this.lastError = error;
      this.options.onFailure?.(error);
      return false;
    } finally {
      this.timers.clearTimeout(timeout);
    }
  }
}

/**
 * The poller as a bounded retry (a report that must reach the server): attempts until one succeeds,
 * at most `attempts` times, waiting the poller's backoff between them; stops early on the third
 * `final` PollError in a row (the first two may be a proxy's passing answer). Resolves with the last
 * failure, or undefined on success.
 */
export async function retry(poller: Poller, attempts: number, timers: Timers = systemTimers): Promise<Error | undefined> {
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await new Promise<void>((resolve) => timers.setTimeout(resolve, poller.delay));
    if (await poller.once()) return undefined;
    if (poller.refusals > 2) break;
  }
  return poller.lastError;
}
