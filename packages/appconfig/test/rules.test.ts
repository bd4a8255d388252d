import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ruleToJsonLogic, RuleSyntaxError } from '../src/index.js';
import { load, rejection, variantsDoc } from './helpers.js';

/** True when `rule` selects the first variant for `ctx`. */
function matches(rule: string, ctx: Record<string, unknown>): boolean {
  const snapshot = load(variantsDoc([rule, undefined]));
  return snapshot.resolveBooleanEvaluation('f', false, ctx).variant === 'v0';
}

describe('rule language: the documented examples', () => {
  const cases: [string, Record<string, unknown>, boolean][] = [
    ['(eq $state "Virginia")', { state: 'Virginia' }, true],
    ['(eq $state "Virginia")', { state: 'Ohio' }, false],
    ['(eq $state "Virginia")', {}, false],
    ['(gt $age 65)', { age: 70 }, true],
    ['(gt $age 65)', { age: '70' }, true], // the agent's Context headers are text
    ['(gte $age 65)', { age: 65 }, true],
    ['(lt $age 65)', { age: 64.5 }, true],
    ['(lt $age 65)', {}, false], // a missing key makes the comparison false
    ['(lte $score 1.5e2)', { score: 150 }, true],
    ['(eq $beta true)', { beta: true }, true],
    ['(eq $beta true)', { beta: 'true' }, true],
    ['(and (eq $state "Virginia") (gt $age 65))', { state: 'Virginia', age: 66 }, true],
    ['(and (eq $state "Virginia") (gt $age 65))', { state: 'Virginia', age: 60 }, false],
    ['(or (eq $state "Virginia") (gt $age 65))', { state: 'Ohio', age: 66 }, true],
    ['(not (eq $state "Virginia"))', { state: 'Ohio' }, true],
    ['(begins_with $state "Vir")', { state: 'Virginia' }, true],
    ['(begins_with $state "vir")', { state: 'Virginia' }, false],
    ['(ends_with $email "@amazon.com")', { email: 'ada@amazon.com' }, true],
    ['(ends_with $email "@amazon.com")', { email: 42 }, false],
    ['(contains $promoCode "WIN")', { promoCode: 'SUMMERWIN24' }, true],
    ['(contains $promoCode "WIN")', { promoCode: 'SUMMER' }, false],
    ['(in $userId ["123", "456"])', { userId: '456' }, true],
    ['(in $userId ["123", "456"])', { userId: '789' }, false],
    ['(in $userId ["123", "456"])', {}, false],
    ['(matches in::$greeting pattern::"h.*y")', { greeting: 'hey' }, true],
    ['(matches in::$greeting pattern::"h.*y")', { greeting: 'hello' }, false],
    ['(matches pattern::"^\\\\d{3}$" in::$code)', { code: '123' }, true],
    ['(exists key::"country")', { country: 'NZ' }, true],
    ['(exists key::"country")', { city: 'Wellington' }, false],
    ['(gt $createdAt 2024-01)', { createdAt: '2024-02-15T10:00:00Z' }, true],
    ['(gt $createdAt 2024-01)', { createdAt: '2023-12-31' }, false],
    ['(gt $createdAt 2024-01)', { createdAt: new Date('2024-06-01') }, true],
    ['(lt $createdAt 2012-03-04T05:06:07-08:00)', { createdAt: '2012-03-04T13:06:06Z' }, true],
    ['(eq $tier "gold")', { tier: 'gold', nested: { x: 1 } }, true],
    ['(eq $user.plan "pro")', { user: { plan: 'pro' } }, true], // dots walk nested OpenFeature contexts
    ['(and (not (exists key::"banned")) (or (in $country ["NZ", "AU"]) (ends_with $email ".nz")))', { country: 'AU' }, true],
  ];
  for (const [rule, ctx, expected] of cases) {
    it(`${rule} with ${JSON.stringify(ctx)} → ${expected}`, () => expect(matches(rule, ctx)).toBe(expected));
  }
});

describe('split', () => {
  const ids = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);
  const distribution = (rules: (string | undefined)[]) => {
    const snapshot = load(variantsDoc(rules));
    const counts: Record<string, number> = {};
    for (const uniqueId of ids) {
      const v = snapshot.resolveBooleanEvaluation('f', false, { uniqueId }).variant!;
      counts[v] = (counts[v] ?? 0) + 1;
    }
    return counts;
  };
  const share = (n: number | undefined) => (n ?? 0) / ids.length;

  it('first match wins: 20% then 25% on the same value gives 20% and 5%', () => {
    const counts = distribution(['(split by::$uniqueId pct::20)', '(split by::$uniqueId pct::25)', undefined]);
    expect(share(counts.v0)).toBeCloseTo(0.2, 1);
    expect(share(counts.v1)).toBeCloseTo(0.05, 1);
    expect(Math.abs(share(counts.v1) - 0.05)).toBeLessThan(0.01);
    expect(share(counts.v2)).toBeCloseTo(0.75, 1);
  });

  it('20% then 20% gives the second variant nobody', () => {
    const counts = distribution(['(split by::$uniqueId pct::20)', '(split by::$uniqueId pct::20)', undefined]);
    expect(counts.v1).toBeUndefined();
    expect(Math.abs(share(counts.v0) - 0.2)).toBeLessThan(0.01);
  });

  it('is sticky and monotonic: everyone in at p% is still in at any higher q% (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.string({ minLength: 1 }), (p, q, id) => {
        const [low, high] = p <= q ? [p, q] : [q, p];
        const inLow = matches(`(split pct::${low} by::$id)`, { id });
        const inHigh = matches(`(split pct::${high} by::$id)`, { id });
        return !inLow || inHigh;
      }),
      { numRuns: 300 },
    );
  });

  it('buckets per flag without a seed, and across flags with the same seed', () => {
    const doc = (seed: string) => ({
      version: '1',
      flags: { a: { name: 'A' }, b: { name: 'B' } },
      values: Object.fromEntries(['a', 'b'].map((k) => [k, { _variants: [{ name: 'in', enabled: true, rule: `(split pct::50 by::$id${seed})` }, { name: 'out', enabled: false }] }])),
    });
    const agreement = (snapshot: ReturnType<typeof load>) =>
      ids.slice(0, 2000).filter((id) => snapshot.resolveBooleanEvaluation('a', false, { id }).value === snapshot.resolveBooleanEvaluation('b', false, { id }).value).length / 2000;
    expect(agreement(load(doc(' seed::"launch"')))).toBe(1);
    expect(agreement(load(doc('')))).toBeGreaterThan(0.4); // independent: about half agree
    expect(agreement(load(doc('')))).toBeLessThan(0.6);
  });

  it('defaults by:: to the targeting key, supports decimal percentages, and never matches a missing value', () => {
    expect(JSON.stringify(ruleToJsonLogic('(split pct::12.5)', { flagKey: 'f' }))).toContain('{"var":"targetingKey"}');
    expect(JSON.stringify(ruleToJsonLogic('(split pct::12.5 by::$u)', { flagKey: 'f' }))).toContain('["in",125],["out",875]');
    expect(matches('(split pct::100 by::$u)', {})).toBe(false);
    expect(matches('(split pct::100 by::$u)', { u: 'x' })).toBe(true);
    expect(matches('(split pct::0 by::$u)', { u: 'x' })).toBe(false);
  });
});

