#!/usr/bin/env python3
"""Hostile clients against a real clinic-server (the release build in `make test-reliability`):
the attacks of the security review, replayed, with what the server held.

  1. the webhook header that once stopped the server (t=Int64.min)   → 400, still serving
  2. 300 failed sign-ins with 1 MB usernames                          → RSS bounded
  3. 100 parallel wrong passwords for one account                     → 5 tried, 95 refused (429)
  4. 200 slow readers of a 20 MiB document                            → RSS bounded (streamed, not loaded)
  5. 50 clients that never finish their headers                       → closed after the idle timeout
  6. 40 KiB of headers                                                → 431, still serving

Prints a table and exits 1 when a bound is not held.
Usage: hostile-clients.py [--quick]   (BIN=.build/release for the release server)"""
import json, os, random, socket, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request

# Random choices repeat with SEED=the printed number.
SEED = int(os.environ.get("SEED") or time.time_ns() % 2**32)
random.seed(SEED)
print(f"{os.path.basename(__file__)}: seed {SEED} (SEED={SEED} repeats these random choices)", flush=True)

quick = "--quick" in sys.argv
binary = os.environ.get("BIN", ".build/debug") + "/clinic-server"
work = tempfile.mkdtemp(prefix="clinic-hostile-")
idle = 5 if quick else 30
env = dict(os.environ, BCRYPT_COST="4", LOG_LEVEL="error", CLINIC_DATA_DIR=work, IDLE_TIMEOUT_SECONDS=str(idle))
for name in ("DATABASE_URL", "PAYMENT_GATEWAY", "HOST", "PUBLIC_BASE_URL"):
    env.pop(name, None)

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
results, failed = [], []


