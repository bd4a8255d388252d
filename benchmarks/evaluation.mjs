// The evaluation comparison shared by the full benchmark (core.bench.mjs) and the CI guard (guard.mjs):
// the same four flags and 10,000 pre-built users for every evaluator, each called the way its users
// call it, alternating evaluators round by round, median of the per-round mitata p50s. The first
// evaluator is the reference the others must agree with.
import { do_not_optimize, measure } from 'mitata';
import { contexts, flagList } from './fixtures.mjs';
import { median } from './stats.mjs';

export const CASES = [
  { name: '(a) static boolean', key: 'static', users: 'plain', flags: 'small', target: 3 },
  { name: '(b) ends_with email rule', key: 'email', users: 'plain', flags: 'small', target: 3 },
  { name: '(c) 50/50 fractional', key: 'fractional', users: 'plain', flags: 'small', target: 3 },
  { name: '(d) 10 rules, last matches', key: 'ten-rules', users: 'plain', flags: 'small', target: 3 },
  { name: '(e) (b) with a 100-attribute context', key: 'email', users: 'wide', flags: 'small', target: 30 },
  { name: '(f) (b) with 10,000 flags loaded', key: 'flag-1', users: 'plain', flags: 'large', target: 3 },
];

const USERS = { plain: () => contexts(), wide: () => contexts(97) }; // wide: 100 attributes with targetingKey, email, plan
const FLAGS = { small: () => flagList(), large: () => flagList(10_000) };

/** Cycles through the users so no evaluator sees the same user twice in a row; async SDKs are awaited. */
function looping(evaluate, key, users, async) {
  let i = 0;
  const next = () => users[(i = i === users.length - 1 ? 0 : i + 1)];
  return async ? async () => do_not_optimize(await evaluate(key, next())) : () => do_not_optimize(evaluate(key, next()));
}

/** Refuses to time evaluators that disagree: the same values as the first evaluator for every user of a
 * deterministic rule; for the 50/50 split the same values too from those that hash as flagd does
 * (`sameBuckets`), 45–55% on from the others (each SDK hashes differently). */
async function check(c, runs) {
  const [ours, ...peers] = runs;
  const on = (run, i) => Promise.resolve(run.evaluate(c.key, run.users[i])).then(run.evaluator.value);
  for (const peer of peers) {
    const exact = c.key !== 'fractional' || peer.sameBuckets;
    let count = 0;
    for (let i = 0; i < peer.users.length; i++) {
      const [a, b] = [await on(ours, i), await on(peer, i)];
      if (b) count++;
      if (exact && a !== b) throw new Error(`${c.name}: ${peer.name} returns ${b} for user ${i}, ${ours.name} ${a}`);
    }
    if (c.key === 'fractional' && Math.abs(count / peer.users.length - 0.5) > 0.05) throw new Error(`${c.name}: ${peer.name} turns on ${count} of ${peer.users.length}`);
  }
}

/**
 * Times every case for every evaluator. Returns one row per case: `{ name, target, ns: { [evaluator]: p50 } }`.
 * `options` go to mitata's `measure` (the guard uses a shorter `min_cpu_time`); `only` names one case;
 * `log` gets a line per case.
 */
export async function compareEvaluation(evaluators, { rounds, options = {}, only, log = () => {} }) {
  const loaded = new Map();
  const rows = [];
  for (const c of CASES.filter((c) => !only || c.name === only)) {
    const users = USERS[c.users]();
    const runs = [];
    for (const peer of evaluators) {
      const id = `${peer.name}:${c.flags}`;
      if (!loaded.has(id)) loaded.set(id, await peer.load(FLAGS[c.flags]()));
      const evaluator = loaded.get(id);
      const evaluate = evaluator.bind?.(c.key) ?? evaluator.evaluate;
      const peerUsers = users.map(peer.user);
      const async = evaluate(c.key, peerUsers[0]) instanceof Promise;
      runs.push({ name: peer.name, sameBuckets: peer.sameBuckets, evaluator, evaluate, users: peerUsers, run: looping(evaluate, c.key, peerUsers, async) });
    }
    await check(c, runs);
    const times = runs.map(() => []);
    for (let r = 0; r < rounds; r++) for (const [i, run] of runs.entries()) times[i].push((await measure(run.run, options)).p50);
    const row = { name: c.name, target: c.target, ns: Object.fromEntries(runs.map((run, i) => [run.name, median(times[i])])) };
    rows.push(row);
    log(row);
  }
  for (const evaluator of loaded.values()) await evaluator.close?.();
  return rows;
}
