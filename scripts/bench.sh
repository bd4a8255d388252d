#!/usr/bin/env bash
# Runs every benchmark suite and rewrites benchmarks/README.md with the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cd benchmarks
node --expose-gc core.bench.mjs
node provider.bench.mjs
node server.bench.mjs
node killswitch.bench.mjs
node size.mjs
