import { describe, expect, it } from 'vitest';
import { waitFor } from '@switchyard/test-utils/node';
import { StateStore } from '../../../src/index.js';
import { hashOf } from '../../../src/store/state-store.js';
import { entry, gatedStore, rollbackPin } from './harness.js';

// bound() merges all waiting definition writes of an environment and dates the merge by the EARLIEST
// sighting; a definition first served after a rollback is then recorded as first served before it,
// and the rollback is never lifted (docs: "the flag's definition changes to one first served after
// the rollback was made" lifts it).
describe('attack: merged definitions are back-dated', () => {
  it('a definition served after a rollback, merged with an earlier sighting while the store was away, does not lift it', async () => {
    const { store, client } = await gatedStore(4);
    const t = (ms: number) => new Date(Date.now() - 60_000 + ms).toISOString();
    client.down = true;
    void store.write({ kind: 'seen', environment: 'e', definitions: [['other', hashOf('O1'), t(0)], ['f', hashOf('D1'), t(0)]] }); // start-up: everything
    void store.write({ kind: 'rollback', environment: 'e', uid: StateStore.uid(), entry: entry('rollback', t(1000)), stored: { id: crypto.randomUUID(), rollback: rollbackPin('f', t(1000), 'D1') } });
    void store.write({ kind: 'seen', environment: 'e', definitions: [['f', hashOf('D2'), t(2000)]] }); // f edited after the rollback
    for (let i = 0; i < 3; i++) void store.write({ kind: 'audit', environment: 'e', uid: StateStore.uid(), entry: entry('applied') });
    client.down = false;
    await waitFor(() => store.health().pending === 0, 'drained', 15_000);
    const left = (await store.rollbacks('e')).map((r) => r.rollback.flag);
    const firstSeen = await client.query<{ first_seen: string }>(`SELECT first_seen::text FROM switchyard_definitions WHERE fingerprint = $1`, [hashOf('D2')]);
    await store.close();
    // Control (same writes, no merge) lifts it — see merge-date-control.
    expect({ left, firstSeen: firstSeen[0]?.first_seen }).toEqual({ left: [], firstSeen: expect.anything() });
  }, 20_000);

  it('control: without the bound, the same writes lift the rollback', async () => {
    const { store, client } = await gatedStore(10_000);
    const t = (ms: number) => new Date(Date.now() - 60_000 + ms).toISOString();
    client.down = true;
    void store.write({ kind: 'seen', environment: 'e', definitions: [['other', hashOf('O1'), t(0)], ['f', hashOf('D1'), t(0)]] });
    void store.write({ kind: 'rollback', environment: 'e', uid: StateStore.uid(), entry: entry('rollback', t(1000)), stored: { id: crypto.randomUUID(), rollback: rollbackPin('f', t(1000), 'D1') } });
    void store.write({ kind: 'seen', environment: 'e', definitions: [['f', hashOf('D2'), t(2000)]] });
    for (let i = 0; i < 3; i++) void store.write({ kind: 'audit', environment: 'e', uid: StateStore.uid(), entry: entry('applied') });
    client.down = false;
    await waitFor(() => store.health().pending === 0, 'drained', 15_000);
    const left = (await store.rollbacks('e')).map((r) => r.rollback.flag);
    await store.close();
    expect(left).toEqual([]);
  }, 20_000);
});
