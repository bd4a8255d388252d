import { describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '@switchyard/test-utils/node';
import { doc, freshDatabase, pinned, startReplica, usePostgres, type Backing } from './replicas.js';

// The store's contract, run against a PostgreSQL server (a throwaway Debian cluster) and against the
// embedded one (PGlite in a data directory): what one replica can see of rollbacks and the audit trail,
// across restarts, with hostile keys.

const cluster = usePostgres();

const backings: [string, () => Promise<Backing>][] = [
  ['PostgreSQL', async () => ({ kind: 'postgres', url: await freshDatabase(cluster()) })],
  ['embedded', async () => ({ kind: 'embedded' })],
];

describe.each(backings)('store contract (%s)', (_, backing) => {
  it('a rollback and the audit trail survive a restart; the restarted server never serves the treatment', async () => {
    const at = await backing();
    const dir = tempDir();
    const a = await startReplica('a', at, { dir, doc: doc(50) });
    const res = await a.rollBack();
    expect(res.status).toBe(201);
    expect((await res.json()).rollback.persisted).toBeUndefined(); // in the store before the answer
    await a.close();

    const again = await startReplica('a', at, { dir });
    // The first document served after the restart already has the pin.
    expect(pinned(await again.served())).toBe(true);
    const { rollbacks, history } = await again.rollbacks();
    expect(rollbacks.map((r) => r.flag)).toEqual(['new-checkout']);
    expect(history!.map((h) => h.outcome)).toEqual(['rollback']);
    await waitFor(() => again.store.health().pending === 0, 'the restart\'s load written');
    const { body } = await again.changes();
    // The load, the rollback and the publication it caused, the load after the restart.
    expect(body.changes.map((c) => c.outcome)).toEqual(['applied', 'rollback', 'applied', 'applied']);
    expect(body.changes.every((c) => c.replica === 'a')).toBe(true);
  });

  it('DELETE lifts for good (a restart does not bring it back), and the history says who did what', async () => {
    const at = await backing();
    const dir = tempDir();
    const a = await startReplica('a', at, { dir, doc: doc(50) });
    await a.rollBack();
    expect((await a.lift()).status).toBe(200);
    expect(pinned(await a.served())).toBe(false);
    await a.close();
    const again = await startReplica('a', at, { dir });
    expect(pinned(await again.served())).toBe(false);
    expect((await again.rollbacks()).history!.map((h) => h.outcome)).toEqual(['rollback', 'lifted']);
  });

  it('a definition first served after the rollback lifts it; one served before does not', async () => {
    const at = await backing();
    const a = await startReplica('a', at, { doc: doc(10) });
    a.edit(doc(50));
    await waitFor(async () => JSON.stringify(await a.served()).includes('50'), 'the 50/50 edit');
    await a.rollBack();
    // Back to 10/10: served before the rollback — a lagging replica looks exactly like this. It holds.
    a.edit(doc(10));
    await waitFor(() => a.server.environments.get('production')!.counts.applied + a.server.environments.get('production')!.counts.unchanged === 3, 'the revert read');
    await waitFor(() => a.store.health().pending === 0, 'writes drained'); // the registration included
    await a.server.environments.get('production')!.synced();
    expect(pinned(await a.served())).toBe(true);
    // A definition never served: someone acted on the flag. Lifted, and the trail says why.
    a.edit(doc(30));
    await waitFor(async () => !pinned(await a.served()), 'lifted by a new definition');
    const lifted = (await a.changes()).body.changes.filter((c) => c.outcome === 'lifted');
    expect(lifted).toHaveLength(1);
    expect(lifted[0].source).toMatch(/changed at its source \(first served by a\)/);
  });

  it('pages the audit trail with before and limit, oldest first within a page, bounded', async () => {
    const at = await backing();
    const a = await startReplica('a', at, { doc: doc(0) });
    for (let pct = 1; pct <= 6; pct++) {
      a.edit(doc(pct));
      await waitFor(async () => JSON.stringify(await a.served()).includes(`"on",${pct}]`), `edit ${pct}`);
    }
    await waitFor(() => a.store.health().pending === 0, 'writes drained');
    const first = await a.changes('?limit=3');
    expect(first.body.changes).toHaveLength(3);
    const ids = first.body.changes.map((c) => c.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(first.body.next).toBe(`/v1/changes?before=${ids[0]}&limit=3`);
    const second = await a.changes(`?before=${first.body.before}&limit=3`);
    expect(second.body.changes.map((c) => c.id).every((id) => id < ids[0])).toBe(true);
    const third = await a.changes(`?before=${second.body.before}&limit=3`);
    expect([...third.body.changes, ...second.body.changes, ...first.body.changes]).toHaveLength(7); // the load and six edits
    expect(third.body.next).toBeUndefined();
    expect((await a.changes('?before=-1')).status).toBe(400);
    expect((await a.changes('?before=abc')).status).toBe(400);
    expect((await a.changes('?limit=100000')).body.changes).toHaveLength(7); // capped at 1,000, not refused
  });

  it('keeps flag keys exactly — NUL, lone surrogates, quotes, 10,000 characters — across a restart', async () => {
    const at = await backing();
    const dir = tempDir();
    // Incompressible, so no index could take the key itself.
    const random = Array.from({ length: 10_000 }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 9973) % 94)).join('');
    const keys = ['a\u0000b', 'x\uD800y', `it's "quoted" \\ {}`, random, 'constructor'];
    const flags = Object.fromEntries(keys.map((k) => [k, doc(50).flags['new-checkout']]));
    const a = await startReplica('a', at, { dir, doc: { flags } });
    for (const key of keys) expect((await a.rollBack(key)).status).toBe(201);
    await a.close();
    const again = await startReplica('a', at, { dir });
    const rollbacks = (await again.rollbacks()).rollbacks.map((r) => r.flag);
    expect(rollbacks.sort()).toEqual([...keys].sort());
    for (const key of keys) expect(pinned(await again.served(key))).toBe(true);
  });
});
