import { renameSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { SseClient, startPostgres, tempDir, type ThrowawayPostgres } from '@switchyard/test-utils/node';
import { EmbeddedClient, FileSource, Journal, PostgresClient, StateStore, SwitchyardServer, type PostgresOptions } from '../../src/index.js';

export const KEY = 'srv-production-0123456789';
export const flag = (pct = 50) => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractional: [['on', pct], ['off', 100 - pct]] } });
export const doc = (pct = 50, extra: Record<string, unknown> = {}) => ({ flags: { 'new-checkout': flag(pct), ...extra } });
export const pinned = (f: { metadata?: { rolledBack?: string } } | undefined) => !!f?.metadata?.rolledBack;

/** Where a replica keeps its state: a PostgreSQL server shared by replicas, or its own embedded one. */
export type Backing = { kind: 'postgres'; url: string } | { kind: 'embedded' };

export interface Replica {
  readonly name: string;
  readonly dir: string;
  readonly url: string;
  readonly logs: string[];
  readonly server: SwitchyardServer;
  readonly store: StateStore;
  served(key?: string): Promise<{ defaultVariant?: string; metadata?: { rolledBack?: string } } | undefined>;
  rollbacks(): Promise<{ rollbacks: { flag: string; persisted?: false }[]; history: { outcome: string; replica: string }[] | null }>;
  rollBack(key?: string, variant?: string): Promise<Response>;
  lift(key?: string): Promise<Response>;
  changes(query?: string): Promise<{ status: number; body: { changes: { id: number; outcome: string; replica: string; source: string }[]; before?: number; next?: string } }>;
  readyz(): Promise<{ ready: boolean; store?: { state: string; pending?: number } }>;
  metrics(): Promise<string>;
  edit(content: unknown): void;
  stream(): SseClient;
  close(): Promise<void>;
}

const running = new Set<Replica>();
export const closeAll = () => Promise.all([...running].map((r) => r.close()));

/**
 * A `SwitchyardServer` on a flag file in `dir`, with its state in `backing`. Restarting a replica is
 * closing it and starting one with the same `dir` (its journal and, embedded, its database).
 */
export async function startReplica(name: string, backing: Backing, options: { dir?: string; doc?: unknown; pollIntervalMs?: number; postgres?: PostgresOptions; maxPending?: number } = {}): Promise<Replica> {
  const dir = options.dir ?? tempDir();
  const file = join(dir, 'flags.json');
  if (options.doc !== undefined) writeFileSync(file, JSON.stringify(options.doc));
  const logs: string[] = [];
  const logger = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
  const settings = { replica: name, logger, pollIntervalMs: options.pollIntervalMs ?? 1000, maxPending: options.maxPending };
  const store =
    backing.kind === 'postgres'
      ? new StateStore(new PostgresClient(backing.url, { connectTimeoutMs: 1000, ...options.postgres }), { ...settings, journal: new Journal(join(dir, 'journal'), logger) })
      : new StateStore(await EmbeddedClient.open(join(dir, 'embedded')), settings);
  const server = new SwitchyardServer({
    environments: [{ name: 'production', source: new FileSource(file, { debounceMs: 5 }) }],
    access: { keys: [{ key: KEY, environment: 'production', scope: 'server' }] },
    logger,
    store,
  });
  const url = await server.listen(0, '127.0.0.1');
  const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
  const streams: SseClient[] = [];
  const replica: Replica = {
    name,
    dir,
    url,
    logs,
    server,
    store,
    served: async (key = 'new-checkout') => (await (await fetch(`${url}/v1/flags`, { headers })).json()).flags[key],
    rollbacks: async () => (await fetch(`${url}/v1/rollbacks`, { headers })).json(),
    rollBack: (key = 'new-checkout', variant = 'off') => fetch(`${url}/v1/rollbacks`, { method: 'POST', headers, body: JSON.stringify({ flag: key, variant, reason: 'errors' }) }),
    lift: (key = 'new-checkout') => fetch(`${url}/v1/rollbacks/${encodeURIComponent(key)}`, { method: 'DELETE', headers }),
    changes: async (query = '') => {
      const res = await fetch(`${url}/v1/changes${query}`, { headers });
      return { status: res.status, body: await res.json() };
    },
    readyz: async () => (await fetch(`${url}/readyz`, { headers })).json(),
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    edit: (content) => {
      writeFileSync(`${file}.tmp`, JSON.stringify(content));
      renameSync(`${file}.tmp`, file);
    },
    stream: () => {
      const client = new SseClient(`${url}/v1/stream`, { Authorization: `Bearer ${KEY}` });
      streams.push(client);
      return client;
    },
    close: async () => {
      if (!running.delete(replica)) return;
      await Promise.all(streams.map((s) => s.close()));
      await server.close();
    },
  };
  running.add(replica);
  return replica;
}

let databases = 0;

/** A fresh database on the cluster, for one test. */
export async function freshDatabase(cluster: ThrowawayPostgres): Promise<string> {
  const name = `t${++databases}_${process.pid}`;
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return cluster.url.replace(/\/switchyard$/, `/${name}`);
}

/** A throwaway PostgreSQL cluster for the test file (running again after each test), and every replica closed after each test. */
export function usePostgres(): () => ThrowawayPostgres {
  let cluster: ThrowawayPostgres | undefined;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  afterEach(async () => {
    await closeAll();
    cluster?.resume(); // a test that halted it and failed: the next one gets it running
  });
  return () => cluster!;
}
