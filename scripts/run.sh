#!/usr/bin/env bash
# Serve Rongmei: one ASGI web process (HTTP + WebSockets) and one task worker.
#
# Embedded default (no REDIS_URL): the channel layer is in memory and lives inside ONE
# process, so HTTP and WebSockets must be served by the same single uvicorn process; the
# task worker is `manage.py db_worker` (django-tasks-db, the queue is a database table).
# With REDIS_URL set the channel layer and the queue are in Redis: the worker becomes
# `manage.py rqworker`, and you may run more web processes (see README, "How it runs").
#
# Ctrl-C or SIGTERM stops both; if either process dies, the other is stopped too and the
# script exits with the status of the one that died first.
#
# Environment: HOST (127.0.0.1), PORT (8000), PYTHON (.venv/bin/python), WEB_ARGS (extra
# uvicorn arguments).
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
web=("$PY" -m uvicorn rongmei.asgi:application --host "$HOST" --port "$PORT" ${WEB_ARGS:-})

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

echo "run: web (pid ${pids[0]}) at http://$HOST:$PORT/ , task worker (pid ${pids[1]}): ${worker[*]:1}"
echo "run: press Ctrl-C to stop both"

# Wait until one of them ends (or a signal interrupts the wait), then stop the other.
wait -n "${pids[@]}"
status=$?
stop
for pid in "${pids[@]}"; do
  wait "$pid" 2>/dev/null || true
done
echo "run: stopped"
exit "$status"
