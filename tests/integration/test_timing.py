"""Consensus timing with real processes (docs/CHAIN.md §3, issue 13): a network restarted after downtime
resumes at one block per block time (no backfill burst); a validator whose clock runs ahead (libfaketime,
+5 s and +12 s) seals no more than its share while the others keep their in-turn blocks, and every node
sees the skew (clock_offset_ms, metrics, a warn line); 5 validators with 2 offline and clocks 1 s apart
keep the chain going (the Clique "signers waiting for each other" report, go-ethereum issue 18402)."""
import os
import time

import pytest

from conftest import CLI, Network, block, keygen, metric, run, status, tip, wait_for
from cjnet import FAKETIME_LIB, NO_RATE_LIMIT, pubkey_of, watched
needs_faketime = pytest.mark.skipif(FAKETIME_LIB is None, reason="libfaketime (Debian package faketime) missing")


def skewed_env(offset_s):
    """Environment that runs a node with its wall clock offset_s seconds off (monotonic time untouched)."""
    env = dict(os.environ)
    if offset_s:
        env["LD_PRELOAD"] = FAKETIME_LIB
        env["FAKETIME"] = f"{offset_s:+g}s"
        env["DONT_FAKE_MONOTONIC"] = "1"
    return env


def make_net(tmp, n, block_ms, offsets=None, chain_id=4747):
    """n validator nodes (not started) of a testnet (tests/lib/cjnet.py: every node pins every other as a peer),
    node i with its clock offsets[i] seconds off; returns (nodes, validator public keys)."""
    net = Network(tmp, validators=n, block_time=f"{block_ms}ms", chain_id=chain_id, network="timing",
                  extra=NO_RATE_LIMIT)
    for nd, off in zip(net.nodes, offsets or [0] * n):
        nd.env = skewed_env(off)
    return net.nodes, [pubkey_of(nd.key) for nd in net.nodes]


def header(b):
    return b.get("header", b)


def chain_slice(nd, lo, hi):
    """(height, proposer, weight, timestamp) of nd's canonical blocks lo..hi."""
    out = []
    for h in range(lo, hi + 1):
        b = block(nd, h)
        hd = header(b)
        out.append((h, b["proposer"], int(hd["difficulty_target"]), int(hd["timestamp"])))
    return out


def agreed_height(nodes, depth=2):
    """A height `depth` below the lowest tip where every node holds the same block, or None."""
    h = min(tip(x)[0] for x in nodes) - depth
    if h < 1:
        return None
    hashes = {block(x, h)["block_hash"] for x in nodes}
    return h if len(hashes) == 1 else None


# ---------------------------------------------------------------------------------------------------------


def test_restart_after_downtime_resumes_without_burst(tmp_path):
    block_ms = 500
    nodes, _ = make_net(tmp_path, 3, block_ms)
    with watched(nodes):
        for nd in nodes:
            nd.start(wait=False)
        for nd in nodes:
            nd.wait_healthy()
        wait_for(lambda: agreed_height(nodes, 1) and agreed_height(nodes, 1) >= 6, 40, "height 6 on every node")
        for nd in nodes:
            nd.stop()
        down_at = time.time()
        time.sleep(20)
        for nd in nodes:
            nd.start(wait=False)
        restarted = time.time()
        for nd in nodes:
            nd.wait_healthy()
        h0 = min(tip(x)[0] for x in nodes)
        samples = []
        while time.time() - restarted < 8:
            samples.append((time.time() - restarted, tip(nodes[0])[0]))
            time.sleep(0.1)
        grown = samples[-1][1] - h0
        # the largest growth inside any 1-second window after the restart
        burst = max(h2 - h1 for (t1, h1) in samples for (t2, h2) in samples if 0 <= t2 - t1 <= 1.0)
        print(f"after 20 s down: +{grown} blocks in 8 s, at most +{burst} within one second")
        assert burst <= 4, f"burst of {burst} blocks within one second after the restart"
        assert 6 <= grown <= 8 * 1000 // block_ms + 3, f"{grown} blocks in 8 s"
        # the resumed chain carries timestamps of now: nothing was backfilled into the downtime
        hs = wait_for(lambda: agreed_height(nodes, 2), 20, "agreement after the restart")
        resumed = [b for b in chain_slice(nodes[0], h0 + 1, hs)]
        for (_, _, _, ts) in resumed:
            assert ts >= (restarted - 2) * 1000, "a block was backdated into the downtime"
        gaps = [b[3] - a[3] for a, b in zip(resumed, resumed[1:])]
        assert all(g >= block_ms for g in gaps), gaps
        assert down_at < restarted


