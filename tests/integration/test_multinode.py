"""Several real coinjectured processes talking P2P on loopback (docs/P2P.md; original-node.md §9):
3 validators agree on height and tip, each produces its share, an observer follows without producing, a
transaction load leaves every node on the same chain, a validator killed with SIGKILL rejoins, a partition
heals to one chain, a late joiner syncs more than 1,000 blocks, and misbehaving peers (an independent
Python implementation of the handshake and session) are disconnected and banned while the network keeps
producing. Everything polls the HTTP API; no fixed sleeps where polling works."""
import glob
import json
import os
import random
import socket
import struct
import time

import pytest

import cjnet
from conftest import CLI, Node, block, block_hash, free_port, http, keygen, kill_nodes, metric, run, same_tip, status, tip, wait_for
from p2p_peer import Peer as PyPeer, mp_bin, mp_msg, mp_uint  # the shared independent P2P implementation

NO_RATE_LIMIT = ["--set", "rate_limiter.enabled=false"]  # the tests poll far above 100 requests/s


# ---------------------------------------------------------------------------------------------------------
# polling helpers


def agree_below_tip(nodes, depth, min_height=0):
    """Height h = min(heights) - depth if every node has the same block there (tips move on fast chains)."""
    h = min(tip(n)[0] for n in nodes) - depth
    if h < max(min_height, 1):
        return None
    hashes = {block_hash(n, h) for n in nodes}
    return h if len(hashes) == 1 and None not in hashes else None


def proposers(n, lo, hi):
    """Canonical proposer public key per height in [lo, hi]."""
    return [block(n, h)["proposer"] for h in range(lo, hi + 1)]


def kill9(n):
    n.proc.kill()
    n.proc.wait()
    n.proc = None
    n.log.close()


def set_peers(n, others, isolated_port=None):
    """Static peers for the next start (and optionally another P2P port, to cut the node off)."""
    n.extra = [a for a in n.extra if not a.startswith("--peers") and not a.startswith("127.0.0.1:")]
    if isolated_port is not None:
        n.p2p_port = isolated_port
    if others:
        n.extra += ["--peers", ",".join(f"127.0.0.1:{o.p2p_port}" for o in others)]


def make_genesis(path, validators, allocs=(), chain_id=4343, **kw):
    """A genesis file for the given validator key files (cjnet.make_genesis on this suite's network name)."""
    cjnet.make_genesis(path, validators, allocs, chain_id=chain_id, network="multinode", **kw)


# ---------------------------------------------------------------------------------------------------------
# the shared network: 3 validators + 1 observer, 500 ms blocks, 10 funded accounts


class Network:
    def __init__(self, tmp):
        self.tmp = tmp
        self.vkeys = [tmp / f"v{i}.key" for i in range(3)]
        self.vpubs = [keygen(k) for k in self.vkeys]
        self.ukeys = [tmp / f"user{i}.key" for i in range(10)]
        self.upubs = [keygen(k) for k in self.ukeys]
        self.genesis = tmp / "genesis.json"
        make_genesis(self.genesis, self.vkeys, [(k, 10**12) for k in self.ukeys])
        self.validators = [Node(tmp, self.genesis, self.vkeys[i], NO_RATE_LIMIT, name=f"v{i}") for i in range(3)]
        self.observer = Node(tmp, self.genesis, None, NO_RATE_LIMIT, name="observer")
        for i, v in enumerate(self.validators):
            set_peers(v, [o for o in self.validators if o is not v])
        set_peers(self.observer, self.validators[:2])
        self.nonces = [0] * len(self.ukeys)

    @property
    def all(self):
        return self.validators + [self.observer]

    def stop(self):
        kill_nodes(self.all)


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    net = Network(tmp_path_factory.mktemp("multinode"))
    try:
        for v in net.validators:
            v.start(wait=False)
        for v in net.validators:
            v.wait_healthy()
        yield net
    except BaseException:
        for n in net.all:
            if n.proc is not None:
                print(f"---- {n.name} log tail ----\n" + n.read_log()[-4000:])
        raise
    finally:
        net.stop()


