#!/usr/bin/env bash
# The front desk end to end: the real `clinic` in tmux (80×24, NO_COLOR, as on a thin client) against
# a real `clinic-server` with clinics (v2). The owner invites a front desk; the receptionist registers
# in the terminal with the code read over the phone, lands on today's desk with every doctor's day,
# checks a patient in (and undoes a slip), sees the waiting room, opens the records and finds a
# patient's card with no notes pane. The server's audit log, read as the owner, shows the desk's work
# and not one request for a note: the client never asked. Prints "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/e2e-lib.sh

start_server
token=$(register "Dr Amara Okafor" owner@example.org owner-password)
owner_id=$(api GET /api/users/me | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
for name in "Chidi Nwosu" "Lucía Fernández" "Kenji Watanabe"; do api POST /api/patients "{\"name\":\"$name\",\"phone_number\":\"+234 803 555 01$((RANDOM % 90 + 10))\"}" >/dev/null; done
api POST "/api/patients/$(api GET '/api/patients?q=chidi' | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')/notes" \
  '{"content":"Confidential: seen for chest pain, ECG normal."}' >/dev/null
# Today's bookings an hour and two hours from now (so "today" holds them wherever the run is).
iso() { python3 -c "import datetime,sys; t=datetime.datetime.now(datetime.timezone.utc).replace(second=0,microsecond=0)+datetime.timedelta(minutes=int(sys.argv[1])); print(t.strftime('%Y-%m-%dT%H:%M:%SZ'))" "$1"; }
kenji=$(api GET '/api/patients?q=kenji' | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')
api POST /api/appointments "{\"patient_id\":\"$kenji\",\"starts_at\":\"$(iso 5)\",\"ends_at\":\"$(iso 35)\",\"reason\":\"Blood test\"}" >/dev/null

# The owner invites the desk; the code is read over the phone (lower case, spaces).
code=$(api POST /api/clinic/invitations '{"email":"desk@example.org","role":"front_desk"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["code"])')
spoken=$(echo "$code" | tr 'A-Z-' 'a-z ')

# The whole day in slots, in a zone far from its midnight: the present is always on the day view.
zone=$(far_from_midnight_zone)
tmux new-session -d -s "$session" -x 80 -y 24 \
  "env HOME=$tmp TERM=xterm-256color LANG=C.UTF-8 NO_COLOR=1 TZ=$zone $bin/clinic --server $base --hours 00:00-23:45; echo exit=\$? > $tmp/exit; sleep 60"
check "the sign-in screen appears" wait_for "Log in"
press C-r
check "Ctrl-R: the register form asks for an invitation code" wait_for "Invitation"
type_text "Lena Fischer"; press Tab; type_text "desk@example.org"; press Tab; type_text "desk-password"; press Tab
type_text "WRONG-CODE-HERE"; press Enter
check "a wrong code is said at its field" wait_for "↳ " 10
check "…with everything typed kept" wait_for "Lena Fischer"
press C-u; type_text "$spoken"; press Enter
check "the code read over the phone joins the clinic, as the front desk" wait_for "Lena Fischer (front desk)" 15
check "the desk lands on today's desk" wait_for "(today)" 10
check "…with the booking on it" wait_for "Kenji Watanabe · Blood test" 10

# Check in: `t` puts the highlight on the present slot; Kenji (5 minutes from now) begins in it or
# in the next one.
press t
line=$(tmux capture-pane -p -t "$session" | grep -n "Kenji Watanabe · Blood test" | head -1 | cut -d: -f1)
now_row=$(tmux capture-pane -p -t "$session" | grep -n "^▶" | head -1 | cut -d: -f1)
[ -n "$line" ] && [ -n "$now_row" ] && [ "$now_row" -lt "$line" ] && press j
press i
check "i checks the patient in, and says how to undo" wait_for "Checked in" 10
check "the waiting room shows Kenji" wait_for "Waiting: Kenji Watanabe" 5
press u
check "u undoes a slip of the finger" wait_for "Back to booked:" 10
check "…and the waiting room is empty again" stays_away "Waiting: Kenji" 2
press i
check "checked in again" wait_for "Waiting: Kenji Watanabe" 10
check "the server has Kenji arrived" bash -c "curl -sf '$base/api/appointments?patient_id=$kenji' -H 'Authorization: Bearer $token' | grep -qF '\"status\":\"arrived\"'"

# A second doctor joins (a second doctor needs Pro: the owner pays through the local checkout); on a
# wide terminal the desk gets a column per doctor, Tab moves between them.
checkout=$(api POST /api/payments/create-session '{"plan":"pro"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["checkout_url"])')
curl -sf -X POST "$checkout/confirm" >/dev/null
code2=$(api POST /api/clinic/invitations '{"email":"ravi@example.org","role":"doctor"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["code"])')
curl -sf -X POST "$base/api/users/register" -H 'Content-Type: application/json' \
  -d "{\"username\":\"Dr Ravi Menon\",\"email\":\"ravi@example.org\",\"password\":\"ravi-password\",\"invitation_code\":\"$code2\"}" >/dev/null
press S
check "the staff list shows the new doctor" wait_for "Dr Ravi Menon" 10
press Escape; press t
tmux resize-window -t "$session" -x 120 -y 30
check "at 120 columns, a column per doctor (the first chosen)" wait_for "▸ Dr Amara Okafor" 10
check "…and the new doctor's column" wait_for "Dr Ravi Menon"
press Tab
check "Tab chooses the next doctor's column" wait_for "▸ Dr Ravi Menon" 5
tmux resize-window -t "$session" -x 80 -y 24
check "back at 80 columns, one list naming each visit's doctor" wait_for "Okafor · Kenji Watanabe" 10

# The records: the card, no notes.
press p
check "the records show the patient's card" wait_for "Born" 10
check "…with Kenji's visit of today, checked in (asked within the contract's 366 days)" wait_for "Dr Amara Okafor · arrived" 10
press j; press j; press k
press l; press a; press 1
check "no notes pane, no notes key" bash -c "! tmux capture-pane -p -t $session | grep -qiE 'note|ECG|chest pain'"

# Documents at the desk (the clinic is Pro now): a scanned letter filed to the patient, listed with
# its date; the desk opens and deletes nothing (no prompt, nothing asked of the server).
printf '%%PDF-1.4\nReferral letter, scanned at the desk.\n%%%%EOF\n' > "$tmp/referral.pdf"
# The desk signed in before the owner paid: opening the pane re-checks the plan (at most every 10 s).
documents_unlock() { for _ in 1 2 3 4; do press 1; press 2; wait_for "No documents for this patient." 5 && return 0; done; return 1; }
check "the desk's documents pane unlocks once the owner has paid" documents_unlock
press u
check "u asks for the letter's file" wait_for "Upload a document for" 5
type_text "$tmp/referral.pdf"; press Enter
check "the letter is filed and listed, with the day" wait_for "referral.pdf      PDF" 15
check "…dated today" wait_for "$(TZ=$zone date +'%-d %b %Y')" 5
press Tab; press Enter
check "Enter downloads nothing at the desk (no prompt)" stays_away "Into the folder:" 2
check "…and no document was opened in the server's record of it" bash -c "! curl -sf '$base/api/audit?action=document.download' -H 'Authorization: Bearer $token' | grep -qF 'front_desk'"
check "…while the desk's upload is recorded" bash -c "curl -sf '$base/api/audit?action=document.upload' -H 'Authorization: Bearer $token' | grep -qF 'front_desk'"
press h; press 1

# The owner's audit log: the desk's sign-up, check-ins and reads are there; no note was asked for.
audit=$(api GET "/api/audit?limit=200")
check "the audit log holds the desk's check-in" bash -c "echo '$audit' | python3 -c '
import sys,json
items=json.load(sys.stdin)[\"items\"]
sys.exit(0 if any(e[\"actor_role\"]==\"front_desk\" and e[\"action\"]==\"appointment.update\" and e[\"status\"]==200 for e in items) else 1)'"
check "…and its reads of patients" bash -c "echo '$audit' | python3 -c '
import sys,json
items=json.load(sys.stdin)[\"items\"]
sys.exit(0 if any(e[\"actor_role\"]==\"front_desk\" and e[\"action\"].startswith(\"patient\") for e in items) else 1)'"
check "…and not one request for a note by the desk (the client never asked)" bash -c "echo '$audit' | python3 -c '
import sys,json
items=json.load(sys.stdin)[\"items\"]
sys.exit(1 if any(e[\"actor_role\"]==\"front_desk\" and e[\"action\"].startswith(\"note\") for e in items) else 0)'"
check "…while the owner's own note reading is logged (the check could see one)" bash -c "curl -sf '$base/api/patients?q=chidi' -H 'Authorization: Bearer $token' >/dev/null; echo '$audit' | python3 -c '
import sys,json
items=json.load(sys.stdin)[\"items\"]
sys.exit(0 if any(e[\"action\"]==\"note.create\" for e in items) else 1)'"

press q
wait_file "$tmp/exit" 5
check "q exits cleanly" grep -qx "exit=0" "$tmp/exit"

# The owner in the terminal: renames the clinic from the staff screen, and narrows the audit log of
# a patient's record to a person, then to a day, with keys.
end_tmux
mkdir -p "$tmp/owner"; rm -f "$tmp/exit"
tmux new-session -d -s "$session" -x 80 -y 24 \
  "env HOME=$tmp/owner TERM=xterm-256color LANG=C.UTF-8 NO_COLOR=1 TZ=$zone $bin/clinic --server $base; echo exit=\$? > $tmp/exit; sleep 60"
check "the owner's sign-in screen" wait_for "Log in"
type_text "owner@example.org"; press Tab; type_text "owner-password"; press Enter
check "the owner is signed in" wait_line 1 "Dr Amara Okafor │ pro · active" 15
press S
check "the staff screen offers the rename, and help, at 80 columns" wait_line 24 "N rename  ? help" 10
press N
check "N opens the rename form" wait_for "Rename the clinic" 5
press C-u; type_text "Okafor & Menon Clinic"; press Enter
check "the status bar says the new name" wait_line 1 "Okafor & Menon Clinic" 10
check "…and the server has it" bash -c "curl -sf '$base/api/clinic' -H 'Authorization: Bearer $token' | grep -qF 'Okafor & Menon Clinic'"
press Escape; press /; type_text "kenji"; press Enter
check "the owner finds Kenji" wait_line 2 "Kenji Watanabe" 10
press A
check "A opens who opened Kenji's record" wait_for "who opened Kenji Watanabe's record" 10
check "…with the desk's work on it" wait_for "Lena Fischer (desk)" 10
press w
check "w narrows to the selected row's person (the owner, newest)" wait_for "Audit log · Kenji Watanabe · by Dr Amara Okafor" 10
check "…and the desk's rows are gone" stays_away "(desk)" 2
press w
check "w again: everyone" wait_for "Lena Fischer (desk)" 10
press d
check "d: today" wait_for "Audit · Kenji Watanabe · today" 10
press '['
check "[: the day before, when nothing was done" wait_for "Nothing matches these filters" 10
press c
check "c clears the filters" wait_for "Audit log · the whole clinic" 10
press q
wait_file "$tmp/exit" 5
check "the owner's q exits cleanly" grep -qx "exit=0" "$tmp/exit"

echo "e2e-desk: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
