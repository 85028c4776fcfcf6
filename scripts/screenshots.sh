#!/usr/bin/env bash
# Write screenshots of the main web-console pages to docs/screenshots/ (shown in README.md).
#
# They are taken by the browser tests themselves (tests/browser/, the `shoot` fixture), at
# 1280x800 in headless Chromium, on the test database, so they show what those tests see.
# Extra arguments go to pytest (e.g. -k inspector).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
scripts/install-browser.sh
out=docs/screenshots
mkdir -p "$out"
FAIRTRAIL_SCREENSHOTS="$out" .venv/bin/pytest -q -p no:cacheprovider -p no:xdist tests/browser "$@"
# The pictures README.md shows (a run narrowed with -k takes only some of them).
if [[ $# -eq 0 ]]; then
    for name in 01-enrol 02-queue 03-evidence 04-case 05-file-for-a-worker 06-moderation \
        07-statistics; do
        [[ -s "$out/$name.png" ]] || { echo "screenshots: $out/$name.png was not written" >&2; exit 1; }
    done
fi
ls -l "$out"/*.png
