#!/usr/bin/env python3
"""Crash durability: a writer creates patients and notes as fast as it can while the server is
killed with SIGKILL at random moments and restarted. Afterwards every write that was answered 2xx
must be present, and SQLite's integrity_check must pass.

With --postgres (run under scripts/with-postgres.sh, CLINIC_PG_DURABLE=1) the server uses that
PostgreSQL; with --kill-database every third kill is PostgreSQL's own (SIGKILL to the postmaster,
then started again): the server must answer 503 meanwhile, recover by itself, and nothing
acknowledged may be lost. Usage: reliability-crash.py [kills] [--postgres [--kill-database]]"""
import json, os, random, signal, socket, sqlite3, subprocess, sys, tempfile, threading, time, urllib.request, urllib.error

# Random choices repeat with SEED=the printed number.
SEED = int(os.environ.get("SEED") or time.time_ns() % 2**32)
random.seed(SEED)
print(f"{os.path.basename(__file__)}: seed {SEED} (SEED={SEED} repeats these random choices)", flush=True)

arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
kills = int(arguments[0]) if arguments else 20
postgres = "--postgres" in sys.argv
kill_database = "--kill-database" in sys.argv
binary = os.environ.get("BIN", ".build/debug") + "/clinic-server"
work = tempfile.mkdtemp(prefix="clinic-crash-")
port = 0  # the first start picks a free one; restarts take the same again (the client writes to it)
base = ""
env = dict(os.environ, BCRYPT_COST="4", LOG_LEVEL=os.environ.get("CRASH_LOG_LEVEL", "error"), CLINIC_DATA_DIR=work)
if postgres:
    if not os.environ.get("CLINIC_TEST_POSTGRES_URL"):
        raise SystemExit("--postgres: run under scripts/with-postgres.sh")
    env["DATABASE_URL"] = os.environ["CLINIC_TEST_POSTGRES_URL"]
database_kills = 0
server_recovered_after_database = []

def kill_postgres():
    """SIGKILL to the postmaster (its children die with it), then start it again after a moment."""
    data = os.environ["CLINIC_TEST_POSTGRES_DATA"]
    pid = int(open(os.path.join(data, "postmaster.pid")).readline())
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):
        try: os.kill(pid, 0); time.sleep(0.05)
        except ProcessLookupError: break
    time.sleep(random.uniform(0.5, 1.5))  # the server meets a database that is gone
    subprocess.run([os.environ["CLINIC_TEST_POSTGRES_START"]], check=True)

def start():
    global port, base
    port_file = os.path.join(work, "port")
    for attempt in range(20):
        if os.path.exists(port_file): os.remove(port_file)
        process = subprocess.Popen([binary, "--port", str(port), "--port-file", port_file], env=env, stdout=subprocess.DEVNULL,
                                   stderr=open(os.environ["CRASH_SERVER_LOG"], "a") if os.environ.get("CRASH_SERVER_LOG") else subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip(): break
            if process.poll() is not None: break
            time.sleep(0.05)
        if process.poll() is not None:
            time.sleep(0.2)  # the port of the killed server not yet free: try again
            continue
        port = int(open(port_file).read())
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=1).read(); return process
            except Exception:
                time.sleep(0.05)
    raise SystemExit("server did not start")

def call(method, path, body=None, token=None, timeout=2):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token: request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read() or b"{}")

server = start()
_, registered = call("POST", "/api/users/register", {"username": "Dr Crash", "email": "crash@example.org", "password": "crash-password"})
token = registered["access_token"]
acknowledged_patients, acknowledged_notes, stop = [], [], threading.Event()

error_statuses = {}