def rss_mib():
    with open(f"/proc/{server.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def request(method, path, body=None, headers=None, timeout=60):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    all_headers = dict(headers or {})
    if body is not None and not isinstance(body, bytes):
        all_headers["Content-Type"] = "application/json"
    req = urllib.request.Request(base + path, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def check(name, held, figure):
    results.append((name, "held" if held else "FAILED", figure))
    if not held:
        failed.append(name)


def alive():
    try:
        return request("GET", "/healthz", timeout=10)[0] == 200
    except Exception:
        return False


for _ in range(300):
    if alive():
        break
    time.sleep(0.1)
else:
    server.kill()
    raise SystemExit("hostile: the server did not start")

try:
    # 1. The crash header.
    status, _ = request("POST", "/api/webhooks/payment-status", b"{}",
                        {"Stripe-Signature": "t=-9223372036854775808,v1=00", "Content-Type": "application/json"})
    check("webhook t=Int64.min", status == 400 and alive(), f"{status}, still serving: {alive()}")

    # 2. Failed sign-ins with 1 MB usernames.
    before = rss_mib()
    count = 60 if quick else 300
    form = lambda user: ("username=" + user + "&password=wrong").encode()
    def spray(index):
        name = ("u%05d" % index) + "x" * (1_000_000 - 6)
        try:
            request("POST", "/api/token", form(name), {"Content-Type": "application/x-www-form-urlencoded"}, timeout=120)
        except Exception:
            pass
    threads = [threading.Thread(target=spray, args=(i,)) for i in range(count)]
    for group in range(0, count, 20):
        for thread in threads[group:group + 20]: thread.start()
        for thread in threads[group:group + 20]: thread.join()
    grown = rss_mib() - before
    check(f"{count} x 1 MB usernames", grown < 64 and alive(), f"RSS {before:.0f} -> {before + grown:.0f} MiB (+{grown:.0f})")

    # 3. A hundred parallel wrong passwords.
    email = f"target-{random.randrange(10**9)}@example.org"
    status, body = request("POST", "/api/users/register", {"username": "Dr Target", "email": email, "password": "correct horse"})
    statuses = []
    lock = threading.Lock()
    def guess():
        code, _ = request("POST", "/api/token", f"username={email}&password=guess".encode(),
                          {"Content-Type": "application/x-www-form-urlencoded"}, timeout=120)
        with lock: statuses.append(code)
    threads = [threading.Thread(target=guess) for _ in range(100)]
    for thread in threads: thread.start()
    for thread in threads: thread.join()
    tried, refused = statuses.count(401), statuses.count(429)
    check("100 parallel guesses", tried == 5 and refused == 95, f"{tried} tried (401), {refused} refused (429)")

    # 4. Slow readers of a 20 MiB document.
    token = json.loads(body)["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    _, session = request("POST", "/api/payments/create-session", {"plan": "pro"}, auth)
    request("POST", json.loads(session)["checkout_url"][len(base):] + "/confirm", b"")
    _, patient = request("POST", "/api/patients", {"name": "Slow Reader"}, auth)
    patient_id = json.loads(patient)["id"]
    payload = b"%PDF-1.7\n" + os.urandom(20 * 1024 * 1024 - 64)
    boundary = "hostile-boundary"
    multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.pdf\"\r\n"
                 f"Content-Type: application/pdf\r\n\r\n").encode() + payload + f"\r\n--{boundary}--\r\n".encode()
    status, document = request("POST", f"/api/patients/{patient_id}/documents", multipart,
                               dict(auth, **{"Content-Type": f"multipart/form-data; boundary={boundary}"}), timeout=300)
    if status != 201:
        check("20 MiB upload", False, f"{status} {document[:200]!r}")
    else:
        _, link = request("GET", f"/api/documents/{json.loads(document)['id']}/download-url", headers=auth)
        path = json.loads(link)["url"][len(base):]
        readers = 40 if quick else 200
        before = rss_mib()
        sockets = []
        for _ in range(readers):
            s = socket.create_connection(("127.0.0.1", port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            sockets.append(s)
        peak = before
        for _ in range(10 if quick else 20):  # each reader takes 1 KiB every half second
            for s in sockets:
                try: s.recv(1024)
                except OSError: pass
            peak = max(peak, rss_mib())
            time.sleep(0.5)
        for s in sockets: s.close()
        check(f"{readers} slow readers of 20 MiB", peak - before < 96 and alive(),
              f"RSS {before:.0f} -> peak {peak:.0f} MiB (+{peak - before:.0f}; loaded whole it would be +{readers * 20} MiB)")

    # 5. Clients that never finish their headers.
    slow = []
    for _ in range(50):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        s.settimeout(0.01)
        slow.append(s)
    started = time.time()
    open_ones = list(slow)
    while open_ones and time.time() - started < idle + 15:
        still = []
        for s in open_ones:
            try:
                s.sendall(b"a")
                try:
                    if s.recv(1) == b"":
                        continue  # closed by the server
                except socket.timeout:
                    pass
                still.append(s)
            except OSError:
                pass  # closed by the server
        open_ones = still
        time.sleep(1)
    took = time.time() - started
    check("50 never-ending headers", not open_ones and alive(),
          f"{50 - len(open_ones)} of 50 closed after {took:.0f} s (idle timeout {idle} s)")
    for s in slow: s.close()

    # 6. Oversized headers.
    status, _ = request("GET", "/healthz", headers={f"X-Pad-{i}": "p" * 2000 for i in range(20)})
    check("40 KiB of headers", status in (400, 431) and alive(), f"{status}, still serving: {alive()}")
finally:
    server.terminate()
    try: server.wait(timeout=15)
    except subprocess.TimeoutExpired: server.kill()

width = max(len(name) for name, _, _ in results)
print(f"hostile clients against {binary}:")
for name, verdict, figure in results:
    print(f"  {name:<{width}}  {verdict:<6}  {figure}")
print("hostile: " + ("all held" if not failed else "FAILED: " + ", ".join(failed)))
sys.exit(1 if failed else 0)
