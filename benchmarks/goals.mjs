// The evaluation goals, on what users call (provider.evaluator): the CI guard (guard.mjs) checks them and
// the evaluation benchmark (core.bench.mjs) reports them. A goal's `enforced` cases fail the guard when
// missed; its other cases only print "goal not met" — which to enforce is the team's decision, not a
// measurement, so it is written here and changed on purpose.
import { CASES } from './evaluation.mjs';
import { evaluator, flagdCore, handWritten } from './peers/index.mjs';

const ALL = CASES.map((c) => c.name);
const TEN_RULES = '(d) 10 rules, last matches';
const ns = (row, peer) => row.ns[peer.name];

export const GOALS = [
  {
    name: '≥ 2× flagd-core',
    cases: ALL,
    enforced: ALL,
    min: 2,
    ratio: (row) => ns(row, flagdCore) / ns(row, evaluator),
    text: (r) => `provider.evaluator ${r.toFixed(1)}× faster than flagd-core (needs ≥ 2×)`,
  },
  {
    name: 'within 2× of hand-written',
    cases: ALL,
    // (d), a ten-rule chain, runs at 2.3–2.8× on these machines: reported, not yet enforced.
    enforced: ALL.filter((name) => name !== TEN_RULES),
    max: 2,
    ratio: (row) => ns(row, evaluator) / ns(row, handWritten),
    text: (r) => `provider.evaluator takes ${r.toFixed(1)}× the hand-written function's time (needs ≤ 2×)`,
  },
  {
    name: '(d) ≥ 3× flagd-core',
    cases: [TEN_RULES],
    enforced: [TEN_RULES],
    min: 3,
    ratio: (row) => ns(row, flagdCore) / ns(row, evaluator),
    text: (r) => `provider.evaluator ${r.toFixed(1)}× faster than flagd-core (needs ≥ 3×)`,
  },
];

/** What the goals need measured, side by side. */
export const GUARDED = [evaluator, flagdCore, handWritten];

export const meets = (goal, r) => (goal.min === undefined || r >= goal.min) && (goal.max === undefined || r <= goal.max);

/** Every goal that applies to `row`, with its ratio, whether it is met and whether the guard enforces it. */
export const judge = (row) =>
  GOALS.filter((g) => g.cases.includes(row.name)).map((goal) => {
    const ratio = goal.ratio(row);
    return { goal, ratio, met: meets(goal, ratio), enforced: goal.enforced.includes(row.name) };
  });