@needs_faketime
@pytest.mark.parametrize("ahead_s", [5, 12])
def test_fast_clock_seals_no_more_than_its_share(tmp_path, ahead_s):
    block_ms, n = 500, 3
    nodes, pubs = make_net(tmp_path, n, block_ms, offsets=[ahead_s, 0, 0], chain_id=4800 + ahead_s)
    fast, honest = nodes[0], nodes[1:]
    with watched(nodes):
        for nd in nodes:
            nd.start(wait=False)
        for nd in nodes:
            nd.wait_healthy()
        wait_for(lambda: all(status(x)["peers"] >= 2 for x in nodes), 20, "a full mesh")
        lo = tip(honest[0])[0] + 2
        hi = lo + 48
        wait_for(lambda: agreed_height(honest, 2) and agreed_height(honest, 2) >= hi, 60,
                 f"the honest validators agree up to height {hi}", interval=0.2)
        blocks = chain_slice(honest[0], lo, hi)
        total = len(blocks)
        fast_share = sum(1 for b in blocks if b[1] == pubs[0]) / total
        in_turn = {i: [b for b in blocks if b[0] % n == i] for i in range(1, n)}
        kept = {i: sum(1 for b in in_turn[i] if b[1] == pubs[i] and b[2] == 2) / len(in_turn[i]) for i in in_turn}
        # the chain runs on real time, not on the fast clock
        ahead_ms = blocks[-1][3] - int(time.time() * 1000)
        print(f"+{ahead_s}s: fast validator sealed {fast_share:.0%} of {total} blocks; honest in-turn kept "
              f"{ {i: f'{v:.0%}' for i, v in kept.items()} }; tip timestamp {ahead_ms} ms vs real time")
        assert fast_share <= 1 / n + 0.10, f"fast validator sealed {fast_share:.0%}"
        assert all(v >= 0.8 for v in kept.values()), kept
        assert ahead_ms < 1000
        # every node sees the skew: the fast one its own, the honest ones hold its blocks
        st = status(fast)["node"]
        wait_for(lambda: (status(fast)["node"].get("clock_offset_ms") or 0) > ahead_s * 1000 - 1000, 20,
                 "the fast node's clock offset estimate")
        assert metric(fast, "coinjecture_clock_offset_ms") > ahead_s * 1000 - 1000
        assert "clock" in fast.read_log() and "ahead" in fast.read_log()
        for h in honest:
            off = status(h)["node"]["clock_offset_ms"]
            assert off is not None and abs(off) < 250, off
            assert metric(h, "coinjecture_blocks_held_future_total") >= 1
        assert st["clock_tolerance_ms"] > 0


