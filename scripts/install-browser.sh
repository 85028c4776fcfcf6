#!/usr/bin/env bash
# Make sure the browser the browser tests drive (tests/browser/) is installed: Debian's Chromium.
#
# Playwright drives the system Chromium (/usr/bin/chromium, or CHROMIUM=/path/to/chromium);
# nothing is downloaded at test time. When it is missing this installs the Debian packages with
# apt-get (as root, or through a password-less sudo). Exits non-zero with a clear message when
# that is not possible; scripts/test.sh treats that as a failure when CI is set.
set -euo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
PACKAGES=(chromium fonts-liberation fonts-dejavu-core)

die() { echo "install-browser: ERROR: $*" >&2; exit 1; }

if [[ -x "$CHROMIUM" ]]; then
    exit 0
fi
if [[ "$CHROMIUM" != /usr/bin/chromium ]]; then
    die "CHROMIUM=$CHROMIUM is not an executable file."
fi
command -v apt-get >/dev/null 2>&1 \
    || die "$CHROMIUM is missing and apt-get is not available: install Chromium yourself and set CHROMIUM=/path/to/chromium."

if [[ "$(id -u)" -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    die "$CHROMIUM is missing and installing it needs root: run 'sudo scripts/install-browser.sh' (apt-get install ${PACKAGES[*]})."
fi

echo "install-browser: installing ${PACKAGES[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq || die "apt-get update failed."
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null \
    || die "apt-get install ${PACKAGES[*]} failed."
[[ -x "$CHROMIUM" ]] || die "apt-get finished but $CHROMIUM is still missing."
echo "install-browser: $("$CHROMIUM" --version 2>/dev/null || echo chromium) installed"
