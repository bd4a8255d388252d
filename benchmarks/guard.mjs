// The CI guard (run by the test command): fails when Switchyard's evaluation is no longer at least
// MIN_RATIO× faster than flagd-core on any case of the evaluation benchmark, measured side by side in
// this one process. Ratios only — absolute times move with the machine. A case under the bar is measured
// once more with twice the rounds before failing, so one noisy round cannot fail CI but a regression does.
// (Bundle budgets are guarded by the size tests in packages/web and packages/edge, in the same run.)
import { compareEvaluation } from './evaluation.mjs';
import flagdCore from './peers/flagd-core.mjs';
import switchyard from './peers/switchyard.mjs';

const MIN_RATIO = 2;
const ROUNDS = 5;
const options = { min_cpu_time: 250e6 }; // 250 ms per measurement instead of mitata's 642 ms
const ratio = (row) => row.ns[flagdCore.name] / row.ns[switchyard.name];

const rows = await compareEvaluation([switchyard, flagdCore], { rounds: ROUNDS, options });
let failed = 0;
for (const row of rows) {
  let r = ratio(row);
  if (r < MIN_RATIO) {
    const [again] = await compareEvaluation([switchyard, flagdCore], { rounds: ROUNDS * 2, options, only: row.name });
    r = ratio(again);
  }
  const ok = r >= MIN_RATIO;
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${row.name.padEnd(40)} ${r.toFixed(1)}× faster than flagd-core (needs ≥ ${MIN_RATIO}×)`);
}
console.log(failed ? `benchmark guard: ${failed} case(s) under ${MIN_RATIO}× flagd-core` : `benchmark guard: every case ≥ ${MIN_RATIO}× flagd-core`);
process.exitCode = failed ? 1 : 0;
