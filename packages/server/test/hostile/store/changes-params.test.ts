import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, doc, startReplica } from '../../store/replicas.js';

afterEach(closeAll);

describe('attack: /v1/changes parameters', () => {
  it('odd before/limit values are refused or capped, never a 500; paging covers every entry once', async () => {
    const a = await startReplica('a', { kind: 'embedded' }, { doc: doc(50) });
    for (let i = 0; i < 5; i++) {
      await a.rollBack();
      await a.lift();
    }
    await new Promise((r) => setTimeout(r, 200));
    const statuses: Record<string, number> = {};
    for (const q of ['?limit=0', '?limit=-1', '?limit=1e400', '?limit=abc', '?before=abc', '?before=0', '?before=-1', '?before=1.5', '?before=1e3', '?before=0x10', '?before=99999999999999999999', '?before=9007199254740991', '?before=', '?limit=', '?before=1&before=2', '?limit=2.9'])
      statuses[q] = (await a.changes(q)).status;
    expect(Object.values(statuses).every((s) => s === 200 || s === 400), JSON.stringify(statuses)).toBe(true);
    const all = (await a.changes('?limit=1000')).body.changes.map((c) => c.id);
    const paged: number[] = [];
    let q = '?limit=3';
    for (;;) {
      const { body } = await a.changes(q);
      paged.unshift(...body.changes.map((c) => c.id));
      if (!body.before) break;
      q = `?before=${body.before}&limit=3`;
    }
    expect(paged).toEqual(all);
    console.log(JSON.stringify(statuses));
  }, 60_000);
});
