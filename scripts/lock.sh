#!/usr/bin/env bash
# Regenerate requirements/lock.txt from pyproject.toml (runtime + dev extras), fully pinned with
# sha256 hashes, using pip-tools in a throw-away virtualenv (it is not a runtime dependency).
#
#   scripts/lock.sh                 # keep current pins where still allowed
#   scripts/lock.sh --upgrade       # move every pin to the newest allowed release
#
# Then run `make test`: bootstrap notices the changed lock and reinstalls.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT

"$PYTHON" -m venv "$tools/venv"
"$tools/venv/bin/pip" install --quiet "pip-tools>=7.4"
"$tools/venv/bin/pip-compile" \
    --quiet \
    --extra dev \
    --generate-hashes \
    --allow-unsafe \
    --strip-extras \
    --no-emit-index-url \
    --no-emit-find-links \
    --output-file requirements/lock.txt \
    "$@" \
    pyproject.toml
echo "requirements/lock.txt updated ($(grep -c '==' requirements/lock.txt) pins)."
