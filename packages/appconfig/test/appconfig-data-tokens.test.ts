import { createServer, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppConfigDataSourceOptions } from '../src/index.js';
import type { AppConfigDataServer, ProtocolServerOptions } from '@switchyard/test-utils/node';
import { settle, type ManualTimers } from '@switchyard/test-utils';
import { CONFIG as config, startPolledSource } from './polled-source.js';

// What happens to a configuration token after each kind of failed poll, step by step on an injected
// clock, through the real AWS SDK client and a local AppConfigData server. Tokens are single-use: one
// AppConfig rejected starts a new session at once; one whose poll's outcome is unknown is never reused
// (the next attempt starts a session); one refused before it was looked at is kept.
const INTERVAL_MS = 15_000;
const v2 = JSON.stringify({ checkout: { enabled: false } });
const TIMED_OUT = 'cannot reach appconfig:shop/prod/flags: timed out after 5000 ms';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

async function setup(serverOptions: ProtocolServerOptions = {}, sourceOptions: Partial<AppConfigDataSourceOptions> = {}, endpoint?: (server: AppConfigDataServer) => Promise<string>) {
  const polled = await startPolledSource(INTERVAL_MS, serverOptions, { timeoutMs: 5000, ...sourceOptions }, endpoint);
  cleanup.push(polled.stop);
  const { server } = polled;
  /** No session was started after the first: every poll continued the first session's token chain. */
  const pollsWithSameSession = () => server.count('start') === 1;
  return { ...polled, pollsWithSameSession };
}

/** Resolves once the poller has scheduled its next attempt (the failure it follows has been handled). */
async function nextTimer(timers: ManualTimers): Promise<number[]> {
  for (let turn = 0; turn < 100 && timers.pending().length === 0; turn++) await settle(1);
  return timers.pending();
}

describe('a BadRequestException with only a Message (no Details.InvalidParameters)', () => {
  // AppConfig's documented problems are Expired, Corrupted and PollIntervalNotSatisfied; the structured
  // field is optional, so the message is read too: case-insensitive, and it must speak of the token.
  it.each([
    'The configuration token is expired. Please close the current session and open a new one.',
    'Token has expired',
    'Invalid ConfigurationToken',
    'ConfigurationToken is not valid',
    'The token is no longer valid',
    'Malformed configuration token',
    'TOKEN IS CORRUPTED',
    'Token has already been used',
    'configuration_token invalid',
  ])('"%s" starts a new session at once, unreported', async (message) => {
    const { server, source, timers, errors } = await setup();
    server.faults.push({ badRequest: message });
    expect(await timers.fire()).toBe(INTERVAL_MS); // rejected, renewed and polled within the same attempt
    expect(server.count('get', 400, 'Message')).toBe(1);
    expect(server.count('start')).toBe(2);
    expect(source.outcomes).toEqual(['configuration', 'new-session', 'configuration']);
    expect(errors).toEqual([]);
  });

  it('"Request too early" without details waits the interval with the same token', async () => {
    const { server, source, timers, errors, pollsWithSameSession } = await setup();
    server.faults.push({ badRequest: 'Request too early' });
    expect(await timers.fire()).toBe(INTERVAL_MS);
    expect(await timers.fire()).toBe(INTERVAL_MS);
    expect(source.outcomes).toEqual(['configuration', 'too-early', 'unchanged']); // same session: nothing new to send
    expect(pollsWithSameSession()).toBe(true);
    expect(server.reused).toEqual([]);
    expect(errors).toEqual([]);
  });

  it.each(['Something is wrong with the request', 'Invalid request'])(
    'an unrecognised one ("%s") is reported and backed off, and the token is not reused',
    async (message) => {
      const { server, source, timers, errors } = await setup();
      server.faults.push({ badRequest: message });
      expect(await timers.fire()).toBe(500); // no hot loop on an answer we do not understand
      expect(errors).toEqual([`appconfig:shop/prod/flags: BadRequestException: ${message}`]);
      expect(await timers.fire()).toBe(INTERVAL_MS);
      expect(server.count('start')).toBe(2);
      expect(source.outcomes).toEqual(['configuration', 'failed', 'configuration']);
    },
  );

  describe('from a server that never sends Details', () => {
    it('an expired token starts a new session; if that keeps happening it backs off and reports it (so it can go stale)', async () => {
      const { server, source, timers, errors } = await setup({ problemDetails: false });
      server.faults.push('expire-token');
      expect(await timers.fire()).toBe(INTERVAL_MS);
      expect(server.count('start')).toBe(2);
      expect(source.outcomes).toEqual(['configuration', 'new-session', 'configuration']);

      server.faults.push('expire-token', 'expire-token', 'expire-token');
      expect(await timers.fire()).toBe(500);
      expect(await timers.fire()).toBe(1000);
      expect(await timers.fire()).toBe(INTERVAL_MS);
      expect(server.count('start')).toBe(5);
      expect(source.outcomes.slice(3)).toEqual(['new-session', 'new-session', 'new-session', 'configuration']);
      expect(errors).toHaveLength(2);
      for (const error of errors) expect(error).toMatch(/token Expired again after a new session \(Token has expired\)/);
    });

    it('a spent token ("already been used") starts a new session at once', async () => {
      const { server, source, timers, errors } = await setup({ problemDetails: false });
      for (const token of server.tokens.values()) token.used = true;
      expect(await timers.fire()).toBe(INTERVAL_MS);
      expect(server.reused).toHaveLength(1);
      expect(server.count('start')).toBe(2);
      expect(source.outcomes).toEqual(['configuration', 'new-session', 'configuration']);
      expect(errors).toEqual([]);
    });

    it('"Request too early" keeps the token', async () => {
      const { server, source, timers } = await setup({ problemDetails: false, enforcedIntervalMs: 3_600_000 });
      expect(await timers.fire()).toBe(INTERVAL_MS);
      expect(source.outcomes).toEqual(['configuration', 'too-early']);
      server.options.enforcedIntervalMs = 0;
      expect(await timers.fire()).toBe(INTERVAL_MS);
      expect(source.outcomes.at(-1)).toBe('unchanged');
      expect(server.count('start')).toBe(1);
      expect(server.reused).toEqual([]);
    });
  });
});

