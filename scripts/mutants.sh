#!/usr/bin/env bash
# make test-mutants: proves the suite can fail. Each file in Tests/Mutants is one deliberate breakage
# (a one-line patch: the tenancy filter dropped, the plan rule inverted, the signature check skipped…)
# with the tests that should catch it (its "# Run:" line). On a copy of the tree (never this one),
# each mutant is applied, built, its tests run, and reverted; a mutant is caught when its tests fail.
# The clean tree's run of the same tests must pass first, or a "catch" would mean nothing.
# Prints a table (also written to $work/results.md for docs/TESTING.md); exits 1 if any mutant lives.
# Usage: scripts/with-postgres.sh scripts/mutants.sh [regex]   (regex: only the mutants whose file name matches, e.g. "^(19|20)")
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=${MUTANTS_DIR:-$root/.build-mutants}
tree=$work/tree
only=${1:-}
mkdir -p "$work"
# The copy keeps its own .build between runs (SwiftPM's build records hold absolute paths, so the
# original's .build cannot be shared); mtimes are kept, so a second run builds only what changed.
command -v rsync >/dev/null && command -v patch >/dev/null || { echo "mutants: needs rsync and patch (make test-mutants installs them)" >&2; exit 2; }
rsync -a --delete --exclude .build --exclude '.build-*' --exclude .git "$root/" "$tree/" || exit 2
# Never on this tree: a mutant applied here would be a change to the product.
cd "$tree" || exit 2
export CLINIC_REQUIRE_POSTGRES=1
log=$work/log
mkdir -p "$log"

build() { swift build --build-tests >"$1" 2>&1; }
run_line() { sed -n 's/^# Run: //p' "$1" | head -1; }
what() { sed -n 's/^# Mutant: //p' "$1" | head -1; }
failing_tests() { grep -oE '✘ Test [A-Za-z0-9_]+\(' "$1" | sed 's/✘ Test //; s/($//' | sort -u | head -4 | paste -sd, -; }

echo "mutants: building the clean copy in $tree"
build "$log/clean-build.txt" || { echo "the clean copy does not build:" >&2; tail -30 "$log/clean-build.txt" >&2; exit 1; }

mutants=()
for patch in "$root"/Tests/Mutants/*.patch; do
  [ -n "$only" ] && ! [[ "$(basename "$patch")" =~ $only ]] && continue
  mutants+=("$patch")
done

# The clean tree passes every mutant's tests (each distinct Run line once).
declare -A clean_ok
for patch in "${mutants[@]}"; do
  command=$(run_line "$patch")
  [ -n "${clean_ok[$command]:-}" ] && continue
  if timeout 900 bash -c "$command" >"$log/clean-$(basename "$patch" .patch).txt" 2>&1; then clean_ok[$command]=yes
  else echo "the clean tree fails its own tests ($command): see $log/clean-$(basename "$patch" .patch).txt" >&2; exit 1; fi
done

results=$work/results.md
{
  echo "| Mutant | What it breaks | Tests run | Result | Failing tests |"
  echo "|---|---|---|---|---|"
} >"$results"
caught=0
lived=0
for patch in "${mutants[@]}"; do
  name=$(basename "$patch" .patch)
  command=$(run_line "$patch")
  if ! patch -p1 --quiet <"$patch"; then
    echo "FAIL $name: the patch no longer applies" >&2; lived=$((lived + 1))
    echo "| $name | $(what "$patch") | \`$command\` | does not apply | |" >>"$results"; continue
  fi
  start=$SECONDS
  if ! build "$log/$name-build.txt"; then
    result="does not build"; lived=$((lived + 1)); failing=""
  elif timeout 900 bash -c "$command" >"$log/$name.txt" 2>&1; then
    result="**LIVED**"; lived=$((lived + 1)); failing=""
  else
    result="caught"; caught=$((caught + 1)); failing=$(failing_tests "$log/$name.txt")
    [ -z "$failing" ] && failing="(see $log/$name.txt)"
  fi
  patch -p1 -R --quiet <"$patch"
  echo "$result: $name ($((SECONDS - start)) s) — $(what "$patch") — $failing"
  echo "| $name | $(what "$patch") | \`$command\` | $result | $failing |" >>"$results"
done
echo "mutants: $caught caught, $lived lived (table in $results)"
[ "$lived" -eq 0 ]
