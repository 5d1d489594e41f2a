#!/usr/bin/env bash
# The terminal client under faults: the real `clinic` in tmux, talking to a real `clinic-server`
# through scripts/fault-proxy.py, which turns answers into 500s, a load balancer's 503 page, 10 s
# delays, or names and notes full of escape sequences and right-to-left marks; access tokens last
# 20 s so the client must refresh on its own (longer than the 10 s delay, or no request could
# arrive with a live token). The screen must stay intact, every note typed must
# reach the server exactly once, and the terminal must be restored on exit (q and SIGTERM).
# Prints "N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/e2e-lib.sh

proxy=""
extra_cleanup='[ -n "$proxy" ] && kill "$proxy" 2>/dev/null'
fault() { echo "$*" > "$tmp/fault"; }
fault pass
start_server ACCESS_TOKEN_SECONDS=20
python3 scripts/fault-proxy.py "$base" 0 "$tmp/fault" "$tmp/proxy.log" 2>>"$tmp/proxy.err" &
proxy=$!
wait_file "$tmp/proxy.log.port" 10 || { echo "e2e: the fault proxy did not start" >&2; cat "$tmp/proxy.err" >&2; exit 1; }
proxy_port=$(cat "$tmp/proxy.log.port")
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$proxy_port/healthz" >/dev/null && break; sleep 0.1; done

