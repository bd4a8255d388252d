import { describe, expect, it } from 'vitest';
import { loadSnapshot } from '../src/index.js';

// The resolution table of FLAG_FORMAT.md, row by row.
const snapshot = loadSnapshot({
  metadata: { flagSetId: 'checkout', version: '7', team: 'core' },
  $evaluators: { internal: { ends_with: [{ var: 'email' }, '@example.com'] } },
  flags: {
    static: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on', metadata: { owner: 'payments', version: '8' } },
    disabled: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on', targeting: { var: 'boom' } },
    'no-default': { state: 'ENABLED', variants: { on: true, off: false } },
    'null-default': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: null },
    targeted: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ $ref: 'internal' }, 'on', null] } },
    'targeted-no-default': { state: 'ENABLED', variants: { on: true, off: false }, targeting: { if: [{ $ref: 'internal' }, 'on', null] } },
    'bool-result': { state: 'ENABLED', variants: { true: 'yes', false: 'no' }, defaultVariant: 'false', targeting: { '==': [{ var: 'plan' }, 'pro'] } },
    'number-result': { state: 'ENABLED', variants: { '1': 'one', '2': 'two' }, defaultVariant: '1', targeting: { '+': [1, 1] } },
    'unknown-variant': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [true, 'maybe'] } },
    'object-result': { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on', targeting: { merge: [['on']] } },
    'bad-rule': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractionl: [['on', 10]] } },
    'empty-targeting': { state: 'ENABLED', variants: { a: 'A' }, defaultVariant: 'a', targeting: {} },
    config: { state: 'ENABLED', variants: { small: { limit: 10 }, big: { limit: 100 } }, defaultVariant: 'small' },
    number: { state: 'ENABLED', variants: { low: 1.5, high: 3 }, defaultVariant: 'high' },
  },
});

const setMeta = { flagSetId: 'checkout', version: '7', team: 'core' };