describe('untrusted rule text', () => {
  it('never fails with anything but a RuleSyntaxError (property)', () => {
    const piece = fc.constantFrom('(', ')', '[', ']', ',', ' ', '"', '\\', '::', '$', 'eq', 'split', 'pct', 'in', 'matches', 'pattern', '1', '-2.5e3', '2024-01', 'true', 'x', '$a', '"s"', 'and', 'not');
    const text = fc.oneof(fc.string(), fc.array(piece, { maxLength: 30 }).map((parts) => parts.join('')));
    fc.assert(
      fc.property(text, (rule) => {
        try {
          ruleToJsonLogic(rule, { flagKey: 'f' });
        } catch (e) {
          if (!(e instanceof RuleSyntaxError)) throw e;
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses nesting deeper than 64 and rules longer than 16 KiB', () => {
    expect(() => ruleToJsonLogic('(not '.repeat(100) + '(exists key::"a")' + ')'.repeat(100), { flagKey: 'f' })).toThrow('nested deeper than 64');
    expect(() => ruleToJsonLogic(`(eq $a "${'x'.repeat(20_000)}")`, { flagKey: 'f' })).toThrow('over the limit of 16384');
  });
});

describe('rule errors name the column', () => {
  const error = (rule: string) => {
    try {
      ruleToJsonLogic(rule, { flagKey: 'f' });
    } catch (e) {
      expect(e).toBeInstanceOf(RuleSyntaxError);
      return (e as Error).message;
    }
    throw new Error(`accepted ${rule}`);
  };
  const cases: [string, string][] = [
    ['', 'column 1: empty rule'],
    ['eq $a 1', 'column 1: a rule is an expression in parentheses, e.g. (eq $country "US")'],
    ['(equals $a 1)', 'column 1: unknown operator "equals" (operators: eq, gt, gte, lt, lte, and, or, not, begins_with, ends_with, contains, in, matches, exists, split)'],
    ['(eq $a 1', 'column 9: missing ")"'],
    ['(eq $a "x)', 'column 8: unterminated string'],
    ['(eq $a)', 'column 1: eq takes 2 operands, found 1'],
    ['(eq $a Virginia)', 'column 8: unknown value "Virginia" (strings need double quotes, context keys a leading $)'],
    ['(and (eq $a 1))', 'column 1: and takes at least 2 operands, found 1'],
    ['(not $a)', 'column 6: expected an expression in parentheses here'],
    ['(in $a ["x" "y"])', 'column 13: expected "," between list items'],
    ['(in $a "x")', 'column 8: in needs a list (["a", "b"]) or a context value as its second operand'],
    ['(matches in::$g pattern::"(a)\\\\1")', 'column 26: invalid pattern: backreferences are not supported (they need backtracking) at position 3'],
    ['(matches in::$g)', 'column 1: matches needs pattern::'],
    ['(matches in::$g pattern::"x" flags::"i")', 'column 30: matches does not take flags:: (it takes in:: pattern::)'],
    ['(split pct::120 by::$u)', 'column 13: pct:: must be a number from 0 to 100'],
    ['(split pct::1.23456 by::$u)', 'column 13: pct:: allows at most 4 decimals'],
    ['(split pct::10 by::"u")', 'column 20: by:: must be a context value such as $userId'],
    ['(gt $t 2024-13)', 'column 8: invalid timestamp 2024-13'],
    ['(eq $a 1) (eq $b 2)', 'column 11: unexpected text after the rule'],
    ['(eq $a 99999999999999999999)', 'column 8: integer 99999999999999999999 is beyond ±2^53, where JavaScript numbers stop being exact'],
    ['(eq $ 1)', 'column 5: invalid context key "$"'],
  ];
  for (const [rule, message] of cases) it(JSON.stringify(rule), () => expect(error(rule)).toBe(message));

  it('reports the rule error at the variant path in the document', () => {
    expect(rejection(variantsDoc(['(eq $a', undefined]))).toEqual(['values.f._variants[0].rule: column 7: missing ")"']);
  });
});
