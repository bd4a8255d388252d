import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EdgeFlags } from '../src/index.js';

// EdgeFlags' request-scoped refresh against a real HTTP server on 127.0.0.1 that counts requests.
const doc = (on: boolean) => JSON.stringify({ flags: { banner: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: on ? 'on' : 'off' } } });

let server: Server | undefined;
async function backend(answer: (headers: IncomingHttpHeaders) => { status: number; body?: string; etag?: string }) {
  const seen: IncomingHttpHeaders[] = [];
  server = createServer((req, res) => {
    seen.push(req.headers);
    const { status, body, etag } = answer(req.headers);
    res.writeHead(status, etag ? { etag } : {});
    res.end(body);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A waitUntil that collects the background work, so the test can await it. */
function context() {
  const work: Promise<unknown>[] = [];
  return { waitUntil: (p: Promise<unknown>) => void work.push(p), settled: () => Promise.all(work) };
}

describe('EdgeFlags', () => {
  it('serves the bootstrap at once and revalidates in the background; one request per TTL, shared by concurrent refreshes', async () => {
    let body = doc(true);
    const { url, seen } = await backend(() => ({ status: 200, body, etag: `"${body.length}"` }));
    const changes: string[][] = [];
    const flags = new EdgeFlags({ url, key: 'k1', ttlMs: 60_000, bootstrap: doc(false), cache: false, onChange: (keys) => changes.push([...keys]) });
    const ctx = context();
    await Promise.all([flags.refresh(ctx), flags.refresh(ctx), flags.refresh(ctx)]);
    expect(flags.getBooleanValue('banner', true)).toBe(false); // bootstrap: the network is not awaited
    await ctx.settled();
    expect(flags.getBooleanValue('banner', false)).toBe(true);
    expect(changes).toEqual([['banner']]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ authorization: 'Bearer k1', accept: 'application/json' });
    body = doc(false);
    await flags.refresh(ctx); // within the TTL: no request
    await ctx.settled();
    expect(seen).toHaveLength(1);
  });

  it('revalidates with If-None-Match; a 304 keeps the snapshot', async () => {
    const { url, seen } = await backend((h) => (h['if-none-match'] === '"v1"' ? { status: 304 } : { status: 200, body: doc(true), etag: '"v1"' }));
    const flags = new EdgeFlags({ url, ttlMs: 0, cache: false });
    const ctx = context();
    await flags.refresh(ctx); // nothing to serve: awaited
    await flags.refresh(ctx);
    await ctx.settled();
    expect(seen.map((h) => h['if-none-match'])).toEqual([undefined, '"v1"']);
    expect(flags.resolveBooleanEvaluation('banner', false)).toMatchObject({ value: true, reason: 'STATIC' });
  });

  it('rejects an invalid document whole and keeps serving the last good one; errors never reach the caller', async () => {
    let answer: { status: number; body?: string } = { status: 200, body: doc(true) };
    const { url } = await backend(() => answer);
    const errors: string[] = [];
    const flags = new EdgeFlags({ url, ttlMs: 0, cache: false, onError: (e) => errors.push(e.message) });
    const ctx = context();
    await flags.refresh(ctx);
    answer = { status: 200, body: '{"flags": {"banner": {"state": "ON", "variants": {"on": true}}}}' };
    await flags.refresh(ctx);
    await ctx.settled();
    answer = { status: 503, body: 'maintenance' };
    await flags.refresh(ctx);
    await ctx.settled();
    expect(errors).toEqual([
      `rejected flag definitions from poll:${url}/v1/flags; still serving the last good ones:\n  flags.banner.state: must be "ENABLED" or "DISABLED", not "ON"`,
      `${url}/v1/flags answered 503: maintenance`,
    ]);
    expect(flags.getBooleanValue('banner', false)).toBe(true);
  });

  it('a throwing onError callback never makes refresh() reject', async () => {
    const flags = new EdgeFlags({ url: 'http://127.0.0.1:9', ttlMs: 0, cache: false, timeoutMs: 500, onError: () => { throw new Error('callback bug'); } });
    await expect(flags.refresh()).resolves.toBeUndefined();
    expect(flags.lastError?.message).toContain('cannot reach');
  });

  it('without a bootstrap, answers PROVIDER_NOT_READY until a document arrived', async () => {
    const flags = new EdgeFlags({ url: 'http://127.0.0.1:9', ttlMs: 0, cache: false, timeoutMs: 500 });
    await flags.refresh();
    expect(flags.resolveBooleanEvaluation('banner', false)).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY' });
    expect(flags.lastError?.message).toBeTruthy();
  });

  it('a refusal (a wrong key) reaches onError once, with the reason, and makes the status error at once', async () => {
    const { url } = await backend(() => ({ status: 401, body: JSON.stringify({ error: 'invalid API key' }) }));
    const errors: string[] = [];
    const flags = new EdgeFlags({ url, key: 'wrong', ttlMs: 0, cache: false, staleAfterMs: 3_600_000, onError: (e) => errors.push(e.message) });
    await flags.refresh();
    expect(errors).toEqual([`${url}/v1/flags answered 401: invalid API key`]);
    expect(flags.engine.status).toBe('error');
    expect(flags.engine.lastProblem).toMatchObject({ final: true });
  });

  it('without onError a refusal is logged through warn, and reads before any data name it', async () => {
    const { url } = await backend(() => ({ status: 401, body: JSON.stringify({ error: 'invalid API key' }) }));
    const warnings: string[] = [];
    const flags = new EdgeFlags({ url, key: 'wrong', ttlMs: 0, cache: false, warn: (m) => warnings.push(m) });
    await flags.refresh();
    expect(warnings).toEqual([`switchyard: ${url}/v1/flags answered 401: invalid API key`]);
    expect(flags.resolveBooleanEvaluation('kill-switch', false, {})).toMatchObject({
      value: false,
      errorCode: 'PROVIDER_NOT_READY',
      errorMessage: `no flag definitions loaded yet: ${url}/v1/flags answered 401: invalid API key`,
    });
  });

  it('checks the URL at construction, naming a missing scheme and the fix', () => {
    expect(() => new EdgeFlags({ url: 'localhost:8013' })).toThrow('invalid EdgeFlags options: url "localhost:8013" has no scheme: use "http://localhost:8013"');
  });

  it('refuses an invalid bundled bootstrap at construction, with the path', () => {
    expect(() => new EdgeFlags({ url: 'http://127.0.0.1:9', bootstrap: { flags: { a: { state: 'ENABLED', variants: {} } } } })).toThrow('invalid bootstrap flags: flags.a.variants: must not be empty');
  });
});
