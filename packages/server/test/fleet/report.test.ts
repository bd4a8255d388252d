import { describe, expect, it } from 'vitest';
import { deliveryReport, type AuditRecord } from '../../src/index.js';

const applied = (id: number, replica: string, time: string, etag: string, changed: string[], version = 2): AuditRecord => ({
  id,
  replica,
  time,
  outcome: 'applied',
  version,
  etag,
  source: 'file:flags.json',
  changes: { added: [], removed: [], changed },
});

describe('deliveryReport', () => {
  it('one change per publication across replicas; the same document again later (a revert, then the change once more) is a change of its own', () => {
    const trail: AuditRecord[] = [
      applied(1, 'a', '2026-11-10T10:00:00Z', '"ramp"', ['f']),
      applied(2, 'b', '2026-11-10T10:00:02Z', '"ramp"', ['f']), // the same publication on another replica
      applied(3, 'a', '2026-11-11T10:00:00Z', '"base"', ['f']), // reverted
      applied(4, 'a', '2026-11-12T10:00:00Z', '"ramp"', ['f']), // ramped again: the same document as the first
      { id: 5, replica: 'a', time: '2026-11-12T10:05:00Z', outcome: 'rollback', source: 'rollback by ops', rollback: { flag: 'f', variant: 'off', reason: 'r', by: 'ops', at: '2026-11-12T10:05:00Z' } },
    ];
    const report = deliveryReport(trail, { now: Date.parse('2026-11-30T00:00:00Z') });
    expect(report).toMatchObject({ changes: 3, failedChanges: 1, timeToRollback: { count: 1, meanSeconds: 300 } });
  });
});
