"""Fixtures of the integration tests. The network helpers (Node, Network, wait_for, run, keygen, ...) live in
tests/lib/cjnet.py, shared with the other suites and the node bench, and are re-exported here."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from cjnet import (BUILD, CLI, COINJECTURED, KEYGEN, REPO, TRANSIENT, Network, Node, PyNode,  # noqa: E402,F401
                   block, block_hash, free_port, free_port_run, http, keygen, kill_nodes, metric, pubkey_of, run,
                   same_tip, status, tip, wait_for)

SOURCE_DIR = REPO


@pytest.fixture
def net(tmp_path):
    """One validator key, two funded user keys and a genesis with 500 ms blocks."""
    ctx = {"dir": tmp_path}
    ctx["v0"] = tmp_path / "v0.key"
    ctx["alice"] = tmp_path / "alice.key"
    ctx["bob"] = tmp_path / "bob.key"
    ctx["v0_pub"] = keygen(ctx["v0"])
    ctx["alice_pub"] = keygen(ctx["alice"])
    ctx["bob_pub"] = keygen(ctx["bob"])
    ctx["genesis"] = tmp_path / "genesis.json"
    run([CLI, "genesis", "--out", str(ctx["genesis"]), "--validator", str(ctx["v0"]), "--alloc",
         f"{ctx['alice']}=1000000000000", "--alloc", f"{ctx['bob']}=5000000", "--block-time", "500ms",
         "--network", "itest", "--chain-id", "4242"])
    nodes = []

    def make(name="node", key="v0", extra=None, env=None, start=True):
        n = Node(tmp_path, ctx["genesis"], ctx[key] if key else None, extra, env, name)
        nodes.append(n)
        if start:
            n.start()
        return n

    ctx["make"] = make
    yield ctx
    kill_nodes(nodes)
