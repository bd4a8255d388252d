import { OpenFeature, ProviderEvents, ProviderFatalError, ProviderStatus, type EventDetails } from '@openfeature/server-sdk';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSource, SwitchyardServer, silentLogger } from '@switchyard/server';
import { TcpGate, tempDir, waitFor, writeAtomically } from '@switchyard/test-utils/node';
import type { SyncSink, SyncSource } from '@switchyard/core';
import { ExposureHook, SwitchyardConfigError, SwitchyardProvider, type SwitchyardProviderOptions } from '../src/index.js';

const doc = (killSwitch: 'on' | 'off', extra: Record<string, unknown> = {}) => ({
  flags: {
    'kill-switch': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: killSwitch },
    'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on', 'off'] }, metadata: { owner: 'checkout' } },
    ...extra,
  },
});

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function backend(content: unknown = doc('on'), existingFile?: string) {
  const file = existingFile ?? join(tempDir(), 'flags.json');
  if (!existingFile) writeFileSync(file, JSON.stringify(content));
  const server = new SwitchyardServer({ environments: [{ name: 'default', source: new FileSource(file, { debounceMs: 5, pollIntervalMs: 200 }) }], logger: silentLogger, streams: { retryMs: 100 } });
  const url = await server.listen(0, '127.0.0.1');
  let closed = false;
  const close = async () => {
    if (!closed) await server.close();
    closed = true;
  };
  cleanup.push(close);
  return { server, url, file, close, port: Number(new URL(url).port) };
}

/** A bare HTTP server on 127.0.0.1 playing a misbehaving backend; closed after the test. */
async function rawServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => server.close(r)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let domains = 0;
async function client(options: SwitchyardProviderOptions) {
  const provider = new SwitchyardProvider(options);
  const domain = `test-${++domains}`;
  const events: { type: string; details?: EventDetails }[] = [];
  const c = OpenFeature.getClient(domain);
  for (const type of [ProviderEvents.Ready, ProviderEvents.Error, ProviderEvents.Stale, ProviderEvents.ConfigurationChanged]) {
    c.addHandler(type, (details) => events.push({ type, details }));
  }
  cleanup.push(() => OpenFeature.clearProviders());
  await OpenFeature.setProviderAndWait(domain, provider);
  return { provider, client: c, events, domain };
}

