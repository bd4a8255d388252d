#!/usr/bin/env bash
# Installs the workspace (pnpm pinned: pnpm 11 needs Node 22) and builds every package.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM=(npx --yes pnpm@10.34.9)
"${PNPM[@]}" install --frozen-lockfile --reporter=append-only
"${PNPM[@]}" -r --filter './packages/*' build
