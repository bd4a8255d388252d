import { describe, expect, it } from 'vitest';
import { waitFor } from '@switchyard/test-utils/node';
import { StateStore } from '../../../src/index.js';
import { hashOf } from '../../../src/store/state-store.js';
import { entry, gatedStore, rollbackPin } from './harness.js';

// Docs: "a store row ... edited into nonsense: the row is skipped and logged once; the rest stand".
// seen() JSON.parses the rollback column of every row it lifts; a SyntaxError has no SQLSTATE, so
// isTransient() calls it connectivity and the head write is retried for ever — every later write
// (rollbacks, lifts, the audit trail) of this replica waits behind it.
describe('attack: a hand-edited rollback row wedges the write queue', () => {
  it('an unreadable rollback row on a flag that then changes does not block later writes', async () => {
    const { store, client } = await gatedStore(10_000);
    const t0 = new Date(Date.now() - 10_000).toISOString();
    await store.write({ kind: 'rollback', environment: 'e', uid: StateStore.uid(), entry: entry('rollback', t0), stored: { id: crypto.randomUUID(), rollback: rollbackPin('f', t0, 'D1') } });
    await client.query(`UPDATE switchyard_rollbacks SET rollback = '{"flag": "f", oops'`);
    void store.write({ kind: 'seen', environment: 'e', definitions: [['f', hashOf('D2'), new Date().toISOString()]] });
    const later = store.write({ kind: 'rollback', environment: 'e', uid: StateStore.uid(), entry: entry('rollback'), stored: { id: crypto.randomUUID(), rollback: rollbackPin('g', new Date().toISOString(), 'G1') } });
    const outcome = await Promise.race([later.then((v) => `written:${v}`), new Promise((r) => setTimeout(() => r('still waiting after 4 s'), 4000))]);
    const health = store.health();
    await store.close(0);
    expect({ outcome, state: health.state }).toEqual({ outcome: 'written:true', state: 'ok' });
  }, 20_000);
});