describe('SwitchyardProvider against the real server', () => {
  it('starts over SSE, then applies a streamed change with the exact changed keys', async () => {
    const { url, file } = await backend();
    const { client: c, events } = await client({ source: { type: 'sse', url } });
    expect(await c.getBooleanValue('kill-switch', false)).toBe(true);
    const details = await c.getBooleanDetails('new-checkout', false, { targetingKey: 'u1', email: 'ada@example.com' });
    expect(details).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH', flagMetadata: { owner: 'checkout' } });

    writeAtomically(file, doc('off'));
    await waitFor(() => events.some((e) => e.type === ProviderEvents.ConfigurationChanged), 'CONFIGURATION_CHANGED');
    expect(events.find((e) => e.type === ProviderEvents.ConfigurationChanged)!.details!.flagsChanged).toEqual(['kill-switch']);
    expect(await c.getBooleanValue('kill-switch', true)).toBe(false);
  });

  it('goes STALE when the server dies, keeps serving, and is READY and caught up when it returns', async () => {
    const first = await backend();
    // The provider talks to a gate that keeps its port: the backend can die and a new one come back behind it.
    const gate = new TcpGate(first.port);
    const url = await gate.listen();
    cleanup.push(() => gate.stop());
    const { client: c, events } = await client({ source: { type: 'sse', url, pollIntervalMs: 100, fallbackAfterMs: 100, backoff: { initialMs: 50, maxMs: 200 } }, staleAfterMs: 300 });
    await first.close();
    gate.close();
    await waitFor(() => events.some((e) => e.type === ProviderEvents.Stale), 'PROVIDER_STALE');
    expect(await c.getBooleanValue('kill-switch', false)).toBe(true); // last values keep serving
    writeAtomically(first.file, doc('off'));
    gate.reopen((await backend(undefined, first.file)).port);
    await waitFor(() => events.some((e) => e.type === ProviderEvents.Ready && events.indexOf(e) > events.findIndex((x) => x.type === ProviderEvents.Stale)), 'READY after STALE', 10_000);
    await waitFor(async () => (await c.getBooleanValue('kill-switch', true)) === false, 'the change made while the server was down', 10_000);
  });

  it('notices a silent server (hung, or a black-holing proxy): STALE, still serving, READY and caught up when it speaks again', async () => {
    const file = join(tempDir(), 'flags.json');
    writeFileSync(file, JSON.stringify(doc('on')));
    const server = new SwitchyardServer({ environments: [{ name: 'default', source: new FileSource(file, { debounceMs: 5 }) }], logger: silentLogger, streams: { heartbeatMs: 100 } });
    const gate = new TcpGate(Number(new URL(await server.listen(0, '127.0.0.1')).port));
    cleanup.push(() => server.close(), () => gate.stop());
    const url = await gate.listen();
    const { client: c, events } = await client({ source: { type: 'sse', url, pollIntervalMs: 100, timeoutMs: 200, backoff: { initialMs: 50, maxMs: 100 } }, staleAfterMs: 300 });
    gate.freeze(); // nothing closes, nothing passes: only the missing heartbeats tell
    await waitFor(() => c.providerStatus === ProviderStatus.STALE, 'STALE from silence');
    expect(await c.getBooleanValue('kill-switch', false)).toBe(true);
    writeAtomically(file, doc('off'));
    gate.thaw();
    await waitFor(async () => c.providerStatus === ProviderStatus.READY && (await c.getBooleanValue('kill-switch', true)) === false, 'READY with the change made meanwhile', 10_000);
    expect(events.map((e) => e.type)).toContain(ProviderEvents.Stale);
  });

  it('reports an invalid document with PROVIDER_ERROR and keeps serving the old values', async () => {
    // The Switchyard server never serves an invalid file, so a raw HTTP server plays a broken backend.
    const url = await rawServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', ETag: '"bad"' });
      res.end('{"flags": {"kill-switch": {"state": "ON", "variants": {"on": true}}}}');
    });
    const bad = await client({ source: { type: 'poll', url, pollIntervalMs: 50 }, bootstrap: doc('on') });
    await waitFor(() => bad.events.some((e) => e.type === ProviderEvents.Error), 'PROVIDER_ERROR');
    const error = bad.events.find((e) => e.type === ProviderEvents.Error)!.details!;
    expect(error.message).toContain('flags.kill-switch.state: must be "ENABLED" or "DISABLED", not "ON"');
    expect(error.errorCode).toBe('PARSE_ERROR');
    expect(await bad.client.getBooleanDetails('kill-switch', false)).toMatchObject({ value: true, reason: 'STATIC' });
  });

  it('honours Retry-After on 429', async () => {
    const arrivals: number[] = [];
    const url = await rawServer((req, res) => {
      arrivals.push(Date.now());
      if (arrivals.length === 1) {
        res.writeHead(429, { 'Retry-After': '1' });
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json', ETag: '"v1"' });
      res.end(JSON.stringify(doc('on')));
    });
    const { client: c } = await client({ source: { type: 'poll', url, pollIntervalMs: 50, backoff: { initialMs: 10, maxMs: 20 } } });
    expect(await c.getBooleanValue('kill-switch', false)).toBe(true);
    expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(990);
  });

  it('falls back to polling when the stream is refused', async () => {
    const url = await rawServer((req, res) => {
      if (req.url?.startsWith('/v1/stream')) {
        res.writeHead(503);
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json', ETag: '"v1"' });
      res.end(JSON.stringify(doc('off')));
    });
    const { client: c } = await client({ source: { type: 'sse', url, pollIntervalMs: 100 } });
    expect(await c.getBooleanValue('kill-switch', true)).toBe(false);
  });

  it('keys its requests: a client key sees only client-side flags', async () => {
    const file = join(tempDir(), 'flags.json');
    writeFileSync(file, JSON.stringify(doc('on', { web: { state: 'ENABLED', variants: { a: 'A' }, defaultVariant: 'a', metadata: { clientSide: true } } })));
    const server = new SwitchyardServer({
      environments: [{ name: 'prod', source: new FileSource(file) }],
      access: { keys: [{ key: 'client-key-0123456789', environment: 'prod', scope: 'client' }] },
      logger: silentLogger,
    });
    const url = await server.listen(0, '127.0.0.1');
    cleanup.push(() => server.close());
    const { client: c } = await client({ source: { type: 'sse', url, key: 'client-key-0123456789' } });
    expect(await c.getStringValue('web', '')).toBe('A');
    expect((await c.getBooleanDetails('kill-switch', false)).errorCode).toBe('FLAG_NOT_FOUND');
  });
});

