"""Cutover and rollback of Network B as integration tests (DESIGN.md §5, §8; original-node.md §10; the operator
procedure is docs/OPERATIONS.md "Cutover and rollback"; the vote rules docs/CHAIN.md "Validator votes").

The plan's table (1 Python + 2 Go -> 1+3 -> 0+4 -> 5, rollback = stop a Go validator, start the Python one)
in our terms, where "old" = the reference crypto backend and "new" = the accelerated one:

1. three validators on mixed backends (v0, v1 reference; v2 accelerated), all in shadow mode;
2. a 4th and a 5th validator (accelerated) start as observers, sync, and are voted in (validator votes in
   sealed blocks, through the loopback admin API and the CLI);
3. the reference validators move to the accelerated backend one by one (restart on the same data dir);
4. one of them is rolled back to the reference backend;
5. v0 is voted out and stops;
6. v1 is stopped and a replacement with the same key and a copy of its data dir takes over (new ports).

Across all of it: zero divergence (GET /v1/parity on every node, block hashes compared across nodes at every
height, and `python -m coinjecture.parity --once` at the end), no gap between consecutive block timestamps
longer than one slot plus one out-of-turn delay (plus a scheduling tolerance for this shared machine), and
no committed block lost (every height all running nodes agreed on, 2 blocks below their tips, still has the
same hash at the end). 250 ms blocks and 10-block epochs keep the run to a couple of minutes."""
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import (BUILD, CLI, REPO, Node, block, block_hash, http, keygen, run, same_tip, status, tip,
                      wait_for)

BLOCK_MS = 250
EPOCH = 10
NO_RATE_LIMIT = ["--set", "rate_limiter.enabled=false"]
# Longest allowed gap between consecutive block timestamps: the in-turn slot missed, the next validator seals
# one block time later (the out-of-turn delay for k = 1), plus a tolerance for timer and scheduling jitter on
# a loaded 2-core machine shared with other builds.
JITTER_MS = 1000
MAX_GAP_MS = BLOCK_MS + BLOCK_MS + JITTER_MS
# A stopped validator stays down this long (an operator swapping binaries or backends): longer than one
# rotation of 5 validators, so its in-turn slots are really missed and filled out of turn.
OFFLINE_S = 1.5


# ---------------------------------------------------------------------------------------------------------
# helpers


