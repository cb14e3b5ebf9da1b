#!/usr/bin/env bash
# Serve Rongmei: one ASGI web process (HTTP + WebSockets) and one task worker.
#
# Embedded default (no REDIS_URL): the channel layer is in memory and lives inside ONE
# process, so HTTP and WebSockets must be served by the same single uvicorn process; the
# task worker is `manage.py db_worker` (django-tasks-db, the queue is a database table).
# With REDIS_URL set the channel layer and the queue are in Redis: the worker becomes
# `manage.py rqworker`, and you may run more web processes (see README, "How it runs").
#
# Live rooms: also an nginx (deploy/nginx.conf with this checkout's paths and ports, generated into
# var/run/nginx-live.conf) for the RTMP ingest on HOST:RTMP_PORT and the HLS files on
# http://HOST:LIVE_HTTP_PORT/hls/ (RONGMEI_LIVE["HLS_BASE_URL"]); HLS never goes through Python.
# Without nginx, or without its RTMP module (Debian's libnginx-mod-rtmp), it warns and goes on
# without that part. LIVE_NGINX=0 leaves it out (a scaled setup runs the real nginx).
#
# Ctrl-C or SIGTERM stops them all; if one process dies, the others are stopped too and the
# script exits with the status of the one that died first.
#
# Environment: HOST (127.0.0.1), PORT (8000), PYTHON (.venv/bin/python), WEB_ARGS (extra
# uvicorn arguments), LIVE_HTTP_PORT (8088), RTMP_PORT (1935), LIVE_NGINX (1).
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

if [[ -n "${REDIS_URL:-}" ]]; then
  worker=("$PY" manage.py rqworker --with-scheduler --job-class django_tasks_rq.Job default)
else
  # --no-reload: a reloading worker forks a child that a signal to the parent would orphan.
  # --interval 0.2: an idle worker looks for new tasks five times a second (one indexed query),
  # so publishing starts within 0.2 s instead of up to 1 s (bench/publishing.py measures it).
  worker=("$PY" manage.py db_worker --queue-name '*' --no-reload --interval 0.2)
fi
# shellcheck disable=SC2206  # WEB_ARGS is split on purpose
# --ws-max-size: nothing a client sends over a socket (a chat line, a command) comes near 64 KB;
# uvicorn's default (16 MB) would let one client make the server buffer that much.
web=("$PY" -m uvicorn rongmei.asgi:application --host "$HOST" --port "$PORT" --ws-max-size 65536 ${WEB_ARGS:-})

# --- live rooms: nginx for the RTMP ingest and the HLS files ------------------------------
LIVE_HTTP_PORT=${LIVE_HTTP_PORT:-8088}
RTMP_PORT=${RTMP_PORT:-1935}
VAR_DIR=${RONGMEI_VAR_DIR:-$PWD/var}
live_nginx=()
if [[ "${LIVE_NGINX:-1}" != "0" ]]; then
  nginx_bin=$(command -v nginx || true)
  if [[ -z "$nginx_bin" && -x /usr/sbin/nginx ]]; then nginx_bin=/usr/sbin/nginx; fi
  if [[ -z "$nginx_bin" ]]; then
    echo "run: WARNING: nginx is not installed: no RTMP ingest and no HLS for live rooms (scripts/setup_system.sh installs it)" >&2
  else
    conf_args=(--prefix "$PWD" --var-dir "$VAR_DIR" --http "$HOST:$LIVE_HTTP_PORT")
    callback_host=$HOST
    if [[ "$HOST" == "0.0.0.0" || "$HOST" == "::" ]]; then callback_host=127.0.0.1; fi
    conf_args+=(--web "$callback_host:$PORT")
    if [[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ]]; then
      conf_args+=(--rtmp "$HOST:$RTMP_PORT")
    else
      echo "run: WARNING: nginx's RTMP module is missing (Debian's libnginx-mod-rtmp): no RTMP ingest; pull relays and HLS still work" >&2
    fi
    if [[ $(id -u) -ne 0 ]]; then conf_args+=(--no-user); fi
    mkdir -p "$VAR_DIR/run" "$VAR_DIR/log" "$VAR_DIR/nginx" "$VAR_DIR/live/hls" "$VAR_DIR/live/rec" "$VAR_DIR/live/run" "$VAR_DIR/pages" "$VAR_DIR/static"
    chmod 755 "$VAR_DIR/live" "$VAR_DIR/live/hls"
    if "$PY" -m rongmei.live.ingest nginx-conf "${conf_args[@]}" > "$VAR_DIR/run/nginx-live.conf" \
        && "$nginx_bin" -t -q -c "$VAR_DIR/run/nginx-live.conf" -p "$PWD" 2> "$VAR_DIR/log/nginx-live-check.log"; then
      live_nginx=("$nginx_bin" -c "$VAR_DIR/run/nginx-live.conf" -p "$PWD" -g "daemon off;")
    else
      echo "run: WARNING: the live rooms' nginx configuration does not work here; running without RTMP ingest and HLS:" >&2
      cat "$VAR_DIR/log/nginx-live-check.log" >&2
    fi
  fi
fi

pids=()
stop() {
  trap - INT TERM
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
}
trap 'echo "run: stopping..."; stop' INT TERM

"${web[@]}" &
pids+=($!)
"${worker[@]}" &
pids+=($!)
if [[ ${#live_nginx[@]} -gt 0 ]]; then
  "${live_nginx[@]}" &
  pids+=($!)
  echo "run: live rooms: HLS at http://$HOST:$LIVE_HTTP_PORT/hls/ (nginx pid ${pids[2]})$([[ " ${conf_args[*]} " == *" --rtmp "* ]] && echo ", RTMP ingest at rtmp://$HOST:$RTMP_PORT/live/<stream key>")"
  # One request loads the app's URLconf (~1.5 s), so an encoder's first publish is not kept waiting.
  if command -v curl >/dev/null 2>&1; then
    (for _ in $(seq 1 100); do curl -sf -o /dev/null "http://$callback_host:$PORT/healthz" && break; sleep 0.2; done) &
  fi
fi

echo "run: web (pid ${pids[0]}) at http://$HOST:$PORT/ , task worker (pid ${pids[1]}): ${worker[*]:1}"
echo "run: press Ctrl-C to stop them"

# Wait until one of them ends (or a signal interrupts the wait), then stop the other.
wait -n "${pids[@]}"
status=$?
stop
for pid in "${pids[@]}"; do
  wait "$pid" 2>/dev/null || true
done
echo "run: stopped"
exit "$status"
