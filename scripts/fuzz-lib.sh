#!/usr/bin/env bash
# libFuzzer on the client's decoding of answers, the server's query parsing (cursors, search
# text, timestamps) and the payment webhook's signature headers and event bodies. Builds the fuzz targets instrumented into .build-fuzz, runs each for the given
# seconds from the seeds in Tests/Fuzz/<target>, and fails on any crash or broken invariant (the
# input is kept under .build-fuzz/crashes and printed in base64: add it to the seeds once fixed).
# Usage: scripts/fuzz-lib.sh [seconds per target]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
swiftc=$(readlink -f "$(command -v swiftc)")
runtime=$(ls "$(dirname "$swiftc")"/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-"$(uname -m)".a 2>/dev/null | head -n 1)
[ -n "$runtime" ] || { echo "fuzz: libFuzzer's runtime (libclang_rt.fuzzer_no_main) is not in this toolchain" >&2; exit 1; }
failed=0
targets=(query-parsing client-decoding webhook-parsing)
for target in "${targets[@]}"; do
  CLINIC_FUZZ_RUNTIME=$runtime swift build --build-path .build-fuzz --product "fuzz-$target" 2>&1 | grep -E "error|Compiling fuzz|Build" || true
  binary=.build-fuzz/debug/fuzz-$target
  [ -x "$binary" ] || { echo "fuzz: $binary did not build" >&2; exit 1; }
  corpus=.build-fuzz/corpus/$target crashes=.build-fuzz/crashes/$target
  mkdir -p "$corpus" "$crashes"
  log=$(mktemp)
  if SWIFT_BACKTRACE=enable=no "$binary" "$corpus" "Tests/Fuzz/$target" -max_total_time="$seconds" -max_len=4096 \
       -timeout=10 -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
    cover=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)
    echo "ok   fuzz-$target: $runs inputs in ${seconds} s, no crash ($cover edges, corpus $(ls "$corpus" | wc -l))"
  else
    failed=$((failed + 1))
    echo "FAIL fuzz-$target"
    grep -E "Fatal error|ERROR: libFuzzer|SUMMARY" "$log" | head -n 5
    for crash in "$crashes"/*; do [ -f "$crash" ] && echo "  input $(basename "$crash"): $(base64 -w0 "$crash")"; done
  fi
  rm -f "$log"
done
echo "fuzz-lib: $((${#targets[@]} - failed)) passed, $failed failed"
[ "$failed" = 0 ]
