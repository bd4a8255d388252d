#!/usr/bin/env bash
# Installs the workspace (pnpm pinned: pnpm 11 needs Node 22) and builds the packages whose sources
# changed since their last build (all of them on a fresh checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM=(npx --yes pnpm@10.34.9)
"${PNPM[@]}" install --frozen-lockfile --reporter=append-only
stale=()
for dir in packages/*/; do
  name=$(node -p "require('./${dir}package.json').name")
  built="${dir}dist/index.js"
  [ -f "${dir}tsup.config.ts" ] || continue # a package without a build (test helpers)
  if [ ! -f "$built" ] || [ -n "$(find "${dir}src" "${dir}package.json" "${dir}tsup.config.ts" -newer "$built" -print -quit)" ]; then
    stale+=(--filter "$name")
  fi
done
# Dependents rebuild with what changed under them ("...": the package and everything that depends on it).
if [ ${#stale[@]} -gt 0 ]; then
  filters=()
  for ((i = 1; i < ${#stale[@]}; i += 2)); do filters+=(--filter "...${stale[i]}"); done
  "${PNPM[@]}" -r "${filters[@]}" build
else
  echo "packages are up to date: nothing to build"
fi
