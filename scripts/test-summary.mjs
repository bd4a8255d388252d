// Reads vitest's JSON reports and prints the line CI reads: "N passed, N failed[, N skipped]" — one line
// per report, then (given several) their total last. Exits 1 when anything failed, no test ran, or a
// report is missing.
//
//   node scripts/test-summary.mjs .test-report/vitest.json [.test-report/node-22.json …]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const line = ({ passed, failed, skipped }) => `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;

function countsOf(path) {
  try {
    const report = JSON.parse(readFileSync(path, 'utf8'));
    return {
      passed: report.numPassedTests ?? 0,
      // Suites that failed to load count as failures too: their tests never ran.
      failed: (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0),
      skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    };
  } catch (e) {
    console.log(`test report ${path} unreadable: ${e.message}`);
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

const paths = process.argv.slice(2);
const all = paths.map(countsOf);
const total = all.reduce((t, c) => ({ passed: t.passed + c.passed, failed: t.failed + c.failed, skipped: t.skipped + c.skipped }), { passed: 0, failed: 0, skipped: 0 });
if (paths.length > 1) paths.forEach((p, i) => console.log(`${basename(p, '.json')}: ${line(all[i])}`));
console.log(paths.length > 1 ? `total: ${line(total)}` : line(total));
process.exit(total.failed > 0 || all.some((c) => c.passed === 0) ? 1 : 0);
