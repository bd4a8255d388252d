import { OpenFeature, ProviderEvents, type EventDetails } from '@openfeature/server-sdk';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { eventCap, SseStream, SyncEngine, type SyncSource } from '@switchyard/core';
import { closeServer, flood, listenOnLoopback, waitFor, type Flood } from '@switchyard/test-utils/node';
import { SwitchyardProvider } from '../src/index.js';
import { nodeEventSource } from '../src/sources.js';

// Hostile servers on 127.0.0.1: what never ends is cut at its cap, its connection closed, and the
// provider keeps serving the last good flags until the server behaves again.
const doc = (value: boolean) => ({ flags: { f: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: value ? 'on' : 'off' } } });
const MAX_DOCUMENT = 64 * 1024;
const OVER = 'the last good definitions keep serving';
// Loopback's socket buffers take a few MiB before the client reads a byte; past them the server
// sends only what the client reads.
const IN_FLIGHT = 8 * 1024 * 1024;

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function server(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const s = createServer(handler);
  cleanup.push(() => closeServer(s));
  return listenOnLoopback(s);
}

const settledFloods = (floods: Flood[]) => floods.length > 0 && floods.every((f) => f.closed);

describe('a poll answer that never ends', () => {
  it('fails at limits.maxDocumentLength bytes, connection closed; STALE with the reason, the last flags serving; READY when fixed', async () => {
    const state = { endless: false, value: true };
    const floods: Flood[] = [];
    const url = await server((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', ETag: `"${state.value}"` });
      if (state.endless) floods.push(flood(res, ' '.repeat(16 * 1024)));
      else res.end(JSON.stringify(doc(state.value)));
    });
    const provider = new SwitchyardProvider({ source: { type: 'poll', url, pollIntervalMs: 20, backoff: { initialMs: 10, maxMs: 20 } }, limits: { maxDocumentLength: MAX_DOCUMENT }, staleAfterMs: 100 });
    const client = OpenFeature.getClient('bounded-poll');
    const events: { type: string; details?: EventDetails }[] = [];
    for (const type of [ProviderEvents.Ready, ProviderEvents.Stale]) client.addHandler(type, (details) => events.push({ type, details }));
    cleanup.push(() => OpenFeature.clearProviders());
    await OpenFeature.setProviderAndWait('bounded-poll', provider);
    state.endless = true;
    await waitFor(() => events.find((e) => e.type === ProviderEvents.Stale), 'STALE');
    expect(events.find((e) => e.type === ProviderEvents.Stale)?.details?.message).toBe(`flag source unreachable: ${url}/v1/flags sent more than ${MAX_DOCUMENT} bytes: the flag document limit; ${OVER}`);
    expect(await client.getBooleanValue('f', false)).toBe(true);
    state.endless = false;
    state.value = false;
    await waitFor(async () => !(await client.getBooleanValue('f', true)), 'the fixed server to be read');
    await waitFor(() => settledFloods(floods), 'every endless answer closed by the client');
    for (const f of floods) expect(f.sent).toBeLessThan(MAX_DOCUMENT + IN_FLIGHT);
  });
});

describe('an SSE event that never ends (Node)', () => {
  const cases = [
    ['an endless line', 'data: ', 'x'.repeat(16 * 1024)],
    ['endless data: lines, no blank line', '', `data: ${'x'.repeat(100)}\r\n`.repeat(100)],
  ] as const;
  for (const [name, head, chunk] of cases) {
    it(`${name}: the stream is dropped with the reason, the last flags keep serving, a server that behaves is streamed from again`, async () => {
      const state = { hostile: false, value: true };
      const floods: Flood[] = [];
      const good: ServerResponse[] = [];
      const base = await server((req, res) => {
        if (!req.url?.startsWith('/v1/stream')) return void res.writeHead(503).end();
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        if (!state.hostile) {
          res.write(`retry: 20\n\nevent: snapshot\ndata: ${JSON.stringify({ version: 1, etag: '"1"', document: doc(state.value) })}\n\n`);
          return void good.push(res);
        }
        res.write(head);
        floods.push(flood(res, chunk));
      });
      const problems: string[] = [];
      const stream = new SseStream({
        url: `${base}/v1/stream`,
        createEventSource: (url) => nodeEventSource(MAX_DOCUMENT)(url, {}),
        fallback: { url: `${base}/v1/flags`, pollIntervalMs: 50, backoff: { initialMs: 20, maxMs: 50 } },
        retryStreamMs: 50,
      });
      const source: SyncSource = {
        description: stream.description,
        start: (sink) => stream.start({ ...sink, unreachable: (e) => (problems.push(e.message), sink.unreachable(e)) }),
        stop: () => stream.stop(),
      };
      const engine = new SyncEngine(source);
      cleanup.push(() => engine.stop());
      const value = () => engine.store.snapshot?.resolveBooleanEvaluation('f', false).value;
      engine.start();
      await engine.ready;
      state.hostile = true;
      for (const res of good.splice(0)) res.end();
      const reason = `stream ${base}/v1/stream: sent more than ${eventCap(MAX_DOCUMENT)} bytes in one event (the flag document limit and its framing); ${OVER}`;
      await waitFor(() => problems.includes(reason), 'the reason');
      expect(value()).toBe(true);
      state.hostile = false;
      state.value = false;
      await waitFor(() => value() === false, 'the stream of the server that behaves again');
      await waitFor(() => settledFloods(floods), 'every endless stream closed by the client');
      for (const f of floods) expect(f.sent).toBeLessThan(eventCap(MAX_DOCUMENT) + IN_FLIGHT);
    });
  }

  it("the provider caps its stream by limits.maxDocumentLength, and polling serves while the stream can't", async () => {
    const floods: Flood[] = [];
    const url = await server((req, res) => {
      if (!req.url?.startsWith('/v1/stream')) return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(doc(false)));
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      floods.push(flood(res, 'data: x\n'));
    });
    const provider = new SwitchyardProvider({ source: { type: 'sse', url, pollIntervalMs: 50 }, limits: { maxDocumentLength: MAX_DOCUMENT } });
    cleanup.push(() => OpenFeature.clearProviders());
    await OpenFeature.setProviderAndWait('bounded-sse', provider);
    expect(await OpenFeature.getClient('bounded-sse').getBooleanValue('f', true)).toBe(false);
    await waitFor(() => settledFloods(floods), 'the stream closed by the client');
    expect(floods[0].sent).toBeLessThan(eventCap(MAX_DOCUMENT) + IN_FLIGHT);
  });
});
