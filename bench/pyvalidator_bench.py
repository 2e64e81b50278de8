#!/usr/bin/python3
"""Python validator benchmark (issue 14 item 6): the independent Python validator
(`python3 -m coinjecture_validator`) next to a C observer (`coinjectured`) doing the same thing in the same
run on the same machine, because shared 2-core boxes are too noisy for absolute numbers alone.

  /usr/bin/python3 bench/pyvalidator_bench.py --build-dir build                     # both parts
  /usr/bin/python3 bench/pyvalidator_bench.py --build-dir build --only follow --duration 30
  /usr/bin/python3 bench/pyvalidator_bench.py --build-dir build --only sync --sync-runs 3

Follow: 3 C validators (500 ms blocks) carry --rate 1,000 tx/s offered by one `coinjecture-cli load
--key-dir` per validator (as bench/node_bench.py does); a Python observer and a C observer, both peered with
the three validators, follow the chain. From the nodes' logs: when each canonical block was sealed and when
each observer's tip reached its height; lag in blocks = the validators' height - the observer's on a 100 ms
grid, lag in ms = reached - sealed per height. Target: the Python observer does not fall behind (mean lag
over the last 10 s of the load <= 2 blocks, never more than 8 blocks = 4 s behind, every node on one tip
hash after the load) while the network carries >= 90 % of the offered rate; p95 and max lag are printed
beside the C observer's. CPU % (user+system over the window), % of the window spent runnable but waiting
for a CPU (schedstat: the box is shared) and RSS (VmRSS at the end, VmHWM) of both observers. Then a fresh
Python and a fresh C observer sync that loaded chain (~500 transfers per block), for the record.

Sync: one C validator builds a chain of --sync-blocks (10,000) blocks with its clock running --fake-speed
times fast from long ago (libfaketime: chain rules 2 allow one block per block time after the parent), is
restarted on the real clock with production off, and fresh observers (C first, then Python, --sync-runs
times) are timed from process start to its height with the same tip hash (node_bench.sync_observer).
Target: the Python validator syncs the 10,000 blocks in <= 20 s. The chain is cached in --chain-cache
(default BUILD/bench-cache/) and reused when it still opens.

Prints a table (Python, C, ratio Python/C, target, PASS/MISS); --json FILE writes everything. Exits 0 unless
something broke (--check: 1 if a target is missed).
"""
import argparse
import datetime
import importlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import node_bench as nb  # noqa: E402

cjnet = None  # tests/lib/cjnet.py, imported by main() once COINJECTURE_BUILD_DIR names --build-dir

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
PYTHON = "/usr/bin/python3"


def profiled(node, path):
    """Runs the Python validator node under cProfile (output to path) when path is set."""
    if path:
        argv = node.args
        node.args = lambda: [PYTHON, "-m", "cProfile", "-o", os.path.abspath(path)] + argv()[1:]


def pct(xs, p):
    """The p-th percentile (nearest rank) of xs, None if empty."""
    if not xs:
        return None
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, math.ceil(p / 100.0 * len(s)) - 1))]


LOG_TS = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z")
SEALED = re.compile(r"produced block (\d+) hash ([0-9a-f]{64})")  # coinjectured, when it seals
C_TIP = re.compile(r"block (\d+) [0-9a-f]+ from .*new tip")  # coinjectured, a relayed block imported
PY_TIP = re.compile(r"imported block (\d+) ")  # the Python validator, a relayed block imported


