"""The cutover of Network B with the independent Python validator (issue 14 item 4; the operator procedures are
docs/OPERATIONS.md "Cutover and rollback"), the plan's table in our terms:

1. 1 Python + 2 C validators, every node in shadow mode (the C nodes compare with the Python validator, the
   Python validator with C validator c0);
2. the 3rd C validator is voted in (1+3);
3. the 4th C validator is voted in and the Python validator voted out in the same epoch (0+4); the Python node
   keeps running as an observer, so it still validates every block;
4. the 5th C validator is voted in (5);
5. rollback: C validator c1 is stopped, and the Python backup takes over its key by procedure F (old node
   stopped first, its sign_state.json carried over, start-up watch before sealing).

Transfers (coinjecture-cli send --wait, to a C node and to the Python node in turn) flow throughout. Asserted
across all of it, with tests/integration/test_cutover.py's checks: zero divergence (every running node's hash at
every height, GET /v1/parity on every node and implementation), no gap between block timestamps beyond one slot
plus one out-of-turn delay (plus scheduling tolerance), no committed block lost, every height validated by both
implementations (the Python node holds every block the C nodes hold; each side's shadow counters count matches
with the other), no double-sign evidence anywhere. 500 ms blocks and 10-block epochs keep it to a few minutes."""
import json
import os
import shutil
import threading
import time

import pytest

import harness as hz
from harness import ci

BLOCK_MS = 500
EPOCH = 10
JITTER_MS = 1000  # timer and scheduling jitter on a loaded 2-core machine
MAX_GAP_MS = BLOCK_MS + BLOCK_MS + JITTER_MS  # the in-turn slot missed: the next validator one block time later
NO_RATE_LIMIT = ["--set", "rate_limiter.enabled=false"]