def test_three_validators_agree(network):
    vs = network.validators
    wait_for(lambda: all(status(v)["peers"] >= 2 for v in vs), 20, "every validator connected to the other two")
    h, tip_hash = wait_for(lambda: same_tip(vs, 6), 40, "3 validators on one tip at height >= 6")
    for v in vs:
        assert block_hash(v, h) == tip_hash
        assert status(v)["consensus"]["is_validator"] is True
    # the whole prefix is identical, not just the tip
    for hh in range(1, h + 1):
        assert len({block_hash(v, hh) for v in vs}) == 1, f"height {hh} differs"


def test_each_validator_produces_its_share(network):
    vs = network.validators
    wait_for(lambda: min(tip(v)[0] for v in vs) >= 15, 30, "height 15")
    h = wait_for(lambda: agree_below_tip(vs, 1, 15), 20, "agreement below the tip")
    counts = {pk: 0 for pk in network.vpubs}
    for pk in proposers(vs[0], 1, h):
        counts[pk] += 1
    assert all(c >= 3 for c in counts.values()), counts
    for v in vs:
        assert metric(v, "coinjecture_blocks_produced_total") >= 3
        assert metric(v, "coinjecture_peers") >= 2


def test_observer_follows_and_produces_nothing(network):
    obs = network.observer
    obs.start()
    st = status(obs)
    assert st["consensus"]["is_validator"] is False and st["node"]["pubkey"] is None
    target = tip(network.validators[0])[0]
    wait_for(lambda: tip(obs)[0] >= target, 30, f"observer reaches height {target}")
    h = wait_for(lambda: agree_below_tip(network.all, 1, target), 20, "observer agrees with the validators")
    assert h >= target - 1
    wait_for(lambda: same_tip(network.all), 20, "all four nodes on one tip")
    assert metric(obs, "coinjecture_blocks_produced_total") == 0
    assert status(obs)["stats"]["blocks_produced"] == 0
    assert os.path.exists(os.path.join(obs.data_dir, "p2p_node.key"))  # persistent observer identity
    # proposers at every height are validators
    assert set(proposers(obs, 1, h)) <= set(network.vpubs)


def test_transaction_load_all_nodes_agree(network):
    nodes = network.all
    rnd = random.Random(7)
    hashes = []
    t_end = time.time() + 6
    while time.time() < t_end:  # about 10 tx/s from 10 senders into random nodes' mempools
        i = rnd.randrange(len(network.ukeys))
        j = (i + 1 + rnd.randrange(len(network.ukeys) - 1)) % len(network.ukeys)
        target = rnd.choice(nodes)
        out = run([CLI, "--json", "--node", target.url, "send", "--key", str(network.ukeys[i]), "--to",
                   network.upubs[j], "--amount", str(1 + rnd.randrange(1000)), "--gas-price", "10", "--nonce",
                   str(network.nonces[i])])
        network.nonces[i] += 1
        hashes.append(json.loads(out.stdout)["tx_hash"])
        time.sleep(0.05)
    assert len(hashes) >= 30

    def all_confirmed():
        for n in nodes:
            for th in hashes:
                st, body, _ = http("GET", f"{n.url}/v1/transactions/{th}")
                if st != 200 or json.loads(body).get("block_height") is None:
                    return False
        return True

    wait_for(all_confirmed, 60, "every transaction confirmed on every node", interval=0.3)
    wait_for(lambda: same_tip(nodes), 20, "one tip under load")
    heights = {}
    for th in hashes:
        got = {json.loads(http("GET", f"{n.url}/v1/transactions/{th}")[1])["block_height"] for n in nodes}
        assert len(got) == 1, f"{th} confirmed at different heights {got}"
        heights[th] = got.pop()
    for pk, nonce in zip(network.upubs, network.nonces):
        accts = [n.get(f"/v1/accounts/{pk}") for n in nodes]
        assert len({(a["balance"], a["nonce"]) for a in accts}) == 1
        assert accts[0]["nonce"] == nonce
    # transactions were relayed: blocks of several proposers carry them
    assert len(set(heights.values())) >= 2


