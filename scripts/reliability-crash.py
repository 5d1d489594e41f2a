#!/usr/bin/env python3
"""Crash durability: a writer creates patients and notes as fast as it can while the server is
killed with SIGKILL at random moments and restarted. Afterwards every write that was answered 2xx
must be present, and SQLite's integrity_check must pass. Usage: reliability-crash.py [kills]"""
import json, os, random, signal, socket, sqlite3, subprocess, sys, tempfile, threading, time, urllib.request, urllib.error

kills = int(sys.argv[1]) if len(sys.argv) > 1 else 20
binary = os.environ.get("BIN", ".build/debug") + "/clinic-server"
work = tempfile.mkdtemp(prefix="clinic-crash-")
sock = socket.socket(); sock.bind(("127.0.0.1", 0)); port = sock.getsockname()[1]; sock.close()
base = f"http://127.0.0.1:{port}"
env = dict(os.environ, BCRYPT_COST="4", LOG_LEVEL="error", CLINIC_DATA_DIR=work)

def start():
    process = subprocess.Popen([binary, "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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

def writer():
    index = 0
    while not stop.is_set():
        index += 1
        try:
            status, patient = call("POST", "/api/patients", {"name": f"Durable {index}"}, token)
            if status == 201:
                acknowledged_patients.append(patient["id"])
                status, note = call("POST", f"/api/patients/{patient['id']}/notes", {"content": f"note {index}"}, token)
                if status == 201: acknowledged_notes.append((patient["id"], note["id"]))
        except Exception:
            time.sleep(0.02)  # the server is down: try again

thread = threading.Thread(target=writer, daemon=True); thread.start()
for round in range(kills):
    time.sleep(random.uniform(0.2, 1.0))
    server.send_signal(signal.SIGKILL); server.wait()
    server = start()
stop.set(); thread.join(5)

def present(path):
    try:
        return call("GET", path, token=token)[0] == 200
    except urllib.error.HTTPError:
        return False

missing = [p for p in acknowledged_patients if not present(f"/api/patients/{p}")]
missing_notes = [n for p, n in acknowledged_notes if not present(f"/api/patients/{p}/notes/{n}")]
server.send_signal(signal.SIGTERM); server.wait(10)
integrity = sqlite3.connect(os.path.join(work, "clinic.sqlite")).execute("PRAGMA integrity_check").fetchone()[0]
subprocess.run(["rm", "-rf", work])

checks = [("every acknowledged patient survived %d kills (%d written)" % (kills, len(acknowledged_patients)), not missing and acknowledged_patients),
          ("every acknowledged note survived (%d written)" % len(acknowledged_notes), not missing_notes and acknowledged_notes),
          ("PRAGMA integrity_check is ok", integrity == "ok")]
for name, ok in checks: print(("ok   " if ok else "FAIL ") + name)
failed = sum(1 for _, ok in checks if not ok)
print(f"reliability-crash: {len(checks) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
