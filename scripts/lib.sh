# Shared by serve.sh and test.sh (sourced). Starts and stops the local services.
# shellcheck source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# Fails early with a clear message instead of a confusing bind error later.
require_free_port() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
    echo "port $1 is already in use on 127.0.0.1: stop what listens there (or set ${2:-the port variable})" >&2
    exit 1
  fi
}

# start_peer PORT STATE_DIR [extra args...]: the local KMS peer with signature checking on.
start_peer() {
  local port=$1 dir=$2; shift 2
  require_free_port "$port" KEYTURN_PEER_PORT
  rm -rf "$dir"; mkdir -p "$dir"
  (cd "$KEYTURN_ROOT" && exec "$KEYTURN_PYTHON" -m peer.keyturn_peer --port "$port" --state-dir "$dir" "$@") \
    >"$dir/peer.log" 2>&1 &
  PIDS+=($!)
  local i
  for i in $(seq 1 600); do
    [ -f "$dir/ready" ] && return 0
    if ! kill -0 "${PIDS[-1]}" 2>/dev/null; then
      echo "the KMS peer exited; its log:" >&2; cat "$dir/peer.log" >&2; exit 1
    fi
    sleep 0.1
  done
  echo "the KMS peer did not become ready in 60 s; its log:" >&2; cat "$dir/peer.log" >&2; exit 1
}

# start_static PORT DIR [extra args...]: serves the built console as static files.
start_static() {
  local port=$1 dir=$2; shift 2
  require_free_port "$port" KEYTURN_PORT
  "$KEYTURN_PYTHON" "$KEYTURN_ROOT/scripts/static_server.py" --port "$port" --root "$dir" "$@" \
    >"$KEYTURN_ROOT/.run/static-$port.log" 2>&1 &
  PIDS+=($!)
  local i
  for i in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "the static server did not start; its log:" >&2; cat "$KEYTURN_ROOT/.run/static-$port.log" >&2; exit 1
}

# stop_last: stops the service started last (start_peer or start_static) and waits until it exits,
# so its port is free again (scripts/bench-browser.sh restarts the peer per setting).
stop_last() {
  local pid=${PIDS[-1]:-}
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset 'PIDS[-1]'
}
