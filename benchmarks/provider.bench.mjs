// The OpenFeature path: client.getBooleanValue through SwitchyardProvider vs through a no-op provider
// (the floor every provider pays for the SDK), in one process, alternating rounds; plus the provider's
// synchronous evaluator, which skips the SDK.
import { OpenFeature } from '@openfeature/server-sdk';
import { SwitchyardProvider } from '@switchyard/node';
import { do_not_optimize, measure } from 'mitata';
import { contexts, document } from './fixtures.mjs';
import { writeSection } from './report.mjs';
import { median } from './stats.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const users = contexts();

const provider = new SwitchyardProvider({ source: { type: 'poll', url: 'http://127.0.0.1:9', pollIntervalMs: 3_600_000, backoff: { initialMs: 3_600_000 } }, bootstrap: document() });
await OpenFeature.setProviderAndWait('switchyard', provider);
// The SDK's NOOP_PROVIDER stays NOT_READY when registered for a domain (every call takes the error
// path), so the floor is a READY provider that does nothing: the SDK's cost and nothing else.
const answer = (value) => Promise.resolve({ value, reason: 'STATIC' });
const floor = {
  metadata: { name: 'no-op floor' },
  runsOn: 'server',
  resolveBooleanEvaluation: (_key, value) => answer(value),
  resolveStringEvaluation: (_key, value) => answer(value),
  resolveNumberEvaluation: (_key, value) => answer(value),
  resolveObjectEvaluation: (_key, value) => answer(value),
};
await OpenFeature.setProviderAndWait('noop', floor);
if ((await OpenFeature.getClient('noop').getBooleanDetails('email', false)).reason !== 'STATIC') throw new Error('floor provider not ready');
const ours = OpenFeature.getClient('switchyard');
const noop = OpenFeature.getClient('noop');

const looped = (fn) => {
  let i = 0;
  return async () => {
    i = i === users.length - 1 ? 0 : i + 1;
    do_not_optimize(await fn(users[i]));
  };
};

const cases = [
  ['SDK floor: no-op provider', looped((ctx) => noop.getBooleanValue('email', false, ctx))],
  ['SwitchyardProvider, ends_with rule', looped((ctx) => ours.getBooleanValue('email', false, ctx))],
  ['provider.evaluator (no SDK), ends_with rule', (() => {
    let i = 0;
    return () => {
      i = i === users.length - 1 ? 0 : i + 1;
      do_not_optimize(provider.evaluator.getBooleanValue('email', false, users[i]));
    };
  })()],
];
if ((await ours.getBooleanValue('email', false, users[0])) !== true) throw new Error('unexpected value');

const times = cases.map(() => []);
for (let r = 0; r < ROUNDS; r++) for (const [i, [, fn]] of cases.entries()) times[i].push((await measure(fn)).p50);
const rows = cases.map(([name], i) => ({ name, ns: median(times[i]) }));
// Paired per round (the SDK's cost drifts with GC and the microtask queue): median of (ours − floor).
const overhead = median(times[1].map((t, r) => t - times[0][r]));
for (const r of rows) console.log(`${r.name.padEnd(48)} ${r.ns.toFixed(1)} ns`);
console.log(`provider overhead over the SDK floor: ${overhead.toFixed(1)} ns`);
await provider.onClose();

await writeSection('provider', [
  `Measured ${new Date().toISOString().slice(0, 10)} on Node ${process.version}, @openfeature/server-sdk, median of ${ROUNDS} alternating rounds (mitata p50), 10,000 contexts.`,
  '',
  '| call | ns/op |',
  '|---|---:|',
  ...rows.map((r) => `| ${r.name} | ${r.ns.toFixed(1)} |`),
  '',
  `Switchyard adds **${overhead.toFixed(0)} ns** over the SDK's own floor (median of per-round differences; target < 1,000 ns; the SDK's own cost varies by more than that between rounds); the synchronous evaluator is ${(rows[0].ns / rows[2].ns).toFixed(0)}× cheaper than even the floor.`,
].join('\n'), { rows, overhead });
