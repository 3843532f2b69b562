# Sourced by the scripts: puts the project's pinned tools first on PATH.
# Debian's binaryen (wasm-opt 108) must never be picked up: its output breaks at runtime.
KEYTURN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$KEYTURN_ROOT/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export KEYTURN_PYTHON="$KEYTURN_ROOT/.venv/bin/python"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner

# The one way to build the shipped console: `trunk_release [trunk build args...]`. The standard
# library is rebuilt for the wasm with the release profile and panic = "immediate-abort", so no
# panic message, formatting or location code is shipped (docs/performance.md §5: -26.7 KB brotli).
# Both are unstable cargo features: RUSTC_BOOTSTRAP lets this machine's one stable toolchain use
# them (there is no nightly to fetch); install.sh adds rust-src and fetches std's crates.
trunk_release() {
  RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
    CARGO_UNSTABLE_PANIC_IMMEDIATE_ABORT=true CARGO_PROFILE_RELEASE_PANIC=immediate-abort \
    trunk build --release --offline "$@"
}
