import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '@switchyard/test-utils/node';
import { FileSource, SwitchyardServer } from '../../src/index.js';
import { nameOf } from '../../src/rollback-state.js';

// Emergency rollbacks under faults: an unwritable state volume, absurd flag keys, a hand-edited
// state file. None of them may undo a rollback silently, crash the server or block readiness.

const KEY = 'srv-production-0123456789';
const LONG = `checkout-${'x'.repeat(300)}`;
const flag = () => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractional: [['on', 50], ['off', 50]] } });
const DOC = { flags: { 'new-checkout': flag(), [LONG]: flag() } };

const running: SwitchyardServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function serve(dir: string) {
  const file = join(dir, 'flags.json');
  if (!existsSync(file)) writeFileSync(file, JSON.stringify(DOC));
  const logs: string[] = [];
  const server = new SwitchyardServer({
    environments: [{ name: 'production', source: new FileSource(file) }],
    access: { keys: [{ key: KEY, environment: 'production', scope: 'server' }] },
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    state: join(dir, 'state'),
  });
  running.push(server);
  const url = await server.listen(0, '127.0.0.1');
  const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
  return {
    logs,
    url,
    served: async (key = 'new-checkout') => (await (await fetch(`${url}/v1/flags`, { headers })).json()).flags[key],
    rollbacks: async () => (await (await fetch(`${url}/v1/rollbacks`, { headers })).json()).rollbacks,
    rollBack: async (key = 'new-checkout') => fetch(`${url}/v1/rollbacks`, { method: 'POST', headers, body: JSON.stringify({ flag: key, variant: 'off', reason: 'errors' }) }),
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
  };
}

const pinned = (f: { metadata?: { rolledBack?: string } }) => !!f.metadata?.rolledBack;

