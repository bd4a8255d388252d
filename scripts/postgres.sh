#!/usr/bin/env bash
# PostgreSQL 15 server binaries for the tests' throwaway clusters: Debian's package. Prints nothing
# when they are already there. (The tests run initdb + pg_ctl themselves, as an unprivileged user.)
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing Debian postgresql for the state-store tests (apt-get)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
