#!/usr/bin/env bash
# The browser benchmarks (issue 9; benches/browser/README.md), run by scripts/bench.sh after the
# native ones, or alone. In one Debian Chromium: keyturn (dist/), a DIY app on the AWS SDK for
# JavaScript v3 and a raw signed-fetch floor load the same inventory from the local KMS peer, each
# 3 times interleaved; then the filter keystroke over 10,000 keys. Prints markdown tables.
#   one scope:  1,000 keys (+ alias/bulk-history) in 123456789012 us-east-1 (--seed none --bulk 1000)
#   fleet:      3 accounts x 2 Regions x 500 keys (--seed demo --bulk-fleet 500), AssumeRole into
#               OrganizationAccountAccessRole
#   each with the peer's --quotas off and on (the peer is restarted per setting), and
#   KEYTURN_BENCH_LATENCY_MS (default 40) added to every answer.
# Each Region has its own host, as on AWS: http://{region}.localhost:PORT (Chromium resolves every
# *.localhost to loopback), so Chromium's 6 connections per host apply per Region.
# KEYTURN_BENCH_ONE_HOST=1 sends every request to http://127.0.0.1:PORT instead (run.mjs --one-host).
# Needs what scripts/install.sh installs (Chromium, .venv); builds dist/ only if it is missing.
# firstload (benches/browser/firstload.mjs): cold-cache first paint and connect-ready times of dist/
# over a throttled link, served precompressed; KEYTURN_BENCH_BASELINE_DIST=DIR runs another build
# beside it and prints the ratios. Not part of the default set.
# Usage: bash scripts/bench-browser.sh [one|fleet|filter|firstload ...]   (default: one fleet filter)
set -euo pipefail
# A baseline build named relative to the caller's directory still works after the cd below.
if [ -n "${KEYTURN_BENCH_BASELINE_DIST:-}" ]; then KEYTURN_BENCH_BASELINE_DIST=$(realpath "$KEYTURN_BENCH_BASELINE_DIST"); fi
cd "$(dirname "$0")/.."
source scripts/lib.sh
mkdir -p .run

latency=${KEYTURN_BENCH_LATENCY_MS:-40}
peer_port=${KEYTURN_BENCH_BROWSER_PEER_PORT:-4621}
web_port=${KEYTURN_BENCH_WEB_PORT:-8621}
runs=${KEYTURN_BENCH_RUNS:-3}
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(one fleet filter)

[ -x /usr/bin/chromium ] && [ -x "$KEYTURN_PYTHON" ] || { echo "bench-browser: run scripts/install.sh first (Chromium, .venv)" >&2; exit 1; }
[ -f dist/index.html ] || trunk_release

# The bench's node packages from their lockfile (re-installed when it changes), and its bundle.
stamp=benches/browser/node_modules/.lock.sha256
want=$(sha256sum benches/browser/package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bench-browser: npm ci in benches/browser/"
  (cd benches/browser && npm ci --no-audit --no-fund --silent)
  echo "$want" > "$stamp"
fi
(cd benches/browser && npm run --silent build >/dev/null)

# The bench page on the console's origin, with the console's security headers: dist/ plus bench/.
web=.run/bench-web
rm -rf "$web"; mkdir -p "$web/bench"
cp -r dist/. "$web/"
cp -r benches/browser/build/. "$web/bench/"
peer_url="http://127.0.0.1:$peer_port"
# The pages may connect to the peer as 127.0.0.1 (KEYTURN_BENCH_ONE_HOST=1) and as each Region's
# host ({region}.localhost, the default).
start_static "$web_port" "$web" --security-headers --local-peer "$peer_url" \
  --local-peer "http://*.localhost:$peer_port"

results=.run/bench-browser.jsonl
rm -f "$results"
state=.run/bench-browser-peer
hosts=()
[ "${KEYTURN_BENCH_ONE_HOST:-}" = 1 ] && hosts=(--one-host)
bench() {
  node benches/browser/run.mjs --peer "$peer_url" --state-dir "$state" --runs "$runs" "${hosts[@]}" \
    --keyturn-url "http://127.0.0.1:$web_port" --bench-url "http://127.0.0.1:$web_port/bench/bench.html" \
    --out "$results" "$@" >/dev/null || echo "bench-browser: run.mjs $* failed (see above)" >&2
}
# A copy of a build with FILE.br and FILE.gz beside each file (static_server.py --compress).
precompressed() {
  local from=$1 to=$2 f
  rm -rf "$to"; mkdir -p "$to"; cp -r "$from"/. "$to"/
  find "$to" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' \) |
    while read -r f; do brotli -q 11 -c "$f" > "$f.br"; gzip -9 -c "$f" > "$f.gz"; done
}
for scenario in "${scenarios[@]}"; do
  case $scenario in
    firstload)
      precompressed dist .run/firstload-web
      start_static $((web_port + 10)) .run/firstload-web --security-headers --compress
      base=()
      if [ -n "${KEYTURN_BENCH_BASELINE_DIST:-}" ]; then
        precompressed "$KEYTURN_BENCH_BASELINE_DIST" .run/firstload-base
        start_static $((web_port + 11)) .run/firstload-base --security-headers --compress
        base=(--baseline-url "http://127.0.0.1:$((web_port + 11))/")
      fi
      echo "bench-browser: first load, cold cache, throttled link, ${KEYTURN_BENCH_FIRSTLOAD_RUNS:-5} runs"
      rm -f .run/bench-firstload.jsonl
      node benches/browser/firstload.mjs --url "http://127.0.0.1:$((web_port + 10))/" "${base[@]}" \
        --runs "${KEYTURN_BENCH_FIRSTLOAD_RUNS:-5}" --out .run/bench-firstload.jsonl ||
        echo "bench-browser: firstload.mjs failed (see above)" >&2
      continue ;;
    one) seed=(--seed none --bulk 1000) ;;
    fleet) seed=(--seed demo --bulk-fleet 500) ;;
    filter)
      start_peer "$peer_port" "$state" --seed none --bulk 10000 --latency-ms "$latency"
      echo "bench-browser: filter keystroke, 10,001 keys, ${latency} ms added to every answer, quotas off"
      bench --filter
      stop_last
      continue ;;
    *) echo "bench-browser: unknown scenario $scenario (one, fleet, filter, firstload)" >&2; exit 2 ;;
  esac
  for quotas in off on; do
    flags=()
    [ "$quotas" = on ] && flags=(--quotas)
    start_peer "$peer_port" "$state" "${seed[@]}" --latency-ms "$latency" "${flags[@]}"
    echo "bench-browser: $scenario, ${latency} ms added to every answer, quotas $quotas"
    bench --scopes "$scenario"
    stop_last
  done
done

if [ -s "$results" ]; then node benches/browser/run.mjs --report "$results"; fi