describe('rollbacks under faults', () => {
  it('an unwritable state volume: the rollback holds, is reported as not persisted, and lands once it can', async () => {
    const dir = tempDir();
    const server = await serve(dir);
    const volume = join(dir, 'state', 'production');
    rmSync(volume, { recursive: true });
    writeFileSync(volume, 'not a directory'); // every write under it now fails (as root too)
    const res = await server.rollBack();
    expect(res.status).toBe(201);
    expect((await res.json()).rollback).toMatchObject({ flag: 'new-checkout', persisted: false });
    expect(await server.rollbacks()).toMatchObject([{ flag: 'new-checkout', persisted: false }]);
    expect(await server.metrics()).toContain('switchyard_rollbacks_unpersisted{environment="production"} 1');
    expect(server.logs.filter((l) => l.includes('not persisted'))).toHaveLength(1);
    // State polls come and go (2 s apart); the rollback is not "lifted elsewhere" for being absent.
    await waitFor(() => server.logs.some((l) => l.startsWith('cannot read the rollback state')), 'a state poll');
    expect(pinned(await server.served())).toBe(true);
    rmSync(volume);
    mkdirSync(volume);
    await waitFor(() => existsSync(join(volume, 'new-checkout.json')), 'the retried write', 10_000);
    expect(await server.rollbacks()).toEqual([expect.not.objectContaining({ persisted: false })]);
    expect(await server.metrics()).toContain('switchyard_rollbacks_unpersisted{environment="production"} 0');
    expect(readdirSync(volume).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a flag key too long for a file name is persisted under its hash and survives a restart', async () => {
    const dir = tempDir();
    const first = await serve(dir);
    expect((await first.rollBack(LONG)).status).toBe(201);
    expect((await first.rollbacks())[0]).not.toHaveProperty('persisted');
    expect(readdirSync(join(dir, 'state', 'production')).filter((n) => n.startsWith('#'))).toHaveLength(1);
    await running.splice(0)[0].close();
    const second = await serve(dir);
    expect(pinned(await second.served(LONG))).toBe(true);
  });

  it('a state entry naming a variant the flag lacks is logged once and ignored: the server is ready and the file untouched', async () => {
    const dir = tempDir();
    const volume = join(dir, 'state', 'production');
    mkdirSync(volume, { recursive: true });
    const entry = JSON.stringify({ flag: 'new-checkout', variant: 'nope', reason: 'hand-edited', by: 'ops', at: '2026-11-01T00:00:00.000Z', baseline: 'x' });
    writeFileSync(join(volume, 'new-checkout.json'), entry);
    const server = await serve(dir);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(pinned(await server.served())).toBe(false);
    expect(server.logs.filter((l) => l.includes('ignoring the rollback of new-checkout'))).toHaveLength(1);
    // A rollback another replica writes is taken in by the next state poll: proof that polls ran.
    // (Its baseline names no definition ever served, so it is lifted and its file removed at once.)
    const other = join(volume, nameOf(LONG));
    writeFileSync(other, JSON.stringify({ flag: LONG, variant: 'off', reason: 'replica', by: 'ops', at: '2026-11-01T00:00:00.000Z', baseline: 'y' }));
    await waitFor(() => !existsSync(other), 'a state poll', 10_000);
    expect(readFileSync(join(volume, 'new-checkout.json'), 'utf8')).toBe(entry);
    expect(server.logs.filter((l) => l.includes('ignoring the rollback of new-checkout'))).toHaveLength(1);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('a replica still serving an older definition (a rolling update) keeps everyone\'s rollback; a definition nobody served before lifts it', async () => {
    const at = (pct: number) => ({ flags: { 'new-checkout': { ...flag(), targeting: { fractional: [['on', pct], ['off', 100 - pct]] } } } });
    const dirB = tempDir();
    const dirA = tempDir();
    const state = join(tempDir(), 'shared-state');
    const start = async (dir: string, doc: unknown) => {
      writeFileSync(join(dir, 'flags.json'), JSON.stringify(doc));
      const logs: string[] = [];
      const server = new SwitchyardServer({
        environments: [{ name: 'production', source: new FileSource(join(dir, 'flags.json'), { debounceMs: 5 }) }],
        access: { keys: [{ key: KEY, environment: 'production', scope: 'server' }] },
        logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
        state,
      });
      running.push(server);
      const url = await server.listen(0, '127.0.0.1');
      const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
      return {
        logs,
        served: async () => (await (await fetch(`${url}/v1/flags`, { headers })).json()).flags['new-checkout'],
        post: () => fetch(`${url}/v1/rollbacks`, { method: 'POST', headers, body: JSON.stringify({ flag: 'new-checkout', variant: 'off', reason: 'errors' }) }),
      };
    };
    // B served 90/10, was updated to 50/50, and rolls the 50/50 treatment back.
    const b = await start(dirB, at(10));
    writeFileSync(join(dirB, 'flags.json.tmp'), JSON.stringify(at(50)));
    const { renameSync } = await import('node:fs');
    renameSync(join(dirB, 'flags.json.tmp'), join(dirB, 'flags.json'));
    await waitFor(async () => JSON.stringify(await b.served()).includes('50'), 'B on 50/50');
    expect((await b.post()).status).toBe(201);
    // A, not yet updated, still serves 90/10 and shares the state: it applies the rollback, lifts nothing.
    const a = await start(dirA, at(10));
    expect(pinned(await a.served())).toBe(true);
    expect(JSON.parse(readFileSync(join(state, 'production', 'new-checkout.json'), 'utf8')).known).toHaveLength(1); // B's 90/10
    expect(existsSync(join(state, 'production', 'new-checkout.json'))).toBe(true);
    expect(pinned(await b.served())).toBe(true);
    // A definition no replica served before is someone acting on the flag: lifted, for everyone.
    writeFileSync(join(dirA, 'flags.json.tmp'), JSON.stringify(at(30)));
    renameSync(join(dirA, 'flags.json.tmp'), join(dirA, 'flags.json'));
    await waitFor(async () => !pinned(await a.served()), 'A lifts on a new definition');
    await waitFor(async () => !pinned(await b.served()), 'B follows', 10_000);
  });
});
