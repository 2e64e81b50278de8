#!/usr/bin/env bash
# Local devnet: N validators of coinjectured on loopback, with keys, genesis, configs, data and logs under one
# work folder; prints the dashboard URLs, keeps a live one-screen summary (height, tip, last proposer, peers,
# parity per node) and stops every node cleanly on Ctrl-C. Run scripts/run.sh (or build into build/) first.
#
#   scripts/devnet.sh [--nodes N] [--dir WORKDIR] [--block-time MS] [--duration SECONDS] [--reset]
#                     [--api-port BASE] [--p2p-port BASE] [--build-dir DIR]
#
# A second run with the same --dir restarts the same chain (keys, genesis and data are kept; the configs are
# rewritten because ports are chosen at every start). --reset deletes the work folder first (only one this
# script created). --duration runs that long, then exits 0 only if every node is alive and all agree on one
# tip above height 1 (for tests). Without a terminal on stdout the summary is one line per second.
set -euo pipefail

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

Options:
  --nodes N          validators to run (1..16, default 3)
  --dir WORKDIR      work folder (default ./devnet)
  --block-time MS    block time in milliseconds for a new genesis (default 1000)
  --duration SEC     stop after SEC seconds; exit 0 only if all nodes agree on the tip
  --reset            delete WORKDIR (a devnet folder) and start a new chain
  --api-port BASE    first HTTP API port (default 8081; busy ports are replaced by free ones)
  --p2p-port BASE    first P2P port (default 9001; same rule)
  --build-dir DIR    where coinjectured and the tools were built (default $COINJECTURE_BUILD_DIR or build/)
EOF
}

die() { echo "devnet: $*" >&2; exit 1; }

nodes=3 dir=./devnet block_ms="" duration=0 reset=0 api_base=8081 p2p_base=9001
build_dir=${COINJECTURE_BUILD_DIR:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes=${2:?--nodes needs a value}; shift ;;
    --dir) dir=${2:?--dir needs a value}; shift ;;
    --block-time) block_ms=${2:?--block-time needs a value}; shift ;;
    --duration) duration=${2:?--duration needs a value}; shift ;;
    --reset) reset=1 ;;
    --api-port) api_base=${2:?--api-port needs a value}; shift ;;
    --p2p-port) p2p_base=${2:?--p2p-port needs a value}; shift ;;
    --build-dir) build_dir=${2:?--build-dir needs a value}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "devnet: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
if ! is_uint "$nodes" || [ "$nodes" -lt 1 ] || [ "$nodes" -gt 16 ]; then die "--nodes: expected 1..16, got '$nodes'"; fi
if [ -n "$block_ms" ] && { ! is_uint "$block_ms" || [ "$block_ms" -lt 100 ] || [ "$block_ms" -gt 3600000 ]; }; then
  die "--block-time: expected milliseconds 100..3600000, got '$block_ms'"
fi
is_uint "$duration" || die "--duration: expected whole seconds, got '$duration'"
for p in "$api_base" "$p2p_base"; do
  if ! is_uint "$p" || [ "$p" -lt 1024 ] || [ "$p" -gt 65000 ]; then die "port bases must be 1024..65000, got '$p'"; fi
done

repo=$(cd "$(dirname "$0")/.." && pwd)
[ -n "$build_dir" ] || build_dir=$repo/build
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
[ -x "$PY" ] || PY=$(command -v python3) || die "python3 is needed for the live summary"

# ---- work folder -----------------------------------------------------------------------------------------
marker=.coinjecture-devnet
if [ "$reset" -eq 1 ] && [ -e "$dir" ]; then
  if [ -n "$(ls -A "$dir" 2>/dev/null)" ] && [ ! -f "$dir/$marker" ]; then
    die "--reset: $dir is not a devnet folder (no $marker); refusing to delete it"
  fi
  for f in "$dir"/node*/pid; do
    if [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then
      die "--reset: a node of $dir still runs (pid $(cat "$f"))"
    fi
  done
  rm -rf "$dir"
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ -f "$dir/devnet.env" ]; then
  # shellcheck disable=SC1091
  . "$dir/devnet.env"   # DEVNET_NODES, DEVNET_BLOCK_MS of the existing chain
  [ "$DEVNET_NODES" -eq "$nodes" ] || die "$dir holds a $DEVNET_NODES-validator devnet; use --nodes $DEVNET_NODES or --reset"
  [ -z "$block_ms" ] || [ "$block_ms" -eq "$DEVNET_BLOCK_MS" ] ||
    die "$dir has block time ${DEVNET_BLOCK_MS} ms (fixed in its genesis); use --reset to change it"
  block_ms=$DEVNET_BLOCK_MS
  grep -q '"rules_version": 2' "$dir/genesis.json" ||
    die "$dir holds a chain of older chain rules (its genesis has no \"rules_version\": 2; docs/CHAIN.md §2): use --reset"
  echo "devnet: restarting the existing chain in $dir (it resumes at one block per block time, no catch-up burst)"