def log(msg):
    print("[cutover-hybrid %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def vset(n):
    return [v["pubkey"] for v in n.get("/v1/validators")["validators"]]


def vote(n, action, pub):
    out = ci.run([ci.CLI, "--node", n.url, "vote", action, pub]).stdout
    assert "added" in out or "already" in out, out


class Net:
    """The nodes, the keys, the committed ledger, parity records of stopped nodes and the transfer sender."""

    def __init__(self, tmp):
        hz.need_c_build()
        self.tmp = tmp
        self.keys = [tmp / ("v%d.key" % i) for i in range(6)]
        self.pubs = [ci.keygen(k) for k in self.keys]
        self.alice, self.bob = tmp / "alice.key", tmp / "bob.key"
        ci.keygen(self.alice)
        self.bob_pub = ci.keygen(self.bob)
        self.genesis = tmp / "genesis.json"
        ci.run([ci.CLI, "genesis", "--out", str(self.genesis), "--block-time", "%dms" % BLOCK_MS, "--epoch-length",
                str(EPOCH), "--network", "cutover-hybrid", "--chain-id", "4749", "--genesis-time",
                str(int(time.time()) + 2), "--alloc", "%s=1000000000000000" % self.alice] +
               sum((["--validator", str(k)] for k in self.keys[:3]), []))
        self.nodes = {}
        self.committed = {}
        self.parity_log = []
        self.lock = threading.Lock()  # held by the sender around each transfer, and by the test around a stop
        self.targets = []
        self.sent = []  # (amount, node name, phase)
        self.failures = []
        self.phase = "1+2"
        self.stopping = threading.Event()
        self.sender = None

    def running(self):
        return [n for n in self.nodes.values() if n.proc is not None]

    def c_running(self):
        return [n for n in self.running() if not isinstance(n, hz.PyNode)]

    def shadow(self, compare_with):
        return ["--set", "consensus.shadow_mode.enabled=true",
                "--set", "consensus.shadow_mode.compare_with_validator=%s" % compare_with]

    def add_c(self, name, key_index, node_key=None):
        n = ci.Node(self.tmp, self.genesis, self.keys[key_index], name=name)
        n.extra = NO_RATE_LIMIT + self.shadow(self.pubs[0])  # every C node watches the Python validator
        if node_key is not None:
            n.extra += ["--set", "p2p.node_key=%s" % node_key]
        peers = self.running()
        if peers:
            n.extra += ["--peers", hz.peers_arg(peers)]
        self.nodes[name] = n
        return n

    def join(self, name, key_index, voters, votes, want):
        """A C validator starts as an observer, syncs, and the voters cast `votes` ((action, pubkey) pairs) until
        every C node shows the set `want`; returns the node."""
        n = self.add_c(name, key_index)
        n.start()
        wait_synced(self.running())
        for v in voters:
            for action, pub in votes:
                vote(v, action, pub)
        wait_c_set(self, want)
        return n

    def stop(self, n):
        with self.lock:  # no transfer in flight to it
            self.targets = [t for t in self.targets if t is not n]
            self.parity_log.append((n.name, n.get("/v1/parity")))
            assert n.stop() == 0, "%s did not stop cleanly" % n.name

    def record(self, depth=2):
        """Every running node (both implementations) has the same hash at every height up to min(tips) - depth;
        the agreed heights go into the committed ledger, which never changes."""
        nodes = self.running()

        def agree():
            top = min(ci.tip(n)[0] for n in nodes) - depth
            for h in range(1, top + 1):
                if h in self.committed and h < top - 20:
                    continue
                hashes = {ci.block_hash(n, h) for n in nodes}
                if len(hashes) != 1 or None in hashes:
                    return None
                hs = hashes.pop()
                assert self.committed.setdefault(h, hs) == hs, "committed block %d changed" % h
            return top
        return ci.wait_for(agree, 30, "all running nodes agree on every height below their tips", interval=0.3)

    def check_parity(self):
        for n in self.running():
            p = n.get("/v1/parity")
            assert p["enabled"] is True, "%s: shadow mode off: %s" % (n.name, p)
            assert p["drifts"] == 0, "%s: HASH DIVERGENCE: %s" % (n.name, p["last_divergences"])
            assert p["backend"]["drifts"] == 0 and p["backend"]["errors"] == 0, "%s: %s" % (n.name, p["backend"])
            ev = n.get("/v1/evidence")
            assert ev["count"] == 0 and ev["evidence"] == [], "%s: double sign: %s" % (n.name, ev)

    def send_loop(self):
        """Transfers, one at a time, each confirmed before the next, to the target nodes in turn."""
        i = 0
        while not self.stopping.is_set():
            with self.lock:
                if self.targets:
                    n = self.targets[i % len(self.targets)]
                    amount = 1000 + len(self.sent)
                    r = ci.run([ci.CLI, "--node", n.url, "send", "--key", str(self.alice), "--to", self.bob_pub,
                                "--amount", str(amount), "--wait"], check=False, timeout=90)
                    if r.returncode == 0:
                        self.sent.append((amount, n.name, self.phase))
                    else:
                        self.failures.append((n.name, self.phase, r.stdout[-300:] + r.stderr[-300:]))
                    i += 1
            time.sleep(0.2)

    def dump_logs(self):
        for n in self.nodes.values():
            try:
                print("---- %s log tail ----\n%s" % (n.name, n.read_log()[-4000:]))
            except OSError:
                pass

    def kill_all(self):
        self.stopping.set()
        if self.sender is not None:
            self.sender.join(120)
        ci.kill_nodes([n for n in self.nodes.values() if n.proc is not None])


def wait_c_set(net, want, timeout=60):
    def ok():
        nodes = net.c_running()
        if not ci.same_tip(nodes):
            return None
        sets = {tuple(vset(n)) for n in nodes}
        return sets == {tuple(want)}
    ci.wait_for(ok, timeout, "validator set %s on every C node" % [p[:8] for p in want], interval=0.2)


def wait_synced(nodes, timeout=40):
    ci.wait_for(lambda: ci.same_tip(nodes), timeout, "%s on one tip" % [n.name for n in nodes], interval=0.1)


def produced(n):
    return int(ci.status(n)["stats"]["blocks_produced"])


@pytest.fixture
def net(tmp_path):
    n = Net(tmp_path)
    try:
        yield n
    except BaseException:
        n.dump_logs()
        raise
    finally:
        n.kill_all()


def test_cutover_hybrid_python_and_c(net):
    pubs, keys = net.pubs, net.keys
    t0 = time.time()
    # 1. genesis validators: the Python validator (key 0) and C validators c0 (key 1), c1 (key 2), shadow mode on
    # both sides. The Python node's P2P identity is its validator key and c0's is its own, so each side's peer
    # parity hears the other's status announcements for every height (docs/SHADOW.md "Peer parity").
    c0 = net.add_c("c0", 1, node_key=keys[1])
    c1 = net.add_c("c1", 2)
    py = hz.PyNode(net.tmp, net.genesis, keys[0], name="py")
    py.extra = ["--p2p-node-key", str(keys[0])] + net.shadow(pubs[1])
    net.nodes["py"] = py
    c1.extra += ["--peers", hz.peers_arg([c0])]
    py.extra += ["--peers", hz.peers_arg([c0, c1])]
    for n in (c0, c1, py):
        n.start(wait=False)
    for n in (c0, c1, py):
        n.wait_healthy()
    formed = ci.wait_for(lambda: ci.same_tip([c0, c1, py], 1), 60, "1+2 on one tip", interval=0.1)[0]
    st = ci.status(py)
    assert st["node"]["implementation"] == "python" and st["consensus"]["is_validator"] is True
    net.targets = [c0, py]
    net.sender = threading.Thread(target=net.send_loop, daemon=True)
    net.sender.start()
    wait_synced([c0, c1, py], 60)
    ci.wait_for(lambda: ci.same_tip([c0, c1, py], 2 * EPOCH + 5), 60, "1+2 past two epochs", interval=0.2)
    assert produced(py) > 0, "the Python validator sealed nothing"
    st = ci.status(py)["node"]
    assert st["sealing"] is True and st["sealing_blocked"] is None, st
    assert vset(c0) == pubs[:3]
    net.record()
    net.check_parity()
    log("phase 1+2 ok at height %d" % ci.tip(c0)[0])

    # 2. the 3rd C validator (key 3) starts as an observer, syncs and is voted in by 2 of 3 (1+3)
    net.phase = "1+3"
    c2 = net.join("c2", 3, (c0, c1), [("add", pubs[3])], pubs[:4])
    ci.wait_for(lambda: ci.status(py)["consensus"]["validator_count"] == 4, 20, "the Python node sees 4 validators")
    ci.wait_for(lambda: produced(c2) > 0, 40, "c2 sealing")
    net.record()
    net.check_parity()
    log("phase 1+3 ok at height %d" % ci.tip(c0)[0])

    # 3. the 4th C validator (key 4) in and the Python validator out, both voted by 3 of 4 C/Python validators
    # in one epoch (0+4); the Python node keeps running as an observer and keeps validating every block
    net.phase = "0+4"
    net.join("c3", 4, (c0, c1, c2), [("add", pubs[4]), ("remove", pubs[0])], pubs[1:5])
    h_out = ci.tip(c0)[0]
    ci.wait_for(lambda: ci.status(py)["consensus"]["is_validator"] is False, 20, "the Python node out of the set")
    st = ci.status(py)["node"]
    assert st["sealing"] is False and st["sealing_blocked"] is None, st  # an observer now
    ci.wait_for(lambda: ci.same_tip(net.running(), h_out + EPOCH), 60, "0+4 goes on", interval=0.2)
    for h in range(h_out + 1, h_out + EPOCH):
        assert ci.block(c0, h)["proposer"] != pubs[0], "the Python validator sealed block %d after it left" % h
    net.record()
    net.check_parity()
    log("phase 0+4 ok at height %d" % ci.tip(c0)[0])

    # 4. the 5th C validator (key 5) voted in by 3 of 4 (5)
    net.phase = "5"
    c4 = net.join("c4", 5, (c0, c1, c2), [("add", pubs[5])], pubs[1:6])
    ci.wait_for(lambda: produced(c4) > 0, 40, "c4 sealing")
    net.record()
    net.check_parity()
    log("phase 5 ok at height %d" % ci.tip(c0)[0])

    # 5. rollback by procedure F: c1 (key 2) is stopped first and stays down; the Python backup (the observer's
    # machine, synced) is stopped, gets c1's sign_state.json and key, and starts on that key
    net.phase = "rollback"
    c1_sign = open(os.path.join(c1.data_dir, "sign_state.json")).read()
    net.stop(c1)
    c1_sign_stopped = open(os.path.join(c1.data_dir, "sign_state.json")).read()
    c1_rec = json.loads(c1_sign_stopped)
    assert c1_rec["format"] == 1 and c1_rec["height"] >= json.loads(c1_sign)["height"] > 0
    assert ci.block_hash(c0, c1_rec["height"]) == c1_rec["hash"], "c1's sign-state names a block it did not seal"
    net.stop(py)
    shutil.copyfile(os.path.join(c1.data_dir, "sign_state.json"), os.path.join(py.data_dir, "sign_state.json"))
    py.key = keys[2]
    py.extra = ["--p2p-node-key", str(keys[0])] + net.shadow(pubs[1]) + ["--peers", hz.peers_arg(net.running())]
    h_stop = ci.tip(c0)[0]
    py.start()
    st = ci.status(py)["node"]
    assert st["pubkey"] == pubs[2] and st["sealing"] is False, st
    assert st["sealing_blocked"].startswith("start-up watch"), st  # (5 + 1) x 500 ms before it may seal
    ci.wait_for(lambda: produced(py) > 0, 60, "the Python backup sealing with c1's key")
    with net.lock:
        net.targets = [c0, py]
    ci.wait_for(lambda: ci.same_tip(net.running(), h_stop + 2 * EPOCH), 60, "the rollback network goes on",
                interval=0.2)
    assert "sign-state: last signed height %d" % c1_rec["height"] in py.read_log() or \
        "sign-state: raised from %d" % c1_rec["height"] in py.read_log()
    rec = json.loads(open(os.path.join(py.data_dir, "sign_state.json")).read())
    assert rec["height"] > c1_rec["height"] and ci.block(c0, rec["height"])["proposer"] == pubs[2], rec
    by_py = [h for h in range(h_stop + 1, ci.tip(c0)[0]) if ci.block(c0, h)["proposer"] == pubs[2]]
    assert by_py, "no block sealed with c1's key after the rollback"
    net.record()
    net.check_parity()
    log("rollback ok: the Python backup sealed %d blocks with c1's key by height %d" % (len(by_py), ci.tip(c0)[0]))

    # ---- across all of it ----
    net.stopping.set()
    net.sender.join(120)
    final = net.running()
    assert sorted(n.name for n in final) == ["c0", "c2", "c3", "c4", "py"]
    top = net.record()
    for h in range(0, top + 1):  # zero divergence at every height, both implementations
        hashes = {ci.block_hash(n, h) for n in final}
        assert len(hashes) == 1, "divergence at height %d: %s" % (h, hashes)
    for h, hs in sorted(net.committed.items()):  # no committed block lost
        if h <= top:
            assert ci.block_hash(c0, h) == hs, "committed block %d lost" % h
    assert len(net.committed) >= top - 2
    # every height validated by both implementations: the Python node holds all of them and rejected none of
    # the C nodes' blocks; each side counted matches with the other in its shadow mode
    assert ci.status(py)["stats"]["blocks_rejected"] == 0
    for n in final:
        net.parity_log.append((n.name, n.get("/v1/parity")))
    for name, p in net.parity_log:
        assert p["drifts"] == 0, "%s: %s" % (name, p["last_divergences"])
    py_matches = sum(p["peer"]["matches"] for name, p in net.parity_log if name == "py")
    c0_matches = [p["peer"]["matches"] for name, p in net.parity_log if name == "c0"][-1]
    c_matches = {name: p["peer"]["matches"] for name, p in net.parity_log if name != "py"}
    log("peer parity matches: Python (with c0) %d, C nodes (with the Python node) %s, over %d heights" %
        (py_matches, c_matches, top))
    assert py_matches >= 3 * top // 4, "the Python validator compared %d of %d heights with C" % (py_matches, top)
    assert c0_matches >= 3 * top // 4, "c0 compared %d of %d heights with the Python node" % (c0_matches, top)
    assert all(m > 0 for m in c_matches.values()), c_matches
    # transfers flowed throughout, through both implementations, all confirmed on every node
    assert not net.failures, net.failures
    phases = {ph for (_, _, ph) in net.sent}
    assert phases == {"1+2", "1+3", "0+4", "5", "rollback"}, phases
    assert {name for (_, name, _) in net.sent} >= {"c0", "py"}
    total = sum(a for (a, _, _) in net.sent)
    balances = {n.name: int(n.get("/v1/accounts/%s" % net.bob_pub)["balance"]) for n in final}
    assert set(balances.values()) == {total}, (balances, total)
    # no stall: gaps between consecutive block timestamps from the moment the 1+2 network formed
    ts = [ci.block(c0, h)["header"]["timestamp"] for h in range(formed, top + 1)]
    gaps = sorted(((b - a, formed + i + 1) for i, (a, b) in enumerate(zip(ts, ts[1:]))), reverse=True)
    log("%d blocks, %d transfers in %.0f s; largest gaps (ms, at height): %s (bound %d ms)" %
        (top, len(net.sent), time.time() - t0, gaps[:5], MAX_GAP_MS))
    assert gaps[0][0] <= MAX_GAP_MS, "stall: %d ms between two blocks at height %d" % gaps[0]
