// Evaluation latency: Switchyard vs flagd-core, GrowthBook, Unleash and LaunchDarkly, measured side by
// side in one process (see evaluation.mjs), written to benchmarks/README.md with a chart.
//
//   npm run bench            (from the repo root: installs, builds, runs, rewrites benchmarks/README.md)
import { writeFile } from 'node:fs/promises';
import { chart } from './chart.mjs';
import { compareEvaluation } from './evaluation.mjs';
import { EVALUATORS, label } from './peers/index.mjs';
import { writeSection } from './report.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const [ours, ...peers] = EVALUATORS;

const rows = await compareEvaluation(EVALUATORS, {
  rounds: ROUNDS,
  log: (row) => console.log(row.name.padEnd(40), Object.entries(row.ns).map(([name, ns]) => `${name} ${ns.toFixed(1)} ns`).join('   ')),
});
const results = { node: process.version, rounds: ROUNDS, date: new Date().toISOString(), evaluators: EVALUATORS.map(label), rows };
await writeFile(new URL('./evaluation.svg', import.meta.url), chart(rows, ours.name, peers.map((p) => p.name)));
await writeSection('core', render(results), results);

function render({ rows, node, rounds, date, evaluators }) {
  const cell = (row, peer) => `${row.ns[peer.name].toFixed(1)} (**${(row.ns[peer.name] / row.ns[ours.name]).toFixed(1)}×**)`;
  return [
    `Measured ${date.slice(0, 10)} on Node ${node}, median of ${rounds} alternating rounds (mitata p50 per round), 10,000 pre-built users. ns/op, and in brackets how many times slower than Switchyard.`,
    '',
    `| case | ${evaluators.join(' | ')} | target vs flagd-core |`,
    `|---|${evaluators.map(() => '---:').join('|')}|---:|`,
    ...rows.map((r) => `| ${r.name} | **${r.ns[ours.name].toFixed(1)}** | ${peers.map((p) => cell(r, p)).join(' | ')} | ${r.target}× |`),
    '',
    '![Speed-up of Switchyard over each peer, per case (log scale)](evaluation.svg)',
  ].join('\n');
}