else
  [ -z "$(ls -A "$dir")" ] || [ -f "$dir/$marker" ] || die "$dir is not empty and not a devnet folder"
  block_ms=${block_ms:-1000}
  touch "$dir/$marker"
  mkdir -p "$dir/keys"
  genesis_args=()
  for ((i = 0; i < nodes; i++)); do
    key=$dir/keys/validator$i.key
    [ -f "$key" ] || "$KEYGEN" --key-file "$key" >/dev/null
    "$KEYGEN" --show "$key" | awk '{print $1}' >"$dir/keys/validator$i.pub"
    genesis_args+=(--validator "$key" --alloc "$key=1000000000000000")
  done
  "$CLI" genesis --out "$dir/genesis.json" --network devnet --chain-id 1337 --block-time "${block_ms}ms" \
    --genesis-time "$(date +%s)" "${genesis_args[@]}" >/dev/null
  for ((i = 0; i < nodes; i++)); do
    mkdir -p "$dir/node$i"
    "$NODE" init --genesis "$dir/genesis.json" --data-dir "$dir/node$i/data" >"$dir/node$i/init.log" 2>&1 ||
      { cat "$dir/node$i/init.log" >&2; die "coinjectured init failed for node$i"; }
  done
  printf 'DEVNET_NODES=%s\nDEVNET_BLOCK_MS=%s\n' "$nodes" "$block_ms" >"$dir/devnet.env"
  echo "devnet: new $nodes-validator chain in $dir (block time $block_ms ms)"
fi

# ---- ports and configs -----------------------------------------------------------------------------------
# The preferred port if it is free on loopback, else one the OS picks; all distinct.
read -r -a ports <<<"$("$PY" - "$nodes" "$api_base" "$p2p_base" <<'EOF'
import socket, sys
n, bases, taken, out = int(sys.argv[1]), [int(sys.argv[2]), int(sys.argv[3])], set(), []
def free(p):  # SO_REUSEADDR as the nodes' listeners: a port in TIME_WAIT after a restart counts as free
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", p))
            return s.getsockname()[1]
        except OSError:
            return None
for base in bases:
    for i in range(n):
        p = free(base + i)
        while p is None or p in taken:
            p = free(0)
        taken.add(p)
        out.append(p)
print(*out)
EOF
)"
api_ports=("${ports[@]:0:nodes}")
p2p_ports=("${ports[@]:nodes:nodes}")

# Which P2P configuration keys this coinjectured has: p2p.host / p2p.port / p2p.bootstrap_peers, or the
# p2p.listen / p2p.peers spelling.
cfg_keys=$("$NODE" --print-config 2>/dev/null | awk '/^[a-z0-9_]+:/{s=$1} /^  [a-z0-9_]+:/{k=$1; sub(":", "", k); print s k}')
has_key() { grep -qx "$1" <<<"$cfg_keys"; }

yq() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }   # YAML double-quoted scalar
# Pinned P2P identities where this coinjectured supports them: each node gets its own P2P key file and
# names its peers KEY@host:port, so only the right node is accepted at each address.
pins=()
for ((i = 0; i < nodes; i++)); do
  pins+=("")
  if has_key p2p:node_key; then
    [ -f "$dir/keys/p2p$i.key" ] || "$KEYGEN" --key-file "$dir/keys/p2p$i.key" >/dev/null
    pins[i]="$("$KEYGEN" --show "$dir/keys/p2p$i.key" | awk '{print $1}')@"
  fi
