#!/usr/bin/env bash
# Local devnet on loopback, written by `coinjecture-cli testnet` (keys, genesis with a funded faucet, one config
# per node with pinned peers) under one work folder. By default the migration plan's hybrid: C validators
# (coinjectured) and one independent Python validator (python3 -m coinjecture_validator), in shadow mode
# watching each other; --c-only runs C validators only. Prints the dashboard URLs, keeps a live one-screen
# summary (implementation, role, height, tip, proposer, peers, parity per node: scripts/devnet_monitor.py) and
# stops every node cleanly on Ctrl-C. Run scripts/run.sh (or build into build/) first.
#
#   scripts/devnet.sh [--c-only] [--nodes N] [--dir WORKDIR] [--block-time MS] [--duration SECONDS] [--reset]
#                     [--base-port PORT] [--build-dir DIR]
#
# A second run with the same --dir restarts the same chain (keys, genesis, configs and data are kept, ports
# too). --reset deletes the work folder first (only one this script created). --duration runs that long, then
# exits 0 only if every node is alive, all agree on one tip above height 1 and no parity drift was counted (for
# tests). Without a terminal on stdout the summary is one line per second.
set -euo pipefail

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

Options:
  --c-only           C validators only (default: the hybrid, N-1 C validators + 1 Python validator)
  --nodes N          validators to run (default 3; 2..16 in the hybrid, 1..16 with --c-only)
  --dir WORKDIR      work folder (default ./devnet)
  --block-time MS    block time in milliseconds for a new chain (100..3600000, default 1000)
  --duration SEC     stop after SEC seconds; exit 0 only if all nodes agree on the tip with no parity drift
  --reset            delete WORKDIR (a devnet folder) and start a new chain
  --base-port PORT   node i listens for P2P on PORT+2i and serves its API and dashboard on PORT+2i+1
                     (default 9000; fixed when the chain is created)
  --build-dir DIR    where coinjectured and the tools were built (default $COINJECTURE_BUILD_DIR or build/)
EOF
}

die() { echo "devnet: $*" >&2; exit 1; }

nodes=3 dir=./devnet block_ms="" duration=0 reset=0 base_port="" c_only=0
build_dir=${COINJECTURE_BUILD_DIR:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --c-only) c_only=1 ;;
    --nodes) nodes=${2:?--nodes needs a value}; shift ;;
    --dir) dir=${2:?--dir needs a value}; shift ;;
    --block-time) block_ms=${2:?--block-time needs a value}; shift ;;
    --duration) duration=${2:?--duration needs a value}; shift ;;
    --reset) reset=1 ;;
    --base-port) base_port=${2:?--base-port needs a value}; shift ;;
    --api-port|--p2p-port) die "$1 was replaced by --base-port PORT (P2P on PORT+2i, API on PORT+2i+1)" ;;
    --build-dir) build_dir=${2:?--build-dir needs a value}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "devnet: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
min_nodes=$((c_only ? 1 : 2))
if ! is_uint "$nodes" || [ "$nodes" -lt "$min_nodes" ] || [ "$nodes" -gt 16 ]; then
  die "--nodes: expected $min_nodes..16$([ "$c_only" -eq 1 ] || echo ' in the hybrid (--c-only for 1)'), got '$nodes'"
fi
if [ -n "$block_ms" ] && { ! is_uint "$block_ms" || [ "$block_ms" -lt 100 ] || [ "$block_ms" -gt 3600000 ]; }; then
  die "--block-time: expected milliseconds 100..3600000, got '$block_ms'"
fi
is_uint "$duration" || die "--duration: expected whole seconds, got '$duration'"
if [ -n "$base_port" ] && { ! is_uint "$base_port" || [ "$base_port" -lt 1024 ] || [ "$base_port" -gt 65000 ]; }; then
  die "--base-port: expected 1024..65000, got '$base_port'"
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
[ -n "$build_dir" ] || build_dir=$repo/build
[ ! -d "$build_dir" ] || build_dir=$(cd "$build_dir" && pwd)   # the nodes run in their own directories
NODE=$build_dir/src/node/coinjectured
KEYGEN=$build_dir/src/tools/coinjecture-keygen
CLI=$build_dir/src/tools/coinjecture-cli
if [ ! -x "$NODE" ] && command -v coinjectured >/dev/null; then
  NODE=$(command -v coinjectured) KEYGEN=$(command -v coinjecture-keygen) CLI=$(command -v coinjecture-cli)
fi
for b in "$NODE" "$KEYGEN" "$CLI"; do
  [ -x "$b" ] || die "$b not found: build first (scripts/run.sh, or cmake -S . -B build -G Ninja && ninja -C build), or pass --build-dir"
