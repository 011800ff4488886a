#!/usr/bin/env bash
# Runs the unit suite under Bun (tests/bun/run_unit.ts); arguments are passed on (a name filter).
# Uses the Bun that ./compile.sh caches in .cache/bun/host, else bun@1.4.5 from npm. Bare imports
# resolve through node_modules/, which ./compile.sh fills (deno install --entrypoint main.ts).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUN_VERSION=1.4.5
BUN=.cache/bun/host/node_modules/bun/bin/bun.exe
if [[ -x "$BUN" && "$("$BUN" --version 2>/dev/null)" == "$BUN_VERSION" ]]; then
  exec "$BUN" run tests/bun/run_unit.ts "$@"
fi
if [[ ! -d node_modules/@noble ]]; then
  echo "node_modules/ is missing the npm imports: run ./compile.sh --host first" >&2
  exit 2
fi
exec npx -y "bun@$BUN_VERSION" run tests/bun/run_unit.ts "$@"
