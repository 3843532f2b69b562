#!/usr/bin/env bash
# Installs whatever keyturn needs that this machine lacks, and nothing else.
# Safe to re-run: every step checks first, so a warm machine costs a few seconds and prints one line.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
say() { printf 'install: %s\n' "$*"; }

export PATH="$HOME/.cargo/bin:$PATH"

# Rust's wasm target.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The standard library's source: the shipped wasm rebuilds std (trunk_release in env.sh).
if ! rustup component list --installed 2>/dev/null | grep -qx rust-src; then
  say "adding the rust-src component"
  rustup component add rust-src
fi

# Crates first: wasm-bindgen's version is read from Cargo.lock, and Trunk runs cargo offline, so
# the crates std is built from are fetched too.
cargo fetch --quiet
RUSTC_BOOTSTRAP=1 cargo fetch --quiet -Zbuild-std=std,panic_abort --target wasm32-unknown-unknown

# wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock (not --locked: see toolchain.md).
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB_VERSION" ]; then
  say "building wasm-bindgen-cli $WB_VERSION (about 5 minutes)"
  cargo install --quiet wasm-bindgen-cli --version "$WB_VERSION" --force
fi

# Trunk 0.21: 0.22 needs a newer rustc than this machine's.
if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "building trunk $TRUNK_VERSION (about 11 minutes)"
  cargo install --quiet --locked trunk --version "$TRUNK_VERSION" --force
fi

# Debian packages: the real browser and its driver, brotli for the size report.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v brotli >/dev/null || missing+=(brotli)
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The Python peer and the AWS CLI v1, pinned, in a venv. Re-installed when the pins change.
stamp=.venv/.requirements.sha256
want=$(sha256sum peer/requirements.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "creating the peer venv (.venv)"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r peer/requirements.txt
  echo "$want" > "$stamp"
fi

# Node packages from their lockfiles: wasm-opt (binaryen) and Playwright (no browser download).
for dir in tools end2end; do
  stamp=$dir/node_modules/.lock.sha256
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "npm ci in $dir/"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
    echo "$want" > "$stamp"
  fi
done

say "all tools present"
