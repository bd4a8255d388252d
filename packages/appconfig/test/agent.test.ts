import { createServer, type IncomingMessage, type Server } from 'node:http';
import { extensionOperators, SnapshotStore } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@switchyard/test-utils';
import { AgentSource, type AgentSourceOptions } from '../src/index.js';
import { closeServer, listenOnLoopback } from '@switchyard/test-utils/node';
import { ManualTimers } from '@switchyard/test-utils';

/**
 * A local server speaking the AppConfig Agent protocol: the configuration path, `?flag=` selection,
 * optional bearer token, `Context: k=v` headers for its own multi-variant evaluation (adding
 * `_variant`), and text error bodies. Faults are queued as status codes.
 */
class AgentServer {
  private server!: Server;
  url = '';
  token?: string;
  faults: number[] = [];
  requests: { url: string; context: string | undefined; auth: string | undefined }[] = [];
  flags: Record<string, Record<string, unknown>> = {
    checkout: { enabled: true, max_items: 5 },
    search: { enabled: false },
    banner: { enabled: true, text: 'hi' },
  };

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://agent');
      this.requests.push({ url: req.url!, context: header(req, 'context'), auth: header(req, 'authorization') });
      const text = (status: number, body: string) => {
        res.writeHead(status, { 'Content-Type': 'text/plain' });
        res.end(body);
      };
      const fault = this.faults.shift();
      if (fault) return text(fault, fault === 502 ? 'Bad Gateway: AppConfig unreachable' : 'Gateway Timeout');
      if (this.token && req.headers.authorization !== `Bearer ${this.token}`) return text(401, 'Unauthorized');
      const m = /^\/applications\/([^/]+)\/environments\/([^/]+)\/configurations\/([^/]+)$/.exec(url.pathname);
      if (!m || m[1] !== 'shop' || m[2] !== 'prod' || m[3] !== 'flags') return text(404, 'Configuration profile not found');
      const wanted = url.searchParams.getAll('flag');
      const unknown = wanted.find((f) => !(f in this.flags));
      if (unknown) return text(400, `flag ${unknown} not found`);
      const context = Object.fromEntries((header(req, 'context') ?? '').split(',').filter(Boolean).map((kv) => kv.split('=')));
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(this.flags)) {
        if (wanted.length > 0 && !wanted.includes(key)) continue;
        // The agent evaluates multi-variant flags for the request's context; here, banner is one.
        out[key] = key === 'banner' ? (context.tier === 'gold' ? { enabled: true, text: 'gold', _variant: 'Gold' } : { ...value, _variant: 'Default' }) : value;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(out));
    });
    this.url = await listenOnLoopback(this.server);
    return this;
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }
}

const header = (req: IncomingMessage, name: string) => req.headers[name] as string | undefined;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

/** Runs the source into a snapshot store with its translator, as the sync engine does, keeping every error. */
async function run(agent: AgentServer, options: Partial<AgentSourceOptions> = {}) {
  const source = new AgentSource({ url: agent.url, application: 'shop', environment: 'prod', profile: 'flags', pollIntervalMs: 30, backoff: { initialMs: 20, maxMs: 50 }, ...options });
  const store = new SnapshotStore({ translate: source.translate, operators: extensionOperators });
  const errors: Error[] = [];
  cleanup.push(async () => source.stop());
  await source.start({ payload: (p) => void store.apply(p), reachable: () => undefined, unreachable: (e) => void errors.push(e) });
  return { errors, snapshot: () => store.snapshot };
}

describe('AppConfig Agent source', () => {
  it('reads the configuration path, selects flags with ?flag=, and surfaces them through the core', async () => {
    const agent = await new AgentServer().start();
    cleanup.push(() => agent.stop());
    const snapshot = (await run(agent, { flags: ['checkout', 'search'] })).snapshot()!;
    expect(agent.requests[0].url).toBe('/applications/shop/environments/prod/configurations/flags?flag=checkout&flag=search');
    expect(snapshot.resolveNumberEvaluation('checkout.max_items', 0).value).toBe(5);
    expect(snapshot.resolveBooleanEvaluation('search', true).value).toBe(false);
    expect(snapshot.flags.has('banner')).toBe(false);
  });

  it('sends the bearer token and the context; the agent-chosen variant comes through', async () => {
    const agent = await new AgentServer().start();
    agent.token = 'agent-secret';
    cleanup.push(() => agent.stop());
    const snapshot = (await run(agent, { token: 'agent-secret', context: { tier: 'gold', region: 'eu' } })).snapshot()!;
    expect(agent.requests[0]).toMatchObject({ auth: 'Bearer agent-secret', context: 'tier=gold,region=eu' });
    expect(snapshot.resolveBooleanEvaluation('banner', false)).toMatchObject({ value: true, variant: 'Gold' });
    expect(snapshot.resolveStringEvaluation('banner.text', '').value).toBe('gold');
  });

  it('reports the agent\'s text errors, keeps the last good snapshot, and picks up changes after recovery', async () => {
    const agent = await new AgentServer().start();
    cleanup.push(() => agent.stop());
    const { errors, snapshot } = await run(agent);
    expect(snapshot()?.resolveNumberEvaluation('checkout.max_items', 0).value).toBe(5);
    agent.faults.push(502, 504, 502);
    agent.flags.checkout = { enabled: true, max_items: 8 };
    await waitFor(() => snapshot()?.resolveNumberEvaluation('checkout.max_items', 0).value === 8, 'the change after the outage');
    expect(errors.map((e) => e.message.replace(agent.url, 'AGENT'))).toEqual([
      'AGENT/applications/shop/environments/prod/configurations/flags answered 502: Bad Gateway: AppConfig unreachable',
      'AGENT/applications/shop/environments/prod/configurations/flags answered 504: Gateway Timeout',
      'AGENT/applications/shop/environments/prod/configurations/flags answered 502: Bad Gateway: AppConfig unreachable',
    ]);
  });

  it('polls every pollIntervalMs on the timers it is given', async () => {
    const agent = await new AgentServer().start();
    cleanup.push(() => agent.stop());
    const timers = new ManualTimers();
    await run(agent, { pollIntervalMs: 12_345, timers });
    expect(timers.pending()).toEqual([12_345]);
    expect(await timers.fire()).toBe(12_345);
    expect(agent.requests).toHaveLength(2);
  });

  it('a wrong token or profile is reported with the agent\'s words', async () => {
    const agent = await new AgentServer().start();
    agent.token = 'right';
    cleanup.push(() => agent.stop());
    const { errors } = await run(agent, { token: 'wrong' });
    await waitFor(() => errors.length > 0, 'an error');
    expect(errors[0].message).toMatch(/answered 401: Unauthorized$/);
    const other = await run(agent, { token: 'right', profile: 'missing' });
    await waitFor(() => other.errors.length > 0, 'an error');
    expect(other.errors[0].message).toMatch(/configurations\/missing answered 404: Configuration profile not found$/);
  });
});
