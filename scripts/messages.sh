#!/usr/bin/env bash
# Translations: extract the translatable strings into backend/locale/<lang>/LC_MESSAGES/django.po
# and compile them to django.mo.
#
#   scripts/messages.sh              # update every .po from the code, then compile
#   scripts/messages.sh --compile    # only compile (after editing translations by hand)
#
# New strings arrive with an empty msgstr, changed ones marked "#, fuzzy". Translate them, run
# `scripts/messages.sh --compile`, then `pytest tests/core/test_i18n.py`: it fails while any entry
# is untranslated or fuzzy, a placeholder differs from the English, or a .mo is older than its .po.
# Commit the .po AND the .mo files: neither CI nor the Docker image compiles them.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
LANGS=(id th ne) # settings.LANGUAGES without English (the test checks that they agree)
# compilemessages walks the whole tree: without these it would also recompile every package's
# catalogs inside .venv.
IGNORE=(--ignore=.venv --ignore=tests --ignore=bench --ignore=data --ignore=docs --ignore=staticfiles)
locales=()
for lang in "${LANGS[@]}"; do locales+=(-l "$lang"); done

if [[ "${1:-}" != "--compile" ]]; then
    # File names without line numbers keep the diffs of unrelated code changes out of the .po files.
    "$PY" manage.py makemessages "${locales[@]}" "${IGNORE[@]}" --add-location=file --no-obsolete
fi
"$PY" manage.py compilemessages "${locales[@]}" "${IGNORE[@]}"

for lang in "${LANGS[@]}"; do
    printf '%s: ' "$lang"
    msgfmt --statistics -o /dev/null "backend/locale/$lang/LC_MESSAGES/django.po"
done
