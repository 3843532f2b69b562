#!/usr/bin/env bash
# Builds the console (release) and uploads it to the site bucket of deploy/template.yaml, then
# invalidates /index.html on its CloudFront distribution. See deploy/README.md.
#
#   bash scripts/deploy.sh --bucket BUCKET [--distribution-id ID] [--endpoint-url URL]
#                          [--region REGION] [--skip-build] [--dist DIR] [--public-url URL]
#                          [--public-read] [--local-peer URL] [--connect-origin URL] [--dry-run]
#
# Upload order and headers (from `scripts/csp.py upload-plan`, the one place they are decided):
#   1. hashed files that index.html references: `Cache-Control: public, max-age=31536000,
#      immutable`, `.wasm` as application/wasm (aws s3 sync: unchanged files are skipped);
#   2. any other file, then index.html last, `Cache-Control: no-cache` (aws s3 cp: always
#      uploaded), so a new index.html never points at a file that is not there yet.
# index.html goes up as built, with the exact-host <meta> policy of scripts/csp.py; with
# --connect-origin (a KMS VPC endpoint) or, for the local peer, --local-peer, a copy with those
# origins added to it is uploaded instead.
# Old hashed files are kept: a browser that loaded the previous index.html a moment ago still
# finds its wasm. The bucket's lifecycle rule only expires noncurrent versions.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=env.sh
source scripts/env.sh

usage() {
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
  cat >&2 <<'TXT'

  --bucket B            the site bucket (stack output BucketName)
  --distribution-id D   invalidate /index.html on this distribution (stack output DistributionId);
                        without it the invalidation is skipped
  --endpoint-url URL    an S3 endpoint other than AWS's (the local peer: http://127.0.0.1:4599);
                        the console is then served path-style from URL/B/, so it is built with
                        --public-url ./ unless --distribution-id or --public-url says otherwise
  --region R            passed to the AWS CLI
  --skip-build          upload an existing build (default dir: dist/) instead of building
  --dist DIR            where to build to / upload from (default: .run/deploy/dist, or dist/
                        with --skip-build)
  --public-url URL      Trunk's public URL (default / ; ./ for a path-style --endpoint-url)
  --public-read         upload with --acl public-read: only for the local peer, whose S3 serves
                        anonymous reads of public-read objects (the real bucket is private and
                        ACLs are disabled on it)
  --local-peer URL      only with --endpoint-url: upload index.html with URL's origin added to its
                        <meta> Content-Security-Policy (scripts/csp.py local-index); repeatable.
                        The build in --dist is left as it is.
  --connect-origin URL  an https:// origin the console may also call, e.g. a KMS VPC endpoint
                        (https://vpce-0123-abcd.kms.eu-west-1.vpce.amazonaws.com): added to the
                        uploaded index.html's exact-host <meta> policy; repeatable. The header
                        policy already admits *.amazonaws.com.
  --dry-run             print the commands without running them
TXT
  exit 2
}

BUCKET="" DIST_ID="" ENDPOINT="" REGION="" SKIP_BUILD=0 DIST="" PUBLIC_URL="" PUBLIC_READ=0 DRY_RUN=0
LOCAL_PEERS=() CONNECT_ORIGINS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bucket) BUCKET=${2:-}; shift 2 ;;
    --distribution-id) DIST_ID=${2:-}; shift 2 ;;
    --endpoint-url) ENDPOINT=${2:-}; shift 2 ;;
    --region) REGION=${2:-}; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --dist) DIST=${2:-}; shift 2 ;;
    --public-url) PUBLIC_URL=${2:-}; shift 2 ;;
    --public-read) PUBLIC_READ=1; shift ;;
    --local-peer) [ -n "${2:-}" ] || { echo "deploy: --local-peer needs a URL" >&2; usage; }; LOCAL_PEERS+=("$2"); shift 2 ;;
    --connect-origin)
      case "${2:-}" in https://?*) CONNECT_ORIGINS+=("$2") ;; *) echo "deploy: --connect-origin needs an https:// origin" >&2; usage ;; esac
      shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage ;;
    *) echo "deploy: unknown argument: $1" >&2; usage ;;
  esac
done

