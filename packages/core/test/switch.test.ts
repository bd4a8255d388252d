import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSnapshot } from '../src/index.js';

// An `if` chain of `==` / `===` on one attribute is compiled to one lookup. Its answers must be the
// generic chain's, whatever the attribute holds: the same chain with each condition wrapped in `!!`
// (which the lookup does not recognise) is the reference.
const constantArb = fc.constantFrom('pro', 'free', 'plan-1', '1', '', 'true', '[object Object]', 'a,b');
const valueArb = fc.oneof(
  constantArb,
  fc.string({ maxLength: 3 }),
  fc.constantFrom(1, 0, true, false, null, ['pro'], ['a', 'b'], { a: 1 }, [], 1.5),
);

describe('if chains on one attribute (compiled to a lookup)', () => {
  it('answer exactly as the generic chain for every value, including ones == coerces', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('==', '==='), constantArb, fc.constantFrom('on', 'off', 'mid')), { minLength: 2, maxLength: 6 }),
        fc.option(fc.constantFrom('on', 'off', 'mid'), { nil: undefined }),
        fc.boolean(),
        fc.option(valueArb, { nil: undefined }),
        (cases, otherwise, dynamicThen, value) => {
          const then = (v: string) => (dynamicThen ? { if: [true, v, 'off'] } : v); // a non-constant branch too
          const chain = (wrap: boolean) => [
            ...cases.flatMap(([op, c, v]) => [wrap ? { '!!': [{ [op]: [{ var: 'plan' }, c] }] } : { [op]: [{ var: 'plan' }, c] }, then(v)]),
            ...(otherwise === undefined ? [] : [otherwise]),
          ];
          const flag = (wrap: boolean) => ({ state: 'ENABLED', variants: { on: 'on', off: 'off', mid: 'mid' }, defaultVariant: 'off', targeting: { if: chain(wrap) } });
          const snapshot = loadSnapshot({ flags: { fast: flag(false), reference: flag(true) } });
          const ctx = value === undefined ? {} : { plan: value };
          const { flagMetadata: _a, ...fast } = snapshot.resolveStringEvaluation('fast', 'default', ctx as never);
          const { flagMetadata: _b, ...reference } = snapshot.resolveStringEvaluation('reference', 'default', ctx as never);
          expect(fast).toEqual(reference);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('takes the first of equal cases, and null (the default variant) without a match or an else', () => {
    const snapshot = loadSnapshot({
      flags: {
        f: {
          state: 'ENABLED',
          variants: { a: 'a', b: 'b', c: 'c' },
          defaultVariant: 'c',
          targeting: { if: [{ '==': [{ var: 'plan' }, 'x'] }, 'a', { '===': [{ var: 'plan' }, 'x'] }, 'b', { '==': [{ var: 'plan' }, 'y'] }, 'b'] },
        },
      },
    });
    expect(snapshot.resolveStringEvaluation('f', '', { plan: 'x' })).toMatchObject({ value: 'a', reason: 'TARGETING_MATCH' });
    expect(snapshot.resolveStringEvaluation('f', '', { plan: 'y' })).toMatchObject({ value: 'b', reason: 'TARGETING_MATCH' });
    expect(snapshot.resolveStringEvaluation('f', '', { plan: 'z' })).toMatchObject({ value: 'c', reason: 'DEFAULT' });
    expect(snapshot.resolveStringEvaluation('f', '', { plan: ['x'] })).toMatchObject({ value: 'a', reason: 'TARGETING_MATCH' }); // == coerces ["x"] to "x"
  });
});

describe('value getters', () => {
  it('getBooleanValue and friends give exactly resolve(...).value', async () => {
    const { LiveEvaluator, SnapshotStore } = await import('../src/index.js');
    const store = new SnapshotStore();
    store.apply({
      flags: {
        on: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
        off: { state: 'DISABLED', variants: { on: true }, defaultVariant: 'on' },
        none: { state: 'ENABLED', variants: { on: true }, defaultVariant: '' },
        rule: { state: 'ENABLED', variants: { a: 'A', b: 'B' }, defaultVariant: 'a', targeting: { if: [{ ends_with: [{ var: 'email' }, '@x.com'] }, 'b', 'nope'] } },
        broken: { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'a', targeting: { unknown_op: [1] } },
        obj: { state: 'ENABLED', variants: { a: { x: 1 } }, defaultVariant: 'a' },
      },
    });
    const live = new LiveEvaluator(store);
    fc.assert(
      fc.property(fc.constantFrom('on', 'off', 'none', 'rule', 'broken', 'obj', 'missing'), fc.constantFrom('a@x.com', 'a@y.com', 3), (key, email) => {
        const ctx = { email } as never;
        expect(live.getBooleanValue(key, false, ctx)).toBe(live.resolveBooleanEvaluation(key, false, ctx).value);
        expect(live.getStringValue(key, 'd', ctx)).toBe(live.resolveStringEvaluation(key, 'd', ctx).value);
        expect(live.getNumberValue(key, -1, ctx)).toBe(live.resolveNumberEvaluation(key, -1, ctx).value);
        expect(live.getObjectValue(key, {}, ctx)).toEqual(live.resolveObjectEvaluation(key, {}, ctx).value);
      }),
    );
  });
});
