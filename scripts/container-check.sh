#!/usr/bin/env bash
# Runs clinic-server the way the Dockerfile's runtime stage does, without a Docker engine: the
# binary and its resource bundle copied into an /app-like folder, started as an unprivileged user
# (`nobody`) with only environment variables (env -i), PostgreSQL for data, Cloud Storage (the
# emulator) for documents, nothing writable but a temp folder. Checks it serves, stores, and that
# bad configuration stops it with one clear line before the port is bound.
# Needs: root (to switch user), scripts/with-postgres.sh's CLINIC_TEST_POSTGRES_URL, the emulator, ss.
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
# The port a process listens on (empty until it does), read back from the kernel's listening sockets
# by its pid. The server and the emulator are given port 0 and bind a free one themselves: a port
# picked here and bound later could be taken by another process in between.
listening_port() { ss -Hltnp 2>/dev/null | awk -v pid="pid=$1," 'index($0, pid) { sub(/.*:/, "", $4); print $4; exit }'; }
port=""
gcs_port=""
server=""
emulator=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  [ -n "$emulator" ] && { kill -9 "$emulator"; wait "$emulator"; } 2>/dev/null  # waited: no "Killed" line
  rm -rf "$app" "$app.log" "$tmp"
}
trap cleanup EXIT

cp "$bin/clinic-server" "$app/"
cp -R "$bin/ClinicOSLite_ClinicAPI.resources" "$app/"
chmod -R a+rX "$app"
chown nobody "$tmp"
chmod 700 "$tmp"
# The interpreter itself, not python3: that may be a launcher (pyenv's shim) left behind as the
# emulator's parent, and $! must be the emulator, for its port and for cleanup's kill.
python=$(python3 -c 'import sys; print(sys.executable)')
"$python" -m gcp_storage_emulator start --host 127.0.0.1 --port 0 --in-memory --default-bucket clinic-docs --quiet >/dev/null 2>&1 &
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
for _ in $(seq 100); do gcs_port=$(listening_port "$emulator"); [ -n "$gcs_port" ] && break; kill -0 "$emulator" 2>/dev/null || break; sleep 0.1; done
[ -n "$gcs_port" ] || { echo "container-check: the Cloud Storage emulator did not start" >&2; exit 1; }
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$gcs_port/" >/dev/null && break; sleep 0.1; done

run_as_container() { # extra VAR=value pairs, then the command's arguments
  # setpriv execs (no parent left behind), so a background run's $! is the server itself.
  # PORT=0: it binds a free port itself, read back by its pid (listening_port).
  exec setpriv --reuid=nobody --regid=nogroup --clear-groups env -i PATH=/usr/bin:/bin TMPDIR="$tmp" HOME=/nonexistent PORT=0 HOST=127.0.0.1 LOG_LEVEL=error \
    DATABASE_URL="$CLINIC_TEST_POSTGRES_URL" JWT_SECRET=container-check-jwt-secret-0123456789abcdef \
    STORAGE_URL=gs://clinic-docs GOOGLE_APPLICATION_CREDENTIALS="$key" STORAGE_EMULATOR_HOST="127.0.0.1:$gcs_port" \
    STRIPE_WEBHOOK_SECRET=whsec_container_check "$@"
}

# Configuration errors: exactly one line, a non-zero exit, nothing listening (on the watched port).
config_error() { # expected text, then VAR=value pairs
  local expected=$1; shift
  local out rc
  out=$( (run_as_container PORT="$watched" "$@" "$app/clinic-server" serve) 2>&1); rc=$?
  [ "$rc" -ne 0 ] && [ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ] && printf '%s' "$out" | grep -qF -- "$expected" \
    || { echo "  got (exit $rc): $out"; return 1; }
}
# A watcher tries their port every few milliseconds while the misconfigured starts run: had one of
# them bound before giving up, the watcher would have connected. The port is picked free here, so
# another program may take it meanwhile: a listener that ss names as another program is not
# counted (one gone before ss looks is). The starts wait until the watcher has begun (.ready).
watched=$(free_port)
python3 - "$watched" "$tmp/watch" <<'PY' &
import socket, subprocess, sys, time, os
port, out = int(sys.argv[1]), sys.argv[2]
connected = 0
stop = out + ".stop"
told = False
while not os.path.exists(stop):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.05).close()
        listener = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True).stdout
        if "users:" in listener and '"clinic-server"' not in listener:
            if not told:
                print(f"container-check: port {port} was taken by another program (not counted): {listener.strip()}", file=sys.stderr)
                told = True
        else:
            connected += 1
    except OSError:
        pass
    if not os.path.exists(out + ".ready"):
        open(out + ".ready", "w").close()
    time.sleep(0.002)
