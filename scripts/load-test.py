#!/usr/bin/env python3
"""Load: N concurrent clients (default 200) for S seconds (default 60) against a real clinic-server,
each a doctor of its own mixing reads and writes as a clinic does (list, search, open a patient,
read notes, add patients, notes and appointments, check /me). Every answer must be the expected
2xx (or the contract's 409 for a clashing booking); the server's RSS must not keep growing once warm.
Prints a table: requests, errors, req/s, p50/p99 latency per kind, RSS at warm-up and at the end.
Usage: load-test.py [clients] [seconds]. Exit status 1 on any error or a growing RSS."""
import asyncio, os, random, socket, subprocess, sys, tempfile, time, json

# Random choices repeat with SEED=the printed number.
SEED = int(os.environ.get("SEED") or time.time_ns() % 2**32)
random.seed(SEED)
print(f"{os.path.basename(__file__)}: seed {SEED} (SEED={SEED} repeats these random choices)", flush=True)

import aiohttp  # localstripe's dependency, installed by `make test`

clients = int(sys.argv[1]) if len(sys.argv) > 1 else 200
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60
binary = os.environ.get("BIN", ".build/debug") + "/clinic-server"
work = tempfile.mkdtemp(prefix="clinic-load-")
env = dict(os.environ, BCRYPT_COST="4", LOG_LEVEL="error", CLINIC_DATA_DIR=work)

def start_on_free_port(command, env, work, **popen):
    """Starts clinic-server on a port it picks itself (--port 0) and returns (process, port): no port
    chosen here, freed, and handed over for someone else to take in between."""
    port_file = os.path.join(work, "port")
    if os.path.exists(port_file): os.remove(port_file)
    process = subprocess.Popen(command + ["--port", "0", "--port-file", port_file], env=env, **popen)
    for _ in range(600):
        if os.path.exists(port_file) and open(port_file).read().strip():
            return process, int(open(port_file).read())
        if process.poll() is not None: break
        time.sleep(0.05)
    process.kill()
    raise SystemExit("clinic-server did not start")

server, port = start_on_free_port([binary], env, work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
base = f"http://127.0.0.1:{port}"

def rss_mib():
    with open(f"/proc/{server.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0

latencies, errors, counts = {}, [], {}

async def call(session, kind, method, path, token=None, body=None, ok=(200, 201, 204)):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    started = time.perf_counter()
    try:
        async with session.request(method, base + path, json=body, headers=headers) as response:
            payload = await response.read()
            status = response.status
    except Exception as error:  # a dropped connection is an error too
        errors.append(f"{kind}: {type(error).__name__}")
        return None
    latencies.setdefault(kind, []).append(time.perf_counter() - started)
    counts[kind] = counts.get(kind, 0) + 1
    if status not in ok:
        errors.append(f"{kind}: HTTP {status} {payload[:120]!r}")
        return None
    return json.loads(payload) if payload else {}

async def client(number, session, deadline):
    email = f"load-{number}-{random.randrange(1 << 30)}@example.org"
    registered = await call(session, "register", "POST", "/api/users/register",
                            body={"username": f"Dr Load {number}", "email": email, "password": "load-password"})
    if not registered:
        return
    token = registered["access_token"]
    patients = []
    day = 0
    while time.monotonic() < deadline:
        roll = random.random()
        if roll < 0.15 or not patients:
            created = await call(session, "create patient", "POST", "/api/patients", token, {"name": f"Patient {random.randrange(10**6)} Müller"})
            if created: patients.append(created["id"])
        elif roll < 0.45:
            await call(session, "list patients", "GET", "/api/patients?limit=50", token)
        elif roll < 0.60:
            await call(session, "search", "GET", "/api/patients?q=mul", token)
        elif roll < 0.75:
            await call(session, "read notes", "GET", f"/api/patients/{random.choice(patients)}/notes", token)
        elif roll < 0.87:
            await call(session, "add note", "POST", f"/api/patients/{random.choice(patients)}/notes", token,
                       {"content": "BP 120/80, reviewed. " * random.randint(1, 20)})
        elif roll < 0.95:
            day += 1
            start = 1_900_000_000 + number * 10_000_000 + day * 3600
            iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
            await call(session, "book", "POST", "/api/appointments", token,
                       {"patient_id": random.choice(patients), "starts_at": iso(start), "ends_at": iso(start + 1800)}, ok=(201, 409))
        else:
            await call(session, "me", "GET", "/api/users/me", token)

async def main():
    for _ in range(200):
        try:
            async with aiohttp.ClientSession() as probe:
                async with probe.get(base + "/readyz") as response:
                    if response.status == 200: break
        except Exception:
            await asyncio.sleep(0.05)
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        deadline = time.monotonic() + seconds
        tasks = [asyncio.create_task(client(n, session, deadline)) for n in range(clients)]
        await asyncio.sleep(min(20, seconds / 3))
        warm = rss_mib()
        await asyncio.gather(*tasks)
        return warm

started = time.monotonic()
try:
    warm = asyncio.run(main())
    end = rss_mib()
finally:
    server.terminate(); server.wait(timeout=10)
elapsed = time.monotonic() - started
total = sum(counts.values())
print(f"load-test: {clients} clients, {seconds:.0f} s, {total} requests, {total / elapsed:.0f} req/s, {len(errors)} errors")
print(f"{'kind':<16}{'count':>8}{'p50 ms':>10}{'p99 ms':>10}")
for kind in sorted(latencies):
    values = sorted(latencies[kind])
    p = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000
    print(f"{kind:<16}{len(values):>8}{p(0.5):>10.1f}{p(0.99):>10.1f}")
growth = (end - warm) / warm if warm else 0
print(f"server RSS: {warm:.1f} MiB once warm, {end:.1f} MiB at the end ({growth * 100:+.0f}%)")
for error in errors[:10]:
    print("  error:", error)
failed = bool(errors) or growth > 0.5
print("load-test:", "FAILED" if failed else "ok")
sys.exit(1 if failed else 0)
