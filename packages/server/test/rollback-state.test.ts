import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSource, SwitchyardServer } from '../src/index.js';
import { SseClient, tempDir, waitFor, writeAtomically } from '@switchyard/test-utils/node';

const KEY = 'srv-production-0123456789';

const checkout = (targeting: unknown = { fractional: [['on', 50], ['off', 50]] }) => ({
  state: 'ENABLED',
  variants: { on: true, off: false },
  defaultVariant: 'off',
  targeting,
});
const flags = (extra: Record<string, unknown> = {}) => ({
  flags: { 'new-checkout': checkout(), banner: { state: 'ENABLED', variants: { a: 'Hello', b: 'Hi' }, defaultVariant: 'a' }, ...extra },
});

const running: SwitchyardServer[] = [];
const clients: SseClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** A server on `file` keeping rollbacks in `state`: restarting one, or running two, shares them. */
async function serve(file: string, state: string) {
  const logs: string[] = [];
  const server = new SwitchyardServer({
    environments: [{ name: 'production', source: new FileSource(file, { debounceMs: 10, pollIntervalMs: 250 }) }],
    access: { keys: [{ key: KEY, environment: 'production', scope: 'server' }] },
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    state,
  });
  running.push(server);
  const url = await server.listen(0, '127.0.0.1');
  const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
  const json = async (path: string) => (await fetch(url + path, { headers })).json();
  return {
    server,
    logs,
    served: async () => (await json('/v1/flags')).flags['new-checkout'],
    rollbacks: async () => (await json('/v1/rollbacks')).rollbacks,
    changes: async () => (await json('/v1/changes')).changes as { outcome: string; source: string }[],
    rollBack: (flag = 'new-checkout', variant = 'off') => fetch(`${url}/v1/rollbacks`, { method: 'POST', headers, body: JSON.stringify({ flag, variant, reason: 'treatment error rate 20% vs 1%' }) }),
    lift: (flag = 'new-checkout') => fetch(`${url}/v1/rollbacks/${encodeURIComponent(flag)}`, { method: 'DELETE', headers }),
    stream: () => {
      const client = new SseClient(`${url}/v1/stream`, { Authorization: `Bearer ${KEY}` });
      clients.push(client);
      return client;
    },
  };
}

function setup(content: unknown = flags()) {
  const dir = tempDir();
  const file = join(dir, 'production.json');
  writeFileSync(file, JSON.stringify(content));
  return { dir, file, state: join(dir, 'state') };
}

const pinned = (flag: { defaultVariant?: string; targeting?: unknown; metadata?: { rolledBack?: string } }) =>
  flag.defaultVariant === 'off' && flag.targeting === undefined && !!flag.metadata?.rolledBack;

