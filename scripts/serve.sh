#!/usr/bin/env bash
# Serves the console at http://127.0.0.1:8080 with the local KMS peer and its demo fleet,
# and prints the demo credentials to paste. Installs what is missing first. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh | grep -v '^install: all tools present$' || true
source scripts/lib.sh

PORT=${KEYTURN_PORT:-8080}
PEER_PORT=${KEYTURN_PEER_PORT:-4599}
mkdir -p .run

echo "building the console (release)..."
trunk build --release --offline >.run/trunk-build.log 2>&1 || { cat .run/trunk-build.log; exit 1; }

echo "starting the local KMS peer and seeding the demo fleet..."
start_peer "$PEER_PORT" .run/peer --seed demo
# The same security headers as the hosted console (scripts/csp.py), with the local peer allowed
# (in the header and in index.html's <meta> policy).
start_static "$PORT" dist --security-headers --local-peer "http://127.0.0.1:$PEER_PORT"

cat <<TXT

keyturn is at http://127.0.0.1:$PORT/

Connect with region us-east-1 and, under Advanced, endpoint URL http://127.0.0.1:$PEER_PORT
Paste these demo session credentials (they exist only in the local peer):

$(cat .run/peer/credentials.json)

Cross-check with the AWS CLI v1:
  AWS_ACCESS_KEY_ID=... .venv/bin/aws kms list-keys --region us-east-1 --endpoint-url http://127.0.0.1:$PEER_PORT
Ctrl-C stops the console and the peer.
TXT
wait
