// The floor: each case's decision written by hand in plain JavaScript, behind the same call as
// provider.evaluator.getBooleanValue(key, default, ctx): a Map from flag key to a hand-written function,
// the default when the key is unknown, the boolean returned. So both sides pay for choosing the flag and
// making its decision; what is left between them is what the flag system costs. Fractional hashes flagKey + targetingKey with Switchyard's MurmurHash3 and buckets as flagd
// does (floor(hash × 100 / 2^32) < 50), so it must agree with Switchyard user for user.
import { murmur3Utf8 } from '@switchyard/core';

const DECISIONS = {
  static: () => true,
  email: (_key, ctx) => typeof ctx.email === 'string' && ctx.email.endsWith('@example.com'),
  fractional: (key, ctx) => {
    const id = ctx.targetingKey;
    return typeof id === 'string' && id !== '' && Math.floor((murmur3Utf8(key + id) * 100) / 4294967296) < 50;
  },
  'ten-rules': (_key, ctx) => {
    const plan = ctx.plan;
    if (plan === 'plan-0') return false;
    else if (plan === 'plan-1') return false;
    else if (plan === 'plan-2') return false;
    else if (plan === 'plan-3') return false;
    else if (plan === 'plan-4') return false;
    else if (plan === 'plan-5') return false;
    else if (plan === 'plan-6') return false;
    else if (plan === 'plan-7') return false;
    else if (plan === 'plan-8') return false;
    else if (plan === 'pro') return true;
    return false;
  },
};

export default {
  name: 'hand-written',
  sameBuckets: true,
  load(flags) {
    const decisions = new Map([...flags].map(([key, shape]) => [key, DECISIONS[shape]]));
    const getBooleanValue = (key, defaultValue, ctx) => {
      const decide = decisions.get(key);
      return decide === undefined ? defaultValue : decide(key, ctx);
    };
    return { evaluate: (key, ctx) => getBooleanValue(key, false, ctx), value: (v) => v };
  },
  user: (ctx) => ctx,
};
