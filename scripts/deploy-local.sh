#!/usr/bin/env bash
# Deploys the console to the local peer's S3 with scripts/deploy.sh, the way it is deployed to AWS
# (release build, relative public URL for the path-style bucket URL), and prints the page's URL.
# The uploaded index.html has PEER_URL's origin added to its <meta> Content-Security-Policy
# (deploy.sh --local-peer): the production exact-host policy would block the peer's KMS.
#
#   bash scripts/deploy-local.sh PEER_URL [--skip-build] [--bucket B]
#
# Uses the peer's IAM user keys (GET PEER_URL/_keyturn/user, the same JSON as its user.json).
# Idempotent: the bucket is created only when missing, and deploy.sh re-uploads what changed.
# --skip-build uploads the last build (.run/deploy/dist) again: a peer reset (POST /_keyturn/reset)
# drops all moto state, the bucket included, so the S3 end-to-end test re-deploys after its reset.
# Quiet: the output goes to .run/deploy/local.log and is shown only on failure. stdout is the one
# line PEER_URL/BUCKET/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=env.sh
source scripts/env.sh

usage() { echo "usage: bash scripts/deploy-local.sh PEER_URL [--skip-build] [--bucket B]" >&2; exit 2; }
PEER=${1:-}
[ -n "$PEER" ] || usage
shift
PEER=${PEER%/}
BUCKET=keyturn-console SKIP=()
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-build) SKIP=(--skip-build --dist .run/deploy/dist); shift ;;
    --bucket) BUCKET=${2:-}; shift 2 ;;
    *) usage ;;
  esac
done
mkdir -p .run/deploy
LOG=.run/deploy/local.log
: >"$LOG"

# The user's keys change with every peer reset: ask the peer rather than a file that may be stale.
user=$("$KEYTURN_PYTHON" -c '
import json, sys, urllib.request
u = json.load(urllib.request.urlopen(sys.argv[1] + "/_keyturn/user", timeout=60))
print(u["AccessKeyId"], u["SecretAccessKey"])' "$PEER") || { echo "deploy-local: no IAM user from $PEER/_keyturn/user (is the peer running?)" >&2; exit 1; }
read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY <<<"$user"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
unset AWS_SESSION_TOKEN AWS_PROFILE
# Keep the host's own AWS configuration out of it.
export AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""

aws_peer() { .venv/bin/aws --endpoint-url "$PEER" "$@"; }
if ! aws_peer s3api head-bucket --bucket "$BUCKET" >>"$LOG" 2>&1; then
  if ! aws_peer s3api create-bucket --bucket "$BUCKET" >>"$LOG" 2>&1; then
    cat "$LOG" >&2; echo "deploy-local: could not create bucket $BUCKET on $PEER" >&2; exit 1
  fi
fi
if ! bash scripts/deploy.sh "${SKIP[@]}" --bucket "$BUCKET" --endpoint-url "$PEER" --region us-east-1 --public-read \
    --local-peer "$PEER" >>"$LOG" 2>&1; then
  cat "$LOG" >&2; echo "deploy-local: scripts/deploy.sh failed (log above, also in $LOG)" >&2; exit 1
fi
echo "$PEER/$BUCKET/index.html"