def test_validator_killed_with_sigkill_rejoins(network):
    v0, v1, v2 = network.validators
    kill9(v2)
    h0 = tip(v0)[0]
    # the other two keep the chain going (v2's slots are filled out of turn)
    wait_for(lambda: min(tip(v0)[0], tip(v1)[0]) >= h0 + 4, 20, "the chain goes on without v2")
    v2.start()
    restart_height = tip(v0)[0]
    wait_for(lambda: same_tip(network.all, restart_height), 40, "v2 back on the common tip")

    def v2_proposed_again():
        h = agree_below_tip(network.all, 1, restart_height + 1)
        return h and network.vpubs[2] in proposers(v0, restart_height + 1, h)

    wait_for(v2_proposed_again, 30, "a block by the restarted v2 on the common chain", interval=0.3)


def test_partition_heals_to_one_chain(network):
    v0, v1, v2 = network.validators
    # cut v2 off: restart it on another P2P port with no peers (the others keep dialing the old port)
    assert v2.stop() == 0  # clean shutdown with live connections
    old_port = v2.p2p_port
    set_peers(v2, [], isolated_port=free_port())
    v2.start()
    split = tip(v2)[0]
    wait_for(lambda: tip(v2)[0] >= split + 4 and tip(v0)[0] >= split + 4, 30, "both sides grow apart")
    assert block_hash(v2, split + 3) != block_hash(v0, split + 3), "no fork during the partition"
    assert status(v2)["peers"] == 0
    # heal: back on its port with its peers
    assert v2.stop() == 0
    v2.p2p_port = old_port
    set_peers(v2, [v0, v1])
    v2.start()
    wait_for(lambda: same_tip(network.all, split + 4), 40, "one chain after the partition")
    assert block_hash(v2, split + 3) == block_hash(v0, split + 3)
    assert status(v2)["stats"]["reorgs"] >= 1 or status(v0)["stats"]["reorgs"] >= 1


def test_misbehaving_peers_are_banned_while_the_network_produces(network):
    v0 = network.validators[0]
    h_start = tip(v0)[0]
    bans0 = metric(v0, "coinjecture_p2p_bans_total")

    # a well-behaved Python peer: status after the handshake, ping answered
    good = PyPeer(v0).handshake()
    st = good.recv_type("status")
    assert st["height"] >= h_start - 1 and len(st["best"]) == 32
    good.send(mp_msg("ping", ("nonce", mp_uint(424242))))
    assert good.recv_type("pong")["nonce"] == 424242
    # range sync from the node: blocks 1..3 of its canonical chain
    good.send(mp_msg("get_blocks", ("from", mp_uint(1)), ("count", mp_uint(3))))
    blocks = good.recv_type("blocks")
    assert blocks["from"] == 1 and len(blocks["blocks"]) == 3
    good.close()

    # malformed messages (valid AEAD, not a message): -50 each, banned at 0
    bad = PyPeer(v0).handshake()
    bad.send(b"\x81\xa4type")
    bad.send(b"\x92\x01\x02")
    assert bad.closed_by_node(), "node kept a peer that sent two malformed messages"
    bad.close()
    # the same key is refused after the hellos while the ban lasts
    again = PyPeer(v0, sk=bad.sk)
    again.hello()
    assert again.closed_by_node(), "banned key was let in again"
    again.close()

    # invalid blocks: -50 each
    inv = PyPeer(v0).handshake()
    for _ in range(2):
        inv.send(mp_msg("block", ("block", mp_bin(os.urandom(200)))))
    assert inv.closed_by_node(), "node kept a peer that sent invalid blocks"
    inv.close()

    # oversize frame after the handshake: closed before the body is read (-100)
    big = PyPeer(v0).handshake()
    big.sock.sendall(struct.pack(">I", 0xFFFFFFF0))
    assert big.closed_by_node()
    big.close()
    # and before the handshake (no hello yet)
    s = socket.create_connection(("127.0.0.1", v0.p2p_port), timeout=10)
    s.sendall(struct.pack(">I", 1 << 30) + b"x" * 100)
    s.settimeout(10)
    try:
        while s.recv(65536):
            pass
    except ConnectionResetError:
        pass
    s.close()
    # a wrong chain id is refused at the hello
    wrong = PyPeer(v0)
    wrong.chain_id += 1
    try:
        wrong.hello()
        refused = wrong.closed_by_node()
    except (ConnectionError, AssertionError):
        refused = True
    assert refused
    wrong.close()

    assert metric(v0, "coinjecture_p2p_bans_total") >= bans0 + 3
    text = http("GET", v0.url + "/metrics")[1].decode()
    assert 'coinjecture_p2p_messages_total{type="ping"}' in text
    # the network kept producing and still agrees; the real peers were not banned
    wait_for(lambda: same_tip(network.all, h_start + 3), 30, "network still producing and agreeing")
    assert status(v0)["peers"] >= 2


