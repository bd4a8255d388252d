import { OpenFeature, ProviderEvents, type EventDetails } from '@openfeature/server-sdk';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppConfigDataSource, formatTranslator } from '@switchyard/appconfig';
import { AppConfigDataServer, tempDir, waitFor, writeAtomically } from '@switchyard/test-utils/node';
import { SwitchyardProvider, type SwitchyardProviderOptions } from '../src/index.js';

// @switchyard/node does not depend on @switchyard/appconfig: its sources and translators are passed in.

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

let domains = 0;
async function client(options: SwitchyardProviderOptions) {
  const domain = `appconfig-${++domains}`;
  const events: { type: string; details?: EventDetails }[] = [];
  const c = OpenFeature.getClient(domain);
  c.addHandler(ProviderEvents.ConfigurationChanged, (details) => events.push({ type: 'changed', details }));
  cleanup.push(() => OpenFeature.clearProviders());
  await OpenFeature.setProviderAndWait(domain, new SwitchyardProvider(options));
  return { client: c, events };
}

/** A hosted document: `checkout` has a 25% split for everyone and a rule for staff first. */
const hosted = (pct: number) => ({
  version: '1',
  flags: { checkout: { name: 'Checkout', attributes: { layout: { constraints: { type: 'string', enum: ['one-page', 'classic'] } } } }, kill: { name: 'Kill switch' } },
  values: {
    checkout: {
      _variants: [
        { name: 'Staff', enabled: true, rule: '(ends_with $email "@shop.example")', attributeValues: { layout: 'one-page' } },
        { name: 'Rollout', enabled: true, rule: `(split pct::${pct} by::$targetingKey)`, attributeValues: { layout: 'one-page' } },
        { name: 'Default', enabled: false },
      ],
    },
    kill: { enabled: false },
  },
});

describe('Node provider with AWS AppConfig', () => {
  it('reads AppConfigData through the real SDK, evaluates per user, and names the changed flags', async () => {
    const server = await new AppConfigDataServer().start();
    cleanup.push(() => server.stop());
    // A freeform profile holding the hosted format: the rules come along, so variants are chosen per user in process.
    server.deploy('shop', 'prod', 'flags', JSON.stringify(hosted(25)));
    const { client: c, events } = await client({
      source: new AppConfigDataSource({
        application: 'shop',
        environment: 'prod',
        profile: 'flags',
        clientConfig: { region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local' } },
      }),
    });
    expect(await c.getBooleanDetails('checkout', false, { targetingKey: 'u1', email: 'ada@shop.example' })).toMatchObject({ value: true, variant: 'Staff', reason: 'TARGETING_MATCH' });
    expect(await c.getStringValue('checkout.layout', 'classic', { targetingKey: 'u1', email: 'ada@shop.example' })).toBe('one-page');
    const users = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
    const inRollout = async () => {
      const on = [];
      for (const targetingKey of users) if (await c.getBooleanValue('checkout', false, { targetingKey })) on.push(targetingKey);
      return on;
    };
    const at25 = await inRollout();
    expect(at25.length / users.length).toBeCloseTo(0.25, 1);

    server.deploy('shop', 'prod', 'flags', JSON.stringify(hosted(50)));
    await waitFor(() => events.length > 0, 'CONFIGURATION_CHANGED');
    expect(events[0].details!.flagsChanged!.sort()).toEqual(['checkout', 'checkout.$value', 'checkout.layout']);
    const at50 = new Set(await inRollout());
    expect(at50.size / users.length).toBeCloseTo(0.5, 1);
    expect(at25.every((u) => at50.has(u))).toBe(true); // nobody who had it loses it
  });

  it('reads an AppConfig hosted file, validated and watched like a flagd file', async () => {
    const file = join(tempDir(), 'appconfig.json');
    writeFileSync(file, JSON.stringify(hosted(0)));
    const { client: c, events } = await client({ source: { type: 'file', path: file, translate: formatTranslator('auto') } });
    expect(await c.getBooleanValue('checkout', true, { targetingKey: 'u1' })).toBe(false);
    writeAtomically(file, { ...hosted(0), values: { ...hosted(0).values, kill: { enabled: true } } });
    await waitFor(() => events.length > 0, 'the change');
    expect(events[0].details!.flagsChanged!.sort()).toEqual(['kill', 'kill.$value']);
    expect(await c.getBooleanValue('kill', false)).toBe(true);
  });

  it('opts in to a sticky percentage rollout for simple flags with a percentage attribute', async () => {
    const file = join(tempDir(), 'retrieval.json');
    writeFileSync(file, JSON.stringify({ new_search: { enabled: true, rollout_pct: 30 } }));
    const { client: c } = await client({ source: { type: 'file', path: file, translate: formatTranslator('auto', { rolloutAttribute: 'rollout_pct' }) } });
    const first = await c.getBooleanValue('new_search', false, { targetingKey: 'sticky-user-7' });
    for (let i = 0; i < 20; i++) expect(await c.getBooleanValue('new_search', !first, { targetingKey: 'sticky-user-7' })).toBe(first);
  });
});
