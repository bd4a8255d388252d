import fc from 'fast-check';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, flood, listenOnLoopback, waitFor, type Flood } from '@switchyard/test-utils/node';
import { capEvents, HttpPoller, readCapped, type SyncSink } from '../src/index.js';

const encode = (text: string) => new TextEncoder().encode(text);

/** `bytes` cut at `cuts` into chunks, then the end (or, `endless`, nothing more ever); `cancelled` resolves on cancel. */
function chunked(bytes: Uint8Array, cuts: number[], endless = false) {
  const ends = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b).concat(bytes.length);
  let at = 0;
  let cancelled!: () => void;
  const done = new Promise<void>((resolve) => (cancelled = resolve));
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const end = ends.shift();
      if (end === undefined) return endless ? new Promise<void>(() => {}) : controller.close();
      controller.enqueue(bytes.slice(at, end));
      at = end;
    },
    cancel: () => cancelled(),
  });
  return { stream, cancelled: done };
}

/** The reference: the count since the last event's end, from the whole text split into lines. */
function referenceTrips(text: string, max: number): boolean {
  const ends = new Set<number>(); // byte offsets just after a byte that ends an event
  let offset = 0;
  for (const [line, content, end] of text.matchAll(/([^\r\n]*)(\r\n|\r|\n|$)/g)) {
    offset += encode(content).length;
    for (let i = 1; content === '' && i <= end.length; i++) ends.add(offset + i); // a blank line: each byte of its line end
    offset += end.length;
    if (line === '') break;
  }
  let last = 0;
  for (let k = 1; k <= offset; k++) {
    if (ends.has(k)) last = k;
    else if (k - last > max) return true;
  }
  return false;
}

async function trips(bytes: Uint8Array, cuts: number[], max: number): Promise<boolean> {
  const over: Error[] = [];
  const text = await new Response(chunked(bytes, cuts).stream.pipeThrough(capEvents(max, (e) => over.push(e)))).text().catch(() => undefined);
  expect(text === undefined).toBe(over.length === 1);
  return over.length === 1;
}

describe('readCapped and capEvents (properties)', () => {
  it('reads a body under the cap exactly, however it is split (multi-byte characters across chunks too)', async () => {
    await fc.assert(
      // A leading BOM is not text: decoding drops it, as `res.text()` always did.
      fc.asyncProperty(fc.string({ unit: 'binary' }).filter((t) => !t.startsWith('\uFEFF')), fc.array(fc.nat()), fc.nat(8), async (text, cuts, room) => {
        const bytes = encode(text);
        expect(await readCapped(new Response(chunked(bytes, cuts).stream), bytes.length + room)).toEqual([text, true]);
      }),
    );
  });

  it('over the cap: what came before it, and the body cancelled', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1 }), fc.array(fc.nat()), fc.nat(), async (text, cuts, n) => {
        const bytes = encode(text);
        const max = n % bytes.length;
        const { stream, cancelled } = chunked(bytes, cuts, true);
        expect(await readCapped(new Response(stream), max)).toEqual([new TextDecoder().decode(bytes.subarray(0, max)), false]);
        await cancelled;
      }),
    );
  });

  it('ends events where a simple reference does, on random LF, CR and CRLF input', async () => {
    const piece = fc.constantFrom('a', 'é', 'data: x', '\n', '\r', '\r\n', '\n\n', '\r\r', '\r\n\r\n');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 40 }), fc.array(fc.nat()), fc.nat(30), async (pieces, cuts, max) => {
        const text = pieces.join('');
        expect(await trips(encode(text), cuts, max)).toBe(referenceTrips(text, max));
      }),
    );
  });
});

// Hostile servers on 127.0.0.1: an answer that never ends is cut at the cap and its connection closed.
const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await closeServer(s);
});

/** A server that answers `status` with `head`, then `x`s until the client goes. */
async function endless(status: number, head: string, headers: Record<string, string> = {}) {
  const state: { flood?: Flood } = {};
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.write(head);
    state.flood = flood(res, 'x'.repeat(16 * 1024));
  });
  servers.push(server);
  const closed = () => waitFor(() => state.flood?.closed, 'the server to see its connection closed').then(() => state.flood!.sent);
  return { url: `${await listenOnLoopback(server)}/v1/flags`, closed };
}

async function pollOnce(url: string, maxBytes?: number) {
  const failures: Error[] = [];
  const sink: SyncSink = { payload: () => failures.push(new Error('a payload')), reachable: () => {}, unreachable: (e) => failures.push(e) };
  expect(await new HttpPoller({ url, maxBytes }).pollOnce(sink)).toBe(false);
  return failures;
}

// Loopback's socket buffers take a few MiB before the client reads a byte (about 3.9 MB here); past
// them the server sends only what the client reads. Unbounded reading would take until the timeout.
const IN_FLIGHT = 8 * 1024 * 1024;

describe('a body that never ends', () => {
  it('a 200 is cut at the cap: the attempt fails with the limit, the connection is closed', async () => {
    const { url, closed } = await endless(200, '{"flags":');
    const failures = await pollOnce(url, 1024 * 1024);
    expect(failures.map((e) => e.message)).toEqual([`${url} sent more than 1048576 bytes: the flag document limit; the last good definitions keep serving`]);
    expect(failures[0]).toMatchObject({ name: 'PollError', final: false });
    expect(await closed()).toBeLessThan(1024 * 1024 + IN_FLIGHT);
  });

  it('a Content-Length over the cap is cut at the cap the same way', async () => {
    const { url, closed } = await endless(200, '{', { 'Content-Length': String(2 ** 40) });
    expect((await pollOnce(url, 4096)).map((e) => e.message)).toEqual([`${url} sent more than 4096 bytes: the flag document limit; the last good definitions keep serving`]);
    expect(await closed()).toBeLessThan(4096 + IN_FLIGHT);
  });

  it('an error answer: its reason is read from the first 4 KiB only, and the status is still reported', async () => {
    for (const [status, final] of [
      [401, true],
      [500, false],
    ] as const) {
      const { url, closed } = await endless(status, 'maintenance\n');
      const failures = await pollOnce(url);
      expect(failures[0].message).toBe(`${url} answered ${status}: maintenance ${'x'.repeat(188)}…`);
      expect(failures[0]).toMatchObject({ final });
      expect(await closed()).toBeLessThan(4096 + IN_FLIGHT);
    }
  });

  it('a document of exactly the cap in bytes is read; one byte more is not', async () => {
    const doc = (pad: number) => `{"flags":{"é":{"state":"ENABLED","variants":{"on":true},"defaultVariant":"on"}}}${' '.repeat(pad)}`;
    const server = createServer((req, res) => res.end(doc(Number(req.url?.slice(1)))));
    servers.push(server);
    const base = await listenOnLoopback(server);
    const cap = encode(doc(10)).length;
    const payloads: unknown[] = [];
    const sink: SyncSink = { payload: (p) => payloads.push(p), reachable: () => {}, unreachable: (e) => payloads.push(e.message) };
    await new HttpPoller({ url: `${base}/10`, maxBytes: cap }).pollOnce(sink);
    await new HttpPoller({ url: `${base}/11`, maxBytes: cap }).pollOnce(sink);
    expect(payloads).toEqual([doc(10), `${base}/11 sent more than ${cap} bytes: the flag document limit; the last good definitions keep serving`]);
  });
});
