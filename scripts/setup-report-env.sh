#!/usr/bin/env bash
# Installs what the PDF report needs beyond Python packages, from Debian's packages when
# missing: pango (WeasyPrint's text layout), fonts with Vietnamese glyphs, and poppler-utils
# (pdftotext/pdfimages/pdftoppm, used by the document tests and `make readme-images`).
set -euo pipefail

if command -v pdftotext >/dev/null && ldconfig -p | grep -q libpangoft2-1.0 \
   && fc-list 2>/dev/null | grep -qi "Noto Sans"; then
  exit 0
fi
packages="libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-dejavu-core fonts-noto-core poppler-utils"
if [ "$(id -u)" -eq 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
elif command -v sudo >/dev/null; then
  sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null
else
  echo "setup-report-env.sh: install $packages (Debian) for PDF reports" >&2
  exit 1
fi
