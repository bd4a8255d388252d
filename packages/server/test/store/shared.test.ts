import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startPostgres, tempDir, waitFor } from '@switchyard/test-utils/node';
import { migrate, MIGRATIONS, PostgresClient, SchemaError, silentLogger, StateStore } from '../../src/index.js';
import { doc, freshDatabase, pinned, startReplica, usePostgres } from './replicas.js';

// Several `switchyard serve` replicas on one real PostgreSQL: rollbacks reach every replica's SSE
// clients, survive restarts and rolling updates, and nothing is lost while PostgreSQL is down.

const cluster = usePostgres();

const rolledBackIn = (data: string) => !!JSON.parse(data).document?.flags?.['new-checkout']?.metadata?.rolledBack;

describe('replicas on one PostgreSQL', () => {
  it('a rollback POSTed to A reaches the SSE clients of B; a lift on B reaches A', async () => {
    const at = { kind: 'postgres', url: await freshDatabase(cluster()) } as const;
    const a = await startReplica('a', at, { doc: doc(50), pollIntervalMs: 60_000 }); // notifications only
    const b = await startReplica('b', at, { doc: doc(50), pollIntervalMs: 60_000 });
    const stream = b.stream();
    await stream.next(1, 'the snapshot');
    expect((await a.rollBack()).status).toBe(201);
    const [, change] = await stream.next(2, "B's clients hear of the rollback");
    expect(rolledBackIn(change.data)).toBe(true);
    expect(pinned(await b.served())).toBe(true);

    expect((await b.lift()).status).toBe(200);
    await waitFor(async () => !pinned(await a.served()), 'A lifts');
    const [, , lifted] = await stream.next(3, 'the lift');
    expect(rolledBackIn(lifted.data)).toBe(false);
    const history = (await a.rollbacks()).history!;
    expect(history.map((h) => [h.outcome, h.replica])).toEqual([
      ['rollback', 'a'],
      ['lifted', 'b'],
    ]);
  });

  it("a replica still serving an older definition mid-rollout keeps everyone's rollback; a new definition lifts it everywhere", async () => {
    const at = { kind: 'postgres', url: await freshDatabase(cluster()) } as const;
    // Both served 10/90; B is updated to 50/50 and rolls it back; A has not been updated yet.
    const a = await startReplica('a', at, { doc: doc(10) });
    const b = await startReplica('b', at, { doc: doc(10) });
    b.edit(doc(50));
    await waitFor(async () => JSON.stringify(await b.served()).includes('50'), 'B on 50/50');
    expect((await b.rollBack()).status).toBe(201);
    await waitFor(async () => pinned(await a.served()), 'A applies it');
    // A restarts on yet another definition that B served before the rollback: still nobody acted.
    await a.close();
    const a2 = await startReplica('a', at, { dir: a.dir });
    await waitFor(() => a2.store.health().pending === 0 && b.store.health().pending === 0, 'writes drained');
    await a2.server.environments.get('production')!.synced();
    expect(pinned(await a2.served())).toBe(true);
    expect(pinned(await b.served())).toBe(true);
    expect((await b.rollbacks()).rollbacks).toHaveLength(1);
    // The operator ships 30/70 to A: a definition the store first sees after the rollback.
    a2.edit(doc(30));
    await waitFor(async () => !pinned(await a2.served()), 'A lifts');
    await waitFor(async () => !pinned(await b.served()), 'B follows');
  });

  it('PostgreSQL down: flags and rollbacks keep being served, /readyz says degraded, and every write lands when it returns', async () => {
    const at = { kind: 'postgres', url: await freshDatabase(cluster()) } as const;
    const a = await startReplica('a', at, { doc: doc(10) });
    const b = await startReplica('b', at, { doc: doc(10) });
    cluster().halt();
    // Edits on A and a rollback on B while it is down.
    a.edit(doc(20));
    await waitFor(async () => JSON.stringify(await a.served()).includes('20'), 'A serves the edit');
    a.edit(doc(25));
    await waitFor(async () => JSON.stringify(await a.served()).includes('25'), 'A serves the second edit');
    const res = await b.rollBack();
    expect(res.status).toBe(201);
    expect((await res.json()).rollback.persisted).toBe(false);
    expect(pinned(await b.served())).toBe(true);
    const ready = await waitFor(async () => {
      const r = await a.readyz();
      return r.store?.state === 'degraded' ? r : undefined;
    }, 'A reports the store degraded');
    expect(ready.ready).toBe(true); // the flags are served: not unready
    expect(await b.metrics()).toMatch(/switchyard_store_up 0/);
    expect(await b.metrics()).toMatch(/switchyard_rollbacks_unpersisted\{environment="production"\} 1/);
    expect((await b.changes()).status).toBe(503);

    cluster().resume();
    await waitFor(async () => (await a.readyz()).store?.state === 'ok' && (await b.readyz()).store?.state === 'ok', 'both reconnect', 20_000);
    await waitFor(() => a.store.health().pending === 0 && b.store.health().pending === 0, 'writes drained', 20_000);
    // A's edits were served before B's rollback was made: reported late, they do not lift it.
    await waitFor(async () => pinned(await a.served()), "A takes in B's rollback");
    expect((await b.rollbacks()).rollbacks[0].persisted).toBeUndefined();
    await waitFor(() => a.store.health().pending === 0, "A's publication of it written");
    const trail = (await a.changes()).body.changes.map((c) => `${c.replica}:${c.outcome}`);
    // Nothing lost: both loads, A's two edits and its publication of B's rollback, B's rollback and the publication it caused.
    expect(trail.filter((t) => t === 'a:applied')).toHaveLength(4);
    expect(trail.filter((t) => t === 'b:rollback')).toHaveLength(1);
    expect(trail.filter((t) => t === 'b:applied')).toHaveLength(2);
  });

  it('a replica restarted while PostgreSQL is down comes back with the rollbacks it knew and the ones it made', async () => {
    const at = { kind: 'postgres', url: await freshDatabase(cluster()) } as const;
    const a = await startReplica('a', at, { doc: { flags: { 'new-checkout': doc(50).flags['new-checkout'], other: doc(50).flags['new-checkout'] } } });
    await a.rollBack('new-checkout');
    await a.server.environments.get('production')!.synced(); // read back from the store, so remembered
    cluster().halt();
    expect((await (await a.rollBack('other')).json()).rollback.persisted).toBe(false);
    await a.close();
    const again = await startReplica('a', at, { dir: a.dir });
    expect(pinned(await again.served('new-checkout'))).toBe(true); // last read from the store
    expect(pinned(await again.served('other'))).toBe(true); // made here, journaled, not yet stored
    expect(again.logs.filter((l) => l.includes('last read here'))).toEqual([expect.stringContaining('starting with the 1 last read here')]);
    cluster().resume();
    await waitFor(() => again.store.health().state === 'ok' && again.store.health().pending === 0, 'the journal lands', 20_000);
    const b = await startReplica('b', at, { doc: { flags: { 'new-checkout': doc(50).flags['new-checkout'], other: doc(50).flags['new-checkout'] } } });
    expect(pinned(await b.served('other'))).toBe(true);
    expect((await b.rollbacks()).rollbacks.map((r) => r.flag).sort()).toEqual(['new-checkout', 'other']);
  });

  it('replicas racing the first migration: one applies each version, all start', async () => {
    const url = await freshDatabase(cluster());
    const clients = Array.from({ length: 6 }, () => new PostgresClient(url));
    const results = await Promise.all(clients.map((c) => migrate(c)));
    expect(results.flatMap((r) => r.applied)).toEqual(MIGRATIONS.map((m) => m.version)); // exactly once in all
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    expect((await db.query('SELECT version FROM switchyard_schema ORDER BY version')).rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    // A database migrated by a newer server is refused, not written with an older idea of the schema.
    await db.query("INSERT INTO switchyard_schema (version, description) VALUES (999, 'from the future')");
    await db.end();
    await expect(migrate(clients[0])).rejects.toBeInstanceOf(SchemaError);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('a store that never answers costs bounded time: the server starts degraded and serves', async () => {
    // A port nothing listens on: connections are refused; the server must not wait for it.
    const halted = await startPostgres();
    const url = halted.url;
    halted.halt();
    const store = new StateStore(new PostgresClient(url, { connectTimeoutMs: 500 }), { replica: 'x', logger: silentLogger, journal: undefined });
    await store.open();
    expect(store.health().state).toBe('degraded');
    await store.close();
    await halted.stop();
    const a = await startReplica('a', { kind: 'postgres', url }, { doc: doc(50), dir: tempDir() });
    expect((await a.readyz()).ready).toBe(true);
    expect((await a.readyz()).store?.state).toBe('degraded');
    expect((await a.rollBack()).status).toBe(201);
    expect(pinned(await a.served())).toBe(true);
  });
});