def log_time(line):
    """Epoch seconds of a node log line (UTC, ms), None if it has no timestamp."""
    m = LOG_TS.match(line)
    if not m:
        return None
    return datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def log_heights(path, pattern):
    """[(epoch s, match)] of the lines of a node's log matching pattern."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            m = pattern.search(line)
            t = log_time(line) if m else None
            if t is not None:
                out.append((t, m))
    return out


def reached(events):
    """height -> when the node's tip first reached it (a jump, e.g. after a range sync, reaches every height
    below at once)."""
    first, top = {}, 0
    for t, m in sorted(events, key=lambda e: e[0]):
        h = int(m.group(1))
        for x in range(top + 1, h + 1):
            first[x] = t
        top = max(top, h)
    return first


def lag_stats(sealed, obs, t_from, t_to, step=0.1):
    """Lag of an observer (height -> time reached, from its log) behind the validators (height -> time the
    block now canonical was sealed) over [t_from, t_to]: in blocks on a 100 ms grid, in ms per height."""
    def height_at(first, t):
        return max((h for h, ts in first.items() if ts <= t), default=0)
    blocks, last = [], []
    t = t_from
    while t <= t_to:
        blocks.append(max(0, height_at(sealed, t) - height_at(obs, t)))
        if t >= t_to - 10:
            last.append(blocks[-1])
        t += step
    ms = [max(0.0, (obs[h] - ts) * 1000.0) if h in obs else None for h, ts in sealed.items() if t_from <= ts <= t_to]
    missing = sum(1 for x in ms if x is None)
    ms = [x for x in ms if x is not None]
    return {"lag_blocks_mean": round(sum(blocks) / len(blocks), 2) if blocks else None,
            "lag_blocks_p95": pct(blocks, 95), "lag_blocks_max": max(blocks, default=None),
            "lag_blocks_last10s_mean": round(sum(last) / len(last), 2) if last else None,
            "lag_ms_mean": round(sum(ms) / len(ms)) if ms else None, "lag_ms_p95": round(pct(ms, 95) or 0),
            "lag_ms_max": round(max(ms, default=0)), "heights_timed": len(ms), "heights_not_reached": missing}


def sched_wait_s(pid):
    """Seconds the process spent runnable but waiting for a CPU (/proc/PID/schedstat, field 2)."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


# ---------------------------------------------------------------------------------------------------------
# follow a loaded 3-validator network

