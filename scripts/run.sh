#!/usr/bin/env bash
# Web (gunicorn), Celery worker and Celery beat together; Ctrl-C stops all three.
set -euo pipefail
VENV="${VENV:-.venv}"
PORT="${PORT:-8000}"
mkdir -p var
pids=()
cleanup() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup INT TERM EXIT
"$VENV/bin/celery" -A aftersales worker --loglevel=INFO --concurrency=2 --hostname "worker@%h" & pids+=($!)
"$VENV/bin/celery" -A aftersales beat --loglevel=INFO --schedule var/celerybeat-schedule --pidfile= & pids+=($!)
"$VENV/bin/gunicorn" aftersales.wsgi --bind "0.0.0.0:$PORT" --workers 2 --access-logfile - & pids+=($!)
sleep 2
echo
echo "售后服务 After-sales is running: http://127.0.0.1:$PORT/   (health: http://127.0.0.1:$PORT/healthz)"
"$VENV/bin/python" manage.py shell -v 0 -c "from network.demo import print_logins; print_logins()"
echo "Ctrl-C stops web, worker and beat."
wait -n "${pids[@]}"
