"""Milestones 3 and 4: the Python validator against the C node (coinjectured) over P2P.

* a Python observer follows a 3-validator C network and agrees on every block hash;
* a fresh Python node syncs an existing C chain;
* 2 C validators + 1 Python validator produce one chain together, transfers sent with coinjecture-cli to the
  Python node are confirmed, both sides run shadow mode against each other with zero drifts."""
import json
import time

import pytest

import harness as hz
from harness import ci, procs  # noqa: F401 (procs: the shared teardown fixture)


def start(nodes, n, **kw):
    nodes.append(n)
    n.start(**kw)
    return n


def send(node, alice, to_pub, amount):
    out = ci.run([ci.CLI, "--json", "--node", node.url, "send", "--key", str(alice), "--to", to_pub, "--amount",
                  str(amount), "--wait"], timeout=90).stdout
    return out


def test_observer_follows_c_network_and_fresh_node_syncs(tmp_path, procs):
    hz.need_c_build()
    g, keys, pubs, alice = hz.make_net(tmp_path, 3)
    c = []
    for i in range(3):
        n = ci.Node(tmp_path, g, keys[i], name="c%d" % i)
        n.extra = ["--peers", hz.peers_arg(c)] if c else []
        c.append(start(procs, n))
    py = hz.PyNode(tmp_path, g, name="pyobs")
    py.extra = ["--peers", hz.peers_arg(c, pin=True)]
    start(procs, py)
    hz.wait_all_height(c + [py], 4)
    for i in range(3):
        send(c[i % 3], alice, pubs[(i + 1) % 3], 10000 + i)
    top = min(n.height() for n in c + [py])
    hz.wait_all_height(c + [py], top + 3)
    common = hz.agree(c + [py], top + 2)
    assert len(common) == top + 3
    # every block of the C chain was validated by the Python node: it rejected none
    st = py.get("/v1/status")
    assert st["stats"]["blocks_rejected"] == 0 and st["consensus"]["is_validator"] is False
    # transfers confirmed in the Python node's state too
    for i in range(3):
        a = py.get("/v1/accounts/%s" % pubs[(i + 1) % 3])
        assert int(a["balance"]) >= 10000 + i
    # a fresh Python node syncs the existing chain from one C node
    fresh = hz.PyNode(tmp_path, g, name="pyfresh")
    fresh.extra = ["--peers", hz.peers_arg([c[1]])]
    start(procs, fresh)
    h = c[1].height()
    hz.wait_all_height([fresh], h, timeout=60)
    hz.agree(c + [py, fresh], h)


def test_hybrid_network_python_validator(tmp_path, procs):
    hz.need_c_build()
    g, keys, pubs, alice = hz.make_net(tmp_path, 3)
    bob = tmp_path / "bob.key"
    bob_pub = ci.keygen(bob)
    c0 = start(procs, ci.Node(tmp_path, g, keys[0], name="c0"))
    py = hz.PyNode(tmp_path, g, keys[2], name="pyval")
    # the Python validator watches C validator 0; its P2P identity is its validator key, so the C nodes'
    # shadow mode sees its status messages too
    py.extra = ["--peers", hz.peers_arg([c0]), "--p2p-node-key", str(keys[2]),
                "--consensus-shadow-mode-enabled", "true", "--consensus-shadow-mode-compare-with-validator", "0"]
    start(procs, py)
    c1 = ci.Node(tmp_path, g, keys[1], name="c1")
    c1.extra = ["--peers", hz.peers_arg([c0, py]), "--consensus-shadow-mode-enabled", "true",
                "--consensus-shadow-mode-compare-with-validator", pubs[2]]
    start(procs, c1)
    nodes = [c0, c1, py]
    hz.wait_all_height(nodes, 9, timeout=60)
    # transfers through coinjecture-cli against the Python node
    for amount in (1000, 2000, 3000):
        r = send(py, alice, bob_pub, amount)
        assert "confirmed" in json.dumps(r) or "block" in json.dumps(r), r
    assert int(py.get("/v1/accounts/%s" % bob_pub)["balance"]) == 6000
    top = min(n.height() for n in nodes)
    common = hz.agree(nodes, top)
    # all three validators sealed blocks of the common chain, the Python one included
    miners = {ci.block(c0, h)["header"]["miner_address"] for h in range(1, top + 1)}
    pyaddr = py.get("/v1/accounts/%s" % pubs[2])["address"]
    assert pyaddr in miners and len(miners) == 3, miners
    assert int(c0.get("/v1/accounts/%s" % bob_pub)["balance"]) == 6000
    assert len(common) == top + 1
    # shadow mode both ways: matches, no drift
    ci.wait_for(lambda: c1.get("/v1/parity")["peer"]["matches"] > 0, 30, "C-side parity matches")
    ci.wait_for(lambda: py.get("/v1/parity")["peer"]["matches"] > 0, 30, "Python-side parity matches")
    for n in (c1, py):
        p = n.get("/v1/parity")
        assert p["drifts"] == 0 and p["peer"]["drifts"] == 0, p
    assert "HASH DIVERGENCE" not in py.read_log() + c1.read_log() + c0.read_log()
    # the API shapes the tools use
    for path in ("/health", "/v1/status", "/v1/blocks/latest", "/v1/blocks/1", "/v1/parity"):
        a, b = py.get(path), c0.get(path)
        assert set(b) <= set(a) | {"library_version"}, (path, set(b) - set(a))
    blk = py.get("/v1/blocks/hash/%s" % common[3])
    assert blk["block_hash"] == common[3] and set(ci.block(c0, 3)) == set(blk)
    assert ci.metric(py, "coinjecture_block_height") >= top
    ci.run([ci.CLI, "--node", py.url, "status"])
    # protocol 3's signed handshake time, both ways: every clock here is the same one, so ~0 from both peers
    st = py.get("/v1/status")["node"]
    assert st["clock_offset_sources"] == 2 and abs(st["clock_offset_ms"]) <= 250, st
    assert c1.get("/v1/status")["node"]["clock_offset_sources"] >= 3  # c0, py (handshakes) and sealers
    assert abs(c1.get("/v1/status")["node"]["clock_offset_ms"]) <= 250


