#!/usr/bin/env python3
"""Server benchmark (release build): wrk against clinic-server on SQLite and on PostgreSQL, and
against a bare Hummingbird "hello" route in the same run as this machine's ceiling.

For each store: doctors with 1,000, 10,000 and 100,000 patients are seeded; then each endpoint is
run at 1, 16 and 64 connections, after a warm-up, `repeats` times for `seconds` each, and the table
gives req/s as min/median/max with the median p50/p99, and the median as a fraction of "hello" at
the same connections. Then list and search latency at 1k/10k/100k patients (one connection) shows
how cost grows. Server RSS idle and after the runs.

PostgreSQL comes from scripts/with-postgres.sh (CLINIC_TEST_POSTGRES_URL; run it with
CLINIC_PG_DURABLE=1 so commits cost what they cost in production); without it only SQLite runs.

Usage: bench-server.py [--seconds 5] [--repeats 3] [--write docs/PERFORMANCE.md]"""
import argparse, json, os, platform, re, socket, statistics, subprocess, sys, tempfile, time, urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 5)))
parser.add_argument("--repeats", type=int, default=int(os.environ.get("BENCH_REPEATS", 3)))
parser.add_argument("--write", help="replace the server section of this markdown file")
parser.add_argument("--only", help="measure only the requests whose name contains this text (and the ceiling); no scaling table")
parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL even when it is available")
options = parser.parse_args()
binary = os.environ.get("BIN", ".build/release") + "/clinic-server"
if not os.access(binary, os.X_OK):
    sys.exit(f"build it first: swift build -c release --product clinic-server ({binary})")