@needs_faketime
def test_blocks_beyond_the_future_bound_are_refused_and_counted(tmp_path):
    nodes, pubs = make_net(tmp_path, 3, 500, offsets=[0, 0, 20], chain_id=4820)
    honest, far = nodes[0], nodes[2]
    with watched(nodes):
        for nd in nodes:
            nd.start(wait=False)
        for nd in nodes:
            nd.wait_healthy()
        wait_for(lambda: metric(honest, "coinjecture_blocks_rejected_future_total") >= 3, 30,
                 "blocks 20 s ahead refused and counted")
        assert metric(honest, "coinjecture_blocks_rejected_total") >= metric(
            honest, "coinjecture_blocks_rejected_future_total")
        log = honest.read_log()
        assert 1 <= log.count("more than 15000 ms ahead of this node's clock") and "warn" in log
        warned = [ln for ln in log.splitlines() if "refused, more than 15000 ms ahead" in ln and "warn" in ln]
        assert len(warned) == 1, warned  # one warn line a minute, the rest at debug
        wait_for(lambda: "carry timestamps about" in honest.read_log(), 10, "the honest node names the far clock")
        # it goes on alone (after its start-up double-sign watch, docs/OPERATIONS.md)
        wait_for(lambda: honest.height() >= 2, 15, "the honest validators keep sealing")
        assert "ahead of the network's" in far.read_log() or status(far)["node"]["clock_offset_ms"] > 15000


@needs_faketime
def test_five_validators_two_offline_clocks_one_second_apart_keep_going(tmp_path):
    block_ms = 500
    # v1 and v2 (adjacent in the schedule) never start; the three live clocks are -1 s, 0 and +1 s
    nodes, pubs = make_net(tmp_path, 5, block_ms, offsets=[-1, 0, 0, 0, 1], chain_id=4900)
    live = [nodes[0], nodes[3], nodes[4]]
    with watched(live):  # the offline ones stay in every config's pinned peers, as a real network's would
        for nd in live:
            nd.start(wait=False)
        for nd in live:
            nd.wait_healthy()
        wait_for(lambda: all(status(x)["peers"] >= 2 for x in live), 20, "the live validators connected")
        t0, h0 = time.time(), tip(nodes[3])[0]
        time.sleep(20)
        h1 = wait_for(lambda: agreed_height(live, 2), 20, "agreement among the live validators")
        rate = (h1 - h0) / (time.time() - t0)
        blocks = chain_slice(nodes[3], max(1, h0), h1)
        gaps = [b[3] - a[3] for a, b in zip(blocks, blocks[1:])]
        sealers = {pubs.index(b[1]) for b in blocks}
        print(f"2 of 5 offline, clocks 1 s apart: {rate:.2f} blocks/s, longest gap {max(gaps)} ms, "
              f"sealers {sorted(sealers)}")
        assert rate >= 0.5 * 1000 / block_ms / 2, f"{rate:.2f} blocks/s"
        assert max(gaps) <= 5 * block_ms + 2000, max(gaps)
        assert sealers <= {0, 3, 4}


def test_genesis_and_data_dir_of_rules_1_are_refused_with_the_reason(tmp_path):
    import json
    import sqlite3
    from conftest import COINJECTURED, free_port
    key = tmp_path / "v.key"
    keygen(key)
    new = tmp_path / "genesis.json"
    run([CLI, "genesis", "--out", str(new), "--validator", str(key)])
    doc = json.loads(new.read_text())
    assert doc["rules_version"] == 2
    # a genesis file written before rules_version existed
    del doc["rules_version"]
    old = tmp_path / "old-genesis.json"
    old.write_text(json.dumps(doc))
    p = run([COINJECTURED, "init", "--genesis", str(old), "--data-dir", str(tmp_path / "d1")], check=False)
    assert p.returncode != 0
    assert "chain rules 1" in p.stderr + p.stdout and "rules 2 only" in p.stderr + p.stdout
    # a data dir made under rules 1: its meta table has no "rules" entry
    run([COINJECTURED, "init", "--genesis", str(new), "--data-dir", str(tmp_path / "d2")])
    with sqlite3.connect(str(tmp_path / "d2" / "chain.db")) as db:
        db.execute("DELETE FROM meta WHERE key = 'rules'")
    p = run([COINJECTURED, "--data-dir", str(tmp_path / "d2"), "--api-port", str(free_port()), "--p2p-port",
             str(free_port())], check=False, timeout=20)
    out = p.stderr + p.stdout
    assert p.returncode != 0 and "was made under chain rules 1" in out, out
