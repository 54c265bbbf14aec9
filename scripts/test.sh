#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine of this kind: installs the Node dependencies,
# starts the local stack (PostgreSQL, Redis, ClickHouse, Kafka), lints, type-checks, runs every
# unit and end-to-end test, and closes with one "tests: N passed, N failed" line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

bash scripts/ensure-node-modules.sh

step "local stack"
bash scripts/stack.sh up
bash scripts/stack.sh browser   # Debian's chromium, for the embedded-dashboard browser test
bash scripts/schemathesis.sh >/dev/null   # the OpenAPI conformance fuzzer (PyPI), for test/docs/openapi-fuzz
if [ "${CI:-}" = "true" ]; then
  # CI leaves nothing running behind it.
  trap 'bash scripts/stack.sh down >/dev/null 2>&1 || true' EXIT
fi

step "lint"
npx eslint .
npm run --silent lint:cycles   # no import cycle in src/ (module imports included)

step "type-check (app, migrations, tests, benchmarks)"
npx tsc -p tsconfig.json --noEmit
npx tsc -p src/analytics/embed/client --noEmit   # the embed page's browser script (DOM types)
npx tsc -p src/web --noEmit   # the consoles, against the generated API types (a renamed field fails here)

step "jest (unit + end-to-end against the real servers)"
mkdir -p test/artifacts
status=0
# A test that leaves a handle open makes Jest hang after the summary: fail in minutes, not hours.
timeout --signal=TERM 1200 npx jest --runInBand --json --outputFile=test/artifacts/jest-results.json "$@" || status=$?
[ "$status" -eq 124 ] && echo "jest did not exit within 20 minutes (an open handle?)" >&2

node -e '
  const r = require("./test/artifacts/jest-results.json");
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests + r.numRuntimeErrorTestSuites} failed`);
' || true
exit "$status"
