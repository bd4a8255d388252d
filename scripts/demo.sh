#!/usr/bin/env bash
# Demo (placeholder until the shop demo lands): validates the example flag file and evaluates it for a
# handful of users through the CLI, exactly as a team would check a flag change before deploying it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
echo "== switchyard validate examples/flags.json"
node packages/cli/bin/switchyard.js validate examples/flags.json
echo
echo "== switchyard evaluate examples/flags.json --batch examples/cases.jsonl"
node packages/cli/bin/switchyard.js evaluate examples/flags.json --batch examples/cases.jsonl