done
for ((i = 0; i < nodes; i++)); do
  peers=""
  for ((j = 0; j < nodes; j++)); do
    [ "$j" -eq "$i" ] || peers+="${peers:+, }$(yq "${pins[j]}127.0.0.1:${p2p_ports[j]}")"
  done
  {
    echo "# Written by scripts/devnet.sh at every start (ports are chosen then); edit the script, not this file."
    echo "node:"
    echo "  data_dir: $(yq "$dir/node$i/data")"
    echo "  key_file: $(yq "$dir/keys/validator$i.key")"
    echo "api:"
    echo "  host: \"127.0.0.1\""
    echo "  port: ${api_ports[i]}"
    echo "p2p:"
    if has_key p2p:listen; then echo "  listen: $(yq "127.0.0.1:${p2p_ports[i]}")"; else
      echo "  host: \"127.0.0.1\""; echo "  port: ${p2p_ports[i]}"; fi
    if [ -n "${pins[i]}" ]; then echo "  node_key: $(yq "$dir/keys/p2p$i.key")"; fi
    if has_key p2p:peers; then echo "  peers: [$peers]"; else echo "  bootstrap_peers: [$peers]"; fi
    echo "log:"
    echo "  level: info"
  } >"$dir/node$i/config.yaml"
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
  rm -f "$dir"/node*/pid
  echo "devnet: stopped (data kept in $dir; run again to continue the chain, --reset to start over)"
}
interrupted=0
trap 'interrupted=1' INT TERM
trap stop_all EXIT

for ((i = 0; i < nodes; i++)); do
  log=$dir/node$i/node.log
  echo "=== $(date -u +%FT%TZ) devnet start" >>"$log"
  "$NODE" run -c "$dir/node$i/config.yaml" >>"$log" 2>&1 &
  pids+=($!)
  echo $! >"$dir/node$i/pid"
done

pubs=()
for ((i = 0; i < nodes; i++)); do pubs+=("$(cat "$dir/keys/validator$i.pub")"); done
urls=()
for ((i = 0; i < nodes; i++)); do urls+=("http://127.0.0.1:${api_ports[i]}"); done

# The live summary, the start-up wait and the final agreement check (one small Python program, stdlib only,
# rewritten at every start like the configs).
cat >"$dir/monitor.py" <<'EOF'
import json, os, sys, time, urllib.error, urllib.request

mode, dur, block_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
nodes = [a.split(",") for a in sys.argv[4:]]          # url,pid,pubkey,logfile per node
names = {pub: f"n{i}" for i, (_, _, pub, _) in enumerate(nodes)}
tty = sys.stdout.isatty()

def get(url, path, timeout=0.8):
    try:
        with urllib.request.urlopen(url + path, timeout=timeout) as r:
            return json.load(r)
    except Exception:
        return None

def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False

def sample(full=True):
    rows = []
    for i, (url, pid, pub, log) in enumerate(nodes):
        st = get(url, "/v1/status")
        r = {"name": f"n{i}", "url": url, "alive": alive(pid), "ok": st is not None}
        if st:
            c = st.get("consensus", {})
            r.update(height=c.get("block_height"), tip=c.get("current_block_hash", ""), peers=st.get("peers"))
        if st and full:
            b = get(url, "/v1/blocks/latest") or {}
            r["proposer"] = "genesis" if r["height"] == 0 else names.get(b.get("proposer"), (b.get("proposer") or "?")[:8])
            p = get(url, "/v1/parity")
            r["parity"] = ("?" if p is None else "off" if not p.get("enabled") else
                           f"ok {p.get('matches', 0)}" if not p.get("drifts") else f"DRIFT {p.get('drifts')}")
        rows.append(r)
    return rows

def agreed(rows):
    return all(r["ok"] and r["alive"] for r in rows) and len({(r["height"], r["tip"]) for r in rows}) == 1

def draw(rows, t0):
    el = int(time.time() - t0)
    if not tty:
        parts = []
        for r in rows:
            if not r["ok"]:
                parts.append(f"{r['name']} {'DOWN' if not r['alive'] else 'no answer'}")
            else:
                parts.append(f"{r['name']} h={r['height']} tip={r['tip'][:8]} prop={r.get('proposer', '?')} "
                             f"peers={r['peers']} parity={r.get('parity', '?')}")
        print(f"[{el:5d}s] " + " | ".join(parts) + (" | agree" if agreed(rows) else " | differ"), flush=True)
        return
    out = [f"COINjecture devnet: {len(rows)} validator(s), block time {block_ms} ms, "
                     f"{el // 60:02d}:{el % 60:02d} elapsed" + (f" of {dur} s" if dur else "") + "   Ctrl-C stops",
           "", f"{'node':<5} {'dashboard':<27} {'height':>7}  {'tip':<14} {'last proposer':<14} {'peers':>5}  parity"]
    for r in rows:
        if r["ok"]:
            out.append(f"{r['name']:<5} {r['url'] + '/':<27} {r['height']:>7}  {r['tip'][:12]:<14} "
                       f"{r.get('proposer', '?'):<14} {r['peers']:>5}  {r.get('parity', '?')}")
        else:
            out.append(f"{r['name']:<5} {r['url'] + '/':<27} {'DOWN (see its node.log)' if not r['alive'] else 'not answering'}")
    out += ["", "all nodes agree on the tip" if agreed(rows) else "nodes differ (normal for a moment after each block)"]
    sys.stdout.write("\033[H" + "\033[K\n".join(out) + "\033[K\n\033[J")
    sys.stdout.flush()

