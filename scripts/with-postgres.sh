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
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
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
# The port is picked free here but bound only by PostgreSQL (which cannot pick one itself: the port
# also names its socket), so another process may take it in between: a start that fails on an
# address already in use is tried again on a fresh port, 5 times at most. Any other failure stops.
for attempt in 1 2 3 4 5; do
  port=$(free_port)
  # The start command is kept as a script: the crash check kills PostgreSQL and starts it again.
  printf '#!/bin/sh\nexec %s "%s/pg_ctl" -D "%s/data" -l "%s/server.log" -w -o "-p %s -k %s -c listen_addresses=127.0.0.1 -c max_connections=1000 %s" start >/dev/null\n' \
    "${as_db_user[*]}" "$bindir" "$dir" "$dir" "$port" "$dir" "$durability" > "$dir/start.sh"
  chmod +x "$dir/start.sh"
  rm -f "$dir/server.log"  # this attempt's log only: an earlier attempt's bind error must not be read as this one's
  "$dir/start.sh" 2>"$dir/start.err" && break
  if [ "$attempt" -lt 5 ] && grep -q "Address already in use" "$dir/server.log" 2>/dev/null; then
    echo "with-postgres: port $port was taken before PostgreSQL bound it; trying another" >&2
    continue
  fi
  cat "$dir/start.err" "$dir/server.log" >&2; exit 1
done
"${as_db_user[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U clinic clinic_test

export CLINIC_TEST_POSTGRES_URL="postgres://clinic@127.0.0.1:$port/clinic_test"
export CLINIC_TEST_POSTGRES_DATA="$dir/data" CLINIC_TEST_POSTGRES_START="$dir/start.sh"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
