// The migration helper's cost per read, beyond the origin calls themselves: `migration.read` with
// origins that return at once, against calling those origins directly (both awaited, as the helper
// does), in one process, alternating rounds; and, for scale, one flag evaluation through the
// OpenFeature SDK's client (`client.getStringValue`), which the helper does not pay.
//   node migration.bench.mjs        (from benchmarks/; writes results/migration.json and README.md)
import { OpenFeature } from '@openfeature/server-sdk';
import { STAGES } from '@switchyard/core';
import { Migration, SwitchyardProvider } from '@switchyard/node';
import { do_not_optimize, measure } from 'mitata';
import { writeSection } from './report.mjs';
import { median } from './stats.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const flag = (stage) => ({ state: 'ENABLED', variants: Object.fromEntries(STAGES.map((s) => [s, s])), defaultVariant: stage, metadata: { migration: true } });
const document = { flags: Object.fromEntries(STAGES.map((s) => [`m-${s}`, flag(s)])) };
const provider = new SwitchyardProvider({ source: { type: 'poll', url: 'http://127.0.0.1:9', pollIntervalMs: 3_600_000, backoff: { initialMs: 3_600_000 } }, bootstrap: document });
await OpenFeature.setProviderAndWait('migration', provider);
const client = OpenFeature.getClient('migration');
const quiet = { warn() {}, error() {} };

const readOld = (id) => `old-${id}`;
const readNew = (id) => `old-${id}`;
const ctx = { targetingKey: 'user-1' };
const cases = [['flag evaluation alone (client.getStringValue)', async () => do_not_optimize(await client.getStringValue('m-off', 'off', ctx))]];
for (const stage of STAGES) {
  const migration = new Migration(provider, { flag: `m-${stage}`, readOld, readNew, writeOld: () => 0, writeNew: () => 0, check: (a, b) => a === b, rollback: false, logger: quiet });
  const both = stage === 'shadow' || stage === 'live';
  const direct = both ? async () => do_not_optimize(await Promise.all([readOld(1), readNew(1)])) : async () => do_not_optimize(await readOld(1));
  cases.push([`${stage}: origins called directly`, direct], [`${stage}: migration.read`, async () => do_not_optimize(await migration.read(ctx, 1))]);
}
const times = cases.map(() => []);
for (let r = 0; r < ROUNDS; r++) for (const [i, [, fn]] of cases.entries()) times[i].push((await measure(fn)).p50);
const ns = (i) => median(times[i]);
const rows = STAGES.map((stage, k) => {
  const direct = 1 + 2 * k;
  const overhead = median(times[direct + 1].map((t, r) => t - times[direct][r])); // paired per round
  return { stage, directNs: ns(direct), helperNs: ns(direct + 1), overheadNs: overhead };
});
const evaluation = ns(0);
for (const r of rows) console.log(`${r.stage.padEnd(10)} origins ${r.directNs.toFixed(0)} ns, migration.read ${r.helperNs.toFixed(0)} ns: +${r.overheadNs.toFixed(0)} ns`);
console.log(`flag evaluation through the SDK alone: ${evaluation.toFixed(0)} ns`);

await writeSection(
  'migration',
  [
    `Measured ${new Date().toISOString().slice(0, 10)} on Node ${process.version}: \`migration.read\` with origins that answer at once, against calling those origins directly (awaited, both at once where the stage runs two), per stage; medians of ${ROUNDS} alternating mitata rounds (p50 of each), the overhead paired per round. \`node migration.bench.mjs\`.`,
    '',
    '| stage | origins called directly | `migration.read` | overhead |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.stage} | ${r.directNs.toFixed(0)} ns | ${r.helperNs.toFixed(0)} ns | ${(r.overheadNs / 1000).toFixed(2)} µs |`),
    '',
    `The overhead is the stage's evaluation by the provider's synchronous evaluator, the timing of each origin, and the tracked outcome (two-origin stages also compare the answers and track the new origin's latency). Target: under 1 µs at \`off\`. For scale, one flag evaluation through the OpenFeature SDK's client (\`client.getStringValue\`), which the helper does not go through: ${(evaluation / 1000).toFixed(2)} µs.`,
  ].join('\n'),
  { rows, evaluationNs: evaluation },
);
await provider.onClose();
