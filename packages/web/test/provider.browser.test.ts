import { OpenFeature, ProviderEvents, type EventDetails } from '@openfeature/web-sdk';
import { OpenFeatureProvider, useBooleanFlagValue } from '@openfeature/react-sdk';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { ManualTimers, waitFor } from '@switchyard/test-utils';
import { SwitchyardWebProvider, type SwitchyardWebProviderOptions } from '../src/index.js';
import { onVisibility } from '../src/visibility.js';

declare module 'vitest/browser' {
  interface BrowserCommands {
    startFlagServer(doc: unknown): Promise<string>;
    setFlags(doc: unknown): Promise<void>;
    stopFlagServer(): Promise<void>;
    restartFlagServer(how?: { key?: string }): Promise<string>;
    openStreams(): Promise<number>;
  }
}

const doc = (checkout: 'on' | 'off', banner = 'hello') => ({
  flags: {
    'new-checkout': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: checkout,
      metadata: { clientSide: true },
      targeting: { if: [{ ends_with: [{ var: 'email' }, '@staff.example'] }, 'on', null] },
    },
    banner: { state: 'ENABLED', variants: { hello: 'hello', bye: 'bye' }, defaultVariant: banner, metadata: { clientSide: true } },
    'server-secret': { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' },
  },
});

let url = '';
let domains = 0;
const opened: SwitchyardWebProvider[] = [];

beforeEach(async () => {
  localStorage.clear();
  url = await commands.startFlagServer(doc('off'));
});

afterEach(async () => {
  for (const p of opened.splice(0)) await p.onClose();
  await OpenFeature.clearProviders();
  await commands.stopFlagServer();
});

async function start(options: Partial<SwitchyardWebProviderOptions> = {}, context = {}) {
  const domain = `web-${++domains}`;
  const provider = new SwitchyardWebProvider({ url, key: 'client-key', staleAfterMs: 300, ...options });
  opened.push(provider);
  const events: { type: ProviderEvents; details?: EventDetails }[] = [];
  const client = OpenFeature.getClient(domain);
  for (const type of [ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.ConfigurationChanged, ProviderEvents.Error]) {
    client.addHandler(type, (details) => events.push({ type, details }));
  }
  await OpenFeature.setContext(domain, context);
  await OpenFeature.setProviderAndWait(domain, provider);
  return { domain, provider, client, events };
}

const requests = (path: string) => performance.getEntriesByType('resource').filter((e) => e.name.includes(path)).length;

