import { OpenFeature, ProviderEvents, ProviderFatalError, ProviderStatus, type EventDetails } from '@openfeature/server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { SwitchyardEdgeProvider } from '../src/provider.js';
import { startFlagServer } from './harness.js';

// The edge provider's lifecycle and events through the real @openfeature/server-sdk (in Node: the
// lifecycle is the same code in workerd, where provider.test.ts runs the SDK for real).
const doc = (kill: 'on' | 'off') => ({ flags: { 'edge-kill-switch': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: kill } } });

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A request's refresh, with its background revalidation (waitUntil) awaited as the runtime would let it finish. */
async function request(provider: SwitchyardEdgeProvider): Promise<void> {
  const background: Promise<unknown>[] = [];
  await provider.refresh({ waitUntil: (p) => void background.push(p) });
  await Promise.all(background);
}

let domains = 0;
async function setUp(provider: SwitchyardEdgeProvider) {
  const domain = `edge-${++domains}`;
  const client = OpenFeature.getClient(domain);
  const events: { type: ProviderEvents; details?: EventDetails }[] = [];
  for (const type of [ProviderEvents.Ready, ProviderEvents.Error, ProviderEvents.Stale, ProviderEvents.ConfigurationChanged]) client.addHandler(type, (details) => events.push({ type, details }));
  cleanup.push(() => OpenFeature.clearProviders());
  return { domain, client, events, ready: OpenFeature.setProviderAndWait(domain, provider) };
}

describe('SwitchyardEdgeProvider events (one lifecycle with the other providers)', () => {
  it('without a bootstrap fetches once in initialize; changes, staleness and recovery are events', async () => {
    const flags = await startFlagServer(doc('off'));
    cleanup.push(() => flags.dispose());
    const provider = new SwitchyardEdgeProvider({ url: flags.url, key: 'edge-key', ttlMs: 0, staleAfterMs: 0, cache: false });
    const { client, events, ready } = await setUp(provider);
    await ready;
    expect(await client.getBooleanValue('edge-kill-switch', true)).toBe(false);

    flags.write(doc('on'));
    await expect.poll(async () => (await request(provider), provider.flags.getBooleanValue('edge-kill-switch', false))).toBe(true);
    expect(events.find((e) => e.type === ProviderEvents.ConfigurationChanged)?.details?.flagsChanged).toEqual(['edge-kill-switch']);

    await flags.stop();
    await request(provider); // a failed revalidation past staleAfterMs (0 here): STALE, still serving
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    expect(await client.getBooleanValue('edge-kill-switch', false)).toBe(true);
    await flags.restart();
    await request(provider);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(events.map((e) => e.type)).toEqual([ProviderEvents.Ready, ProviderEvents.ConfigurationChanged, ProviderEvents.Stale, ProviderEvents.Ready]);
  });

  it('an unreachable server without a bootstrap fails initialize at once (ERROR), and the first document makes it READY', async () => {
    const flags = await startFlagServer(doc('on'));
    cleanup.push(() => flags.dispose());
    await flags.stop();
    const provider = new SwitchyardEdgeProvider({ url: flags.url, key: 'edge-key', ttlMs: 0, cache: false });
    const { client, events, ready } = await setUp(provider);
    await expect(ready).rejects.toThrow(/no valid flag definitions from poll:\S+: cannot reach/);
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    await flags.restart();
    await request(provider);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(events.map((e) => e.type)).toEqual([ProviderEvents.Error, ProviderEvents.Ready]);
    expect(await client.getBooleanValue('edge-kill-switch', false)).toBe(true);
  });

  it('a wrong key without a bootstrap fails initialize at once: FATAL, with the reason', async () => {
    const flags = await startFlagServer(doc('on'));
    cleanup.push(() => flags.dispose());
    const provider = new SwitchyardEdgeProvider({ url: flags.url, key: 'wrong-key', ttlMs: 0, cache: false });
    const { client, ready } = await setUp(provider);
    await expect(ready).rejects.toThrow(ProviderFatalError);
    await expect(ready).rejects.toThrow(`${flags.url}/v1/flags answered 401: invalid API key`);
    expect(client.providerStatus).toBe(ProviderStatus.FATAL);
  });

  it('an invalid bundled bootstrap is ProviderFatalError at construction', () => {
    expect(() => new SwitchyardEdgeProvider({ url: 'http://127.0.0.1:9', bootstrap: { flags: { a: { state: 'ON' } } } })).toThrow(ProviderFatalError);
  });
});
