// Where provider.evaluator's time goes: each evaluation case timed through every layer of the documented
// call, from the hand-written decision up to `provider.evaluator.getBooleanValue`, side by side in the
// same harness as core.bench.mjs (its adapters, checks and alternating rounds). Prints a table; writes
// nothing. An investigation tool, not part of `npm run bench`.
//
//   node --expose-gc call-path.mjs          every case, in the benchmark's order
//   node --expose-gc call-path.mjs "(d)"    one case alone: the difference is what the other cases' flags cost it
import { loadSnapshot } from '@switchyard/core';
import { CASES, compareEvaluation } from './evaluation.mjs';
import { FLAGS } from './fixtures.mjs';
import handWritten from './peers/hand-written.mjs';
import { startProvider } from './peers/switchyard-provider.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const only = process.argv[2];
const snapshotOf = (flags) => loadSnapshot(JSON.stringify({ flags: Object.fromEntries(flags.map(([key, shape]) => [key, FLAGS[shape]])) }));
const details = (r) => r.value;
const layer = (name, load) => ({ name, sameBuckets: true, user: (ctx) => ctx, load });
const onProvider = (name, call, value = details) =>
  layer(name, async (flags) => {
    const { provider, close } = await startProvider(flags);
    return { evaluate: (key, ctx) => call(provider, key, ctx), value, close };
  });

const LAYERS = [
  onProvider('provider.evaluator.getBooleanValue', (p, key, ctx) => p.evaluator.getBooleanValue(key, false, ctx), (v) => v),
  onProvider('provider.evaluator.resolveBooleanEvaluation', (p, key, ctx) => p.evaluator.resolveBooleanEvaluation(key, false, ctx)),
  onProvider("provider.evaluator.resolve(key, 'boolean')", (p, key, ctx) => p.evaluator.resolve(key, 'boolean', false, ctx)),
  onProvider('provider.snapshot.resolveBooleanEvaluation', (p, key, ctx) => p.snapshot.resolveBooleanEvaluation(key, false, ctx)),
  layer('snapshot.resolveBooleanEvaluation (loadSnapshot)', (flags) => {
    const s = snapshotOf(flags);
    return { evaluate: (key, ctx) => s.resolveBooleanEvaluation(key, false, ctx), value: details };
  }),
  layer("snapshot.resolve(key, 'boolean')", (flags) => {
    const s = snapshotOf(flags);
    return { evaluate: (key, ctx) => s.resolve(key, 'boolean', false, ctx), value: details };
  }),
  layer('snapshot.flags.get(key).evaluate(ctx)', (flags) => {
    const s = snapshotOf(flags);
    return { evaluate: (key, ctx) => s.flags.get(key).evaluate(ctx), value: details };
  }),
  layer('flag.evaluate(ctx), flag looked up before timing', (flags) => {
    const s = snapshotOf(flags);
    const bind = (key) => {
      const flag = s.flags.get(key);
      return (_key, ctx) => flag.evaluate(ctx);
    };
    return { evaluate: (key, ctx) => bind(key)(key, ctx), bind, value: details };
  }),
  layer('hand-written, looked up by key per call', (flags) => {
    const { evaluate, value } = handWritten.load(flags);
    return { evaluate, value };
  }),
  handWritten,
];

const rows = await compareEvaluation(LAYERS, {
  rounds: ROUNDS,
  only: only && CASES.find((c) => c.name.startsWith(only))?.name,
  log: (row) => console.error(`measured ${row.name}`),
});
const width = Math.max(...LAYERS.map((l) => l.name.length));
for (const row of rows) {
  console.log(`\n${row.name}${only ? ' (alone)' : ''}`);
  const names = LAYERS.map((l) => l.name);
  names.forEach((name, i) => {
    const below = names[i + 1] && row.ns[names[i + 1]];
    console.log(`  ${name.padEnd(width)} ${row.ns[name].toFixed(1).padStart(7)} ns${below !== undefined ? `   (+${(row.ns[name] - below).toFixed(1)} over the next)` : ''}`);
  });
}
