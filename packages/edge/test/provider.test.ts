import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, eventually, EXAMPLE, startFlagServer } from './harness.js';

// SwitchyardEdgeProvider through the real @openfeature/server-sdk, inside real workerd. The SDK
// imports node:events, so this worker needs the `nodejs_compat` flag (the direct evaluator does not).
const WORKER = `
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { SwitchyardEdgeProvider } from '@switchyard/edge/provider';
import bootstrap from './flags.json';

let provider;
const changes = [];
export default {
  async fetch(request, env, ctx) {
    if (!provider) {
      // Not at module scope: workers forbid I/O outside a request.
      provider = new SwitchyardEdgeProvider({ url: env.FLAGS_URL, key: env.FLAGS_KEY, ttlMs: 200, bootstrap });
      OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, (event) => changes.push(event.flagsChanged));
      await OpenFeature.setProviderAndWait(provider);
    }
    await provider.refresh(ctx);
    const user = new URL(request.url).searchParams.get('user');
    const client = OpenFeature.getClient();
    const origin = await client.getStringDetails('edge-origin', 'blue', { targetingKey: user });
    const killed = await client.getBooleanValue('edge-kill-switch', false, { targetingKey: user });
    return Response.json({ origin, killed, changes });
  },
};`;

const FLAGS = JSON.parse(readFileSync(join(EXAMPLE, 'flags.json'), 'utf8'));

describe('SwitchyardEdgeProvider in workerd (nodejs_compat)', () => {
  let flags: Awaited<ReturnType<typeof startFlagServer>>;
  let mf: Miniflare;
  beforeAll(async () => {
    flags = await startFlagServer(FLAGS);
    // As wrangler bundles for nodejs_compat: Node built-ins stay imports that workerd provides.
    const script = await bundle(WORKER, { format: 'esm', platform: 'browser', external: ['node:*', 'async_hooks'] });
    mf = new Miniflare({ modules: true, script, compatibilityDate: '2026-04-01', compatibilityFlags: ['nodejs_compat'], bindings: { FLAGS_URL: flags.url, FLAGS_KEY: 'edge-key' } });
  });
  afterAll(async () => {
    await mf?.dispose();
    await flags.stop();
  });

  it('evaluates through the SDK and emits PROVIDER_CONFIGURATION_CHANGED with the exact keys', async () => {
    const ask = async () => (await mf.dispatchFetch('http://shop.test/?user=u-42')).json() as Promise<{ origin: { value: string; reason: string; variant: string }; killed: boolean; changes: string[][] }>;
    const first = await ask();
    expect(first.origin).toMatchObject({ reason: 'TARGETING_MATCH', variant: first.origin.value });
    expect(first.killed).toBe(false);

    flags.write({ ...FLAGS, flags: { ...FLAGS.flags, 'edge-kill-switch': { ...FLAGS.flags['edge-kill-switch'], defaultVariant: 'on' } } });
    const after = await eventually(ask, (r) => r.killed);
    expect(after.killed).toBe(true);
    expect(after.origin.value).toBe(first.origin.value); // the rollout flag did not change, nor did the bucket
    expect(after.changes).toEqual([['edge-kill-switch']]);
  });
});
