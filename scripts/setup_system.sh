#!/usr/bin/env bash
# Install the Debian packages Rongmei needs, only those missing. Idempotent and quick when
# everything is present (one `dpkg -s` per package, no network).
#   chromium        the browser the Playwright tests drive (/usr/bin/chromium)
#   fonts-noto-cjk  Chinese fonts: without them every Chinese character renders as a box
#   fonts-noto-color-emoji  the columns' icons (emoji) in screenshots and browser tests
#   gettext         msgfmt/xgettext for compilemessages and makemessages
#   ffmpeg          ffmpeg/ffprobe for media metadata and renditions (video, audio)
#   libpango-1.0-0 libpangoft2-1.0-0  text layout for WeasyPrint (the newspaper's PDF proof)
#   nginx-light     the deploy/ nginx configuration is tested against the real server
#   libnginx-mod-rtmp  nginx's RTMP module: the live rooms' ingest (encoders push to port 1935)
#   golang-go golang-github-gorilla-websocket-dev  the Go load client of bench/live_chat
#   wrk             the HTTP load generator of bench/read_path.py
#   postgresql redis-server  `make cluster` runs its own PostgreSQL and Redis (rongmei/cluster.py)
#   nodejs, npm     only when `node` / `npm` are not on PATH (front-end build)
#   python3-venv    only when python3 cannot create a virtual environment
set -euo pipefail

packages=(chromium fonts-noto-cjk fonts-noto-color-emoji gettext ffmpeg libpango-1.0-0 libpangoft2-1.0-0 nginx-light wrk
  libnginx-mod-rtmp golang-go golang-github-gorilla-websocket-dev)
# PostgreSQL and Redis of the machine's own, when their servers are not there yet.
if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then packages+=(postgresql); fi
if ! command -v redis-server >/dev/null 2>&1; then packages+=(redis-server); fi
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi
# Debian's own python3 creates virtual environments only with python3-venv (ensurepip).
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup_system: not a Debian/Ubuntu system; please install: ${missing[*]}" >&2
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "setup_system: missing Debian packages: ${missing[*]}" >&2
  echo "setup_system: install them as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 0
fi

echo "setup_system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