def writer():
    index = 0
    while not stop.is_set():
        index += 1
        try:
            status, patient = call("POST", "/api/patients", {"name": f"Durable {index}"}, token)
            if status == 201:
                acknowledged_patients.append((patient["id"], f"Durable {index}"))
                status, note = call("POST", f"/api/patients/{patient['id']}/notes", {"content": f"note {index}"}, token)
                if status == 201: acknowledged_notes.append((patient["id"], note["id"], f"note {index}"))
        except urllib.error.HTTPError as error:
            error_statuses[error.code] = error_statuses.get(error.code, 0) + 1
            if error.code != 503: print("unexpected %d: %s" % (error.code, error.read()[:300]), file=sys.stderr)
            time.sleep(0.02)
        except Exception:
            time.sleep(0.02)  # the server is down: try again

thread = threading.Thread(target=writer, daemon=True); thread.start()
for round in range(kills):
    time.sleep(random.uniform(0.2, 1.0))
    if kill_database and round % 3 == 2:
        database_kills += 1
        kill_postgres()
        # The same server process, no restart: it must be writing again within 15 s.
        before = len(acknowledged_patients)
        deadline = time.time() + 15
        while time.time() < deadline and len(acknowledged_patients) == before: time.sleep(0.1)
        server_recovered_after_database.append(len(acknowledged_patients) > before)
        continue
    server.send_signal(signal.SIGKILL); server.wait()
    server = start()
stop.set(); thread.join(5)

def present(path, field, expected):
    """The record is there and holds what was acknowledged (a 200 alone could be a different row)."""
    try:
        status, body = call("GET", path, token=token)
        return status == 200 and body.get(field) == expected
    except urllib.error.HTTPError:
        return False

missing = [p for p, name in acknowledged_patients if not present(f"/api/patients/{p}", "name", name)]
missing_notes = [n for p, n, text in acknowledged_notes if not present(f"/api/patients/{p}/notes/{n}", "content", text)]
if os.environ.get("CRASH_DEBUG_HANG"):
    metrics = urllib.request.urlopen(base + "/metrics").read().decode()
    print("\n".join(line for line in metrics.splitlines() if "pool" in line and not line.startswith("#")), file=sys.stderr)
server.send_signal(signal.SIGTERM)
try:
    server.wait(15); stopped = True
except subprocess.TimeoutExpired:
    if os.environ.get("CRASH_DEBUG_HANG"):
        subprocess.run(["gdb", "-p", str(server.pid), "-batch", "-ex", "thread apply all bt 25"], stdout=open(os.environ["CRASH_DEBUG_HANG"], "w"), stderr=subprocess.STDOUT)
    server.kill(); server.wait(); stopped = False
store = "PostgreSQL" if postgres else "SQLite"
checks = [("%s: every acknowledged patient survived %d kills (%d of them PostgreSQL's; %d written)"
           % (store, kills, database_kills, len(acknowledged_patients)), not missing and acknowledged_patients),
          ("%s: every acknowledged note survived (%d written)" % (store, len(acknowledged_notes)), not missing_notes and acknowledged_notes)]
if postgres:
    if kill_database:
        checks.append(("the server wrote again by itself after each of PostgreSQL's %d crashes" % database_kills,
                       server_recovered_after_database and all(server_recovered_after_database)))
else:
    integrity = sqlite3.connect(os.path.join(work, "clinic.sqlite")).execute("PRAGMA integrity_check").fetchone()[0]
    checks.append(("PRAGMA integrity_check is ok", integrity == "ok"))
# PostgresNIO used to leave a query given a just-closed connection waiting forever, which held
# graceful shutdown in 1 run of 4 to 8 (InFlightQueries in PostgresDatabase.swift ends it now).
checks.append(("SIGTERM stopped the server within 15 s", stopped))
checks.append(("errors answered meanwhile were 503s, never another status (%s)" % (error_statuses or "none"),
               all(code == 503 for code in error_statuses)))
subprocess.run(["rm", "-rf", work])

for name, ok in checks: print(("ok   " if ok else "FAIL ") + name)
failed = sum(1 for _, ok in checks if not ok)
print(f"reliability-crash: {len(checks) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
