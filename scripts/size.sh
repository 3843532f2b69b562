#!/usr/bin/env bash
# Prints the shipped bytes of dist/ (wasm + js + css, boot js and wasm-bindgen's snippets included): raw, gzip -9 and brotli -11,
# then fails if the brotli total is over the budget in scripts/size-budget (the one place it is set).
# Usage: bash scripts/size.sh [DIST_DIR]   (default: dist/ at the repo root)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dist=${1:-$root/dist}
budget_file=$root/scripts/size-budget
cd "$dist"
total_raw=0; total_gz=0; total_br=0
printf '%-40s %10s %10s %10s\n' file raw gzip brotli
shopt -s globstar nullglob
for f in *.wasm *.js *.css snippets/**/*.js; do
  [ -f "$f" ] || continue
  raw=$(stat -c %s "$f"); gz=$(gzip -9c "$f" | wc -c); br=$(brotli -q 11 -c "$f" | wc -c)
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br))
  printf '%-40s %10d %10d %10d\n' "$f" "$raw" "$gz" "$br"
done
printf '%-40s %10d %10d %10d\n' total "$total_raw" "$total_gz" "$total_br"

if [ "$total_raw" -eq 0 ]; then
  echo "size: no .wasm/.js/.css in $dist (build first: source scripts/env.sh; trunk_release)" >&2
  exit 1
fi
# The budget file holds one number (bytes); '#' lines are comments.
if [ ! -f "$budget_file" ]; then
  echo "size: no budget file $budget_file" >&2
  exit 1
fi
budget=$(grep -v '^[[:space:]]*#' "$budget_file" | tr -d '[:space:]' || true)
if ! [[ "$budget" =~ ^[0-9]+$ ]]; then
  echo "size: $budget_file must hold one number of bytes, found '$budget'" >&2
  exit 1
fi
if [ "$total_br" -gt "$budget" ]; then
  echo "size: OVER BUDGET: brotli total $total_br B > budget $budget B (scripts/size-budget) by $((total_br - budget)) B." >&2
  echo "size: find what grew (README.md, Size) or, if the growth is wanted, raise the budget on purpose." >&2
  exit 1
fi
echo "size: brotli total $total_br B is within the budget of $budget B ($((budget - total_br)) B to spare)."
