import { describe, expect, it } from 'vitest';
import { detectFormat, translateAppConfig } from '../src/index.js';
import { load, rejection } from './helpers.js';

const hosted = {
  version: '1',
  flags: {
    ui_refresh: {
      name: 'UI Refresh',
      description: 'The new UI',
      attributes: {
        dark_mode_support: { constraints: { type: 'boolean' } },
        max_items: { constraints: { type: 'number', minimum: 1, maximum: 100, required: true } },
        theme: { constraints: { type: 'string', enum: ['light', 'dark'] } },
        regions: { constraints: { type: 'array', elements: { type: 'string', pattern: '^[a-z]{2}-[a-z]+-\\d$' } } },
      },
    },
    emergency_shutoff_switch: { name: 'Kill', _deprecation: { status: 'planned' } },
    checkout: { name: 'Checkout', attributes: { level: { constraints: { type: 'number' } } } },
  },
  values: {
    ui_refresh: { enabled: true, dark_mode_support: true, max_items: 25, theme: 'dark', regions: ['us-east-1'] },
    emergency_shutoff_switch: { enabled: false },
    checkout: {
      _variants: [
        { name: 'QA', enabled: true, rule: '(ends_with $email "@example.com")', attributeValues: { level: 3 } },
        { name: 'Beta', enabled: true, rule: '(in $userId ["7", "8"])' },
        { name: 'Off', enabled: false, rule: '(eq $country "XX")', attributeValues: { level: 9 } },
        { name: 'Default', enabled: true, attributeValues: { level: 1 } },
      ],
    },
  },
};

describe('how AppConfig flags surface through OpenFeature', () => {
  const snapshot = load(hosted);

  it('a simple flag: boolean from enabled, attributes as typed flags, the object as AppConfig returns it', () => {
    expect(snapshot.resolveBooleanEvaluation('ui_refresh', false)).toMatchObject({ value: true, variant: 'enabled', reason: 'STATIC' });
    expect(snapshot.resolveNumberEvaluation('ui_refresh.max_items', 10)).toMatchObject({ value: 25, reason: 'STATIC' });
    expect(snapshot.resolveStringEvaluation('ui_refresh.theme', 'light').value).toBe('dark');
    expect(snapshot.resolveObjectEvaluation('ui_refresh.$value', {}).value).toEqual({ enabled: true, dark_mode_support: true, max_items: 25, theme: 'dark', regions: ['us-east-1'] });
    expect(snapshot.flags.has('ui_refresh.regions')).toBe(false); // arrays are not OpenFeature values: only in $value
    expect(snapshot.resolveBooleanEvaluation('ui_refresh', false).flagMetadata).toEqual({ name: 'UI Refresh', description: 'The new UI', appconfigFlag: 'ui_refresh' });
  });

  it('a disabled flag: false, and its object has no attributes', () => {
    expect(snapshot.resolveBooleanEvaluation('emergency_shutoff_switch', true)).toMatchObject({ value: false, variant: 'disabled', reason: 'STATIC' });
    expect(snapshot.resolveObjectEvaluation('emergency_shutoff_switch.$value', {}).value).toEqual({ enabled: false });
    expect(snapshot.resolveBooleanEvaluation('emergency_shutoff_switch', true).flagMetadata.deprecation).toBe('planned');
  });

  it('a multi-variant flag: first matching rule wins, variant names come through, the default variant is DEFAULT', () => {
    const at = (ctx: Record<string, unknown>) => ({
      on: snapshot.resolveBooleanEvaluation('checkout', false, ctx),
      level: snapshot.resolveNumberEvaluation('checkout.level', -1, ctx),
      object: snapshot.resolveObjectEvaluation('checkout.$value', {}, ctx).value,
    });
    const qa = at({ email: 'qa@example.com', userId: '7' });
    expect(qa.on).toMatchObject({ value: true, variant: 'QA', reason: 'TARGETING_MATCH' });
    expect(qa.level).toMatchObject({ value: 3, variant: 'QA' });
    expect(qa.object).toEqual({ enabled: true, level: 3, _variant: 'QA' });

    const beta = at({ userId: '8' });
    expect(beta.on).toMatchObject({ value: true, variant: 'Beta' });
    expect(beta.level).toMatchObject({ value: -1, reason: 'DEFAULT' }); // Beta has no level: the caller's default
    expect(beta.level.variant).toBeUndefined();

    const off = at({ country: 'XX' });
    expect(off.on).toMatchObject({ value: false, variant: 'Off' });
    expect(off.level.value).toBe(-1); // attributes are served only while enabled
    expect(off.object).toEqual({ enabled: false, _variant: 'Off' });

    const anyone = at({});
    expect(anyone.on).toMatchObject({ value: true, variant: 'Default', reason: 'DEFAULT' });
    expect(anyone.level).toMatchObject({ value: 1, variant: 'Default' });
  });

  it('the retrieval format (API and agent) surfaces the same way', () => {
    const retrieved = load({ ui_refresh: { enabled: true, dark_mode_support: true, max_items: 25 }, emergency_shutoff_switch: { enabled: false }, checkout: { enabled: true, level: 3, _variant: 'QA' } });
    expect(retrieved.resolveBooleanEvaluation('ui_refresh', false).value).toBe(true);
    expect(retrieved.resolveNumberEvaluation('ui_refresh.max_items', 0).value).toBe(25);
    expect(retrieved.resolveBooleanEvaluation('checkout', false)).toMatchObject({ value: true, variant: 'QA' });
    expect(retrieved.resolveObjectEvaluation('checkout.$value', {}).value).toEqual({ enabled: true, level: 3, _variant: 'QA' });
    expect(retrieved.resolveBooleanEvaluation('emergency_shutoff_switch', true).value).toBe(false);
  });
});

