// Guarded rollouts, end to end on loopback: a real Switchyard server (keys, SSE), a real HTTP service
// whose treatment variant fails a share of requests, load over HTTP from many users, and a second
// instance that only listens. Plus the statistics and the no-false-positive property in process.
import { OpenFeature, type Client } from '@openfeature/server-sdk';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSource, SwitchyardServer, silentLogger } from '@switchyard/server';
import { seededRandom } from '@switchyard/test-utils';
import { tempDir, waitFor, writeAtomically } from '@switchyard/test-utils/node';
import { errorRateTest, latencyTest, RolloutGuard, SwitchyardProvider, type RollbackDecision, type RolloutGuardOptions } from '../src/index.js';

const SERVER_KEY = 'srv-guard-0123456789';
const ROLLOUT = {
  flags: {
    'new-checkout': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off', // control
      targeting: { fractional: [['on', 50], ['off', 50]] },
    },
  },
};
const quiet = { warn() {}, error() {} };
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const random = seededRandom;

async function flagServer() {
  const file = join(tempDir(), 'flags.json');
  writeAtomically(file, ROLLOUT);
  const server = new SwitchyardServer({
    environments: [{ name: 'prod', source: new FileSource(file, { debounceMs: 5, pollIntervalMs: 200 }) }],
    access: { keys: [{ key: SERVER_KEY, environment: 'prod', scope: 'server', name: 'checkout-service' }] },
    logger: silentLogger,
  });
  const url = await server.listen(0, '127.0.0.1');
  cleanup.push(() => server.close());
  return { server, url, file };
}

let domains = 0;
async function instance(url: string) {
  const provider = new SwitchyardProvider({ source: { type: 'sse', url, key: SERVER_KEY } });
  const domain = `guard-${domains++}`;
  await OpenFeature.setProviderAndWait(domain, provider);
  cleanup.push(() => OpenFeature.clearProviders(domain));
  return { provider, client: OpenFeature.getClient(domain) };
}

