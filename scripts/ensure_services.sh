#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer at DATABASE_URL / REDIS_URL. When one is down but installed
# on this machine, starts it; otherwise stops with what is missing and how to get it.
set -euo pipefail
PY="${PY:-.venv/bin/python}"
read -r pg_host pg_port redis_host redis_port < <("$PY" - <<'PYEOF'
import os, urllib.parse as u
d = u.urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales"))
r = u.urlparse(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
print(d.hostname or "127.0.0.1", d.port or 5432, r.hostname or "127.0.0.1", r.port or 6379)
PYEOF
)
up() { "$PY" -c "import socket,sys; s=socket.create_connection(('$1',$2),timeout=1)" 2>/dev/null; }
local_host() { [[ "$1" == "127.0.0.1" || "$1" == "localhost" || "$1" == "::1" ]]; }

if ! up "$pg_host" "$pg_port"; then
  if local_host "$pg_host" && command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "PostgreSQL is down: starting the local cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
    for _ in $(seq 20); do up "$pg_host" "$pg_port" && break; sleep 0.5; done
  fi
  up "$pg_host" "$pg_port" || {
    echo "PostgreSQL is not reachable at $pg_host:$pg_port. Install it (apt-get install postgresql)," \
         "point DATABASE_URL at a server, or run 'docker compose up'." >&2; exit 1; }
fi
if ! up "$redis_host" "$redis_port"; then
  if local_host "$redis_host" && command -v redis-server >/dev/null 2>&1; then
    echo "Redis is down: starting it"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save "" --appendonly no \
      --dir /tmp --logfile /tmp/redis-aftersales.log
    for _ in $(seq 20); do up "$redis_host" "$redis_port" && break; sleep 0.5; done
  fi
  up "$redis_host" "$redis_port" || {
    echo "Redis is not reachable at $redis_host:$redis_port. Install it (apt-get install redis-server)," \
         "point REDIS_URL at a server, or run 'docker compose up'." >&2; exit 1; }
fi