describe('a poll whose outcome is unknown: its token is never reused', () => {
  it('timed out after AppConfig processed it: the next attempt starts a session and gets what the lost answer carried', async () => {
    const { server, source, timers, errors, payloads } = await setup();
    server.deploy('shop', 'prod', 'flags', v2);
    server.faults.push('hang'); // processed (v2 delivered into the session), the answer never arrives
    await timers.advance(INTERVAL_MS); // the poll goes out
    await server.untilHung();
    await timers.advance(5000); // the timeout
    expect(await nextTimer(timers)).toEqual([500]);
    expect(errors).toEqual([TIMED_OUT]);
    expect(await timers.fire()).toBe(INTERVAL_MS);
    expect(server.reused).toEqual([]); // with the old token the session would only have said "unchanged"
    expect(server.count('start')).toBe(2);
    expect(source.outcomes).toEqual(['configuration', 'failed', 'configuration']);
    expect(payloads).toEqual([config, v2]);
  });

  it('timed out before AppConfig looked at it: still a new session (the client cannot tell)', async () => {
    const { server, source, timers, errors } = await setup();
    server.faults.push('hang-before-use');
    await timers.advance(INTERVAL_MS);
    await server.untilHung();
    await timers.advance(5000);
    expect(await nextTimer(timers)).toEqual([500]);
    expect(errors).toEqual([TIMED_OUT]);
    expect(await timers.fire()).toBe(INTERVAL_MS);
    expect(server.count('start')).toBe(2);
    expect(source.outcomes).toEqual(['configuration', 'failed', 'configuration']);
  });

  it('repeated timeouts keep backing off, each retry on a new session, and recover', async () => {
    const { server, source, timers, errors } = await setup();
    server.faults.push('hang', 'hang');
    await timers.advance(INTERVAL_MS);
    await server.untilHung(1);
    await timers.advance(5000);
    expect(await nextTimer(timers)).toEqual([500]);
    await timers.advance(500); // the retry: a new session, whose first poll hangs too
    await server.untilHung(2);
    await timers.advance(5000);
    expect(await nextTimer(timers)).toEqual([1000]);
    expect(await timers.fire()).toBe(INTERVAL_MS);
    expect(errors).toEqual([TIMED_OUT, TIMED_OUT]);
    expect(server.count('start')).toBe(3);
    expect(server.reused).toEqual([]);
    expect(source.outcomes).toEqual(['configuration', 'failed', 'failed', 'configuration']);
  });

  it('cut after the request reached AppConfig (socket hang up): the next attempt starts a session', async () => {
    const { server, source, timers, errors, payloads } = await setup();
    server.deploy('shop', 'prod', 'flags', v2);
    server.faults.push('reset');
    expect(await timers.fire()).toBe(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^appconfig:shop\/prod\/flags: .*(socket hang up|ECONNRESET)/);
    expect(await timers.fire()).toBe(INTERVAL_MS);
    expect(server.reused).toEqual([]);
    expect(server.count('start')).toBe(2);
    expect(source.outcomes).toEqual(['configuration', 'failed', 'configuration']);
    expect(payloads).toEqual([config, v2]);
  });

  it('a 504 from a gateway (the service may have answered): the next attempt starts a session', async () => {
    const { server, source, timers, errors } = await setup();
    server.faults.push('gateway-timeout');
    expect(await timers.fire()).toBe(500);
    expect(errors).toHaveLength(1);
    expect(await timers.fire()).toBe(INTERVAL_MS);
    expect(server.reused).toEqual([]);
    expect(server.count('start')).toBe(2);
    expect(source.outcomes).toEqual(['configuration', 'failed', 'configuration']);
  });

  it('stopped while a poll was in flight, then started again: a new session, not the in-flight token', async () => {
    const { server, source, timers, sink, errors } = await setup();
    server.faults.push('hang');
    await timers.advance(INTERVAL_MS);
    await server.untilHung();
    source.stop(); // aborts the poll: its outcome is unknown
    await source.start(sink);
    expect(server.reused).toEqual([]);
    expect(server.count('start')).toBe(2);
    expect(source.outcomes).toEqual(['configuration', 'configuration']);
    expect(errors).toEqual([]); // a cancelled attempt is not a failure
    expect(timers.pending()).toEqual([INTERVAL_MS]);
  });
});

