import fc from 'fast-check';
import murmur from 'murmurhash3js-revisited';
import { describe, expect, it } from 'vitest';
import { bucketOf, loadSnapshot, MAX_TOTAL_WEIGHT, murmur3Utf8 } from '../src/index.js';
import { fractionalVectors } from '@switchyard/test-utils/node';

const utf8 = new TextEncoder();
const reference = (s: string) => murmur.x86.hash32(utf8.encode(s), 0) >>> 0;

describe('MurmurHash3 x86_32 over UTF-8', () => {
  it('matches murmurhash3js-revisited over TextEncoder bytes for any string, including astral and lone surrogates', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.string()), (s) => {
        expect(murmur3Utf8(s)).toBe(reference(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('hits the documented edge values', () => {
    expect(murmur3Utf8('ejOoVL')).toBe(0);
    expect(murmur3Utf8('bY9fO-')).toBe(1);
    expect(murmur3Utf8('SI7p-')).toBe(2147483647);
    expect(murmur3Utf8('6LvT0')).toBe(2147483648);
    expect(murmur3Utf8('ceQdGm')).toBe(4294967295);
  });

  it('reproduces the hash of every published vector (35% non-ASCII keys)', () => {
    for (const c of fractionalVectors()) {
      const value = c.bucketBy === 'shorthand' ? c.flagKey + c.targetingKey : c.targetingKey;
      expect(murmur3Utf8(value), value).toBe(c.hash);
    }
  });
});

describe('bucketOf', () => {
  it('equals floor(hash × total / 2^32) computed exactly, for every total up to MaxInt32', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.integer({ min: 1, max: MAX_TOTAL_WEIGHT }), (hash, total) => {
        const exact = Number((BigInt(hash) * BigInt(total)) >> 32n);
        expect(bucketOf(hash, total)).toBe(exact);
      }),
      { numRuns: 20000 },
    );
  });

  it('is exact at the extremes', () => {
    for (const hash of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff]) {
      for (const total of [1, 2, 100, 0x200000, 0x200001, MAX_TOTAL_WEIGHT]) {
        expect(bucketOf(hash, total)).toBe(Number((BigInt(hash) * BigInt(total)) >> 32n));
      }
    }
  });
});

function flagWith(key: string, targeting: unknown, variants: string[]) {
  return loadSnapshot({
    flags: { [key]: { state: 'ENABLED', variants: Object.fromEntries(variants.map((v) => [v, v])), defaultVariant: variants[0], targeting } },
  });
}

describe('fractional', () => {
  it('picks the published variant for every vector, in shorthand and explicit form', () => {
    for (const c of fractionalVectors()) {
      const targeting =
        c.bucketBy === 'shorthand' ? { fractional: c.buckets } : { fractional: [{ var: 'targetingKey' }, ...c.buckets] };
      const snapshot = flagWith(c.flagKey, targeting, c.buckets.map(([v]) => v));
      const details = snapshot.resolveStringEvaluation(c.flagKey, 'fallback', { targetingKey: c.targetingKey });
      expect(details, JSON.stringify(c)).toMatchObject({ value: c.variant, variant: c.variant, reason: 'TARGETING_MATCH' });
    }
  });

  it('puts user-0..9 of flag "headline" in the documented buckets', () => {
    const s = flagWith('headline', { fractional: [['a', 50], ['b', 50]] }, ['a', 'b']);
    const picks = Array.from({ length: 10 }, (_, i) => s.resolveStringEvaluation('headline', '', { targetingKey: `user-${i}` }).variant);
    expect(picks.join(' ')).toBe('b b b b a a b a b b');
  });

  it('is monotonic: raising the first bucket never moves a user out of it', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (user, p1, p2) => {
        const [low, high] = p1 <= p2 ? [p1, p2] : [p2, p1];
        const at = (pct: number) =>
          flagWith('rollout', { fractional: [['on', pct], ['off', 100 - pct]] }, ['on', 'off']).resolveStringEvaluation('rollout', '', { targetingKey: user }).value;
        if (low > 0 && at(low) === 'on') expect(at(high)).toBe('on');
      }),
      { numRuns: 500 },
    );
  });

  it('spreads users evenly: each of 4 equal buckets gets 25% ± 1.5% of 20,000 users', () => {
    const s = flagWith('spread', { fractional: [['a', 25], ['b', 25], ['c', 25], ['d', 25]] }, ['a', 'b', 'c', 'd']);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0, d: 0 };
    const n = 20000;
    for (let i = 0; i < n; i++) counts[s.resolveStringEvaluation('spread', '', { targetingKey: `u${i}@example.com` }).value]++;
    for (const count of Object.values(counts)) expect(Math.abs(count / n - 0.25)).toBeLessThan(0.015);
  });

  it('returns null (so DEFAULT) without a targeting key in shorthand form, and for invalid buckets', () => {
    const s = loadSnapshot({
      flags: {
        short: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractional: [['on', 50], ['off', 50]] } },
        float: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractional: [['on', 0.5], ['off', 50]] } },
        zero: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractional: [['on', 0], ['off', 0]] } },
        huge: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractional: [['on', MAX_TOTAL_WEIGHT], ['off', 1]] } },
        negative: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractional: [['on', -5], ['off', 1]] } },
      },
    });
    expect(s.resolveBooleanEvaluation('short', true, {})).toMatchObject({ value: false, reason: 'DEFAULT', variant: 'off' });
    expect(s.resolveBooleanEvaluation('short', true, { targetingKey: '' })).toMatchObject({ reason: 'DEFAULT' });
    for (const key of ['float', 'zero', 'huge']) {
      expect(s.resolveBooleanEvaluation(key, true, { targetingKey: 'u1' }), key).toMatchObject({ reason: 'DEFAULT', variant: 'off' });
    }
    // negative weights clamp to 0: everybody lands in "off"
    for (let i = 0; i < 50; i++) expect(s.resolveBooleanEvaluation('negative', true, { targetingKey: `u${i}` }).variant).toBe('off');
  });

  it('accepts computed weights, e.g. a rollout driven by $flagd.timestamp', () => {
    const doc = {
      flags: {
        timed: {
          state: 'ENABLED',
          variants: { on: true, off: false },
          defaultVariant: 'off',
          targeting: {
            fractional: [
              ['on', { '-': [{ var: '$flagd.timestamp' }, 1_000_000] }],
              ['off', { '-': [1_000_100, { var: '$flagd.timestamp' }] }],
            ],
          },
        },
      },
    };
    const at = (seconds: number) => loadSnapshot(doc, { now: () => seconds * 1000 });
    const users = Array.from({ length: 300 }, (_, i) => `user-${i}`);
    const share = (seconds: number) => users.filter((u) => at(seconds).resolveBooleanEvaluation('timed', false, { targetingKey: u }).value).length;
    expect(share(1_000_000)).toBe(0);
    expect(share(1_000_100)).toBe(300);
    const mid = share(1_000_050);
    expect(mid).toBeGreaterThan(100);
    expect(mid).toBeLessThan(200);
  });
});

describe('murmur3Utf8Concat', () => {
  it('hashes first + second without concatenating, even when a surrogate pair is split between them', async () => {
    const { murmur3Utf8Concat } = await import('../src/bucketing/murmur3.js');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(murmur3Utf8Concat(a, b)).toBe(reference(a + b));
      }),
      { numRuns: 2000 },
    );
    expect(murmur3Utf8Concat('flag\ud83d', '\ude00user')).toBe(reference('flag😀user'));
  });
});
