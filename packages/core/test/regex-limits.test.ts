import { describe, expect, it } from 'vitest';
import { compileRegex, MAX_REGEX_DEPTH, MAX_REGEX_INPUT, MAX_REGEX_PROGRAM, MAX_REGEX_STEPS, RegexSyntaxError } from '../src/targeting/regex.js';
import { run } from './rule-helper.js';

/*
 * Untrusted patterns and inputs: compiling and every evaluation stay within budgets counted in steps
 * (never wall-clock time). The budget is checked once per input position, so it can be passed by
 * one position's work: at most 3 steps per instruction plus 16 binary-search rounds per CHAR.
 */
const stepCeiling = (size: number) => 1_000_000 + 19 * size + 1;

it('the documented limits (docs/core.md)', () => {
  expect([MAX_REGEX_PROGRAM, MAX_REGEX_DEPTH, MAX_REGEX_INPUT, MAX_REGEX_STEPS]).toEqual([20_000, 200, 4_096, 1_000_000]);
});

function refusal(pattern: string): string {
  try {
    compileRegex(pattern);
  } catch (e) {
    expect(e).toBeInstanceOf(RegexSyntaxError);
    return (e as Error).message;
  }
  throw new Error(`accepted ${pattern.slice(0, 60)}`);
}

describe('regex compile limits', () => {
  it('counts repetitions of empty groups before expanding them', () => {
    expect(refusal('((?:){999999}){999999}')).toBe(`pattern compiles to more than ${MAX_REGEX_PROGRAM} instructions (repetitions multiply) at position 5`);
    expect(refusal('(?:(?:(?:){1000}){1000}){1000}')).toMatch(/more than 20000 instructions/);
    expect(refusal('(?:){0,99999}')).toMatch(/more than 20000 instructions/);
    expect(refusal('(?:|){20000}')).toMatch(/more than 20000 instructions/);
    expect(refusal('(?:(?:a{0,100}){0,100}){0,100}')).toMatch(/more than 20000 instructions/);
    expect(refusal('a{1000000000}')).toMatch(/more than 20000 instructions/);
    expect(refusal('a{0,99999999999999999999999}')).toMatch(/more than 20000 instructions/);
    expect(refusal('a{30000,40000}')).toMatch(/more than 20000 instructions/);
    expect(refusal('x'.repeat(MAX_REGEX_PROGRAM + 1))).toMatch(/more than 20000 instructions/);
    expect(refusal('a|'.repeat(7000))).toMatch(/more than 20000 instructions/);
    // Within the cap, empty repetitions are fine and mean what they mean in RegExp.
    expect(compileRegex('^((?:){100}){100}$').test('')).toBe(true);
    expect(compileRegex('a{10000}').size).toBe(10_001);
    expect(refusal('a{5,3}')).toBe('numbers out of order in {} quantifier at position 1');
    expect(refusal('a{99999999999999999999,3}')).toBe('numbers out of order in {} quantifier at position 1');
  });

  it('caps group nesting with a RegexSyntaxError, never a stack overflow', () => {
    const nested = (open: string, close: string, depth: number) => open.repeat(depth) + 'a' + close.repeat(depth);
    for (const [open, close] of [['(', ')'], ['(?:', ')*'], ['(a|', ')'], ['(?<n>', '){2}'], ['(?:b|(?:', '))+']]) {
      expect(refusal(nested(open, close, 5_000))).toMatch(/^groups nested deeper than 200 at position \d+$/);
      expect(refusal(nested(open, close, MAX_REGEX_DEPTH + 1))).toMatch(/nested deeper than 200/);
    }
    for (const [open, close] of [['(', ')'], ['(?:', ')*'], ['(a|', ')'], ['(?:', '){1}?']]) {
      expect(compileRegex(nested(open, close, MAX_REGEX_DEPTH)).test('xa')).toBe(true);
    }
    expect(refusal('['.repeat(100_000))).toBe('unterminated character class at position 0');
    expect(refusal(')'.repeat(100_000))).toBe('unmatched ")" at position 0');
  });
});