done
PY=/usr/bin/python3
[ -x "$PY" ] || die "/usr/bin/python3 is needed (the summary, and the Python validator of the hybrid)"
MONITOR=$repo/scripts/devnet_monitor.py

# ---- work folder -----------------------------------------------------------------------------------------
marker=.coinjecture-devnet
if [ "$reset" -eq 1 ] && [ -e "$dir" ]; then
  if [ -n "$(ls -A "$dir" 2>/dev/null)" ] && [ ! -f "$dir/$marker" ]; then
    die "--reset: $dir is not a devnet folder (no $marker); refusing to delete it"
  fi
  for f in "$dir"/net/node*/pid; do
    if [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then
      die "--reset: a node of $dir still runs (pid $(cat "$f"))"
    fi
  done
  rm -rf "$dir"
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
net=$dir/net
impl_of() { if [ "$c_only" -eq 0 ] && [ "$1" -eq $((nodes - 1)) ]; then echo py; else echo c; fi; }
if [ -f "$dir/devnet.env" ]; then
  grep -q '^DEVNET_C_ONLY=' "$dir/devnet.env" ||
    die "$dir was made by an older devnet.sh (no coinjecture-cli testnet layout, maybe older chain rules): use --reset"
  # shellcheck disable=SC1091
  . "$dir/devnet.env"   # DEVNET_NODES, DEVNET_BLOCK_MS, DEVNET_BASE_PORT, DEVNET_C_ONLY of the existing chain
  [ "$DEVNET_NODES" -eq "$nodes" ] || die "$dir holds a $DEVNET_NODES-validator devnet; use --nodes $DEVNET_NODES or --reset"
  [ "$DEVNET_C_ONLY" -eq "$c_only" ] ||
    die "$dir holds a $([ "$DEVNET_C_ONLY" -eq 1 ] && echo C-only || echo hybrid) devnet; $([ "$DEVNET_C_ONLY" -eq 1 ] && echo 'add --c-only' || echo 'drop --c-only') or use --reset"
  [ -z "$block_ms" ] || [ "$block_ms" -eq "$DEVNET_BLOCK_MS" ] ||
    die "$dir has block time ${DEVNET_BLOCK_MS} ms (fixed in its genesis); use --reset to change it"
  [ -z "$base_port" ] || [ "$base_port" -eq "$DEVNET_BASE_PORT" ] ||
    die "$dir uses base port $DEVNET_BASE_PORT (fixed in its configs); use --reset to change it"
  block_ms=$DEVNET_BLOCK_MS base_port=$DEVNET_BASE_PORT
  echo "devnet: restarting the existing chain in $dir (it resumes at one block per block time, no catch-up burst)"
else
  [ -z "$(ls -A "$dir")" ] || [ -f "$dir/$marker" ] || die "$dir is not empty and not a devnet folder"
  block_ms=${block_ms:-1000} base_port=${base_port:-9000}
  [ $((base_port + 2 * nodes)) -le 65535 ] || die "--base-port $base_port leaves no room for $nodes nodes"
  if [ "$c_only" -eq 0 ]; then
    "$PY" -c 'import cryptography, yaml' 2>/dev/null ||
      die "the Python validator needs python3-cryptography and python3-yaml (scripts/install-deps.sh --run installs them), or use --c-only"
  fi
  touch "$dir/$marker"
  rm -rf "$net"
  "$CLI" testnet --out "$net" --validators "$nodes" --block-time "${block_ms}ms" --base-port "$base_port" \
    --network devnet --chain-id 1337 >/dev/null
  # shadow mode, by P2P node key (docs/SHADOW.md): the C validators watch the Python one, which watches n0
  if [ "$c_only" -eq 0 ]; then
    py=$((nodes - 1))
    py_key=$("$KEYGEN" --show "$net/node$py/p2p_node.key" | awk '{print $1}')
    c0_key=$("$KEYGEN" --show "$net/node0/p2p_node.key" | awk '{print $1}')
    for ((i = 0; i < nodes; i++)); do
      watched=$py_key
      [ "$i" -ne "$py" ] || watched=$c0_key
      printf 'consensus:\n  shadow_mode:\n    enabled: true\n    compare_with_validator: "%s"\n' "$watched" \
        >>"$net/node$i/coinjectured.yaml"
    done
  fi
  for ((i = 0; i < nodes; i++)); do
    if [ "$(impl_of "$i")" = py ]; then
      cmd=(env "PYTHONPATH=$repo/validator/python" "$PY" -m coinjecture_validator)
    else
      cmd=("$NODE")
    fi
    (cd "$net/node$i" && "${cmd[@]}" init --genesis ../genesis.json --data-dir data) >"$net/node$i/init.log" 2>&1 ||
      { cat "$net/node$i/init.log" >&2; die "init failed for node$i"; }
  done
  printf 'DEVNET_NODES=%s\nDEVNET_BLOCK_MS=%s\nDEVNET_BASE_PORT=%s\nDEVNET_C_ONLY=%s\n' "$nodes" "$block_ms" \
    "$base_port" "$c_only" >"$dir/devnet.env"
  echo "devnet: new chain in $dir: $( [ "$c_only" -eq 1 ] && echo "$nodes C validators" ||
    echo "$((nodes - 1)) C validators + 1 Python validator, shadow mode") (block time $block_ms ms)"
