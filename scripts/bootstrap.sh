#!/usr/bin/env bash
# Create .venv with Python 3.11 if it is missing and install the locked dependencies into it.
#
# Reproducible: installs exactly requirements/lock.txt (pinned, hash-checked). Fast when nothing
# changed: a stamp file in .venv records the hash of the lock and of the interpreter, and the
# install is skipped while both match. Override the interpreter with PYTHON=/path/to/python3.11.
set -euo pipefail
cd "$(dirname "$0")/.."

LOCK=requirements/lock.txt
VENV=.venv
STAMP="$VENV/.fairtrail-lock.sha256"

die() { echo "bootstrap: $*" >&2; exit 1; }

find_python() {
    if [[ -n "${PYTHON:-}" ]]; then echo "$PYTHON"; return; fi
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            echo "$candidate"; return
        fi
    done
    die "Python 3.11 is required (set PYTHON=/path/to/python3.11)."
}

PY="$(find_python)"
"$PY" scripts/check_lock.py || exit 1

if [[ -x "$VENV/bin/python" ]] \
    && ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    die "$VENV exists but is not Python 3.11: remove it and run again."
fi
if [[ ! -x "$VENV/bin/python" ]]; then
    echo "bootstrap: creating $VENV with $("$PY" --version)"
    "$PY" -m venv "$VENV"
fi

wanted="$(cat "$LOCK" <("$VENV/bin/python" -VV) | sha256sum | cut -d' ' -f1)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$wanted" ]]; then
    exit 0
fi

echo "bootstrap: installing $LOCK into $VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$LOCK"
"$VENV/bin/python" -m pip check >/dev/null || {
    "$VENV/bin/python" -m pip check >&2
    die "installed packages are inconsistent"
}
echo "$wanted" >"$STAMP"
echo "bootstrap: dependencies installed"
