// The CI guard (run by the test command after the tests): the evaluation cases, provider.evaluator (what
// users call) vs flagd-core and the hand-written decisions, side by side in this one process, judged by
// the goals in goals.mjs. Ratios only — absolute times move with the machine. An enforced goal missed
// fails the run, after the case is measured once more with twice the rounds (one noisy round cannot fail
// CI, a regression does); a goal not enforced yet prints "goal not met" and never fails.
// (Bundle budgets are guarded by the size tests in packages/web and packages/edge, in the same run.)
import { compareEvaluation } from './evaluation.mjs';
import { GUARDED, judge } from './goals.mjs';

const ROUNDS = 5;
const options = { min_cpu_time: 250e6 }; // 250 ms per measurement instead of mitata's 642 ms

const rows = await compareEvaluation(GUARDED, { rounds: ROUNDS, options });
let failed = 0;
let unmet = 0;
for (let row of rows) {
  if (judge(row).some((v) => v.enforced && !v.met)) [row] = await compareEvaluation(GUARDED, { rounds: ROUNDS * 2, options, only: row.name });
  console.log(`     ${row.name.padEnd(40)} ${GUARDED.map((e) => `${e.name} ${row.ns[e.name].toFixed(1)} ns`).join(', ')}`);
  for (const { goal, ratio, met, enforced } of judge(row)) {
    const status = met ? 'ok  ' : enforced ? 'FAIL' : 'WARN';
    if (!met && enforced) failed++;
    if (!met && !enforced) unmet++;
    const note = met ? (enforced ? '' : '  (met; not enforced yet)') : enforced ? '' : '  — goal not met (warning only, not enforced)';
    console.log(`${status} ${row.name.padEnd(40)} ${goal.text(ratio)}${note}`);
  }
}
console.log(`benchmark guard: ${failed ? `${failed} enforced goal(s) missed` : 'every enforced goal met'}${unmet ? `; ${unmet} goal(s) not met (warnings, not enforced)` : ''}`);
process.exitCode = failed ? 1 : 0;