describe('resolution (FLAG_FORMAT.md table)', () => {
  it('flag key absent → ERROR / FLAG_NOT_FOUND, caller default', () => {
    expect(snapshot.resolveBooleanEvaluation('nope', true)).toEqual({
      value: true,
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
      errorMessage: "flag 'nope' not found",
      flagMetadata: setMeta,
    });
  });

  it('DISABLED → caller default, no variant, targeting not run', () => {
    const r = snapshot.resolveBooleanEvaluation('disabled', false, { boom: 'x' });
    expect(r).toEqual({ value: false, reason: 'DISABLED', flagMetadata: setMeta });
  });

  it('no targeting → STATIC with the default variant; flag metadata overrides flag-set metadata', () => {
    expect(snapshot.resolveBooleanEvaluation('static', false)).toEqual({
      value: true,
      variant: 'on',
      reason: 'STATIC',
      flagMetadata: { flagSetId: 'checkout', version: '8', team: 'core', owner: 'payments' },
    });
    expect(snapshot.resolveStringEvaluation('empty-targeting', 'x')).toMatchObject({ value: 'A', reason: 'STATIC' });
  });

  it('no targeting and no/null default variant → DEFAULT, caller default, no variant', () => {
    for (const key of ['no-default', 'null-default']) {
      expect(snapshot.resolveBooleanEvaluation(key, true)).toEqual({ value: true, reason: 'DEFAULT', flagMetadata: setMeta });
    }
  });

  it('targeting returns a variant → TARGETING_MATCH; null → DEFAULT with the default variant', () => {
    expect(snapshot.resolveBooleanEvaluation('targeted', false, { email: 'a@example.com' })).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH' });
    expect(snapshot.resolveBooleanEvaluation('targeted', true, { email: 'a@other.com' })).toMatchObject({ value: false, variant: 'off', reason: 'DEFAULT' });
    expect(snapshot.resolveBooleanEvaluation('targeted-no-default', true, { email: 'a@other.com' })).toEqual({ value: true, reason: 'DEFAULT', flagMetadata: setMeta });
  });

  it('targeting returns true/false or a number → the variant named by its string form', () => {
    expect(snapshot.resolveStringEvaluation('bool-result', '', { plan: 'pro' })).toMatchObject({ value: 'yes', variant: 'true', reason: 'TARGETING_MATCH' });
    expect(snapshot.resolveStringEvaluation('bool-result', '', { plan: 'free' })).toMatchObject({ value: 'no', variant: 'false', reason: 'TARGETING_MATCH' });
    expect(snapshot.resolveStringEvaluation('number-result', '')).toMatchObject({ value: 'two', variant: '2', reason: 'TARGETING_MATCH' });
  });

  it('targeting returns a key not in variants → ERROR / GENERAL, caller default', () => {
    expect(snapshot.resolveBooleanEvaluation('unknown-variant', true)).toEqual({
      value: true,
      reason: 'ERROR',
      errorCode: 'GENERAL',
      errorMessage: "variant 'maybe' not found in flag with key 'unknown-variant'",
      flagMetadata: setMeta,
    });
    expect(snapshot.resolveBooleanEvaluation('object-result', false)).toMatchObject({ value: false, reason: 'ERROR', errorCode: 'GENERAL' });
  });

  it('invalid rule → ERROR / PARSE_ERROR for that flag only', () => {
    expect(snapshot.resolveBooleanEvaluation('bad-rule', true)).toMatchObject({
      value: true,
      reason: 'ERROR',
      errorCode: 'PARSE_ERROR',
      errorMessage: `invalid targeting for flag 'bad-rule': flags.bad-rule.targeting: unknown operator "fractionl"`,
      flagMetadata: setMeta,
    });
    expect(snapshot.flagIssues).toEqual([{ path: 'flags.bad-rule.targeting', message: 'unknown operator "fractionl"' }]);
    expect(snapshot.resolveBooleanEvaluation('static', false).value).toBe(true);
  });

  it('variant type ≠ requested type → ERROR / TYPE_MISMATCH, caller default, metadata kept', () => {
    expect(snapshot.resolveStringEvaluation('static', 'dflt')).toEqual({
      value: 'dflt',
      reason: 'ERROR',
      errorCode: 'TYPE_MISMATCH',
      errorMessage: "flag 'static' has boolean variants, not string",
      flagMetadata: { flagSetId: 'checkout', version: '8', team: 'core', owner: 'payments' },
    });
    expect(snapshot.resolveNumberEvaluation('config', 0)).toMatchObject({ value: 0, errorCode: 'TYPE_MISMATCH' });
    expect(snapshot.resolveObjectEvaluation('number', {})).toMatchObject({ value: {}, errorCode: 'TYPE_MISMATCH' });
    expect(snapshot.resolveBooleanEvaluation('number', false)).toMatchObject({ errorCode: 'TYPE_MISMATCH' });
  });

  it('typed getters return each type', () => {
    expect(snapshot.resolveObjectEvaluation('config', {})).toMatchObject({ value: { limit: 10 }, variant: 'small', reason: 'STATIC' });
    expect(snapshot.resolveNumberEvaluation('number', 0)).toMatchObject({ value: 3, variant: 'high' });
    expect(snapshot.resolve('number', undefined, null)).toMatchObject({ value: 3 });
  });

  it('returns values that cannot be mutated into wrong answers', () => {
    const r = snapshot.resolveObjectEvaluation('config', {});
    expect(() => {
      (r.value as { limit: number }).limit = 99;
    }).toThrow(TypeError);
    expect(snapshot.resolveObjectEvaluation('config', {}).value).toEqual({ limit: 10 });
  });

  it('never throws when the caller’s context does', () => {
    const hostile = new Proxy({}, { get: () => { throw new Error('getter exploded'); } });
    expect(snapshot.resolveBooleanEvaluation('targeted', true, hostile)).toMatchObject({
      value: true,
      reason: 'ERROR',
      errorCode: 'GENERAL',
      errorMessage: "error evaluating targeting rule for flag 'targeted': getter exploded",
    });
  });
});
