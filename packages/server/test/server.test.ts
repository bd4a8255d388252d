import { loadSnapshot } from '@switchyard/core';
import { writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSource, SwitchyardServer, type AccessConfig } from '../src/index.js';
import { SseClient, tempDir, waitFor, writeAtomically } from '@switchyard/test-utils/node';

const SERVER_KEY = 'srv-production-0123456789';
const CLIENT_KEY = 'cli-production-0123456789';
const STAGING_KEY = 'srv-staging-0123456789ab';

const flags = (overrides: Record<string, unknown> = {}) => ({
  metadata: { flagSetId: 'shop' },
  $evaluators: {
    staff: { ends_with: [{ var: 'email' }, '@example.com'] },
    vips: { in: [{ var: 'email' }, ['ceo@customer.org', 'cfo@customer.org']] },
  },
  flags: {
    'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ $ref: 'staff' }, 'on', { fractional: [['on', 10], ['off', 90]] }] }, metadata: { clientSide: true } },
    'vip-pricing': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ $ref: 'vips' }, 'on', 'off'] } },
    banner: { state: 'ENABLED', variants: { a: 'Hello', b: 'Hi' }, defaultVariant: 'a', metadata: { clientSide: true } },
    'db-pool': { state: 'ENABLED', variants: { small: { size: 5 }, big: { size: 50 } }, defaultVariant: 'small', metadata: { serverOnly: true } },
    ...overrides,
  },
});

