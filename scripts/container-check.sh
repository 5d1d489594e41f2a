#!/usr/bin/env bash
# Runs clinic-server the way the Dockerfile's runtime stage does, without a Docker engine: the
# binary and its resource bundle copied into an /app-like folder, started as an unprivileged user
# (`nobody`) with only environment variables (env -i), PostgreSQL for data, Cloud Storage (the
# emulator) for documents, nothing writable but a temp folder. Checks it serves, stores, and that
# bad configuration stops it with one clear line before the port is bound.
# Needs: root (to switch user), scripts/with-postgres.sh's CLINIC_TEST_POSTGRES_URL, the emulator.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-.build/debug}
passed=0
failed=0
check() { local name=$1; shift; if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi; }

[ "$(id -u)" = "0" ] || { echo "container-check: run as root (it switches to nobody)" >&2; exit 1; }
: "${CLINIC_TEST_POSTGRES_URL:?run under scripts/with-postgres.sh}"
app=$(mktemp -d /tmp/clinic-app.XXXXXX)
tmp=$(mktemp -d /tmp/clinic-apptmp.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
port=$(free_port)
gcs_port=$(free_port)
server=""
emulator=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  [ -n "$emulator" ] && kill -9 "$emulator" 2>/dev/null
  rm -rf "$app" "$app.log" "$tmp"
}
trap cleanup EXIT

cp "$bin/clinic-server" "$app/"
cp -R "$bin/ClinicOSLite_ClinicAPI.resources" "$app/"
chmod -R a+rX "$app"
chown nobody "$tmp"
chmod 700 "$tmp"
python3 -m gcp_storage_emulator start --host 127.0.0.1 --port "$gcs_port" --in-memory --default-bucket clinic-docs --quiet >/dev/null 2>&1 &
emulator=$!
# The service account key is a secret mounted read-only (Cloud Run: a Secret Manager volume).
key="$app/key.json"
python3 - "$key" <<'PY'
import json, subprocess, sys
pem = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], capture_output=True, text=True, check=True).stdout
json.dump({"type": "service_account", "client_email": "clinic@staging.iam.gserviceaccount.com", "private_key": pem,
           "token_uri": "http://127.0.0.1:9/token"}, open(sys.argv[1], "w"))
PY
chmod 444 "$key"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$gcs_port/" >/dev/null && break; sleep 0.1; done

run_as_container() { # extra VAR=value pairs, then the command's arguments
  # setpriv execs (no parent left behind), so a background run's $! is the server itself.
  exec setpriv --reuid=nobody --regid=nogroup --clear-groups env -i PATH=/usr/bin:/bin TMPDIR="$tmp" HOME=/nonexistent PORT="$port" HOST=127.0.0.1 LOG_LEVEL=error \
    DATABASE_URL="$CLINIC_TEST_POSTGRES_URL" JWT_SECRET=container-check-jwt-secret-0123456789abcdef \
    STORAGE_URL=gs://clinic-docs GOOGLE_APPLICATION_CREDENTIALS="$key" STORAGE_EMULATOR_HOST="127.0.0.1:$gcs_port" \
    STRIPE_WEBHOOK_SECRET=whsec_container_check "$@"
}

# Configuration errors: exactly one line, a non-zero exit, nothing listening.
config_error() { # expected text, then VAR=value pairs
  local expected=$1; shift
  local out rc
  out=$( (run_as_container "$@" "$app/clinic-server" serve) 2>&1); rc=$?
  [ "$rc" -ne 0 ] && [ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ] && printf '%s' "$out" | grep -qF -- "$expected" \
    || { echo "  got (exit $rc): $out"; return 1; }
}
# A watcher tries the port every few milliseconds while the misconfigured starts run: had one of
# them bound before giving up, the watcher would have connected.
python3 - "$port" "$tmp/watch" <<'PY' &
import socket, sys, time, os
port, out = int(sys.argv[1]), sys.argv[2]
connected = 0
stop = out + ".stop"
while not os.path.exists(stop):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.05).close()
        connected += 1
    except OSError:
        pass
    time.sleep(0.002)
open(out, "w").write(str(connected))
PY
watcher=$!
check "a bad DATABASE_URL stops it with one clear line" config_error "bad DATABASE_URL" DATABASE_URL=mysql://nope
check "a gateway without its secrets stops it" config_error "needs STRIPE_SECRET_KEY, STRIPE_PRICE_ID" PAYMENT_GATEWAY=stripe
check "an unreadable credentials file stops it" config_error "cannot read /nonexistent/key.json" GOOGLE_APPLICATION_CREDENTIALS=/nonexistent/key.json
check "a public bind without PUBLIC_BASE_URL stops it" config_error "PUBLIC_BASE_URL is not set" HOST=0.0.0.0
touch "$tmp/watch.stop"; wait "$watcher"
check "…and none of them was listening meanwhile (a watcher never connected)" bash -c "[ \"\$(cat $tmp/watch)\" = 0 ]"

# The real start: migrations run, the port opens, requests are served.
(run_as_container "$app/clinic-server" serve) >"$app.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
check "healthz answers" curl -sfo /dev/null "http://127.0.0.1:$port/healthz"
check "readyz reaches PostgreSQL" curl -sfo /dev/null "http://127.0.0.1:$port/readyz"
check "the OpenAPI document is served from the resource bundle" bash -c "curl -sf http://127.0.0.1:$port/openapi.yaml | grep -q '^openapi:'"
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/users/register" -H 'Content-Type: application/json' \
  -d "{\"username\":\"Dr Container\",\"email\":\"container-$RANDOM@example.org\",\"password\":\"container-pass\"}" \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
check "registration works (bcrypt, JWT, PostgreSQL)" test -n "$token"
check "a patient is stored" bash -c "curl -sf -X POST http://127.0.0.1:$port/api/patients -H 'Authorization: Bearer $token' -H 'Content-Type: application/json' -d '{\"name\":\"Ada Container\"}' | grep -q 'Ada Container'"
check "nothing was written outside the temp folder" bash -c "[ -z \"\$(find $app -newer $key -type f 2>/dev/null)\" ]"
check "the process watched is the server itself" bash -c "[ \"\$(cat /proc/$server/comm)\" = clinic-server ] && [ \"\$(stat -c %U /proc/$server)\" = nobody ]"
# A request in flight when SIGTERM arrives is answered; then the process exits 0.
curl -s -o "$tmp/inflight" -w '%{http_code}' "http://127.0.0.1:$port/readyz" > "$tmp/inflight.status" &
inflight=$!
kill -TERM "$server"
wait "$inflight"
for _ in $(seq 150); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM stops it" bash -c "! kill -0 $server 2>/dev/null"
wait "$server"; status=$?
check "…gracefully: exit status 0" [ "$status" = 0 ]
check "…and nothing listens on its port any more" bash -c "! curl -s http://127.0.0.1:$port/healthz >/dev/null"
server=""

echo "container-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
