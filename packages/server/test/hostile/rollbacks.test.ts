import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startPostgres, tempDir, TcpGate, waitFor } from '@switchyard/test-utils/node';
import { doc, freshDatabase, pinned, startReplica, usePostgres } from '../store/replicas.js';

// Rollbacks and the audit trail under faults of their store: a silent database, revoked privileges,
// hand-edited rows, a corrupt journal, a backlog past its bound. None may undo a rollback silently,
// crash the server, block serving or readiness, or hold unbounded memory.

const cluster = usePostgres();

async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return await db.query(text);
  } finally {
    await db.end();
  }
}

describe('rollbacks under store faults', () => {
  it('a database that stops answering mid-connection (silence, not a refusal): bounded waits, the rollback holds, and lands after', async () => {
    const gate = new TcpGate(cluster().port);
    const through = await gate.listen();
    const url = (await freshDatabase(cluster())).replace(`127.0.0.1:${cluster().port}`, new URL(through).host);
    const a = await startReplica('a', { kind: 'postgres', url }, { doc: doc(50), postgres: { statementTimeoutMs: 500 } });
    gate.freeze();
    const res = await a.rollBack();
    expect(res.status).toBe(201); // answered within the persist wait, not after the silence
    expect((await res.json()).rollback.persisted).toBe(false);
    expect(pinned(await a.served())).toBe(true);
    await waitFor(async () => (await a.readyz()).store?.state === 'degraded', 'degraded after the statement timeout');
    expect((await a.readyz()).ready).toBe(true);
    gate.thaw();
    await waitFor(() => a.store.health().state === 'ok' && a.store.health().pending === 0, 'written after the silence', 20_000);
    expect((await a.rollbacks()).rollbacks).toEqual([expect.not.objectContaining({ persisted: false })]);
    await gate.stop();
  });

  it('a revoked privilege is retried, not dropped: the rollback holds here, reported, and lands once granted', async () => {
    const url = await freshDatabase(cluster());
    const a = await startReplica('a', { kind: 'postgres', url }, { doc: doc(50) });
    // The tests connect as the cluster's owner, whom privileges do not bind: a trigger refuses as a revoked grant would.
    await sql(url, `CREATE FUNCTION deny() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'permission denied' USING ERRCODE = '42501'; END $$;
                    CREATE TRIGGER deny BEFORE INSERT OR UPDATE ON switchyard_rollbacks FOR EACH ROW EXECUTE FUNCTION deny()`);
    const res = await a.rollBack();
    expect((await res.json()).rollback.persisted).toBe(false);
    expect(await a.metrics()).toMatch(/switchyard_rollbacks_unpersisted\{environment="production"\} 1/);
    await waitFor(async () => (await a.readyz()).store?.state === 'degraded', 'degraded');
    // Polls come and go; a rollback the store lacks because it could not be written is not "lifted elsewhere".
    await a.server.environments.get('production')!.synced();
    expect(pinned(await a.served())).toBe(true);
    await sql(url, 'DROP TRIGGER deny ON switchyard_rollbacks');
    await waitFor(() => a.store.health().pending === 0, 'the retried write', 20_000);
    expect(await a.metrics()).toMatch(/switchyard_rollbacks_unpersisted\{environment="production"\} 0/);
    expect(a.store.refused).toBe(0);
  });

  it('hand-edited rows: an unreadable rollback is skipped and said once, one naming a missing variant is not applied, the rest stand', async () => {
    const url = await freshDatabase(cluster());
    const flags = { 'new-checkout': doc(50).flags['new-checkout'], other: doc(50).flags['new-checkout'] };
    const a = await startReplica('a', { kind: 'postgres', url }, { doc: { flags } });
    await a.rollBack('other');
    await sql(url, `INSERT INTO switchyard_rollbacks (environment, flag_hash, flag, id, rollback, baseline_hash, replica, made_at)
                    VALUES ('production', 'x', '"junk"', gen_random_uuid(), '{not json', 'x', 'ops', now()),
                           ('production', 'y', '"new-checkout"', gen_random_uuid(), '{"flag":"new-checkout","variant":"nope","reason":"r","by":"ops","at":"2026-01-01T00:00:00Z","baseline":"b"}', 'b', 'ops', now());
                    UPDATE switchyard_audit SET entry = 'garbage' WHERE outcome = 'applied'`);
    await a.server.environments.get('production')!.synced();
    await a.server.environments.get('production')!.synced();
    expect(a.logs.filter((l) => l.includes('not a whole rollback'))).toHaveLength(1);
    expect(a.logs.filter((l) => l.includes('does not apply here'))).toHaveLength(1);
    expect(pinned(await a.served('other'))).toBe(true);
    expect(pinned(await a.served('new-checkout'))).toBe(false);
    const { status, body } = await a.changes();
    expect(status).toBe(200);
    expect(body.changes.some((c) => c.source === '(an unreadable entry)')).toBe(true);
    expect((await a.readyz()).ready).toBe(true);
  });

  it('a corrupt journal and a corrupt rollback cache: malformed lines are skipped, the server starts and serves', async () => {
    const dir = tempDir();
    const halted = await startPostgres();
    const url = halted.url;
    halted.halt();
    const journal = join(dir, 'journal');
    mkdirSync(journal, { recursive: true });
    writeFileSync(join(journal, 'rollbacks.json'), '{"production": [{"id": 1}, null, "x"]');
    appendFileSync(join(journal, 'pending.jsonl'), '{"kind":"rollback","environment":"production","uid":"u","entry":{}}\nnot json\n{"kind":"seen","environment":"production","definitions":[[1,2]]}\n{"kind":"lift"');
    const a = await startReplica('a', { kind: 'postgres', url }, { dir, doc: doc(50) });
    expect((await a.readyz()).ready).toBe(true);
    expect(pinned(await a.served())).toBe(false);
    // Only this start's own writes wait (its load and definitions): nothing of the journal was replayed.
    expect(a.store.pendingWrites('production').map((q) => q.write.kind).sort()).toEqual(['audit', 'seen']);
    expect(a.logs.filter((l) => l.includes('malformed line'))).toHaveLength(2); // the torn last line is expected after a crash
    await a.close();
    await halted.stop();
  });

  it('a backlog past its bound drops the oldest reload entries (counted, logged), never a rollback', async () => {
    const url = await freshDatabase(cluster());
    const a = await startReplica('a', { kind: 'postgres', url }, { doc: doc(0, { other: doc(50).flags['new-checkout'] }), maxPending: 5 });
    cluster().halt();
    try {
      await a.rollBack('other');
      for (let pct = 1; pct <= 12; pct++) {
        a.edit(doc(pct, { other: doc(50).flags['new-checkout'] }));
        await waitFor(() => a.server.environments.get('production')!.counts.applied >= pct + 1, `edit ${pct}`);
      }
      // Each edit queued a reload entry and its definitions: merged and dropped down to the bound.
      expect(a.store.health().pending).toBeLessThanOrEqual(5);
      expect(a.store.dropped).toBeGreaterThan(0);
      expect(a.logs.filter((l) => l.includes('audit entries dropped'))).toHaveLength(1);
    } finally {
      cluster().resume();
    }
    await waitFor(() => a.store.health().pending === 0 && a.store.health().state === 'ok', 'drained', 20_000);
    const trail = (await a.changes('?limit=1000')).body.changes;
    expect(trail.filter((c) => c.outcome === 'rollback')).toHaveLength(1);
    expect(pinned(await a.served('other'))).toBe(true);
    expect(trail.filter((c) => c.outcome === 'applied').length).toBeLessThan(14); // some reload entries were dropped
  });
});