def log(msg):
    print(f"[cutover {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def vset(n):
    """The validator set (public keys in schedule order) in force for n's next block."""
    return [v["pubkey"] for v in n.get("/v1/validators")["validators"]]


def sets_agree(nodes, want=None):
    """Every node reports the same set (and the same tip, so that they talk about the same height)."""
    if not same_tip(nodes):
        return None
    sets = [tuple(vset(n)) for n in nodes]
    if len(set(sets)) != 1 or (want is not None and list(sets[0]) != list(want)):
        return None
    return sets[0]


def vote(n, action, pubkey):
    """POST /v1/validators/votes on n (the test talks to 127.0.0.1: loopback, allowed)."""
    st, body, _ = http("POST", n.url + "/v1/validators/votes", json.dumps({"action": action, "pubkey": pubkey}),
                       {"Content-Type": "application/json"})
    assert st == 200, f"vote {action} on {n.name}: {st} {body!r}"
    return json.loads(body)


def parity(n):
    return n.get("/v1/parity")


def produced_since_start(n):
    return int(status(n)["stats"]["blocks_produced"])


class Cutover:
    """The network, its keys, the committed-block ledger and the parity records of stopped nodes."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.keys = [tmp / f"v{i}.key" for i in range(5)]
        self.pubs = [keygen(k) for k in self.keys]
        self.genesis = tmp / "genesis.json"
        run([CLI, "genesis", "--out", str(self.genesis), "--block-time", f"{BLOCK_MS}ms", "--epoch-length", str(EPOCH),
             "--network", "cutover", "--chain-id", "4747", "--genesis-time", str(int(time.time()) + 2)] +
            sum((["--validator", str(k)] for k in self.keys[:3]), []))
        self.nodes = {}        # name -> Node (running or not)
        self.committed = {}    # height -> hash every running node agreed on (2 below the tips)
        self.parity_log = []   # (node name, /v1/parity) taken before stopping a node and at the end

    def running(self):
        return [n for n in self.nodes.values() if n.proc is not None]

    def configure(self, n, backend, compare_with, peers):
        n.extra = NO_RATE_LIMIT + ["--crypto-backend", backend,
                                   "--set", "consensus.shadow_mode.enabled=true",
                                   "--set", f"consensus.shadow_mode.compare_with_validator={compare_with}"]
        if peers:
            n.extra += ["--peers", ",".join(f"127.0.0.1:{p.p2p_port}" for p in peers)]

    def add(self, name, key_index, backend, compare_with, peers):
        n = Node(self.tmp, self.genesis, self.keys[key_index], name=name)
        n.key_index = key_index
        self.configure(n, backend, compare_with, peers)
        self.nodes[name] = n
        return n

    def restart(self, n, backend, compare_with):
        """Clean stop, then the same data dir and key with another backend (peers: every running node)."""
        self.stop(n)
        time.sleep(OFFLINE_S)
        self.configure(n, backend, compare_with, self.running())
        n.start()
        st = status(n)
        assert st["crypto_backend"]["active"] == backend, st["crypto_backend"]

    def stop(self, n):
        p = parity(n)
        self.parity_log.append((n.name, p))
        assert n.stop() == 0, f"{n.name} did not stop cleanly"

    def record(self, depth=2):
        """Compares every running node's block hash at each height up to min(tips) - depth, and adds the
        agreed heights to the committed ledger. A difference there is a divergence (retried briefly: a reorg
        that deep would be one too)."""
        nodes = self.running()

        def agree():
            top = min(tip(n)[0] for n in nodes) - depth
            for h in range(1, top + 1):
                if h in self.committed and h < top - 20:
                    continue  # checked before; the final sweep compares every height again
                hashes = {block_hash(n, h) for n in nodes}
                if len(hashes) != 1 or None in hashes:
                    return None
                hs = hashes.pop()
                assert self.committed.setdefault(h, hs) == hs, f"committed block {h} changed"
            return top

        return wait_for(agree, 20, "all running nodes agree on every height below their tips", interval=0.2)

    def check_parity(self, nodes=None):
        for n in nodes or self.running():
            p = parity(n)
            assert p["enabled"] is True, f"{n.name}: shadow mode off: {p}"
            assert p["drifts"] == 0, f"{n.name}: HASH DIVERGENCE: {p['last_divergences']}"
            assert p["backend"]["drifts"] == 0 and p["backend"]["errors"] == 0, f"{n.name}: {p['backend']}"

    def dump_logs(self):
        for n in self.nodes.values():
            try:
                print(f"---- {n.name} log tail ----\n" + n.read_log()[-3000:])
            except OSError:
                pass

    def kill_all(self):
        for n in self.nodes.values():
            if n.proc is not None:
                n.proc.kill()
                n.proc.wait()
                n.log.close()
                n.proc = None


def wait_in_set(cut, nodes, pub, present, timeout=40):
    def ok():
        s = sets_agree(nodes)
        return s is not None and ((pub in s) == present)
    wait_for(ok, timeout, f"{pub[:12]} {'in' if present else 'out of'} the validator set on every node", interval=0.1)


def wait_produces(n, timeout=30):
    wait_for(lambda: produced_since_start(n) >= 1, timeout, f"{n.name} sealing blocks", interval=0.1)


# ---------------------------------------------------------------------------------------------------------
# the scenario


@pytest.fixture
def cut(tmp_path):
    c = Cutover(tmp_path)
    try:
        yield c
    except BaseException:
        c.dump_logs()
        raise
    finally:
        c.kill_all()


def test_cutover_and_rollback(cut):
    pubs = cut.pubs
    t0 = time.time()
    # 1. three validators, mixed backends, shadow mode (each compares with v2, v2 with v0)
    v0 = cut.add("v0", 0, "reference", pubs[2], [])
    v1 = cut.add("v1", 1, "reference", pubs[2], [])
    v2 = cut.add("v2", 2, "accelerated", pubs[0], [])
    cut.configure(v0, "reference", pubs[2], [v1, v2])
    cut.configure(v1, "reference", pubs[2], [v0, v2])
    cut.configure(v2, "accelerated", pubs[0], [v0, v1])
    for n in (v0, v1, v2):
        n.start(wait=False)
    for n in (v0, v1, v2):
        n.wait_healthy()
    formed = wait_for(lambda: same_tip([v0, v1, v2]), 40, "3 validators on one tip", interval=0.1)[0]
    wait_for(lambda: same_tip([v0, v1, v2], 2 * EPOCH + 5), 40, "3 validators past two epochs", interval=0.1)
    assert vset(v0) == pubs[:3]
    cut.record()
    cut.check_parity()
    for n in (v0, v1, v2):
        p = parity(n)
        assert p["backend"]["mode"] in ("cross-backend", "reference-streaming"), p["backend"]
        assert p["backend"]["blocks_checked"] > 0
    log(f"phase 1 (1+2 shadow) ok at height {tip(v0)[0]}")

    # 2a. v3 starts as an observer (its key is not a validator yet), syncs, and is voted in: first one vote
    # (1 of 3: pending, does not pass), then a second one through the CLI (2 of 3 > 3/2)
    v3 = cut.add("v3", 3, "accelerated", pubs[2], [v0, v1, v2])
    v3.start()
    wait_for(lambda: same_tip([v0, v1, v2, v3]), 30, "v3 synced", interval=0.1)
    assert status(v3)["consensus"]["is_validator"] is False
    r = vote(v0, "add", pubs[3])
    assert r["status"] == "added" and r["my_votes"][0]["pubkey"] == pubs[3]

    def pending_one_vote():
        for n in (v0, v1, v2, v3):
            props = n.get("/v1/validators")["proposals"]
            mine = [p for p in props if p["pubkey"] == pubs[3]]
            if not mine or mine[0]["votes"] != 1:
                return None
        return mine[0]

    prop = wait_for(pending_one_vote, 20, "the pending proposal to add v3 on every node", interval=0.05)
    assert prop["action"] == "add" and prop["voters"] == [pubs[0]] and prop["needed"] == 2
    assert prop["passes"] is False
    vals = v1.get("/v1/validators")
    assert vals["next_epoch_height"] % EPOCH == 0 and vals["votes_needed"] == 2
    out = run([CLI, "--node", v1.url, "vote", "add", pubs[3]]).stdout
    assert "added" in out
    listing = run([CLI, "--node", v1.url, "vote", "list"]).stdout
    assert pubs[3] in listing
    wait_in_set(cut, [v0, v1, v2, v3], pubs[3], True)
    assert vset(v3) == pubs[:4]
    assert status(v3)["consensus"]["is_validator"] is True
    wait_produces(v3)
    cut.record()
    cut.check_parity()
    log(f"phase 2a (1+3): v3 voted in, height {tip(v0)[0]}")

    # 2b. v4 the same way; 3 of 4 votes needed
    v4 = cut.add("v4", 4, "accelerated", pubs[2], [v0, v1, v2, v3])
    v4.start()
    wait_for(lambda: same_tip([v0, v1, v2, v3, v4]), 30, "v4 synced", interval=0.1)
    for n in (v0, v1, v2):
        vote(n, "add", pubs[4])
    wait_in_set(cut, cut.running(), pubs[4], True)
    assert vset(v4) == pubs[:5]
    wait_produces(v4)
    cut.record()
    cut.check_parity()
    log(f"phase 2b (5 validators) ok at height {tip(v0)[0]}")

    # 3. the reference validators move to the accelerated backend, one by one
    for n in (v0, v1):
        h = tip(v2)[0]
        cut.restart(n, "accelerated", pubs[2])
        wait_produces(n)
        wait_for(lambda: same_tip(cut.running(), h + 3), 30, f"{n.name} back on the common tip", interval=0.1)
        cut.record()
        cut.check_parity()
        log(f"phase 3: {n.name} on accelerated at height {tip(v2)[0]}")

    # 4. rollback: v1 goes back to the reference backend on the same data dir
    h = tip(v2)[0]
    cut.restart(v1, "reference", pubs[2])
    wait_produces(v1)
    wait_for(lambda: same_tip(cut.running(), h + 3), 30, "v1 (rolled back) on the common tip", interval=0.1)
    cut.record()
    cut.check_parity()
    log(f"phase 4: v1 rolled back to reference at height {tip(v2)[0]}")

    # 5. v0 (the first genesis validator) is voted out by 3 of 5, then stops
    for n in (v2, v3, v4):
        vote(n, "remove", pubs[0])
    wait_in_set(cut, cut.running(), pubs[0], False)
    assert vset(v2) == pubs[1:5]
    assert status(v0)["consensus"]["is_validator"] is False
    h_out = tip(v2)[0]
    cut.record()
    cut.stop(v0)
    wait_for(lambda: same_tip(cut.running(), h_out + 2 * EPOCH), 40, "the chain goes on without v0", interval=0.1)
    for h in range(h_out + 1, h_out + 2 * EPOCH):
        assert block(v2, h)["proposer"] != pubs[0], f"v0 sealed block {h} after it was voted out"
    cut.record()
    cut.check_parity()
    log(f"phase 5: v0 voted out and stopped, height {tip(v2)[0]}")

    # 6. v1 is stopped; a replacement with the same key and a copy of its data dir takes over elsewhere
    # (new ports, accelerated backend): the plan's 0+4
    cut.stop(v1)
    h_stop = tip(v2)[0]
    v1b = Node(cut.tmp, cut.genesis, cut.keys[1], name="v1b")
    shutil.rmtree(v1b.data_dir)
    shutil.copytree(v1.data_dir, v1b.data_dir)
    time.sleep(OFFLINE_S)
    cut.configure(v1b, "accelerated", pubs[2], [v2, v3, v4])
    cut.nodes["v1b"] = v1b
    v1b.start()
    wait_produces(v1b)
    wait_for(lambda: same_tip(cut.running(), h_stop + EPOCH), 40, "v1b on the common tip", interval=0.1)
    assert status(v1b)["node"]["pubkey"] == pubs[1]
    cut.record()
    cut.check_parity()
    log(f"phase 6: v1 replaced by v1b at height {tip(v2)[0]}")

    # ---- across all of it ----
    final = cut.running()
    assert sorted(n.name for n in final) == ["v1b", "v2", "v3", "v4"]
    wait_for(lambda: sets_agree(final, pubs[1:5]), 20, "the final set {v1, v2, v3, v4}")
    top = cut.record()
    # zero divergence: every height on every node, including ones the ledger skipped re-checking
    for h in range(0, top + 1):
        hashes = {block_hash(n, h) for n in final}
        assert len(hashes) == 1, f"divergence at height {h}: {hashes}"
    # no committed block lost
    for h, hs in sorted(cut.committed.items()):
        if h <= top:
            assert block_hash(v2, h) == hs, f"committed block {h} lost"
    assert len(cut.committed) >= top - 2
    # shadow mode on every node that ever ran: no drift, and peer parity did compare something
    for n in final:
        cut.parity_log.append((n.name, parity(n)))
    for name, p in cut.parity_log:
        assert p["drifts"] == 0, f"{name}: {p['last_divergences']}"
    assert any(p["peer"]["matches"] > 0 for _, p in cut.parity_log)
    # no stall: gaps between consecutive block timestamps, from the height where the three first validators
    # were first seen on one tip (before that they were starting and connecting: not part of the cutover)
    ts = [block(v2, h)["header"]["timestamp"] for h in range(formed, top + 1)]
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    worst = max(gaps)
    slow = sorted(((g, formed + i + 1) for i, g in enumerate(gaps)), reverse=True)[:5]
    log(f"largest gaps (ms, at height): {slow}")
    log(f"{top} blocks in {time.time() - t0:.0f} s; longest gap between block timestamps {worst} ms "
        f"(slot {BLOCK_MS} ms, bound {MAX_GAP_MS} ms)")
    assert worst <= MAX_GAP_MS, f"stall: {worst} ms between two blocks"
    # the external monitor agrees (every height, hashes recomputed with _core and the Python reference)
    env = dict(os.environ, PYTHONPATH=os.path.join(BUILD, "python"))
    probe = subprocess.run([sys.executable, "-c", "import coinjecture._core"], capture_output=True, env=env)
    if probe.returncode != 0:  # e.g. a sanitizer build: its extension needs the ASan runtime preloaded
        log("coinjecture._core does not load from this build: the monitor runs on the pure-Python reference")
        env["PYTHONPATH"] = os.path.join(REPO, "bindings", "python")
    mon = subprocess.run([sys.executable, "-m", "coinjecture.parity", "--once", "--quiet"] + [n.url for n in final],
                         capture_output=True, text=True, env=env, timeout=300, cwd=REPO)
    assert mon.returncode == 0, f"parity monitor: {mon.returncode}\n{mon.stdout[-3000:]}\n{mon.stderr[-3000:]}"


# ---------------------------------------------------------------------------------------------------------
# the admin vote API on one node


def non_loopback_ipv4():
    """This host's first non-loopback IPv4 address, or None."""
    import socket
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        ip = s.getsockname()[0]
        s.close()
        return None if ip.startswith("127.") else ip
    except OSError:
        return None


def test_vote_api_single_validator(tmp_path):
    k0, k1 = tmp_path / "a.key", tmp_path / "b.key"
    p0, p1 = keygen(k0), keygen(k1)
    genesis = tmp_path / "genesis.json"
    run([CLI, "genesis", "--out", str(genesis), "--validator", str(k0), "--block-time", "200ms", "--epoch-length", "4",
         "--network", "votes", "--chain-id", "4848"])
    n = Node(tmp_path, genesis, k0, NO_RATE_LIMIT + ["--api-host", "0.0.0.0"], name="solo")
    try:
        n.start()
        url = n.url + "/v1/validators/votes"
        hdr = {"Content-Type": "application/json"}
        st, body, _ = http("POST", url, '{"action":"add"}', hdr)
        assert st == 400, body
        st, body, _ = http("POST", url, json.dumps({"action": "promote", "pubkey": p1}), hdr)
        assert st == 400, body
        st, body, _ = http("POST", url, json.dumps({"action": "add", "pubkey": "00" * 32}), hdr)
        assert st == 400 and b"Ed25519" in body, body
        st, body, _ = http("POST", url, json.dumps({"action": "add", "pubkey": p0}), hdr)
        assert st == 409, body  # already a validator
        st, body, _ = http("POST", url, json.dumps({"action": "remove", "pubkey": p0}), hdr)
        assert st == 409, body  # the last validator
        st, body, _ = http("PUT", url, "{}", hdr)
        assert st == 405 and "DELETE" in _["Allow"], body
        ip = non_loopback_ipv4()
        if ip is not None:
            st, body, _ = http("POST", f"http://{ip}:{n.api_port}/v1/validators/votes",
                               json.dumps({"action": "add", "pubkey": p1}), hdr)
            assert st == 403, body
            st, body, _ = http("GET", f"http://{ip}:{n.api_port}/v1/validators/votes")
            assert st == 200, body  # reading is fine from anywhere
        # a real vote: one validator of one is a majority, the key joins at the next boundary
        r = vote(n, "add", p1)
        assert r["my_votes"] == [{"action": "add", "pubkey": p1, "cast_this_epoch": False, "satisfied": False}]

        def joined():
            v = n.get("/v1/validators")
            return v if [x["pubkey"] for x in v["validators"]] == [p0, p1] else None

        v = wait_for(joined, 20, "the voted key in the set")
        assert v["count"] == 2 and v["votes_needed"] == 2
        assert v["my_votes"][0]["satisfied"] is True
        # the block that carried the vote: 129-byte extra_data (state root, 01, key, seal)
        h = next(b for b in range(1, v["height"] + 1) if len(block(n, b)["header"]["extra_data"]) == 2 * 129)
        extra = block(n, h)["header"]["extra_data"]
        assert extra[64:66] == "01" and extra[66:130] == p1
        # withdraw, then withdraw again
        st, body, _ = http("DELETE", f"{url}?action=add&pubkey={p1}")
        assert st == 200 and json.loads(body)["my_votes"] == [], body
        st, body, _ = http("DELETE", f"{url}?action=add&pubkey={p1}")
        assert st == 404, body
        # the second validator is offline: the chain goes on with out-of-turn blocks, reported as missed
        h0 = n.height()
        n.wait_height(h0 + 8)
        v = n.get("/v1/validators")
        assert v["validators"][1]["missed"] > 0 and v["validators"][1]["last_seen_height"] is None
        assert v["validators"][0]["last_seen_height"] >= h0
    finally:
        if n.proc is not None:
            n.stop()