let running: SwitchyardServer[] = [];
const clients: SseClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(options: { access?: AccessConfig; staging?: boolean; content?: unknown } = {}) {
  const dir = tempDir();
  const file = join(dir, 'production.json');
  writeFileSync(file, typeof options.content === 'string' ? options.content : JSON.stringify(options.content ?? flags()));
  const environments = [{ name: 'production', source: new FileSource(file, { debounceMs: 10, pollIntervalMs: 250 }) }];
  let stagingFile: string | undefined;
  if (options.staging) {
    stagingFile = join(dir, 'staging.json');
    writeFileSync(stagingFile, JSON.stringify(flags({ banner: { state: 'ENABLED', variants: { a: 'Staging!' }, defaultVariant: 'a', metadata: { clientSide: true } } })));
    environments.push({ name: 'staging', source: new FileSource(stagingFile, { debounceMs: 10, pollIntervalMs: 250 }) });
  }
  const logs: string[] = [];
  const server = new SwitchyardServer({
    environments,
    access: options.access ?? {
      keys: [
        { key: SERVER_KEY, environment: 'production', scope: 'server' },
        { key: CLIENT_KEY, environment: 'production', scope: 'client' },
        ...(options.staging ? [{ key: STAGING_KEY, environment: 'staging', scope: 'server' as const }] : []),
      ],
      corsOrigins: ['https://shop.example'],
    },
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    streams: { heartbeatMs: 100 },
    staleAfterMs: 1,
  });
  running.push(server);
  const url = await server.listen(0, '127.0.0.1');
  const get = (path: string, key = SERVER_KEY, headers: Record<string, string> = {}) => fetch(url + path, { headers: { Authorization: `Bearer ${key}`, ...headers } });
  const post = (path: string, body: unknown, key = SERVER_KEY, headers: Record<string, string> = {}) =>
    fetch(url + path, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const stream = (key = SERVER_KEY, headers: Record<string, string> = {}) => {
    const client = new SseClient(`${url}/v1/stream`, { Authorization: `Bearer ${key}`, ...headers });
    clients.push(client);
    return client;
  };
  return { server, url, file, stagingFile, logs, get, post, stream };
}

describe('GET /v1/flags', () => {
  it('serves the document with a strong ETag and answers If-None-Match with 304', async () => {
    const { get } = await start();
    const res = await get('/v1/flags');
    expect(res.status).toBe(200);
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(Object.keys((await res.json()).flags)).toEqual(['new-checkout', 'vip-pricing', 'banner', 'db-pool']);
    const again = await get('/v1/flags', SERVER_KEY, { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await get('/v1/flags', SERVER_KEY, { 'If-None-Match': `"other", W/${etag}` })).status).toBe(304);
    expect((await get('/v1/flags', SERVER_KEY, { 'If-None-Match': '"stale"' })).status).toBe(200);
  });

  it('rejects missing and invalid keys with 401', async () => {
    const { url, get } = await start();
    const missing = await fetch(`${url}/v1/flags`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect((await get('/v1/flags', 'not-a-key-at-all-xx')).status).toBe(401);
    expect((await fetch(`${url}/v1/flags`, { headers: { 'X-API-Key': SERVER_KEY } })).status).toBe(200);
    expect((await fetch(`${url}/v1/flags?key=${CLIENT_KEY}`)).status).toBe(200);
  });

  it('gives client keys only clientSide flags and the evaluators they use, CDN-cacheable', async () => {
    const { get } = await start();
    const res = await get('/v1/flags', CLIENT_KEY);
    const doc = await res.json();
    expect(Object.keys(doc.flags)).toEqual(['new-checkout', 'banner']);
    expect(Object.keys(doc.$evaluators)).toEqual(['staff']);
    expect(JSON.stringify(doc)).not.toContain('ceo@customer.org');
    expect(res.headers.get('cache-control')).toContain('public');
    expect(res.headers.get('vary')).toContain('Authorization');
    expect(res.headers.get('etag')).not.toBe((await get('/v1/flags')).headers.get('etag'));
  });

  it('answers CORS preflights and echoes only allowed origins', async () => {
    const { url, get } = await start();
    const preflight = await fetch(`${url}/v1/flags`, { method: 'OPTIONS', headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'GET' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase().split(', ')).toEqual(expect.arrayContaining(['if-none-match', 'last-event-id', 'authorization', 'x-api-key']));
    const allowed = await get('/v1/flags', CLIENT_KEY, { Origin: 'https://shop.example' });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(allowed.headers.get('access-control-expose-headers')).toBe('ETag');
    const other = await get('/v1/flags', CLIENT_KEY, { Origin: 'https://evil.example' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('reloads from the file', () => {
  it('publishes an atomic-rename edit, logs the changed keys and records it in the audit trail', async () => {
    const { get, file, logs } = await start();
    const before = (await get('/v1/flags')).headers.get('etag');
    writeAtomically(file, flags({ banner: { state: 'ENABLED', variants: { a: 'Hello', b: 'Hi' }, defaultVariant: 'b', metadata: { clientSide: true } } }));
    await waitFor(async () => (await get('/v1/flags')).headers.get('etag') !== before, 'the edit to be served');
    expect(logs.at(-1)).toMatch(/^\[production\] v2 from file:.*production\.json: 4 flags; changed banner$/);
    const audit = await (await get('/v1/changes')).json();
    expect(audit.changes.at(-1)).toMatchObject({ outcome: 'applied', version: 2, source: expect.stringMatching(/^file:/), changes: { added: [], removed: [], changed: ['banner'] } });
    expect((await get('/v1/changes', CLIENT_KEY)).status).toBe(403);
  });

  it('rejects invalid edits whole, keeps serving the last good document and reports why', async () => {
    const { get, file, logs, url } = await start();
    const good = await (await get('/v1/flags')).text();
    const etag = (await get('/v1/flags')).headers.get('etag');

    writeAtomically(file, '{"flags": {"banner": ');
    await waitFor(() => logs.some((l) => l.includes('rejected update')), 'the truncated file to be rejected');
    writeAtomically(file, flags({ banner: { state: 'ON', variants: { a: 'x' }, defaultVariant: 'zz' } }));
    await waitFor(() => logs.filter((l) => l.includes('rejected update')).length >= 2, 'the invalid file to be rejected');

    expect(await (await get('/v1/flags')).text()).toBe(good);
    expect((await get('/v1/flags')).headers.get('etag')).toBe(etag);
    const ready = await (await get('/readyz')).json();
    expect(ready.ready).toBe(true);
    expect(ready.environments.production.lastError.issues).toEqual([
      { path: 'flags.banner.state', message: 'must be "ENABLED" or "DISABLED", not "ON"' },
      { path: 'flags.banner.defaultVariant', message: 'names no variant: "zz" (variants: a)' },
    ]);
    const audit = await (await get('/v1/changes')).json();
    expect(audit.changes.filter((c: { outcome: string }) => c.outcome === 'rejected')).toHaveLength(2);
    expect(logs.at(-1)).toContain('still serving v1');

    writeAtomically(file, flags({ extra: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } }));
    await waitFor(async () => 'extra' in (await (await get('/v1/flags')).json()).flags, 'the fixed file to be served');
    expect((await (await get('/readyz')).json()).environments.production.lastError).toBeUndefined();
  });

  it('never serves a half-written file while it is being written in place', async () => {
    const { get, file } = await start();
    const next = JSON.stringify(flags({ extra: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } }), null, 2);
    const fd = openSync(file, 'w');
    const served: string[] = [];
    let writing = true;
    // A reader polling while the file is written in 200-byte pieces; every request is awaited.
    const reader = (async () => {
      while (writing) served.push(await (await get('/v1/flags')).text());
    })();
    for (let i = 0; i < next.length; i += 200) {
      writeSync(fd, next.slice(i, i + 200));
      await new Promise((r) => setTimeout(r, 20));
    }
    closeSync(fd);
    await waitFor(async () => 'extra' in (await (await get('/v1/flags')).json()).flags, 'the finished file to be served');
    writing = false;
    await reader;
    for (const body of served) expect(() => loadSnapshot(body)).not.toThrow();
    expect(served.length).toBeGreaterThan(5);
  });

  it('is not ready (503) until a valid document loads', async () => {
    const { url, file, get } = await start({ content: '{"flags": 1}' });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect((await ready.json()).environments.production.lastError.issues[0]).toEqual({ path: 'flags', message: 'must be an object' });
    // Without a server key: ready or not, nothing about the document.
    const anonymous = await fetch(`${url}/readyz`);
    expect(anonymous.status).toBe(503);
    expect(await anonymous.json()).toEqual({ ready: false, environments: { production: { ready: false } } });
    expect(await (await get('/readyz', CLIENT_KEY)).json()).toEqual({ ready: false, environments: { production: { ready: false } } });
    const flagsRes = await get('/v1/flags');
    expect(flagsRes.status).toBe(503);
    expect(flagsRes.headers.get('retry-after')).toBe('1');
    writeAtomically(file, flags());
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 'readiness');
  });
});

describe('GET /v1/stream (SSE)', () => {
  it('sends the document on connect, then a change event with the exact changed keys', async () => {
    const { stream, file, get } = await start();
    const sse = stream();
    const [first] = await sse.next(1);
    expect(sse.retry).toBe(2000);
    expect(first.event).toBe('snapshot');
    const data = JSON.parse(first.data);
    expect(data.version).toBe(1);
    expect(`"${first.id}"`).toBe(data.etag);
    expect(data.etag).toBe((await get('/v1/flags')).headers.get('etag'));
    expect(Object.keys(data.document.flags)).toHaveLength(4);

    writeAtomically(file, flags({ 'vip-pricing': { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'off' } }));
    const [, change] = await sse.next(2);
    expect(change.event).toBe('change');
    expect(JSON.parse(change.data)).toMatchObject({ version: 2, changed: ['vip-pricing'] });
    expect(JSON.parse(change.data).document.flags['vip-pricing'].state).toBe('DISABLED');
    // A heartbeat at once, announcing its interval, then one every interval.
    await waitFor(() => sse.heartbeats.length >= 2, 'heartbeats');
    expect(JSON.parse(sse.heartbeats[0].data)).toEqual({ intervalMs: 100 });
  });

  it('resumes with Last-Event-ID: nothing when up to date, every missed key otherwise', async () => {
    const { stream, file } = await start();
    const first = stream();
    const [v1] = await first.next(1);
    await first.close();

    const upToDate = stream(SERVER_KEY, { 'Last-Event-ID': v1.id! });
    await waitFor(() => upToDate.comments.includes('up to date'), 'the up-to-date comment');
    expect(upToDate.events).toEqual([]);

    writeAtomically(file, flags({ banner: { state: 'DISABLED', variants: { a: 'Hello' }, defaultVariant: 'a', metadata: { clientSide: true } } }));
    const [v2] = await upToDate.next(1, 'v2');
    writeAtomically(file, flags({ banner: { state: 'DISABLED', variants: { a: 'Hello' }, defaultVariant: 'a', metadata: { clientSide: true } }, 'db-pool': { state: 'DISABLED', variants: { small: { size: 5 } }, defaultVariant: 'small' } }));
    await upToDate.next(2, 'v3');

    const resumed = stream(SERVER_KEY, { 'Last-Event-ID': v1.id! });
    const [catchUp] = await resumed.next(1);
    expect(catchUp.event).toBe('change');
    expect(JSON.parse(catchUp.data)).toMatchObject({ version: 3, changed: ['banner', 'db-pool'] });
    expect(JSON.parse(v2.data).version).toBe(2);

    const unknown = stream(SERVER_KEY, { 'Last-Event-ID': 'from-another-universe' });
    const [full] = await unknown.next(1);
    expect(full.event).toBe('snapshot');
  });

  it('streams client keys only their flags, and no event when nothing they can see changed', async () => {
    const { stream, file } = await start();
    const client = stream(CLIENT_KEY);
    const server = stream(SERVER_KEY);
    const [snap] = await client.next(1);
    expect(Object.keys(JSON.parse(snap.data).document.flags)).toEqual(['new-checkout', 'banner']);
    await server.next(1);

    writeAtomically(file, flags({ 'db-pool': { state: 'DISABLED', variants: { small: { size: 5 } }, defaultVariant: 'small', metadata: { serverOnly: true } } }));
    await server.next(2, 'the server-side change');
    writeAtomically(file, flags({ 'db-pool': { state: 'DISABLED', variants: { small: { size: 5 } }, defaultVariant: 'small', metadata: { serverOnly: true } }, banner: { state: 'ENABLED', variants: { a: 'Hello', b: 'Hi' }, defaultVariant: 'b', metadata: { clientSide: true } } }));
    const [, change] = await client.next(2, 'the client-visible change');
    expect(JSON.parse(change.data)).toMatchObject({ version: 3, changed: ['banner'] });
    expect(client.events).toHaveLength(2); // nothing for v2
  });
});

describe('OFREP', () => {
  const contexts = Array.from({ length: 60 }, (_, i) => ({
    targetingKey: `user-${i}`,
    email: i % 5 === 0 ? `u${i}@example.com` : i === 7 ? 'ceo@customer.org' : `u${i}@customer.org`,
  }));

  it('evaluates single flags exactly as the core does', async () => {
    const { post } = await start();
    const snapshot = loadSnapshot(flags());
    for (const context of contexts) {
      for (const key of ['new-checkout', 'vip-pricing', 'banner', 'db-pool']) {
        const res = await post(`/ofrep/v1/evaluate/flags/${key}`, { context });
        expect(res.status).toBe(200);
        const body = await res.json();
        const core = snapshot.resolve(key, undefined, undefined, context);
        expect(body).toEqual({ key, value: core.value, variant: core.variant, reason: core.reason, metadata: core.flagMetadata });
      }
    }
  });

  it('maps errors: 404 for unknown flags, 400 for bad context', async () => {
    const { post, url } = await start();
    const missing = await post('/ofrep/v1/evaluate/flags/nope', { context: {} });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ key: 'nope', errorCode: 'FLAG_NOT_FOUND', errorDetails: "flag 'nope' not found" });
    const bad = await post('/ofrep/v1/evaluate/flags/banner', { context: [1] });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errorCode).toBe('INVALID_CONTEXT');
    const notJson = await fetch(`${url}/ofrep/v1/evaluate/flags/banner`, { method: 'POST', headers: { Authorization: `Bearer ${SERVER_KEY}` }, body: '{oops' });
    expect(notJson.status).toBe(400);
    expect((await fetch(`${url}/ofrep/v1/evaluate/flags`, { headers: { Authorization: `Bearer ${SERVER_KEY}` } })).status).toBe(405);
  });

  it('bulk-evaluates with ETag/304, and hides serverOnly flags from client keys', async () => {
    const { post } = await start();
    const snapshot = loadSnapshot(flags());
    const context = contexts[5];
    const res = await post('/ofrep/v1/evaluate/flags', { context });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.flags.map((f: { key: string }) => f.key)).toEqual(['new-checkout', 'vip-pricing', 'banner', 'db-pool']);
    for (const f of body.flags) expect(f.value).toEqual(snapshot.resolve(f.key, undefined, undefined, context).value);
    const etag = res.headers.get('etag')!;
    expect((await post('/ofrep/v1/evaluate/flags', { context }, SERVER_KEY, { 'If-None-Match': etag })).status).toBe(304);
    expect((await post('/ofrep/v1/evaluate/flags', { context: contexts[7] }, SERVER_KEY, { 'If-None-Match': etag })).status).toBe(200);

    const client = await (await post('/ofrep/v1/evaluate/flags', { context }, CLIENT_KEY)).json();
    expect(client.flags.map((f: { key: string }) => f.key)).toEqual(['new-checkout', 'vip-pricing', 'banner']);
    expect((await post('/ofrep/v1/evaluate/flags/db-pool', { context }, CLIENT_KEY)).status).toBe(404);
  });
});

describe('environments, metrics', () => {
  it('serves environments side by side, each with its own document, ETag, stream and keys', async () => {
    const { get, stream, stagingFile, file } = await start({ staging: true });
    const prod = await get('/v1/flags');
    const staging = await get('/v1/flags', STAGING_KEY);
    expect(prod.headers.get('etag')).not.toBe(staging.headers.get('etag'));
    expect((await staging.json()).flags.banner.variants.a).toBe('Staging!');
    const prodStream = stream(SERVER_KEY);
    const stagingStream = stream(STAGING_KEY);
    await prodStream.next(1);
    await stagingStream.next(1);
    writeAtomically(stagingFile!, flags());
    await stagingStream.next(2, 'the staging change');
    // A production change made after it is production's next event: the staging change never reached it.
    writeAtomically(file, flags({ prodOnly: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } }));
    const [, second] = await prodStream.next(2, 'the production change');
    expect(JSON.parse(second.data).changed).toEqual(['prodOnly']);
    expect(prodStream.events).toHaveLength(2);
  });

  it('exposes Prometheus metrics: streams, requests, reloads', async () => {
    const { url, stream, get } = await start();
    const sse = stream(CLIENT_KEY);
    await sse.next(1);
    await get('/v1/flags');
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('switchyard_sse_connections{environment="production",scope="client"} 1');
    expect(text).toMatch(/switchyard_http_requests_total\{route="flags",status="200"\} \d+/);
    expect(text).toContain('switchyard_reloads_total{environment="production",outcome="applied"} 1');
    expect(text).toContain('# TYPE switchyard_flags gauge');
  });
});

describe('file source', () => {
  it('reports a deleted file once, keeps serving, and picks the file up again when it returns', async () => {
    const { file, get, logs, url } = await start();
    const { unlinkSync } = await import('node:fs');
    const etag = (await get('/v1/flags')).headers.get('etag');
    unlinkSync(file);
    await waitFor(() => logs.some((l) => l.includes('ENOENT')), 'the missing file to be reported');
    expect((await get('/v1/flags')).headers.get('etag')).toBe(etag);
    const ready = (await (await get('/readyz')).json()).environments.production;
    expect(ready.unreachable.message).toContain('ENOENT');
    expect(ready.lastError).toBeUndefined(); // a missing file is not a rejected document
    writeAtomically(file, flags({ back: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } }));
    await waitFor(async () => 'back' in (await (await get('/v1/flags')).json()).flags, 'the restored file');
    expect(logs.filter((l) => l.includes('ENOENT'))).toHaveLength(1);
    expect((await (await get('/readyz')).json()).environments.production.unreachable).toBeUndefined();
  });
});

