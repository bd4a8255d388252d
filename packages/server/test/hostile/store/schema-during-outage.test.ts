import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@switchyard/test-utils/node';
import { EmbeddedClient, StateStore } from '../../../src/index.js';
import { Gated } from './harness.js';

// A server that could not migrate at start (database away) and meets a database a newer server has
// migrated meanwhile (a rolling upgrade): the poll's connect() rethrows SchemaError out of tick(),
// called as `void this.tick()` from a timer — an unhandled rejection, which ends a Node 20 process.
describe('attack: a newer schema met by the poll', () => {
  it('tick() does not reject unhandled', async () => {
    const inner = await EmbeddedClient.open(join(tempDir(), 'embedded'));
    const client = new Gated(inner);
    client.down = true;
    const logs: string[] = [];
    const logger = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
    const store = new StateStore(client, { replica: 'r', logger, pollIntervalMs: 200 });
    await store.open(); // degraded, not migrated
    await inner.query('CREATE TABLE switchyard_schema (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    await inner.query(`INSERT INTO switchyard_schema (version, description) VALUES (99, 'newer')`);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    client.down = false;
    await new Promise((r) => setTimeout(r, 800));
    process.off('unhandledRejection', onUnhandled);
    await store.close(0);
    expect(unhandled.map((e) => (e as Error).name)).toEqual([]);
  }, 20_000);
});
