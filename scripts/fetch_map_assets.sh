#!/usr/bin/env bash
# Install what the browser test of the map needs, offline afterwards:
#   * tests/browser/node_modules: the exact npm packages whose files the map page loads
#     from CDNs (Leaflet, Font Awesome, the plugins), pinned by tests/browser/package-lock.json;
#   * with --chromium (as root): Debian's chromium and fonts with Vietnamese glyphs.
# Safe to run again: it does nothing when everything is already in place.
#
#   scripts/fetch_map_assets.sh [--chromium] [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$here/tests/browser"
want_chromium=0
force=0
for arg in "$@"; do
  case "$arg" in
    --chromium) want_chromium=1 ;;
    --force) force=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "fetch_map_assets.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

if [ "$want_chromium" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "fetch_map_assets.sh: /usr/bin/chromium is missing; run as root or: apt-get install chromium fonts-dejavu-core" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

command -v npm >/dev/null || { echo "fetch_map_assets.sh: npm is not installed" >&2; exit 1; }

stamp="$dir/node_modules/.package-lock.json"
if [ "$force" = 0 ] && [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package-lock.json" ] \
   && [ "$stamp" -nt "$dir/package.json" ]; then
  echo "map assets: up to date in tests/browser/node_modules"
  exit 0
fi
cd "$dir"
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
echo "map assets: installed in tests/browser/node_modules"
