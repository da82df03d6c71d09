#!/usr/bin/env bash
# Everything sdn needs on a fresh Debian bookworm machine with Node 20: the Debian packages
# (scripts/setup-system.sh; `--test` adds what only the tests and benchmarks use), the npm
# packages, and the compiled CLI in dist/.
# Idempotent and quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh "$@"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing the npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
npx tsc -p tsconfig.build.json
