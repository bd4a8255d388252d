// Scale: Switchyard and flagd-core with 10 / 1,000 / 10,000 flags loaded — load + compile time of the
// document and heap retained (Switchyard's loadSnapshot, what its providers run on every update, vs
// flagd-core's setConfigurations), and the evaluation latency of one `ends_with` rule through what users
// call (provider.evaluator).
// Run with --expose-gc (npm run bench does): heap figures are taken between full collections.
import { measure } from 'mitata';
import { contexts, flagList } from './fixtures.mjs';
import { evaluator, flagdCore, label, snapshot } from './peers/index.mjs';
import { writeSection } from './report.mjs';
import { median } from './stats.mjs';

if (!globalThis.gc) throw new Error('run with node --expose-gc');
const SIZES = [10, 1_000, 10_000];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const LOADS = 7;
const evaluators = [snapshot, flagdCore]; // load and heap: the two synchronous loaders of the same flagd document
const timed = [evaluator, flagdCore]; // evaluation: what each one's users call
const users = contexts();

/** Median time of `LOADS` loads, each after a full GC (the first, cold one reported too). */
function loadTime(evaluator, flags) {
  const times = [];
  for (let r = 0; r < LOADS; r++) {
    gc();
    const t0 = performance.now();
    evaluator.load(flags);
    times.push(performance.now() - t0);
  }
  return { cold: times[0], median: median(times) };
}

/** Heap the loaded evaluator keeps alive: heapUsed with it minus heapUsed once it is dropped, between
 * full GCs (measured this way round because a loop variable can keep the previous load alive). */
function retained(evaluator, flags) {
  const sizes = [];
  for (let r = 0; r < 3; r++) {
    let loaded = evaluator.load(flags);
    gc();
    gc();
    const withIt = process.memoryUsage().heapUsed;
    loaded.evaluate('flag-1', users[0]);
    loaded = null;
    gc();
    gc();
    sizes.push(withIt - process.memoryUsage().heapUsed);
  }
  return median(sizes);
}

const rows = [];
for (const size of SIZES) {
  const flags = flagList(size);
  const row = { flags: size, load: {}, heap: {}, ns: {} };
  for (const e of evaluators) {
    row.load[e.name] = loadTime(e, flags);
    row.heap[e.name] = retained(e, flags);
  }
  const loaded = await Promise.all(timed.map((e) => e.load(flags)));
  const times = timed.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, l] of loaded.entries()) {
      let u = 0;
      times[i].push((await measure(() => l.evaluate('flag-1', users[(u = u === users.length - 1 ? 0 : u + 1)]))).p50);
    }
  }
  timed.forEach((e, i) => (row.ns[e.name] = median(times[i])));
  for (const l of loaded) await l.close?.();
  rows.push(row);
  console.log(`${String(size).padStart(6)} flags`, evaluators.map((e) => `${e.name}: load ${row.load[e.name].median.toFixed(1)} ms, heap ${(row.heap[e.name] / 1e6).toFixed(1)} MB`).join('   '), timed.map((e) => `${e.name}: eval ${row.ns[e.name].toFixed(1)} ns`).join('   '));
}

const [ours, flagd] = evaluators.map((e) => e.name);
const hot = evaluator.name;
const mb = (bytes) => (bytes < 1e5 ? `${(bytes / 1e3).toFixed(0)} KB` : `${(bytes / 1e6).toFixed(1)} MB`);
const ms = (t) => `${t.median.toFixed(1)} ms (${t.cold.toFixed(1)})`;
await writeSection('scale', [
  `Measured ${new Date().toISOString().slice(0, 10)} on Node ${process.version}; Switchyard vs ${label(flagdCore)}, the same flagd document (flags cycling through the four benchmark shapes). Load = parse + validate + compile the JSON text (Switchyard: \`loadSnapshot\`, what its providers run on every update; flagd-core: \`setConfigurations\`), median of ${LOADS} after a full GC (first, cold run in brackets); heap = \`heapUsed\` kept by the loaded snapshot between full GCs; evaluation = the \`ends_with\` rule \`flag-1\` through what users call (\`provider.evaluator.getBooleanValue\` on a provider started from the file; flagd-core's \`resolveBooleanEvaluation\`), median of ${ROUNDS} alternating rounds.`,
  '',
  `| flags | load: Switchyard | load: ${flagd} | heap: Switchyard | heap: ${flagd} | eval ns: ${hot} | eval ns: ${flagd} |`,
  '|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.flags.toLocaleString('en')} | **${ms(r.load[ours])}** | ${ms(r.load[flagd])} | **${mb(r.heap[ours])}** | ${mb(r.heap[flagd])} | **${r.ns[hot].toFixed(1)}** | ${r.ns[flagd].toFixed(1)} |`),
].join('\n'), { node: process.version, rows });