/** The service: /checkout?user=… evaluates new-checkout and fails with the variant's failure rate. */
async function service(client: Client, failure: Record<string, number>, seed: number) {
  const rng = random(seed);
  const http: Server = createServer(async (req, res) => {
    const user = new URL(req.url!, 'http://x').searchParams.get('user')!;
    const ctx = { targetingKey: user };
    const details = await client.getBooleanDetails('new-checkout', false, ctx);
    const failed = rng() < (failure[details.variant!] ?? 0);
    client.track('latency', ctx, { value: 5 + rng() * (failed ? 50 : 10) });
    if (failed) client.track('error', ctx);
    res.writeHead(failed ? 500 : 200, { 'x-variant': details.variant ?? '', 'x-reason': details.reason ?? '' });
    res.end();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => http.close(r)));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

/** Sends requests from 2,000 users (8 at a time) until `done()` or `max` requests. */
async function load(base: string, max: number, done: () => boolean) {
  const responses: { variant: string; status: number; after: boolean }[] = [];
  let sent = 0;
  const worker = async () => {
    while (sent < max && !done()) {
      const i = sent++;
      const res = await fetch(`${base}/checkout?user=user-${(i * 7919) % 2000}`);
      responses.push({ variant: res.headers.get('x-variant')!, status: res.status, after: false });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return responses;
}

describe('RolloutGuard', () => {
  it('rolls back a treatment that fails 20% of requests: in this process at once, and for every instance through the server', async () => {
    const { url } = await flagServer();
    const a = await instance(url);
    const b = await instance(url); // another replica: no guard, it only listens to the server
    const decisions: RollbackDecision[] = [];
    const guard = new RolloutGuard(a.provider, { flags: ['new-checkout'], minSamples: 100, report: { url, key: SERVER_KEY }, onRollback: (d) => decisions.push(d), logger: quiet });
    a.client.addHooks(guard);
    cleanup.push(() => guard.close());
    const base = await service(a.client, { on: 0.2, off: 0.01 }, 1);

    const t0 = performance.now();
    const before = await load(base, 20_000, () => decisions.length > 0);
    const msToRollback = performance.now() - t0;
    expect(decisions).toHaveLength(1);
    const [decision] = decisions;
    expect(decision).toMatchObject({ flag: 'new-checkout', from: 'on', to: 'off' });
    expect(decision.treatment.errorRate).toBeGreaterThan(0.1);
    expect(decision.control.errorRate).toBeLessThan(0.05);
    expect(decision.test.worse).toBe(true);
    expect(decision.message).toMatch(/error rate .* vs .*mSPRT ln Λ = [\d.]+ ≥ ln\(1\/α\) = 4\.61/);
    const failedTreatment = before.filter((r) => r.variant === 'on' && r.status === 500).length;

    // In this process: every request from now on is served control, with the reason in the metadata.
    const after = await load(base, 300, () => false);
    expect(after.every((r) => r.variant === 'off')).toBe(true);
    const pinned = await a.client.getBooleanDetails('new-checkout', false, { targetingKey: 'user-1' });
    expect(pinned).toMatchObject({ value: false, variant: 'off', reason: 'STATIC' });
    expect(pinned.flagMetadata.rolledBack).toContain('rolled back new-checkout from "on" to "off"');

    // Everywhere: the server took the report and streamed the rollback to the other instance.
    expect(await decision.reported).toBe('reported');
    const reportedAt = performance.now();
    await waitFor(async () => {
      for (let i = 0; i < 200; i++) if ((await b.client.getBooleanValue('new-checkout', false, { targetingKey: `user-${i}` })) !== false) return false;
      return true;
    }, 'the other instance to serve control', 1_000);
    const msToOtherInstance = performance.now() - reportedAt;
    const listed = await (await fetch(`${url}/v1/rollbacks`, { headers: { Authorization: `Bearer ${SERVER_KEY}` } })).json();
    expect(listed.rollbacks).toMatchObject([{ flag: 'new-checkout', variant: 'off', by: 'checkout-service' }]);

    console.log(
      `guard: rolled back after ${before.length} requests in ${msToRollback.toFixed(0)} ms; ${failedTreatment} failed treatment requests before it ` +
        `(treatment ${decision.treatment.errors}/${decision.treatment.evaluations}, control ${decision.control.errors}/${decision.control.evaluations}); other instance on control ${msToOtherInstance.toFixed(0)} ms after the report`,
    );
    expect(failedTreatment).toBeLessThan(150);
  });

  it('does not roll back a healthy treatment under the same load', async () => {
    const { url } = await flagServer();
    const a = await instance(url);
    const guard = new RolloutGuard(a.provider, { flags: ['new-checkout'], minSamples: 100, report: { url, key: SERVER_KEY }, logger: quiet });
    a.client.addHooks(guard);
    cleanup.push(() => guard.close());
    const base = await service(a.client, { on: 0.01, off: 0.01 }, 2);
    const responses = await load(base, 4_000, () => false);
    expect(guard.rollbacks()).toHaveLength(0);
    const stats = guard.stats()['new-checkout'];
    expect(stats.on.evaluations + stats.off.evaluations).toBe(4_000);
    expect(stats.on.meanLatencyMs).toBeGreaterThan(5);
    expect(responses.some((r) => r.variant === 'on')).toBe(true);
  });
});

describe('RolloutGuard across a fleet (pooled evidence)', () => {
  it('five instances too small to decide alone send their counts; the server decides on the pool and every instance serves control', async () => {
    const { url } = await flagServer();
    const instances = await Promise.all(Array.from({ length: 5 }, () => instance(url)));
    const guards = instances.map(({ provider, client }, i) => {
      // Locally no decision can happen (minSamples out of reach): only the fleet's evidence decides.
      const guard = new RolloutGuard(provider, { flags: ['new-checkout'], minSamples: 1e9, report: { url, key: SERVER_KEY }, evidence: { intervalMs: 100, instance: `pod-${i}` }, logger: quiet });
      client.addHooks(guard);
      cleanup.push(() => guard.close());
      return guard;
    });
    const rng = random(42);
    const controlEverywhere = async () => {
      for (const { client } of instances) for (let u = 0; u < 50; u++) if ((await client.getBooleanValue('new-checkout', false, { targetingKey: `user-${u}` })) !== false) return false;
      return true;
    };
    // Each instance serves its own users; the treatment fails 20% of requests, control 1%.
    let served = 0;
    while (!(await controlEverywhere()) && served < 40_000) {
      for (const [i, { client }] of instances.entries()) {
        for (let r = 0; r < 20; r++, served++) {
          const ctx = { targetingKey: `user-${i}-${served % 997}` };
          const { variant } = await client.getBooleanDetails('new-checkout', false, ctx);
          if (rng() < (variant === 'on' ? 0.2 : 0.01)) client.track('error', ctx);
        }
      }
      await new Promise((r) => setTimeout(r, 5)); // let the reporters' timers run
    }
    expect(await controlEverywhere()).toBe(true);
    expect(guards.every((g) => g.rollbacks().length === 0)).toBe(true); // nobody decided alone
    const { changes } = await (await fetch(`${url}/v1/changes?limit=1000`, { headers: { Authorization: `Bearer ${SERVER_KEY}` } })).json();
    const rollback = changes.find((c: { outcome: string }) => c.outcome === 'rollback');
    expect(rollback.rollback).toMatchObject({ flag: 'new-checkout', variant: 'off', by: 'fleet guard' });
    expect(rollback.decision).toMatchObject({ from: 'on', to: 'off', metric: 'error rate' });
    expect(rollback.decision.instances).toBeGreaterThanOrEqual(2);
    expect(rollback.decision.treatment.errorRate).toBeGreaterThan(rollback.decision.control.errorRate);
  });

  // 503 three times; or a proxy's 404 twice (a refusal three times in a row would drop the batch).
  for (const [status, count] of [[503, 3], [404, 2]]) it(`a server that fails (${count} × ${status}): the same batch is sent again (same seq), new counts wait beside it, and every evaluation arrives once`, async () => {
    const { url: flagsUrl } = await flagServer();
    const a = await instance(flagsUrl);
    // An evidence endpoint that fails its first requests, then takes everything.
    const bodies: { instance: string; seq: number; flags: Record<string, Record<string, { n: number }>> }[] = [];
    let failures = count;
    const evidence = createServer((req, res) => {
      let text = '';
      req.on('data', (d) => (text += d));
      req.on('end', () => {
        if (failures-- > 0) return void res.writeHead(status).end();
        bodies.push(JSON.parse(text));
        res.writeHead(202).end('{}');
      });
    });
    await new Promise<void>((r) => evidence.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => evidence.close(r)));
    const url = `http://127.0.0.1:${(evidence.address() as AddressInfo).port}`;
    const guard = new RolloutGuard(a.provider, { flags: ['new-checkout'], minSamples: 1e9, report: { url, key: SERVER_KEY }, evidence: { intervalMs: 10, instance: 'pod-1' }, logger: quiet });
    a.client.addHooks(guard);
    for (let u = 0; u < 300; u++) {
      await a.client.getBooleanValue('new-checkout', false, { targetingKey: `user-${u}` });
      if (u % 50 === 0) await new Promise((r) => setTimeout(r, 15));
    }
    await waitFor(async () => {
      await guard.close();
      return bodies.reduce((sum, b) => sum + Object.values(b.flags['new-checkout'] ?? {}).reduce((s, arm) => s + arm.n, 0), 0) === 300;
    }, 'every evaluation counted once');
    expect(bodies.map((b) => b.seq)).toEqual(bodies.map((_, i) => i + 1)); // no seq skipped or repeated among those taken
    expect(bodies.every((b) => b.instance.startsWith('pod-1:'))).toBe(true); // the name, and this process's own suffix
  });
});

describe('RolloutGuard in process (many runs)', () => {
  /**
   * One run: `requests` evaluations from 2,000 users through the SDK; returns the guard's decisions.
   * With `latency` (median ms per variant) every request also reports a log-normal latency (σ = 0.5).
   */
  async function run(seed: number, failure: Record<string, number>, requests: number, extra: { latency?: Record<string, number>; guard?: Partial<RolloutGuardOptions> } = {}) {
    const provider = new SwitchyardProvider({ source: { type: 'poll', url: 'http://127.0.0.1:9', pollIntervalMs: 3_600_000, backoff: { initialMs: 3_600_000 } }, bootstrap: ROLLOUT });
    const domain = `run-${seed}-${domains++}`;
    await OpenFeature.setProviderAndWait(domain, provider);
    const client = OpenFeature.getClient(domain);
    const guard = new RolloutGuard(provider, { flags: ['new-checkout'], logger: quiet, ...extra.guard });
    client.addHooks(guard);
    const rng = random(seed);
    let servedTreatmentAfter = 0;
    for (let i = 0; i < requests; i++) {
      const ctx = { targetingKey: `user-${Math.floor(rng() * 2000)}` };
      const { variant } = await client.getBooleanDetails('new-checkout', false, ctx);
      if (guard.rollbacks().length > 0 && variant === 'on') servedTreatmentAfter++;
      if (rng() < failure[variant!]) client.track('error', ctx);
      if (extra.latency) {
        const z = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()); // Box–Muller
        client.track('latency', ctx, { value: extra.latency[variant!] * Math.exp(0.5 * z) });
      }
    }
    guard.close();
    await OpenFeature.clearProviders(domain);
    return { decisions: guard.rollbacks(), servedTreatmentAfter };
  }

  it('never rolls back a healthy treatment: 40 runs of 5,000 requests, equal 2% error rates', async () => {
    let falsePositives = 0;
    for (let seed = 100; seed < 140; seed++) falsePositives += (await run(seed, { on: 0.02, off: 0.02 }, 5_000)).decisions.length;
    expect(falsePositives).toBe(0);
  });

  it('never rolls back on latency when both variants are as fast: 40 runs of 5,000 requests', async () => {
    let falsePositives = 0;
    for (let seed = 300; seed < 340; seed++) falsePositives += (await run(seed, { on: 0.02, off: 0.02 }, 5_000, { latency: { on: 100, off: 100 } })).decisions.length;
    expect(falsePositives).toBe(0);
  });

  it('tolerates a slowdown within latencyMargin (10% slower, margin 20%) over 10 runs of 5,000 requests', async () => {
    let rollbacks = 0;
    for (let seed = 400; seed < 410; seed++) rollbacks += (await run(seed, { on: 0.02, off: 0.02 }, 5_000, { latency: { on: 110, off: 100 } })).decisions.length;
    expect(rollbacks).toBe(0);
  });

  it('rolls back a treatment 50% slower in every run, on latency, and serves control from the next evaluation', async () => {
    const samples: number[] = [];
    for (let seed = 500; seed < 510; seed++) {
      const { decisions, servedTreatmentAfter } = await run(seed, { on: 0.02, off: 0.02 }, 3_000, { latency: { on: 150, off: 100 } });
      samples.push(decisions[0]?.treatment.latencySamples + decisions[0]?.control.latencySamples);
      expect(decisions).toHaveLength(1);
      expect(decisions[0]).toMatchObject({ metric: 'latency', from: 'on', to: 'off', test: { margin: 0.2, worse: true } });
      expect(decisions[0].treatment.geometricMeanLatencyMs! / decisions[0].control.geometricMeanLatencyMs!).toBeGreaterThan(1.2);
      expect(decisions[0].message).toMatch(/latency [\d.]+ ms vs [\d.]+ ms \(geometric means of \d+ and \d+ samples\), [\d.]+% slower > margin 20\.0%/);
      expect(servedTreatmentAfter).toBe(0);
    }
    samples.sort((a, b) => a - b);
    console.log(`guard: 50% slower treatment rolled back on latency after ${samples[0]}–${samples[samples.length - 1]} requests (median ${samples[5]}) in 10 runs`);
  });

  it('ignores latency with latencyMargin: null', async () => {
    const { decisions } = await run(510, { on: 0.02, off: 0.02 }, 3_000, { latency: { on: 300, off: 100 }, guard: { latencyMargin: null } });
    expect(decisions).toEqual([]);
  });

  it('retries a failed report with backoff, and gives up on the third refusal in a row', async () => {
    // A real server on loopback that answers 503 twice before taking the report.
    const answers = [503, 503, 201];
    const statuses: number[] = [];
    const server = createServer((req, res) => {
      req.resume();
      if (!req.url?.startsWith('/v1/rollbacks')) return void res.writeHead(202).end('{}'); // the guard's evidence: taken
      const status = answers.shift() ?? 403;
      statuses.push(status);
      res.writeHead(status).end(status === 201 ? '{}' : 'try later');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const report = { url, retries: 4, retryMs: 10 };

    const first = await run(600, { on: 0.3, off: 0 }, 3_000, { guard: { report } });
    expect(await first.decisions[0].reported).toBe('reported');
    expect(statuses).toEqual([503, 503, 201]);

    const refused = await run(601, { on: 0.3, off: 0 }, 3_000, { guard: { report } });
    expect(await refused.decisions[0].reported).toBe('failed: HTTP 403 try later');
    expect(statuses).toEqual([503, 503, 201, 403, 403, 403]); // twice more (a proxy's passing answer?), then no more

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r)); // nothing listens there now
    const unreachable = await run(602, { on: 0.3, off: 0 }, 3_000, { guard: { report: { url: closedUrl, retries: 2, retryMs: 10 } } });
    expect(await unreachable.decisions[0].reported).toMatch(/^failed: .*ECONNREFUSED/);
  });

  it('catches a 20% failure rate in every run, and serves control from the next evaluation', async () => {
    for (let seed = 200; seed < 210; seed++) {
      const { decisions, servedTreatmentAfter } = await run(seed, { on: 0.2, off: 0.02 }, 3_000);
      expect(decisions).toHaveLength(1);
      expect(servedTreatmentAfter).toBe(0);
    }
  });
});

describe('errorRateTest (mSPRT on the difference of error rates)', () => {
  const arm = (n: number, errors: number) => ({ n, errors, latencyCount: 0, latencySum: 0, logLatencySum: 0, logLatencySquares: 0 });
  const options = { margin: 0.01, alpha: 0.01, tau: 0.05 };
  it('flags a clearly worse treatment and not an equal or better one', () => {
    expect(errorRateTest(arm(200, 2), arm(200, 40), options).worse).toBe(true);
    expect(errorRateTest(arm(200, 2), arm(200, 2), options).worse).toBe(false);
    expect(errorRateTest(arm(200, 40), arm(200, 2), options).worse).toBe(false);
  });
  it('tolerates a difference within the margin however large the sample', () => {
    expect(errorRateTest(arm(1_000_000, 20_000), arm(1_000_000, 29_000), options).worse).toBe(false); // +0.9 points
    expect(errorRateTest(arm(1_000_000, 20_000), arm(1_000_000, 31_000), options).worse).toBe(true); // +1.1 points
  });
  it('needs more evidence with a stricter alpha', () => {
    const weak = [arm(400, 8), arm(400, 40)] as const; // 2% vs 10%
    expect(errorRateTest(...weak, options).worse).toBe(true);
    expect(errorRateTest(...weak, { ...options, alpha: 1e-6 }).worse).toBe(false);
  });
});

describe('latencyTest (mSPRT on the difference of mean log latency)', () => {
  /** An arm whose log latencies have this mean and standard deviation over n samples. */
  const arm = (n: number, medianMs: number, sigma: number) => {
    const mean = Math.log(medianMs);
    return { n, errors: 0, latencyCount: n, latencySum: n * medianMs, logLatencySum: n * mean, logLatencySquares: n * mean * mean + (n - 1) * sigma * sigma };
  };
  const options = { margin: 0.2, alpha: 0.01, tau: 0.1 };
  it('flags a clearly slower treatment and not an equal or faster one', () => {
    expect(latencyTest(arm(300, 100, 0.5), arm(300, 150, 0.5), options).worse).toBe(true);
    expect(latencyTest(arm(300, 100, 0.5), arm(300, 100, 0.5), options).worse).toBe(false);
    expect(latencyTest(arm(300, 150, 0.5), arm(300, 100, 0.5), options).worse).toBe(false);
  });
  it('tolerates a slowdown within the margin however large the sample', () => {
    expect(latencyTest(arm(1_000_000, 100, 0.5), arm(1_000_000, 119, 0.5), options).worse).toBe(false);
    expect(latencyTest(arm(1_000_000, 100, 0.5), arm(1_000_000, 121, 0.5), options).worse).toBe(true);
  });
  it('needs more evidence when latency is noisier', () => {
    expect(latencyTest(arm(300, 100, 0.3), arm(300, 140, 0.3), options).worse).toBe(true);
    expect(latencyTest(arm(300, 100, 3), arm(300, 140, 3), options).worse).toBe(false);
  });
});
