#!/usr/bin/env bash
# The whole test suite from a fresh clone: install, build, run every vitest project, and end with a
# plain "N passed, N failed" line computed from vitest's JSON report; then the benchmark guard (evaluation
# still ≥ 2× flagd-core on every case, measured side by side — ratios, never absolute times) and the
# typedoc API reference.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/chromium.sh
bash scripts/postgres.sh
rm -rf .test-report && mkdir -p .test-report
set +e
npx --yes pnpm@10.34.9 exec vitest run --configLoader runner --reporter=default --reporter=json --outputFile.json=.test-report/vitest.json
vitest_status=$?
node scripts/test-summary.mjs .test-report/vitest.json
summary_status=$?
(cd benchmarks && node guard.mjs)
guard_status=$?
# The API reference (docs/api): fails when a public signature uses a type the package does not export.
npx --yes pnpm@10.34.9 exec typedoc --logLevel Warn --treatWarningsAsErrors
docs_status=$?
[ "$docs_status" -eq 0 ] && echo "API reference: docs/api/index.html"
[ "$vitest_status" -eq 0 ] && [ "$summary_status" -eq 0 ] && [ "$guard_status" -eq 0 ] && [ "$docs_status" -eq 0 ]