describe('lifecycle', () => {
  it('rejects initialize with a clear error after the timeout, then becomes READY when definitions arrive', async () => {
    const provider = new SwitchyardProvider({ source: { type: 'poll', url: 'http://127.0.0.1:9', pollIntervalMs: 50, backoff: { initialMs: 10, maxMs: 50 } }, initTimeoutMs: 200 });
    cleanup.push(() => provider.onClose());
    await expect(provider.initialize()).rejects.toThrow(/no valid flag definitions from poll:http:\/\/127\.0\.0\.1:9\/v1\/flags within 200 ms: cannot reach/);
  });

  it('serves a bootstrap snapshot immediately, without waiting on the network', async () => {
    const { client: c } = await client({ source: { type: 'poll', url: 'http://127.0.0.1:9', backoff: { initialMs: 1000 } }, bootstrap: JSON.stringify(doc('off')) });
    expect(await c.getBooleanDetails('kill-switch', true)).toMatchObject({ value: false, reason: 'STATIC' });
  });

  it('validates options with every problem named', () => {
    expect(() => new SwitchyardProvider({ source: { type: 'sse', url: 'localhost:8013', timeoutMs: -1 } as never, staleAfterMs: 0 })).toThrow(SwitchyardConfigError);
    try {
      new SwitchyardProvider({ source: { type: 'sse', url: 'localhost:8013', timeoutMs: -1 } as never, staleAfterMs: 0 });
    } catch (e) {
      expect((e as Error).message).toContain('source.url "localhost:8013" has no scheme: use "http://localhost:8013"');
      expect((e as Error).message).toContain('source.timeoutMs must be a positive number of milliseconds');
      expect((e as Error).message).toContain('staleAfterMs must be a positive number of milliseconds');
    }
    expect(() => new SwitchyardProvider({ source: { type: 'ftp' } as never })).toThrow('source.type must be "file", "poll" or "sse", or source a SyncSource, not "ftp"');
    expect(() => new SwitchyardProvider({ source: { type: 'appconfig' } as never })).toThrow('new AppConfigDataSource');
    // OpenFeature's own type and code: the SDK puts a provider that cannot be configured in FATAL.
    expect(() => new SwitchyardProvider({ source: { type: 'ftp' } as never })).toThrow(ProviderFatalError);
    try {
      new SwitchyardProvider({ source: {} as never });
    } catch (e) {
      expect((e as SwitchyardConfigError).code).toBe('PROVIDER_FATAL');
      expect((e as Error).name).toBe('SwitchyardConfigError');
    }
  });

  it('takes any SyncSource object as its source', async () => {
    let sink: SyncSink | undefined;
    const source: SyncSource = { description: 'custom', start: (s) => void (sink = s), stop: () => undefined };
    const provider = new SwitchyardProvider({ source, initTimeoutMs: 5000 });
    const ready = provider.initialize();
    await waitFor(() => sink, 'the source started');
    sink!.payload(JSON.stringify(doc('off')));
    await ready;
    expect(provider.evaluator.getBooleanValue('kill-switch', true)).toBe(false);
    await provider.onClose();
  });

  it('an invalid bootstrap is PROVIDER_FATAL, with every problem and its path', async () => {
    const provider = new SwitchyardProvider({ source: { type: 'poll', url: 'http://127.0.0.1:9' }, bootstrap: { flags: { a: { state: 'ON', variants: { on: true } } } } });
    cleanup.push(() => provider.onClose());
    const domain = `fatal-${++domains}`;
    await expect(OpenFeature.setProviderAndWait(domain, provider)).rejects.toThrow(ProviderFatalError);
    expect(OpenFeature.getClient(domain).providerStatus).toBe(ProviderStatus.FATAL);
    await expect(provider.initialize()).rejects.toThrow('invalid bootstrap flags:\n  flags.a.state: must be "ENABLED" or "DISABLED", not "ON"');
    cleanup.push(() => OpenFeature.clearProviders());
  });

  it('reverting a rejected edit (what git revert produces) brings READY back', async () => {
    const file = join(tempDir(), 'flags.json');
    const good = JSON.stringify(doc('on'));
    writeFileSync(file, good);
    const { client: c, events } = await client({ source: { type: 'file', path: file, pollIntervalMs: 50 } });
    writeAtomically(file, '{"flags": {"kill-switch": {"state": "ON"}}}');
    await waitFor(() => c.providerStatus === ProviderStatus.ERROR, 'ERROR');
    expect(events.at(-1)).toMatchObject({ type: ProviderEvents.Error, details: { errorCode: 'PARSE_ERROR' } });
    writeAtomically(file, good); // the same bytes as the last good document: "unchanged"
    await waitFor(() => c.providerStatus === ProviderStatus.READY, 'READY again');
    expect(events.map((e) => e.type).slice(-2)).toEqual([ProviderEvents.Error, ProviderEvents.Ready]);
    expect(await c.getBooleanValue('kill-switch', false)).toBe(true);
  });

  it('a file in a directory that does not exist is reported, never a crash; the file is picked up when it appears', async () => {
    const dir = join(tempDir(), 'not-yet');
    const file = join(dir, 'flags.json');
    const lonely = new SwitchyardProvider({ source: { type: 'file', path: file, pollIntervalMs: 50 }, initTimeoutMs: 300 });
    cleanup.push(() => lonely.onClose());
    await expect(lonely.initialize()).rejects.toThrow(/within 300 ms: cannot read .*ENOENT/);
    const { client: c, events } = await client({ source: { type: 'file', path: file, pollIntervalMs: 50 }, bootstrap: doc('on'), staleAfterMs: 100 });
    await waitFor(() => c.providerStatus === ProviderStatus.STALE, 'STALE');
    expect(await c.getBooleanValue('kill-switch', false)).toBe(true);
    mkdirSync(dir);
    writeFileSync(file, JSON.stringify(doc('off')));
    await waitFor(async () => (await c.getBooleanValue('kill-switch', true)) === false, 'the file');
    expect(c.providerStatus).toBe(ProviderStatus.READY);
    expect(events.map((e) => e.type)).toEqual([ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.ConfigurationChanged, ProviderEvents.Ready]);
  });

  it('reads a watched file', async () => {
    const file = join(tempDir(), 'flags.json');
    writeFileSync(file, JSON.stringify(doc('on')));
    const { client: c, events } = await client({ source: { type: 'file', path: file } });
    expect(await c.getBooleanValue('kill-switch', false)).toBe(true);
    writeAtomically(file, doc('off'));
    await waitFor(() => events.some((e) => e.type === ProviderEvents.ConfigurationChanged), 'the file change');
    expect(await c.getBooleanValue('kill-switch', true)).toBe(false);
  });

  it('closing right after start, or while initialize waits, leaves nothing running and rejects the wait at once', async () => {
    const url = await rawServer((req, res) => {
      res.writeHead(503);
      res.end();
    });
    const resources = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout');
    const before = resources().length;
    const started = new SwitchyardProvider({ source: { type: 'poll', url, pollIntervalMs: 20, backoff: { initialMs: 20, maxMs: 20 } }, bootstrap: doc('on') });
    const init = started.initialize();
    await started.onClose(); // the SDK's setProvider followed by close() in the same tick
    await init;
    const waiting = new SwitchyardProvider({ source: { type: 'poll', url, pollIntervalMs: 20, backoff: { initialMs: 20, maxMs: 20 } }, initTimeoutMs: 60_000 });
    const pending = waiting.initialize();
    await waiting.onClose();
    await expect(pending).rejects.toThrow('closed before any flag definitions arrived');
    await waitFor(() => resources().length <= before, 'every poll and start-up timer cleared');
  });

  it('a start that only ever got rejected documents fails with PARSE_ERROR, not a generic error', async () => {
    const url = await rawServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"flags": 1}');
    });
    const provider = new SwitchyardProvider({ source: { type: 'poll', url, pollIntervalMs: 20 }, initTimeoutMs: 200 });
    cleanup.push(() => provider.onClose());
    await expect(provider.initialize()).rejects.toMatchObject({ code: 'PARSE_ERROR', message: expect.stringContaining('flags: must be an object') });
  });

  it('leaves no timers, sockets or watchers behind after onClose', async () => {
    const { url, file } = await backend();
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    for (const source of [{ type: 'sse' as const, url }, { type: 'poll' as const, url, pollIntervalMs: 20 }, { type: 'file' as const, path: file }]) {
      const provider = new SwitchyardProvider({ source });
      await provider.initialize();
      await new Promise((r) => setTimeout(r, 100));
      await provider.onClose();
    }
    await waitFor(() => {
      const after = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
      return after.length <= before.length;
    }, 'handles to close', 3000);
  });
});

