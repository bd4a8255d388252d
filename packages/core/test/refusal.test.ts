import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeServer, listenOnLoopback, ManualTimers, waitFor } from '@switchyard/test-utils/node';
import { conditionalRequest, isFinalStatus, ProviderLifecycle, ProviderStartError, serverSource, serverUrlProblem, SyncEngine, type ProviderEventName } from '../src/index.js';

// A refusal (a wrong key, an unknown environment: asking again cannot help) against real HTTP on
// 127.0.0.1: the start fails at once with the server's reason, a live provider reports it at once and
// keeps serving, and the poller keeps asking — rarely — so a key deployed later still brings it back.
const doc = (v: 'on' | 'off') => JSON.stringify({ flags: { a: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: v } } });
const HOUR = 3_600_000;

type Answer = { status: number; body?: string };
const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

/** A flags endpoint whose answer the test sets; counts requests. */
async function backend(initial: Answer) {
  const state = { answer: initial, requests: 0 };
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    res.writeHead(state.answer.status, { 'Content-Type': 'application/json', ETag: `"${state.answer.body?.length}"` });
    res.end(state.answer.body);
  });
  servers.push(server);
  return { url: await listenOnLoopback(server), state };
}

function provider(url: string, timers: ManualTimers, initTimeoutMs = HOUR) {
  const source = serverSource({ url, key: 'k', transport: 'poll', pollIntervalMs: 1000, backoff: { initialMs: 100, maxMs: 60_000, random: () => 0.5 }, timers });
  const engine = new SyncEngine(source, { timers, staleAfterMs: 5000 });
  const events: [ProviderEventName, string | undefined, string | undefined][] = [];
  const lifecycle = new ProviderLifecycle(engine, (event, details) => events.push([event, details.errorCode, details.message]), { timers, initTimeoutMs });
  return { engine, lifecycle, events };
}

