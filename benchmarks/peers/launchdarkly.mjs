// LaunchDarkly's Node server SDK, offline: flags from its TestData source, events and diagnostics off.
// `await client.variation(key, context, false)` per request — the SDK's evaluation API is async.
import { basicLogger, init } from '@launchdarkly/node-server-sdk';
import { TestData } from '@launchdarkly/node-server-sdk/integrations';

const ON = 0;
const OFF = 1;
const clause = (attribute, op, values) => ({ contextKind: 'user', attribute, op, values, negate: false });
const RULES = {
  static: { rules: [], fallthrough: { variation: ON } },
  email: { rules: [{ id: 'email', clauses: [clause('email', 'endsWith', ['@example.com'])], variation: ON }], fallthrough: { variation: OFF } },
  fractional: { rules: [], fallthrough: { rollout: { variations: [{ variation: ON, weight: 50_000 }, { variation: OFF, weight: 50_000 }] } } },
  'ten-rules': {
    rules: [...Array.from({ length: 9 }, (_, i) => ({ id: `r${i}`, clauses: [clause('plan', 'in', [`plan-${i}`])], variation: OFF })), { id: 'pro', clauses: [clause('plan', 'in', ['pro'])], variation: ON }],
    fallthrough: { variation: OFF },
  },
};

export default {
  name: 'LaunchDarkly',
  pkg: '@launchdarkly/node-server-sdk',
  async load(flags) {
    const td = new TestData();
    await Promise.all(flags.map(([key, shape]) => td.usePreconfiguredFlag({ key, version: 1, on: true, variations: [true, false], offVariation: OFF, targets: [], prerequisites: [], salt: key, ...RULES[shape] })));
    const client = init('sdk-offline', { updateProcessor: td.getFactory(), sendEvents: false, diagnosticOptOut: true, logger: basicLogger({ level: 'none' }) });
    await client.waitForInitialization({ timeout: 30 });
    return { evaluate: (key, context) => client.variation(key, context, false), value: (v) => v, close: () => client.close() };
  },
  user: ({ targetingKey, ...attributes }) => ({ kind: 'user', key: targetingKey, ...attributes }),
};
