import { OpenFeature } from '@openfeature/server-sdk';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGES, type Stage } from '@switchyard/core';
import { seededRandom } from '@switchyard/test-utils';
import { startPostgres, tempDir, waitFor, writeAtomically, type ThrowawayPostgres } from '@switchyard/test-utils/node';
import { Migration, SwitchyardProvider } from '../src/index.js';

// The column rename of docs/migrations.md, on a real PostgreSQL: `users.email` → `users.email_address` through all six
// stages while a workload of reads and writes runs, every stage's reads and writes checked against the
// columns; and a broken backfill caught in `shadow` and rolled back to `dualwrite` automatically.

const quiet = { warn() {}, error() {} };
const USERS = 40;
let postgres: ThrowawayPostgres;
let db: pg.Pool;
beforeAll(async () => {
  postgres = await startPostgres();
  db = new pg.Pool({ connectionString: postgres.url, max: 4 });
});
afterAll(async () => {
  await db?.end();
  await postgres?.stop();
});

const flag = (stage: Stage) => ({ flags: { 'users-email': { state: 'ENABLED', variants: Object.fromEntries(STAGES.map((s) => [s, s])), defaultVariant: stage, metadata: { migration: true } } } });

const random = seededRandom;

async function setup(table: string) {
  await db.query(`CREATE TABLE ${table} (id integer PRIMARY KEY, email text NOT NULL, email_address text)`);
  for (let id = 1; id <= USERS; id++) await db.query(`INSERT INTO ${table} (id, email) VALUES ($1, $2)`, [id, `user${id}@old.example`]);
  const file = join(tempDir(), 'flags.json');
  writeAtomically(file, flag('off'));
  const provider = new SwitchyardProvider({ source: { type: 'file', path: file } });
  const domain = `pg-${table}`;
  await OpenFeature.setProviderAndWait(domain, provider);
  const client = OpenFeature.getClient(domain);
  const touched: string[] = []; // which column each operation read or wrote
  const migration = new Migration<string | undefined, void, number, { id: number; email: string }>(provider, {
    flag: 'users-email',
    readOld: async (id) => (touched.push('read email'), (await db.query(`SELECT email FROM ${table} WHERE id = $1`, [id])).rows[0]?.email),
    readNew: async (id) => (touched.push('read email_address'), (await db.query(`SELECT email_address FROM ${table} WHERE id = $1`, [id])).rows[0]?.email_address ?? undefined),
    writeOld: async ({ id, email }) => void (touched.push('write email'), await db.query(`UPDATE ${table} SET email = $2 WHERE id = $1`, [id, email])),
    writeNew: async ({ id, email }) => void (touched.push('write email_address'), await db.query(`UPDATE ${table} SET email_address = $2 WHERE id = $1`, [id, email])),
    check: (a, b) => a === b,
    logger: quiet,
  });
  const model = new Map(Array.from({ length: USERS }, (_, i) => [i + 1, `user${i + 1}@old.example`]));
  const move = async (stage: Stage) => {
    writeAtomically(file, flag(stage));
    await waitFor(async () => (migration.stage({ targetingKey: 'probe' })) === stage, `stage ${stage}`);
  };
  /** Reads and writes on random users; every read must return what was last written (the model). */
  const workload = async (ops: number, seed: number) => {
    const rand = random(seed);
    let wrong = 0;
    for (let i = 0; i < ops; i++) {
      const id = 1 + Math.floor(rand() * USERS);
      const ctx = { targetingKey: `user-${id}` };
      if (rand() < 0.3) {
        const email = `user${id}.${seed}.${i}@new.example`;
        const r = await migration.write(ctx, { id, email });
        expect(r.ok).toBe(true);
        model.set(id, email);
      } else {
        const r = await migration.read(ctx, id);
        if (!r.ok || r.value !== model.get(id)) wrong++;
      }
    }
    return wrong;
  };
  const columns = async () => (await db.query(`SELECT id, email, email_address FROM ${table} ORDER BY id`)).rows as { id: number; email: string; email_address: string | null }[];
  const cleanup = () => OpenFeature.clearProviders(domain);
  return { provider, migration, touched, model, move, workload, columns, cleanup };
}

