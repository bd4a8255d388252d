import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRegex, MAX_REGEX_PROGRAM, RegexSyntaxError } from '../src/targeting/regex.js';

/** The linear matcher must agree with JavaScript's RegExp (no flags) on the syntax it accepts. */
const agree = (pattern: string, input: string) => expect(compileRegex(pattern).test(input), `${pattern} on ${JSON.stringify(input)}`).toBe(new RegExp(pattern).test(input));

describe('linear-time regex', () => {
  const samples = ['', 'a', 'hey', 'happy', 'oh hey there', 'abc123', 'foo.bar', 'A-Z', 'tab\there', 'line\nbreak', 'ababab', 'xyzzy', '2024-01-15', 'user@example.com', '  spaced  ', 'é', 'naïve café', 'a{2}', 'x]y', 'aaa!', '😀', 'a😀b', '😀😀', 'e\u0301', 'ÿß', '中文字', '\uD83D', 'x\u2028y', '\u3000'];
  const patterns = [
    'h.*y', '^h.*y$', 'a|b', '^(ab)+$', '(?:ab){2,}', 'a{2}', 'a{1,2}b?', '[a-c]+\\d', '[^a-z]', '\\w+@\\w+\\.com$', '\\s+', '\\S+$',
    '\\bhey\\b', '\\Bey', '^$', '.', 'a.c', '\\.', '[.]', '[\\]]', 'x]y', 'a{', 'a{2', '\\d{4}-\\d{2}-\\d{2}', '(a|ab)(c|bcd)?',
    '^(a*)*$', '(x+x+)+y', 'caf.', '[é-ï]', '\\u00e9', '\\x41', '[\\d\\s]+', '[-a]', '[a-]', '(?<year>\\d{4})', 'a*?b', 'a+?', '^\\W', 'ab|',
    '\\t', '[^]', '[]', 'b{0}', '(|a)b', '\\/', '$a', 'a^',
    // Non-ASCII: RegExp without flags reads UTF-16 code units, so an astral symbol is two of them.
    '^.$', '^..$', '^[😀]$', '😀+', '^😀{2}$', '[^a]{2}', '\\uD83D', '[\\uD800-\\uDBFF]', '^\\W+$', 'e\\b', '\\w\\b', '[\\u0300-\\u036f]',
    '^[一-龥]+$', '[à-ÿ]{2}', '\\s', '.y', '^.+$', '(?:^)?a', '(?:\\b)+',
    // A class escape before '-' (Annex B): the dash is literal and the next member starts no range.
    '[\\w-\\uDC00-\\uDFFF]{2}', '[\\d-a-z]', '[\\s-\\d]', '[a\\W-]',
  ];
  for (const pattern of patterns) {
    it(`agrees with RegExp on /${pattern}/`, () => {
      for (const input of samples) agree(pattern, input);
    });
  }

  it('agrees with RegExp on random patterns and inputs (property)', () => {
    const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', '\\w', '\\s', '^', '$', '\\b', '(a|b)', '(?:ab)', '(a*)', '1');
    const quant = fc.constantFrom('', '', '*', '+', '?', '{2}', '{0,2}', '{1,}', '*?');
    const piece = fc.tuple(atom, quant).map(([a, q]) => (/^[\^$]|\\b$/.test(a) ? a : a + q));
    const pattern = fc.array(piece, { minLength: 1, maxLength: 6 }).chain((pieces) =>
      fc.boolean().map((alt) => (alt && pieces.length > 1 ? `${pieces.slice(0, 2).join('')}|${pieces.slice(2).join('')}` : pieces.join(''))),
    );
    const input = fc.string({ unit: fc.constantFrom('a', 'b', '1', ' ', '-', 'x'), maxLength: 12 });
    fc.assert(fc.property(pattern, input, (p, s) => compileRegex(p).test(s) === new RegExp(p).test(s)), { numRuns: 3000 });
  });

  it('answers patterns that make backtracking engines explode, on long inputs', () => {
    // RegExp would take longer than the age of the universe on these; the matcher steps once per character.
    const evil = 'a'.repeat(4_000) + '!';
    expect(compileRegex('(a+)+$').test(evil)).toBe(false);
    expect(compileRegex('^(a|a)*$').test(evil)).toBe(false);
    expect(compileRegex('(x+x+)+y').test('x'.repeat(4_000))).toBe(false);
    expect(compileRegex('(a*)*b').test(evil + 'b')).toBe(true);
  });

  it('rejects what needs backtracking, with the position', () => {
    const error = (p: string) => {
      try {
        compileRegex(p);
      } catch (e) {
        expect(e).toBeInstanceOf(RegexSyntaxError);
        return (e as Error).message;
      }
      throw new Error(`accepted ${p}`);
    };
    expect(error('(a)\\1')).toBe('backreferences are not supported (they need backtracking) at position 3');
    expect(error('a(?=b)')).toBe('lookahead and lookbehind are not supported (they need backtracking) at position 1');
    expect(error('(?<!x)y')).toMatch(/lookahead and lookbehind/);
    expect(error('(ab')).toBe('unterminated group at position 0');
    expect(error('ab)')).toBe('unmatched ")" at position 2');
    expect(error('[a-')).toBe('unterminated character class at position 0');
    expect(error('[z-a]')).toBe('range out of order in character class at position 2');
    expect(error('*a')).toBe('nothing to repeat at position 0');
    expect(error('a**')).toBe('nothing to repeat at position 2');
    expect(error('a{3,1}')).toBe('numbers out of order in {} quantifier at position 1');
    expect(error('\\q')).toBe('unknown escape \\q at position 0');
    expect(error('(a{100}){1000}')).toMatch(`more than ${MAX_REGEX_PROGRAM} instructions`);
  });
});
