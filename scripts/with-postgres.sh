#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster: a temporary folder, a free loopback port,
# CLINIC_TEST_POSTGRES_URL pointing at it; the cluster is stopped and removed afterwards.
# PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "with-postgres: PostgreSQL server binaries not found (apt-get install -y postgresql)" >&2
  exit 1
fi

dir=$(mktemp -d /tmp/clinic-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
as_db_user=()
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$dir"
  as_db_user=(runuser -u postgres --)
fi

cleanup() {
  "${as_db_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${as_db_user[@]}" "$bindir/initdb" -D "$dir/data" -U clinic --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
# Tests trade durability for speed (fsync off); CLINIC_PG_DURABLE=1 keeps PostgreSQL's defaults, for
# checks that kill the database and benchmarks that should cost what production costs.
durability="-c fsync=off -c synchronous_commit=off"
[ -n "${CLINIC_PG_DURABLE:-}" ] && durability=""
# The start command is kept as a script: the crash check kills PostgreSQL and starts it again.
printf '#!/bin/sh\nexec %s "%s/pg_ctl" -D "%s/data" -l "%s/server.log" -w -o "-p %s -k %s -c listen_addresses=127.0.0.1 -c max_connections=1000 %s" start >/dev/null\n' \
  "${as_db_user[*]}" "$bindir" "$dir" "$dir" "$port" "$dir" "$durability" > "$dir/start.sh"
chmod +x "$dir/start.sh"
"$dir/start.sh" || { cat "$dir/server.log" >&2; exit 1; }
"${as_db_user[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U clinic clinic_test

export CLINIC_TEST_POSTGRES_URL="postgres://clinic@127.0.0.1:$port/clinic_test"
export CLINIC_TEST_POSTGRES_DATA="$dir/data" CLINIC_TEST_POSTGRES_START="$dir/start.sh"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
