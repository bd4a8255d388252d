import { afterEach, describe, expect, it } from 'vitest';
import type { AppConfigDataSourceOptions } from '../src/index.js';
import type { ProtocolServerOptions } from '@switchyard/test-utils/node';
import { CONFIG as config, startPolledSource } from './polled-source.js';

// The poll loop step by step on an injected clock, through the real AWS SDK client and a local
// AppConfigData server: which delay follows each answer, and what is (not) reported.
const INTERVAL_S = 15;

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function setup(serverOptions: ProtocolServerOptions = {}, sourceOptions: Partial<AppConfigDataSourceOptions> = {}) {
  const polled = await startPolledSource(INTERVAL_S * 1000, serverOptions, sourceOptions);
  cleanup.push(polled.stop);
  return polled;
}

describe('AppConfigDataSource polling on an injected clock', () => {
  it('waits the interval AppConfig returns, and renews the session by that clock', async () => {
    const { server, source, timers, payloads } = await setup({}, { sessionMaxAgeMs: 20_000 });
    expect(timers.pending()).toEqual([INTERVAL_S * 1000]);
    expect(await timers.fire()).toBe(INTERVAL_S * 1000); // t = 15 s: same session
    expect(server.count('start')).toBe(1);
    expect(await timers.fire()).toBe(INTERVAL_S * 1000); // t = 30 s: the session is past 20 s
    expect(server.count('start')).toBe(2);
    expect(source.outcomes).toEqual(['configuration', 'unchanged', 'configuration']);
    expect(payloads).toEqual([config, config]); // a new session gets the configuration again
    expect(server.log.filter((e) => e.status >= 400)).toEqual([]);
  });

  it('"Request too early" waits the interval again with the same token, and is not reported', async () => {
    const { server, source, timers, errors } = await setup({ enforcedIntervalMs: 3_600_000 });
    expect(await timers.fire()).toBe(INTERVAL_S * 1000);
    expect(source.outcomes).toEqual(['configuration', 'too-early']);
    server.options.enforcedIntervalMs = 0;
    expect(await timers.fire()).toBe(INTERVAL_S * 1000);
    expect(source.outcomes.at(-1)).toBe('unchanged');
    expect(server.count('start')).toBe(1); // the token was not spent: no new session, no Corrupted
    expect(server.count('get', 400, 'Corrupted')).toBe(0);
    expect(errors).toEqual([]);
  });

  it('an expired token starts a new session at once; if that keeps happening it backs off and reports it (so it can go stale)', async () => {
    const { server, source, timers, errors } = await setup();
    server.faults.push('expire-token');
    expect(await timers.fire()).toBe(INTERVAL_S * 1000); // renewed within the same poll
    expect(server.count('start')).toBe(2);
    expect(source.outcomes).toEqual(['configuration', 'new-session', 'configuration']);

    server.faults.push('expire-token', 'expire-token', 'expire-token');
    expect(await timers.fire()).toBe(500); // expired, renewed, expired again: backoff (0.5 × 1 s)
    expect(await timers.fire()).toBe(1000); // a new session, expired again: 0.5 × 2 s
    expect(await timers.fire()).toBe(INTERVAL_S * 1000);
    expect(server.count('start')).toBe(5);
    expect(source.outcomes.slice(3)).toEqual(['new-session', 'new-session', 'new-session', 'configuration']);
    expect(errors).toHaveLength(2);
    for (const error of errors) expect(error).toMatch(/token Expired again after a new session/);
  });

  it('reports throttling and server errors, backs off, and returns to the interval', async () => {
    const { server, source, timers, errors } = await setup();
    server.faults.push('throttle', 'internal');
    expect(await timers.fire()).toBe(500);
    expect(await timers.fire()).toBe(1000);
    expect(await timers.fire()).toBe(INTERVAL_S * 1000);
    expect(source.outcomes).toEqual(['configuration', 'failed', 'failed', 'unchanged']);
    expect(errors).toEqual(['appconfig:shop/prod/flags: ThrottlingException: Rate exceeded', 'appconfig:shop/prod/flags: InternalServerException: We encountered an internal error']);
    expect(server.count('start')).toBe(1);
  });
});