open(out, "w").write(str(connected))
PY
watcher=$!
for _ in $(seq 100); do [ -e "$tmp/watch.ready" ] && break; kill -0 "$watcher" 2>/dev/null || break; sleep 0.05; done
check "a bad DATABASE_URL stops it with one clear line" config_error "bad DATABASE_URL" DATABASE_URL=mysql://nope
check "a gateway without its secrets stops it" config_error "needs STRIPE_SECRET_KEY, STRIPE_PRICE_ID" PAYMENT_GATEWAY=stripe
check "an unreadable credentials file stops it" config_error "cannot read /nonexistent/key.json" GOOGLE_APPLICATION_CREDENTIALS=/nonexistent/key.json
check "a public bind without PUBLIC_BASE_URL stops it" config_error "PUBLIC_BASE_URL is not set" HOST=0.0.0.0
touch "$tmp/watch.stop"; wait "$watcher"
check "…and none of them was listening meanwhile (a watcher never connected)" bash -c "[ \"\$(cat $tmp/watch)\" = 0 ]"

# The real start: migrations run, the port opens, requests are served.
(run_as_container "$app/clinic-server" serve) >"$app.log" 2>&1 &
server=$!
for _ in $(seq 100); do port=$(listening_port "$server"); [ -n "$port" ] && break; kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
[ -n "$port" ] || echo "  it never listened: $(cat "$app.log")"
for _ in $(seq 100); do [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
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
# A request in flight when SIGTERM arrives is answered; then the process exits 0. The request is
# slow as an upload on a poor line is: its head and half its body are sent before SIGTERM (on a
# connection that has served a request already, so the server is reading it), the rest only once
# the server has begun shutting down (its port refuses new connections; 5 s at most).
python3 - "$port" "$token" "$tmp/inflight" <<'PY' &
import http.client, json, socket, sys, time
port, token, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
try:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/healthz")
    connection.getresponse().read()
    body = json.dumps({"name": "Ada In Flight"}).encode()
    connection.putrequest("POST", "/api/patients")
    connection.putheader("Authorization", "Bearer " + token)
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders()
    connection.send(body[: len(body) // 2])
    open(out + ".sent", "w").close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            break
        time.sleep(0.01)
    connection.send(body[len(body) // 2 :])
    status = str(connection.getresponse().status)
except (OSError, http.client.HTTPException) as error:
    status = f"no answer ({error!r})"
open(out + ".status", "w").write(status)
PY
inflight=$!
for _ in $(seq 100); do [ -e "$tmp/inflight.sent" ] && break; kill -0 "$inflight" 2>/dev/null || break; sleep 0.05; done
kill -TERM "$server"
wait "$inflight"
inflight_status=$(cat "$tmp/inflight.status" 2>/dev/null)
answered() { [ "$inflight_status" = 201 ] || { echo "  got: ${inflight_status:-nothing}"; return 1; }; }
check "a request in flight when SIGTERM arrives is answered (201, not dropped)" answered
for _ in $(seq 150); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
check "SIGTERM stops it" bash -c "! kill -0 $server 2>/dev/null"
wait "$server"; status=$?
check "…gracefully: exit status 0" [ "$status" = 0 ]
check "…and nothing listens on its port any more" bash -c "! curl -s http://127.0.0.1:$port/healthz >/dev/null"
server=""

echo "container-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
