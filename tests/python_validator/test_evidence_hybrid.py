"""Double-sign evidence and the double-sign watch of the Python validator among C nodes, real processes
(docs/P2P.md "Double-sign evidence", docs/OPERATIONS.md "Double-sign protection"):

* evidence a C node found travels through the Python node: C node A - Python node - C node C in a line (A and C
  not connected); a double sign by C's key shown to A only, in blocks whose bodies are invalid (never stored,
  never relayed), reaches C only if the Python node verifies, records and forwards the `evidence` message;
* the Python node produces evidence itself: the same kind of pair by the Python validator's own key shown to the
  Python node reaches both C nodes, and the Python validator stops sealing (evidence names its key);
* the start-up watch: a second Python process started with the key of a running validator refuses to seal
  ("another instance"), visible in /v1/status."""
import importlib.util
import os
import time

import harness as hz
from harness import ci, procs  # noqa: F401 (procs: the shared teardown fixture)

_spec = importlib.util.spec_from_file_location("cj_p2p_peer", os.path.join(hz.REPO, "tests", "integration",
                                                                           "p2p_peer.py"))
pp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pp)


def evidence(n):
    return n.get("/v1/evidence")


def blocks_by(n, pub, lo, hi):
    return [h for h in range(max(1, lo), hi + 1) if ci.block(n, h)["proposer"] == pub]


def show_double_sign(target, source, key_file, pub):
    """Two re-sealed twins (by key_file, bad merkle root) of a recent block sealed by pub, each sent to target as
    a block by a fresh peer (each costs that peer 50 points). Returns (height, the twins' header hashes)."""
    ci.wait_for(lambda: blocks_by(source, pub, source.height() - 8, source.height() - 1), 20,
                "a block sealed by %s" % pub[:8])
    top = source.height() - 1
    h = max(blocks_by(source, pub, top - 8, top))
    base = pp.block_from_wire(pp.fetch_blocks(source, h, 1)[0])
    sk = pp.key_from_file(key_file)
    forged = [pp.resealed(dict(base, header=dict(base["header"], merkle_root=os.urandom(32))), sk, dt)
              for dt in (1, 2)]
    for f in forged:
        p = pp.Peer(target).handshake()
        p.send(pp.block_msg(f))
        p.recv_type("status")
        p.close()
    return h, {pp.ref.header_hash(f["header"]).hex() for f in forged}


def has_record(n, pub, h, hashes):
    return any(e["source"] == "p2p" and e["validator"] == pub and e["height"] == h and
               {e["hash_a"], e["hash_b"]} & hashes for e in evidence(n)["evidence"])


def test_evidence_through_and_from_the_python_validator(tmp_path, procs):
    hz.need_c_build()
    g, keys, pubs, _ = hz.make_net(tmp_path, 3, block_time="500ms")
    a = ci.Node(tmp_path, g, keys[0], name="a")
    c = ci.Node(tmp_path, g, keys[2], name="c")
    py = hz.PyNode(tmp_path, g, keys[1], name="py")
    procs.extend([a, c, py])
    a.start()
    c.start()
    py.extra = ["--peers", hz.peers_arg([a, c])]
    py.start()
    hz.wait_all_height([a, py, c], 6)
    ci.wait_for(lambda: len(a.get("/v1/peers")["peers"]) == 1 and len(c.get("/v1/peers")["peers"]) == 1, 10,
                "a line a - py - c")
    ci.wait_for(lambda: ci.status(py)["node"]["sealing"] is True, 20, "py sealing")
    for n in (a, py, c):
        assert evidence(n)["count"] == 0

    # 1. found by C node a, carried to c by the Python node only
    h, hashes = show_double_sign(a, a, keys[2], pubs[2])
    t0 = time.time()
    for n in (a, py, c):
        ci.wait_for(lambda: has_record(n, pubs[2], h, hashes), 10, "c's double sign recorded on %s" % n.name)
    log = py.read_log()
    assert "p2p: double-sign evidence from" in log
    assert "double-sign evidence at height %d sent to 2 peer(s)" % h in log
    rec = [e for e in evidence(py)["evidence"] if e["validator"] == pubs[2]][0]
    assert rec["header_a"]["block_index"] == h == rec["header_b"]["block_index"]
    assert ci.metric(py, 'coinjecture_p2p_evidence_received_total{outcome="new"}') >= 1
    assert ci.metric(py, "coinjecture_double_sign_evidence_total") >= 1
    print("evidence from a reached c through the Python node in %.2f s" % (time.time() - t0))

    # 2. found by the Python node (its own key double-signed): both C nodes record it, the Python validator holds
    h2, hashes2 = show_double_sign(py, py, keys[1], pubs[1])
    for n in (py, a, c):
        ci.wait_for(lambda: has_record(n, pubs[1], h2, hashes2), 10, "py's double sign recorded on %s" % n.name)
    st = ci.status(py)["node"]
    assert st["sealing"] is False, st
    assert st["sealing_blocked"].startswith("double-sign evidence names this validator key"), st
    assert "double-sign evidence names THIS node's validator key at height %d" % h2 in py.read_log()
    # no loop: the counts settle (each record is sent once per peer)
    time.sleep(2)
    snap = [(evidence(n)["count"], ci.metric(n, "coinjecture_p2p_evidence_sent_total")) for n in (a, py, c)]
    time.sleep(2)
    assert snap == [(evidence(n)["count"], ci.metric(n, "coinjecture_p2p_evidence_sent_total")) for n in (a, py, c)]
    for n in (a, py, c):
        assert evidence(n)["count"] <= 4, (n.name, evidence(n))


def test_second_python_instance_of_a_key_refuses_to_seal(tmp_path, procs):
    hz.need_c_build()
    g, keys, pubs, _ = hz.make_net(tmp_path, 2, block_time="500ms")
    c = ci.Node(tmp_path, g, keys[0], name="c")
    py = hz.PyNode(tmp_path, g, keys[1], name="py")
    procs.extend([c, py])
    c.start()
    py.extra = ["--peers", hz.peers_arg([c])]
    py.start()
    ci.wait_for(lambda: blocks_by(c, pubs[1], 1, c.height()), 30, "py sealing")
    # the unsafe way: another process with py's validator key (its own data dir) while py runs
    twin = hz.PyNode(tmp_path, g, keys[1], name="twin")
    procs.append(twin)
    twin.extra = ["--peers", hz.peers_arg([c]), "--consensus-double-sign-check-window", "5s"]
    twin.start()

    def foreign():
        st = ci.status(twin)["node"]
        return st if st["sealing_blocked"] and st["sealing_blocked"].startswith("another instance") else None
    st = ci.wait_for(foreign, 20, "the twin refusing to seal")
    assert st["sealing"] is False
    assert "is sealed by THIS node's validator key but was not made by this process" in twin.read_log()
    assert ci.metric(twin, "coinjecture_foreign_blocks_total") >= 1
    assert ci.metric(twin, "coinjecture_sealing_blocked") == 1
    # it never sealed, so no double sign anywhere
    time.sleep(2)
    assert int(ci.status(twin)["stats"]["blocks_produced"]) == 0
    for n in (c, py, twin):
        assert evidence(n)["count"] == 0, (n.name, evidence(n))
