#!/usr/bin/env bash
# Runs the benchmarks (not part of the tests). Each prints its numbers next to a baseline measured
# in the same process, and the ratio between them.
#   inventory_view: filter and sort of a 10,000-key inventory (pure, no peer);
#   inventory_load: a whole inventory loaded from the local KMS peer, which answers after a
#                   simulated network round trip (KEYTURN_BENCH_LATENCY_MS, default 40) and
#                   throttles at KMS's default request quotas (--quotas; KEYTURN_BENCH_QUOTAS=0
#                   turns them off).
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
