import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppConfigDataServer } from '@switchyard/test-utils/node';
import { SseClient, waitFor } from '@switchyard/test-utils/node';
import { BIN, cli, EXAMPLES, file } from './helpers.js';

const EXAMPLE = join(EXAMPLES, 'appconfig', 'flags.json');
const CASES = join(EXAMPLES, 'appconfig', 'cases.jsonl');

describe('switchyard validate / evaluate with AppConfig files', () => {
  it('detects the hosted format and validates it', async () => {
    expect(await cli('validate', EXAMPLE)).toMatchObject({ code: 0, stdout: `${EXAMPLE}: valid appconfig-hosted, 3 AppConfig flags (9 OpenFeature flag keys)\n` });
    expect(await cli('validate', file('retrieval.json', { a: { enabled: true, n: 1 }, b: { enabled: false } }))).toMatchObject({ code: 0, stdout: expect.stringContaining('valid appconfig-retrieval, 2 AppConfig flags') });
  });

  it('reports every problem in an AppConfig change before it is deployed, with paths and rule columns', async () => {
    const bad = file('bad.json', {
      version: '1',
      flags: { checkout: { name: 'C', attributes: { layout: { constraints: { type: 'string', enum: ['a', 'b'] } } } } },
      values: { checkout: { _variants: [{ name: 'X', enabled: true, rule: '(eq $plan pro)', attributeValues: { layout: 'c' } }, { name: 'D', enabled: false }] } },
    });
    const r = await cli('validate', bad);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').slice(1, 3)).toEqual([
      '  values.checkout._variants[0].rule: column 11: unknown value "pro" (strings need double quotes, context keys a leading $)',
      '  values.checkout._variants[0].attributeValues.layout: "c" is not one of "a", "b"',
    ]);
  });

  it('--format forces a reading', async () => {
    const r = await cli('validate', EXAMPLE, '--format', 'flagd');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('flags.ui_refresh: missing required property "variants"');
    expect((await cli('validate', EXAMPLE, '--format', 'yaml')).code).toBe(2);
  });

  it('evaluates a batch of cases against an AppConfig file', async () => {
    const r = await cli('evaluate', EXAMPLE, '--batch', CASES);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.flagKey, l.value, l.variant, l.reason])).toEqual([
      ['ui_refresh', true, 'enabled', 'STATIC'],
      ['ui_refresh.max_items', 25, 'enabled', 'STATIC'],
      ['ui_refresh.$value', { enabled: true, dark_mode_support: true, max_items: 25 }, 'enabled', 'STATIC'],
      ['emergency_shutoff_switch', false, 'disabled', 'STATIC'],
      ['checkout', true, 'Staff', 'TARGETING_MATCH'],
      ['checkout.layout', 'one-page', 'Staff', 'TARGETING_MATCH'],
      ['checkout', false, 'Default', 'DEFAULT'],
    ]);
  });

  it('evaluates the opt-in rollout with --rollout-attribute', async () => {
    const f = file('rollout.json', { search: { enabled: true, pct: 100 } });
    const on = await cli('evaluate', f, '--flag', 'search', '--context', '{"targetingKey":"u1"}', '--rollout-attribute', 'pct');
    expect(JSON.parse(on.stdout)).toMatchObject({ value: true, variant: 'rollout' });
    const noKey = await cli('evaluate', f, '--flag', 'search', '--rollout-attribute', 'pct');
    expect(JSON.parse(noKey.stdout)).toMatchObject({ value: false, variant: 'holdout' });
  });
});

describe('switchyard serve appconfig:APP/ENV/PROFILE', () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it('re-serves AppConfig flags as a flagd document over ETag and SSE, streaming each deployment', async () => {
    const aws = await new AppConfigDataServer().start();
    stops.push(() => aws.stop());
    aws.deploy('shop', 'prod', 'flags', JSON.stringify({ kill: { enabled: false }, banner: { enabled: true, text: 'hello' } }));
    const child = spawn(process.execPath, [BIN, 'serve', 'prod=appconfig:shop/prod/flags', '--port', '0', '--store', 'memory', '--region', 'us-east-1', '--appconfig-endpoint', aws.url], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST', AWS_SECRET_ACCESS_KEY: 'local', AWS_PROFILE: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    stops.push(async () => {
      child.kill('SIGTERM');
      await exited;
    });
    await waitFor(() => out.includes('listening on'), 'the banner', 10_000);
    expect(out).toMatch(/serving prod \(5 flags\)/);
    const url = out.match(/http:\/\/127\.0\.0\.1:\d+/)![0];

    const res = await fetch(`${url}/v1/flags?env=prod`);
    const etag = res.headers.get('etag')!;
    const doc = await res.json();
    expect(Object.keys(doc.flags).sort()).toEqual(['banner', 'banner.$value', 'banner.text', 'kill', 'kill.$value']);
    expect((await fetch(`${url}/v1/flags?env=prod`, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    const ofrep = await (await fetch(`${url}/ofrep/v1/evaluate/flags/banner.text?env=prod`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"context":{}}' })).json();
    expect(ofrep).toMatchObject({ key: 'banner.text', value: 'hello' });

    const stream = new SseClient(`${url}/v1/stream?env=prod`);
    stops.push(async () => stream.close());
    expect((await stream.next(1))[0].event).toBe('snapshot');
    aws.deploy('shop', 'prod', 'flags', JSON.stringify({ kill: { enabled: true }, banner: { enabled: true, text: 'hello' } }));
    const [, change] = await stream.next(2, 'the change event');
    expect(change.event).toBe('change');
    expect(JSON.parse(change.data).changed.sort()).toEqual(['kill', 'kill.$value']);
  });
});
