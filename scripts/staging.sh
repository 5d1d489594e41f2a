#!/usr/bin/env bash
# A staging server for demos: PostgreSQL (a cluster of its own under $STAGING_DIR, kept between
# runs), a demo account with realistic data, clinic-server in the foreground on $STAGING_HOST:$STAGING_PORT.
# Prints the one `clinic --server` line a terminal needs. Ctrl-C stops the server and the database.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-.build/debug}
dir=${STAGING_DIR:-$HOME/.local/share/clinic-os-lite/staging}
host=${STAGING_HOST:-0.0.0.0}
port=${STAGING_PORT:-8080}
pg_port=${STAGING_PG_PORT:-54329}
email=${STAGING_EMAIL:-demo@staging.clinic}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pgbin/initdb" ] || { echo "staging: PostgreSQL is not installed (make staging installs it)" >&2; exit 1; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# PostgreSQL's cluster, its socket and log: beside the rest, or as root (PostgreSQL runs as the
# `postgres` user, which cannot enter root's 0700 home) in a folder of its own under /var/lib.
pgdir=$dir/postgres
as_db=()
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  pgdir=/var/lib/clinic-os-lite/staging-$(printf '%s' "$dir" | sha256sum | cut -c1-12)
  mkdir -p "$pgdir"
  chown postgres "$pgdir"
  chmod 700 "$pgdir"
  as_db=(runuser -u postgres --)
elif [ -f "$dir/pg/PG_VERSION" ]; then
  pgdir=$dir  # a cluster made before this layout: kept where it is
else
  mkdir -p "$pgdir"
fi
if [ ! -f "$pgdir/pg/PG_VERSION" ]; then
  "${as_db[@]}" "$pgbin/initdb" -D "$pgdir/pg" -U clinic --auth=trust -E UTF8 --locale=C >/dev/null
fi
# pg_ctl says only "Examine the log output": what PostgreSQL logged for this start is shown (its log
# is kept between runs, so only what this start added), e.g. that the port is already in use.
logged=$(stat -c %s "$pgdir/postgres.log" 2>/dev/null || echo 0)
"${as_db[@]}" "$pgbin/pg_ctl" -D "$pgdir/pg" -l "$pgdir/postgres.log" -w -o "-p $pg_port -k $pgdir -c listen_addresses=127.0.0.1" start >/dev/null \
  || { tail -c +"$((logged + 1))" "$pgdir/postgres.log" >&2 2>/dev/null; exit 1; }
server=""
stop_all() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
  "${as_db[@]}" "$pgbin/pg_ctl" -D "$pgdir/pg" -m fast stop >/dev/null 2>&1 || true
}
trap stop_all EXIT
trap 'exit 0' INT TERM
"${as_db[@]}" "$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" -U clinic clinic 2>/dev/null || true

export DATABASE_URL="postgres://clinic@127.0.0.1:$pg_port/clinic"
# Secrets kept beside the database: tokens survive restarts, and a public bind needs them.
[ -f "$dir/jwt-secret" ] || (umask 077; head -c 48 /dev/urandom | base64 | tr -d '\n' > "$dir/jwt-secret")
[ -f "$dir/demo-password" ] || (umask 077; head -c 12 /dev/urandom | base64 | tr -d '/+=\n' > "$dir/demo-password")
export JWT_SECRET=$(cat "$dir/jwt-secret")
export STRIPE_WEBHOOK_SECRET=${STRIPE_WEBHOOK_SECRET:-whsec_$(cat "$dir/jwt-secret" | sha256sum | cut -c1-32)}
export CLINIC_DATA_DIR="$dir/data"
address=$(hostname -I 2>/dev/null | awk '{print $1}')
# Off loopback the server builds links from PUBLIC_BASE_URL, and runs the local (no-card) checkout
# only when told: a staging demo is where that is wanted.
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://${address:-127.0.0.1}:$port}
export PAYMENT_GATEWAY=${PAYMENT_GATEWAY:-local}
export CLINIC_PASSWORD=$(cat "$dir/demo-password")
"$bin/clinic-server" migrate
# Demo data once: a restarted staging server keeps what the demo changed.
if [ ! -f "$dir/seeded" ]; then
  "$bin/clinic-server" seed --email "$email" --patients 300 >/dev/null && touch "$dir/seeded"
fi
at=${email#*@}; local_part=${email%%@*}
cat <<EOT

  Clinic OS Lite staging: PostgreSQL on 127.0.0.1:$pg_port, API on http://$host:$port
  Demo clinic, three sign-ins (password $CLINIC_PASSWORD for each):
    owner        $email
    doctor       $local_part+doctor@$at
    front desk   $local_part+desk@$at

  Point a terminal at it:
    clinic --server http://${address:-127.0.0.1}:$port
  (from this machine: .build/debug/clinic --server http://127.0.0.1:$port)

EOT
"$bin/clinic-server" serve --host "$host" --port "$port" &
server=$!
wait "$server"
