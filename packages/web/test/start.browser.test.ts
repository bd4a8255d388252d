import { OpenFeature, ProviderEvents, ProviderFatalError, ProviderStatus } from '@openfeature/web-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { ManualTimers, waitFor } from '@switchyard/test-utils';
import { SwitchyardOfrepProvider, SwitchyardWebProvider } from '../src/index.js';

declare module 'vitest/browser' {
  interface BrowserCommands {
    startFlagServer(doc: unknown, options?: { cors?: boolean; keys?: boolean }): Promise<string>;
    stopFlagServer(): Promise<void>;
    freezeFlagServer(): Promise<void>;
    thawFlagServer(): Promise<void>;
    heldConnections(): Promise<number>;
    dropConnections(n: number): Promise<void>;
  }
}

// How a page starts, in real Chromium against a real Switchyard server: the documented flow reads real
// values on its first read, and a start that cannot succeed (a wrong key, a refused origin) fails at
// once with what to fix.
const doc = {
  flags: {
    'new-checkout': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      metadata: { clientSide: true },
      targeting: { if: [{ ends_with: [{ var: 'email' }, '@staff.example'] }, 'on', null] },
    },
  },
};
const HOUR = 3_600_000;
const user = { targetingKey: 'user-1', email: 'ada@staff.example' };

let url = '';
let domains = 0;
beforeEach(async () => {
  localStorage.clear();
  url = await commands.startFlagServer(doc);
});
afterEach(async () => {
  await OpenFeature.clearProviders();
  await OpenFeature.setContext({});
  await commands.stopFlagServer();
});

/** A provider set on its own domain and awaited; resolves with the failure, if any. */
async function failedStart(provider: SwitchyardWebProvider | SwitchyardOfrepProvider) {
  const domain = `start-${++domains}`;
  const failure = await OpenFeature.setProviderAndWait(domain, provider).catch((e: Error) => e);
  return { failure: failure as Error | undefined, status: OpenFeature.getClient(domain).providerStatus };
}

describe('the documented page flow reads real values on the first read', () => {
  it('setProvider (not awaited), then await setContext: the first read is the targeted value', async () => {
    OpenFeature.setProvider(new SwitchyardWebProvider({ url, key: 'client-key' }));
    await OpenFeature.setContext(user);
    const client = OpenFeature.getClient();
    expect(client.getBooleanDetails('new-checkout', false)).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH' });
    await OpenFeature.setContext({ targetingKey: 'user-2', email: 'grace@example.com' });
    expect(client.getBooleanDetails('new-checkout', true)).toMatchObject({ value: false, variant: 'off', reason: 'DEFAULT' });
  });

  it('await setProviderAndWait, then read: the real value', async () => {
    await OpenFeature.setContext(user);
    await OpenFeature.setProviderAndWait(new SwitchyardWebProvider({ url, key: 'client-key' }));
    expect(OpenFeature.getClient().getBooleanDetails('new-checkout', false)).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
  });

  it('the OFREP provider keeps the same promise', async () => {
    OpenFeature.setProvider(new SwitchyardOfrepProvider({ url, key: 'client-key' }));
    await OpenFeature.setContext(user);
    expect(OpenFeature.getClient().getBooleanDetails('new-checkout', false)).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
  });

  it('never claims READY before the first definitions: while the server holds the request, the SDK waits', async () => {
    await commands.freezeFlagServer();
    OpenFeature.setProvider(new SwitchyardWebProvider({ url, key: 'client-key' }));
    const contextSet = OpenFeature.setContext(user);
    const client = OpenFeature.getClient();
    const ready: string[] = [];
    client.addHandler(ProviderEvents.Ready, () => ready.push('READY')); // runs at once if the SDK says READY already
    await waitFor(async () => (await commands.heldConnections()) > 0, 'the provider waiting on the server');
    expect(client.providerStatus).toBe(ProviderStatus.RECONCILING);
    expect(ready).toEqual([]);
    expect(client.getBooleanDetails('new-checkout', false)).toMatchObject({ value: false, errorCode: 'PROVIDER_NOT_READY' });
    await commands.thawFlagServer();
    await contextSet;
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(client.getBooleanDetails('new-checkout', false)).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
  });
});

