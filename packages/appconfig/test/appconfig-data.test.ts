import { extensionOperators, SyncEngine, type Issue, type Snapshot, type SourceProblem, type SourceStatus, type SyncListener } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@switchyard/test-utils';
import { AppConfigDataSource, type AppConfigDataSourceOptions } from '../src/index.js';
import { AppConfigDataServer, type ProtocolServerOptions } from '@switchyard/test-utils/node';

const APP = 'shop';
const ENV = 'prod';
const PROFILE = 'flags';
const v1 = JSON.stringify({ checkout: { enabled: true, max_items: 5 }, kill: { enabled: false } });
const v2 = JSON.stringify({ checkout: { enabled: true, max_items: 9 }, kill: { enabled: false } });

/** What a provider sees: the real core sync engine driven by the real AWS SDK client. */
class Recorder implements SyncListener {
  changes: string[][] = [];
  rejections: Issue[][] = [];
  changed(_snapshot: Snapshot, keys: readonly string[]): void {
    this.changes.push([...keys]);
  }
  status(_status: SourceStatus, problem?: SourceProblem): void {
    if (problem?.issues) this.rejections.push([...problem.issues]);
  }
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function setup(serverOptions: ProtocolServerOptions = {}, sourceOptions: Partial<AppConfigDataSourceOptions> = {}) {
  const server = await new AppConfigDataServer(serverOptions).start();
  server.deploy(APP, ENV, PROFILE, v1);
  const source = new AppConfigDataSource({
    application: APP,
    environment: ENV,
    profile: PROFILE,
    clientConfig: { region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' } },
    backoff: { initialMs: 20, maxMs: 100 },
    ...sourceOptions,
  });
  const recorder = new Recorder();
  const engine = new SyncEngine(source, { staleAfterMs: 60_000, operators: extensionOperators });
  engine.listen(recorder);
  cleanup.push(async () => {
    await engine.stop();
    await server.stop();
  });
  engine.start();
  await engine.ready;
  const value = () => engine.store.snapshot!.resolveNumberEvaluation('checkout.max_items', -1).value;
  return { server, source, engine, recorder, value };
}

describe('AppConfigData source through the real AWS SDK client', () => {
  it('starts one session, chains single-use tokens, treats empty bodies as unchanged and applies a new version', async () => {
    const { server, recorder, value, source } = await setup();
    expect(value()).toBe(5);
    // The server counts a poll when it answers; the source records it a moment later.
    await waitFor(() => server.count('get', 200) >= 4 && source.outcomes.length >= 4, 'a few polls');
    expect(source.outcomes.slice(0, 4)).toEqual(['configuration', 'unchanged', 'unchanged', 'unchanged']);
    server.deploy(APP, ENV, PROFILE, v2);
    await waitFor(() => value() === 9, 'the new version');
    expect(recorder.changes.at(-1)!.sort()).toEqual(['checkout.$value', 'checkout.max_items']);
    expect(server.count('start')).toBe(1);
    // Every token was used once: a reused or unknown one would have been a 400 Corrupted.
    expect(server.count('get', 400)).toBe(0);
  });

  it('obeys the interval the server returns: no "Request too early" across many polls', async () => {
    const { server } = await setup({ intervalSeconds: 1 });
    await waitFor(() => server.count('get', 200) >= 3, 'three polls', 6000);
    expect(server.count('get', 400, 'PollIntervalNotSatisfied')).toBe(0);
  });

  it('waits and retries with the same token when AppConfig says "Request too early"', async () => {
    // The server advertises 1 s but enforces 1.5 s, as when clocks disagree.
    const { server, source } = await setup({ intervalSeconds: 1, enforcedIntervalMs: 1500 });
    await waitFor(() => server.count('get', 200) >= 2, 'a poll after the too-early one', 8000);
    expect(source.outcomes).toContain('too-early');
    expect(server.count('start')).toBe(1); // the token was still good: no new session
    expect(server.count('get', 400, 'Corrupted')).toBe(0);
  });

  it('starts a new session when a token has expired, and keeps serving meanwhile', async () => {
    const { server, source, value } = await setup({ tokenTtlMs: 150, intervalSeconds: 1 });
    await waitFor(() => server.count('start') >= 2, 'a second session', 6000);
    expect(server.count('get', 400, 'Expired')).toBeGreaterThanOrEqual(1);
    expect(source.outcomes).toContain('new-session');
    expect(value()).toBe(5);
  });

  it('starts a new session on a corrupted token', async () => {
    const { server } = await setup();
    await waitFor(() => server.count('get', 200) >= 2, 'polling');
    for (const token of server.tokens.values()) token.used = true; // every outstanding token is now spent
    await waitFor(() => server.count('start') >= 2, 'a new session');
    expect(server.count('get', 400, 'Corrupted')).toBeGreaterThanOrEqual(1);
  });

  it('renews the session before the 24-hour limit without any error', async () => {
    const { server } = await setup({}, { sessionMaxAgeMs: 100 });
    await waitFor(() => server.count('start') >= 3, 'renewed sessions');
    expect(server.log.filter((e) => e.status >= 400)).toEqual([]);
  });

  it('backs off through a burst of 429s and 500s, reports the source unreachable, then recovers', async () => {
    const { server, source, engine, value } = await setup();
    server.faults.push('throttle', 'throttle', 'throttle', 'internal', 'internal');
    server.deploy(APP, ENV, PROFILE, v2);
    await waitFor(() => value() === 9, 'recovery with the new version');
    expect(server.count('get', 429)).toBe(3);
    expect(server.count('get', 500)).toBe(2);
    expect(source.outcomes.filter((o) => o === 'failed')).toHaveLength(5);
    expect(engine.lastProblem?.message).toMatch(/^appconfig:shop\/prod\/flags: (ThrottlingException|InternalServerException)/);
  });

  it('abandons a slow response after the timeout and retries', async () => {
    const { server, source, value } = await setup({}, { timeoutMs: 200 });
    server.faults.push({ slowMs: 1500 });
    server.deploy(APP, ENV, PROFILE, v2);
    await waitFor(() => value() === 9, 'the version after the slow answer', 6000);
    expect(source.outcomes).toContain('failed');
  });

  it('rejects an invalid configuration whole and keeps serving the last good one', async () => {
    const { server, recorder, value } = await setup();
    server.deploy(APP, ENV, PROFILE, '{"checkout": {"enabled": tru');
    await waitFor(() => recorder.rejections.length > 0, 'the rejection');
    expect(recorder.rejections[0][0].message).toMatch(/^not valid JSON/);
    expect(value()).toBe(5);
    server.deploy(APP, ENV, PROFILE, JSON.stringify({ checkout: { enabled: 'yes' } }));
    await waitFor(() => recorder.rejections.length > 1, 'the second rejection');
    expect(recorder.rejections[1]).toEqual([{ path: 'checkout.enabled', message: 'must be true or false' }]);
    server.deploy(APP, ENV, PROFILE, v2);
    await waitFor(() => value() === 9, 'the next good version');
  });

  it('accepts an empty profile ({}) as no flags', async () => {
    const { server, engine } = await setup();
    server.deploy(APP, ENV, PROFILE, '{}');
    await waitFor(() => engine.store.snapshot!.flags.size === 0, 'the empty configuration');
  });

  it('reports a missing profile clearly', async () => {
    const server = await new AppConfigDataServer().start();
    cleanup.push(() => server.stop());
    const source = new AppConfigDataSource({
      application: APP,
      environment: ENV,
      profile: 'nope',
      clientConfig: { region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'x' } },
      backoff: { initialMs: 1000, maxMs: 1000 },
    });
    const errors: Error[] = [];
    await source.start({ payload: () => undefined, reachable: () => undefined, unreachable: (e) => errors.push(e) });
    source.stop();
    expect(errors[0].message).toBe('appconfig:shop/prod/nope: ResourceNotFoundException: Profile nope not found');
  });
});
