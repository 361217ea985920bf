#!/usr/bin/env bash
# The whole test suite: lint and format, types, unit tests (SQLite and PostgreSQL), the production build, then the
# browser suite twice: on SQLite and on PostgreSQL. Any failure stops the run with a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/../.."

PG_URL="${E2E_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/bridge_e2e}"

step() { printf '\n=== %s\n' "$*"; }

step "Lint (ESLint), format (Prettier) and unused code (knip)"
npx eslint . --max-warnings=0
npx prettier --check . --log-level=warn
npx knip

step "Type check"
npx tsc --noEmit

step "Security bar: every case of security.md is cited by a test"
npx tsx e2e/tools/security-cases.ts

step "Unit and query tests (Vitest)"
npx vitest run

step "Production build (and the standalone directory the image runs)"
npm run build

# Every password, secret, token and state the run hands out is recorded here, and every server's
# output is kept, so the last step can prove none of them reached a log (security.md case 12).
LOG_DIR="$PWD/.data/e2e-logs"
export E2E_SECRETS_FILE="$PWD/.data/e2e-secrets.jsonl"
export E2E_LOG_DIR="$LOG_DIR"
rm -rf "$LOG_DIR" "$E2E_SECRETS_FILE"
mkdir -p "$LOG_DIR"

run_e2e() {
  local label="$1" url="$2"
  shift 2
  step "Browser suite on $label (Playwright)"
  E2E_DATABASE_URL="$url" NODE_OPTIONS=--conditions=react-server "$@" npx playwright test 2>&1 | tee "$LOG_DIR/playwright-$label.log"
}

mkdir -p .data
rm -f .data/e2e.db .data/e2e.db-wal .data/e2e.db-shm
run_e2e "SQLite" "file:.data/e2e.db"

set +e
npx tsx e2e/tools/reset-postgres-db.ts "$PG_URL"
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
  # The accessibility and client-JavaScript specs check pages, not storage: they ran on SQLite.
  step "SKIPPED on PostgreSQL: e2e/accessibility.spec.ts and e2e/client-js.spec.ts (they check the pages, not the database; run on SQLite above)"
  run_e2e "PostgreSQL" "$PG_URL" env E2E_PAGES_ONCE=1
  # The outage case stops the shared PostgreSQL, so it runs alone.
  run_e2e "database-outage" "$PG_URL" env E2E_DATABASE_OUTAGE=1
fi

step "Logs and exported spans of the whole run scanned for secrets (security.md cases 12 and 48)"
# Only the servers' lines: the runner's own output quotes hostile test inputs on purpose.
grep -ah '^\[WebServer\] ' "$LOG_DIR"/playwright-*.log > "$LOG_DIR/servers.log" || true
# spans-*.jsonl: every span the bridges exported to the stand-in's OTLP receiver (e2e/otlp).
npx tsx e2e/tools/scan-logs.ts --secrets "$E2E_SECRETS_FILE" "$LOG_DIR/servers.log" "$LOG_DIR"/bridge-*.log "$LOG_DIR"/spans-*.jsonl

step "Logs of the whole run checked for messages next-intl could not find or format"
# next-intl logs MISSING_MESSAGE, INVALID_MESSAGE or FORMATTING_ERROR for a key a page asked for in
# vain (the page then shows the key itself): any of them in any bridge's output fails the run.
if grep -ahE 'MISSING_MESSAGE|INVALID_MESSAGE|FORMATTING_ERROR|INVALID_KEY' "$LOG_DIR/servers.log" "$LOG_DIR"/bridge-*.log; then
  echo "a page asked for a message that is missing or malformed (above)" >&2
  exit 1
fi

step "All suites passed"
