import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SseClient, startPostgres, waitFor, type ThrowawayPostgres } from '@switchyard/test-utils/node';
import { BIN, EXAMPLES } from './helpers.js';

// `switchyard serve` processes sharing state: two replicas on one real PostgreSQL, and the embedded
// store through a crash. Real processes, real signals.

let postgres: ThrowawayPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

interface Served {
  url: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

/** Starts `switchyard serve` on a copy of the example flags and waits for its banner. */
async function serve(args: string[], flags = join(mkdtempSync(join(tmpdir(), 'switchyard-store-')), 'flags.json')): Promise<Served> {
  copyFileSync(join(EXAMPLES, 'flags.json'), flags);
  const child = spawn(process.execPath, [BIN, 'serve', flags, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(() => out.includes('listening on'), 'the banner', 30_000);
  return { url: out.match(/listening on (http:\/\/[\d.:]+)/)![1], child, output: () => out, exited };
}

const json = { 'Content-Type': 'application/json' };
const rollBack = (url: string) => fetch(`${url}/v1/rollbacks`, { method: 'POST', headers: json, body: JSON.stringify({ flag: 'new-checkout', variant: 'off', reason: 'errors' }) });
const checkout = async (url: string) => (await (await fetch(`${url}/v1/flags`)).json()).flags['new-checkout'];
const rolledBack = (flag: { metadata?: { rolledBack?: string } }) => !!flag.metadata?.rolledBack;

describe('switchyard serve --store', () => {
  it('two replicas on one PostgreSQL: a rollback on A reaches the SSE clients of B; both restarted, pins and the trail are there', async () => {
    const store = ['--store', postgres.url];
    const dataA = mkdtempSync(join(tmpdir(), 'switchyard-a-'));
    const dataB = mkdtempSync(join(tmpdir(), 'switchyard-b-'));
    let a = await serve([...store, '--data', dataA, '--replica', 'a']);
    let b = await serve([...store, '--data', dataB, '--replica', 'b']);
    const stream = new SseClient(`${b.url}/v1/stream`);
    await stream.next(1, 'the snapshot');
    expect((await rollBack(a.url)).status).toBe(201);
    const [, change] = await stream.next(2, "B's client hears of A's rollback");
    expect(JSON.parse(change.data).document.flags['new-checkout'].metadata.rolledBack).toContain('errors');
    await stream.close();

    for (const replica of [a, b]) replica.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    a = await serve([...store, '--data', dataA, '--replica', 'a']);
    b = await serve([...store, '--data', dataB, '--replica', 'b']);
    expect(rolledBack(await checkout(a.url))).toBe(true);
    expect(rolledBack(await checkout(b.url))).toBe(true);
    const { changes } = await (await fetch(`${b.url}/v1/changes?limit=1000`)).json();
    const trail = changes.map((c: { replica: string; outcome: string }) => `${c.replica}:${c.outcome}`);
    expect(trail.filter((t: string) => t === 'a:rollback')).toHaveLength(1);
    expect(trail.filter((t: string) => t.endsWith(':applied')).length).toBeGreaterThanOrEqual(5); // 2 loads, A's rollback publication, B's, 2 reloads
    expect(new Set(trail.map((t: string) => t.split(':')[0]))).toEqual(new Set(['a', 'b']));
  });

  it('embedded: a rollback answered 201 survives kill -9 of the server', async () => {
    const data = mkdtempSync(join(tmpdir(), 'switchyard-data-'));
    const first = await serve(['--data', data]);
    expect((await rollBack(first.url)).status).toBe(201);
    first.child.kill('SIGKILL');
    await first.exited;
    // The lock file names a process that is gone: the next start takes the directory over.
    const again = await serve(['--data', data]);
    expect(rolledBack(await checkout(again.url))).toBe(true);
    expect(again.output()).not.toContain('held by process');
  });

  it('embedded: a second server on the same --data is refused while the first runs', async () => {
    const data = mkdtempSync(join(tmpdir(), 'switchyard-data-'));
    await serve(['--data', data]);
    const child = spawn(process.execPath, [BIN, 'serve', join(EXAMPLES, 'flags.json'), '--port', '0', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(2);
    expect(err).toMatch(/cannot use the store: .*held by process \d+: another switchyard serve uses this data directory/);
  });
});