describe('opt-in percentage rollout', () => {
  const doc = (pct: number) => ({ new_search: { enabled: true, rollout_percentage: pct } });
  const users = Array.from({ length: 10_000 }, (_, i) => `u${i}`);
  const onFor = (pct: number) => {
    const snapshot = load(doc(pct), { rolloutAttribute: 'rollout_percentage' });
    return new Set(users.filter((targetingKey) => snapshot.resolveBooleanEvaluation('new_search', false, { targetingKey }).value));
  };

  it('is on for about that share of targeting keys, and the same users stay in as it grows', () => {
    const ten = onFor(10);
    const fifty = onFor(50);
    expect(ten.size / users.length).toBeCloseTo(0.1, 1);
    expect(fifty.size / users.length).toBeCloseTo(0.5, 1);
    for (const user of ten) expect(fifty.has(user)).toBe(true);
    expect(onFor(100).size).toBe(users.length);
    expect(onFor(0).size).toBe(0);
  });

  it('is off without a targeting key, and only applies when asked for', () => {
    expect(load(doc(100), { rolloutAttribute: 'rollout_percentage' }).resolveBooleanEvaluation('new_search', true)).toMatchObject({ value: false, variant: 'holdout', reason: 'DEFAULT' });
    expect(load(doc(0)).resolveBooleanEvaluation('new_search', false, { targetingKey: 'u1' }).value).toBe(true); // not opted in: plain AppConfig
  });
});

