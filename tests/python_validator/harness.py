"""Interop harness: C nodes and Python validator nodes, both from the shared network module tests/lib/cjnet.py
(imported here as `ci`, the name the interop suites use), and the interop suites' own checks."""
import os
import sys

import pytest

from conftest import REPO

sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import cjnet as ci  # noqa: E402

PyNode = ci.PyNode


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
