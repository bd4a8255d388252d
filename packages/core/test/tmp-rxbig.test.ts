import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRegex, RegexSyntaxError } from '../src/targeting/regex.js';

/*
 * The matcher promises `RegExp.prototype.test` without flags on every pattern it accepts: UTF-16 code
 * units (an astral symbol is two), ASCII `\w \b`, `.` stopping at line terminators. Patterns come from
 * the dialect it supports; inputs mix ASCII with Latin-1, combining marks, CJK, astral symbols, lone
 * surrogates and line terminators.
 */

/** The engine's answer, or null when either side refuses the pattern (it must refuse with RegexSyntaxError). */
function both(pattern: string, input: string): { ours: boolean; theirs: boolean } | null {
  let theirs: RegExp;
  try {
    theirs = new RegExp(pattern);
  } catch {
    theirs = undefined as never;
  }
  let ours;
  try {
    ours = compileRegex(pattern);
  } catch (e) {
    if (!(e instanceof RegexSyntaxError)) throw e;
    return null;
  }
  if (!theirs) return null;
  const { matched } = ours.measure(input);
  expect(matched, `a limit stopped /${pattern}/ on ${JSON.stringify(input)}`).not.toBeUndefined();
  return { ours: matched!, theirs: theirs.test(input) };
}

const literal = fc.constantFrom('a', 'b', 'z', 'A', '1', '-', ' ', '_', '/', 'é', 'ß', 'ÿ', '\u0301', '中', '語', '😀', '\u00a0', '\u3000', '}', ']', ',');
const escape = fc.constantFrom('\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '\\.', '\\-', '\\/', '\\n', '\\t', '\\x41', '\\u00e9', '\\u4e2d', '\\uD83D', '\\uDE00', '\\u2028', '\\0');
const classMember = fc.constantFrom('a', 'b', 'a-z', 'A-Z', '0-9', '-', '^', '.', 'é', 'à-ÿ', '\\u0300-\\u036f', '\u4e00-\u9fff', '😀', '\\uD800-\\uDBFF', '\\uDC00-\\uDFFF', '\\d', '\\w', '\\s', '\\W', '\\S', '\\b', '\\]', '\\-', '\u0301');
const charClass = fc.tuple(fc.boolean(), fc.array(classMember, { maxLength: 4 })).map(([negated, members]) => `[${negated ? '^' : ''}${members.join('')}]`);
const assertion = fc.constantFrom('^', '$', '\\b', '\\B');
const quantifier = fc.constantFrom('', '', '', '*', '+', '?', '{0}', '{2}', '{1,3}', '{2,}', '{0,2}', '*?', '+?', '??', '{1,2}?');

const { pattern } = fc.letrec<{ pattern: string; piece: string; atom: string }>((tie) => ({
  pattern: fc.array(fc.array(tie('piece'), { maxLength: 4 }).map((p) => p.join('')), { minLength: 1, maxLength: 3 }).map((alts) => alts.join('|')),
  piece: fc.oneof(
    { weight: 4, arbitrary: fc.tuple(tie('atom'), quantifier).map(([a, q]) => a + q) },
    { weight: 1, arbitrary: assertion },
  ),
  atom: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: literal },
    { weight: 2, arbitrary: escape },
    { weight: 2, arbitrary: fc.constant('.') },
    { weight: 3, arbitrary: charClass },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('(', '(?:', '(?<g>'), tie('pattern')).map(([open, inner]) => `${open}${inner})`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('(?:', '('), assertion).map(([open, a]) => `${open}${a})`) },
  ),
}));

const unit = fc.constantFrom('a', 'b', 'z', 'A', '1', ' ', '-', '_', '.', 'é', 'ß', 'ÿ', 'e\u0301', '\u0301', '中', '語', '😀', '🎉', '\uD83D', '\uDE00', '\n', '\r', '\u2028', '\u00a0', '\u3000', ']');
const input = fc.array(unit, { maxLength: 10 }).map((u) => u.join(''));

describe('linear-time regex agrees with RegExp (fuzz)', () => {
  it('on patterns of the supported dialect and non-ASCII inputs', () => {
    let compared = 0;
    let runs = 0;
    fc.assert(
      fc.property(pattern, fc.array(input, { minLength: 1, maxLength: 4 }), (p, inputs) => {
        runs++;
        for (const s of inputs) {
          const r = both(p, s);
          if (!r) return;
          expect(r.ours, `/${p}/ on ${JSON.stringify(s)}`).toBe(r.theirs);
        }
        compared++;
      }),
      { numRuns: 150000 },
    );
    // Most generated patterns are valid JavaScript and accepted: the comparison is not vacuous.
    expect(compared / runs).toBeGreaterThan(0.8);
  });

  it('on token soup: wherever both accept, they agree', () => {
    const token = fc.constantFrom('a', 'b', '(', ')', '(?:', '(?<n>', '[', ']', '[^', '^', '$', '-', '|', '*', '+', '?', '{', '}', '{2}', '{1,}', '{0,1}', ',', '1', '\\', '\\d', '\\b', '\\B', '\\u', '\\x4', '.', '😀', 'é', '\u0301');
    const soup = fc.array(token, { minLength: 1, maxLength: 8 }).map((t) => t.join(''));
    let compared = 0;
    fc.assert(
      fc.property(soup, input, (p, s) => {
        const r = both(p, s);
        if (!r) return;
        compared++;
        expect(r.ours, `/${p}/ on ${JSON.stringify(s)}`).toBe(r.theirs);
      }),
      { numRuns: 6000 },
    );
    expect(compared).toBeGreaterThan(300);
  });

  it('on inputs up to the length limit', () => {
    // RegExp backtracks, polynomially on several unbounded quantifiers: bounded ones here, and one star.
    const piece = fc.tuple(fc.oneof(literal, escape, charClass, fc.constant('.')), fc.constantFrom('', '?', '{2,3}', '{0,2}'));
    const flat = fc.tuple(fc.array(piece.map(([a, q]) => a + q), { minLength: 1, maxLength: 4 }), fc.nat(4), piece).map(([p, at, [a]]) => [...p.slice(0, at), `${a}*`, ...p.slice(at)].join(''));
    const long = fc.tuple(fc.array(unit, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 4096 })).map(([u, n]) => u.join('').repeat(Math.ceil(n / u.join('').length)).slice(0, n));
    fc.assert(
      fc.property(flat, long, (p, s) => {
        const r = both(p, s);
        if (r) expect(r.ours, `/${p}/ on ${s.length} units`).toBe(r.theirs);
      }),
      { numRuns: 300 },
    );
  });
});
