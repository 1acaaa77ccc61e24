#!/usr/bin/env bash
# Copy the files offline maps embed (Leaflet, Font Awesome, the Leaflet plugins) from the
# npm packages pinned in kimson_geo/render/assets-src/package-lock.json into the untracked
# folder kimson_geo/render/assets/, each package with its licence.  The wheel carries that
# folder (pyproject: artifacts); nothing of it is in git.
#
#   scripts/vendor_map_assets.sh [--force]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$here/kimson_geo/render/assets-src"
out="$here/kimson_geo/render/assets"
force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "vendor_map_assets.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

stamp="$out/.stamp"
if [ "$force" = 0 ] && [ -f "$stamp" ] && [ "$stamp" -nt "$src/package-lock.json" ] \
   && [ "$stamp" -nt "$0" ]; then
  echo "map assets: up to date in kimson_geo/render/assets"
  exit 0
fi
command -v npm >/dev/null || { echo "vendor_map_assets.sh: npm is not installed" >&2; exit 1; }

(cd "$src" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
nm="$src/node_modules"
tmp="$(mktemp -d "$here/kimson_geo/render/.assets.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# copy PACKAGE FILE... (paths inside the package; folders are copied whole)
copy() {
  local package="$1"; shift
  mkdir -p "$tmp/$package"
  for rel in "$@"; do
    mkdir -p "$tmp/$package/$(dirname "$rel")"
    cp -R "$nm/$package/$rel" "$tmp/$package/$rel"
  done
  cp "$nm/$package/package.json" "$tmp/$package/package.json"
}

copy leaflet LICENSE dist/leaflet.js dist/leaflet.css dist/images
copy @fortawesome/fontawesome-free LICENSE.txt css/all.min.css css/v4-shims.min.css webfonts
copy leaflet-measure LICENSE dist/leaflet-measure.js dist/leaflet-measure.css dist/assets
copy leaflet-mouse-position MIT-LICENCE.txt src/L.Control.MousePosition.js \
  src/L.Control.MousePosition.css
copy leaflet-search license.txt dist/leaflet-search.min.js dist/leaflet-search.min.css images
copy leaflet.fullscreen LICENSE Control.FullScreen.js Control.FullScreen.css icon-fullscreen.svg
copy leaflet-minimap LICENSE.txt src/Control.MiniMap.js src/Control.MiniMap.css src/images

touch "$tmp/.stamp"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "map assets: copied into kimson_geo/render/assets ($(du -sh "$out" | cut -f1))"
