#!/usr/bin/env bash
# Shared by the tmux end-to-end scripts: a temp folder, a tmux session, a real `clinic-server` on a
# free loopback port, and the check/wait/type helpers. Source it; it sets $tmp, $session, $port,
# $base and counts checks in $passed/$failed.
bin=${BIN:-.build/debug}
for tool in tmux curl python3; do command -v $tool >/dev/null || { echo "e2e: $tool is missing" >&2; exit 1; }; done

tmp=$(mktemp -d /tmp/clinic-e2e.XXXXXX)
session="clinic-e2e-$$"
# A tmux server of this run's own (never the user's, nor another run's), that lets applications set
# its clipboard (OSC 52), so a check that nothing reached the clipboard could see it if something did.
printf 'set -g set-clipboard on\nset -g history-limit 2000\n' > "$tmp/tmux.conf"
tmux() { command tmux -L "$session" -f "$tmp/tmux.conf" "$@"; }
export -f tmux
export session tmp
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
passed=0
failed=0
server=""
extra_cleanup=""

# Ends this run's tmux server and waits until its process is gone, before a new session is made: a
# session asked of a server still exiting (its last session just killed) fails with "server exited
# unexpectedly", and every tmux call after it with "no server running" (seen once in CI).
end_tmux() {
  local pid
  pid=$(tmux display-message -p '#{pid}' 2>/dev/null || true)
  tmux kill-server 2>/dev/null || true
  if [ -n "$pid" ]; then
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  fi
  return 0
}

cleanup() {
  tmux kill-server 2>/dev/null
  [ -n "$server" ] && { kill -9 "$server" && wait "$server"; } 2>/dev/null
  [ -n "$extra_cleanup" ] && eval "$extra_cleanup"
  # A client still closing may write its drafts a moment longer.
  if [ -n "${KEEP:-}" ]; then echo "kept: $tmp" >&2; else rm -rf "$tmp" 2>/dev/null || { sleep 1; rm -rf "$tmp"; }; fi
}
trap cleanup EXIT

start_server() { # extra environment assignments may be given, e.g. ACCESS_TOKEN_SECONDS=5
  # The server picks its own free port and says which: no port chosen here and handed over.
  # (After a restart, `same_port=1` asks for the port it had: a client is pointed at it.)
  rm -f "$tmp/port"
  local wanted=0
  [ -n "${same_port:-}" ] && wanted=$port
  env BCRYPT_COST=4 LOG_LEVEL=error "$@" "$bin/clinic-server" --port "$wanted" --port-file "$tmp/port" --data-dir "$tmp/data" >>"$tmp/server.log" 2>&1 &
  server=$!
  for _ in $(seq 300); do [ -s "$tmp/port" ] && break; kill -0 "$server" 2>/dev/null || break; sleep 0.05; done
  port=$(cat "$tmp/port" 2>/dev/null)
  base="http://127.0.0.1:$port"
  for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && return 0; sleep 0.1; done
  echo "e2e: server did not start" >&2; cat "$tmp/server.log" >&2; exit 1
}

# A zone with a half-hour (or three-quarter) offset, whichever is furthest from its midnight now,
# so that "today" cannot change while a run lasts (a fixed Kolkata failed any run crossing 18:30 UTC).
far_from_midnight_zone() {
  python3 -c '
from datetime import datetime
from zoneinfo import ZoneInfo
def slack(zone):
    now = datetime.now(ZoneInfo(zone)); minutes = now.hour * 60 + now.minute
    return min(minutes, 1440 - minutes)
print(max(["Asia/Kolkata", "Asia/Kathmandu", "Asia/Tehran", "America/St_Johns", "Australia/Adelaide"], key=slack))'
}

check() { # name, then a command that must succeed
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"
  else failed=$((failed + 1)); echo "FAIL $name"; echo "---- screen ----"; tmux capture-pane -p -t "$session" 2>/dev/null; echo "----------------"; fi
}

screen_has() { tmux capture-pane -p -t "$session" | grep -qF -- "$1"; }
wait_for() { # text [seconds]
  local deadline=$((SECONDS + ${2:-10}))
  while [ $SECONDS -lt $deadline ]; do screen_has "$1" && return 0; sleep 0.1; done
  return 1
}
wait_line() { # row text [seconds]: until that screen row holds the text
  local deadline=$((SECONDS + ${3:-10}))
  while [ $SECONDS -lt $deadline ]; do tmux capture-pane -p -t "$session" | sed -n "$1p" | grep -qF -- "$2" && return 0; sleep 0.1; done
  return 1
}
wait_gone() { # text [seconds]: until the text is no longer on the screen
  local deadline=$((SECONDS + ${2:-5}))
  while [ $SECONDS -lt $deadline ]; do screen_has "$1" || return 0; sleep 0.1; done
  return 1
}
stays_away() { # text [seconds]: the text does not appear while the screen settles (no fixed sleep
  # before looking: it is looked for all along, and must not show up in the whole window)
  local deadline=$((SECONDS + ${2:-2}))
  while [ $SECONDS -lt $deadline ]; do screen_has "$1" && return 1; sleep 0.1; done
  return 0
}
wait_file() { # path [seconds]: until it exists
  local deadline=$((SECONDS + ${2:-10}))
  while [ $SECONDS -lt $deadline ]; do [ -s "$1" ] && return 0; sleep 0.1; done
  return 1
}
type_text() { tmux send-keys -t "$session" -l -- "$1"; }
press() { tmux send-keys -t "$session" "$@"; }
api() { # method path [json]
  curl -sf -X "$1" "$base$2" -H "Authorization: Bearer $token" ${3:+-H "Content-Type: application/json" -d "$3"}
}
register() { # name email password: prints the access token
  curl -sf -X POST "$base/api/users/register" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"email\":\"$2\",\"password\":\"$3\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])'
}