describe('experiments', () => {
  it('records exposures per flag and variant, and forwards track() events', async () => {
    const { url } = await backend();
    const { client: c, provider } = await client({ source: { type: 'sse', url } });
    const hook = new ExposureHook();
    c.addHooks(hook);
    const tracked: string[] = [];
    provider.onTrack((e) => tracked.push(`${e.name}:${e.context.targetingKey}:${e.details.value}`));
    for (let i = 0; i < 10; i++) await c.getBooleanValue('new-checkout', false, { targetingKey: `u${i}`, email: i < 3 ? 'a@example.com' : 'a@x.org' });
    expect(hook.totals()).toEqual({ 'new-checkout': { on: 3, off: 7 } });
    c.track('checkout-completed', { targetingKey: 'u1' }, { value: 42 });
    expect(tracked).toEqual(['checkout-completed:u1:42']);
  });

  it('exposes the synchronous evaluator on the live snapshot', async () => {
    const { url, file } = await backend();
    const { provider, events } = await client({ source: { type: 'sse', url } });
    expect(provider.evaluator.getBooleanValue('kill-switch', false)).toBe(true);
    writeAtomically(file, doc('off'));
    await waitFor(() => events.some((e) => e.type === ProviderEvents.ConfigurationChanged), 'the change');
    expect(provider.evaluator.resolveBooleanEvaluation('kill-switch', true)).toMatchObject({ value: false, reason: 'STATIC' });
  });
});