fi
for ((i = 0; i < 2 * nodes; i++)); do
  if (: </dev/tcp/127.0.0.1/$((base_port + i))) 2>/dev/null; then
    die "port $((base_port + i)) on 127.0.0.1 is in use (another devnet?): stop it, or --reset with another --base-port"
  fi
done

# ---- run -------------------------------------------------------------------------------------------------
pids=()
stopping=0
stop_all() {
  [ "$stopping" -eq 0 ] || return 0
  stopping=1
  [ ${#pids[@]} -gt 0 ] || return 0
  echo "devnet: stopping ${#pids[@]} node(s)…"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  local deadline=$((SECONDS + 15)) p
  for p in "${pids[@]}"; do
    while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then echo "devnet: pid $p did not stop in time: killing it" >&2; kill -KILL "$p" 2>/dev/null || true; fi
    wait "$p" 2>/dev/null || true
  done
  rm -f "$net"/node*/pid
  echo "devnet: stopped (data kept in $dir; run again to continue the chain, --reset to start over)"
}
interrupted=0
trap 'interrupted=1' INT TERM
trap stop_all EXIT

node_args=()
for ((i = 0; i < nodes; i++)); do
  d=$net/node$i impl=$(impl_of "$i")
  echo "=== $(date -u +%FT%TZ) devnet start" >>"$d/node.log"
  if [ "$impl" = py ]; then
    (cd "$d" && exec env "PYTHONPATH=$repo/validator/python" "$PY" -m coinjecture_validator -c coinjectured.yaml) >>"$d/node.log" 2>&1 &
    role="shadow of n0"
  else
    (cd "$d" && exec "$NODE" -c coinjectured.yaml) >>"$d/node.log" 2>&1 &
    role=$([ "$c_only" -eq 1 ] && echo validator || echo "shadow of n$((nodes - 1))")
  fi
  pids+=($!)
  echo $! >"$d/pid"
  pub=$("$KEYGEN" --show "$d/validator.key" | awk '{print $1}')
  node_args+=(--node "n$i,$impl,$role,http://127.0.0.1:$((base_port + 2 * i + 1)),$!,$pub")
done
monitor() { "$PY" "$MONITOR" "$1" --duration "$duration" --block-ms "$block_ms" "${node_args[@]}"; }

if ! monitor wait; then
  [ "$interrupted" -eq 0 ] || exit 0
  for ((i = 0; i < nodes; i++)); do echo "--- node$i: $net/node$i/node.log (last lines)" >&2; tail -n 15 "$net/node$i/node.log" >&2; done
  exit 1
fi
echo
echo "devnet: $nodes validator(s) running; work folder $dir"
for ((i = 0; i < nodes; i++)); do
  api=http://127.0.0.1:$((base_port + 2 * i + 1))
  echo "  n$i  $( [ "$(impl_of "$i")" = py ] && echo "Python" || echo "C     ")  dashboard $api/   API $api/v1/status   P2P 127.0.0.1:$((base_port + 2 * i))   log $net/node$i/node.log"
done
echo "  coinjecture-cli --node http://127.0.0.1:$((base_port + 1)) status      (funded key: $net/faucet.key)"
echo

# The summary runs in the background so that `wait` returns as soon as Ctrl-C or SIGTERM arrives.
rc=0
if [ "$interrupted" -eq 0 ]; then
  "$PY" "$MONITOR" monitor --duration "$duration" --block-ms "$block_ms" "${node_args[@]}" &
  mon=$!
  mrc=0
  wait "$mon" || mrc=$?
  if [ "$interrupted" -eq 1 ]; then
    kill -TERM "$mon" 2>/dev/null || true
    wait "$mon" 2>/dev/null || true
  elif [ "$mrc" -ne 0 ]; then
    rc=1   # every node exited (3), or the summary itself failed
  fi
fi
if [ "$interrupted" -eq 0 ] && [ "$duration" -gt 0 ] && [ "$rc" -eq 0 ]; then
  monitor check || rc=1
fi
stop_all
exit "$rc"