# ---------------------------------------------------------------------------------------------------------
# late joiner: 2 validators, 100 ms blocks; the early one builds 1,050 blocks alone with its clock running
# 10 times fast from 400 s in the past (libfaketime), so the chain exists at once and lies in the past


FAKETIME_LIB = next(iter(sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))), None)


@pytest.mark.skipif(FAKETIME_LIB is None, reason="libfaketime (Debian package faketime) missing")
def test_late_joiner_syncs_over_1000_blocks(tmp_path):
    keys = [tmp_path / "a.key", tmp_path / "b.key"]
    pubs = [keygen(k) for k in keys]
    genesis = tmp_path / "genesis.json"
    make_genesis(genesis, keys, block_time="100ms", chain_id=4444, genesis_time=int(time.time()) - 400)
    # time passes between blocks (docs/CHAIN.md §3): 1,050 blocks of 100 ms take 105 s of the builder's clock
    fast = dict(os.environ, LD_PRELOAD=FAKETIME_LIB, FAKETIME="-400s x10")
    a = Node(tmp_path, genesis, keys[0], NO_RATE_LIMIT, env=fast, name="early")
    b = Node(tmp_path, genesis, keys[1], NO_RATE_LIMIT, name="late")
    set_peers(a, [b])
    set_peers(b, [a])
    try:
        a.start()  # alone: seals every height itself (in turn and out of turn)
        # (each sealed block also fsyncs the sign-state, docs/OPERATIONS.md: ~3 ms per block here)
        wait_for(lambda: tip(a)[0] >= 1050, 90, "the early validator builds 1,050 blocks", interval=0.1)
        a.stop()
        a.env = None
        a.start()  # the same data dir, on the real clock now
        join = tip(a)[0]
        top = block(a, join)
        assert int(top.get("header", top)["timestamp"]) <= time.time() * 1000, "the built chain is not in the past"
        t0 = time.time()
        b.start()
        wait_for(lambda: tip(b)[0] >= join, 60, f"the late joiner reaches height {join}", interval=0.1)
        sync_s = time.time() - t0
        assert block_hash(b, 1000) == block_hash(a, 1000)
        assert block_hash(b, join) == block_hash(a, join)
        # it then takes its turns: a block of b's on a's chain above the join height
        def b_produces():
            h = agree_below_tip([a, b], 3, join + 1)
            return h and pubs[1] in proposers(a, max(join + 1, h - 40), h)

        wait_for(b_produces, 30, "a block by the late joiner on the common chain", interval=0.3)
        assert metric(b, "coinjecture_blocks_received_total") >= join
        print(f"late joiner synced {join} blocks in {sync_s:.1f}s")
    finally:
        for n in (a, b):
            if n.proc is not None:
                n.proc.kill()
                n.proc.wait()
                n.log.close()


# ---------------------------------------------------------------------------------------------------------
# double signing: two nodes run the same validator key apart, a third node hears both


