#!/usr/bin/python3
"""The devnet's live one-screen summary, start-up wait and final agreement check (scripts/devnet.sh runs it with
/usr/bin/python3; standard library only). One row per node: implementation (C / Python), role, height, tip,
last proposer, peers and the shadow-mode parity counters (matches / drifts against the watched node).

  devnet_monitor.py MODE [--duration SEC] [--block-ms MS] --node NAME,IMPL,ROLE,URL,PID,PUBKEY ...
  MODE: wait     until every node answers (exit 1 if one exits or 30 s pass)
        monitor  the summary (ANSI screen on a terminal, else one line per second) for SEC seconds (0: until
                 interrupted); exit 3 if every node has exited
        check    a moment where every node is alive and on one tip above height 1 (exit 1 otherwise), and no
                 node counts a parity drift
IMPL is c or py; ROLE a short text (e.g. "validator", "shadow of n0"); PUBKEY the validator key (hex).
"""
import argparse
import json
import sys
import time
import urllib.request

IMPL_NAMES = {"c": "C", "py": "Python"}


def get(url, path, timeout=0.8):
    """JSON of GET url+path, or None if the node does not answer."""
    try:
        with urllib.request.urlopen(url + path, timeout=timeout) as r:
            return json.load(r)
    except (OSError, ValueError):
        return None


