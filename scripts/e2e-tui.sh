#!/usr/bin/env bash
# End-to-end: the real `clinic` binary in tmux (send-keys, capture-pane) against a real
# `clinic-server`. Prints "N passed, M failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/e2e-lib.sh

# The terminal's zone: a half-hour zone far from its midnight (e2e-lib.sh).
zone=$(far_from_midnight_zone)
echo "e2e-tui: the terminal's zone is $zone"

start_server
token=$(register "Dr E2E" e2e@example.org e2e-password)
for name in "Zoë Müller" "王小明" "José Álvarez-Núñez" "Grace Hopper"; do
  api POST /api/patients "{\"name\":\"$name\"}" >/dev/null
done

# A theme with a syntax error on line 3: reported with file and line, and the default used.
printf 'name = "broken"\n[styles]\nselected = { fg = "cyan" bg = "black" }\n' > "$tmp/broken.toml"
tmux new-session -d -s "$session" -x 80 -y 24 \
  "env HOME=$tmp TERM=xterm-256color LANG=C.UTF-8 TZ=$zone XDG_DOWNLOAD_DIR=$tmp/downloads $bin/clinic --server $base --theme $tmp/broken.toml; echo exit=\$? > $tmp/exit; sleep 60"

check "login screen appears" wait_for "Log in"
check "a broken theme is named with its line, and the default used" wait_for "broken.toml:3:"
type_text "e2e@example.org"; press Tab; type_text "e2e-password"; press Enter
check "logged in: status bar shows the doctor and the trial" wait_for "Dr E2E │ basic · trial, 90 days left"
check "patient list shows names from several scripts" wait_for "王小明"
# A mouse press (SGR report, as xterm sends it) on Zoë Müller's row selects her: she is not the
# selected one before (the newest patient, Grace Hopper, is), so only the press can select her.
selected() { tmux capture-pane -p -t "$session" | sed -n 2p; }
check "before the press another patient is selected" bash -c "$(declare -f selected); ! selected | grep -qF '│ Zoë Müller'"
row=$(tmux capture-pane -p -t "$session" | grep -n "^ Zoë Müller" | head -1 | cut -d: -f1)
tmux send-keys -t "$session" -l $'\e[<0;4;'"$row"'M'; tmux send-keys -t "$session" -l $'\e[<0;4;'"$row"'m'
check "a mouse press selects the patient under it" wait_line 2 "│ Zoë Müller" 5
press /; type_text "alvarez"
check "search finds the accented name from plain letters" wait_for "│ José Álvarez-Núñez" 5
check "search filters the others out" bash -c "! tmux capture-pane -p -t $session | grep -qF 'Grace Hopper'"
press Enter; press a
check "note editor opens" wait_for "New note: José Álvarez-Núñez"
type_text "E2E note: BP 120/80"; press Enter; type_text "Review in 2 weeks."
press C-s
check "note saved" wait_for "Note saved."
check "note shows in the timeline" wait_for "E2E note: BP 120/80"
patient_id=$(api GET "/api/patients?q=alvarez" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')
check "note is on the server" bash -c "curl -sf '$base/api/patients/$patient_id/notes' -H 'Authorization: Bearer $token' | grep -qF 'Review in 2 weeks.'"

# The server dies while a note is being written and saved; the draft survives and is saved later.
press a; type_text "Saved after the server came back"
kill -9 "$server"; wait "$server" 2>/dev/null || true; server=""
press C-s
check "unreachable server: the note is kept" wait_for "Server unreachable" 15
check "the draft is on disk" bash -c "grep -rqF 'Saved after the server came back' $tmp/.local/state/clinic-os-lite/drafts"
same_port=1 start_server
check "saved from the draft once the server is back" wait_for "Note saved." 20
check "…and it is on the server" bash -c "curl -sf '$base/api/patients/$patient_id/notes' -H 'Authorization: Bearer $token' | grep -qF 'Saved after the server came back'"
check "the draft is gone once saved" bash -c "! grep -rqF 'Saved after the server came back' $tmp/.local/state/clinic-os-lite/drafts 2>/dev/null"

# A patient added elsewhere (the front desk) shows after clearing the search.
api POST /api/patients '{"name":"Mallory Newcomer"}' >/dev/null
press /; press C-u; press Enter
check "clearing the search lists everyone, new patients included" wait_for "Mallory Newcomer" 10

# The calendar in the terminal's zone (a half-hour offset): a booking made elsewhere shows at its local
# time, a clashing booking is refused with the clash named and the form kept, a free time books (sent
# as UTC), and the front desk marks it completed.
day=$(TZ=$zone date +%F)
utc() { TZ=UTC date -d "TZ=\"$zone\" $day $1" +%Y-%m-%dT%H:%M:%SZ; }
grace_id=$(api GET "/api/patients?q=grace" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')
api POST /api/appointments "{\"patient_id\":\"$grace_id\",\"starts_at\":\"$(utc 10:00)\",\"ends_at\":\"$(utc 10:30)\",\"reason\":\"E2E checkup\"}" >/dev/null
press t; press g
check "today's agenda shows the booking at its local time" wait_for "Grace Hopper · E2E checkup"
check "…from 10:00 to 10:30 in that zone" wait_for "10:00–10:30"
press b
check "the booking form opens" wait_for "Book an appointment"
type_text "mull"
check "the patient is searched inline" wait_for "Zoë Müller" 5
press Enter; press Tab; press C-u; type_text "10:15"; press Tab; press C-u; type_text "30"; press Tab; type_text "Dressing"
# Ctrl-S until the expected answer shows: a time already past today (the run's time of day decides)
# is said once and booked on the second Ctrl-S. It waits for its own answer, never a message left on
# screen by the previous try.
save_booking() { # expected text
  local confirmed=0
  press C-s
  for _ in $(seq 100); do
    screen_has "$1" && return
    if [ $confirmed = 0 ] && screen_has "is in the past"; then press C-s; confirmed=1; fi
    sleep 0.1
  done
}
save_booking "Clashes with"
check "a clash is refused and named" wait_for "Clashes with 10:00–10:30 Grace Hopper" 10
check "…and the form keeps what was typed" wait_for "Dressing"
press BTab; press BTab; press C-u; type_text "10:30"; save_booking "Booked"
check "a free time books" wait_for "Booked" 10
check "…sent as UTC" bash -c "curl -sf '$base/api/appointments?patient_id=$(api GET "/api/patients?q=mull" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')' -H 'Authorization: Bearer $token' | grep -qF '$(utc 10:30)'"
press c
check "c in the calendar changes no status, it says which key does" wait_for "A visit's status: s" 5
press s
check "s opens the status menu" wait_for "completed (seen)" 5
press c
check "the front desk marks it completed, with the undo said" wait_for "— u to undo" 10
check "…on the server too" bash -c "curl -sf '$base/api/appointments?from=$(utc 00:00)&to=$(utc 23:59)' -H 'Authorization: Bearer $token' | grep -qF '\"status\":\"completed\"'"
press w
check "the week view lists the day's bookings" wait_for "10:30 ✓"
press p

# Upgrade through the local checkout from the terminal; the documents pane unlocks without a restart.
press Enter; press 2
check "documents pane is locked on a trial" wait_for "Documents is a Pro feature"
press U
check "upgrade screen shows the plans" wait_for "29.00 USD / month"
press Enter
check "a checkout is opened with a QR code to scan" wait_for "Scan to pay for Pro"
check "…and the test payment can be confirmed here" wait_for "c  confirm the test payment here"
# y puts the whole address on the clipboard through OSC 52 (tmux keeps it as a paste buffer).
tmux set-option -s set-clipboard on
tmux delete-buffer 2>/dev/null
press y
check "y copies the checkout address whole (OSC 52)" wait_for "y  sent to the clipboard"
check "…and the clipboard holds it unbroken" bash -c "tmux show-buffer | grep -qE '^http://127\.0\.0\.1:[0-9]+/checkout/cs_local_[A-Za-z0-9_-]+\$'"
press c
check "the payment turns the account Pro" wait_for "Pro is active. Documents (2) and analytics (3) are unlocked."
check "the status bar says so" wait_for "pro · active"
press Escape
check "the documents pane unlocks" wait_for "No documents for this patient."
check "the server agrees" bash -c "curl -sf '$base/api/users/me' -H 'Authorization: Bearer $token' | grep -qF '\"plan\":\"pro\"'"

# Documents from the terminal: a path typed with Tab completion is uploaded (streamed, 3 MiB), a
# file the server refuses is said plainly, and the upload comes back byte-identical through its signed URL.
mkdir -p "$tmp/files" "$tmp/downloads"
{ printf '%%PDF-1.4\n'; head -c 3145728 /dev/urandom; printf '\n%%%%EOF\n'; } > "$tmp/files/scan-report.pdf"
cp /bin/ls "$tmp/files/program.pdf"
head -c 21000000 /dev/zero > "$tmp/files/huge.txt"
press u
check "the upload prompt opens" wait_for "Upload a document for"
type_text "$tmp/files/sca"; press Tab
check "Tab completes the path" wait_for "scan-report.pdf"
press Enter
check "the upload lands" wait_for "Uploaded scan-report.pdf." 20
check "…and is listed" wait_for "PDF  3.0 MiB"
press u; type_text "$tmp/files/program.pdf"; press Enter
check "a program disguised as a PDF is refused plainly (415)" wait_for "Not accepted: documents must be PDF, JPEG, PNG or plain text." 10
check "…in the prompt again, the path kept to correct" wait_for "│ $tmp/files/program.pdf"
press C-u; type_text "$tmp/files/huge.txt"; press Enter
check "a file over 20 MiB is refused before it is sent" wait_for "documents are limited to 20 MiB" 10
check "…the prompt keeping that path too" wait_for "│ $tmp/files/huge.txt"
press Escape
check "Esc closes the prompt" wait_gone "Upload a document for"
press Enter
check "the download prompt opens" wait_for "Into the folder:"
check "…offering the folder of XDG_DOWNLOAD_DIR" wait_for "│ $tmp/downloads  "
press Enter
check "the download is saved" wait_for "Saved to" 20
check "…byte-identical to what was uploaded" cmp -s "$tmp/files/scan-report.pdf" "$tmp/downloads/scan-report.pdf"

press q
for _ in $(seq 50); do [ -f "$tmp/exit" ] && break; sleep 0.1; done
check "clean exit" grep -q "exit=0" "$tmp/exit"
check "session file is private" bash -c "[ \"\$(stat -c %a $tmp/.local/state/clinic-os-lite/session.json)\" = 600 ]"

# `clinic logout` signs out for real: the refresh token saved in the session no longer works on the server.
refresh=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["refreshToken"])' "$tmp/.local/state/clinic-os-lite/session.json")
check "clinic logout says so" bash -c "HOME=$tmp $bin/clinic logout | grep -qF 'Logged out.'"
check "…and the server refuses its refresh token" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -X POST $base/api/token/refresh -H 'Content-Type: application/json' -d '{\"refresh_token\":\"$refresh\"}')\" = 401 ]"

