import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addArm, addLatency, emptyArm, judge, DEFAULT_GUARD, type Arm } from '@switchyard/core';
import { seededRandom } from '@switchyard/test-utils';
import { tempDir } from '@switchyard/test-utils/node';
import { Environment, FileSource, FleetGuard, MemoryEvidence, silentLogger, type Batch } from '../../src/index.js';

// A simulated fleet on simulated time: 20 instances × 5 requests a second, each sending its counts once
// a second to the server's FleetGuard, which pools them and runs the same sequential test as the
// in-process guard. Random draws are seeded, so every run is reproducible.

const INSTANCES = 20;
const RATE = 5; // requests per instance per second

const random = seededRandom;
const normal = (rand: () => number) => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

interface Traffic {
  /** Error probability and median latency (ms) per variant. */
  readonly on: { readonly errors: number; readonly latencyMs: number };
  readonly off: { readonly errors: number; readonly latencyMs: number };
}

const environments: Environment[] = [];
afterEach(async () => {
  await Promise.all(environments.splice(0).map((e) => e.stop()));
});

async function fleet(): Promise<{ env: Environment; guard: FleetGuard }> {
  const file = join(tempDir(), 'flags.json');
  writeFileSync(file, JSON.stringify({ flags: { 'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { fractional: [['on', 50], ['off', 50]] } } } }));
  const env = new Environment('production', new FileSource(file), { logger: silentLogger });
  environments.push(env);
  await env.start();
  return { env, guard: new FleetGuard(env, new MemoryEvidence()) };
}

/** One instance's second of traffic: 5 requests split 50/50, errors and log-normal latencies drawn. */
function second(rand: () => number, traffic: Traffic): Map<string, Arm> {
  const arms = new Map([
    ['on', emptyArm()],
    ['off', emptyArm()],
  ]);
  for (let r = 0; r < RATE; r++) {
    const variant = rand() < 0.5 ? 'on' : 'off';
    const arm = arms.get(variant)!;
    arm.n++;
    if (rand() < traffic[variant].errors) arm.errors++;
    addLatency(arm, traffic[variant].latencyMs * Math.exp(0.5 * normal(rand)));
  }
  return arms;
}

/** Runs the fleet for up to `seconds`: the second the server rolled back in (undefined: never) and its decision. */
async function run(seed: number, traffic: Traffic, seconds: number): Promise<{ pooled?: number; decision?: unknown }> {
  const { env, guard } = await fleet();
  const rand = random(seed);
  for (let t = 1; t <= seconds; t++) {
    for (let i = 0; i < INSTANCES; i++) {
      const batch: Batch = { instance: `i${i}`, seq: t, flags: new Map([['new-checkout', second(rand, traffic)]]) };
      const { rolledBack } = await guard.receive(batch);
      if (rolledBack.length > 0) {
        const [entry] = (await env.changes(undefined, 100, ['rollback'])).changes;
        return { pooled: t, decision: entry.decision };
      }
    }
  }
  return {};
}

/** The second one instance, judging only its own 5 requests a second (the in-process guard), would decide in. */
function alone(seed: number, traffic: Traffic, seconds: number): number | undefined {
  const rand = random(seed);
  const arms = new Map([
    ['on', emptyArm()],
    ['off', emptyArm()],
  ]);
  for (let t = 1; t <= seconds; t++) {
    for (const [variant, arm] of second(rand, traffic)) addArm(arms.get(variant)!, arm);
    if (judge(arms, 'off', DEFAULT_GUARD)) return t;
  }
  return undefined;
}

const healthy: Traffic = { on: { errors: 0.01, latencyMs: 100 }, off: { errors: 0.01, latencyMs: 100 } };

describe('fleet-wide guarded rollout on pooled evidence', () => {
  it('catches 5% vs 1% errors across 20 instances × 5 req/s far sooner than any one instance could', async () => {
    const failing: Traffic = { on: { errors: 0.05, latencyMs: 100 }, off: { errors: 0.01, latencyMs: 100 } };
    const times: { pooled: number; single?: number }[] = [];
    for (let seed = 1; seed <= 5; seed++) {
      const result = await run(seed, failing, 600);
      expect(result.pooled, `seed ${seed}: the fleet decides within 10 simulated minutes`).toBeDefined();
      expect(result.decision).toMatchObject({ from: 'on', to: 'off', metric: 'error rate', instances: INSTANCES });
      times.push({ pooled: result.pooled!, single: alone(seed, failing, 3600) });
    }
    // One instance sees 1/20 of the traffic: it decides many times later, if within the hour at all.
    for (const { pooled, single } of times) expect(single === undefined || single > 5 * pooled).toBe(true);
    console.info(`fleet decision after ${times.map((t) => `${t.pooled} s`).join(', ')}; one instance alone: ${times.map((t) => (t.single ? `${t.single} s` : 'none in 3600 s')).join(', ')}`);
  });

  it('never rolls back a healthy treatment: 40 fleet runs of 10 simulated minutes at equal error rates and latencies', async () => {
    let falsePositives = 0;
    for (let seed = 100; seed < 140; seed++) if ((await run(seed, healthy, 600)).pooled !== undefined) falsePositives++;
    expect(falsePositives).toBe(0);
  });

  it('catches a treatment 50% slower on latency, and leaves one 10% slower (inside the 20% margin) alone', async () => {
    const slow = await run(7, { on: { errors: 0.01, latencyMs: 150 }, off: { errors: 0.01, latencyMs: 100 } }, 600);
    expect(slow.pooled).toBeDefined();
    expect(slow.decision).toMatchObject({ metric: 'latency', from: 'on' });
    for (const seed of [8, 9, 10]) expect((await run(seed, { on: { errors: 0.01, latencyMs: 110 }, off: { errors: 0.01, latencyMs: 100 } }, 600)).pooled).toBeUndefined();
  });

  it('counts a resent batch once, and starts afresh for a new definition of the flag', async () => {
    const { env, guard } = await fleet();
    const arms = new Map([['on', { ...emptyArm(), n: 10, errors: 5 }], ['off', { ...emptyArm(), n: 10 }]]);
    expect((await guard.receive({ instance: 'a', seq: 1, flags: new Map([['new-checkout', arms]]) })).counted).toBe(true);
    expect((await guard.receive({ instance: 'a', seq: 1, flags: new Map([['new-checkout', arms]]) })).counted).toBe(false);
    expect((await guard.receive({ instance: 'b', seq: 1, flags: new Map([['new-checkout', arms], ['no-such-flag', arms]]) })).counted).toBe(true);
    expect(env.activeRollbacks()).toEqual([]);
  });
});