def alive(pid):
    """Whether process pid runs (a zombie does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def parity_text(p):
    """The parity cell: off, "?" (no answer), "ok M" (M peer matches, no drift) or "DRIFT D (M ok)"."""
    if p is None:
        return "?"
    if not p.get("enabled"):
        return "off"
    peer = p.get("peer") or {}
    matches, drifts = int(peer.get("matches", p.get("matches", 0))), int(p.get("drifts", 0))
    return f"ok {matches}" if drifts == 0 else f"DRIFT {drifts} ({matches} ok)"


def sample(nodes, full=True):
    """One polling round: a row per node."""
    names = {nd["pub"]: nd["name"] for nd in nodes}
    rows = []
    for nd in nodes:
        st = get(nd["url"], "/v1/status")
        r = dict(nd, alive=alive(nd["pid"]), ok=st is not None)
        if st:
            c = st.get("consensus", {})
            r.update(height=c.get("block_height"), tip=c.get("current_block_hash", ""), peers=st.get("peers"))
        if st and full:
            b = get(nd["url"], "/v1/blocks/latest") or {}
            r["proposer_key"] = b.get("proposer")
            p = get(nd["url"], "/v1/parity")
            r["parity"] = parity_text(p)
            r["drifts"] = int(p.get("drifts", 0)) if p else 0
        rows.append(r)
    for r in rows:
        if r.get("ok") and full:
            k = r.get("proposer_key")
            r["proposer"] = "genesis" if r["height"] == 0 else names.get(k, (k or "?")[:8])
    return rows


def agreed(rows):
    """Every node alive, answering and on one tip."""
    return all(r["ok"] and r["alive"] for r in rows) and len({(r["height"], r["tip"]) for r in rows}) == 1


def line(rows, elapsed):
    """The one-line form (no terminal): one part per node."""
    parts = []
    for r in rows:
        who = f"{r['name']} {IMPL_NAMES[r['impl']]}"
        if not r["ok"]:
            parts.append(f"{who} {'DOWN' if not r['alive'] else 'no answer'}")
        else:
            parts.append(f"{who} h={r['height']} tip={r['tip'][:8]} prop={r.get('proposer', '?')} "
                         f"peers={r['peers']} parity={r.get('parity', '?')}")
    return f"[{elapsed:5d}s] " + " | ".join(parts) + (" | agree" if agreed(rows) else " | differ")


def screen(rows, elapsed, dur, block_ms):
    """The one-screen form (terminal): a table with a header, one row per node."""
    impls = sorted({IMPL_NAMES[r["impl"]] for r in rows})
    out = [f"COINjecture devnet: {len(rows)} validator(s) ({' + '.join(impls)}), block time {block_ms} ms, "
           f"{elapsed // 60:02d}:{elapsed % 60:02d} elapsed" + (f" of {dur} s" if dur else "") + "   Ctrl-C stops",
           "", f"{'node':<5} {'impl':<7} {'role':<14} {'dashboard':<27} {'height':>7}  {'tip':<14} {'proposer':<9} "
           f"{'peers':>5}  parity (matches / drifts)"]
    for r in rows:
        head = f"{r['name']:<5} {IMPL_NAMES[r['impl']]:<7} {r['role']:<14} {r['url'] + '/':<27}"
        if r["ok"]:
            out.append(f"{head} {r['height']:>7}  {r['tip'][:12]:<14} {r.get('proposer', '?'):<9} {r['peers']:>5}  "
                       f"{r.get('parity', '?')}")
        else:
            out.append(f"{head} {'DOWN (see its node.log)' if not r['alive'] else 'not answering'}")
    drift = any(r.get("drifts") for r in rows)
    out += ["", ("HASH DIVERGENCE counted: see the node.log files and /v1/parity" if drift else
                 "all nodes agree on the tip" if agreed(rows) else "nodes differ (normal for a moment after each block)")]
    return "\033[H" + "\033[K\n".join(out) + "\033[K\n\033[J"


def parse_node(s):
    """NAME,IMPL,ROLE,URL,PID,PUBKEY -> dict."""
    parts = s.split(",")
    if len(parts) != 6 or parts[1] not in IMPL_NAMES or not parts[4].isdigit():
        raise argparse.ArgumentTypeError(f"expected NAME,IMPL(c|py),ROLE,URL,PID,PUBKEY, got '{s}'")
    return {"name": parts[0], "impl": parts[1], "role": parts[2], "url": parts[3], "pid": int(parts[4]),
            "pub": parts[5]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=("wait", "monitor", "check"))
    ap.add_argument("--duration", type=int, default=0)
    ap.add_argument("--block-ms", type=int, default=1000)
    ap.add_argument("--node", type=parse_node, action="append", required=True)
    a = ap.parse_args(argv)
    nodes = a.node
    try:
        if a.mode == "wait":
            deadline = time.time() + 30
            while time.time() < deadline:
                rows = sample(nodes, full=False)
                dead = [r["name"] for r in rows if not r["alive"]]
                if dead:
                    print("devnet: node(s) exited during start-up: " + ", ".join(dead), file=sys.stderr)
                    return 1
                if all(r["ok"] for r in rows):
                    return 0
                time.sleep(0.2)
            print("devnet: nodes did not answer within 30 s", file=sys.stderr)
            return 1
        if a.mode == "monitor":
            tty = sys.stdout.isatty()
            t0 = time.time()
            if tty:
                sys.stdout.write("\033[2J")
            while a.duration == 0 or time.time() - t0 < a.duration:
                rows = sample(nodes)
                el = int(time.time() - t0)
                sys.stdout.write(screen(rows, el, a.duration, a.block_ms) if tty else line(rows, el) + "\n")
                sys.stdout.flush()
                if not any(r["alive"] for r in rows):
                    print("devnet: every node has exited; see the node.log files", file=sys.stderr)
                    return 3
                time.sleep(max(0.0, 1.0 - (time.time() - t0) % 1.0))
            return 0
        # check
        deadline = time.time() + max(5.0, 3 * a.block_ms / 1000)
        rows = sample(nodes, full=False)
        while not agreed(rows) and time.time() < deadline:
            time.sleep(0.1)
            rows = sample(nodes, full=False)
        for r in rows:
            print(f"devnet: {r['name']} ({IMPL_NAMES[r['impl']]}): " +
                  (f"height {r['height']} tip {r['tip']}" if r["ok"] else "DOWN" if not r["alive"] else "not answering"))
        if not agreed(rows):
            print("devnet: FAIL: the nodes do not agree on the tip", file=sys.stderr)
            return 1
        if rows[0]["height"] < 2:
            print(f"devnet: FAIL: the chain is only at height {rows[0]['height']}", file=sys.stderr)
            return 1
        drifts = {r["name"]: r["drifts"] for r in sample(nodes) if r.get("drifts")}
        if drifts:
            print(f"devnet: FAIL: parity drifts counted: {drifts}", file=sys.stderr)
            return 1
        print(f"devnet: OK: all {len(rows)} nodes agree on height {rows[0]['height']}")
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
