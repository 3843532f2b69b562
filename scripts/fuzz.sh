#!/usr/bin/env bash
# The long property-test run ("fuzzing"; not part of scripts/test.sh): every parser and decoder
# in tests/fuzz_parsers.rs, with TOTAL cases in all (default 10,000,000) instead of the ~112,000
# that `cargo test` runs, in a release build (the shipped optimisation, so no overflow checks;
# the debug `cargo test` run has them). Prints the case count and the time it took.
# Usage: bash scripts/fuzz.sh [TOTAL]   (KEYTURN_FUZZ_SEED=N repeats a run's inputs)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
total=${1:-${KEYTURN_FUZZ_CASES:-10000000}}
case $total in '' | *[!0-9]*)
  echo "fuzz: TOTAL must be a number of cases, not '$total'" >&2
  exit 2
  ;;
esac

echo "fuzz: building tests/fuzz_parsers.rs (release)"
cargo test --release --quiet --test fuzz_parsers --no-run
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "fuzz: running, ${KEYTURN_FUZZ_SEED:+seed $KEYTURN_FUZZ_SEED, }asking for $total cases"
start=$(date +%s%N)
status=0
KEYTURN_FUZZ_CASES=$total cargo test --release --quiet --test fuzz_parsers -- --nocapture \
  2>&1 | tee "$log" || status=$?
end=$(date +%s%N)
ran=$(sed -n 's/.*fuzz_parsers: \([0-9]*\) cases in \([0-9]*\) properties.*/\1 cases in \2 properties/p' "$log")
seconds=$(((end - start) / 1000000000))
printf 'fuzz: %s, %d min %02d s\n' "${ran:-? cases}" $((seconds / 60)) $((seconds % 60))
exit "$status"