def bench_follow(t, args, root):
    work = os.path.join(root, "follow")
    os.makedirs(work)
    nv, ns = 3, args.senders
    key_dirs, allocs = nb.sender_keys(work, nv, ns)
    net = cjnet.Network(work, validators=nv, block_time=f"{args.block_time}ms", chain_id=7777, network="bench",
                        allocs=allocs, extra=nb.node_flags())
    vals, genesis = net.nodes, net.genesis
    # the observers are peered with the validators only (not with each other)
    peers = ["--peers", ",".join(f"127.0.0.1:{v.p2p_port}" for v in vals)]
    pobs = cjnet.PyNode(work, genesis, extra=peers, name="py-observer")
    cobs = cjnet.Node(work, genesis, extra=nb.node_flags() + peers, name="c-observer")
    profiled(pobs, args.py_profile)
    everyone = vals + [pobs, cobs]
    loaders, res = [], {}
    try:
        for n in everyone:
            n.start(wait=False)
        for n in everyone:
            n.wait_healthy(timeout=30)
        nb.wait_until(lambda: all(cjnet.status(n).get("peers", 0) >= nv - 1 for n in everyone), 60, what="peers")
        nb.wait_until(lambda: min(nb.head(n)[0] for n in everyone) >= 3, 60, what="first blocks on every node")
        h0 = max(nb.head(n)[0] for n in vals)
        per_key = math.ceil(args.rate * args.duration * 1.5 / ns) + 10
        cpu0 = [nb.cpu_seconds(n.proc.pid) for n in (pobs, cobs)]
        wait0 = [sched_wait_s(n.proc.pid) for n in (pobs, cobs)]
        la0 = nb.loadavg()
        nb.log(f"follow: network up at height {h0} (load average {la0}); {nv} loaders offer {args.rate} tx/s for "
               f"{args.duration} s")
        for i, n in enumerate(vals):
            loaders.append(subprocess.Popen(
                [t.cli, "--node", n.url, "--json", "--timeout", "60s", "load", "--key-dir", key_dirs[i], "--duration",
                 f"{args.duration}s", "--connections", "2", "--confirm-timeout", "120s", "--presign", str(per_key),
                 "--batch", "50", "--rate", str(math.ceil(args.rate / nv))],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        outs = []
        for p in loaders:
            o, e = p.communicate(timeout=args.duration + 600)
            if p.returncode not in (0, 1):
                raise RuntimeError(f"loader failed ({p.returncode}): {e.strip()}")
            outs.append(json.loads(o))
        start_ms, end_ms = min(o["start_ms"] for o in outs), max(o["end_ms"] for o in outs)
        window_s = (end_ms - start_ms) / 1000.0
        cpu1 = [nb.cpu_seconds(n.proc.pid) for n in (pobs, cobs)]
        wait1 = [sched_wait_s(n.proc.pid) for n in (pobs, cobs)]
        rss = [nb.proc_status(n.proc.pid) for n in (pobs, cobs)]
        la1 = nb.loadavg()
        # caught up: both observers on the validators' tip (same hash) soon after the load
        top = max(nb.head(n)[0] for n in vals)
        tc = time.monotonic()
        hc, hhash, agree = nb.common_block(everyone, top)
        catch_up = time.monotonic() - tc
        in_window = total = 0
        for h in range(h0 + 1, hc + 1):
            b = nb.get_block(vals[0], h)
            ts, cnt = int(b["header"]["timestamp"]), int(b["tx_count"])
            total += cnt
            in_window += cnt if start_ms < ts <= end_ms else 0
        res = {"validators": nv, "block_time_ms": args.block_time, "offered_tps": args.rate,
               "window_s": round(window_s, 1), "accepted": sum(o["accepted"] for o in outs),
               "confirmed_tps": round(in_window / window_s, 1), "confirmed_total": total,
               "all_accepted_confirmed": all(o["all_confirmed"] for o in outs), "blocks": hc - h0,
               "agree_height": hc, "all_agree": agree, "catch_up_s": round(catch_up, 2),
               "loadavg_start": la0, "loadavg_end": la1}
        # when each canonical block was sealed, and when each observer's tip reached its height (node logs)
        canon = {h: nb.get_block(vals[0], h)["block_hash"] for h in range(h0 + 1, hc + 1)}
        sealed = {}
        for n in vals:
            for tm, m in log_heights(n.log_path, SEALED):
                if canon.get(int(m.group(1))) == m.group(2):
                    sealed[int(m.group(1))] = tm
        for key, n, pattern, i in (("python", pobs, PY_TIP, 0), ("c", cobs, C_TIP, 1)):
            r = lag_stats(sealed, reached(log_heights(n.log_path, pattern)), start_ms / 1000.0, end_ms / 1000.0)
            r.update({"cpu_s": round(cpu1[i] - cpu0[i], 2),
                      "cpu_pct": round(100.0 * (cpu1[i] - cpu0[i]) / window_s, 1),
                      "cpu_wait_pct": round(100.0 * (wait1[i] - wait0[i]) / window_s, 1),
                      "rss_mib": round(rss[i].get("VmRSS", 0) / 1024, 1),
                      "peak_rss_mib": round(rss[i].get("VmHWM", 0) / 1024, 1)})
            res[key] = r
        nb.log(f"follow: carried {res['confirmed_tps']} tx/s; lag p95 python {res['python']['lag_blocks_p95']} / "
               f"C {res['c']['lag_blocks_p95']} blocks; CPU python {res['python']['cpu_pct']} % / C "
               f"{res['c']['cpu_pct']} %; all agree at {hc}: {agree}")
        if args.sync_loaded:
            res["sync_loaded"] = {
                "transactions": total + sum(int(nb.get_block(vals[0], h)["tx_count"]) for h in range(1, h0 + 1)),
                "c": nb.sync_observer(t, work, genesis, vals[0], hc, "c-sync-loaded"),
                "python": nb.sync_observer(t, work, genesis, vals[0], hc, "py-sync-loaded", impl="py")}
    finally:
        for p in loaders:
            if p.poll() is None:
                p.kill()
                p.wait()
        for n in everyone:
            nb.stop(n)
    return res


# ---------------------------------------------------------------------------------------------------------
# sync 10,000 blocks

def serve(prod):
    """Restarts the producer on the real clock with production off (it serves its chain); returns its height."""
    nb.stop(prod)
    prod.env = None
    prod.extra = nb.node_flags() + ["--set", "consensus.enabled=false"]
    prod.start(wait=False)
    prod.wait_healthy(timeout=30)
    return nb.head(prod)[0]


def sync_chain(args):
    """A C validator (a `coinjecture-cli testnet` node) holding >= --sync-blocks empty blocks that lie in the
    past, built on a fast fake clock or reused from the cache. Returns the producer Node, serving."""
    n, bt, speed = args.sync_blocks, args.sync_block_time, args.fake_speed
    cache = os.path.abspath(args.chain_cache or os.path.join(args.build_dir, "bench-cache",
                                                             f"pyvalidator-chain-{n}-{bt}ms"))
    config = os.path.join(cache, "net", "node0", "coinjectured.yaml")
    if os.path.exists(os.path.join(cache, "ready")):
        try:
            prod = cjnet.Node.from_config(config, "producer")
            if serve(prod) >= n:
                nb.log(f"sync: reusing the cached chain of {nb.head(prod)[0]} blocks in {cache}")
                return prod
            nb.stop(prod)
        except (RuntimeError, OSError, ValueError, AssertionError) as e:
            nb.log(f"sync: cached chain unusable ({e}): rebuilding")
    shutil.rmtree(cache, ignore_errors=True)
    os.makedirs(cache)
    # the fake clock starts at the genesis time, `back` seconds ago, and runs `speed` times fast: the chain ends
    # in the past as long as the build takes less than back / speed seconds of real time
    limit = 900
    back = speed * limit + 60
    net = cjnet.Network(cache, validators=1, block_time=f"{bt}ms", chain_id=7777, network="bench",
                        genesis_time=int(time.time()) - back, extra=nb.node_flags())
    prod = net[0]
    prod.env = cjnet.fast_clock_env(back, speed)
    t0 = time.monotonic()
    prod.start(wait=False)
    try:
        prod.wait_healthy(timeout=30)
        nb.wait_until(lambda: nb.head(prod)[0] >= n, limit, step=0.5, what=f"the producer at {n} blocks")
        h = serve(prod)
    except BaseException:
        nb.stop(prod)
        raise
    nb.log(f"sync: built {h} blocks in {time.monotonic() - t0:.1f} s (clock x{speed}); cached in {cache}")
    with open(os.path.join(cache, "ready"), "w") as f:
        f.write(f"{h}\n")
    return prod


def bench_sync(t, args, root):
    work = os.path.join(root, "sync")
    os.makedirs(work)
    runs = {"c": [], "python": []}
    prod = sync_chain(args)
    try:
        height = nb.head(prod)[0]
        for i in range(args.sync_runs):
            runs["c"].append(nb.sync_observer(t, work, prod.genesis, prod, height, f"c-observer-{i}"))
            runs["python"].append(nb.sync_observer(t, work, prod.genesis, prod, height, f"py-observer-{i}",
                                                   impl="py"))
            for d in (f"c-observer-{i}-data", f"py-observer-{i}-data"):
                shutil.rmtree(os.path.join(work, d), ignore_errors=True)
    finally:
        nb.stop(prod)

    def best(rs):  # the fastest run that reached the tip with the same hash (noise only ever adds time)
        ok = [r for r in rs if r["reached"] and r["same_hash"]]
        return min(ok, key=lambda r: r["seconds"]) if ok else rs[0]
    return {"blocks": height, "block_time_ms": args.sync_block_time, "chain_cache": os.path.dirname(
        os.path.dirname(os.path.dirname(prod.config))), "runs": runs, "c": best(runs["c"]),
        "python": best(runs["python"])}


# ---------------------------------------------------------------------------------------------------------
# report

def ratio(a, b):
    return f"{a / b:.2f}x" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else "-"


def report(out):
    """Rows (what, python, C, ratio, target, verdict) and the list of targets with PASS/MISS."""
    rows, targets = [], []
    f = out.get("follow")
    if f:
        p, c = f["python"], f["c"]
        # not falling behind: at the end of the load its lag is back near the C observer's (mean over the last
        # 10 s <= 2 blocks), it never trailed by more than 4 s (8 blocks), and every node ends on one tip
        ok = (f["confirmed_tps"] >= 0.9 * f["offered_tps"] and f["all_agree"] and
              p["lag_blocks_last10s_mean"] is not None and p["lag_blocks_last10s_mean"] <= 2 and
              p["lag_blocks_max"] <= 8)
        carried = f["confirmed_tps"] >= 0.9 * f["offered_tps"]
        rows.append(("follow: the C validators carried, tx/s", "", f["confirmed_tps"], "",
                     f">= {0.9 * f['offered_tps']:g}", "PASS" if carried else "MISS"))
        for k, what, bound in (("lag_blocks_mean", "follow: lag, blocks (mean)", ""),
                               ("lag_blocks_p95", "follow: lag, blocks (p95)", ""),
                               ("lag_blocks_max", "follow: lag, blocks (max)", "<= 8"),
                               ("lag_blocks_last10s_mean", "follow: lag, blocks (mean, last 10 s)", "<= 2"),
                               ("lag_ms_mean", "follow: lag, ms (mean)", ""), ("lag_ms_p95", "follow: lag, ms (p95)", ""),
                               ("lag_ms_max", "follow: lag, ms (max)", ""), ("cpu_pct", "follow: CPU %", ""),
                               ("cpu_wait_pct", "follow: runnable, waiting for a CPU, % of the window", ""),
                               ("rss_mib", "follow: RSS at end, MiB", ""), ("peak_rss_mib", "follow: peak RSS, MiB", "")):
            verdict = ("PASS" if ok else "MISS") if bound else ""
            rows.append((what, p[k], c[k], ratio(p[k], c[k]), bound, verdict))
        targets.append((f"follows {f['offered_tps']} tx/s at {f['block_time_ms']} ms blocks without falling behind",
                        f"network carried {f['confirmed_tps']} tx/s; python lag mean {p['lag_blocks_mean']} / p95 "
                        f"{p['lag_blocks_p95']} / max {p['lag_blocks_max']} blocks (p95 {p['lag_ms_p95']} ms), last 10 s "
                        f"{p['lag_blocks_last10s_mean']}; C p95 {c['lag_blocks_p95']} blocks ({c['lag_ms_p95']} ms); "
                        f"all on one tip: {f['all_agree']}", "last-10 s mean <= 2 blocks, max <= 8, >= 90 % carried", ok))
        sl = f.get("sync_loaded")
        if sl:
            p, c = sl["python"], sl["c"]
            rows.append((f"loaded chain sync: {p['blocks']} blocks, {sl['transactions']} tx, s", p["seconds"],
                         c["seconds"], ratio(p["seconds"], c["seconds"]), "", ""))
            tp = round(sl["transactions"] / p["seconds"]) if p["reached"] else None
            tc = round(sl["transactions"] / c["seconds"]) if c["reached"] else None
            rows.append(("loaded chain sync: tx/s", tp, tc, ratio(tp, tc), "", ""))
    s = out.get("sync")
    if s:
        p, c = s["python"], s["c"]
        ok = p["reached"] and p["same_hash"] and p["seconds"] <= 20
        rows.append((f"sync {s['blocks']} blocks: s", p["seconds"], c["seconds"], ratio(p["seconds"], c["seconds"]),
                     "<= 20", "PASS" if ok else "MISS"))
        rows.append(("sync: blocks/s", p["blocks_per_s"], c["blocks_per_s"], ratio(p["blocks_per_s"], c["blocks_per_s"]),
                     "", ""))
        rows.append(("sync: CPU s", p["observer_cpu_s"], c["observer_cpu_s"],
                     ratio(p["observer_cpu_s"], c["observer_cpu_s"]), "", ""))
        rows.append(("sync: peak RSS, MiB", round(p["observer_peak_rss_kib"] / 1024, 1),
                     round(c["observer_peak_rss_kib"] / 1024, 1),
                     ratio(p["observer_peak_rss_kib"], c["observer_peak_rss_kib"]), "", ""))
        targets.append((f"syncs {s['blocks']} blocks in <= 20 s",
                        f"python {p['seconds']} s ({p['blocks_per_s']} blocks/s), C {c['seconds']} s, same tip hash: "
                        f"{p['same_hash']}", "<= 20 s", ok))
    return rows, targets


def print_table(rows, targets):
    head = ("measure", "python", "C", "python/C", "target", "")
    cells = [head] + [tuple("-" if v is None else str(v) for v in r) for r in rows]
    w = [max(len(r[i]) for r in cells) for i in range(len(head))]
    for j, r in enumerate(cells):
        print("  ".join(x.ljust(w[i]) if i == 0 else x.rjust(w[i]) for i, x in enumerate(r)).rstrip())
        if j == 0:
            print("  ".join("-" * x for x in w))
    print()
    for what, measured, _, ok in targets:
        print(f"{'PASS' if ok else 'MISS'}  {what}: {measured}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", required=True, help="C build with coinjectured, coinjecture-cli, -keygen")
    ap.add_argument("--only", choices=("follow", "sync"))
    ap.add_argument("--rate", type=int, default=1000, help="offered tx/s (follow)")
    ap.add_argument("--duration", type=int, default=60, help="load window, s (follow)")
    ap.add_argument("--block-time", type=int, default=500, help="ms (follow)")
    ap.add_argument("--senders", type=int, default=240, help="genesis-funded sender accounts (follow)")
    ap.add_argument("--no-sync-loaded", dest="sync_loaded", action="store_false",
                    help="skip the fresh observers' sync of the loaded chain")
    ap.add_argument("--sync-blocks", type=int, default=10000)
    ap.add_argument("--sync-block-time", type=int, default=100, help="ms (sync chain)")
    ap.add_argument("--sync-runs", type=int, default=1, help="observer runs of each kind (the best is reported)")
    ap.add_argument("--fake-speed", type=int, default=50, help="fake clock speed while building the sync chain")
    ap.add_argument("--chain-cache", help="where the sync chain is kept (default BUILD/bench-cache/...)")
    ap.add_argument("--workdir", help="keep everything here (default: a temporary dir, deleted)")
    ap.add_argument("--json", help="write the results to this file")
    ap.add_argument("--py-profile", help="run the following Python observer under cProfile, output to this file "
                    "(slower: for finding hot spots, not for the figures)")
    ap.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = ap.parse_args()
    args.build_dir = os.path.abspath(args.build_dir)
    global cjnet
    os.environ["COINJECTURE_BUILD_DIR"] = args.build_dir
    nb.cjnet = cjnet = importlib.import_module("cjnet")
    cjnet.Node.log_level = "info"  # the lag is read from info lines; debug logging costs the nodes CPU
    t = nb.Tools(args.build_dir)
    root = os.path.abspath(args.workdir) if args.workdir else tempfile.mkdtemp(prefix="cj-pyvalidator-bench-")
    os.makedirs(root, exist_ok=True)
    out = {"machine": nb.machine(), "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
           "command": " ".join([PYTHON] + sys.argv), "git": git_head()}
    try:
        if args.only in (None, "follow"):
            out["follow"] = bench_follow(t, args, root)
        if args.only in (None, "sync"):
            out["sync"] = bench_sync(t, args, root)
    finally:
        if not args.workdir:
            shutil.rmtree(root, ignore_errors=True)
    rows, targets = report(out)
    out["targets"] = [{"target": a, "measured": b, "bound": c, "met": d} for a, b, c, d in targets]
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
            f.write("\n")
    print(f"{out['machine']['cpu']}, {out['machine']['cores']} cores; {out['date']}; commit {out['git']}")
    print_table(rows, targets)
    if args.check and not all(ok for *_, ok in targets):
        sys.exit(1)


def git_head():
    try:
        return subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              timeout=10).stdout.strip() or "?"
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
