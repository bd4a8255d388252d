
interface Timer {
  readonly at: number;
  readonly ms: number;
  readonly run: () => void;
}

/** Lets promise callbacks and I/O completions that are already due run (a few event-loop turns). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * A clock that moves only when a test says so, so timers are driven step by step instead of waited
 * for (and a test never sleeps to see that nothing happened). `advance(ms)` runs every timer due in
 * that time, in order, letting each one's consequences settle; `fire()` runs the earliest timer (a
 * poll) and resolves once the attempt it started is over, with the delay of the poll scheduled next:
 * the attempt's timeout timer is cleared first, then the next poll is set.
 */
// Structurally the core's `Timers` (now, setTimeout, clearTimeout): no dependency on the packages it tests.
export class ManualTimers {
  private time = 0;
  private ids = 0;
  private readonly timers = new Map<number, Timer>();
  private firedAfter = 0;
  private attemptDone = false;
  private waiter?: (ms: number) => void;

  now(): number {
    return this.time;
  }

  setTimeout(run: () => void, ms: number): unknown {
    const id = ++this.ids;
    this.timers.set(id, { at: this.time + ms, ms, run });
    if (this.attemptDone && this.waiter) {
      const resolve = this.waiter;
      this.waiter = undefined;
      resolve(ms);
    }
    return id;
  }

  clearTimeout(handle: unknown): void {
    const id = handle as number;
    if (this.timers.delete(id) && id > this.firedAfter) this.attemptDone = true;
  }

  /** Moves the clock forward by `ms`, running each timer that falls due, earliest first. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      await settle();
      const [id, timer] = [...this.timers].sort((a, b) => a[1].at - b[1].at)[0] ?? [];
      if (id === undefined || !timer || timer.at > until) break;
      this.timers.delete(id);
      this.time = Math.max(this.time, timer.at);
      timer.run();
    }
    this.time = until;
    await settle();
  }

  /** The delays of the timers waiting to run. */
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.ms);
  }

  fire(): Promise<number> {
    const [id, timer] = [...this.timers].sort((a, b) => a[1].at - b[1].at)[0] ?? [];
    if (id === undefined || !timer) throw new Error('no timer to fire');
    this.timers.delete(id);
    this.time = timer.at;
    this.firedAfter = this.ids;
    this.attemptDone = false;
    const next = new Promise<number>((resolve) => (this.waiter = resolve));
    timer.run();
    return next;
  }
}