describe('a refusal is final', () => {
  it('classifies statuses: the request is refused (4xx) unless the answer is about timing', () => {
    expect([400, 401, 403, 404, 405, 410, 413, 415, 422].filter(isFinalStatus)).toEqual([400, 401, 403, 404, 405, 410, 413, 415, 422]);
    expect([200, 304, 408, 425, 429, 500, 502, 503, 504].filter(isFinalStatus)).toEqual([]);
  });

  it('fails the start at once, PROVIDER_FATAL with the reason the server gave, though the wait is an hour', async () => {
    const { url } = await backend({ status: 401, body: JSON.stringify({ error: 'invalid API key' }) });
    const timers = new ManualTimers();
    const { lifecycle } = provider(url, timers);
    const failure = await lifecycle.initialize().catch((e: ProviderStartError) => e);
    expect(failure).toBeInstanceOf(ProviderStartError);
    expect(failure).toMatchObject({ code: 'PROVIDER_FATAL', message: `no valid flag definitions from poll:${url}/v1/flags: ${url}/v1/flags answered 401: invalid API key` });
    await lifecycle.close();
  });

  /** Two refusals asked again at the usual backoff (50 ms, then 100 ms: × the jitter 0.5), in case a proxy answered. */
  async function throughQuickRetries(state: { requests: number }, timers: ManualTimers) {
    const before = state.requests;
    for (const [delay, n] of [[50, 1], [100, 2]]) {
      await waitFor(() => timers.pending().includes(delay), `retry ${n} armed at the usual backoff`);
      await timers.advance(delay);
      await waitFor(() => state.requests === before + n, `retry ${n} sent`);
    }
    // The third refusal in a row: the ceiling (60 s) × the jitter (0.5).
    await waitFor(() => timers.pending().includes(30_000), 'the slow retry armed');
  }

  it('asks again twice at the usual backoff, then at the ceiling, and a key deployed later brings READY', async () => {
    const { url, state } = await backend({ status: 403, body: JSON.stringify({ error: 'client keys cannot read this' }) });
    const timers = new ManualTimers();
    const { lifecycle, events } = provider(url, timers);
    await expect(lifecycle.initialize()).rejects.toMatchObject({ code: 'PROVIDER_FATAL' });
    await throughQuickRetries(state, timers);
    state.answer = { status: 200, body: doc('on') };
    await timers.advance(30_000);
    await waitFor(() => events.length > 0, 'READY');
    expect(events).toEqual([['PROVIDER_READY', undefined, 'flag definitions are current']]);
    expect(state.requests).toBe(4);
    await lifecycle.close();
  });

  it("a proxy's passing refusal after a good start is retried at the usual backoff: READY again within 50 ms", async () => {
    const { url, state } = await backend({ status: 200, body: doc('on') });
    const timers = new ManualTimers();
    const { lifecycle, events } = provider(url, timers);
    await lifecycle.initialize();
    state.answer = { status: 404, body: 'no route' };
    await timers.advance(1000);
    await waitFor(() => events.length === 1, 'PROVIDER_ERROR');
    state.answer = { status: 200, body: doc('on') };
    await timers.advance(50);
    await waitFor(() => events.length === 2, 'READY');
    expect(events.map((e) => e[0])).toEqual(['PROVIDER_ERROR', 'PROVIDER_READY']);
    expect(state.requests).toBe(3);
    await lifecycle.close();
  });

  it('a failure that time can mend (429, 408, 5xx) still waits for the start timeout', async () => {
    for (const answer of [{ status: 503, body: 'maintenance' }, { status: 429 }, { status: 408 }]) {
      const { url } = await backend(answer);
      const timers = new ManualTimers();
      const { lifecycle } = provider(url, timers, 40); // due before the retry (50 ms): only the timeout can end the start
      const start = lifecycle.initialize().catch((e: ProviderStartError) => e);
      await waitFor(() => timers.pending().includes(50), 'the first failure and its backoff');
      await timers.advance(40);
      expect(await start).toMatchObject({ code: 'GENERAL', message: expect.stringContaining(`within 40 ms: ${url}/v1/flags answered ${answer.status}`) });
      await lifecycle.close();
    }
  });

  it('after a good start, a refusal is PROVIDER_ERROR at once with the reason, STALE past the threshold, the last snapshot serving throughout; an answer ends it', async () => {
    const { url, state } = await backend({ status: 200, body: doc('on') });
    const timers = new ManualTimers();
    const { engine, lifecycle, events } = provider(url, timers);
    await lifecycle.initialize();
    state.answer = { status: 401, body: JSON.stringify({ error: 'invalid API key' }) };
    await timers.advance(1000);
    await waitFor(() => events.length > 0, 'PROVIDER_ERROR');
    const refusal = `${url}/v1/flags answered 401: invalid API key`;
    expect(events).toEqual([['PROVIDER_ERROR', 'GENERAL', refusal]]);
    expect(engine.store.snapshot?.resolveBooleanEvaluation('a', false)).toMatchObject({ value: true, reason: 'STATIC' });
    await throughQuickRetries(state, timers);
    await timers.advance(5000 - 150); // staleAfterMs: no fresh definitions for that long, like any failure
    expect(events.slice(1)).toEqual([['PROVIDER_STALE', undefined, `flag source unreachable: ${refusal}`]]);
    expect(engine.store.snapshot?.resolveBooleanEvaluation('a', false).value).toBe(true);
    state.answer = { status: 200, body: doc('off') };
    await timers.advance(25_150);
    await waitFor(() => events.length === 4, 'the change and READY');
    expect(events.slice(2).map((e) => e[0])).toEqual(['PROVIDER_CONFIGURATION_CHANGED', 'PROVIDER_READY']);
    expect(state.requests).toBe(5);
    await lifecycle.close();
  });

  it("bounds the server's text: one line of at most 200 characters, whatever the body", async () => {
    const hostile = `first line\r\n\u001b[31mforged log line\u202e ${'x'.repeat(10_000)}`;
    const { url } = await backend({ status: 400, body: hostile });
    const timers = new ManualTimers();
    const { lifecycle } = provider(url, timers);
    const { message } = await lifecycle.initialize().catch((e: Error) => e) as Error;
    const reason = message.split('answered 400: ')[1];
    expect(reason).toMatch(/^first line \[31mforged log line +x+…$/);
    expect(reason).toHaveLength(201);
    await lifecycle.close();
  });
});

// In a page (`location` set) a cross-origin fetch that throws is diagnosed with probes. Node's fetch
// enforces no CORS, so here every probe is answered as a page's would be by a server that allows it.
describe('the CORS diagnosis', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('a connection dropped by a server that allows the origin is no CORS refusal, and not final', async () => {
    const server = createServer((_req, res) => res.end(doc('on')));
    let connections = 0;
    server.on('connection', (socket) => ++connections === 1 && socket.destroy()); // the first one only: a passing failure
    servers.push(server);
    const url = `${await listenOnLoopback(server)}/v1/flags`;
    vi.stubGlobal('location', { origin: 'http://page.test' });
    const error = await conditionalRequest(url, { headers: { Authorization: 'Bearer k' }, signal: new AbortController().signal }).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'PollError', final: false, message: expect.stringMatching(new RegExp(`^cannot reach ${url}: [^(]+$`)) });
  });
});

describe('serverUrlProblem (every provider checks its URL with it)', () => {
  it('names the missing scheme and what to write instead', () => {
    expect(serverUrlProblem('localhost:8013', 'source.url')).toBe('source.url "localhost:8013" has no scheme: use "http://localhost:8013"');
    expect(serverUrlProblem('127.0.0.1:8013', 'url')).toBe('url "127.0.0.1:8013" has no scheme: use "http://127.0.0.1:8013"');
    expect(serverUrlProblem('flags.example.com', 'url')).toBe('url "flags.example.com" has no scheme: use "https://flags.example.com"');
    expect(serverUrlProblem('ftp://flags.example.com', 'url')).toBe('url "ftp://flags.example.com" must be an http(s) URL, e.g. "http://127.0.0.1:8013"');
    for (const bad of ['', 'http://', undefined, 42]) expect(serverUrlProblem(bad, 'url')).toContain('must be an http(s) URL');
    for (const good of ['http://127.0.0.1:8013', 'https://flags.example.com/base/', 'HTTP://[::1]:8013']) expect(serverUrlProblem(good, 'url')).toBeUndefined();
  });
});
