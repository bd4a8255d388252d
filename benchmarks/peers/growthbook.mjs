// GrowthBook's multi-user server client: one GrowthBookClient, `isOn(key, { attributes })` per request.
// GrowthBook has no ends-with operator; its users write the suffix as a `$regex` condition.
import { GrowthBookClient } from '@growthbook/growthbook';

const SHAPES = {
  static: { defaultValue: true },
  email: { defaultValue: false, rules: [{ condition: { email: { $regex: '@example\\.com$' } }, force: true }] },
  fractional: { defaultValue: false, rules: [{ force: true, coverage: 0.5, hashAttribute: 'id' }] },
  'ten-rules': {
    defaultValue: false,
    rules: [...Array.from({ length: 9 }, (_, i) => ({ condition: { plan: `plan-${i}` }, force: false })), { condition: { plan: 'pro' }, force: true }],
  },
};

export default {
  name: 'GrowthBook',
  pkg: '@growthbook/growthbook',
  load(flags) {
    const client = new GrowthBookClient().initSync({ payload: { features: Object.fromEntries(flags.map(([key, shape]) => [key, SHAPES[shape]])) } });
    return { evaluate: (key, user) => client.isOn(key, user), value: (v) => v, close: () => client.destroy() };
  },
  user: ({ targetingKey, ...attributes }) => ({ attributes: { id: targetingKey, ...attributes } }),
};
