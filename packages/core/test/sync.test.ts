import fc from 'fast-check';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { closeServer, listenOnLoopback, ManualTimers, settle, waitFor } from '@switchyard/test-utils/node';
import { backoffDelay, HttpPoller, retryAfterMs, SnapshotStore, SyncEngine, type SyncSink, type SyncSource } from '../src/index.js';

const doc = (v: 'on' | 'off') => ({ flags: { a: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: v }, b: { state: 'ENABLED', variants: { x: 1 }, defaultVariant: 'x' } } });

describe('backoff', () => {
  it('draws a full-jitter delay below min(max, initial × 2^attempt)', () => {
    fc.assert(
      fc.property(fc.nat(40), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 120_000 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, initialMs, maxMs, r) => {
        const d = backoffDelay(attempt, { initialMs, maxMs, random: () => r });
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(Math.max(1, Math.min(maxMs, initialMs * 2 ** attempt)));
      }),
    );
    expect(backoffDelay(3, { initialMs: 100, maxMs: 10_000, random: () => 0.5 })).toBe(400);
    expect(backoffDelay(30, { initialMs: 100, maxMs: 10_000, random: () => 0.5 })).toBe(5000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(30_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

describe('SnapshotStore', () => {
  it('never replaces the last good snapshot with a bad payload, and names what changed', () => {
    const store = new SnapshotStore();
    expect(store.apply(JSON.stringify(doc('on')))).toMatchObject({ outcome: 'applied', changed: ['a', 'b'] });
    const good = store.snapshot;
    for (const bad of ['{"flags": {"a": {"state": "ENA', 'not json', '{"flags": {"a": {"state": "ENABLED", "variants": {}}}}', '']) {
      expect(store.apply(bad).outcome).toBe('rejected');
      expect(store.snapshot).toBe(good);
    }
    expect(store.apply(JSON.stringify(doc('on'))).outcome).toBe('unchanged');
    expect(store.apply(doc('off'))).toMatchObject({ outcome: 'applied', changed: ['a'] });
  });
});

type Seen = string[];
/** Records what a provider would hear from the engine. */
function listen(engine: SyncEngine, seen: Seen): void {
  engine.listen({
    changed: (_s, keys) => seen.push(`changed ${keys.join(',')}`),
    status: (status, problem) => seen.push(problem ? `${status}: ${problem.errorCode} ${problem.issues?.[0]?.path ?? problem.message}` : status),
  });
}

/** A source the test drives by hand. */
function handSource(): SyncSource & { sink?: SyncSink } {
  return { description: 'hand', start(sink) { this.sink = sink; }, stop() {} };
}

describe('the status machine (SyncEngine)', () => {
  it('reports every outcome: a rejected edit is an error, reverting it (unchanged) is ready again', async () => {
    const source = handSource();
    const engine = new SyncEngine(source, { timers: new ManualTimers() });
    const seen: Seen = [];
    listen(engine, seen);
    engine.start();
    await settle();
    const good = JSON.stringify(doc('on'));
    source.sink!.payload(good);
    source.sink!.payload('{"flags": 1}');
    source.sink!.payload('{"flags": 2}');
    source.sink!.payload(good); // git revert: the same bytes as the last good document
    expect(seen).toEqual(['changed a,b', 'ready', 'error: PARSE_ERROR flags', 'error: PARSE_ERROR flags', 'ready']);
    expect(engine.status).toBe('ready');
  });

  it('goes stale past the threshold, and back to the status it had (error stays error) when the source answers', async () => {
    const timers = new ManualTimers();
    const source = handSource();
    const engine = new SyncEngine(source, { staleAfterMs: 1000, timers });
    const seen: Seen = [];
    listen(engine, seen);
    engine.start();
    await settle();
    source.sink!.payload(doc('on'));
    source.sink!.payload('nope');
    source.sink!.unreachable(new Error('ECONNREFUSED'));
    await timers.advance(999);
    expect(engine.status).toBe('error');
    source.sink!.unreachable(new Error('ECONNREFUSED again'));
    await timers.advance(1);
    expect(engine.status).toBe('stale');
    source.sink!.reachable(); // a 304: the source is back, the rejected document is still the latest
    expect(seen.slice(2)).toEqual(['error: PARSE_ERROR $', 'stale: GENERAL flag source unreachable: ECONNREFUSED again', 'error: PARSE_ERROR $']);
    source.sink!.payload(doc('off'));
    expect(seen.slice(-2)).toEqual(['changed a', 'ready']);
  });

  it('a listener that throws (user code behind an event) is reported through warn and stops nothing', async () => {
    const source = handSource();
    const warnings: string[] = [];
    const engine = new SyncEngine(source, { warn: (m) => warnings.push(m) });
    const seen: Seen = [];
    engine.listen({ changed: () => { throw new Error('handler bug'); } });
    listen(engine, seen);
    engine.start();
    await settle();
    source.sink!.payload(doc('on'));
    expect(engine.store.snapshot?.resolveBooleanEvaluation('a', false).value).toBe(true);
    expect(seen).toEqual(['changed a,b', 'ready']);
    expect(warnings).toEqual(['switchyard: a listener of hand threw: handler bug']);
  });

  it('without a stale timer (edge workers) judges staleness at each failure', async () => {
    const timers = new ManualTimers();
    const source = handSource();
    const engine = new SyncEngine(source, { staleAfterMs: 1000, timers, staleTimer: false });
    engine.start();
    await settle();
    source.sink!.payload(doc('on'));
    source.sink!.unreachable(new Error('down'));
    expect(timers.pending()).toEqual([]);
    await timers.advance(5000);
    expect(engine.status).toBe('ready');
    source.sink!.unreachable(new Error('still down'));
    expect(engine.status).toBe('stale');
  });

  it('turns a source that throws or rejects at start into a transport failure, never a crash', async () => {
    const timers = new ManualTimers();
    const engine = new SyncEngine({ description: 'broken', start: () => Promise.reject(new Error('ENOENT: no such directory')), stop() {} }, { staleAfterMs: 10, timers });
    engine.start();
    await engine.started;
    await timers.advance(10);
    expect(engine.status).toBe('stale');
    expect(engine.lastProblem?.message).toBe('ENOENT: no such directory');
  });
});

describe('HttpPoller + SyncEngine over real HTTP', () => {
  it('times out a hung request, reports it, and goes stale past the threshold', async () => {
    const hung = createServer(() => undefined);
    const base = await listenOnLoopback(hung);
    const url = `${base}/v1/flags`;
    const timers = new ManualTimers();
    const engine = new SyncEngine(new HttpPoller({ url, timeoutMs: 100, backoff: { initialMs: 20, maxMs: 50 }, timers }), { staleAfterMs: 250, timers });
    const seen: Seen = [];
    listen(engine, seen);
    engine.start();
    await waitFor(() => timers.pending().includes(100), 'the request and its timeout');
    await timers.advance(100);
    await waitFor(() => engine.lastProblem, 'the timeout reported');
    await timers.advance(249);
    expect(engine.status).toBe('not-ready');
    await timers.advance(1);
    await engine.stop();
    await closeServer(hung);
    expect(seen).toEqual([`stale: GENERAL flag source unreachable: cannot reach ${url}: timed out after 100 ms`]);
  });

  it('applies changes, rejects bad payloads, and recovers', async () => {
    let body = JSON.stringify(doc('on'));
    let status = 200;
    const server = createServer((req, res) => {
      const etag = `"${body.length}-${body.charCodeAt(body.length - 3)}"`;
      if (status !== 200) {
        res.writeHead(status);
        res.end();
      } else if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { ETag: etag });
        res.end();
      } else {
        res.writeHead(200, { ETag: etag, 'Content-Type': 'application/json' });
        res.end(body);
      }
    });
    const url = `${await listenOnLoopback(server)}/v1/flags`;
    const timers = new ManualTimers();
    const poller = new HttpPoller({ url, pollIntervalMs: 1000, backoff: { initialMs: 10, maxMs: 20 }, timers });
    const engine = new SyncEngine(poller, { staleAfterMs: 100, timers });
    const seen: Seen = [];
    listen(engine, seen);
    engine.start();
    const first = await engine.ready;
    expect(first.resolveBooleanEvaluation('a', false).value).toBe(true);
    body = '{"flags": {"a": {"state": "ENABLED", "variants": {"on": tru';
    await timers.advance(1000);
    await waitFor(() => engine.status === 'error', 'the rejection');
    expect(engine.store.snapshot).toBe(first);
    status = 500;
    await timers.advance(1000);
    await waitFor(() => engine.lastProblem?.message.includes('500'), 'the failure');
    await timers.advance(100);
    expect(engine.status).toBe('stale');
    status = 200;
    body = JSON.stringify(doc('off'));
    await timers.advance(1000); // past any backoff
    await waitFor(() => engine.status === 'ready', 'ready');
    await engine.stop();
    await closeServer(server);
    expect(seen).toEqual(['changed a,b', 'ready', 'error: PARSE_ERROR $', `stale: GENERAL flag source unreachable: ${url} answered 500`, 'changed a', 'ready']);
    expect(engine.store.snapshot!.resolveBooleanEvaluation('a', true).value).toBe(false);
  });
});
