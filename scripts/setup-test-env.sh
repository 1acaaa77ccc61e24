#!/usr/bin/env bash
# Installs what the tests need beyond Python packages: Debian's chromium and fonts with
# Vietnamese glyphs (driven by Playwright in the map tests), local npm copies of the
# JavaScript the maps load from CDNs (served through Playwright routing: no internet),
# the report's PDF engine libraries (pango for WeasyPrint, poppler-utils for pdftotext and
# pdfimages in the document tests) and the offline map's vendored assets.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then
  sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core >/dev/null
fi
bash scripts/fetch_map_assets.sh --chromium

# PostgreSQL with PostGIS for the store tests (Debian's postgresql-15-postgis-3); the URL
# goes to $TMPDIR/kimson-postgis/url, where the tests read it.
bash scripts/start-postgis.sh

# the report document: WeasyPrint needs pango; the tests read PDFs with poppler-utils
bash scripts/setup-report-env.sh
bash scripts/vendor_map_assets.sh
