// Evaluation latency: Switchyard as users call it (provider.evaluator, and the awaited OpenFeature
// client) vs the same decisions written by hand, flagd-core, GrowthBook, Unleash and LaunchDarkly,
// measured side by side in one process (see evaluation.mjs), written to benchmarks/README.md with a chart.
//
//   npm run bench            (from the repo root: installs, builds, runs, rewrites benchmarks/README.md)
import { writeFile } from 'node:fs/promises';
import { chart } from './chart.mjs';
import { compareEvaluation } from './evaluation.mjs';
import { GOALS, judge } from './goals.mjs';
import { client, EVALUATORS, evaluator, handWritten, label, PEERS, snapshot } from './peers/index.mjs';
import { writeSection } from './report.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const rows = await compareEvaluation(EVALUATORS, {
  rounds: ROUNDS,
  log: (row) => console.log(row.name.padEnd(40), Object.entries(row.ns).map(([name, ns]) => `${name} ${ns.toFixed(1)} ns`).join('   ')),
});
const results = { node: process.version, rounds: ROUNDS, date: new Date().toISOString(), headline: evaluator.name, evaluators: EVALUATORS.map(label), rows, goals: goalsOf(rows) };
await writeFile(new URL('./evaluation.svg', import.meta.url), chart(rows, evaluator.name, PEERS.map((p) => p.name)));
await writeSection('core', render(results), results);

/** Per goal, per case: the ratio, whether it is met and whether the guard enforces it. */
function goalsOf(rows) {
  return GOALS.map((goal) => ({
    goal: goal.name,
    cases: rows.flatMap((row) => judge(row).filter((v) => v.goal === goal).map(({ ratio, met, enforced }) => ({ case: row.name, ratio, met, enforced }))),
  }));
}

function render({ rows, node, rounds, date, goals }) {
  const ns = (row, peer) => row.ns[peer.name];
  const f = (x) => x.toFixed(1);
  const slower = (row, peer) => `${f(ns(row, peer))} (**${f(ns(row, peer) / ns(row, evaluator))}×**)`;
  const goalLine = ({ goal, cases }) => {
    const missed = cases.filter((c) => !c.met);
    const enforced = cases.every((c) => c.enforced) ? 'enforced' : cases.some((c) => c.enforced) ? `enforced on ${cases.filter((c) => c.enforced).map((c) => c.case.slice(0, 3)).join(' ')}` : 'not enforced yet';
    const status = missed.length === 0 ? 'met' : `**not met** on ${missed.map((c) => `${c.case.slice(0, 3)} ${f(c.ratio)}×`).join(', ')}`;
    return `* ${goal}: ${status} — ${enforced}`;
  };
  return [
    `Measured ${date.slice(0, 10)} on Node ${node}, median of ${rounds} alternating rounds (mitata p50 per round), 10,000 pre-built users, every evaluator in one process. ns/op; in brackets, how many times slower than \`provider.evaluator\`.`,
    '',
    'What Switchyard users call, and the floor:',
    '',
    `| case | **${label(evaluator)}** | ${label(client)} (awaited) | ${label(handWritten)} | evaluator ÷ hand-written | ${label(snapshot)} |`,
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.name} | **${f(ns(r, evaluator))}** | ${slower(r, client)} | ${f(ns(r, handWritten))} | ${f(ns(r, evaluator) / ns(r, handWritten))}× | ${f(ns(r, snapshot))} |`),
    '',
    'Against the other SDKs, each called the way its users call it:',
    '',
    `| case | **${label(evaluator)}** | ${PEERS.map(label).join(' | ')} | target vs flagd-core |`,
    `|---|---:|${PEERS.map(() => '---:').join('|')}|---:|`,
    ...rows.map((r) => `| ${r.name} | **${f(ns(r, evaluator))}** | ${PEERS.map((p) => slower(r, p)).join(' | ')} | ${r.target}× |`),
    '',
    'Goals, judged on this run (`goals.mjs`; the CI guard measures them again in its own shorter run with three evaluators, where the ratios differ — see CI guard below):',
    '',
    ...goals.map(goalLine),
    '',
    '![Speed-up of provider.evaluator over each peer, per case (log scale)](evaluation.svg)',
  ].join('\n');
}
