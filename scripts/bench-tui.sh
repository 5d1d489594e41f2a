#!/usr/bin/env bash
# Terminal client benchmark (release build): renderer figures from `clinic bench-render`, then the
# real app in tmux against a release server with 10,000 patients: start-up to first frame and to
# the first page of patients (median of 5 starts with a saved session), and its RSS.
# Usage: bench-tui.sh [markdown file to write the figures into]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${1:-}" ] && [ -z "${BENCH_TUI_INNER:-}" ]; then
  # Run once more with the output captured, then put it between the file's bench-tui markers.
  out=$(mktemp); BENCH_TUI_INNER=1 "$0" | tee "$out"
  python3 - "$1" "$out" <<'PY'
import re, sys
path, figures = sys.argv[1], open(sys.argv[2]).read().rstrip()
start, end = "<!-- bench-tui:start -->", "<!-- bench-tui:end -->"
block = f"{start}\n```\n{figures}\n```\n{end}"
text = open(path).read()
text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S) if start in text else text + "\n" + block + "\n"
open(path, "w").write(text)
print(f"written to {path}", file=sys.stderr)
PY
  rm -f "$out"; exit 0
fi
bin=.build/release
[ -x "$bin/clinic" ] && [ -x "$bin/clinic-server" ] || { echo "build first: swift build -c release" >&2; exit 1; }

echo "== renderer (in process, ncurses writing to a file) =="
"$bin/clinic" bench-render

tmp=$(mktemp -d /tmp/clinic-bench-tui.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
session="bench-tui-$$"
export CLINIC_DATA_DIR=$tmp/data DATABASE_URL="sqlite://$tmp/data/bench.sqlite" BCRYPT_COST=4 LOG_LEVEL=error CLINIC_PASSWORD=bench-password
trap 'tmux kill-session -t $session 2>/dev/null || true; kill $server 2>/dev/null || true; rm -rf $tmp' EXIT
"$bin/clinic-server" seed --email tui@bench.local --patients 10000 --notes 1 --no-appointments >/dev/null
"$bin/clinic-server" serve --port "$port" & server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

run_clinic() { tmux new-session -d -s "$session" -x 80 -y 24 "env HOME=$tmp TERM=xterm-256color CLINIC_TRACE_STARTUP=$tmp/trace $bin/clinic --server http://127.0.0.1:$port; sleep 30"; }
wait_for() { for _ in $(seq 100); do tmux capture-pane -p -t "$session" | grep -qF "$1" && return 0; sleep 0.05; done; return 1; }
# Log in once; later starts use the saved session.
run_clinic; wait_for "Log in"
tmux send-keys -t "$session" -l "tui@bench.local"; tmux send-keys -t "$session" Tab; tmux send-keys -t "$session" -l "bench-password"; tmux send-keys -t "$session" Enter
wait_for "Dr Amara Okafor"; tmux send-keys -t "$session" q; sleep 0.5; tmux kill-session -t "$session" 2>/dev/null || true

echo "== start-up with a saved session, server on loopback with 10,000 patients =="
for i in 1 2 3 4 5; do
  rm -f "$tmp/trace"; run_clinic; wait_for "↓ more" || true; sleep 0.3
  cat "$tmp/trace" | tr '\n' ' '; echo
  if [ "$i" = 5 ]; then
    pid=$(pgrep -n -x clinic)
    # Scroll through all 10,000 (endless scroll fetches page after page), then measure RSS.
    for _ in $(seq 220); do tmux send-keys -t "$session" G; sleep 0.03; done
    sleep 1
    echo "RSS after scrolling to the end of 10,000 patients: $(( $(ps -o rss= -p "$pid") / 1024 )) MiB ($(tmux capture-pane -p -t "$session" | sed -n 3p | cut -c1-30 | xargs))"
    # Most of that is shared libraries' pages (the Swift runtime, Foundation, libcurl's TLS), shared
    # with every other Swift process: what clinic itself holds is its anonymous memory.
    echo "  of which anonymous (clinic's own): $(( $(awk '/^RssAnon:/ {print $2}' /proc/$pid/status) / 1024 )) MiB; file-backed (libraries): $(( $(awk '/^RssFile:/ {print $2}' /proc/$pid/status) / 1024 )) MiB"
  fi
  tmux send-keys -t "$session" q 2>/dev/null || true; sleep 0.3; tmux kill-session -t "$session" 2>/dev/null || true
done

# Bytes on the wire as a user meets them: the whole screen at 80×24 under script(1), every byte
# clinic writes counted, for 100 cursor moves sent at once (keys coming fast), then 20 moves a third
# of a second apart (each patient's notes preview drawn), then the same on the documents pane.
if command -v script >/dev/null; then
  echo "== bytes per cursor move, whole screen at 80×24 (script(1) in tmux, NO_COLOR unset) =="
  tmux new-session -d -s "$session" -x 80 -y 24 \
    "env HOME=$tmp TERM=xterm-256color script -q -f -c '$bin/clinic --server http://127.0.0.1:$port' $tmp/typescript; sleep 30"
  wait_for "↓ more" || true; sleep 1
  settled() { local a b; b=$(stat -c %s "$tmp/typescript"); while :; do sleep 0.5; a=$(stat -c %s "$tmp/typescript"); [ "$a" = "$b" ] && break; b=$a; done; echo "$a"; }
  before=$(settled)
  tmux send-keys -t "$session" $(printf 'j %.0s' $(seq 100))
  after=$(settled)
  echo "keys coming fast (100 j at once): $(( (after - before) / 100 )) bytes per move"
  before=$after
  for _ in $(seq 20); do tmux send-keys -t "$session" j; sleep 0.33; done
  after=$(settled)
  echo "a move every 1/3 s, the notes preview following: $(( (after - before) / 20 )) bytes per move"
  tmux send-keys -t "$session" 2; sleep 1; before=$(settled)
  for _ in $(seq 20); do tmux send-keys -t "$session" j; sleep 0.33; done
  after=$(settled)
  echo "a move every 1/3 s on the documents pane (locked: the plan is basic): $(( (after - before) / 20 )) bytes per move"
  tmux send-keys -t "$session" q; sleep 0.3; tmux kill-session -t "$session" 2>/dev/null || true
fi
echo "binary sizes: clinic $(( $(stat -c %s "$bin/clinic") / 1048576 )) MiB, clinic-server $(( $(stat -c %s "$bin/clinic-server") / 1048576 )) MiB (release, with debug info)"

# Instruction counts (callgrind) are the stable figure next to the times: each phase runs twice
# with different counts and the difference is divided by the extra keys, so start-up and the
# 10,000 patients' setup cancel out.
if command -v valgrind >/dev/null; then
  echo "== instructions per key (valgrind --tool=callgrind, 10,000 patients) =="
  # Debian's valgrind cannot read the DWARF 5 Swift writes: count on a copy without debug info.
  objcopy --strip-debug "$bin/clinic" "$tmp/clinic-nodebug"
  instructions() { # phase option count
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$tmp/clinic-nodebug" bench-render --phase "$1" "$2" "$3" 2>&1 >/dev/null |
      awk '/Collected :/ {print $4}'
  }
  low=$(instructions keys --keys 100); high=$(instructions keys --keys 1100)
  echo "update + view + diff, moving 100 rows down and back (the list scrolls): $(( (high - low) / 1000 )) instructions per key"
  low=$(instructions draw --moves 20); high=$(instructions draw --moves 220)
  echo "a cursor move inside the page, update + view + ncurses drawing to a file: $(( (high - low) / 200 )) instructions per key"
else
  echo "valgrind is missing (apt-get install -y valgrind): no instruction counts"
fi
