import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPins, diffSnapshots, flagFingerprint, loadSnapshot, pinOf, PinSet, SyncEngine } from '../src/index.js';

const engineWithPins = () => {
  const engine = new SyncEngine({ description: 'test', start() {}, stop() {} });
  return { engine, store: engine.store, pins: new PinSet(engine) };
};

const flagArb = fc.record({
  state: fc.constantFrom('ENABLED', 'DISABLED'),
  variants: fc.constantFrom({ on: true, off: false }, { on: true, off: false, maybe: true }),
  defaultVariant: fc.constantFrom('on', 'off', ''),
  targeting: fc.constantFrom(undefined, { if: [{ $ref: 'staff' }, 'on'] }, { if: [{ $ref: 'beta' }, 'off'] }, { if: [{ ends_with: [{ var: 'email' }, '@a.com'] }, 'on'] }),
  metadata: fc.constantFrom(undefined, { owner: 'a' }, { owner: 'b' }),
});
const docArb = fc.record({
  metadata: fc.constantFrom(undefined, { team: 'x' }, { team: 'y' }),
  $evaluators: fc.record({
    staff: fc.constantFrom({ ends_with: [{ var: 'email' }, '@example.com'] }, { ends_with: [{ var: 'email' }, '@corp.com'] }),
    beta: fc.constantFrom(true, false),
  }),
  flags: fc.record({ f: flagArb, g: flagArb }),
});
const strip = (d: unknown) => JSON.parse(JSON.stringify(d));

describe('pins (rollbacks and overrides)', () => {
  it('a flag fingerprint changes exactly when the snapshot diff says the flag changed (flag-set metadata aside)', () => {
    fc.assert(
      fc.property(docArb, docArb, (a, b) => {
        const before = loadSnapshot(strip(a));
        const after = loadSnapshot(strip({ ...b, metadata: a.metadata }));
        const changed = new Set(diffSnapshots(before, after).changed);
        for (const key of ['f', 'g']) expect(flagFingerprint(before, key) !== flagFingerprint(after, key)).toBe(changed.has(key));
      }),
      { numRuns: 300 },
    );
  });

  it('a flag-set metadata change (a deploy bumping a version) changes no fingerprint and lifts no pin', () => {
    fc.assert(
      fc.property(docArb, fc.constantFrom({ team: 'x' }, { team: 'z', version: 7 }), (a, metadata) => {
        const before = loadSnapshot(strip(a));
        const after = loadSnapshot(strip({ ...a, metadata }));
        for (const key of ['f', 'g']) expect(flagFingerprint(after, key)).toBe(flagFingerprint(before, key));
      }),
    );
  });

  it('serves the pinned variant to everyone (STATIC, rolledBack metadata) and in the re-served document; other flags are shared', () => {
    const source = loadSnapshot({
      $evaluators: { staff: { ends_with: [{ var: 'email' }, '@example.com'] } },
      flags: {
        f: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ $ref: 'staff' }, 'on'] }, metadata: { owner: 'a' } },
        g: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' },
      },
    });
    const pin = pinOf(source, 'f', 'off', { reason: 'error rate 20% vs 1%', by: 'guard', at: '2026-11-29T00:00:00.000Z' });
    const { snapshot, lifted } = applyPins(source, [pin]);
    expect(lifted).toEqual([]);
    expect(snapshot.resolveBooleanEvaluation('f', true, { email: 'ada@example.com' })).toEqual({
      value: false,
      variant: 'off',
      reason: 'STATIC',
      flagMetadata: { owner: 'a', rolledBack: '2026-11-29T00:00:00.000Z by guard: error rate 20% vs 1%' },
    });
    expect(snapshot.document.flags.f).toMatchObject({ defaultVariant: 'off', metadata: { rolledBack: expect.any(String) } });
    expect(snapshot.document.flags.f.targeting).toBeUndefined();
    expect(snapshot.flags.get('g')).toBe(source.flags.get('g'));
    expect(() => pinOf(source, 'f', 'maybe', { reason: 'x' })).toThrow(RangeError);
    expect(() => pinOf(source, 'nope', 'on', { reason: 'x' })).toThrow(RangeError);
  });

  it('is lifted when its flag (or an evaluator it uses) changes at the source or disappears, never otherwise', () => {
    const doc = (staff: string, gDefault = 'on') => ({
      $evaluators: { staff: { ends_with: [{ var: 'email' }, staff] } },
      flags: {
        f: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ $ref: 'staff' }, 'on'] } },
        g: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: gDefault },
      },
    });
    const { engine, store, pins } = engineWithPins();
    engine.payload(doc('@example.com'));
    pins.pin('f', 'off', { reason: 'bad' });
    expect(store.snapshot!.resolveBooleanEvaluation('f', true, { email: 'a@example.com' })).toMatchObject({ value: false, reason: 'STATIC' });
    expect(engine.payload(doc('@example.com', 'off'))).toMatchObject({ outcome: 'applied', changed: ['g'], lifted: [] });
    expect(pins.all.has('f')).toBe(true);
    expect(engine.payload(doc('@corp.com'))).toMatchObject({ outcome: 'applied', lifted: [{ pin: { flag: 'f' }, why: 'changed' }] });
    expect(pins.all.size).toBe(0);
    expect(store.snapshot!.resolveBooleanEvaluation('f', false, { email: 'a@corp.com' }).value).toBe(true);
  });

  it('a restored pin that no longer matches (or names a variant that is gone) is lifted, never applied and never thrown', () => {
    const { engine, store, pins } = engineWithPins();
    pins.restore({ flag: 'f', variant: 'gone', reason: 'r', at: 'then', baseline: '{}' });
    const result = engine.payload({ flags: { f: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } } });
    expect(result).toMatchObject({ outcome: 'applied', lifted: [{ why: 'no-variant' }] });
    expect(store.snapshot!.resolveBooleanEvaluation('f', false).value).toBe(true);
    expect(pins.all.size).toBe(0);
  });
});
