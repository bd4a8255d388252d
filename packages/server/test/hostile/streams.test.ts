import { renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient, tempDir, waitFor } from '@switchyard/test-utils/node';
import { FileSource, SwitchyardServer } from '../../src/index.js';

// Readers that stop reading must not make the server hold copy after copy of a large document.

const KEY = 'srv-production-0123456789';
// 16 MB: more than loopback's socket buffers can absorb, so a reader that does not read leaves it buffered.
const big = (text: string) => ({ flags: { banner: { state: 'ENABLED', variants: { a: text.repeat(16 * 1024 * 1024) }, defaultVariant: 'a' } } });

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('slow SSE readers', () => {
  it('a paused reader a whole document behind is dropped at the next change; live readers get it', async () => {
    const file = join(tempDir(), 'flags.json');
    writeFileSync(file, JSON.stringify(big('x')));
    // A per-stream cap far above the document: what drops the paused reader is being a document behind.
    const server = new SwitchyardServer({ streams: { maxBufferedBytes: 64 * 1024 * 1024 }, environments: [{ name: 'production', source: new FileSource(file, { debounceMs: 5 }) }], access: { keys: [{ key: KEY, environment: 'production', scope: 'server' }] }, logger: { info() {}, warn() {}, error() {} } });
    const url = await server.listen(0, '127.0.0.1');
    cleanup.push(() => server.close());
    const streams = async () => Number(/switchyard_sse_connections\{environment="production",scope="server"\} (\d+)/.exec(await (await fetch(`${url}/metrics`)).text())?.[1]);

    // A reader that connects and never reads: the snapshot sits in the server's buffers.
    const paused = connect(Number(new URL(url).port), '127.0.0.1');
    paused.on('error', () => undefined);
    paused.pause();
    paused.write(`GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\n\r\n`);
    cleanup.push(async () => void paused.destroy());
    const live = new SseClient(`${url}/v1/stream`, { Authorization: `Bearer ${KEY}` });
    cleanup.push(() => live.close());
    await live.next(1, 'the snapshot');
    await waitFor(async () => (await streams()) === 2, 'both streams open');

    writeFileSync(`${file}.tmp`, JSON.stringify(big('y')));
    renameSync(`${file}.tmp`, file);
    await live.next(2, 'the change, to the live reader');
    expect(await streams()).toBe(1); // the paused one was dropped, not handed a second copy
  });
});
