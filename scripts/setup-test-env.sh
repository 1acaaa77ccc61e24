#!/usr/bin/env bash
# Installs what the tests need beyond Python packages: Debian's chromium (driven by
# Playwright in the map tests) and local npm copies of the JavaScript the maps load from
# CDNs (the tests serve them through Playwright routing; there is no internet).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

if [ -f scripts/fetch_map_assets.sh ]; then
  bash scripts/fetch_map_assets.sh
fi