token=$(register "Dr Faults" faults@example.org faults-password)
for name in "Ada Lovelace" "Grace Hopper" "Mallory Target"; do api POST /api/patients "{\"name\":\"$name\"}" >/dev/null; done
mallory=$(api GET "/api/patients?q=mallory" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')
api POST "/api/patients/$mallory/notes" '{"content":"Seen for a cough."}' >/dev/null
grace=$(api GET "/api/patients?q=grace" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')
notes_with() { # text: how many of Grace's notes on the server hold it
  curl -sf "$base/api/patients/$grace/notes" -H "Authorization: Bearer $(login_token)" |
    python3 -c "import sys,json; print(sum(1 for n in json.load(sys.stdin)['items'] if sys.argv[1] in n['content']))" "$1"
}
login_token() { curl -sf -X POST "$base/api/token" -d "username=faults@example.org&password=faults-password" |
  python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])'; }
wait_notes() { # text [seconds]: until exactly one note holds the text
  local deadline=$((SECONDS + ${2:-15}))
  while [ $SECONDS -lt $deadline ]; do [ "$(notes_with "$1")" = 1 ] && return 0; sleep 0.3; done
  return 1
}
terminal_restored() { # the pane's tty is back in cooked mode with echo, and the alternate screen is left
  tmux send-keys -t "$session" -l "stty -a > $tmp/stty.\$\$; echo \$\$ > $tmp/stty.done" 2>/dev/null; tmux send-keys -t "$session" Enter
  for _ in $(seq 50); do [ -f "$tmp/stty.done" ] && break; sleep 0.1; done
  local file="$tmp/stty.$(cat "$tmp/stty.done" 2>/dev/null)"
  grep -qE '(^| )icanon( |$)' "$file" && grep -qE '(^| )echo( |$)' "$file" && [ "$(tmux display -p -t "$session" '#{alternate_on}')" = 0 ]
}
start_clinic() {
  rm -f "$tmp/exit" "$tmp/stty.done"
  end_tmux
  # After clinic exits, an interactive shell stays in the pane, so its terminal state can be read.
  tmux new-session -d -s "$session" -x 80 -y 24 \
    "env HOME=$tmp TERM=xterm-256color LANG=C.UTF-8 ${clinic_env:-} $bin/clinic ${clinic_args:---server http://127.0.0.1:$proxy_port}; echo exit=\$? > $tmp/exit; exec env -i HOME=$tmp TERM=xterm-256color PS1='$ ' bash --norc -i"
}
clinic_pid() { pgrep -x -P "$(tmux display -p -t "$session" '#{pane_pid}')" clinic; }
# The screen with its attributes, as tmux holds it: colour codes (30-37, 38;…, 40-47, 48;…, 90-97,
# 100-107) are looked for in the SGR sequences capture-pane -e writes.
colour_codes() { tmux capture-pane -e -p -t "$session" | grep -oE $'\e\\[[0-9;:]*m' | tr -d $'\e[m' | tr ';' '\n' |
  grep -cE '^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$'; }
reverse_codes() { tmux capture-pane -e -p -t "$session" | grep -oE $'\e\\[[0-9;:]*m' | tr -d $'\e[m' | tr ';' '\n' | grep -cx 7; }
mouse_reporting() { tmux display -p -t "$session" '#{mouse_standard_flag}#{mouse_button_flag}#{mouse_any_flag}#{mouse_sgr_flag}' | grep -q 1; }

# First, the channels the checks below watch are shown to work: in this tmux server a program
# that writes OSC 52 does reach the clipboard, and OSC 0 does set the title. Then a check that
# nothing got there means the client stopped it, not that nothing could be seen.
tmux new-session -d -s control -x 80 -y 5 "printf '\\033]52;c;%s\\a\\033]0;control-title\\a' \"\$(printf control-clip | base64)\"; sleep 30"
check "(control) a program's OSC 52 reaches this tmux's clipboard" bash -c "for i in \$(seq 50); do tmux show-buffer 2>/dev/null | grep -qF control-clip && exit 0; sleep 0.1; done; exit 1"
check "(control) …and its OSC 0 sets the pane title" bash -c "[ \"\$(tmux display -p -t control '#{pane_title}')\" = control-title ]"
tmux kill-session -t control
while tmux delete-buffer 2>/dev/null; do :; done

# Hostile text from the server (a staging server may store anything): escape sequences, a title
# change, a clipboard write (OSC 52), right-to-left overrides and marks.
fault hostile GET /api/patients
start_clinic
wait_for "Log in"
type_text "faults@example.org"; press Tab; type_text "faults-password"; press Enter
check "logged in through the proxy" wait_for "Dr Faults │ basic"
check "a hostile name is shown as plain text" wait_for "Evil TNEITAP Mallet"
check "…the screen was not cleared by it: the other patients and the status bar are there" \
  bash -c "tmux capture-pane -p -t $session | grep -qF 'Grace Hopper' && tmux capture-pane -p -t $session | sed -n 1p | grep -qF 'Dr Faults' && tmux capture-pane -p -t $session | sed -n 24p | grep -qF '/ search'"
check "…the window title was not changed (OSC 0)" bash -c "[ \"\$(tmux display -p -t $session '#{pane_title}')\" != pwned ]"
check "a hostile note is shown without its sequences" wait_for "Red alert clipboard isolated end"
check "…nothing reached the clipboard (OSC 52)" bash -c "! tmux show-buffer 2>/dev/null | grep -qF stolen && ! tmux list-buffers 2>/dev/null | grep -q ."
# What a sequence would leave on screen if only its ESC were dropped, or its effect if it went
# through: the note's own red (SGR 31 right before "Red alert") and the rest of each sequence.
check "no escape sequence reached the screen: no red from the note, no leftovers of a sequence" bash -c "
  screen=\$(tmux capture-pane -p -e -t $session)
  ! printf '%s' \"\$screen\" | grep -qF \$'\\e[31mRed alert' &&
  ! tmux capture-pane -p -t $session | grep -qE '\\]0;|\\]52;|\\[2J|\\[31m|Pdcs|c3RvbGVu'"
fault pass

# Tokens last 20 s: after 21 s the next request refreshes on its own, without the login screen.
sleep 21
press j   # Grace Hopper: her notes load with an expired token
check "an expired token is refreshed without asking" bash -c "for i in \$(seq 50); do grep -q 'POST /api/token/refresh 200' $tmp/proxy.log && exit 0; sleep 0.2; done; exit 1"
check "…and the login screen did not appear" stays_away "Log in" 2
check "…the notes pane loaded" wait_for "No notes yet" 5

# A 500 on save: the error is shown, the note stays in the editor, saving again later works.
fault 500 POST /api/patients/
press a; type_text "Fault note one: BP 130/85"; press C-s
check "a 500 is reported in the editor, in the server's words" wait_for "Internal Server Error (500)" 10
check "…and the note is still in the editor" wait_for "Fault note one: BP 130/85"
fault pass
press C-s
check "saving again after the 500 lands it, once" wait_notes "Fault note one" 15

# A load balancer's 503 page (the server restarting): kept as a draft and retried on its own.
sleep 1
fault 503 POST /api/patients/
press a; type_text "Fault note two: retried by itself"; press C-s
check "a proxy's 503 keeps the note and says it will retry" wait_for "your note is kept as a draft" 10
check "…the draft is on disk" bash -c "grep -rqF 'Fault note two' $tmp/.local/state/clinic-os-lite/drafts"
fault pass
check "…saved by itself once the server answers, once" wait_notes "Fault note two" 20

# A 10 s delay: the editor shows it is saving and the screen stays whole; then it lands, once.
sleep 1
fault delay:10 POST /api/patients/
press a; type_text "Fault note three: slow network"; press C-s
sleep 3
check "during a 10 s wait the editor says it is saving" wait_for "saving…" 2
check "…and still shows the note and the status bar" \
  bash -c "tmux capture-pane -p -t $session | grep -qF 'Fault note three' && tmux capture-pane -p -t $session | sed -n 1p | grep -qF 'Dr Faults'"
check "…then it is saved, once" wait_notes "Fault note three" 30
fault pass
check "the timeline shows all three notes" bash -c "for i in \$(seq 50); do [ \"\$(tmux capture-pane -p -t $session | grep -c 'Fault note')\" = 3 ] && exit 0; sleep 0.1; done; exit 1"

# Leaving: q, then SIGTERM in a second run; the terminal is restored both times.
press q
wait_file "$tmp/exit" 5
check "q exits cleanly (status 0)" grep -qx "exit=0" "$tmp/exit"
check "…and the terminal is restored (cooked mode, echo, main screen)" terminal_restored
start_clinic
check "a second start uses the saved session" wait_for "Dr Faults │ basic" 20
pkill -TERM -x -P "$(tmux display -p -t "$session" '#{pane_pid}')" clinic
wait_file "$tmp/exit" 5
check "SIGTERM ends it, as a clean exit (status 0: it restored the terminal and left)" grep -qx "exit=0" "$tmp/exit"
check "…and the terminal is restored" terminal_restored

# The colours and the mouse as configured. First the default, as a control: colour codes on screen
# and mouse reporting asked of the terminal, so the checks that they are gone could see them.
start_clinic
check "a third start, with colours" wait_for "Dr Faults │ basic" 20
check "(control) by default the screen has colours" bash -c "$(declare -f colour_codes); [ \$(colour_codes) -gt 0 ]"
check "(control) …and clinic asks the terminal for mouse reports" mouse_reporting
pkill -INT -x -P "$(tmux display -p -t "$session" '#{pane_pid}')" clinic
wait_file "$tmp/exit" 5
check "SIGINT ends it cleanly (status 0)" grep -qx "exit=0" "$tmp/exit"
check "…and the terminal is restored" terminal_restored

# NO_COLOR, and the server from CLINIC_SERVER instead of --server, and --no-mouse.
clinic_env="NO_COLOR=1 CLINIC_SERVER=http://127.0.0.1:$proxy_port" clinic_args="--no-mouse" start_clinic
check "CLINIC_SERVER points clinic at the server (its saved session is used)" wait_for "Dr Faults │ basic" 20
check "NO_COLOR: not one colour on the screen" bash -c "$(declare -f colour_codes); [ \$(colour_codes) = 0 ]"
check "…the selection is still shown (reverse video)" bash -c "$(declare -f reverse_codes); [ \$(reverse_codes) -gt 0 ]"
check "--no-mouse: the terminal keeps its mouse (no reports asked for)" bash -c "$(declare -f mouse_reporting); ! mouse_reporting"
press q; wait_file "$tmp/exit" 5
clinic_args="--no-color --server http://127.0.0.1:$proxy_port" start_clinic
check "--no-color: started" wait_for "Dr Faults │ basic" 20
check "…not one colour on the screen" bash -c "$(declare -f colour_codes); [ \$(colour_codes) = 0 ]"

# A crash (SIGSEGV) gives the terminal back and dies of the crash; a note typed before a hard kill
# (SIGKILL: no handler runs) is offered again on the next start, from the draft written as it was typed.
press a; type_text "Typed just before the crash"
check "…it is on the screen" wait_for "Typed just before the crash" 5
check "…and in the draft on disk" bash -c "for i in \$(seq 50); do grep -rqF 'Typed just before the crash' $tmp/.local/state/clinic-os-lite/drafts && exit 0; sleep 0.1; done; exit 1"
kill -KILL "$(clinic_pid)"
wait_file "$tmp/exit" 5
check "SIGKILL ends it (status 137)" grep -qx "exit=137" "$tmp/exit"
start_clinic
check "after the crash clinic starts on the saved session" wait_for "Dr Faults │ basic" 20
# The header comes from the saved session at once; a is for the selected patient, once the list is there.
check "…and the patient list arrives" wait_for "Seen for a cough" 20
press a
check "the draft is restored in the editor" wait_for "Restored your unsaved draft" 5
check "…with the text typed before the crash" wait_for "Typed just before the crash" 5
kill -SEGV "$(clinic_pid)"
wait_file "$tmp/exit" 5
check "SIGSEGV ends it with the crash's status (139)" grep -qx "exit=139" "$tmp/exit"
check "…and the terminal is restored first" terminal_restored

echo "e2e-faults: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
