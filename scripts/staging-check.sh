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
log=$home/staging.log
staging=""
cleanup() {
  [ -n "$staging" ] && { kill -TERM "$staging" 2>/dev/null; wait "$staging" 2>/dev/null; }
  if [ "$(id -u)" = "0" ]; then rm -rf "/var/lib/clinic-os-lite/staging-$(printf '%s' "$home/.local/share/clinic-os-lite/staging" | sha256sum | cut -c1-12)"; fi
  rm -rf "$home"
}
trap cleanup EXIT
# Started: our own server logged that it listens on the port (LOG_LEVEL=info), and the port answers.
# /healthz alone could be answered by another server that took the port meanwhile.
started() { grep -qE "address=[^ ]*:$port .*listening" "$log" && curl -sf "http://127.0.0.1:$port/healthz" -o /dev/null; }
# Both ports are picked free here but bound later (by PostgreSQL, by the server): another process
# may take one in between. A start that fails on an address already in use is tried again on fresh
# ports, 5 times at most (the staging folder is kept: a retry reuses its cluster and seed); any
# other failure is reported as it is.
for attempt in 1 2 3 4 5; do
  port=$(free_port); pg_port=$(free_port)
  HOME=$home STAGING_DIR=$home/.local/share/clinic-os-lite/staging STAGING_HOST=127.0.0.1 STAGING_PORT=$port STAGING_PG_PORT=$pg_port \
    LOG_LEVEL=info scripts/staging.sh >"$log" 2>&1 &
  staging=$!
  for _ in $(seq 600); do started && break; kill -0 "$staging" 2>/dev/null || break; sleep 0.2; done
  started && break
  kill -0 "$staging" 2>/dev/null && break  # running but never ready: reported below
  wait "$staging"; staging=""
  [ "$attempt" -lt 5 ] && grep -q "Address already in use" "$log" || break
  echo "staging-check: port $port or $pg_port was taken before staging bound it; trying others" >&2
done
check "staging starts (PostgreSQL, migrations, seed, server)" started
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
