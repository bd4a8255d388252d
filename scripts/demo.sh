#!/usr/bin/env bash
# The demo: installs and builds (quietly), then starts `switchyard serve` on a copy of
# examples/shop/flags.json and the shop (Node server + browser page). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "Installing and building (first run: a minute or two)…"
bash scripts/setup.sh >/dev/null
exec node examples/shop/demo.mjs
