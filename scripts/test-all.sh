#!/usr/bin/env bash
# The whole test suite: types, unit tests (SQLite and PostgreSQL), the production build, then the
# browser suite twice: on SQLite and on PostgreSQL. Any failure stops the run with a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${E2E_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/bridge_e2e}"

step() { printf '\n=== %s\n' "$*"; }

step "Type check"
npx tsc --noEmit

step "Security bar: every case of security.md is cited by a test"
npx tsx scripts/security-cases.ts

step "Unit and query tests (Vitest)"
npx vitest run

step "Production build"
npx next build

run_e2e() {
  local label="$1" url="$2"
  step "Browser suite on $label (Playwright)"
  E2E_DATABASE_URL="$url" NODE_OPTIONS=--conditions=react-server npx playwright test
}

mkdir -p .data
rm -f .data/e2e.db .data/e2e.db-wal .data/e2e.db-shm
run_e2e "SQLite" "file:.data/e2e.db"

set +e
npx tsx scripts/reset-postgres-db.ts "$PG_URL"
reset=$?
set -e
if [ "$reset" -eq 3 ]; then
  if [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
    echo "PostgreSQL is required (REQUIRE_POSTGRES=1) but not reachable at $PG_URL" >&2
    exit 1
  fi
  step "SKIPPED: the browser suite on PostgreSQL (no server at $PG_URL; set E2E_POSTGRES_URL to run it)"
elif [ "$reset" -ne 0 ]; then
  exit "$reset"
else
  run_e2e "PostgreSQL" "$PG_URL"
  step "Database outage: PostgreSQL stopped and started under a running bridge (Playwright)"
  E2E_DATABASE_OUTAGE=1 E2E_DATABASE_URL="$PG_URL" NODE_OPTIONS=--conditions=react-server npx playwright test
fi

step "All suites passed"
