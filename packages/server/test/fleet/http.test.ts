import { describe, expect, it } from 'vitest';
import { emptyArm } from '@switchyard/core';
import { waitFor } from '@switchyard/test-utils';
import { doc, freshDatabase, KEY, pinned, startReplica, usePostgres } from '../store/replicas.js';

// `POST /v1/evidence` and `GET /v1/report` over HTTP: hostile bodies, and evidence sent
// to two replicas pooled in PostgreSQL into one decision.

const cluster = usePostgres();
const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
const arm = (n: number, errors: number) => ({ ...emptyArm(), n, errors });
const send = (url: string, body: unknown) => fetch(`${url}/v1/evidence`, { method: 'POST', headers, body: JSON.stringify(body) });

describe('/v1/evidence and /v1/report', () => {
  it('refuses malformed batches with the reason, and takes nothing from them', async () => {
    const a = await startReplica('a', { kind: 'embedded' }, { doc: doc(50) });
    const bad: [unknown, string][] = [
      [[], 'body must be'],
      [{ instance: '', seq: 1, flags: {} }, 'instance must be'],
      [{ instance: 'x'.repeat(201), seq: 1, flags: {} }, 'instance must be'],
      [{ instance: 'i', seq: 0, flags: {} }, 'seq must be'],
      [{ instance: 'i', seq: 1.5, flags: {} }, 'seq must be'],
      [{ instance: 'i', seq: 1, flags: { 'new-checkout': { on: { ...arm(5, 6) } } } }, 'errors ≤ n'],
      [{ instance: 'i', seq: 1, flags: { 'new-checkout': { on: { ...arm(-1, 0) } } } }, 'whole numbers'],
      [{ instance: 'i', seq: 1, flags: { 'new-checkout': { on: { ...arm(1, 0), latencySum: 'x' } } } }, 'finite sums'],
      [{ instance: 'i', seq: 1, flags: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`f${i}`, {}])) }, 'at most 1000 flags'],
      // Sums no real samples give (Σlog² < (Σlog)²/n): a variance of zero would make any slowdown certain.
      [{ instance: 'i', seq: 1, flags: { 'new-checkout': { on: { ...arm(300, 0), latencyCount: 300, latencySum: 3000, logLatencySum: 690, logLatencySquares: 0 } } } }, 'finite sums'],
    ];
    for (const [body, message] of bad) {
      const res = await send(a.url, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect((await res.json()).error).toContain(message);
    }
    // Unknown flags and variants are dropped, not stored; a resend of a counted seq is not counted.
    const batch = { instance: 'i', seq: 1, flags: { 'no-such-flag': { on: arm(5, 0) }, 'new-checkout': { nope: arm(5, 0), on: arm(5, 0) } } };
    expect(await (await send(a.url, batch)).json()).toMatchObject({ counted: true, rolledBack: [] });
    expect(await (await send(a.url, batch)).json()).toMatchObject({ counted: false });
  });

  it('evidence sent to two replicas is pooled in PostgreSQL: neither half decides, the pool does, and both serve control', async () => {
    const at = { kind: 'postgres', url: await freshDatabase(cluster()) } as const;
    const a = await startReplica('a', at, { doc: doc(50) });
    const b = await startReplica('b', at, { doc: doc(50) });
    // 150 per arm per replica: under minSamples (200) each; 300 pooled, with 20% vs 1% errors.
    const half = { 'new-checkout': { on: arm(150, 30), off: arm(150, 2) } };
    expect(await (await send(a.url, { instance: 'pod-a', seq: 1, flags: half })).json()).toMatchObject({ counted: true, rolledBack: [] });
    expect(await (await send(b.url, { instance: 'pod-b', seq: 1, flags: half })).json()).toMatchObject({ counted: true, rolledBack: ['new-checkout'] });
    expect(pinned(await b.served())).toBe(true);
    const report = await (await fetch(`${a.url}/v1/report`, { headers })).json();
    expect(report).toMatchObject({ environment: 'production', rollbacks: 1, blastRadius: { rollbacks: 1, treatmentEvaluations: 300, failedRequests: 60 } });
    const { changes } = await (await fetch(`${a.url}/v1/changes?limit=1000`, { headers })).json();
    expect(changes.find((c: { outcome: string }) => c.outcome === 'rollback').decision).toMatchObject({ instances: 1, treatment: { evaluations: 300, errors: 60 } });
    await a.server.environments.get('production')!.synced();
    expect(pinned(await a.served())).toBe(true);
  });

  it('a lifted fleet rollback stays lifted: the evidence that decided does not decide again for the same definition', async () => {
    const a = await startReplica('a', { kind: 'embedded' }, { doc: doc(50) });
    const bad = { 'new-checkout': { on: arm(300, 60), off: arm(300, 3) } };
    expect(await (await send(a.url, { instance: 'i', seq: 1, flags: bad })).json()).toMatchObject({ rolledBack: ['new-checkout'] });
    expect((await a.lift()).status).toBe(200);
    expect(await (await send(a.url, { instance: 'i', seq: 2, flags: { 'new-checkout': { on: arm(10, 2), off: arm(10, 0) } } })).json()).toMatchObject({ counted: true, rolledBack: [] });
    expect(pinned(await a.served())).toBe(false);
    // A new definition is judged afresh.
    a.edit(doc(40));
    let seq = 0;
    const again = async () => (await (await send(a.url, { instance: 'j', seq: ++seq, flags: bad })).json()).rolledBack;
    await waitFor(async () => (await again()).length === 1, 'the new definition judged');
  });

  it('batches racing on PostgreSQL in opposite flag and variant orders all land (no deadlock)', async () => {
    const at = { kind: 'postgres', url: await freshDatabase(cluster()) } as const;
    const flags = Object.fromEntries(['f1', 'f2', 'f3', 'f4'].map((f) => [f, doc(50).flags['new-checkout']]));
    const a = await startReplica('a', at, { doc: { flags } });
    const forward = Object.fromEntries(['f1', 'f2', 'f3', 'f4'].map((f) => [f, { on: arm(5, 0), off: arm(5, 0) }]));
    const backward = Object.fromEntries(['f4', 'f3', 'f2', 'f1'].map((f) => [f, { off: arm(5, 0), on: arm(5, 0) }]));
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => send(a.url, { instance: `pod-${i}`, seq: 1, flags: i % 2 ? forward : backward })));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 202));
  });

  it('counts made under another definition of the flag (sent before a change, delivered after) are dropped', async () => {
    const a = await startReplica('a', { kind: 'embedded' }, { doc: doc(50) });
    const bad = { 'new-checkout': { on: arm(300, 60), off: arm(300, 3) } };
    expect(await (await send(a.url, { instance: 'i', seq: 1, flags: bad, definitions: { 'new-checkout': 'a-definition-no-longer-served' } })).json()).toMatchObject({ counted: true, rolledBack: [] });
    expect(pinned(await a.served())).toBe(false);
    expect(await (await send(a.url, { instance: 'i', seq: 2, flags: bad })).json()).toMatchObject({ rolledBack: ['new-checkout'] }); // no definition given: taken as the current one
  });
});
