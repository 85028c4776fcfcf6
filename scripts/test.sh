#!/usr/bin/env bash
# Lint, format check, migration check and the whole test suite. Extra arguments go to pytest.
#
# Uses SQLite and no broker unless DATABASE_URL / REDIS_URL are set (.ci/run sets both).
# Installs Chromium for the browser tests first when it is missing (scripts/install-browser.sh).
# Runs pytest in parallel with pytest-xdist; PYTEST_WORKERS=0 runs it serially.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
BIN=.venv/bin

step() { printf '\n== %s\n' "$*"; }

# The browser tests (tests/browser/) drive Debian's Chromium; install it when it is missing.
# In CI a missing browser is a failure; elsewhere those tests are skipped and say why.
step "browser (Chromium for tests/browser/)"
if ! scripts/install-browser.sh; then
    if [[ -n "${CI:-}" ]]; then
        echo "test.sh: CI must run the browser tests and Chromium could not be installed." >&2
        exit 1
    fi
    echo "test.sh: WARNING: no Chromium, the browser tests will be skipped." >&2
fi

step "ruff check"
"$BIN/ruff" check .
step "ruff format --check"
"$BIN/ruff" format --check .
step "makemigrations --check"
DJANGO_SETTINGS_MODULE=backend.config.settings.test \
    "$BIN/python" manage.py makemigrations --check --dry-run

# Name the backends, never print the URLs (they may hold passwords).
database="sqlite (in memory)"
if [[ -n "${DATABASE_URL:-}" ]]; then database="${DATABASE_URL%%:*}"; fi
broker="none (tasks in-process; Redis tests skipped)"
if [[ -n "${REDIS_URL:-}" ]]; then broker="${REDIS_URL%%:*}"; fi
step "pytest (database: $database, broker: $broker)"
workers="${PYTEST_WORKERS:-auto}"
xdist=()
if [[ "$workers" != "0" ]]; then xdist=(-n "$workers"); fi
set +e
"$BIN/pytest" -q -p no:cacheprovider "${xdist[@]}" "$@"
status=$?
set -e
if [[ $status -eq 5 ]]; then
    echo "test.sh: pytest collected no tests; that is a failure, not a success." >&2
    exit 1
fi
exit $status
