#!/usr/bin/env bash
# Installs what is missing, then runs every test: lint, native unit tests, the SigV4 oracle,
# browser tests of the fetch path, the peer's AWS CLI cross-checks and the end-to-end tests.
# Exits non-zero if anything fails. Safe to re-run.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh || exit 1
source scripts/lib.sh
mkdir -p .run

PEER_PORT=${KEYTURN_TEST_PEER_PORT:-4610}
WEB_PORT=${KEYTURN_TEST_PORT:-8090}
passed=0; failed=0; failures=()
stage() {
  local name=$1; shift
  printf '\n=== %s\n' "$name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$name"); fi
}

stage "rustfmt" cargo fmt --check
stage "clippy (native)" cargo clippy --quiet --all-targets -- -D warnings
stage "clippy (wasm32)" cargo clippy --quiet --all-targets --target wasm32-unknown-unknown -- -D warnings
stage "typecheck (tsc, end-to-end specs)" bash -c 'cd end2end && npx tsc -p .'
stage "native tests (wire layer, console logic, SigV4 oracle)" cargo test --quiet

start_peer "$PEER_PORT" .run/test-peer --seed demo
export KEYTURN_PEER_URL="http://127.0.0.1:$PEER_PORT"
stage "browser tests (wasm-bindgen-test in Chromium, against the peer)" \
  cargo test --target wasm32-unknown-unknown
stage "peer tests (cross-checked with the AWS CLI v1)" .venv/bin/python -m pytest -q peer/tests

build_release() { rm -rf dist; trunk_release >.run/trunk-test-build.log 2>&1 || { cat .run/trunk-test-build.log; return 1; }; }
stage "release build" build_release
reset_peer() {
  "$KEYTURN_PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_keyturn/reset", data=b"{\"seed\": \"demo\"}", method="POST"), timeout=120).read()' "$KEYTURN_PEER_URL"
}
if [ -f dist/index.html ]; then
  # The browser tests rotated keys: the end-to-end tests start from a fresh demo fleet.
  reset_peer
  # Served with exactly the hosted security headers (scripts/csp.py), plus the local peer in connect-src,
  # in the header and in index.html's <meta> policy (static_server.py rewrites it for --local-peer).
  # The peer under a second host name too: the STS endpoint URL test uses it as another origin.
  start_static "$WEB_PORT" dist --security-headers --local-peer "$KEYTURN_PEER_URL" \
    --local-peer "http://localhost:$PEER_PORT"
  export KEYTURN_URL="http://127.0.0.1:$WEB_PORT"
  # The console as scripts/deploy.sh ships it (release build, relative public URL) in the peer's S3;
  # end2end/tests/hosting-s3.spec.ts loads it from there. Set even if the deploy fails, so that test
  # fails instead of skipping.
  export KEYTURN_S3_URL="$KEYTURN_PEER_URL/keyturn-console/index.html"
  stage "deploy to the peer's S3 (scripts/deploy-local.sh)" bash scripts/deploy-local.sh "$KEYTURN_PEER_URL"
  stage "end-to-end (Playwright, Chromium)" bash -c 'cd end2end && npx playwright test'
  stage "hosting: template (cfn-lint), CSP, deploy" .venv/bin/python -m pytest -q deploy/tests
  stage "size budget (scripts/size-budget)" bash scripts/size.sh
fi

printf '\n'
for f in "${failures[@]:-}"; do [ -n "$f" ] && echo "FAILED: $f"; done
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