def test_double_sign_evidence_is_kept_counted_and_served(tmp_path):
    key = tmp_path / "twin.key"
    keygen(key)
    genesis = tmp_path / "genesis.json"
    make_genesis(genesis, [key], block_time="200ms", chain_id=4545)
    a = Node(tmp_path, genesis, key, NO_RATE_LIMIT, name="twin-a")
    b = Node(tmp_path, genesis, key, NO_RATE_LIMIT, name="twin-b")
    w = Node(tmp_path, genesis, None, NO_RATE_LIMIT, name="watcher")
    set_peers(w, [a, b])
    try:
        a.start()
        b.start()  # no peers: both seal their own blocks at the same heights with one key
        wait_for(lambda: tip(a)[0] >= 3 and tip(b)[0] >= 3, 20, "both twins produce")
        assert block_hash(a, 2) != block_hash(b, 2)
        w.start()
        wait_for(lambda: metric(w, "coinjecture_double_sign_evidence_total") >= 1, 30,
                 "double-sign evidence counted by the watcher")
        assert "double-sign evidence" in w.read_log()
        ev = w.get("/v1/evidence")
        assert ev["count"] >= 1 and len(ev["evidence"]) >= 1
        e = ev["evidence"][0]
        assert e["hash_a"] != e["hash_b"] and int(e["height"]) >= 1
        # both blocks of a pair can be looked up (the headers are kept)
        for hh in (e["hash_a"], e["hash_b"]):
            if e.get("source") != "p2p":
                assert w.get(f"/v1/blocks/hash/{hh}")["height"] == int(e["height"])
        # the watcher follows one of the two chains and produced nothing
        assert status(w)["stats"]["blocks_produced"] == 0
    finally:
        for n in (a, b, w):
            if n.proc is not None:
                n.proc.kill()
                n.proc.wait()
                n.log.close()


# ---------------------------------------------------------------------------------------------------------
# connection limits and liveness on a single validator


def single(tmp_path, extra=(), name="solo"):
    key = tmp_path / f"{name}.key"
    keygen(key)
    genesis = tmp_path / f"{name}-genesis.json"
    make_genesis(genesis, [key], block_time="300ms", chain_id=4646)
    return Node(tmp_path, genesis, key, NO_RATE_LIMIT + list(extra), name=name)


def test_max_peers_and_silent_peers(tmp_path):
    n = single(tmp_path, ["--set", "p2p.max_peers=2"])
    try:
        n.start()
        n.wait_height(1)
        quiet = PyPeer(n).handshake()  # authenticates, then never sends anything again
        mute = socket.create_connection(("127.0.0.1", n.p2p_port), timeout=5)  # never even says hello
        # both slots taken: a third connection is closed at once
        third = PyPeer(n)
        with pytest.raises((ConnectionError, OSError)):
            third.hello()
        third.close()
        # the mute one goes after the 10 s handshake timeout, the quiet one after 3 missed pings (15 s)
        mute.settimeout(20)
        try:
            while mute.recv(65536):  # the node's hello, then EOF
                pass
        except ConnectionResetError:
            pass
        mute.close()
        assert quiet.closed_by_node(timeout=25), "a silent peer was not dropped"
        quiet.close()
        log = n.read_log()
        assert "handshake timed out" in log and "silent for 3 ping intervals" in log
        # the slots are free again
        again = PyPeer(n).handshake()
        assert again.recv_type("status")["height"] >= 1
        again.close()
        assert n.proc.poll() is None and n.height() >= 5
    finally:
        if n.proc is not None:
            n.stop()


def test_p2p_accept_backoff_when_out_of_descriptors(tmp_path):
    n = single(tmp_path, ["--set", "p2p.max_peers=1000"], name="fdlimit")
    socks = []
    try:
        n.start(max_fds=48)
        n.wait_height(1)
        for _ in range(80):
            try:
                socks.append(socket.create_connection(("127.0.0.1", n.p2p_port), timeout=2))
            except OSError:
                break
        wait_for(lambda: "p2p: accept() failed" in n.read_log(), 10, "EMFILE on the P2P listener", interval=0.1)
        produced = n.read_log().count("produced block")
        wait_for(lambda: n.read_log().count("produced block") > produced + 2, 10, "production goes on",
                 interval=0.1)
        assert n.proc.poll() is None
    finally:
        for s in socks:
            s.close()
    # the pending connections go away; the listener accepts again and a real handshake succeeds
    def handshake_ok():
        p = PyPeer(n)
        try:
            p.handshake()
            return p.recv_type("status")["type"] == "status"
        finally:
            p.close()

    wait_for(handshake_ok, 20, "a handshake after the flood", interval=0.3)
    n.stop()