# The embedded default never takes the server's environment: with a production DATABASE_URL and a
# public HOST exported, `clinic` still runs its own server on loopback with its own SQLite file.
end_tmux
mkdir -p "$tmp/embedded"
tmux new-session -d -s "$session" -x 80 -y 24 \
  "env HOME=$tmp/embedded TERM=xterm-256color LANG=C.UTF-8 DATABASE_URL=sqlite://$tmp/production.sqlite HOST=0.0.0.0 PAYMENT_GATEWAY=stripe CLINIC_DATA_DIR=$tmp/production $bin/clinic; sleep 60"
check "the embedded default starts with the server's variables exported" wait_for "Starting the clinic on this computer" 10
check "…and signs in to this computer's server" wait_line 1 "│ this computer" 60
check "…on its own database, not the exported one" bash -c "[ ! -e $tmp/production.sqlite ] && [ ! -e $tmp/production ] && [ -e $tmp/embedded/.local/share/clinic-os-lite/clinic.sqlite ]"
# That server is a child process (clinic links no server): it logs to a file of its own, on
# loopback only, and ends with clinic, also when clinic is killed outright.
clinic_pid=$(pgrep -n -f "^$bin/clinic\$" || true)
child_pid=$(pgrep -P "${clinic_pid:-0}" -f "clinic-server local" || true)
check "the embedded server is clinic's child process (clinic-server local)" test -n "$child_pid"
listening=$(ss -ltnpH 2>/dev/null | grep "pid=${child_pid:-0}," | awk '{print $4}')
check "…listening on loopback only" bash -c "[ -n '$listening' ] && ! echo '$listening' | grep -qv '^127\.0\.0\.1:'"
check "…logging to a file of its own" test -e "$tmp/embedded/.local/share/clinic-os-lite/server.log"
check "clinic links no server, store or database driver" bash -c "! nm $bin/clinic | grep -qE 'Hummingbird|PostgresNIO|SQLiteNIO|ClinicStore'"
kill -9 "$clinic_pid" 2>/dev/null
check "killing clinic (-9) ends its server too" bash -c "for _ in \$(seq 50); do kill -0 $child_pid 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
end_tmux
tmux new-session -d -s "$session" -x 80 -y 24 "env HOME=$tmp/embedded TERM=xterm-256color LANG=C.UTF-8 $bin/clinic; sleep 60"
check "started again, on the same database" wait_line 1 "│ this computer" 60
clinic_pid=$(pgrep -n -f "^$bin/clinic\$" || true)
child_pid=$(pgrep -P "${clinic_pid:-0}" -f "clinic-server local" || true)
press q
check "q ends clinic and its server" bash -c "[ -n '$child_pid' ] && for _ in \$(seq 50); do kill -0 $child_pid 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
# The demo's first start seeds a clinic behind the splash: q there leaves at once, server and all.
end_tmux; rm -f "$tmp/exit"
tmux new-session -d -s "$session" -x 80 -y 24 "env HOME=$tmp/splash TERM=xterm-256color LANG=C.UTF-8 $bin/clinic --demo; echo exit=\$? > $tmp/exit; sleep 60"
check "the splash says what is starting, and how to stop" wait_for "Starting the demo clinic on this computer…  (q stops)" 10
clinic_pid=$(pgrep -n -f "^$bin/clinic --demo\$" || true)
child_pid=$(pgrep -P "${clinic_pid:-0}" -f "clinic-server local" || true)
press q
wait_file "$tmp/exit" 10
check "q on the splash leaves cleanly" grep -qx "exit=0" "$tmp/exit"
check "…and stops the server it had started" bash -c "[ -n '$child_pid' ] && for _ in \$(seq 50); do kill -0 $child_pid 2>/dev/null || exit 0; sleep 0.1; done; exit 1"

echo "e2e-tui: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