PASSWORD = "bench-password"
CONNECTIONS = [1, 16, 64]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url):
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except Exception:
            time.sleep(0.1)
    sys.exit(f"not ready: {url}")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def to_ms(text):
    number, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url, connections, seconds, token=None, script=None):
    command = ["wrk", f"-t{1 if connections < 2 else 2}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    if script:
        command += ["-s", script]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {"rps": rps, "p50": p50, "p99": p99, "errors": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def measure(url, connections, token=None, script=None):
    wrk(url, connections, 2, token, script)  # warm-up: connections, caches, the allocator
    runs = [wrk(url, connections, options.seconds, token, script) for _ in range(options.repeats)]
    rates = sorted(run["rps"] for run in runs)
    return {"min": rates[0], "median": statistics.median(rates), "max": rates[-1],
            "p50": statistics.median(run["p50"] for run in runs), "p99": statistics.median(run["p99"] for run in runs),
            "errors": sum(run["errors"] for run in runs), "socket_errors": "; ".join(r["socket_errors"] for r in runs if r["socket_errors"])}


def bench_store(store, database_url, work):
    env = dict(os.environ, CLINIC_DATA_DIR=work, DATABASE_URL=database_url, BCRYPT_COST="4", LOG_LEVEL="error",
               CLINIC_PASSWORD=PASSWORD)
    sizes = {1_000: "small@bench.local", 10_000: "medium@bench.local", 100_000: "large@bench.local"}
    started = time.time()
    for count, email in sizes.items():
        subprocess.run([binary, "seed", "--email", email, "--patients", str(count), "--notes", "1" if count == 1_000 else "0",
                        "--no-appointments"], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"[{store}] seeded 111,000 patients in {time.time() - started:.0f} s", file=sys.stderr)
    port, hello_port, unaudited_port = free_port(), free_port(), free_port()
    server = subprocess.Popen([binary, "serve", "--port", str(port)], env=env)
    hello = subprocess.Popen([binary, "bench-hello", "--port", str(hello_port)], env=env)
    # The same database served without the audit of reads: what auditing every read costs, in the same run.
    unaudited = subprocess.Popen([binary, "serve", "--port", str(unaudited_port)],
                                 env=dict(env, CLINIC_BENCHMARK_WITHOUT_READ_AUDIT="1"))
    # And through the generated route's JSON encoder instead of the list's own writer (PatientListFastPath).
    generated_port = free_port()
    generated = subprocess.Popen([binary, "serve", "--port", str(generated_port)],
                                 env=dict(env, CLINIC_BENCHMARK_GENERATED_PATIENT_LIST="1"))
    base = f"http://127.0.0.1:{port}"
    unaudited_base = f"http://127.0.0.1:{unaudited_port}"
    try:
        wait_ready(base + "/readyz")
        wait_ready(f"http://127.0.0.1:{hello_port}/hello")
        wait_ready(unaudited_base + "/readyz")
        generated_base = f"http://127.0.0.1:{generated_port}"
        wait_ready(generated_base + "/readyz")

        def token(email):
            request = urllib.request.Request(base + "/api/token", data=f"username={email}&password={PASSWORD}".encode())
            return json.load(urllib.request.urlopen(request))["access_token"]
        tokens = {count: token(email) for count, email in sizes.items()}
        patient = json.load(urllib.request.urlopen(urllib.request.Request(
            base + "/api/patients?limit=1", headers={"Authorization": "Bearer " + tokens[1_000]})))["items"][0]["id"]
        note_script = os.path.join(work, "note.lua")
        with open(note_script, "w") as script:
            script.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                         'wrk.body = \'{"content":"Benchmark note: BP 120/80, chest clear, review in two weeks."}\'\n')
        idle_rss = rss_mib(server.pid)
        endpoints = [
            ("`GET /hello` (bare Hummingbird: the ceiling)", f"http://127.0.0.1:{hello_port}/hello", None, None),
            ("`GET /healthz` (our middleware, no auth, no database)", base + "/healthz", None, None),
            ("`GET /api/users/me` (auth + one row)", base + "/api/users/me", tokens[1_000], None),
            ("`GET /api/patients?limit=50` (1k patients)", base + "/api/patients?limit=50", tokens[1_000], None),
            ("`GET /api/patients?limit=50` (1k patients, generated encoder)", generated_base + "/api/patients?limit=50", tokens[1_000], None),
            ("`GET /api/patients?q=gar&limit=50` (100k patients)", base + "/api/patients?q=gar&limit=50", tokens[100_000], None),
            ("`POST /api/patients/{id}/notes`", f"{base}/api/patients/{patient}/notes", tokens[1_000], note_script),
            ("`GET /api/patients/{id}` (audited)", f"{base}/api/patients/{patient}", tokens[1_000], None),
            ("`GET /api/patients/{id}` (audit of reads off)", f"{unaudited_base}/api/patients/{patient}", tokens[1_000], None),
            ("`GET /api/patients/{id}/notes` (audited)", f"{base}/api/patients/{patient}/notes", tokens[1_000], None),
            ("`GET /api/patients/{id}/notes` (audit of reads off)", f"{unaudited_base}/api/patients/{patient}/notes", tokens[1_000], None),
        ]
        if options.only:
            endpoints = [endpoints[0]] + [e for e in endpoints[1:] if options.only in e[0]]
        results = {}
        for name, url, bearer, script in endpoints:
            for connections in CONNECTIONS:
                results[(name, connections)] = measure(url, connections, bearer, script)
                r = results[(name, connections)]
                print(f"[{store}] {name} c={connections}: {r['median']:.0f} req/s p50 {r['p50']:.2f} ms p99 {r['p99']:.2f} ms"
                      + (f" ERRORS {r['errors']}" if r["errors"] else ""), file=sys.stderr)
        scaling = {}
        for count in ([] if options.only else sizes):
            for kind, path in (("list", "/api/patients?limit=50"), ("search", "/api/patients?q=gar&limit=50")):
                scaling[(kind, count)] = measure(base + path, 1, tokens[count])
        loaded_rss = rss_mib(server.pid)
        return endpoints, results, scaling, idle_rss, loaded_rss
    finally:
        for process in (server, hello, unaudited, generated):
            process.terminate()
            process.wait(10)


def table(store, endpoints, results, scaling, idle_rss, loaded_rss):
    lines = [f"### {store}", "",
             "| request | conns | req/s median (min–max) | p50 | p99 | of ceiling |", "|---|---|---|---|---|---|"]
    ceiling = {c: results[(endpoints[0][0], c)]["median"] for c in CONNECTIONS}
    for name, *_ in endpoints:
        for connections in CONNECTIONS:
            r = results[(name, connections)]
            errors = f" ⚠ {r['errors']} non-2xx" if r["errors"] else ""
            lines.append(f"| {name} | {connections} | {r['median']:,.0f} ({r['min']:,.0f}–{r['max']:,.0f}){errors} | "
                         f"{r['p50']:.2f} ms | {r['p99']:.2f} ms | {r['median'] / ceiling[connections]:.0%} |")
    audit = []
    for kind in ("`GET /api/patients/{id}`", "`GET /api/patients/{id}/notes`"):
        on, off = kind + " (audited)", kind + " (audit of reads off)"
        if (on, 1) in results:
            audit.append(f"{kind}: " + ", ".join(f"{results[(on, c)]['median'] / results[(off, c)]['median']:.2f} at {c}" for c in CONNECTIONS))
    fast, slow = "`GET /api/patients?limit=50` (1k patients)", "`GET /api/patients?limit=50` (1k patients, generated encoder)"
    if (slow, 1) in results:
        lines += ["", "The list's own JSON writer against the generated encoder (same run, same database): "
                  + ", ".join(f"{results[(fast, c)]['median'] / results[(slow, c)]['median']:.2f}× at {c}" for c in CONNECTIONS) + "."]
    if audit:
        lines += ["", "Audited reads as a fraction of the same reads with the audit of reads off (same run, same database): "
                  + "; ".join(audit) + "."]
    lines += ["", f"Server RSS: {idle_rss:.0f} MiB idle (after seeding), {loaded_rss:.0f} MiB after the runs.", "",
              "How cost grows (one connection, median of the runs):", "",
              "| patients | list p50 / p99 | search `q=gar` p50 / p99 | search req/s (1 conn) |", "|---|---|---|---|"]
    for count in (1_000, 10_000, 100_000):
        if ("list", count) not in scaling:
            continue
        listing, search = scaling[("list", count)], scaling[("search", count)]
        lines.append(f"| {count:,} | {listing['p50']:.2f} / {listing['p99']:.2f} ms | {search['p50']:.2f} / {search['p99']:.2f} ms | "
                     f"{search['median']:,.0f} |")
    return lines


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.machine())
    memory = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")) / 1024 / 1024
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}, "
            f"{swift[0] if swift else 'swift'}; wrk and the server share the cores")


stores = [("SQLite (WAL, group commit, every write fsynced before its answer)", None)]
if os.environ.get("CLINIC_TEST_POSTGRES_URL") and not options.sqlite_only:
    stores.append(("PostgreSQL 15 (fsync on, synchronous_commit on)" if os.environ.get("CLINIC_PG_DURABLE")
                   else "PostgreSQL 15 (fsync off)", os.environ["CLINIC_TEST_POSTGRES_URL"]))
report = [f"Machine: {machine()}. Each cell: {options.repeats} runs of {options.seconds} s after a 2 s warm-up; "
          "req/s as median (min–max), latency as the median of the runs' p50 and p99.", ""]
for store, url in stores:
    with tempfile.TemporaryDirectory(prefix="clinic-bench-") as work:
        report += table(store, *bench_store(store, url or f"sqlite://{work}/bench.sqlite", work)) + [""]
print("\n".join(report))
if options.write:
    text = open(options.write).read()
    start, end = "<!-- bench-server:start -->", "<!-- bench-server:end -->"
    block = f"{start}\n" + "\n".join(report).rstrip() + f"\n{end}"
    text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S) if start in text else text + "\n" + block + "\n"
    open(options.write, "w").write(text)
    print(f"written to {options.write}", file=sys.stderr)
