// Switchyard through the OpenFeature SDK, as the Node README's request handler calls it:
// `await client.getBooleanDetails(key, false, ctx)` with the SwitchyardProvider registered.
import { startProvider } from './switchyard-provider.mjs';

export default {
  name: 'OpenFeature client',
  pkg: '@switchyard/node',
  sameBuckets: true,
  async load(flags) {
    const { client, close } = await startProvider(flags);
    return { evaluate: (key, ctx) => client.getBooleanDetails(key, false, ctx), value: (d) => d.value, close };
  },
  user: (ctx) => ctx,
};
