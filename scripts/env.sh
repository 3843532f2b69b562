# Sourced by the scripts: puts the project's pinned tools first on PATH.
# Debian's binaryen (wasm-opt 108) must never be picked up: its output breaks at runtime.
KEYTURN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$KEYTURN_ROOT/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export KEYTURN_PYTHON="$KEYTURN_ROOT/.venv/bin/python"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
