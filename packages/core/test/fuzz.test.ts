import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinOperators } from '../src/targeting/operators/index.js';
import { parseFlags, type EvaluationContext } from '../src/index.js';

const operatorNames = [...builtinOperators().keys()];
const leaf = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -5, max: 200 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('on', 'off', 'email', 'targetingKey', '$flagd.timestamp', '$flagd.flagKey', '', '__proto__', 'a.b'),
);
// Random JSON Logic: real operators with random (often wrong) arguments, plus literals and junk keys.
const { rule } = fc.letrec<{ rule: unknown }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('rule'), { maxLength: 4 }),
    fc.record({ op: fc.constantFrom(...operatorNames, 'nope', '$ref', 'toString'), args: fc.oneof(fc.array(tie('rule'), { maxLength: 4 }), tie('rule')) }).map(({ op, args }) => ({ [op]: args })),
  ),
}));
const contextValue = fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 3 }), leaf, { maxKeys: 3 }));
const context = fc.dictionary(fc.constantFrom('email', 'targetingKey', 'on', 'a', '$flagd', 'tags', 'x'), contextValue, { maxKeys: 5 });
const variants = fc.oneof(
  fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.boolean(), { minKeys: 1, maxKeys: 3 }),
  fc.dictionary(fc.constantFrom('on', 'off', 'true', 'false', '1'), fc.string(), { minKeys: 1, maxKeys: 3 }),
);

describe('fuzzing the parser and evaluator', () => {
  it('never throws out of parsing or evaluation, and every result is well formed', () => {
    fc.assert(
      fc.property(rule, variants, fc.option(fc.string({ maxLength: 4 })), context, (targeting, vars, dflt, ctx) => {
        const result = parseFlags({ $evaluators: { r: targeting }, flags: { f: { state: 'ENABLED', variants: vars, defaultVariant: dflt, targeting } } });
        if (!result.ok) {
          expect(result.issues.length).toBeGreaterThan(0);
          return;
        }
        for (const type of ['boolean', 'string', undefined] as const) {
          const r = result.snapshot.resolve('f', type, 'DEFAULT', ctx as EvaluationContext);
          expect(['STATIC', 'DEFAULT', 'TARGETING_MATCH', 'ERROR']).toContain(r.reason);
          if (r.reason === 'ERROR') expect(r.value).toBe('DEFAULT');
          if (r.variant !== undefined) expect(r.value).toBe(vars[r.variant]);
          else expect(r.value).toBe('DEFAULT');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects or accepts arbitrary JSON text without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
        const result = parseFlags(text);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