describe('rollbacks (POST /v1/rollbacks, from a guard or an operator)', () => {
  const del = (url: string, path: string, key = SERVER_KEY) => fetch(url + path, { method: 'DELETE', headers: { Authorization: `Bearer ${key}` } });

  it('pins the flag to the variant for every client at once, and lifts it on DELETE', async () => {
    const { url, get, post, stream } = await start();
    const sse = stream();
    await sse.next(1, 'the snapshot');
    const res = await post('/v1/rollbacks', { flag: 'new-checkout', variant: 'off', reason: 'treatment error rate 20% vs 1%' });
    expect(res.status).toBe(201);
    const [, change] = await sse.next(2, 'the rollback event');
    expect(JSON.parse(change.data).changed).toEqual(['new-checkout']);

    const served = await (await get('/v1/flags')).json();
    const flag = served.flags['new-checkout'];
    expect(flag.defaultVariant).toBe('off');
    expect(flag.targeting).toBeUndefined();
    expect(flag.metadata.rolledBack).toContain('treatment error rate 20% vs 1%');
    const snapshot = loadSnapshot(served);
    expect(snapshot.resolveBooleanEvaluation('new-checkout', true, { targetingKey: 'u', email: 'staff@example.com' })).toMatchObject({ value: false, reason: 'STATIC' });
    expect((await (await get('/v1/rollbacks')).json()).rollbacks).toMatchObject([{ flag: 'new-checkout', variant: 'off' }]);
    expect((await (await get('/v1/changes')).json()).changes.map((c: { outcome: string }) => c.outcome)).toEqual(['applied', 'rollback', 'applied']);

    expect((await del(url, '/v1/rollbacks/new-checkout')).status).toBe(200);
    expect((await (await get('/v1/flags')).json()).flags['new-checkout'].targeting).toBeDefined();
    expect((await del(url, '/v1/rollbacks/new-checkout')).status).toBe(404);
  });

  it('stays through edits of other flags and is lifted when the flag itself is edited at its source', async () => {
    const { file, get, post } = await start();
    expect((await post('/v1/rollbacks', { flag: 'new-checkout', variant: 'off' })).status).toBe(201);
    writeAtomically(file, flags({ banner: { state: 'ENABLED', variants: { a: 'Hello', b: 'Hi' }, defaultVariant: 'b', metadata: { clientSide: true } } }));
    await waitFor(async () => (await (await get('/v1/flags')).json()).flags.banner.defaultVariant === 'b', 'the banner edit');
    expect((await (await get('/v1/flags')).json()).flags['new-checkout'].targeting).toBeUndefined();
    // The operator changes the rollout itself (back to 5%): their decision replaces the rollback.
    const edited = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractional: [['on', 5], ['off', 95]] }, metadata: { clientSide: true } };
    writeAtomically(file, flags({ 'new-checkout': edited }));
    await waitFor(async () => (await (await get('/v1/flags')).json()).flags['new-checkout'].targeting?.fractional, 'the operator edit');
    expect((await (await get('/v1/rollbacks')).json()).rollbacks).toEqual([]);
    expect((await (await get('/v1/changes')).json()).changes.some((c: { outcome: string; source: string }) => c.outcome === 'lifted' && c.source.includes('changed at its source'))).toBe(true);
  });

  it('is for server keys, known flags and variants only', async () => {
    const { post } = await start();
    expect((await post('/v1/rollbacks', { flag: 'new-checkout', variant: 'off' }, CLIENT_KEY)).status).toBe(403);
    expect((await post('/v1/rollbacks', { flag: 'nope', variant: 'off' })).status).toBe(404);
    expect((await post('/v1/rollbacks', { flag: 'new-checkout', variant: 'maybe' })).status).toBe(404);
    expect((await post('/v1/rollbacks', { flag: 'new-checkout' })).status).toBe(400);
  });
});
