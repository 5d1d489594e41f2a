#!/usr/bin/env bash
# `make staging` as an operator runs it (as root on CI: PostgreSQL's cluster must live where the
# postgres user can reach, not in root's 0700 home): started, each of its three sign-ins used and
# answered with its role, the front desk refused the notes, stopped by SIGTERM (what Ctrl-C's
# SIGINT does in a terminal; a background job of a script has SIGINT ignored). Prints checks.
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0; failed=0
check() { local name=$1; shift; if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi; }
home=$(mktemp -d /tmp/clinic-staging-check.XXXXXX)
chmod 700 "$home"  # like root's home: nobody else may enter
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
port=$(free_port); pg_port=$(free_port)
log=$home/staging.log
HOME=$home STAGING_DIR=$home/.local/share/clinic-os-lite/staging STAGING_HOST=127.0.0.1 STAGING_PORT=$port STAGING_PG_PORT=$pg_port \
  scripts/staging.sh >"$log" 2>&1 &
staging=$!
cleanup() {
  kill -TERM "$staging" 2>/dev/null; wait "$staging" 2>/dev/null
  if [ "$(id -u)" = "0" ]; then rm -rf "/var/lib/clinic-os-lite/staging-$(printf '%s' "$home/.local/share/clinic-os-lite/staging" | sha256sum | cut -c1-12)"; fi
  rm -rf "$home"
}
trap cleanup EXIT
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; kill -0 "$staging" 2>/dev/null || break; sleep 0.2; done
check "staging starts (PostgreSQL, migrations, seed, server)" curl -sf "http://127.0.0.1:$port/healthz" -o /dev/null
[ "$failed" = 0 ] || { cat "$log"; exit 1; }
password=$(grep -oE 'password [^ )]+' "$log" | head -1 | cut -d' ' -f2)
signin() { # email → access token
  curl -sf -X POST "http://127.0.0.1:$port/api/token" --data-urlencode "username=$1" --data-urlencode "password=$password" \
    | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])'
}
role_of() { curl -sf "http://127.0.0.1:$port/api/users/me" -H "Authorization: Bearer $1" | python3 -c 'import sys,json; print(json.load(sys.stdin)["role"])'; }
for pair in "owner:demo@staging.clinic" "doctor:demo+doctor@staging.clinic" "front_desk:demo+desk@staging.clinic"; do
  role=${pair%%:*}; email=${pair#*:}
  token=$(signin "$email")
  check "the printed $role sign-in works ($email)" [ -n "$token" ]
  check "…and is a $role" [ "$(role_of "$token")" = "$role" ]
  [ "$role" = front_desk ] && desk=$token
done
patient=$(curl -sf "http://127.0.0.1:$port/api/patients?limit=1" -H "Authorization: Bearer $desk" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')
check "the demo clinic has patients" [ -n "$patient" ]
check "the front desk is refused the clinical notes" \
  bash -c "curl -s -o /dev/null -w '%{http_code}' 'http://127.0.0.1:$port/api/patients/$patient/notes' -H 'Authorization: Bearer $desk' | grep -qx 403"
kill -TERM "$staging"
for _ in $(seq 150); do kill -0 "$staging" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM stops the server" bash -c "! kill -0 $staging 2>/dev/null && ! curl -sf http://127.0.0.1:$port/healthz -o /dev/null"
check "…and PostgreSQL" bash -c "! pg_isready -q -h 127.0.0.1 -p $pg_port 2>/dev/null && ! (echo > /dev/tcp/127.0.0.1/$pg_port) 2>/dev/null"
echo "staging-check: $passed passed, $failed failed"
[ "$failed" = 0 ] || { cat "$log"; exit 1; }