describe('a 404 for the session', () => {
  it('is reported, and the next attempt starts a session (only a new one can find a recreated environment)', async () => {
    const { server, source, timers, errors } = await setup();
    server.faults.push('not-found');
    expect(await timers.fire()).toBe(500);
    expect(errors).toEqual(['appconfig:shop/prod/flags: ResourceNotFoundException: Deployment not found']);
    expect(await timers.fire()).toBe(INTERVAL_MS);
    expect(server.count('start')).toBe(2);
  });
});

/** A TCP forwarder on a fixed port that can be shut (connections refused) and opened again. */
class Forwarder {
  port = 0;
  private server?: ReturnType<typeof createServer>;
  private readonly sockets = new Set<Socket>();
  constructor(private readonly target: number) {}

  async open(): Promise<string> {
    const server = (this.server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
        this.sockets.add(a);
        a.pipe(b);
        a.on('error', () => b.destroy());
        a.on('close', () => (b.destroy(), this.sockets.delete(a)));
      }
    }));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    return `http://127.0.0.1:${this.port}`;
  }

  async shut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

describe('refused before the token was looked at: the token is kept', () => {
  it('429, 500 and a refused connection back off and continue the same session', async () => {
    let forwarder!: Forwarder;
    const { server, source, timers, errors, pollsWithSameSession } = await setup({}, {}, async (s) => {
      forwarder = new Forwarder(Number(new URL(s.url).port));
      return forwarder.open();
    });
    cleanup.push(() => forwarder.shut());
    server.faults.push('throttle', 'internal');
    expect(await timers.fire()).toBe(500);
    expect(await timers.fire()).toBe(1000);
    await forwarder.shut(); // nothing listens at the endpoint any more
    await settle();
    expect(await timers.fire()).toBe(2000);
    expect(errors.at(-1)).toMatch(/ECONNREFUSED/);
    await forwarder.open(); // the same port again
    expect(await timers.fire()).toBe(INTERVAL_MS);
    expect(source.outcomes).toEqual(['configuration', 'failed', 'failed', 'failed', 'unchanged']); // same session: "unchanged"
    expect(pollsWithSameSession()).toBe(true);
    expect(server.reused).toEqual([]);
    expect(server.count('get', 400)).toBe(0);
  });
});