def test_c_node_applies_the_strict_ed25519_rule(tmp_path, procs):
    """CHAIN.md §1a confirmed against the C node: a transfer from the identity (small-order) key, signed so
    that OpenSSL accepts it, is refused by the C node's mempool as bad-signature; an honest one is accepted."""
    hz.need_c_build()
    import test_rules as tr
    from coinjecture_validator import ed25519 as E, hashing
    from coinjecture_validator.codec import Transaction
    cases = {m[0]: m for m in tr.malformed()}
    v = tmp_path / "v.key"
    ci.keygen(v)
    ident = cases["small_order_pk_identity"][1]
    honest_seed = bytes([0x33]) * 32
    honest = E.public_key(honest_seed)
    g = tmp_path / "g.json"
    ci.run([ci.CLI, "genesis", "--out", str(g), "--validator", str(v), "--alloc", "%s=1000000000" % ident.hex(),
            "--alloc", "%s=1000000000" % honest.hex(), "--block-time", "1s"])
    c = start(procs, ci.Node(tmp_path, g, v, name="c"))

    def post(t):
        body = {"from": t.from_.hex(), "to": t.to.hex(), "amount": t.amount, "nonce": t.nonce,
                "gas_limit": t.gas_limit, "gas_price": t.gas_price, "signature": t.signature.hex(),
                "timestamp": t.timestamp}
        st, resp, _ = ci.http("POST", c.url + "/v1/transactions", json.dumps(body),
                              {"Content-Type": "application/json"})
        return st, resp.decode()

    t = Transaction(1, "Transfer", ident, honest, 1, 0, 21000, 1, bytes(64), b"", 1)
    msg = hashing.tx_signing_message(t)
    s = 987654321
    t.signature = E.encode_point(E.scalarmult(E.BASE, s)) + s.to_bytes(32, "little")
    assert tr.openssl_accepts(ident, t.signature, msg) and not E.verify(ident, t.signature, msg)
    st, resp = post(t)
    assert st == 400 and "signature" in resp, (st, resp)
    t2 = Transaction(1, "Transfer", honest, ident, 1, 0, 21000, 1, bytes(64), b"", 1)
    t2.signature = E.sign(honest_seed, hashing.tx_signing_message(t2))
    st, resp = post(t2)
    assert st == 202, resp


