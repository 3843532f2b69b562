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
trunk_release >.run/trunk-build.log 2>&1 || { cat .run/trunk-build.log; exit 1; }

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

The demo organisation (docs/peer.md): after connecting, open "Choose accounts and Regions",
tick us-west-2 (and eu-west-1 to see a Region denied by a service control policy), paste these
account ids (role OrganizationAccountAccessRole; or press "List my organization's accounts"),
and Apply:
$("$KEYTURN_PYTHON" - "$PWD/.run/peer/fleet.json" <<'PY'
import json, sys
fleet = json.load(open(sys.argv[1]))
for a in fleet.get("accounts", []):
    regions = ", ".join(f"{r} ({n} keys)" for r, n in a.get("key_counts", {}).items())
    note = "" if a.get("assumable", True) else "   <- its role does not trust the demo user"
    print(f"  {a['id']}  {a.get('name', '')}: {regions}{note}")
ext = fleet.get("external_id_role")
if ext:
    print(f"  role {ext['arn']} needs external id {ext['external_id']}")
PY
)

Cross-check with the AWS CLI v1:
  AWS_ACCESS_KEY_ID=... .venv/bin/aws kms list-keys --region us-east-1 --endpoint-url http://127.0.0.1:$PEER_PORT
Ctrl-C stops the console and the peer.
TXT
wait