describe('a start that cannot succeed fails at once, with what to fix', () => {
  it('a wrong key: PROVIDER_FATAL with the server\'s reason (and no CORS hint: the server answered), though initTimeoutMs is an hour', async () => {
    for (const provider of [new SwitchyardWebProvider({ url, key: 'wrong-key', initTimeoutMs: HOUR }), new SwitchyardOfrepProvider({ url, key: 'wrong-key', initTimeoutMs: HOUR })]) {
      const { failure, status } = await failedStart(provider);
      expect(failure).toBeInstanceOf(ProviderFatalError);
      expect(failure?.message).toMatch(/answered 401: invalid API key$/);
      expect(status).toBe(ProviderStatus.FATAL);
    }
  });

  it('an unknown environment on an open server: its 404 and reason', async () => {
    url = await commands.startFlagServer(doc, { keys: false });
    const { failure } = await failedStart(new SwitchyardWebProvider({ url, env: 'prdo', transport: 'poll', initTimeoutMs: HOUR }));
    expect(failure?.message).toMatch(/answered 404: no environment "prdo"$/);
  });

  it('a server that refuses this page\'s origin (no --cors): says so, and how to start it, at once', async () => {
    url = await commands.startFlagServer(doc, { cors: false });
    for (const provider of [new SwitchyardWebProvider({ url, key: 'client-key', initTimeoutMs: HOUR }), new SwitchyardOfrepProvider({ url, key: 'client-key', initTimeoutMs: HOUR })]) {
      const { failure, status } = await failedStart(provider);
      expect(failure).toBeInstanceOf(ProviderFatalError);
      expect(failure?.message).toContain(`cannot reach ${url}/`);
      expect(failure?.message).toContain(`(CORS: the server refuses this page's origin; start \`switchyard serve\` with \`--cors ${location.origin}\`)`);
      expect(status).toBe(ProviderStatus.FATAL);
    }
  });

  it('a server that is down is not called a CORS refusal: it may just be down, and the start waits for it', async () => {
    await commands.stopFlagServer();
    const timers = new ManualTimers();
    const provider = new SwitchyardWebProvider({ url, key: 'client-key', transport: 'poll', timers, initTimeoutMs: 1, staleAfterMs: 777_777 });
    const start = failedStart(provider);
    // The stale timer is armed by the first failure, once its message is made: proof it was recorded.
    await waitFor(() => timers.pending().includes(777_777), 'the first failure');
    await timers.advance(1);
    const { failure, status } = await start;
    expect(failure?.message).toMatch(new RegExp(`cannot reach ${url}/v1/flags: Failed to fetch \\(no answer at all: is the server running\\?\\)$`));
    expect(failure?.message).not.toContain('--cors');
    expect(status).toBe(ProviderStatus.ERROR); // not FATAL: a server that comes back is picked up
    await provider.onClose();
  });

  it('a dropped connection to a server that allows this origin is no CORS refusal: the start goes on, and the next attempt succeeds', async () => {
    await commands.dropConnections(1);
    const timers = new ManualTimers();
    const provider = new SwitchyardWebProvider({ url, key: 'client-key', transport: 'poll', timers, initTimeoutMs: HOUR, staleAfterMs: 777_777 });
    const start = failedStart(provider);
    await waitFor(() => timers.pending().includes(777_777), 'the first failure');
    await timers.advance(1000); // the first backoff is under a second
    const { failure, status } = await start;
    expect(failure).toBeUndefined();
    expect(status).toBe(ProviderStatus.READY);
  });

  it('a URL without a scheme fails at construction, with the URL to write instead', () => {
    expect(() => new SwitchyardWebProvider({ url: 'localhost:8013' })).toThrow(ProviderFatalError);
    expect(() => new SwitchyardWebProvider({ url: 'localhost:8013' })).toThrow('invalid Switchyard web provider options: url "localhost:8013" has no scheme: use "http://localhost:8013"');
    expect(() => new SwitchyardOfrepProvider({ url: 'flags.example.com' })).toThrow('url "flags.example.com" has no scheme: use "https://flags.example.com"');
  });
});
