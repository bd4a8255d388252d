import { backoffDelay, type BackoffOptions } from './backoff.js';
import { systemTimers, type Timers } from './timers.js';

/**
 * A failed attempt. `retryAfterMs` is the least the poller waits before the next (e.g. `Retry-After`);
 * `final` says asking again cannot help (a refused key or body): `retry` stops there.
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
  private running = false;
  private inflight?: Promise<boolean>;
  private controller?: AbortController;

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

  stop(): void {
    this.running = false;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.controller?.abort();
  }

  /** Runs one attempt now (or joins the one in flight); resolves true if it succeeded. */
  once(): Promise<boolean> {
    return (this.inflight ??= this.execute().finally(() => (this.inflight = undefined)));
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

  private async run(): Promise<boolean> {
    const ok = await this.once();
    if (this.running && this.timer === undefined) this.timer = this.timers.setTimeout(() => ((this.timer = undefined), void this.run()), this.nextDelay);
    return ok;
  }

  private nextDelay = 0;
  /** Why the last attempt failed (undefined after a success). */
  lastError?: Error;

  /**
   * Attempts until one succeeds, at most `attempts` times, backing off between them like the loop
   * does; stops early on a `final` PollError. Resolves with the last failure, or undefined on success.
   */
  async retry(attempts: number): Promise<Error | undefined> {
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await new Promise<void>((resolve) => this.timers.setTimeout(resolve, this.nextDelay));
      if (await this.once()) return undefined;
      if (this.lastError instanceof PollError && this.lastError.final) break;
    }
    return this.lastError;
  }

  private async execute(): Promise<boolean> {
    const { timeoutMs = 10_000 } = this.options;
    const controller = (this.controller = new AbortController());
    let timedOut = false;
    const timeout = this.timers.setTimeout(() => ((timedOut = true), controller.abort()), timeoutMs);
    try {
      const next = await this.attempt(controller.signal);
      this.failures = 0;
      this.lastError = undefined;
      this.nextDelay = typeof next === 'number' ? next : this.options.pollIntervalMs;
      return true;
    } catch (e) {
      let error = e instanceof Error ? e : new Error(String(e));
      if (timedOut) error = new PollError(`cannot reach ${this.options.label ?? 'the source'}: timed out after ${timeoutMs} ms`);
      const wait = error instanceof PollError ? error.retryAfterMs : undefined;
      this.nextDelay = Math.max(backoffDelay(this.failures++, this.options.backoff), wait ?? 0);
      this.lastError = error;
      if (timedOut || this.running || !controller.signal.aborted) this.options.onFailure?.(error);
      return false;
    } finally {
      this.timers.clearTimeout(timeout);
    }
  }
}
