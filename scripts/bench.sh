#!/usr/bin/env bash
# Runs every benchmark suite and rewrites benchmarks/README.md with the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cd benchmarks
node --expose-gc core.bench.mjs      # evaluation vs flagd-core, GrowthBook, Unleash, LaunchDarkly (+ chart)
node --expose-gc scale.bench.mjs     # 10 / 1,000 / 10,000 flags: load, heap, evaluation
node provider.bench.mjs              # the OpenFeature path
node server.bench.mjs                # switchyard serve under load
node propagation.bench.mjs           # file edit -> N providers (SSE, polling)
node store.bench.mjs                 # rollbacks across 2 replicas on PostgreSQL; file edit -> clients per store
node fleet.bench.mjs                 # guarded rollout on pooled evidence: failure -> 20 instances in 5 processes serve control (MTTR)
node migration.bench.mjs             # the Migration helper's overhead per read beyond the origin calls
node --expose-gc abuse.bench.mjs     # switchyard serve under 600 slow-loris, 4,000 streams, 300 paused readers, one change
node size.mjs                        # bundle sizes vs the peers
node install.mjs                     # Node-only install size, import time, validate start-up (packed tarballs + npm)
