import { describe, expect, it } from 'vitest';
import { parseFlags as parse, type LoadOptions } from '../src/snapshot/load.js';
import { extensionOperators } from '../src/targeting/operators/extensions.js';
import { RuleError } from '../src/targeting/rule.js';
import { parseTimestamp } from '../src/targeting/timestamp.js';
import { run } from './rule-helper.js';

const parseFlags = (input: unknown, options: LoadOptions = {}) => parse(input, { operators: extensionOperators, ...options });

describe('compare (typed comparison extension)', () => {
  const ctx = { age: 37, ageText: '37', name: 'Ada', beta: true, betaText: 'true', nothing: null, when: new Date('2024-03-01T00:00:00Z'), whenText: '2024-03-01T12:00:00+01:00' };
  const cases: [unknown[], boolean][] = [
    [['>', { var: 'age' }, 18], true],
    [['<', { var: 'age' }, 18], false],
    [['<', { var: 'missing' }, 18], false], // JavaScript: null < 18 is true
    [['==', { var: 'missing' }, { var: 'alsoMissing' }], false],
    [['<=', { var: 'nothing' }, 0], false],
    [['>=', { var: 'ageText' }, 37], true], // text read as the number it spells
    [['==', { var: 'name' }, 37], false],
    [['==', { var: 'age' }, '37'], true],
    [['==', { var: 'age' }, '37abc'], false],
    [['<', { var: 'name' }, 'Bob'], true],
    [['<', 'a', 'B'], false], // code-unit order, no locale
    [['==', { var: 'beta' }, true], true],
    [['==', { var: 'betaText' }, true], true],
    [['<', { var: 'beta' }, true], false], // booleans only compare for equality
    [['>', { var: 'when' }, '2024-01-01'], true], // a Date compares as an instant
    [['>', { var: 'whenText' }, '2024-03-01T11:30:00Z', 'time'], false],
    [['==', { var: 'whenText' }, '2024-03-01T11:00:00Z', 'time'], true],
    [['>', { var: 'name' }, '2024-01', 'time'], false], // not a timestamp
  ];
  for (const [args, expected] of cases) {
    it(JSON.stringify(args), () => expect(run({ compare: args }, ctx)).toBe(expected));
  }

  it('rejects a bad operator at compile time with the path', () => {
    expect(() => run({ if: [{ compare: ['=~', 1, 2] }, 'a', 'b'] })).toThrow(RuleError);
    try {
      run({ if: [{ compare: ['=~', 1, 2] }, 'a', 'b'] });
    } catch (e) {
      expect((e as RuleError).path).toBe('flags.flag.targeting.if[0].compare');
    }
  });
});

describe('regex_match extension', () => {
  it('searches a string subject; anything else is false', () => {
    expect(run({ regex_match: [{ var: 'greeting' }, 'h.*y'] }, { greeting: 'oh hey' })).toBe(true);
    expect(run({ regex_match: [{ var: 'greeting' }, '^h.*y$'] }, { greeting: 'oh hey' })).toBe(false);
    expect(run({ regex_match: [{ var: 'greeting' }, 'h.*y'] }, { greeting: 42 })).toBe(false);
    expect(run({ regex_match: [{ var: 'greeting' }, 'h.*y'] }, {})).toBe(false);
  });

  it('rejects a pattern that is not a literal, or needs backtracking, when the document loads', () => {
    const doc = (pattern: unknown) => ({ flags: { f: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ regex_match: [{ var: 'x' }, pattern] }, 'on', 'off'] } } } });
    const dynamic = parseFlags(doc({ var: 'p' }));
    expect(dynamic.ok && dynamic.issues.map((i) => `${i.path}: ${i.message}`)).toEqual(['flags.f.targeting.if[0].regex_match: regex_match takes [subject, "literal pattern"]']);
    const backref = parseFlags(doc('(a)\\1'));
    expect(backref.ok && backref.issues[0].message).toBe('invalid pattern "(a)\\\\1": backreferences are not supported (they need backtracking) at position 3');
    const ok = parseFlags(doc('^(a+)+$'));
    expect(ok.ok && ok.snapshot.resolveBooleanEvaluation('f', false, { x: 'a'.repeat(30_000) + '!' }).value).toBe(false);
  });
});

describe('extensions are opt-in', () => {
  it('without them, a flag using one resolves PARSE_ERROR and the message says how to load them', () => {
    const result = parse({ flags: { f: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ compare: ['>', { var: 'age' }, 18] }, 'on', 'off'] } } } });
    expect(result.ok && result.issues).toEqual([{ path: 'flags.f.targeting.if[0]', message: 'unknown operator "compare" (a Switchyard extension: load with `operators: extensionOperators`)' }]);
    expect(result.ok && result.snapshot.resolveBooleanEvaluation('f', false, { age: 30 })).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'PARSE_ERROR' });
  });
});

describe('W3C timestamps', () => {
  const cases: [string, string | null][] = [
    ['2024', '2024-01-01T00:00:00.000Z'],
    ['2024-01', '2024-01-01T00:00:00.000Z'],
    ['2024-01T', '2024-01-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2012-03-04T05:06:07-08:00', '2012-03-04T13:06:07.000Z'],
    ['2012-03-04T05:06Z', '2012-03-04T05:06:00.000Z'],
    ['2012-03-04T05:06:07.25+01:30', '2012-03-04T03:36:07.250Z'],
    ['2023-02-29', null],
    ['2024-13', null],
    ['2024-01-01T25:00Z', null],
    ['2024-01-01T10:00', null], // a time needs an offset
    ['24-01-01', null],
    ['2024-01-01TZ', null],
  ];
  for (const [text, iso] of cases) {
    it(text, () => {
      const ms = parseTimestamp(text);
      expect(Number.isNaN(ms) ? null : new Date(ms).toISOString()).toBe(iso);
    });
  }
});

describe('translate option', () => {
  it('runs before validation, and its issues reject the payload', () => {
    const translate = (json: unknown) =>
      typeof json === 'object' && json && 'on' in json
        ? { ok: true as const, document: { flags: { on: { state: 'ENABLED', variants: { yes: true }, defaultVariant: 'yes' } } } }
        : { ok: false as const, issues: [{ path: 'on', message: 'missing' }] };
    const good = parseFlags('{"on": 1}', { translate });
    expect(good.ok && good.snapshot.resolveBooleanEvaluation('on', false).value).toBe(true);
    expect(parseFlags('{"off": 1}', { translate })).toEqual({ ok: false, issues: [{ path: 'on', message: 'missing' }] });
    expect(parseFlags('{"__proto__": 1}', { translate }).ok).toBe(false); // sanitized before the translator sees it
  });
});
