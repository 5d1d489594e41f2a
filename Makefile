# Clinic OS Lite. `make demo` runs the product on its embedded default; `make test` runs every test.
SHELL := /bin/bash
SWIFT ?= swift
# Debian packages each target needs; installed when missing (as root), else the command is printed.
BUILD_PACKAGES := libcurl4-openssl-dev libncursesw5-dev pkg-config
TEST_PACKAGES := $(BUILD_PACKAGES) postgresql tmux patch
BENCH_PACKAGES := $(BUILD_PACKAGES) wrk valgrind postgresql tmux

.PHONY: test-fuzz test-fuzz-lib staging container-check all build run demo server test test-e2e test-reliability test-mutants deps-build deps-test deps-bench bench bench-server bench-tui test-unit clean

all: build

define ensure_packages
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing:$$missing"; \
	    if [ ! -f /tmp/.clinic-apt-updated ]; then apt-get update -qq && touch /tmp/.clinic-apt-updated; fi; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages; run: sudo apt-get install -y$$missing" >&2; exit 1; \
	  fi; \
	fi
endef

deps-build:
	$(call ensure_packages,$(BUILD_PACKAGES))

# Test peers from PyPI: localstripe (a stateful fake Stripe that sends signed webhooks) and
# gcp-storage-emulator (Cloud Storage's JSON API).
TEST_PYPI := localstripe==1.15.10 gcp-storage-emulator==2026.7.19

deps-test:
	$(call ensure_packages,$(TEST_PACKAGES))
	@python3 -c "import localstripe, gcp_storage_emulator" 2>/dev/null || python3 -m pip install -q --disable-pip-version-check $(TEST_PYPI)

deps-bench:
	$(call ensure_packages,$(BENCH_PACKAGES))

build: deps-build
	$(SWIFT) build

# The terminal app on its embedded default: this computer's server (clinic-server local, a child
# process) on SQLite, a local account. Both executables are built: clinic finds the server beside it.
run: deps-build
	$(SWIFT) build --product clinic-server
	$(SWIFT) build --product clinic
	.build/debug/clinic

# The same with a realistic demo clinic (kept in its own database).
demo: deps-build
	$(SWIFT) build --product clinic-server
	$(SWIFT) build --product clinic
	.build/debug/clinic --demo

# The API server alone on the embedded default (SQLite under ~/.local/share/clinic-os-lite).
server: deps-build
	$(SWIFT) build --product clinic-server
	.build/debug/clinic-server

# schemathesis against the served contract (PyPI): no 5xx, every answer in the schema.
test-fuzz: deps-test
	$(SWIFT) build --product clinic-server
	scripts/fuzz-api.sh 400

# libFuzzer on the client's answer decoding, the server's query parsing and the webhook's
# signature and event parsing, a minute each.
test-fuzz-lib: deps-build
	scripts/fuzz-lib.sh 60

# A staging server for demos: PostgreSQL, a demo account with realistic data, and the
# `clinic --server` line to point a terminal at it (STAGING_HOST/STAGING_PORT to change the bind).
staging: deps-test
	$(SWIFT) build
	scripts/staging.sh

# clinic-server run as its container would (env only, non-root, nothing writable but a temp folder).
container-check: deps-test
	$(SWIFT) build --product clinic-server
	scripts/with-postgres.sh scripts/container-check.sh

