"""Interop harness: C nodes and Python validator nodes, both from the shared network module tests/lib/cjnet.py
(imported here as `ci`, the name the interop suites use), and the interop suites' own checks."""
import os
import sys

import pytest

from conftest import REPO

sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import cjnet as ci  # noqa: E402

PyNode = ci.PyNode


@pytest.fixture
def procs():
    """The nodes a test starts (append each before starting it): SIGKILLed at teardown whatever the outcome.
    Test modules use it with `from harness import procs`."""
    nodes = []
    yield nodes
    ci.kill_nodes(nodes)


def need_c_build():
    for p in (ci.COINJECTURED, ci.CLI, ci.KEYGEN):
        if not os.access(p, os.X_OK):
            pytest.skip("C build not found (%s): set COINJECTURE_BUILD_DIR" % p)


def make_net(tmp_path, n_validators, block_time="1s", allocs=1):
    """Keys, a genesis starting now, and the alice key funded. Returns (genesis path, validator keys, pubs,
    alice key)."""
    keys, pubs = [], []
    for i in range(n_validators):
        k = tmp_path / ("v%d.key" % i)
        pubs.append(ci.keygen(k))
        keys.append(k)
    alice = tmp_path / "alice.key"
    ci.keygen(alice)
    g = tmp_path / "genesis.json"
    args = [ci.CLI, "genesis", "--out", str(g), "--network", "pyinterop", "--chain-id", "4242", "--block-time",
            block_time, "--epoch-length", "1000", "--alloc", "%s=1000000000000000" % alice]
    for k in keys:
        args += ["--validator", str(k)]
    ci.run(args)
    return g, keys, pubs, alice


def peers_arg(nodes, pin=False):
    out = []
    for n in nodes:
        s = "127.0.0.1:%d" % n.p2p_port
        if pin:
            s = n.get("/v1/status")["node"]["p2p_node_key"] + "@" + s
        out.append(s)
    return ",".join(out)


def hashes(node, upto):
    return [ci.block_hash(node, h) for h in range(upto + 1)]


def wait_all_height(nodes, h, timeout=60):
    ci.wait_for(lambda: all(n.height() >= h for n in nodes), timeout, "height %d on every node" % h, interval=0.2)


def agree(nodes, upto, timeout=30):
    """Every node has the same hash at every height 0..upto (retried while a tip fork settles)."""
    last = None

    def same():
        nonlocal last
        hs = [hashes(n, upto) for n in nodes]
        last = hs
        return all(x == hs[0] for x in hs) and None not in hs[0]
    ci.wait_for(same, timeout, "identical hashes 0..%d" % upto, interval=0.5)
    return last[0]


def watched_divergence(node, faulty, height):
    """The divergence node reports at height from the faulty node's invalid block: one entry, kind peer, what
    invalid_block, theirs = the faulty node's block, ours = node's own block there (filled in once it has it)."""
    ours = ci.wait_for(lambda: ci.block_hash(node, height), 60, "%s: a block at %d" % (node.name, height))
    ci.wait_for(lambda: [d["ours"] for d in node.get("/v1/parity")["last_divergences"] if d["height"] == height] ==
                [ours], 60, "%s: the divergence at %d completed with our hash" % (node.name, height))
    p = node.get("/v1/parity")
    at = [d for d in p["last_divergences"] if d["height"] == height]
    assert len(at) == 1, at  # one divergence per height
    assert (at[0]["kind"], at[0]["what"]) == ("peer", "invalid_block")
    assert at[0]["theirs"] == ci.block_hash(faulty, height) != ours
    assert min(d["height"] for d in p["last_divergences"]) == height
    assert all(d["what"] == "invalid_block" for d in p["last_divergences"])  # no status-based comparison ran
    assert p["peer"]["drifts"] >= 1 and p["peer"]["announcements"] > 0
    log = node.read_log()
    assert "HASH DIVERGENCE: block=%d ours=%s theirs=%s kind=peer what=invalid_block" % (height, "0" * 64,
                                                                                       at[0]["theirs"]) in log or \
        "HASH DIVERGENCE: block=%d ours=%s theirs=%s kind=peer what=invalid_block" % (height, ours,
                                                                                    at[0]["theirs"]) in log
    assert ci.metric(node, 'coinjecture_parity_drifts_total{kind="peer"}') > 0
    return p, log


def alert_lines(path):
    """The lines an alert command appended to path, split into words ([] before the first)."""
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []
