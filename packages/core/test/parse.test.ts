import { describe, expect, it } from 'vitest';
import { FlagDocumentError, loadSnapshot, parseFlags } from '../src/index.js';

const flag = (extra: Record<string, unknown> = {}) => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on', ...extra });

function issuesOf(input: unknown) {
  const result = parseFlags(input);
  if (result.ok) throw new Error('expected the document to be rejected');
  return result.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('document validation', () => {
  it('accepts the FLAG_FORMAT example', () => {
    const result = parseFlags(
      JSON.stringify({
        $schema: 'https://flagd.dev/schema/v0/flags.json',
        metadata: { flagSetId: 'checkout', version: '7' },
        $evaluators: { internal: { ends_with: [{ var: 'email' }, '@example.com'] } },
        flags: {
          'new-checkout': {
            state: 'ENABLED',
            variants: { on: true, off: false },
            defaultVariant: 'off',
            targeting: { if: [{ $ref: 'internal' }, 'on', { fractional: [['on', 10], ['off', 90]] }] },
            metadata: { owner: 'payments', expires: '2027-01-31' },
          },
        },
      }),
    );
    expect(result.ok && result.issues).toEqual([]);
  });

  it('rejects a document with structural errors whole, listing every error with its path', () => {
    expect(
      issuesOf({
        metadata: { version: [1] },
        flags: {
          a: { state: 'ON', variants: { on: true, off: 'no' }, defaultVariant: 'maybe' },
          b: { state: 'ENABLED', variants: {} },
          c: { variants: { x: null }, defaultVariant: 3, metadata: { owner: null } },
          'd.e': 'not a flag',
        },
      }),
    ).toEqual([
      'metadata.version: must be a string, number or boolean, not an array',
      'flags.a.state: must be "ENABLED" or "DISABLED", not "ON"',
      'flags.a.variants.off: is a string; the variants before it are booleans',
      'flags.a.defaultVariant: names no variant: "maybe" (variants: on, off)',
      'flags.b.variants: must not be empty',
      'flags.c.state: missing required property "state"',
      'flags.c.variants.x: must be a boolean, string, number or object',
      'flags.c.defaultVariant: must be a string or null',
      'flags.c.metadata.owner: must be a string, number or boolean, not null',
      'flags["d.e"]: must be an object',
    ]);
  });

  it('rejects non-objects, missing flags and bad JSON with a clear reason', () => {
    expect(issuesOf('[]')).toEqual(['$: must be an object']);
    expect(issuesOf('{}')).toEqual(['$: missing required property "flags"']);
    expect(issuesOf('{"flags": [] }')).toEqual(['flags: must be an object']);
    expect(issuesOf('{"flags": {')[0]).toMatch(/^\$: not valid JSON: /);
    expect(issuesOf({ flags: { a: flag({ variants: { on: [true] } }) } })).toEqual(['flags.a.variants.on: must be a boolean, string, number or object']);
  });

  it('keeps a flag with invalid targeting (PARSE_ERROR) while the others work', () => {
    const result = parseFlags({ flags: { good: flag(), bad: flag({ targeting: { if: [true, 'on', { fractionl: [] }] } }), worse: flag({ targeting: 'on' }) } });
    expect(result.ok).toBe(true);
    expect(result.issues).toEqual([
      { path: 'flags.bad.targeting.if[2]', message: 'unknown operator "fractionl"' },
      { path: 'flags.worse.targeting', message: 'targeting must be a JSON Logic object' },
    ]);
  });

  it('throws a typed error from loadSnapshot', () => {
    expect(() => loadSnapshot({ flags: { a: flag({ state: 'on' }) } })).toThrow(FlagDocumentError);
    try {
      loadSnapshot({ flags: { a: flag({ state: 'on' }) } });
    } catch (e) {
      expect((e as FlagDocumentError).code).toBe('PARSE_ERROR');
      expect((e as FlagDocumentError).issues).toHaveLength(1);
      expect((e as Error).message).toBe('invalid flag document: flags.a.state: must be "ENABLED" or "DISABLED", not "on"');
    }
  });
});

describe('untrusted input', () => {
  it('cannot pollute prototypes through __proto__ anywhere in the document', () => {
    const text = '{"flags": {"__proto__": {"polluted": true}, "a": {"state": "ENABLED", "variants": {"on": {"__proto__": {"polluted": true}}}, "defaultVariant": "on"}}}';
    expect(issuesOf(text)).toEqual(['flags.__proto__: "__proto__" is not allowed as a key', 'flags.a.variants.on.__proto__: "__proto__" is not allowed as a key']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('treats "constructor" and "prototype" as ordinary keys', () => {
    const s = loadSnapshot('{"flags": {"constructor": {"state": "ENABLED", "variants": {"prototype": {"constructor": 1}}, "defaultVariant": "prototype"}}}');
    expect(s.resolveObjectEvaluation('constructor', {})).toMatchObject({ value: { constructor: 1 }, variant: 'prototype' });
    expect(s.resolveObjectEvaluation('toString', {})).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
  });

  it('fails deeply nested documents with a clear error, not a stack overflow', () => {
    let deep = '"x"';
    for (let i = 0; i < 100_000; i++) deep = `[${deep}]`;
    expect(issuesOf(`{"flags": {"a": {"state": "ENABLED", "variants": {"on": true}, "targeting": ${deep}}}}`)).toEqual([
      `flags.a.targeting${'[0]'.repeat(61)}: nested deeper than 64 levels`,
    ]);
  });

  it('fails oversized documents and too many flags with a clear error', () => {
    expect(parseFlags('{"flags": {}}', { limits: { maxDocumentLength: 5 } })).toEqual({
      ok: false,
      issues: [{ path: '$', message: 'document is 13 characters, over the limit of 5' }],
    });
    const many = { flags: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}`, flag()])) };
    expect(parseFlags(many, { limits: { maxFlags: 10 } })).toEqual({ ok: false, issues: [{ path: 'flags', message: '11 flags, over the limit of 10' }] });
  });

  it('rejects values that are not JSON and cycles in documents given as objects', () => {
    const cyclic: Record<string, unknown> = { state: 'ENABLED', variants: { on: true } };
    cyclic.self = cyclic;
    expect(issuesOf({ flags: { a: cyclic } })).toEqual(['flags.a.self: circular reference']);
    expect(issuesOf({ flags: { a: flag({ metadata: { at: new Date(0) } }) } })).toEqual(['flags.a.metadata.at: only plain JSON objects are allowed']);
    expect(issuesOf({ flags: { a: flag({ variants: { on: () => 1 } }) } })).toEqual(['flags.a.variants.on: a function is not a JSON value']);
    expect(issuesOf({ flags: { a: flag({ variants: { on: NaN } }) } })).toEqual(['flags.a.variants.on: NaN is not a JSON number']);
  });

  it('copies documents given as objects, so later mutation changes nothing', () => {
    const doc = { flags: { a: { state: 'ENABLED', variants: { on: { n: 1 } }, defaultVariant: 'on' } } };
    const s = loadSnapshot(doc);
    doc.flags.a.variants.on.n = 2;
    expect(s.resolveObjectEvaluation('a', {}).value).toEqual({ n: 1 });
    expect(Object.isFrozen(s.document.flags.a)).toBe(true);
  });
});
