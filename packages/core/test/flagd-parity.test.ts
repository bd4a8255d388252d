import { FlagdCore } from '@openfeature/flagd-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSnapshot } from '../src/index.js';

// Differential test against flagd's own JavaScript core on everyday targeting. flagd-core hashes
// UTF-16 code units, so contexts here are ASCII; non-ASCII bucketing is checked against the vectors.
const silent = { error() {}, warn() {}, info() {}, debug() {} };
const bool = (targeting: unknown, defaultVariant: string | null = 'off') => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant, targeting });
const doc = {
  metadata: { flagSetId: 'parity' },
  $evaluators: { staff: { ends_with: [{ var: 'email' }, '@example.com'] } },
  flags: {
    static: bool(undefined, 'on'),
    email: bool({ if: [{ $ref: 'staff' }, 'on', 'off'] }),
    staffOrBeta: bool({ if: [{ or: [{ $ref: 'staff' }, { in: ['beta', { var: 'tags' }] }] }, 'on', null] }),
    rollout: bool({ fractional: [['on', 25], ['off', 75]] }),
    byEmail: bool({ fractional: [{ var: 'email' }, ['on', 50], ['off', 50]] }),
    ageBand: { state: 'ENABLED', variants: { young: 'y', mid: 'm', old: 'o' }, defaultVariant: 'mid', targeting: { if: [{ '<': [{ var: 'age' }, 30] }, 'young', { '>=': [{ var: 'age' }, 60] }, 'old', null] } },
    version: bool({ if: [{ sem_ver: [{ var: 'version' }, '>=', '2.1.0'] }, 'on', 'off'] }),
    caret: bool({ if: [{ sem_ver: [{ var: 'version' }, '^', '2.0.0'] }, 'on', 'off'] }),
    plan: { state: 'ENABLED', variants: { free: 1, pro: 2, team: 3 }, defaultVariant: 'free', targeting: { if: [{ in: [{ var: 'plan' }, ['pro', 'team']] }, { var: 'plan' }, 'free'] } },
    boolResult: { state: 'ENABLED', variants: { true: 'yes', false: 'no' }, defaultVariant: 'false', targeting: { '>': [{ var: 'age' }, 40] } },
    startsWith: bool({ if: [{ starts_with: [{ var: 'targetingKey' }, 'user-1'] }, 'on', 'off'] }),
    missingAttr: bool({ if: [{ missing: ['email'] }, 'off', 'on'] }),
    flagKeyRule: bool({ if: [{ '==': [{ var: '$flagd.flagKey' }, 'flagKeyRule'] }, 'on', 'off'] }),
    unknownVariant: bool({ if: [{ var: 'plan' }, { var: 'plan' }, 'off'] }),
    noDefault: bool({ if: [{ $ref: 'staff' }, 'on', null] }, null),
    disabled: { ...bool(undefined, 'on'), state: 'DISABLED' },
  },
};

const ascii = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.@'.split('')), maxLength: 12 });
const context = fc.record(
  {
    targetingKey: fc.oneof(ascii, fc.constantFrom('user-1', 'user-17', '')),
    email: fc.oneof(ascii.map((s) => `${s}@example.com`), ascii.map((s) => `${s}@customer.org`)),
    age: fc.integer({ min: 0, max: 99 }),
    tags: fc.array(fc.constantFrom('beta', 'alpha', 'internal'), { maxLength: 3 }),
    version: fc.constantFrom('1.9.9', '2.0.0', '2.1.0', 'v2.1.1', '3.0.0-rc.1', '2.1', 'nope'),
    plan: fc.constantFrom('free', 'pro', 'team', 'enterprise'),
  },
  { requiredKeys: [] },
);

describe('parity with @openfeature/flagd-core', () => {
  const ours = loadSnapshot(doc);
  const flagd = new FlagdCore(undefined, silent);
  flagd.setConfigurations(JSON.stringify(doc));
  const types: Record<string, 'boolean' | 'string' | 'number'> = { ageBand: 'string', plan: 'number', boolResult: 'string' };

  it('gives the same value, variant, reason and error code for random users on every flag', () => {
    fc.assert(
      fc.property(context, (ctx) => {
        for (const key of [...Object.keys(doc.flags), 'absent']) {
          const type = types[key] ?? 'boolean';
          const fallback = { boolean: false, string: 'dflt', number: -1 }[type];
          const a = ours.resolve(key, type, fallback, ctx);
          const b = flagd.resolve(type, key, fallback, ctx, silent);
          expect({ key, value: a.value, variant: a.variant, reason: a.reason, errorCode: a.errorCode, flagMetadata: a.flagMetadata }).toEqual({
            key,
            value: b.value,
            variant: b.variant,
            reason: b.reason,
            errorCode: b.errorCode,
            flagMetadata: b.flagMetadata,
          });
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('reports TYPE_MISMATCH like flagd', () => {
    const a = ours.resolveStringEvaluation('static', 'x', {});
    const b = flagd.resolveStringEvaluation('static', 'x', {}, silent);
    expect([a.value, a.reason, a.errorCode]).toEqual([b.value, b.reason, b.errorCode]);
  });
});
