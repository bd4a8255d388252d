import { ManualTimers, settle } from '@switchyard/test-utils';
import { describe, expect, it } from 'vitest';
import { Poller, PollError, retry } from '../src/index.js';

/** An attempt that answers from a script: a number is a success with that next delay, an Error a failure. */
function scripted(answers: (number | undefined | Error)[]) {
  const calls: number[] = [];
  let i = 0;
  const attempt = async () => {
    calls.push(i);
    const answer = answers[Math.min(i++, answers.length - 1)];
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { attempt, calls };
}

describe('Poller (the one polling loop)', () => {
  it('waits the interval after a success, backs off after failures (at least Retry-After), and resets on success', async () => {
    const timers = new ManualTimers();
    const failures: string[] = [];
    const { attempt } = scripted([undefined, new Error('down'), new PollError('429', 5000), 250, undefined]);
    const poller = new Poller(attempt, { pollIntervalMs: 1000, backoff: { initialMs: 100, maxMs: 400, random: () => 0.5 }, timers, onFailure: (e) => failures.push(e.message) });
    await poller.start();
    const delays = [timers.pending().filter((ms) => ms !== 10_000)[0]];
    for (let i = 0; i < 4; i++) {
      await timers.advance(delays.at(-1)!);
      delays.push(timers.pending().filter((ms) => ms !== 10_000)[0]);
    }
    poller.stop();
    // success → interval; failure → backoff 50 (0.5 × 100); Retry-After 5 s beats backoff 100; a success asking for 250 ms; interval again
    expect(delays).toEqual([1000, 50, 5000, 250, 1000]);
    expect(failures).toEqual(['down', '429']);
    expect(timers.pending()).toEqual([]);
  });

  it('times out a hung attempt, reports it with its label, and never overlaps attempts', async () => {
    const timers = new ManualTimers();
    const failures: string[] = [];
    let started = 0;
    const poller = new Poller(
      (signal) => {
        started++;
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
      { pollIntervalMs: 1000, timeoutMs: 300, backoff: { initialMs: 100, random: () => 0.5 }, timers, label: 'http://flags', onFailure: (e) => failures.push(e.message) },
    );
    const first = poller.start();
    expect(poller.once()).toBeInstanceOf(Promise); // joins the attempt in flight
    await timers.advance(300);
    await first;
    expect(failures).toEqual(['cannot reach http://flags: timed out after 300 ms']);
    expect(started).toBe(1);
    poller.stop();
  });

  it('stop() aborts the attempt in flight without reporting it, and arms nothing', async () => {
    const timers = new ManualTimers();
    const failures: string[] = [];
    const poller = new Poller((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))), { pollIntervalMs: 1000, timers, onFailure: (e) => failures.push(e.message) });
    const first = poller.start();
    poller.stop();
    await first;
    await settle();
    expect(failures).toEqual([]);
    expect(timers.pending()).toEqual([]);
  });

  it('retry(poller) gives up after its attempts, stops at the third refusal in a row, and succeeds as soon as one attempt does', async () => {
    const run = async (answers: (number | undefined | Error)[], attempts: number) => {
      const timers = new ManualTimers();
      const { attempt, calls } = scripted(answers);
      const poller = new Poller(attempt, { pollIntervalMs: 0, backoff: { initialMs: 10 }, timers });
      const result = retry(poller, attempts, timers);
      for (let i = 0; i < attempts; i++) await timers.advance(1000);
      return { failure: (await result)?.message, calls: calls.length };
    };
    expect(await run([new Error('503'), new Error('503'), undefined], 5)).toEqual({ failure: undefined, calls: 3 });
    expect(await run([new Error('503')], 3)).toEqual({ failure: '503', calls: 3 });
    // A refusal may be a proxy's passing answer: asked again; the third in a row ends the retry.
    const refusal = new PollError('401 invalid key', undefined, true);
    expect(await run([refusal, undefined], 5)).toEqual({ failure: undefined, calls: 2 });
    expect(await run([refusal], 10)).toEqual({ failure: '401 invalid key', calls: 3 });
    expect(await run([refusal, refusal, new Error('503'), refusal, refusal, refusal], 10)).toEqual({ failure: '401 invalid key', calls: 6 });
  });

  it('start() after stop() mid-attempt starts afresh at once: the cancelled attempt is not a failure and keeps no loop', async () => {
    const timers = new ManualTimers();
    const failures: string[] = [];
    const signals: AbortSignal[] = [];
    const answers: (() => void)[] = [];
    const poller = new Poller(
      (signal) =>
        new Promise<void>((resolve, reject) => {
          signals.push(signal);
          answers.push(resolve);
          signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
      { pollIntervalMs: 1000, backoff: { initialMs: 500, random: () => 0.99 }, timers, onFailure: (e) => failures.push(e.message) },
    );
    void poller.start();
    poller.stop(); // hidden
    const second = poller.start(); // shown again before the cancelled attempt settled
    expect(signals.map((s) => s.aborted)).toEqual([true, false]);
    answers[1]();
    await second;
    await settle();
    expect(failures).toEqual([]);
    expect(timers.pending().filter((ms) => ms !== 10_000)).toEqual([1000]); // one loop, at the interval
    poller.stop();
  });
});
