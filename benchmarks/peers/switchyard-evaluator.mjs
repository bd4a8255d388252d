// Switchyard's documented hot path (README, docs/node.md): `provider.evaluator.getBooleanValue(key,
// false, ctx)` on a provider started from a flag file — the headline figure, and the one the guard checks.
import { startProvider } from './switchyard-provider.mjs';

export default {
  name: 'provider.evaluator',
  pkg: '@switchyard/node',
  sameBuckets: true, // flagd's hashing: the 50/50 split must match Switchyard's user for user
  async load(flags) {
    const { provider, close } = await startProvider(flags);
    return { evaluate: (key, ctx) => provider.evaluator.getBooleanValue(key, false, ctx), value: (v) => v, close };
  },
  user: (ctx) => ctx,
};