describe('hosted format validation: every problem, with its path', () => {
  it('checks keys, constraints, declared attributes, variants and rules', () => {
    const bad = {
      version: '2',
      flags: {
        'Bad Key': { name: 'x' },
        ok: { attributes: { n: { constraints: { type: 'number', minimum: 5, maximum: 1 } }, s: { constraints: { type: 'string', pattern: '(?=x)' } } } },
        v: { name: 'V', attributes: { n: { constraints: { type: 'number', required: true } }, list: { constraints: { type: 'array', elements: { type: 'number', maximum: 3 } } } } },
      },
      values: {
        ok: { enabled: 'yes' },
        v: {
          _variants: [
            { name: 'a', enabled: true, rule: '(eq $x 1)', attributeValues: { n: 'one', list: [1, 5], extra: 1 } },
            { name: 'a', enabled: true },
            { name: 'c', enabled: true, rule: '(eq $x 2)' },
          ],
        },
        ghost: { enabled: true },
      },
    };
    expect(rejection(bad)).toEqual([
      'version: must be "1", not string "2"',
      'values.ghost: no flag "ghost" is defined in flags',
      'flags["Bad Key"]: flag keys must match ^[a-z][a-zA-Z\\d_-]{0,63}$',
      'flags.ok.name: missing required property "name"',
      'flags.ok.attributes.n.constraints.maximum: is below minimum 5',
      'flags.ok.attributes.s.constraints.pattern: invalid pattern: lookahead and lookbehind are not supported (they need backtracking) at position 0',
      'values.ok.enabled: must be true or false',
      'values.v._variants[0].attributeValues.n: must be a number, not string "one"',
      'values.v._variants[0].attributeValues.list: element [1]: 5 is above the maximum 3',
      'values.v._variants[0].attributeValues.extra: attribute "extra" is not declared in the flag\'s attributes',
      'values.v._variants[1].name: variant "a" is defined twice',
      'values.v._variants[1].rule: every variant but the last (the default) needs a rule',
      'values.v._variants[1].attributeValues.n: required attribute is missing',
      'values.v._variants[2].rule: the last variant is the default and has no rule',
      'values.v._variants[2].attributeValues.n: required attribute is missing',
    ]);
  });

  it('checks enum and pattern values', () => {
    const doc = (theme: unknown, region: unknown) => ({
      version: '1',
      flags: { f: { name: 'F', attributes: { theme: { constraints: { type: 'string', enum: ['light', 'dark'] } }, region: { constraints: { type: 'string', pattern: '^eu-' } } } } },
      values: { f: { enabled: true, theme, region } },
    });
    expect(rejection(doc('blue', 'us-1'))).toEqual(['values.f.theme: "blue" is not one of "light", "dark"', 'values.f.region: "us-1" does not match pattern "^eu-"']);
    expect(load(doc('dark', 'eu-west-1')).resolveStringEvaluation('f.region', '').value).toBe('eu-west-1');
  });

  it('rejects a retrieval entry without enabled, and unknown shapes', () => {
    expect(rejection({ a: { enabled: true }, b: { enabled: 'no' } })).toEqual(['b.enabled: must be true or false']);
    expect(rejection([1, 2])).toEqual(['$: must be an object']); // not AppConfig: flagd's own checks speak
    expect(rejection({ a: { state: 'ENABLED' } })).toEqual(['$: missing required property "flags"']);
  });
});

describe('format detection', () => {
  it('tells flagd, hosted and retrieval apart', () => {
    expect(detectFormat({ flags: { a: { state: 'ENABLED', variants: { on: true } } } })).toBe('flagd');
    expect(detectFormat(hosted)).toBe('appconfig-hosted');
    expect(detectFormat({ a: { enabled: true } })).toBe('appconfig-retrieval');
    expect(detectFormat({})).toBeUndefined(); // in a file, likely a mistake: flagd's checks reject it
    expect(detectFormat({}, 'appconfig-retrieval')).toBe('appconfig-retrieval'); // from AppConfig: a profile without flags
    expect(detectFormat({ a: 1 })).toBeUndefined();
  });

  it('translation output is deterministic and JSON (what the server re-serves)', () => {
    const a = translateAppConfig(hosted, 'appconfig-hosted');
    const b = translateAppConfig(JSON.parse(JSON.stringify(hosted)), 'appconfig-hosted');
    expect(a).toEqual(b);
    expect(a.ok && JSON.parse(JSON.stringify(a.document))).toEqual(a.ok && a.document);
  });
});