def test_python_validator_seals_out_of_turn(tmp_path, procs):
    """With C validator 1 stopped, the Python validator (index 2) takes over heights h ≡ 1 (mod 3) one
    block time late, with weight 1, and the C validator 0 accepts those blocks."""
    hz.need_c_build()
    g, keys, pubs, alice = hz.make_net(tmp_path, 3)
    c0 = start(procs, ci.Node(tmp_path, g, keys[0], name="c0"))
    py = hz.PyNode(tmp_path, g, keys[2], name="pyval", extra=["--peers", hz.peers_arg([c0])])
    start(procs, py)
    hz.wait_all_height([c0, py], 6, timeout=60)
    top = min(c0.height(), py.height())
    common = hz.agree([c0, py], top)
    pyaddr = c0.get("/v1/accounts/%s" % pubs[2])["address"]
    # (the first heights may go to c0 before the Python node is up: it may take any height late)
    hz.wait_all_height([c0, py], top + 6, timeout=60)
    top = min(c0.height(), py.height())
    common = hz.agree([c0, py], top)
    by_py_late = [h for h in range(1, top + 1) if h % 3 == 1 and
                  ci.block(c0, h)["header"]["miner_address"] == pyaddr]
    assert by_py_late, "no out-of-turn block by the Python validator"
    for h in by_py_late:
        assert ci.block(c0, h)["header"]["difficulty_target"] == 1
    by_py_in_turn = [h for h in range(1, top + 1) if h % 3 == 2 and
                     ci.block(c0, h)["header"]["miner_address"] == pyaddr]
    assert by_py_in_turn and all(ci.block(c0, h)["header"]["difficulty_target"] == 2 for h in by_py_in_turn)
    assert len(common) == top + 1


@pytest.mark.skipif(ci.FAKETIME_LIB is None, reason="libfaketime (Debian package faketime) missing")
def test_python_node_syncs_a_long_c_chain_without_bans(tmp_path, procs):
    """Range sync over several full answers (256 blocks each) from a C node: the Python node announces its tip
    once per answer (one status per imported block was a status flood that got it banned by the C node) and
    asks for the next range only when an answer is imported (a second request from its 1 s tick made the late
    answer look unrequested, and it banned the C node)."""
    hz.need_c_build()
    key = tmp_path / "v.key"
    ci.keygen(key)
    g = tmp_path / "genesis.json"
    ci.run([ci.CLI, "genesis", "--out", str(g), "--network", "pyinterop", "--chain-id", "4243", "--block-time",
            "100ms", "--genesis-time", str(int(time.time()) - 400), "--validator", str(key)])
    # the producer's clock runs 10 times fast from the genesis time: ~1,100 blocks in ~11 s, all in the past
    prod = ci.Node(tmp_path, g, key, name="producer", env=ci.fast_clock_env(400, 10))
    start(procs, prod)
    prod.wait_height(1100, timeout=120)
    prod.stop()
    prod.env = None
    prod.extra = ["--set", "consensus.enabled=false"]
    prod.start()
    top = prod.height()
    py = hz.PyNode(tmp_path, g, name="pysync")
    py.extra = ["--peers", hz.peers_arg([prod])]
    start(procs, py)
    py.wait_height(top, timeout=90)
    assert ci.block_hash(py, top) == ci.block_hash(prod, top)
    assert py.get("/v1/status")["stats"]["blocks_rejected"] == 0
    assert "banned" not in py.read_log()
    assert "flood" not in prod.read_log()


def test_python_node_relays_blocks_it_imports(tmp_path, procs):
    """docs/P2P.md "Relay": a node forwards every new valid block once to its other peers. A C validator feeds a
    Python observer; a test peer connected only to the Python node (it asks for nothing) must be sent the C
    validator's new blocks as `block` messages. (The Python node once marked a block seen before importing it,
    so the relay check always found it seen and nothing was forwarded.)"""
    hz.need_c_build()
    import importlib.util
    import os
    spec = importlib.util.spec_from_file_location("cj_p2p_peer", os.path.join(hz.REPO, "tests", "integration",
                                                                              "p2p_peer.py"))
    pp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pp)
    g, keys, pubs, _ = hz.make_net(tmp_path, 1, block_time="500ms")
    c0 = start(procs, ci.Node(tmp_path, g, keys[0], name="c0"))
    py = hz.PyNode(tmp_path, g, name="pyrelay")
    py.extra = ["--peers", hz.peers_arg([c0])]
    start(procs, py)
    hz.wait_all_height([c0, py], 2, timeout=30)
    p = pp.Peer(py).handshake()
    try:
        heights = set()
        deadline = time.time() + 15
        while len(heights) < 3 and time.time() < deadline:
            m = p.recv_type("block", timeout=max(0.1, deadline - time.time()))
            b = pp.block_from_wire(m["block"])
            h = b["header"]["block_index"]
            assert pp.ref.header_hash(b["header"]).hex() == ci.block(c0, h)["block_hash"]  # the C validator's
            heights.add(h)
        assert len(heights) >= 3, f"the Python node forwarded blocks at heights {sorted(heights)} only"
    finally:
        p.close()
