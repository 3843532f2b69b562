#!/usr/bin/env bash
# Prints the shipped bytes of dist/ (wasm + js + css): raw, gzip -9 and brotli -11.
set -euo pipefail
cd "$(dirname "$0")/../dist"
total_raw=0; total_gz=0; total_br=0
printf '%-40s %10s %10s %10s\n' file raw gzip brotli
for f in *.wasm *.js *.css; do
  [ -f "$f" ] || continue
  raw=$(stat -c %s "$f"); gz=$(gzip -9c "$f" | wc -c); br=$(brotli -q 11 -c "$f" | wc -c)
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br))
  printf '%-40s %10d %10d %10d\n' "$f" "$raw" "$gz" "$br"
done
printf '%-40s %10d %10d %10d\n' total "$total_raw" "$total_gz" "$total_br"
