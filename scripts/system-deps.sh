#!/bin/sh
# Debian packages the Python dependencies need to build or run on a fresh machine.
# PyICU (pulled in by followthemoney's normality) compiles against ICU: libicu-dev, pkg-config.
# WeasyPrint (PDF reports) needs Pango and HarfBuzz-subset; the report tests render PDF
# pages with pdftoppm (poppler-utils); fonts-dejavu-core gives the PDFs a font on a bare machine.
# Installs only what is missing; needs root or sudo for that, and says so otherwise.
set -eu
PACKAGES="libicu-dev pkg-config g++ libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils fonts-dejavu-core"
command -v dpkg-query >/dev/null 2>&1 || { echo "system-deps: not a Debian system; install: $PACKAGES" >&2; exit 0; }
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "system-deps: installing$missing"
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "system-deps: need root to install:$missing" >&2; exit 1; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
