// Unleash's Node SDK with bootstrapped toggles, no polling (refreshInterval 0) and no metrics:
// `isEnabled(name, context)` per request. Strategies are OR-ed, so "ten rules" is ten constrained
// strategies of which only the last matches.
import { InMemStorageProvider, Unleash } from 'unleash-client';

const constraint = (contextName, operator, values) => ({ contextName, operator, values, inverted: false, caseInsensitive: false });
const STRATEGIES = {
  static: [{ name: 'default' }],
  email: [{ name: 'default', constraints: [constraint('email', 'STR_ENDS_WITH', ['@example.com'])] }],
  fractional: (key) => [{ name: 'flexibleRollout', parameters: { rollout: '50', stickiness: 'userId', groupId: key } }],
  'ten-rules': [...Array.from({ length: 9 }, (_, i) => `plan-${i}`), 'pro'].map((plan) => ({ name: 'default', constraints: [constraint('plan', 'IN', [plan])] })),
};

export default {
  name: 'Unleash',
  pkg: 'unleash-client',
  async load(flags) {
    const features = flags.map(([key, shape]) => {
      const strategies = STRATEGIES[shape];
      return { name: key, enabled: true, strategies: typeof strategies === 'function' ? strategies(key) : strategies };
    });
    const client = new Unleash({
      appName: 'switchyard-bench',
      url: 'http://127.0.0.1:9/api/',
      refreshInterval: 0,
      disableMetrics: true,
      skipInstanceCountWarning: true,
      storageProvider: new InMemStorageProvider(),
      bootstrap: { data: features },
    });
    client.on('error', () => {});
    client.on('warn', () => {});
    await new Promise((resolve) => (client.isSynchronized() ? resolve() : client.once('ready', resolve)));
    return { evaluate: (key, context) => client.isEnabled(key, context), value: (v) => v, close: () => client.destroy() };
  },
  user: ({ targetingKey, ...properties }) => ({ userId: targetingKey, properties }),
};
