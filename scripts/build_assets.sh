#!/usr/bin/env bash
# Copy the front-end files we serve from node_modules/ (installed by `npm ci` from
# package-lock.json) into build/static/, which is in STATICFILES_DIRS. No CDN: every
# JS/CSS file a page loads comes from here or from rongmei/static/.
#
# To add a library: `npm install --save-exact NAME@VERSION`, then add one line to ASSETS
# below: "<file under node_modules/>  <path under build/static/>".
set -euo pipefail
cd "$(dirname "$0")/.."

ASSETS=(
  "htmx.org/dist/htmx.min.js  vendor/htmx.min.js"
  "hls.js/dist/hls.light.min.js  vendor/hls.light.min.js"
  "hls.js/dist/hls.light.min.js.map  vendor/hls.light.min.js.map"
  "echarts/dist/echarts.min.js  vendor/echarts.min.js"
)

out=build/static
for line in "${ASSETS[@]}"; do
  read -r src dest <<<"$line"
  if [[ ! -f "node_modules/$src" ]]; then
    echo "build_assets: node_modules/$src is missing (run: npm ci)" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$out/$dest")"
  cp "node_modules/$src" "$out/$dest"
done
echo "build_assets: ${#ASSETS[@]} file(s) copied into $out/"
