#!/usr/bin/env bash
# Serve Fairtrail on a laptop: install, migrate, seed the demo data, run the development server.
#
# With no environment variables this is the embedded default: SQLite in ./data, files on local
# disk, background tasks in-process. HOST and PORT change the address (default 127.0.0.1:8000).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-backend.config.settings.local}"
PY=.venv/bin/python

"$PY" manage.py migrate --noinput
"$PY" manage.py seed_demo
echo "Serving on http://${HOST:-127.0.0.1}:${PORT:-8000}/  (API docs: /api/docs/, Ctrl-C stops)"
exec "$PY" manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