die() { echo "deploy: $*" >&2; exit 2; }
[ -n "$BUCKET" ] || die "--bucket is required (the stack output BucketName)"
[[ "$BUCKET" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || die "--bucket $BUCKET is not an S3 bucket name"
if [ "$PUBLIC_READ" = 1 ] && [ -z "$ENDPOINT" ]; then
  die "--public-read is only for the local peer (--endpoint-url): the real bucket is private and read through CloudFront"
fi
if [ "${#LOCAL_PEERS[@]}" -gt 0 ] && [ -z "$ENDPOINT" ]; then
  die "--local-peer is only for the local peer's S3 (--endpoint-url): the hosted index.html keeps the exact-host policy"
fi
if [ -z "$PUBLIC_URL" ]; then
  # CloudFront serves the app at the root, and deep links need absolute asset URLs; a path-style
  # bucket URL (ENDPOINT/BUCKET/index.html) needs relative ones.
  if [ -n "$ENDPOINT" ] && [ -z "$DIST_ID" ]; then PUBLIC_URL=./; else PUBLIC_URL=/; fi
fi
if [ -z "$DIST" ]; then
  if [ "$SKIP_BUILD" = 1 ]; then DIST=dist; else DIST=.run/deploy/dist; fi
fi

PY=${KEYTURN_PYTHON:-python3}
[ -x "$PY" ] || PY=python3
# The AWS CLI: KEYTURN_AWS_CLI, else the project's pinned CLI v1 (.venv), else `aws` on PATH.
if [ -n "${KEYTURN_AWS_CLI:-}" ]; then AWS=$KEYTURN_AWS_CLI
elif [ -x .venv/bin/aws ]; then AWS=.venv/bin/aws
else AWS=aws
fi
aws_common=()
[ -n "$ENDPOINT" ] && aws_common+=(--endpoint-url "$ENDPOINT")
[ -n "$REGION" ] && aws_common+=(--region "$REGION")

run() {
  printf '+'; printf ' %q' "$@"; printf '\n'
  [ "$DRY_RUN" = 1 ] || "$@"
}

if [ "$SKIP_BUILD" = 0 ]; then
  command -v trunk >/dev/null || die "trunk is not installed: run bash scripts/install.sh"
  mkdir -p .run/deploy
  echo "deploy: building (trunk_release --public-url $PUBLIC_URL) into $DIST"
  if ! trunk_release --public-url "$PUBLIC_URL" --dist "$DIST" >.run/deploy/trunk.log 2>&1; then
    cat .run/deploy/trunk.log >&2
    die "the release build failed (log above, also in .run/deploy/trunk.log)"
  fi
fi

# Refuse a build the hosted Content-Security-Policy would block, or one with broken SRI.
"$PY" scripts/csp.py check --dist "$DIST" --public-url "$PUBLIC_URL" || die "not deploying $DIST (see above)"

acl=()
[ "$PUBLIC_READ" = 1 ] && acl=(--acl public-read)
declare -A groups=()
later=() index=""
while IFS=$'\t' read -r cache_control content_type rel; do
  if [ "$rel" = index.html ]; then
    index=$content_type$'\t'$rel
  elif [ "$cache_control" = "no-cache" ]; then
    later+=("$content_type"$'\t'"$rel")
  else
    groups["$cache_control"$'\t'"$content_type"]+=$rel$'\n'
  fi
done < <("$PY" scripts/csp.py upload-plan --dist "$DIST")
[ -n "$index" ] || die "$DIST/index.html is missing"

# The index.html to upload: the build's, or for the local peer a copy whose <meta> policy also
# allows the peer (the one function static_server.py --local-peer uses, too).
index_file=$DIST/index.html
if [ "$(( ${#LOCAL_PEERS[@]} + ${#CONNECT_ORIGINS[@]} ))" -gt 0 ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  peer_args=()
  for peer in "${LOCAL_PEERS[@]}" "${CONNECT_ORIGINS[@]}"; do
    [ -n "$peer" ] && peer_args+=(--local-peer "$peer")
  done
  "$PY" scripts/csp.py local-index --dist "$DIST" "${peer_args[@]}" --out "$tmp/index.html" \
    || die "could not add the local peer to $DIST/index.html's <meta> policy (see above)"
  index_file=$tmp/index.html
fi

dest="s3://$BUCKET"
for key in "${!groups[@]}"; do
  cache_control=${key%%$'\t'*}
  content_type=${key#*$'\t'}
  includes=()
  while IFS= read -r rel; do
    [ -n "$rel" ] && includes+=(--include "$rel")
  done <<<"${groups[$key]}"
  run "$AWS" "${aws_common[@]}" s3 sync "$DIST" "$dest/" --no-progress --exclude '*' "${includes[@]}" \
    --cache-control "$cache_control" --content-type "$content_type" "${acl[@]}"
done
for entry in "${later[@]}" "$index"; do
  content_type=${entry%%$'\t'*}
  rel=${entry#*$'\t'}
  src=$DIST/$rel
  [ "$rel" = index.html ] && src=$index_file
  run "$AWS" "${aws_common[@]}" s3 cp "$src" "$dest/$rel" --no-progress \
    --cache-control no-cache --content-type "$content_type" "${acl[@]}"
done

if [ -n "$DIST_ID" ]; then
  # The CloudFront Function maps / and every app route to /index.html, so this one path is the
  # cache key of every page; the hashed files never change under their names.
  region=()
  [ -n "$REGION" ] && region=(--region "$REGION")
  run "$AWS" "${region[@]}" cloudfront create-invalidation --distribution-id "$DIST_ID" --paths /index.html
else
  echo "deploy: no --distribution-id: skipping the CloudFront invalidation"
fi

if [ -n "$ENDPOINT" ]; then
  echo "deploy: done: ${ENDPOINT%/}/$BUCKET/index.html"
else
  echo "deploy: done: s3://$BUCKET"
fi
