import fc from 'fast-check';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { backoffDelay, HttpPoller, retryAfterMs, SnapshotStore, SyncEngine, type Issue, type Snapshot } from '../src/index.js';

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

describe('HttpPoller + SyncEngine over real HTTP', () => {
  it('times out a hung request, reports it, and goes stale past the threshold', async () => {
    const hung = createServer(() => undefined);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/v1/flags`;
    const seen: string[] = [];
    const engine = new SyncEngine(
      new HttpPoller({ url, timeoutMs: 100, backoff: { initialMs: 20, maxMs: 50 } }),
      { changed: () => seen.push('changed'), rejected: () => seen.push('rejected'), stale: (e) => seen.push(`stale: ${e.message}`), recovered: () => seen.push('recovered') },
      { staleAfterMs: 250 },
    );
    engine.start();
    await new Promise((r) => setTimeout(r, 600));
    await engine.stop();
    hung.closeAllConnections();
    await new Promise((r) => hung.close(r));
    expect(seen).toEqual([`stale: cannot reach ${url}: timed out after 100 ms`]);
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
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/flags`;
    const log: string[] = [];
    const engine = new SyncEngine(
      new HttpPoller({ url, intervalMs: 20, backoff: { initialMs: 10, maxMs: 20 } }),
      {
        changed: (_s: Snapshot, keys) => log.push(`changed ${keys.join(',')}`),
        rejected: (issues: readonly Issue[]) => log.push(`rejected ${issues[0].path}`),
        stale: () => log.push('stale'),
        recovered: () => log.push('recovered'),
      },
      { staleAfterMs: 100 },
    );
    engine.start();
    const first = await engine.ready;
    expect(first.resolveBooleanEvaluation('a', false).value).toBe(true);
    const until = async (what: string) => {
      const end = Date.now() + 3000;
      while (!log.includes(what)) {
        if (Date.now() > end) throw new Error(`no "${what}" in ${JSON.stringify(log)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    body = '{"flags": {"a": {"state": "ENABLED", "variants": {"on": tru';
    await until('rejected $');
    expect(engine.store.snapshot).toBe(first);
    status = 500;
    await until('stale');
    status = 200;
    body = JSON.stringify(doc('off'));
    await until('recovered');
    await until('changed a');
    await engine.stop();
    await new Promise((r) => server.close(r));
    expect(engine.store.snapshot!.resolveBooleanEvaluation('a', true).value).toBe(false);
  });
});
