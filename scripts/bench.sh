#!/usr/bin/env bash
# Runs the benchmarks (not part of the tests). Each prints its numbers next to a baseline measured
# in the same process, and the ratio between them.
#   inventory_view: filter and sort of a 10,000-key inventory (pure, no peer);
#   inventory_load: a whole inventory loaded from the local KMS peer, which answers after a
#                   simulated network round trip (KEYTURN_BENCH_LATENCY_MS, default 40) and
#                   throttles at KMS's default request quotas (--quotas; KEYTURN_BENCH_QUOTAS=0
#                   turns them off).
#   browser:        scripts/bench-browser.sh, in Debian's Chromium: keyturn (dist/) against a DIY app
#                   on the AWS SDK for JavaScript v3 and a raw signed-fetch floor, one scope and a
#                   fleet of 6, quotas off and on; the filter keystroke over 10,000 keys
#                   (benches/browser/README.md). KEYTURN_BENCH_BROWSER=0 skips it.
# Usage: bash scripts/bench.sh [KEYS]   (default 300 keys for the load benchmark)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
source scripts/lib.sh
mkdir -p .run
keys=${1:-300}
latency=${KEYTURN_BENCH_LATENCY_MS:-40}
port=${KEYTURN_BENCH_PEER_PORT:-4620}

cargo bench --quiet --bench inventory_view

quotas=()
[ "${KEYTURN_BENCH_QUOTAS:-1}" = 0 ] || quotas=(--quotas)
start_peer "$port" .run/bench-peer --seed none --bulk "$keys" --latency-ms "$latency" "${quotas[@]}"
echo "peer: $keys keys, ${latency} ms added to every answer, quotas ${quotas[*]:-off}"
KEYTURN_BENCH_PEER="http://127.0.0.1:$port" cargo bench --quiet --bench inventory_load
stop_last

# The browser benchmarks; dist/ is built (trunk build --release --offline) only if it is missing.
[ "${KEYTURN_BENCH_BROWSER:-1}" = 0 ] || bash scripts/bench-browser.sh
