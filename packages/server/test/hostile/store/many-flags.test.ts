import { describe, expect, it } from 'vitest';
import { waitFor } from '@switchyard/test-utils/node';
import { closeAll, doc, flag, pinned, startReplica } from '../../store/replicas.js';
import { afterEach } from 'vitest';

afterEach(closeAll);

describe('attack: 10,000 flags at start (embedded store)', () => {
  it('starts, registers every definition, and a rollback then an edit of one flag lifts it', async () => {
    const extra: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) extra[`f${i}`] = flag(i % 100);
    const t0 = Date.now();
    const a = await startReplica('a', { kind: 'embedded' }, { doc: doc(50, extra) });
    const started = Date.now() - t0;
    await waitFor(() => a.store.health().pending === 0, 'registered', 60_000);
    const registered = Date.now() - t0;
    expect((await a.rollBack('f123')).status).toBe(201);
    await waitFor(async () => (await a.rollbacks()).rollbacks.every((r) => r.persisted !== false), 'persisted');
    await new Promise((r) => setTimeout(r, 20));
    a.edit(doc(50, { ...extra, f123: flag(77) }));
    await waitFor(async () => !pinned(await a.served('f123')), 'lifted by the edit', 30_000);
    console.log(`10k flags: listening after ${started} ms, registered after ${registered} ms`);
  }, 120_000);
});
