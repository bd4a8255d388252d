import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserCommand } from 'vitest/node';
import { FileSource, SwitchyardServer, silentLogger } from '@switchyard/server';
import { TcpGate } from '@switchyard/test-utils/node';

/**
 * Server-side commands the browser tests call (`commands.startFlagServer(...)`): a real Switchyard
 * server on 127.0.0.1 serving a real file, which a test can edit, stop and start again. The page talks
 * to a TCP gate that keeps its port, so a restarted server (on a fresh port) is at the same address.
 */
let server: SwitchyardServer | undefined;
let gate: TcpGate | undefined;
let file = '';
let options: FlagServerOptions = {};

function write(doc: unknown): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(doc));
  renameSync(`${file}.tmp`, file);
}

async function listen(): Promise<string> {
  server = new SwitchyardServer({
    environments: [{ name: 'default', source: new FileSource(file, { debounceMs: 5, pollIntervalMs: 200 }) }],
    access: { keys: options.keys === false ? [] : [{ name: 'browser', key: options.key ?? 'client-key', environment: 'default', scope: 'client' }], corsOrigins: options.cors === false ? undefined : '*' },
    logger: silentLogger,
    streams: { retryMs: 200 },
  });
  const port = Number(new URL(await server.listen(0, '127.0.0.1')).port);
  if (!gate) await (gate = new TcpGate(port)).listen();
  gate.reopen(port);
  return gate.url;
}

/** How the server is started: `cors: false` refuses every browser origin; `keys: false` is an open server; `key`: the client key it takes (default `client-key`). */
export interface FlagServerOptions {
  readonly cors?: boolean;
  readonly keys?: boolean;
  readonly key?: string;
}

export const startFlagServer: BrowserCommand<[doc: unknown, options?: FlagServerOptions]> = async (_ctx, doc, how = {}) => {
  options = how;
  await server?.close();
  await gate?.stop();
  gate = undefined;
  file = join(mkdtempSync(join(tmpdir(), 'switchyard-web-')), 'flags.json');
  write(doc);
  return listen();
};

export const setFlags: BrowserCommand<[doc: unknown]> = async (_ctx, doc) => write(doc);

export const stopFlagServer: BrowserCommand<[]> = async () => {
  gate?.close();
  await server?.close();
  server = undefined;
};

/** Open client SSE streams, as the server's own metrics count them. */
export const openStreams: BrowserCommand<[]> = async () => {
  const metrics = await (await fetch(`${gate!.url}/metrics`)).text();
  const line = metrics.split('\n').find((l) => l.startsWith('switchyard_sse_connections') && l.includes('scope="client"'));
  return Number(line?.split(' ').pop() ?? 0);
};

/** The next `n` connections to the gate are cut as they arrive; later ones pass. */
export const dropConnections: BrowserCommand<[n: number]> = async (_ctx, n) => gate?.drop(n);

/** Nothing passes the gate, and new connections are held: a server that has not answered yet. */
export const freezeFlagServer: BrowserCommand<[]> = async () => gate?.freeze();
export const thawFlagServer: BrowserCommand<[]> = async () => gate?.thaw();
/** Connections waiting at the frozen gate. */
export const heldConnections: BrowserCommand<[]> = async () => gate?.holding ?? 0;

/** Starts a new server behind the same gate, so the browser's EventSource and poller find it where they left it (`how`: started otherwise). */
export const restartFlagServer: BrowserCommand<[how?: FlagServerOptions]> = async (_ctx, how) => {
  if (how) options = how;
  return listen();
};
