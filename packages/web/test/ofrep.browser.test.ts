import { OpenFeature, ProviderEvents, type EventDetails } from '@openfeature/web-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { ManualTimers, waitFor } from '@switchyard/test-utils';
import { SwitchyardOfrepProvider } from '../src/index.js';

// Definitions stay on the server: `pricing` is not clientSide, so a client key never receives its
// rules — only answers for its own context. `internal` is serverOnly: not even answers.
const doc = (discount: number) => ({
  flags: {
    pricing: {
      state: 'ENABLED',
      variants: { standard: 0, partner: discount },
      defaultVariant: 'standard',
      targeting: { if: [{ in: [{ var: 'company' }, ['acme', 'globex']] }, 'partner', null] },
    },
    internal: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on', metadata: { serverOnly: true } },
  },
});

let url = '';
let domains = 0;
beforeEach(async () => {
  localStorage.clear();
  url = await commands.startFlagServer(doc(20));
});
afterEach(async () => {
  await OpenFeature.clearProviders();
  await commands.stopFlagServer();
});

describe('SwitchyardOfrepProvider in Chromium: server-side evaluation, same provider API', () => {
  it('serves answers for the context, re-evaluates on a context change, and follows edits', async () => {
    const domain = `ofrep-${++domains}`;
    const client = OpenFeature.getClient(domain);
    const events: EventDetails[] = [];
    client.addHandler(ProviderEvents.ConfigurationChanged, (d) => events.push(d!));
    await OpenFeature.setContext(domain, { targetingKey: 'u1', company: 'initech' });
    await OpenFeature.setProviderAndWait(domain, new SwitchyardOfrepProvider({ url, key: 'client-key', pollIntervalMs: 100 }));

    expect(client.getNumberDetails('pricing', -1)).toMatchObject({ value: 0, variant: 'standard', reason: 'DEFAULT' });
    expect(client.getBooleanDetails('internal', false)).toMatchObject({ value: false, errorCode: 'FLAG_NOT_FOUND' });
    expect(client.getStringDetails('pricing', 'x')).toMatchObject({ value: 'x', errorCode: 'TYPE_MISMATCH' });

    await OpenFeature.setContext(domain, { targetingKey: 'u1', company: 'acme' });
    expect(client.getNumberDetails('pricing', -1)).toMatchObject({ value: 20, variant: 'partner', reason: 'TARGETING_MATCH' });

    await commands.setFlags(doc(35));
    await waitFor(() => events.length > 0, 'CONFIGURATION_CHANGED from polling');
    expect(events[0].flagsChanged).toEqual(['pricing']);
    expect(client.getNumberValue('pricing', -1)).toBe(35);
  });

  it('starts from answers persisted for the same context (CACHED), even with the server down', async () => {
    const context = { targetingKey: 'u9', company: 'globex' };
    const first = `ofrep-${++domains}`;
    await OpenFeature.setContext(first, context);
    await OpenFeature.setProviderAndWait(first, new SwitchyardOfrepProvider({ url, key: 'client-key', persist: 'answers' }));
    expect(OpenFeature.getClient(first).getNumberValue('pricing', -1)).toBe(20);
    await OpenFeature.clearProviders();
    await commands.stopFlagServer();

    const second = `ofrep-${++domains}`;
    await OpenFeature.setContext(second, context);
    await OpenFeature.setProviderAndWait(second, new SwitchyardOfrepProvider({ url, key: 'client-key', persist: 'answers' }));
    expect(OpenFeature.getClient(second).getNumberDetails('pricing', -1)).toMatchObject({ value: 20, reason: 'CACHED' });
  });

  it('ignores unreadable stored answers and fetches fresh ones (a cache never breaks start-up)', async () => {
    localStorage.setItem('answers', '{"context": "{}", "flags": [{"nope"');
    const domain = `ofrep-${++domains}`;
    await OpenFeature.setContext(domain, {});
    await OpenFeature.setProviderAndWait(domain, new SwitchyardOfrepProvider({ url, key: 'client-key', persist: 'answers' }));
    expect(OpenFeature.getClient(domain).getNumberDetails('pricing', -1)).toMatchObject({ value: 0, reason: 'DEFAULT' });
  });

  it('a passing refusal forgets the stored answers, and the next answer (a 304: the same answers) stores them again', async () => {
    const domain = `ofrep-${++domains}`;
    const client = OpenFeature.getClient(domain);
    const timers = new ManualTimers();
    await OpenFeature.setContext(domain, { targetingKey: 'u1', company: 'acme' });
    await OpenFeature.setProviderAndWait(domain, new SwitchyardOfrepProvider({ url, key: 'client-key', persist: 'answers', timers, staleAfterMs: 777_777 }));
    const stored = localStorage.getItem('answers');
    expect(stored).not.toBeNull();
    await commands.stopFlagServer();
    await commands.restartFlagServer({ key: 'another-key-0123456789' }); // this page's key refused for a while
    await timers.fire();
    expect(client.providerStatus).toBe('ERROR');
    expect(localStorage.getItem('answers')).toBeNull();
    await commands.stopFlagServer();
    await commands.restartFlagServer({}); // taken again
    await timers.fire();
    expect(client.providerStatus).toBe('READY');
    expect(localStorage.getItem('answers')).toBe(stored);
  });

  it('shares the status machine: STALE while the server is down, READY when it is back', async () => {
    const domain = `ofrep-${++domains}`;
    const client = OpenFeature.getClient(domain);
    const types: string[] = [];
    for (const type of [ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.Error]) client.addHandler(type, () => types.push(type));
    await OpenFeature.setProviderAndWait(domain, new SwitchyardOfrepProvider({ url, key: 'client-key', pollIntervalMs: 50, staleAfterMs: 100 }));
    await commands.stopFlagServer();
    await waitFor(() => client.providerStatus === 'STALE', 'STALE');
    expect(client.getNumberValue('pricing', -1)).toBe(0); // the last answers keep serving
    await commands.restartFlagServer();
    await waitFor(() => client.providerStatus === 'READY', 'READY again', 15_000);
    expect(types).toEqual([ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.Ready]);
  });

  it('a context change the server cannot answer is an ERROR, and answers for it bring READY and the changed keys', async () => {
    const domain = `ofrep-${++domains}`;
    const client = OpenFeature.getClient(domain);
    const events: { type: string; flags?: string[] }[] = [];
    for (const type of [ProviderEvents.Ready, ProviderEvents.Error, ProviderEvents.ConfigurationChanged]) client.addHandler(type, (d) => events.push({ type, flags: d?.flagsChanged }));
    await OpenFeature.setContext(domain, { targetingKey: 'u1', company: 'initech' });
    await OpenFeature.setProviderAndWait(domain, new SwitchyardOfrepProvider({ url, key: 'client-key', pollIntervalMs: 50 }));
    expect(client.getNumberValue('pricing', -1)).toBe(0);
    await commands.stopFlagServer();
    await OpenFeature.setContext(domain, { targetingKey: 'u1', company: 'acme' });
    expect(client.providerStatus).toBe('ERROR');
    await commands.restartFlagServer();
    await waitFor(() => client.providerStatus === 'READY', 'READY with answers for the new context', 15_000);
    expect(client.getNumberDetails('pricing', -1)).toMatchObject({ value: 20, variant: 'partner', reason: 'TARGETING_MATCH' });
    expect(events.find((e) => e.type === ProviderEvents.ConfigurationChanged)?.flags).toEqual(['pricing']);
  });
});
