#!/usr/bin/env bash
# Server benchmark: the release server on SQLite, one doctor with 1,000 patients (and another
# with 100,000 for search), wrk at 64 connections. Prints req/s, p50, p99 and the server's RSS.
# Usage: scripts/bench-server.sh [seconds per run]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
bin=.build/release/clinic-server
[ -x "$bin" ] || { echo "build it first: swift build -c release --product clinic-server" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

dir=$(mktemp -d /tmp/clinic-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
export CLINIC_DATA_DIR=$dir DATABASE_URL="sqlite://$dir/bench.sqlite" BCRYPT_COST=4 LOG_LEVEL=error CLINIC_PASSWORD=bench-password
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT

echo "seeding (1,000 and 100,000 patients)…" >&2
"$bin" seed --email small@bench.local --patients 1000 --notes 1 --no-appointments >/dev/null
"$bin" seed --email large@bench.local --patients 100000 --notes 0 --no-appointments >/dev/null

"$bin" serve --port "$port" &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
token() { curl -sf -X POST "$base/api/token" -d "username=$1&password=bench-password" | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])'; }
small=$(token small@bench.local)
large=$(token large@bench.local)
echo "idle RSS: $(( $(ps -o rss= -p $server) / 1024 )) MiB" 

run() { # name token path connections
  local out
  local threads=2; [ "$4" -lt 2 ] && threads=1
  out=$(wrk -t$threads -c"$4" -d"${duration}s" --latency -H "Authorization: Bearer $2" "$base$3")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  local errors
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
  printf '%-44s c=%-3s %10s req/s  p50 %8s  p99 %8s  RSS %4s MiB %s\n' "$1" "$4" "$rps" "$p50" "$p99" \
    "$(( $(ps -o rss= -p $server) / 1024 ))" "$errors"
}
echo "machine: $(nproc) cores, $(uname -m); wrk and the server share them"
run "GET /api/patients?limit=50 (1k patients)" "$small" "/api/patients?limit=50" 1
run "GET /api/patients?limit=50 (1k patients)" "$small" "/api/patients?limit=50" 64
run "GET /api/patients?q=gar (100k patients)" "$large" "/api/patients?q=gar&limit=50" 64
run "GET /api/patients?q=shar pri (100k)" "$large" "/api/patients?q=shar%20pri&limit=50" 64
run "GET /api/patients?q=4567 (100k, phone)" "$large" "/api/patients?q=4567&limit=50" 64
run "GET /api/users/me" "$small" "/api/users/me" 64
run "GET /healthz (ceiling: no auth, no DB)" "$small" "/healthz" 64
