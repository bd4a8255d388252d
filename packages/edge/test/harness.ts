import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { EdgeRuntime } from 'edge-runtime';
import { Miniflare } from 'miniflare';
import { FileSource, SwitchyardServer, silentLogger } from '@switchyard/server';
import { TcpGate } from '@switchyard/test-utils/node';

export const EXAMPLE = fileURLToPath(new URL('../../../examples/edge/', import.meta.url));
const EDGE_DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const EDGE_MODULES = fileURLToPath(new URL('../node_modules/', import.meta.url));

/**
 * A real Switchyard server on 127.0.0.1 serving a real file that tests edit, stop and restart. Workers
 * talk to a TCP gate that keeps its port: a restarted server (on a fresh port) is at the same address.
 */
export async function startFlagServer(doc: unknown) {
  const file = join(mkdtempSync(join(tmpdir(), 'switchyard-edge-')), 'flags.json');
  const write = (d: unknown) => {
    writeFileSync(`${file}.tmp`, JSON.stringify(d));
    renameSync(`${file}.tmp`, file);
  };
  write(doc);
  let server: SwitchyardServer | undefined;
  let gate: TcpGate | undefined;
  const listen = async () => {
    server = new SwitchyardServer({
      environments: [{ name: 'default', source: new FileSource(file, { debounceMs: 5, pollIntervalMs: 200 }) }],
      access: { keys: [{ name: 'edge', key: 'edge-key', environment: 'default', scope: 'server' }] },
      logger: silentLogger,
    });
    const port = Number(new URL(await server.listen(0, '127.0.0.1')).port);
    if (!gate) await (gate = new TcpGate(port)).listen();
    gate.reopen(port);
    return gate.url;
  };
  const url = await listen();
  return {
    url,
    file,
    write,
    stop: async () => {
      gate?.close();
      await server?.close();
      server = undefined;
    },
    /** A new server behind the same address (a no-op while running). */
    restart: async () => (server ? url : listen()),
    /** Connections refused while stopped (revalidations that reached the dead backend). */
    refused: () => gate?.refused ?? 0,
    /** Stops the server and the gate for good. */
    dispose: async () => {
      await server?.close();
      await gate?.stop();
    },
  };
}

/** An origin that answers with its own name. */
export async function startOrigin(name: string) {
  const server: Server = createServer((req, res) => res.end(`${name} ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Bundles a worker as the platforms' tools do: esbuild, ESM or a classic script, no Node built-ins. */
export async function bundle(contents: string, options: { format: 'esm' | 'iife'; platform?: 'neutral' | 'browser'; external?: string[] }): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir: EXAMPLE, loader: 'ts' },
    bundle: true,
    format: options.format,
    platform: options.platform ?? 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    // The example imports the built package as users do; its other imports resolve from this package's deps.
    plugins: [{ name: 'switchyard-edge', setup: (b) => b.onResolve({ filter: /^@switchyard\/edge(\/provider)?$/ }, (a) => ({ path: `${EDGE_DIST}${a.path.endsWith('/provider') ? 'provider' : 'index'}.js` })) }],
    nodePaths: [EDGE_MODULES],
    external: options.external,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

export interface Env {
  FLAGS_URL: string;
  FLAGS_KEY?: string;
  FLAGS_TTL_MS?: string;
  BLUE_ORIGIN: string;
  GREEN_ORIGIN: string;
}

/** One running copy of the example, in one runtime; `fetch` sends a request as a user (cookie) would. */
export interface RunningWorker {
  fetch(path: string, cookie?: string): Promise<{ status: number; origin: string | null; flag: string | null; setCookie: string | null; body: string }>;
  close(): Promise<void>;
}

type Runtime = (env: Env) => Promise<RunningWorker>;

const read = async (response: { status: number; headers: { get(name: string): string | null }; text(): Promise<string> }) => ({
  status: response.status,
  origin: response.headers.get('x-origin'),
  flag: response.headers.get('x-flag'),
  setCookie: response.headers.get('set-cookie'),
  body: await response.text(),
});

/** examples/edge/worker.ts in real workerd (Miniflare), with the Cache API persisted to `cacheDir`. */
export function workerd(cacheDir?: string): Runtime {
  return async (env) => {
    const script = await bundle("export { default } from './worker.ts';", { format: 'esm' });
    const mf = new Miniflare({ modules: true, script, compatibilityDate: '2026-04-01', bindings: { ...env }, cachePersist: cacheDir ?? false });
    await mf.ready;
    return {
      fetch: async (path, cookie) => read(await mf.dispatchFetch(`http://shop.test${path}`, { headers: cookie ? { cookie } : {} })),
      close: () => mf.dispose(),
    };
  };
}

/** examples/edge/vercel.ts in Vercel's edge-runtime, driven as Vercel drives it (a FetchEvent per request). */
export const edgeRuntime: Runtime = async (env) => {
  const script = await bundle(
    "import handler from './vercel.ts';\naddEventListener('fetch', (event) => event.respondWith(handler(event.request, event)));",
    { format: 'iife' },
  );
  const runtime = new EdgeRuntime({ initialCode: script, extend: (context) => Object.assign(context, { process: { env: { ...env } } }) });
  const pending: Promise<unknown>[] = [];
  return {
    fetch: async (path, cookie) => {
      const response = await runtime.dispatchFetch(`http://shop.test${path}`, { headers: cookie ? { cookie } : {} });
      pending.push(response.waitUntil());
      return read(response);
    },
    close: async () => {
      await Promise.allSettled(pending);
    },
  };
};

/** Retries `check` until it holds (the worker revalidates in the background after its TTL). */
export async function eventually<T>(check: () => Promise<T>, until: (value: T) => boolean, attempts = 100): Promise<T> {
  let value = await check();
  for (let i = 0; i < attempts && !until(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await check();
  }
  return value;
}
