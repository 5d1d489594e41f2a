#!/usr/bin/env bash
# The operator's commands as the README gives them, run as a person would: `clinic-server backup --to`
# while the server runs, `restore --from` after a disaster (a junk file refused, nothing replaced),
# `create-user` for a front desk, `audit export` to CSV. Prints "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/e2e-lib.sh

server_cli() { env BCRYPT_COST=4 LOG_LEVEL=error "$bin/clinic-server" "$@" --data-dir "$tmp/data"; }
names() { api GET "/api/patients?limit=100" | python3 -c 'import sys,json; print("\n".join(sorted(p["name"] for p in json.load(sys.stdin)["items"])))'; }
stop_server() { kill -TERM "$server"; wait "$server" 2>/dev/null; server=""; }

start_server
token=$(register "Dr Operator" operator@example.org operator-password)
for name in "Amara Okafor" "Lucía Fernández" "Kenji Watanabe"; do api POST /api/patients "{\"name\":\"$name\"}" >/dev/null; done
before=$(names)

check "backup --to while the server runs says what it copied" \
  bash -c "$(declare -f server_cli); bin=$bin tmp=$tmp server_cli backup --to $tmp/backup.sqlite | grep -qF '(3 patients, integrity ok)'"
check "…and the backup is private (0600)" bash -c "[ \"\$(stat -c %a $tmp/backup.sqlite)\" = 600 ]"
check "a backup never overwrites a file" bash -c "$(declare -f server_cli); ! bin=$bin tmp=$tmp server_cli backup --to $tmp/backup.sqlite >/dev/null 2>&1"

api POST /api/patients '{"name":"After The Backup"}' >/dev/null
check "a patient added after the backup is listed" bash -c "[ \"\$(echo '$(names)' | wc -l)\" = 4 ]"
stop_server

printf 'not a database at all' > "$tmp/junk.sqlite"
check "restore refuses a file that is not a database" bash -c "$(declare -f server_cli); ! bin=$bin tmp=$tmp server_cli restore --from $tmp/junk.sqlite >/dev/null 2>&1"
same_port=1 start_server
token=$(curl -sf -X POST "$base/api/token" -d "username=operator@example.org&password=operator-password" | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
check "…and left the database as it was" bash -c "echo '$(names)' | grep -qxF 'After The Backup'"
stop_server

check "restore --from the backup says what it brought back" \
  bash -c "$(declare -f server_cli); bin=$bin tmp=$tmp server_cli restore --from $tmp/backup.sqlite | grep -qF '(3 patients)'"
same_port=1 start_server
token=$(curl -sf -X POST "$base/api/token" -d "username=operator@example.org&password=operator-password" | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
check "after the restore the server holds exactly the backed-up patients" bash -c "[ \"\$(echo '$(names)')\" = \"\$(echo '$before')\" ]"
stop_server

# A front desk made from the command line joins the doctor's clinic and is refused the notes.
check "create-user --role front_desk --clinic joins the clinic" \
  bash -c "$(declare -f server_cli); CLINIC_PASSWORD=desk-password bin=$bin tmp=$tmp server_cli create-user --name 'Front Desk' --email desk@example.org --role front_desk --clinic operator@example.org >/dev/null"
check "…which the audit log records as the operator's (staff.join)" \
  bash -c "$(declare -f server_cli); bin=$bin tmp=$tmp server_cli audit export --clinic operator@example.org --from $(date -u +%F) --to $(date -u -d tomorrow +%F) --output $tmp/joined.csv >/dev/null 2>&1 && grep -F 'staff.join' $tmp/joined.csv | grep -qF 'clinic-server (operator)'"
# A Basic clinic has one doctor (its owner): a second is refused, saying why, and nothing is made.
check "create-user refuses a second doctor on a Basic clinic, saying why" \
  bash -c "$(declare -f server_cli); ! CLINIC_PASSWORD=doctor-password bin=$bin tmp=$tmp server_cli create-user --name 'Dr Extra' --email extra@example.org --role doctor --clinic operator@example.org 2>$tmp/extra.err >/dev/null && grep -qF 'seat' $tmp/extra.err"
start_server
check "…and made no account" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -X POST '$base/api/token' -d 'username=extra@example.org&password=doctor-password')\" = 401 ]"
desk=$(curl -sf -X POST "$base/api/token" -d "username=desk@example.org&password=desk-password" | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
token=$(curl -sf -X POST "$base/api/token" -d "username=operator@example.org&password=operator-password" | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
amara=$(api GET "/api/patients?q=amara" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')
check "…sees the clinic's patients" bash -c "curl -sf '$base/api/patients?q=amara' -H 'Authorization: Bearer $desk' | grep -qF 'Amara Okafor'"
check "…and is refused their notes (403 role_forbidden)" \
  bash -c "curl -s '$base/api/patients/$amara/notes' -H 'Authorization: Bearer $desk' | grep -qF 'role_forbidden'"
api GET "/api/patients/$amara" >/dev/null

# The audit export for an owner's records request: the desk's refusal and the doctor's read are in it.
today=$(date -u +%F); tomorrow=$(date -u -d tomorrow +%F)
check "audit export writes a CSV for the clinic" \
  bash -c "$(declare -f server_cli); bin=$bin tmp=$tmp server_cli audit export --clinic operator@example.org --from $today --to $tomorrow --output $tmp/audit.csv >/dev/null 2>&1 && [ -s $tmp/audit.csv ]"
check "…with the desk's refused attempt on Amara's notes (403)" bash -c "grep -F 'Front Desk,front_desk,notes.list,$amara,' $tmp/audit.csv | grep -qE ',403.?\$'"
check "…and the doctor's read of her record (200)" bash -c "grep -F 'Dr Operator,owner,patient.view,$amara,' $tmp/audit.csv | grep -qE ',200.?\$'"
check "…and the CSV is private (0600)" bash -c "[ \"\$(stat -c %a $tmp/audit.csv)\" = 600 ]"

echo "cli-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