describe('migration flag on PostgreSQL: rename users.email to users.email_address', () => {
  it('walks all six stages under load: the right columns read and written at each, no write lost, the columns agreeing where they must', async () => {
    const m = await setup('users_rename');
    const used = async (stage: Stage, seed: number) => {
      m.touched.length = 0;
      expect(await m.workload(150, seed), `wrong reads at ${stage}`).toBe(0);
      return new Set(m.touched);
    };
    // off: the old column only.
    expect(await used('off', 1)).toEqual(new Set(['read email', 'write email']));

    // dualwrite: writes to both (old first); reads old. Then the backfill copies what was never written twice.
    await m.move('dualwrite');
    expect(await used('dualwrite', 2)).toEqual(new Set(['read email', 'write email', 'write email_address']));
    await db.query('UPDATE users_rename SET email_address = email WHERE email_address IS NULL');
    expect((await m.columns()).every((r) => r.email === r.email_address)).toBe(true);

    // shadow: reads both and compares, old answers; no inconsistency after a correct backfill.
    await m.move('shadow');
    expect(await used('shadow', 3)).toEqual(new Set(['read email', 'read email_address', 'write email', 'write email_address']));
    expect(m.migration.rollbacks()).toEqual([]);

    // live: reads both, new answers; writes new first, then old.
    await m.move('live');
    expect(await used('live', 4)).toEqual(new Set(['read email', 'read email_address', 'write email_address', 'write email']));
    expect((await m.columns()).every((r) => r.email === r.email_address)).toBe(true);

    // rampdown: new only for reads; old still written, so going back stays possible.
    await m.move('rampdown');
    expect(await used('rampdown', 5)).toEqual(new Set(['read email_address', 'write email_address', 'write email']));
    expect((await m.columns()).every((r) => r.email === r.email_address)).toBe(true);

    // complete: new only. The old column is no longer written: ready to be dropped.
    await m.move('complete');
    expect(await used('complete', 6)).toEqual(new Set(['read email_address', 'write email_address']));
    // No write lost: the new column holds every user's last write.
    for (const row of await m.columns()) expect(row.email_address).toBe(m.model.get(row.id));
    expect(m.migration.rollbacks()).toEqual([]);
    await m.cleanup();
  });

  it('a broken backfill makes shadow reads disagree: back to dualwrite after three, and no caller ever sees a wrong email', async () => {
    const m = await setup('users_broken');
    await m.move('dualwrite');
    // The broken backfill: upper-cases the addresses of every other user.
    await db.query("UPDATE users_broken SET email_address = CASE WHEN id % 2 = 0 THEN upper(email) ELSE email END WHERE email_address IS NULL");
    await m.move('shadow');
    let operations = 0;
    let wrong = 0;
    while (m.migration.rollbacks().length === 0 && operations < 500) {
      wrong += await m.workload(1, 100 + operations);
      operations++;
    }
    expect(m.migration.rollbacks()).toMatchObject([{ flag: 'users-email', from: 'shadow', to: 'dualwrite' }]);
    expect(operations).toBeLessThan(100); // half the users disagree: three disagreements come within a few dozen reads
    expect(wrong).toBe(0); // old answered every shadow read
    // Everyone is back at dualwrite: reads old only, writes both — the new column keeps being written.
    expect(m.migration.stage({ targetingKey: 'user-2' })).toBe('dualwrite');
    m.touched.length = 0;
    expect(await m.workload(50, 999)).toBe(0);
    expect(new Set(m.touched)).toEqual(new Set(['read email', 'write email', 'write email_address']));
    await m.cleanup();
  });
});