describe('refusals: a wrong key or an unknown environment fails the start at once, with the reason', () => {
  const HOUR = 3_600_000;
  const KEY = 'server-key-0123456789';

  /** A keyed server behind a gate, so a test can replace it (keys are read at start) at the same address. */
  async function keyedBackend(keys: string[], gate?: TcpGate) {
    const file = join(tempDir(), 'flags.json');
    writeFileSync(file, JSON.stringify(doc('on')));
    const server = new SwitchyardServer({
      environments: [{ name: 'prod', source: new FileSource(file) }],
      access: { keys: keys.map((key) => ({ key, environment: 'prod', scope: 'server' as const })) },
      logger: silentLogger,
    });
    const port = Number(new URL(await server.listen(0, '127.0.0.1')).port);
    cleanup.push(() => server.close());
    if (!gate) {
      gate = new TcpGate(port);
      await gate.listen();
      cleanup.push(() => gate!.stop());
    }
    gate.reopen(port);
    return { server, gate, url: gate.url };
  }

  async function refused(options: SwitchyardProviderOptions) {
    const provider = new SwitchyardProvider({ initTimeoutMs: HOUR, ...options });
    const domain = `refused-${++domains}`;
    cleanup.push(() => OpenFeature.clearProviders());
    const failure = await OpenFeature.setProviderAndWait(domain, provider).catch((e: Error) => e);
    return { failure, client: OpenFeature.getClient(domain) };
  }

  for (const type of ['poll', 'sse'] as const) {
    it(`a wrong key (${type}): ProviderFatalError and FATAL at once, though initTimeoutMs is an hour`, async () => {
      const { url } = await keyedBackend([KEY]);
      const { failure, client: c } = await refused({ source: { type, url, key: 'wrong-key-0123456789' } });
      expect(failure).toBeInstanceOf(ProviderFatalError);
      expect((failure as Error).message).toContain(`${url}/v1/flags answered 401: invalid API key`);
      expect(c.providerStatus).toBe(ProviderStatus.FATAL);
      expect(await c.getBooleanDetails('kill-switch', false)).toMatchObject({ value: false, errorCode: 'PROVIDER_FATAL' });
    });
  }

  it('no key for a keyed server, and an unknown environment on an open one, are refusals too', async () => {
    const { url } = await keyedBackend([KEY]);
    expect((await refused({ source: { type: 'poll', url } })).failure).toMatchObject({ code: 'PROVIDER_FATAL', message: expect.stringContaining('answered 401: missing API key') });
    const open = await backend();
    const unknown = await refused({ source: { type: 'sse', url: open.url, env: 'prdo' } });
    expect(unknown.failure).toMatchObject({ code: 'PROVIDER_FATAL', message: expect.stringContaining('answered 404: no environment "prdo"') });
  });

  it('keeps asking, rarely: a key the server learns later (a redeploy) brings READY and the flags', async () => {
    const first = await keyedBackend(['old-key-0123456789ab']);
    const { failure, client: c } = await refused({ source: { type: 'poll', url: first.url, key: KEY, backoff: { initialMs: 10, maxMs: 100 } } });
    expect(failure).toBeInstanceOf(ProviderFatalError);
    await first.server.close();
    await keyedBackend([KEY], first.gate); // the key deployed
    await waitFor(() => c.providerStatus === ProviderStatus.READY, 'READY after the refusal ended');
    expect(await c.getBooleanValue('kill-switch', false)).toBe(true);
  });

  it('after a good start, a refusal is PROVIDER_ERROR with the reason while the last flags keep serving; READY when accepted again', async () => {
    const first = await keyedBackend([KEY]);
    const { client: c, events } = await client({ source: { type: 'poll', url: first.url, key: KEY, pollIntervalMs: 20, backoff: { initialMs: 10, maxMs: 50 } }, staleAfterMs: HOUR });
    await first.server.close();
    const rotated = await keyedBackend(['new-key-0123456789ab'], first.gate); // the key was revoked
    await waitFor(() => events.some((e) => e.type === ProviderEvents.Error), 'PROVIDER_ERROR');
    expect(events.find((e) => e.type === ProviderEvents.Error)?.details).toMatchObject({ errorCode: 'GENERAL', message: `${first.url}/v1/flags answered 401: invalid API key` });
    expect(c.providerStatus).toBe(ProviderStatus.ERROR);
    expect(await c.getBooleanDetails('kill-switch', false)).toMatchObject({ value: true, reason: 'STATIC' });
    await rotated.server.close();
    await keyedBackend([KEY], first.gate);
    await waitFor(() => c.providerStatus === ProviderStatus.READY, 'READY again');
    expect(events.map((e) => e.type)).toEqual([ProviderEvents.Ready, ProviderEvents.Error, ProviderEvents.Ready]);
  });
});
