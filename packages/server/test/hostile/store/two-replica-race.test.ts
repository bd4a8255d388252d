import { describe, expect, it } from 'vitest';
import { waitFor } from '@switchyard/test-utils/node';
import { doc, freshDatabase, startReplica, usePostgres } from '../../store/replicas.js';

const cluster = usePostgres();
const variantOf = async (r: { served: () => Promise<{ defaultVariant?: string; metadata?: { rolledBack?: string } } | undefined> }) => {
  const f = await r.served();
  return f?.metadata?.rolledBack ? f.defaultVariant : 'not pinned';
};

describe('attack: two replicas racing on one flag', () => {
  it('concurrent POSTs of different variants on A and B converge on one', async () => {
    const url = await freshDatabase(cluster());
    const a = await startReplica('a', { kind: 'postgres', url }, { doc: doc(50) });
    const b = await startReplica('b', { kind: 'postgres', url }, { doc: doc(50) });
    for (let round = 0; round < 5; round++) {
      const [ra, rb] = await Promise.all([a.rollBack('new-checkout', 'on'), b.rollBack('new-checkout', 'off')]);
      expect([ra.status, rb.status]).toEqual([201, 201]);
      await waitFor(async () => (await variantOf(a)) === (await variantOf(b)), `converged (round ${round})`, 5000);
      expect(await variantOf(a)).not.toBe('not pinned');
      const [la, lb] = await Promise.all([a.lift(), b.lift()]);
      expect([la.status, lb.status]).toContain(200);
      await waitFor(async () => (await variantOf(a)) === 'not pinned' && (await variantOf(b)) === 'not pinned', `both lifted (round ${round})`, 5000);
    }
  }, 60_000);

  it('rollback → lift → rollback in quick succession on A: B ends with the last rollback, the store with one row', async () => {
    const url = await freshDatabase(cluster());
    const a = await startReplica('a', { kind: 'postgres', url }, { doc: doc(50) });
    const b = await startReplica('b', { kind: 'postgres', url }, { doc: doc(50) });
    await a.rollBack('new-checkout', 'on');
    await a.lift();
    await a.rollBack('new-checkout', 'off');
    await waitFor(async () => (await variantOf(b)) === 'off', 'B has the last one', 5000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await variantOf(b)).toBe('off');
    expect(await variantOf(a)).toBe('off');
    expect((await b.store.rollbacks('production')).length).toBe(1);
  }, 30_000);

  it('DELETE on A racing a POST on B: both end up agreeing', async () => {
    const url = await freshDatabase(cluster());
    const a = await startReplica('a', { kind: 'postgres', url }, { doc: doc(50) });
    const b = await startReplica('b', { kind: 'postgres', url }, { doc: doc(50) });
    for (let round = 0; round < 5; round++) {
      await a.rollBack('new-checkout', 'on');
      await waitFor(async () => (await variantOf(b)) === 'on', 'B has it', 5000);
      await Promise.all([a.lift(), b.rollBack('new-checkout', 'off')]);
      await waitFor(async () => (await variantOf(a)) === (await variantOf(b)), `agree (round ${round})`, 5000);
      const stored = (await a.store.rollbacks('production')).map((r) => r.rollback.variant);
      expect([await variantOf(a)]).toEqual(stored.length ? stored : ['not pinned']);
      await a.lift();
      await b.lift();
      await waitFor(async () => (await variantOf(a)) === 'not pinned' && (await variantOf(b)) === 'not pinned', 'clear', 5000);
    }
  }, 60_000);
});
