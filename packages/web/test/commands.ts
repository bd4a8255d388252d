import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserCommand } from 'vitest/node';
import { FileSource, SwitchyardServer, silentLogger } from '@switchyard/server';

/**
 * Server-side commands the browser tests call (`commands.startFlagServer(...)`): a real Switchyard
 * server on 127.0.0.1 serving a real file, which a test can edit, stop and start again on the same port.
 */
let server: SwitchyardServer | undefined;
let file = '';
let port = 0;

function write(doc: unknown): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(doc));
  renameSync(`${file}.tmp`, file);
}

async function listen(): Promise<string> {
  server = new SwitchyardServer({
    environments: [{ name: 'default', source: new FileSource(file, { debounceMs: 5, pollMs: 200 }) }],
    access: { keys: [{ name: 'browser', key: 'client-key', environment: 'default', scope: 'client' }], corsOrigins: '*' },
    logger: silentLogger,
    streams: { retryMs: 200 },
  });
  const url = await server.listen(port, '127.0.0.1');
  port = Number(new URL(url).port);
  return url;
}

export const startFlagServer: BrowserCommand<[doc: unknown]> = async (_ctx, doc) => {
  await server?.close();
  file = join(mkdtempSync(join(tmpdir(), 'switchyard-web-')), 'flags.json');
  port = 0;
  write(doc);
  return listen();
};

export const setFlags: BrowserCommand<[doc: unknown]> = async (_ctx, doc) => write(doc);

export const stopFlagServer: BrowserCommand<[]> = async () => {
  await server?.close();
  server = undefined;
};

/** Open client SSE streams, as the server's own metrics count them. */
export const openStreams: BrowserCommand<[]> = async () => {
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = metrics.split('\n').find((l) => l.startsWith('switchyard_sse_connections') && l.includes('scope="client"'));
  return Number(line?.split(' ').pop() ?? 0);
};

/** Starts again on the same port, so the browser's EventSource and poller find it where they left it. */
export const restartFlagServer: BrowserCommand<[]> = async () => listen();
