import { describe, expect, it } from 'vitest';
import { emptyArm } from '@switchyard/core';
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
});