# Every test, from one debug build: unit, HTTP over loopback, SQLite and a real PostgreSQL.
test: deps-test
	@[ -z "$${RECORD_SNAPSHOTS:-}" ] || { echo "RECORD_SNAPSHOTS is set: make test compares the screen snapshots, it never writes them" >&2; exit 1; }
	@# Every mutant of make test-mutants still applies to the tree (one that does not would count as lived there).
	@for p in Tests/Mutants/*.patch; do patch -p1 --dry-run --quiet --force <$$p >/dev/null || { echo "mutant $$p no longer applies: regenerate it against the tree" >&2; exit 1; }; done
	$(SWIFT) build --build-tests
	CLINIC_REQUIRE_POSTGRES=1 scripts/with-postgres.sh $(SWIFT) test --skip-build --skip PostgresPoolTests
	@# The pool's memory test reads the test process's RSS: alone, so no other test's uploads count.
	CLINIC_REQUIRE_POSTGRES=1 scripts/with-postgres.sh $(SWIFT) test --skip-build --filter PostgresPoolTests
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
	  changed=$$(git status --porcelain -- Tests/ClinicTUITests/Snapshots); \
	  [ -z "$$changed" ] || { echo "the test run changed or added screen snapshots:" >&2; echo "$$changed" >&2; exit 1; }; \
	fi
	scripts/e2e-tui.sh
	scripts/e2e-faults.sh
	scripts/e2e-desk.sh
	.build/debug/fuzz-query-parsing Tests/Fuzz/query-parsing
	.build/debug/fuzz-client-decoding Tests/Fuzz/client-decoding
	.build/debug/fuzz-webhook-parsing Tests/Fuzz/webhook-parsing
	scripts/fuzz-lib.sh 20
	FUZZ_EXCLUDE=negative_data_rejection,positive_data_acceptance,unsupported_method scripts/fuzz-api.sh 50
	python3 scripts/reliability-crash.py 5
	CLINIC_PG_DURABLE=1 scripts/with-postgres.sh python3 scripts/reliability-crash.py 6 --postgres --kill-database
	python3 scripts/load-test.py 50 15
	python3 scripts/hostile-clients.py --quick
	scripts/staging-check.sh
	scripts/cli-check.sh
	@! grep -rn "@testable" Sources || { echo "a source file imports @testable: the plain release build would fail" >&2; exit 1; }
	@if [ "$$(id -u)" = "0" ]; then scripts/with-postgres.sh scripts/container-check.sh; else echo "container-check skipped (needs root to run as nobody)"; fi

# The fast loop while changing code: the Swift tests on SQLite only (no PostgreSQL, no tmux, no
# fuzzing), from an incremental debug build; the screen snapshots are compared as in `make test`.
test-unit: deps-build
	@[ -z "$${RECORD_SNAPSHOTS:-}" ] || { echo "RECORD_SNAPSHOTS is set: compare with it unset; record with swift test directly" >&2; exit 1; }
	$(SWIFT) build --build-tests
	CLINIC_REQUIRE_POSTGRES= $(SWIFT) test --skip-build --skip PostgresPoolTests

# Mutation testing: every patch in Tests/Mutants (one deliberate breakage each) must make its tests
# fail, on a copy of the tree in .build-mutants. Long (a build and a test run per mutant): not in CI;
# its last result is in docs/TESTING.md.
test-mutants: deps-test
	$(call ensure_packages,rsync patch)
	scripts/with-postgres.sh scripts/mutants.sh

# Reliability, the long form: kill -9 the server 20 times under a writer (SQLite); on PostgreSQL
# the server 14 times and PostgreSQL itself 6; 200 clients for 60 s; hostile clients against the
# release server (the crash header, 1 MB usernames, parallel guesses, slow readers, slow headers).
test-reliability: deps-test
	$(SWIFT) build
	python3 scripts/reliability-crash.py 20
	CLINIC_PG_DURABLE=1 scripts/with-postgres.sh python3 scripts/reliability-crash.py 20 --postgres --kill-database
	python3 scripts/load-test.py 200 60
	$(SWIFT) build -c release --product clinic-server
	BIN=.build/release python3 scripts/hostile-clients.py

# The terminal end-to-end tests alone (real clinic in tmux against a real clinic-server; then
# through a proxy that injects 500s, 503 pages, 10 s delays and hostile text).
test-e2e: deps-test
	$(SWIFT) build
	scripts/e2e-tui.sh
	scripts/e2e-faults.sh
	scripts/e2e-desk.sh

# Benchmarks (release builds): figures printed and written into docs/PERFORMANCE.md.
# BENCH_SECONDS / BENCH_REPEATS shorten or lengthen the server runs (default 5 s × 3).
bench-server: deps-bench
	$(SWIFT) build -c release --product clinic-server
	CLINIC_PG_DURABLE=1 scripts/with-postgres.sh python3 scripts/bench-server.py --write docs/PERFORMANCE.md

bench-tui: deps-bench
	$(SWIFT) build -c release --product clinic-server
	$(SWIFT) build -c release --product clinic
	scripts/bench-tui.sh docs/PERFORMANCE.md

bench: bench-server bench-tui

clean:
	rm -rf .build
