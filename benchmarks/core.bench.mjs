// Core evaluation latency, Switchyard vs @openfeature/flagd-core, measured side by side in one process.
// Each case alternates the two evaluators for several rounds (mitata `measure`, p50 ns/op per round)
// and reports the median round: machines here are noisy, so ratios matter, not absolute times.
//
//   npm run bench            (from the repo root: installs, builds, runs, rewrites benchmarks/README.md)
import { FlagdCore } from '@openfeature/flagd-core';
import { loadSnapshot } from '@switchyard/core';
import { do_not_optimize, measure } from 'mitata';
import { contexts, document, largeDocument } from './fixtures.mjs';
import { writeSection } from './report.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const silent = { error() {}, warn() {}, info() {}, debug() {} };

// Load + compile first, on a quiet heap: parse, validate and compile a 10,000-flag document. Each run
// starts after a full GC so no run pays for collecting the previous run's garbage; median of 7, plus
// the first (cold, before the JIT warms up).
const text = largeDocument(10_000);
const loadMs = (fn) => {
  const times = [];
  for (let r = 0; r < 7; r++) {
    globalThis.gc?.();
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return { cold: times[0], median: median(times) };
};
const load = {
  switchyard: loadMs(() => loadSnapshot(text)),
  flagd: loadMs(() => new FlagdCore(undefined, silent).setConfigurations(text)),
};
console.log(`load+compile 10,000 flags: switchyard ${load.switchyard.median.toFixed(1)} ms (cold ${load.switchyard.cold.toFixed(1)})   flagd-core ${load.flagd.median.toFixed(1)} ms (cold ${load.flagd.cold.toFixed(1)})`);

const plain = contexts();
const wide = contexts(97); // 100 attributes with targetingKey, email and plan

function evaluators(doc) {
  const ours = loadSnapshot(doc);
  const flagd = new FlagdCore(undefined, silent);
  flagd.setConfigurations(doc);
  return { ours, flagd };
}

const small = evaluators(document());
const big = evaluators(largeDocument(10_000));

/** Loops over the 10,000 contexts so no evaluator sees the same user twice in a row. */
function looping(resolve, ctxs) {
  let i = 0;
  return () => {
    i = i === ctxs.length - 1 ? 0 : i + 1;
    do_not_optimize(resolve(ctxs[i]));
  };
}

const CASES = [
  ['(a) static boolean', 'static', plain, small, 3],
  ['(b) ends_with email rule', 'email', plain, small, 3],
  ['(c) 50/50 fractional', 'fractional', plain, small, 3],
  ['(d) 10 rules, last matches', 'ten-rules', plain, small, 3],
  ['(e) (b) with a 100-attribute context', 'email', wide, small, 30],
  ['(f) (b) with 10,000 flags loaded', 'flag-1', plain, big, 3],
];

async function p50(fn) {
  return (await measure(fn)).p50;
}

const rows = [];
for (const [name, key, ctxs, { ours, flagd }, target] of CASES) {
  // Same answers first: a benchmark of different results would be meaningless.
  for (let i = 0; i < 200; i++) {
    const a = ours.resolveBooleanEvaluation(key, false, ctxs[i]);
    const b = flagd.resolveBooleanEvaluation(key, false, ctxs[i], silent);
    if (a.value !== b.value || a.variant !== b.variant || a.reason !== b.reason) throw new Error(`${name}: results differ for ${JSON.stringify(ctxs[i]).slice(0, 80)}: ${JSON.stringify([a, b])}`);
  }
  const oursRun = looping((ctx) => ours.resolveBooleanEvaluation(key, false, ctx), ctxs);
  const flagdRun = looping((ctx) => flagd.resolveBooleanEvaluation(key, false, ctx, silent), ctxs);
  const oursTimes = [];
  const flagdTimes = [];
  for (let r = 0; r < ROUNDS; r++) {
    oursTimes.push(await p50(oursRun));
    flagdTimes.push(await p50(flagdRun));
  }
  const row = { name, switchyard: median(oursTimes), flagd: median(flagdTimes), target };
  row.ratio = row.flagd / row.switchyard;
  rows.push(row);
  console.log(`${name.padEnd(40)} switchyard ${row.switchyard.toFixed(1).padStart(7)} ns   flagd-core ${row.flagd.toFixed(1).padStart(7)} ns   ${row.ratio.toFixed(1)}×`);
}

const results = { node: process.version, rounds: ROUNDS, date: new Date().toISOString(), rows, load };
await writeSection('core', renderCore(results), results);

function renderCore({ rows, load, node, rounds, date }) {
  const lines = [
    `Measured ${date.slice(0, 10)} on Node ${node}, median of ${rounds} alternating rounds (mitata p50 per round), 10,000 pre-built contexts.`,
    '',
    '| case | Switchyard ns/op | flagd-core ns/op | speed-up | target |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.name} | ${r.switchyard.toFixed(1)} | ${r.flagd.toFixed(1)} | **${r.ratio.toFixed(1)}×** | ${r.target}× |`),
    '',
    `Load + compile of a 10,000-flag document (median of 7 after a full GC each; first run in brackets): **${load.switchyard.median.toFixed(1)} ms** (${load.switchyard.cold.toFixed(1)} ms) vs flagd-core ${load.flagd.median.toFixed(1)} ms (${load.flagd.cold.toFixed(1)} ms); target < 200 ms.`,
  ];
  return lines.join('\n');
}
