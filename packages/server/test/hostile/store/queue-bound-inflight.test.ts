import { describe, expect, it } from 'vitest';
import { waitFor } from '@switchyard/test-utils/node';
import { StateStore } from '../../../src/index.js';
import { entry, gatedStore, rollbackPin } from './harness.js';

// bound() splices the queue while flush() has queue[0] in flight; flush then shift()s whatever is at
// the head now — a different write, never applied, whose promise never settles.
describe('attack: the backlog bound vs the write in flight', () => {
  it('a rollback queued behind an in-flight reload entry lands when the bound drops entries', async () => {
    const { store, client } = await gatedStore(2);
    client.hold();
    void store.write({ kind: 'audit', environment: 'e', uid: StateStore.uid(), entry: entry('applied') }); // head, in flight
    await waitFor(() => client.inFlight === 1, 'head in flight');
    const rb = store.write({ kind: 'rollback', environment: 'e', uid: StateStore.uid(), entry: entry('rollback'), stored: { id: crypto.randomUUID(), rollback: rollbackPin('f', new Date().toISOString(), 'D1') } });
    void store.write({ kind: 'audit', environment: 'e', uid: StateStore.uid(), entry: entry('applied') }); // 3 > 2: drops the first audit = the head in flight
    client.release!();
    await waitFor(() => store.health().pending === 0, 'queue drained');
    const settled = await Promise.race([rb.then((v) => `written:${v}`), new Promise((r) => setTimeout(() => r('never settled'), 1000))]);
    const rows = await store.rollbacks('e');
    await store.close();
    expect({ settled, rows: rows.length }).toEqual({ settled: 'written:true', rows: 1 });
  });

  it('a rollback queued behind an in-flight definitions write lands when the bound merges definitions', async () => {
    const { store, client } = await gatedStore(3);
    client.hold();
    void store.write({ kind: 'seen', environment: 'e', definitions: [['g', 'x1', new Date().toISOString()]] }); // head, in flight
    await waitFor(() => client.inFlight === 1, 'head in flight');
    const rb = store.write({ kind: 'rollback', environment: 'e', uid: StateStore.uid(), entry: entry('rollback'), stored: { id: crypto.randomUUID(), rollback: rollbackPin('f', new Date().toISOString(), 'D1') } });
    void store.write({ kind: 'seen', environment: 'e', definitions: [['g', 'x2', new Date().toISOString()]] });
    void store.write({ kind: 'rollback', environment: 'e', uid: StateStore.uid(), entry: entry('rollback'), stored: { id: crypto.randomUUID(), rollback: rollbackPin('h', new Date().toISOString(), 'D1') } });
    client.release!();
    await waitFor(() => store.health().pending === 0, 'queue drained');
    const settled = await Promise.race([rb.then((v) => `written:${v}`), new Promise((r) => setTimeout(() => r('never settled'), 1000))]);
    const rows = (await store.rollbacks('e')).map((r) => r.rollback.flag).sort();
    await store.close();
    expect({ settled, rows }).toEqual({ settled: 'written:true', rows: ['f', 'h'] });
  });
});