describe('rollbacks kept in a state directory (switchyard serve --state)', () => {
  it('survive a restart: the first document the new process serves is already pinned', async () => {
    const { file, state } = setup();
    const first = await serve(file, state);
    expect((await first.rollBack()).status).toBe(201);
    expect(readdirSync(join(state, 'production'))).toEqual(['new-checkout.json']);
    await first.server.close();

    const second = await serve(file, state);
    expect(pinned(await second.served())).toBe(true);
    expect(await second.rollbacks()).toMatchObject([{ flag: 'new-checkout', variant: 'off', reason: 'treatment error rate 20% vs 1%' }]);
    // The restarted process never published the treatment: its only version is the pinned one.
    expect((await second.changes()).map((c) => c.outcome)).toEqual(['applied']);

    expect((await second.lift()).status).toBe(200);
    expect(readdirSync(join(state, 'production'))).toEqual([]);
    expect((await second.served()).targeting).toBeDefined();
  });

  it('are lifted at start-up when the flag was changed at its source while the server was down', async () => {
    const { file, state } = setup();
    const first = await serve(file, state);
    await first.rollBack();
    await first.server.close();
    writeAtomically(file, flags({ 'new-checkout': checkout({ fractional: [['on', 5], ['off', 95]] }) }));

    const second = await serve(file, state);
    expect((await second.served()).targeting).toEqual({ fractional: [['on', 5], ['off', 95]] });
    expect(await second.rollbacks()).toEqual([]);
    expect(readdirSync(join(state, 'production'))).toEqual([]);
    expect((await second.changes()).some((c) => c.outcome === 'lifted' && c.source.includes('changed at its source'))).toBe(true);
  });

  it('reach every replica sharing the directory, streamed to its clients, and a lift on one lifts them all', async () => {
    const { file, state } = setup();
    const a = await serve(file, state);
    const b = await serve(file, state);
    const streamB = b.stream();
    await streamB.next(1, 'the snapshot from B');

    expect((await a.rollBack()).status).toBe(201);
    const [, change] = await streamB.next(2, 'the rollback streamed by B');
    expect(JSON.parse(change.data).changed).toEqual(['new-checkout']);
    expect(pinned(await b.served())).toBe(true);
    expect(await b.rollbacks()).toMatchObject([{ flag: 'new-checkout', variant: 'off' }]);
    expect((await b.changes()).some((c) => c.outcome === 'rollback' && c.source.startsWith('rollback state'))).toBe(true);

    expect((await b.lift()).status).toBe(200);
    await waitFor(async () => (await a.served()).targeting !== undefined, 'A serving the source again');
    expect(await a.rollbacks()).toEqual([]);
  });

  it('an operator can lift a rollback by deleting its file', async () => {
    const { file, state } = setup();
    const server = await serve(file, state);
    await server.rollBack();
    rmSync(join(state, 'production', 'new-checkout.json'));
    await waitFor(async () => (await server.served()).targeting !== undefined, 'the source served again');
    expect(await server.rollbacks()).toEqual([]);
  });

  it('only a missing file lifts: an unreadable file or a vanished directory keeps the rollback in force', async () => {
    const { file, state } = setup();
    const server = await serve(file, state);
    await server.rollBack();
    writeFileSync(join(state, 'production', 'new-checkout.json'), '{"flag": "new-checkout", "vari'); // hand-edited badly
    await waitFor(() => server.logs.some((l) => l.startsWith('ignoring rollback file')), 'the warning');
    rmSync(state, { recursive: true });
    await waitFor(() => server.logs.some((l) => l.startsWith('cannot read the rollback state')), 'the warning for the directory');
    expect(pinned(await server.served())).toBe(true);
    expect(await server.rollbacks()).toMatchObject([{ flag: 'new-checkout' }]);
    expect((await server.changes()).map((c) => c.outcome)).not.toContain('lifted');
  });

  it('keeps every flag key inside the directory, and skips (without deleting) files it cannot use', async () => {
    const key = '../../escape/new-checkout';
    const { file, state } = setup(flags({ [key]: checkout() }));
    mkdirSync(join(state, 'production'), { recursive: true });
    const garbage = { 'broken.json': '{"flag": ', 'other.json': JSON.stringify({ flag: 'banner', variant: 'b', reason: 'r', by: 'x', at: 'now', baseline: '{}' }), 'notes.txt': 'hello' };
    for (const [name, text] of Object.entries(garbage)) writeFileSync(join(state, 'production', name), text);

    const server = await serve(file, state);
    expect(await server.rollbacks()).toEqual([]);
    expect(server.logs.filter((l) => l.startsWith('ignoring rollback file'))).toHaveLength(2);
    expect(server.logs.join('\n')).toContain('names flag "banner" but the file is for "other"');

    expect((await server.rollBack(key)).status).toBe(201);
    expect(readdirSync(join(state, 'production')).sort()).toEqual([`${encodeURIComponent(key)}.json`, ...Object.keys(garbage)].sort());
    expect(existsSync(join(state, '..', 'escape'))).toBe(false);
    expect(JSON.parse(readFileSync(join(state, 'production', `${encodeURIComponent(key)}.json`), 'utf8'))).toMatchObject({ flag: key, variant: 'off' });
    for (const name of Object.keys(garbage)) expect(existsSync(join(state, 'production', name))).toBe(true);
  });

  it('keeps a rollback written by an older release (flag JSON as its baseline) and rewrites its file', async () => {
    const { file, state } = setup();
    mkdirSync(join(state, 'production'), { recursive: true });
    const legacy = { flag: 'new-checkout', variant: 'off', reason: 'old release', by: 'ops', at: '2026-11-01T00:00:00.000Z', baseline: JSON.stringify(checkout()) };
    writeFileSync(join(state, 'production', 'new-checkout.json'), JSON.stringify(legacy));
    const server = await serve(file, state);
    expect(pinned(await server.served())).toBe(true);
    expect(await server.rollbacks()).toMatchObject([{ flag: 'new-checkout', variant: 'off', reason: 'old release' }]);
    const rewritten = JSON.parse(readFileSync(join(state, 'production', 'new-checkout.json'), 'utf8'));
    expect(rewritten.baseline).not.toBe(legacy.baseline);
    // Against a different definition, an old rollback is lifted as any other would be.
    writeAtomically(file, flags({ 'new-checkout': checkout({ fractional: [['on', 10], ['off', 90]] }) }));
    await waitFor(async () => !pinned(await server.served()), 'the lift');
    expect(existsSync(join(state, 'production', 'new-checkout.json'))).toBe(false);
  });

  it('a top-level metadata change (a deploy bumping a version) keeps the rollback', async () => {
    const { file, state } = setup({ ...flags(), metadata: { version: '1' } });
    const server = await serve(file, state);
    expect((await server.rollBack()).status).toBe(201);
    writeAtomically(file, { ...flags(), metadata: { version: '2' } });
    await waitFor(async () => (await server.changes()).filter((c) => c.outcome === 'applied').length >= 3, 'the new version published');
    expect(pinned(await server.served())).toBe(true);
    expect(await server.rollbacks()).toHaveLength(1);
  });
});