try:
    if mode == "wait":                      # until every node answers, or one dies
        deadline = time.time() + 30
        while time.time() < deadline:
            rows = sample(full=False)
            dead = [r["name"] for r in rows if not r["alive"]]
            if dead:
                print("devnet: node(s) exited during start-up: " + ", ".join(dead), file=sys.stderr)
                sys.exit(1)
            if all(r["ok"] for r in rows):
                sys.exit(0)
            time.sleep(0.2)
        print("devnet: nodes did not answer within 30 s", file=sys.stderr)
        sys.exit(1)
    if mode == "p2p":                       # a node without P2P answers 404 on /v1/peers
        try:
            urllib.request.urlopen(nodes[0][0] + "/v1/peers", timeout=2).close()
        except urllib.error.HTTPError as e:
            if e.code == 404 and len(nodes) > 1:
                print(f"devnet: warning: this coinjectured has no P2P (no /v1/peers): the {len(nodes)} validators "
                      "will not see each other's blocks and cannot agree", file=sys.stderr)
        except OSError:
            pass
        sys.exit(0)
    if mode == "monitor":
        t0 = time.time()
        if tty:
            sys.stdout.write("\033[2J")
        while dur == 0 or time.time() - t0 < dur:
            rows = sample()
            draw(rows, t0)
            if not any(r["alive"] for r in rows):
                print("devnet: every node has exited; see the node.log files", file=sys.stderr)
                sys.exit(3)
            time.sleep(max(0.0, 1.0 - (time.time() - t0) % 1.0))
        sys.exit(0)
    if mode == "check":                     # a moment where every node is alive and on the same tip
        deadline = time.time() + max(5.0, 3 * block_ms / 1000)
        rows = sample(full=False)
        while not agreed(rows) and time.time() < deadline:
            time.sleep(0.1)
            rows = sample(full=False)
        for r in rows:
            print(f"devnet: {r['name']}: " + (f"height {r['height']} tip {r['tip']}" if r["ok"] else
                  "DOWN" if not r["alive"] else "not answering"))
        if not agreed(rows):
            print("devnet: FAIL: the nodes do not agree on the tip", file=sys.stderr)
            sys.exit(1)
        if rows[0]["height"] < 2:
            print(f"devnet: FAIL: the chain is only at height {rows[0]['height']}", file=sys.stderr)
            sys.exit(1)
        print(f"devnet: OK: all {len(rows)} nodes agree on height {rows[0]['height']}")
        sys.exit(0)
except KeyboardInterrupt:
    sys.exit(130)
EOF

node_args=()
for ((i = 0; i < nodes; i++)); do node_args+=("${urls[i]},${pids[i]},${pubs[i]},$dir/node$i/node.log"); done
monitor() { "$PY" "$dir/monitor.py" "$1" "$duration" "$block_ms" "${node_args[@]}"; }

if ! monitor wait; then
  [ "$interrupted" -eq 0 ] || exit 0
  for ((i = 0; i < nodes; i++)); do echo "--- node$i: $dir/node$i/node.log (last lines)" >&2; tail -n 15 "$dir/node$i/node.log" >&2; done
  exit 1
fi
monitor p2p
echo
echo "devnet: $nodes validator(s) running; work folder $dir"
for ((i = 0; i < nodes; i++)); do
  echo "  n$i  dashboard ${urls[i]}/   API ${urls[i]}/v1/status   P2P 127.0.0.1:${p2p_ports[i]}   log $dir/node$i/node.log"
done
echo "  coinjecture-cli --node ${urls[0]} status      (validator keys in $dir/keys, each funded in genesis)"
echo

# The summary runs in the background so that `wait` returns as soon as Ctrl-C or SIGTERM arrives.
rc=0
if [ "$interrupted" -eq 0 ]; then
  "$PY" "$dir/monitor.py" monitor "$duration" "$block_ms" "${node_args[@]}" &
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