describe('regex evaluation limits', () => {
  it('does not match inputs longer than MAX_REGEX_INPUT code units', () => {
    const re = compileRegex('a');
    expect(re.test('a'.repeat(MAX_REGEX_INPUT))).toBe(true);
    expect(re.test('a'.repeat(MAX_REGEX_INPUT + 1))).toBe(false);
    expect(re.measure('a'.repeat(1 << 20))).toEqual({ matched: undefined, steps: 0 });
    // Code units, as String.length counts them: 2,048 astral symbols fill the limit.
    expect(compileRegex('😀$').test('😀'.repeat(MAX_REGEX_INPUT / 2))).toBe(true);
    expect(compileRegex('😀$').test('😀'.repeat(MAX_REGEX_INPUT / 2) + 'a')).toBe(false);
  });

  it('regex_match answers false, as for no match, past the input limit', () => {
    const rule = { regex_match: [{ var: 'ua' }, 'Chrome'] };
    expect(run(rule, { ua: 'x'.repeat(MAX_REGEX_INPUT - 6) + 'Chrome' })).toBe(true);
    expect(run(rule, { ua: 'x'.repeat(MAX_REGEX_INPUT) + 'Chrome' })).toBe(false);
    expect(run({ '!': rule }, { ua: 'x'.repeat(MAX_REGEX_INPUT) + 'Chrome' })).toBe(true);
  });

  it('stops at the step budget and answers "no match"', () => {
    const re = compileRegex('a{0,9000}b');
    const long = 'a'.repeat(MAX_REGEX_INPUT - 1) + 'b';
    const { matched, steps } = re.measure(long);
    expect(matched).toBeUndefined();
    expect(steps).toBeGreaterThan(MAX_REGEX_STEPS);
    expect(steps).toBeLessThanOrEqual(stepCeiling(re.size));
    expect(re.test(long)).toBe(false); // RegExp says true: documented, the budget wins
    expect(re.test('a'.repeat(50) + 'b')).toBe(true);
  });

  it('reads a whole maximal input for an everyday pattern', () => {
    const re = compileRegex('[a-z]{2,64}\\d{4}');
    expect(re.measure('a'.repeat(MAX_REGEX_INPUT - 4) + '2024')).toMatchObject({ matched: true });
    expect(re.measure('a'.repeat(MAX_REGEX_INPUT)).matched).toBe(false);
  });

  // Each either fails to compile or compiles to at most MAX_REGEX_PROGRAM instructions and then
  // answers one worst-case input within the step ceiling.
  const big = '[' + Array.from({ length: 32_768 }, (_, i) => `\\u${(2 * i + 1).toString(16).padStart(4, '0')}`).join('') + ']';
  const a = 'a'.repeat(MAX_REGEX_INPUT);
  const adversarial: [string, string][] = [
    ['(a*)*b', a],
    ['(a|a)*b', a],
    ['(a+)+$', a.slice(1) + '!'],
    ['^(a|aa)*$', a.slice(1) + '!'],
    ['(x+x+)+y', 'x'.repeat(MAX_REGEX_INPUT)],
    ['(?:(?:(?:(?:a*)*)*)*)*b', a],
    ['(?:(?:a{0,100}){0,100}){0,100}', a],
    ['(?:(?:a{0,20}){0,20}){0,20}b', a],
    ['a{0,9000}b', a],
    ['a{9999}b', a],
    ['(?:a?){9999}b', a],
    ['x*'.repeat(6_000) + '!', 'x'.repeat(MAX_REGEX_INPUT)],
    ['(?:a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a|a)*b', a],
    ['(?:\\b|a)*(?:^|$|\\B)*x{0,3000}y', 'x'.repeat(MAX_REGEX_INPUT)],
    ['(?:[^x]|\\w|\\s|\\d|.)*x{0,5000}y', 'x'.repeat(MAX_REGEX_INPUT)],
    ['[a-z]{2,64}\\d{4}', a],
    ['.{0,255}@', a],
    [`${big}{0,6000}!`, '\u0001'.repeat(MAX_REGEX_INPUT)],
    [`(?:${big}|\\b)*!`, '\u0001'.repeat(MAX_REGEX_INPUT)],
    ['((?:){999999}){999999}', a],
    ['a{1000000}', a],
    ['(a{100}){1000}', a],
    ['.{0,20000}', a],
  ];
  for (const [pattern, input] of adversarial) {
    it(`bounds /${pattern.length > 40 ? `${pattern.slice(0, 40)}…` : pattern}/`, () => {
      let re;
      try {
        re = compileRegex(pattern);
      } catch (e) {
        expect(e).toBeInstanceOf(RegexSyntaxError);
        return;
      }
      expect(re.size).toBeLessThanOrEqual(MAX_REGEX_PROGRAM + 1);
      const { matched, steps } = re.measure(input);
      expect(steps).toBeLessThanOrEqual(stepCeiling(re.size));
      if (matched !== undefined) expect(re.test(input)).toBe(matched);
    });
  }
});

describe('regex semantics on non-ASCII input', () => {
  it('reads UTF-16 code units, as RegExp without the u flag', () => {
    expect(compileRegex('^.$').test('😀')).toBe(false);
    expect(compileRegex('^..$').test('😀')).toBe(true);
    expect(compileRegex('^[😀]$').test('😀')).toBe(false); // a class of two surrogates, one unit each
    expect(compileRegex('^[😀]{2}$').test('😀')).toBe(true);
    expect(compileRegex('^😀+$').test('😀\uDE00\uDE00')).toBe(true); // + repeats the low surrogate
    expect(compileRegex('^[^a]$').test('😀')).toBe(false);
    expect(compileRegex('^\\uD83D').test('😀')).toBe(true);
    expect(compileRegex('^e.$').test('e\u0301')).toBe(true); // a combining mark is its own unit
    expect(compileRegex('^\\w$').test('é')).toBe(false); // \w is ASCII
    expect(compileRegex('\\bcaf\\b').test('café')).toBe(true); // é is not a word character
    expect(compileRegex('^[一-龥]{3}$').test('中文字')).toBe(true);
    expect(compileRegex('^\\s$').test('\u3000')).toBe(true);
    expect(compileRegex('^.$').test('\u2028')).toBe(false);
  });
});
