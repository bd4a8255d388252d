#!/usr/bin/env bash
# Runs the Node test project (unit and integration suites: core, providers, sources, server, CLI,
# PostgreSQL, workerd and edge-runtime) again on other Node majors. Each Node comes from the npm
# registry's node-<platform>-<arch> package, installed once into node_modules/.cache/node-matrix.
#
#   bash scripts/node-matrix.sh          # Node 22 and 24
#   bash scripts/node-matrix.sh 22       # one major
#
# Expects scripts/setup.sh and scripts/postgres.sh to have run (as scripts/test.sh does first). With
# REPORT_DIR set, each run also writes vitest's JSON report there as node-MAJOR.json.
set -euo pipefail
cd "$(dirname "$0")/.."
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(22 24)
platform=$(node -p 'process.platform + "-" + process.arch')
cache=node_modules/.cache/node-matrix
status=0
for major in "${majors[@]}"; do
  dir="$cache/$major"
  bin="$dir/node_modules/node-$platform/bin"
  if [ ! -x "$bin/node" ]; then
    mkdir -p "$dir"
    echo '{ "private": true }' > "$dir/package.json"
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-$platform@$major"
  fi
  echo "== Node $("$bin/node" --version): the node test project"
  # On PATH first, so every `node` a test spawns (the CLI, workers, miniflare) is this one too.
  report=()
  [ -z "${REPORT_DIR:-}" ] || report=(--reporter=json "--outputFile.json=$REPORT_DIR/node-$major.json")
  if ! PATH="$PWD/$bin:$PATH" "$bin/node" node_modules/vitest/vitest.mjs run --configLoader runner --project node --reporter=dot "${report[@]}"; then
    echo "Node $major: FAILED"
    status=1
  fi
done
exit $status
