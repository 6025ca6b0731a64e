#!/usr/bin/env bash
# Web (gunicorn), a Celery worker per queue (clock, documents, notify: aftersales/celery.py) and Celery beat
# together. Prints the address, the demo logins and the demo API key once the web answers, then only warnings
# and errors (RUN_LOG_LEVEL=INFO shows every request, task and beat tick). Ctrl-C stops them all and ends with
# status 0; if one of them stops by itself, the others are stopped too and its status is returned.
# Worker processes per queue: CELERY_CLOCK_CONCURRENCY (default 2: a long morning job never holds up the
# minute's SLA scan), CELERY_DOCUMENTS_CONCURRENCY (1: PDFs and recounts take a core; the other stays with the
# web), CELERY_NOTIFY_CONCURRENCY (2: messages wait on the network, not the CPU).
set -uo pipefail
VENV="${VENV:-.venv}"
PORT="${PORT:-8000}"
LEVEL="${RUN_LOG_LEVEL:-WARNING}"
mkdir -p var

names=() pids=()
start() {
  local name="$1"
  shift
  "$@" &
  names+=("$name")
  pids+=($!)
}
stop() {
  trap '' INT TERM HUP
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # A worker finishing a task (warm shutdown) gets STOP_GRACE seconds, then it is killed: its unacknowledged
  # (acks_late) task goes back to the queue for the next start.
  for _ in $(seq $((${STOP_GRACE:-30} * 2))); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.5
  done
  for i in "${!pids[@]}"; do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "The ${names[$i]} did not stop within ${STOP_GRACE:-30} s: killed." >&2
      kill -KILL -- "-${pids[$i]}" 2>/dev/null || kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
  done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop; echo; echo "Stopped web, workers and beat."; exit 0' INT TERM HUP

# Each process in a process group of its own (job control on while they start): Ctrl-C reaches this script
# only, which stops them in order (no "Hitting Ctrl+C again" from the worker, no half-stopped set).
set -m
access=()
if [[ "${LEVEL^^}" == INFO || "${LEVEL^^}" == DEBUG ]]; then access=(--access-logfile -); fi
declare -A concurrency=(
  [clock]="${CELERY_CLOCK_CONCURRENCY:-2}"
  [documents]="${CELERY_DOCUMENTS_CONCURRENCY:-1}"
  [notify]="${CELERY_NOTIFY_CONCURRENCY:-2}"
)
# A worker's standard output carries only its "Warm shutdown" line (its log goes to standard error): three of
# them on Ctrl-C would say nothing the last line does not.
for queue in clock documents notify; do
  start "$queue worker" "$VENV/bin/celery" -A aftersales --quiet worker --loglevel="$LEVEL" --queues "$queue" \
    --concurrency="${concurrency[$queue]}" --hostname "$queue@%h" >/dev/null
done
# Beat's schedule file per installation, as its Redis keys are (CACHE_KEY_PREFIX, else the database's name):
# two installations run from one checkout do not share it.
database="${DATABASE_URL:-postgres:///aftersales}"
database="${database%%\?*}"
schedule="var/celerybeat-schedule-${CACHE_KEY_PREFIX:-${database##*/}}"
start beat "$VENV/bin/celery" -A aftersales --quiet beat --loglevel="$LEVEL" --schedule "$schedule" --pidfile=
start web "$VENV/bin/gunicorn" aftersales.wsgi --bind "0.0.0.0:$PORT" --workers 2 --log-level "${LEVEL,,}" \
  "${access[@]}"
web="${pids[-1]}"
set +m

# The address once the web answers (at most 60 s), then who can log in.
for _ in $(seq 120); do
  "$VENV/bin/python" -c "import socket; socket.create_connection(('127.0.0.1', $PORT), timeout=1)" \
    2>/dev/null && break
  kill -0 "$web" 2>/dev/null || break
  sleep 0.5
done
echo
echo "售后服务 After-sales is running: http://127.0.0.1:$PORT/   (health: http://127.0.0.1:$PORT/healthz)"
"$VENV/bin/python" manage.py shell -v 0 -c \
  "from demo.management.commands.seed_demo import print_demo_access; print_demo_access()"
echo "Ctrl-C stops web, workers and beat."

wait -n "${pids[@]}"
status=$?
for i in "${!pids[@]}"; do
  kill -0 "${pids[$i]}" 2>/dev/null || echo "The ${names[$i]} stopped (status $status): stopping the others." >&2
done
stop
exit "$status"
