import { ManualTimers, settle } from '@switchyard/test-utils';
import { describe, expect, it } from 'vitest';
import { SseStream, type EventSourceLike, type SyncSink } from '../src/index.js';

/** An EventSource the test plays the server of: it dispatches what the test says, nothing else. */
class FakeEventSource implements EventSourceLike {
  readyState = 0;
  closed = false;
  private readonly listeners = new Map<string, ((event: { data?: unknown }) => void)[]>();
  addEventListener(type: string, listener: (event: { data?: unknown }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  emit(type: string, data?: unknown): void {
    if (type === 'open') this.readyState = 1;
    for (const l of this.listeners.get(type) ?? []) l({ data });
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
}

function setUp() {
  const timers = new ManualTimers();
  const sources: FakeEventSource[] = [];
  const seen: string[] = [];
  const sink: SyncSink = { payload: () => seen.push('payload'), reachable: () => seen.push('reachable'), unreachable: (e) => seen.push(e.message) };
  const stream = new SseStream({ url: 'http://flags/v1/stream', createEventSource: () => (sources.push(new FakeEventSource()), sources.at(-1)!), retryStreamMs: 10_000, timers });
  return { timers, sources, seen, sink, stream };
}

describe('SseStream: a silent server is a lost stream', () => {
  it('three missed heartbeats close the stream and report it; streaming is tried again later', async () => {
    const { timers, sources, seen, sink, stream } = setUp();
    stream.start(sink);
    sources[0].emit('open');
    sources[0].emit('heartbeat', JSON.stringify({ intervalMs: 1000 }));
    sources[0].emit('snapshot', JSON.stringify({ version: 1, etag: '"a"', document: { flags: {} } }));
    await timers.advance(2999);
    sources[0].emit('heartbeat', JSON.stringify({ intervalMs: 1000 })); // alive: the watchdog starts over
    await timers.advance(2999);
    expect(seen).toEqual(['reachable', 'payload']);
    await timers.advance(1); // three intervals of silence
    expect(seen.at(-1)).toBe('stream http://flags/v1/stream: silent for 3000 ms (no heartbeat)');
    expect(sources[0].closed).toBe(true);
    await timers.advance(10_000);
    expect(sources).toHaveLength(2); // streaming again
    await timers.advance(3000); // still silent (a hung server accepts and never answers)
    expect(seen.filter((s) => s.includes('silent'))).toHaveLength(2);
    stream.stop();
    await settle();
    expect(timers.pending()).toEqual([]);
  });

  it('without an announced heartbeat (an older server) silence is never a failure; a hostile interval is bounded', async () => {
    const { timers, sources, seen, sink, stream } = setUp();
    stream.start(sink);
    sources[0].emit('open');
    await timers.advance(3_600_000);
    expect(seen).toEqual(['reachable']);
    sources[0].emit('heartbeat', JSON.stringify({ intervalMs: 0 })); // would fire constantly: at least 100 ms
    await timers.advance(299);
    expect(seen).toEqual(['reachable']);
    await timers.advance(1);
    expect(seen.at(-1)).toContain('silent for 300 ms');
    stream.stop();
  });
});

describe('SseStream: a key in the URL (browsers) never reaches a message', () => {
  it('names the stream without the key, in its description and in what it reports', async () => {
    const timers = new ManualTimers();
    const seen: string[] = [];
    const sink: SyncSink = { payload: () => undefined, reachable: () => undefined, unreachable: (e) => seen.push(e.message) };
    const sources: FakeEventSource[] = [];
    const stream = new SseStream({ url: 'http://flags/v1/stream?env=prod&key=sy_client_secret', createEventSource: () => (sources.push(new FakeEventSource()), sources.at(-1)!), timers });
    expect(stream.description).toBe('sse:http://flags/v1/stream?env=prod&key=…');
    stream.start(sink);
    sources[0].emit('open');
    sources[0].emit('heartbeat', JSON.stringify({ intervalMs: 1000 }));
    await timers.advance(3000);
    expect(seen).toEqual(['stream http://flags/v1/stream?env=prod&key=…: silent for 3000 ms (no heartbeat)']);
    expect(seen.join()).not.toContain('secret');
    stream.stop();
  });
});