describe('SwitchyardWebProvider in Chromium against the real server', () => {
  it('loads the client-visible flags over SSE and applies a streamed change with the exact keys', async () => {
    const { client, events } = await start();
    expect(client.getBooleanDetails('new-checkout', true)).toMatchObject({ value: false, variant: 'off', reason: 'DEFAULT' });
    expect(client.getBooleanDetails('server-secret', false)).toMatchObject({ value: false, errorCode: 'FLAG_NOT_FOUND' }); // a client key never sees it
    await commands.setFlags(doc('on'));
    const changed = await waitFor(() => events.find((e) => e.type === ProviderEvents.ConfigurationChanged), 'CONFIGURATION_CHANGED');
    expect(changed.details?.flagsChanged).toEqual(['new-checkout']);
    expect(client.getBooleanValue('new-checkout', false)).toBe(true);
  });

  it('updates a React component through @openfeature/react-sdk when a change is streamed', async () => {
    const { domain } = await start();
    const host = document.createElement('div');
    document.body.append(host);
    function Checkout() {
      const on = useBooleanFlagValue('new-checkout', false);
      return createElement('p', { id: 'checkout' }, on ? 'new checkout' : 'old checkout');
    }
    const root = createRoot(host);
    root.render(createElement(OpenFeatureProvider, { domain }, createElement(Checkout)));
    await waitFor(() => host.textContent === 'old checkout', 'the first render');
    await commands.setFlags(doc('on'));
    await waitFor(() => host.textContent === 'new checkout', 'the re-render after the streamed change');
    root.unmount();
    host.remove();
  });

  it('re-evaluates on a context change without a network round trip', async () => {
    const { domain, client } = await start({ transport: 'poll', pollIntervalMs: 60_000 }, { targetingKey: 'u1', email: 'ada@example.com' });
    expect(client.getBooleanValue('new-checkout', true)).toBe(false);
    const before = requests('/v1/flags');
    await OpenFeature.setContext(domain, { targetingKey: 'u2', email: 'grace@staff.example' });
    expect(client.getBooleanDetails('new-checkout', false)).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH' });
    expect(requests('/v1/flags')).toBe(before);
  });

  it('goes STALE while the server is down, keeps serving, and is READY with the new flags when it is back', async () => {
    const { client, events } = await start();
    await commands.stopFlagServer();
    await waitFor(() => events.some((e) => e.type === ProviderEvents.Stale), 'PROVIDER_STALE');
    expect(client.getBooleanValue('new-checkout', true)).toBe(false); // the last good snapshot
    await commands.setFlags(doc('on'));
    await commands.restartFlagServer();
    await waitFor(() => client.getBooleanValue('new-checkout', false), 'the change after recovery', 15_000);
    expect(events.some((e) => e.type === ProviderEvents.Ready)).toBe(true);
  });

  it('starts from the persisted snapshot (reason CACHED) without waiting on the network, then goes fresh', async () => {
    const first = await start({ persist: 'flags-cache' });
    expect(first.client.getStringValue('banner', '')).toBe('hello');
    await first.provider.onClose();
    await commands.stopFlagServer();

    const second = await start({ persist: 'flags-cache', initTimeoutMs: 60_000 });
    expect(second.client.getStringDetails('banner', '')).toMatchObject({ value: 'hello', variant: 'hello', reason: 'CACHED' });

    await commands.setFlags(doc('off', 'bye'));
    await commands.restartFlagServer();
    await waitFor(() => second.client.getStringValue('banner', '') === 'bye', 'fresh flags', 15_000);
    expect(second.client.getStringDetails('banner', '').reason).toBe('STATIC');
    expect(second.events.find((e) => e.type === ProviderEvents.ConfigurationChanged)?.details?.flagsChanged).toEqual(['banner']);
    // READY at the start and after each STALE (the server was down); going fresh is a change, not another READY.
    const count = (type: ProviderEvents) => second.events.filter((e) => e.type === type).length;
    expect(count(ProviderEvents.Ready)).toBe(1 + count(ProviderEvents.Stale));
  });

  it('an invalid bootstrap is PROVIDER_FATAL (it is code: retrying cannot fix it)', async () => {
    const provider = new SwitchyardWebProvider({ url, key: 'client-key', persist: false, bootstrap: { flags: { a: { state: 'ON' } } } });
    opened.push(provider);
    const domain = `web-${++domains}`;
    await expect(OpenFeature.setProviderAndWait(domain, provider)).rejects.toThrow('invalid bootstrap flags');
    expect(OpenFeature.getClient(domain).providerStatus).toBe('FATAL');
  });

  it('says at load which flags need an extension operator the page did not enable, and how to enable it', async () => {
    const warnings: string[] = [];
    await commands.setFlags({
      flags: { ...doc('off').flags, tier: { state: 'ENABLED', variants: { a: 'A', b: 'B' }, defaultVariant: 'a', metadata: { clientSide: true }, targeting: { if: [{ compare: [{ var: 'age' }, '>=', 18] }, 'b', 'a'] } } },
    });
    await waitFor(async () => 'tier' in (await (await fetch(`${url}/v1/flags`, { headers: { authorization: 'Bearer client-key' } })).json()).flags, 'the server to serve it');
    const { client } = await start({ warn: (m) => warnings.push(m) });
    expect(client.getStringDetails('tier', 'a', { age: 30 })).toMatchObject({ value: 'a', errorCode: 'PARSE_ERROR' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('flags.tier.targeting');
    expect(warnings[0]).toContain('unknown operator "compare" (a Switchyard extension: load with `operators: extensionOperators`)');
  });

  it('starts from a server-rendered bootstrap document', async () => {
    await commands.stopFlagServer();
    const { client } = await start({ bootstrap: doc('on'), persist: false });
    expect(client.getBooleanDetails('new-checkout', false)).toMatchObject({ value: true, reason: 'CACHED' });
  });

  const setVisibility = (state: 'hidden' | 'visible') => {
    Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  };

  it('stops polling while the page is hidden and refreshes as soon as it is shown', async () => {
    const timers = new ManualTimers();
    const { client } = await start({ transport: 'poll', pollIntervalMs: 100, timers });
    expect(timers.pending()).toEqual([100]); // the next poll
    setVisibility('hidden');
    expect(timers.pending()).toEqual([]); // nothing left that could poll
    const hiddenAt = requests('/v1/flags');
    await commands.setFlags(doc('on'));
    await timers.advance(60_000);
    expect(requests('/v1/flags')).toBe(hiddenAt);
    expect(client.getBooleanValue('new-checkout', true)).toBe(false);
    setVisibility('visible');
    await waitFor(() => client.getBooleanValue('new-checkout', false), 'the refresh on visible');
  });

  it('reacts to transitions only, so a repeated event cannot start a second poll loop or stream', () => {
    const calls: string[] = [];
    const unwatch = onVisibility(() => calls.push('hidden'), () => calls.push('visible'));
    for (const state of ['visible', 'hidden', 'hidden', 'visible', 'visible', 'hidden'] as const) setVisibility(state);
    unwatch();
    setVisibility('visible');
    expect(calls).toEqual(['hidden', 'visible', 'hidden']);
  });

  it('a page loaded in the background loads its flags once, then holds nothing open; shown, it runs one loop', async () => {
    setVisibility('hidden');
    const timers = new ManualTimers();
    const { client } = await start({ transport: 'poll', pollIntervalMs: 60_000, timers });
    expect(client.getBooleanValue('new-checkout', true)).toBe(false);
    expect(timers.pending()).toEqual([]); // loaded, then paused: nothing armed while hidden
    await commands.setFlags(doc('on'));
    const served = async () => (await (await fetch(`${url}/v1/flags`, { headers: { authorization: 'Bearer client-key' } })).json()).flags['new-checkout'].defaultVariant === 'on';
    await waitFor(served, 'the server to serve the edit');
    setVisibility('visible'); // one poll at once, then one loop
    await waitFor(() => client.getBooleanValue('new-checkout', false), 'the refresh on visible');
    await waitFor(() => timers.pending().length === 1, 'the next poll armed');
    expect(timers.pending()).toEqual([60_000]);
    setVisibility('visible'); // a repeated event starts nothing
    expect(timers.pending()).toEqual([60_000]);
  });

  it('a restored copy stays CACHED while the server is down: only a valid answer makes it fresh', async () => {
    const first = await start({ persist: 'down-cache' });
    await first.provider.onClose();
    await commands.stopFlagServer();
    const second = await start({ persist: 'down-cache', initTimeoutMs: 60_000 });
    await waitFor(() => second.events.some((e) => e.type === ProviderEvents.Stale), 'PROVIDER_STALE: attempts have failed');
    expect(second.client.getStringDetails('banner', '')).toMatchObject({ value: 'hello', reason: 'CACHED' });
  });

  it('the stored copy belongs to its key: a wrong key does not start from it, and a refusal forgets a shared one', async () => {
    const good = await start(); // the default storage name
    await good.provider.onClose();
    const wrong = new SwitchyardWebProvider({ url, key: 'wrong-key-0123456789', initTimeoutMs: 60_000 });
    opened.push(wrong);
    await expect(OpenFeature.setProviderAndWait(`web-${++domains}`, wrong)).rejects.toThrow('401');

    // One storage name given for both: the refused key starts from the copy, then forgets it.
    const shared = await start({ persist: 'shared-cache' });
    await shared.provider.onClose();
    expect(localStorage.getItem('shared-cache')).not.toBeNull();
    const refused = await start({ persist: 'shared-cache', key: 'wrong-key-0123456789', initTimeoutMs: 60_000 });
    await waitFor(() => refused.events.some((e) => e.type === ProviderEvents.Error), 'PROVIDER_ERROR: the refusal');
    expect(refused.events.find((e) => e.type === ProviderEvents.Error)?.details?.message).toContain('401');
    expect(localStorage.getItem('shared-cache')).toBeNull();
    expect(refused.client.getStringDetails('banner', '')).toMatchObject({ value: 'hello', reason: 'CACHED' }); // what is loaded keeps serving
  });

  it('a passing refusal forgets the stored copy, and the next answer (a 304: the same flags) stores it again', async () => {
    const timers = new ManualTimers();
    const { events } = await start({ persist: 'kept', transport: 'poll', timers, staleAfterMs: 777_777 });
    const stored = localStorage.getItem('kept');
    expect(stored).not.toBeNull();
    await commands.stopFlagServer();
    await commands.restartFlagServer({ key: 'another-key-0123456789' }); // this page's key refused for a while
    await timers.fire();
    expect(events.at(-1)).toMatchObject({ type: ProviderEvents.Error, details: { message: expect.stringContaining('answered 401') } });
    expect(localStorage.getItem('kept')).toBeNull();
    await commands.stopFlagServer();
    await commands.restartFlagServer({}); // taken again
    await timers.fire();
    expect(events.at(-1)?.type).toBe(ProviderEvents.Ready);
    expect(localStorage.getItem('kept')).toBe(stored);
  });

  it('a page restored from storage stops saying CACHED once the server answers, even with the same flags', async () => {
    const first = await start({ persist: 'same-flags', transport: 'poll' });
    expect(first.client.getStringDetails('banner', '').reason).toBe('STATIC');
    await first.provider.onClose();
    const timers = new ManualTimers();
    const second = await start({ persist: 'same-flags', transport: 'poll', pollIntervalMs: 1000, timers });
    await waitFor(() => second.client.getStringDetails('banner', '').reason === 'STATIC', 'fresh (the same document)');
  });

  it('closes the stream while the page is hidden and catches up with the exact keys when shown', async () => {
    const timers = new ManualTimers();
    const { client, events } = await start({ timers });
    await waitFor(async () => (await commands.openStreams()) === 1, 'the stream');
    setVisibility('hidden');
    await waitFor(async () => (await commands.openStreams()) === 0, 'the stream closed');
    expect(timers.pending()).toEqual([]); // no fallback poll or reconnect armed: nothing can deliver while hidden
    await commands.setFlags(doc('on', 'bye'));
    await timers.advance(60_000);
    expect(client.getStringValue('banner', '')).toBe('hello');
    expect(events.filter((e) => e.type === ProviderEvents.ConfigurationChanged)).toEqual([]);
    setVisibility('visible');
    await waitFor(() => client.getStringValue('banner', '') === 'bye', 'the catch-up on visible');
    expect(events.find((e) => e.type === ProviderEvents.ConfigurationChanged)?.details?.flagsChanged?.sort()).toEqual(['banner', 'new-checkout']);
    expect(events.filter((e) => e.type === ProviderEvents.Stale)).toEqual([]);
    expect(await commands.openStreams()).toBe(1);
  });
});
