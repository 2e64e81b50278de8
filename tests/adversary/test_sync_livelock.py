"""Sync livelock (issue 12, critical): authenticated peers that announce a huge cumulative weight and answer every
get_blocks with blocks the node already has -- the genesis block 256 times, or the node's own canonical blocks --
must not keep a validator "syncing". Before the fix the node took a full batch of known blocks as a reason to ask
the same peer again at once, counted no block against the peer and stayed in the production gate: 0 blocks
sealed while the attack lasted. Bound: the attacked validator seals at least 80 % of its slots, every liar loses
score, and the genesis replayers (a protocol violation: duplicates at the wrong heights) are banned."""
import time

import pytest

from hostile_peer import (HUGE, NO_RATE_LIMIT, Node, ScriptedPeer, fetch_blocks, keygen, kill_nodes,
                          liar_genesis_replay, liar_known_replay, make_genesis, metric, peers_by_key, produced,
                          wait_for)
from conftest import block_hash

BLOCK_S = 0.5
ATTACK_S = 10


@pytest.fixture(scope="module")
def solo(tmp_path_factory):
    d = tmp_path_factory.mktemp("adv-livelock")
    key = d / "v.key"
    keygen(key)
    g = d / "genesis.json"
    make_genesis(g, [key], block_time="500ms", chain_id=5151)
    n = Node(d, g, key, NO_RATE_LIMIT, name="v")
    n.start()
    n.wait_height(4)
    yield n
    kill_nodes([n])


def test_known_block_replay_does_not_stop_production(solo):
    n = solo
    h = n.height()
    chain = fetch_blocks(n, 0, h + 1)
    genesis = chain[0]
    bans0 = metric(n, "coinjecture_p2p_bans_total")
    liars = [ScriptedPeer(n, liar_genesis_replay(genesis), claim=(10 ** 9, b"\x01" * 32, HUGE)) for _ in range(2)]
    # claims a heavier branch at our height: the node looks 8 blocks back and gets only blocks it has
    liars.append(ScriptedPeer(n, liar_known_replay(chain), claim=(h, b"\x00" * 32, HUGE)))
    p0, t0 = produced(n), time.time()
    try:
        time.sleep(ATTACK_S)
        sealed = produced(n) - p0
        slots = (time.time() - t0) / BLOCK_S
        share = sealed / slots
        scores = peers_by_key(n)
        requests = [lr.requests for lr in liars]
        print(f"sealed {sealed:.0f} of {slots:.1f} slots ({share:.0%}); get_blocks to the liars: {requests}; "
              f"liars closed: {[lr.closed for lr in liars]}")
        assert share >= 0.8, f"sealed {sealed:.0f} of {slots:.1f} slots under the replay attack"
        for lr in liars:
            s = scores.get(lr.key_hex())
            assert lr.closed or (s is not None and s["score"] < 100), "a liar kept its full score"
        assert all(lr.closed for lr in liars[:2]), "the genesis replayers were not banned"
        assert metric(n, "coinjecture_p2p_bans_total") >= bans0 + 2
        assert sum(requests) < 50, f"{sum(requests)} get_blocks sent to the liars in {ATTACK_S} s"
    finally:
        for lr in liars:
            lr.close()
    assert n.proc.poll() is None


def test_replay_against_all_three_validators(tmp_path):
    """The issue's network-wide form: every validator of a 3-validator network gets its replaying liars at once.
    Each must still seal at least 80 % of its share of the slots."""
    keys = [tmp_path / f"v{i}.key" for i in range(3)]
    for k in keys:
        keygen(k)
    g = tmp_path / "genesis.json"
    make_genesis(g, keys, block_time="500ms", chain_id=5656)
    vs = [Node(tmp_path, g, keys[i], NO_RATE_LIMIT, name=f"v{i}") for i in range(3)]
    for i, v in enumerate(vs):
        v.extra += ["--peers", ",".join(f"127.0.0.1:{o.p2p_port}" for o in vs if o is not v)]
    liars = []
    try:
        for v in vs:
            v.start(wait=False)
        for v in vs:
            v.wait_healthy()
        wait_for(lambda: all(v.get("/v1/status")["peers"] >= 2 for v in vs) and min(v.height() for v in vs) >= 4,
                 30, "3 connected validators at height 4")
        h = vs[0].height()
        chain = fetch_blocks(vs[0], 0, h + 1)
        for v in vs:
            liars.append(ScriptedPeer(v, liar_genesis_replay(chain[0]), claim=(10 ** 9, b"\x01" * 32, HUGE)))
            liars.append(ScriptedPeer(v, liar_known_replay(chain), claim=(h, b"\x00" * 32, HUGE)))
        p0, t0 = [produced(v) for v in vs], time.time()
        time.sleep(ATTACK_S)
        share = (time.time() - t0) / BLOCK_S / 3
        sealed = [produced(v) - p for v, p in zip(vs, p0)]
        print(f"sealed {sealed} of a share of {share:.1f} slots each under the replay attack on all three")
        assert all(s >= 0.8 * share for s in sealed), f"sealed {sealed}, share {share:.1f} each"
        assert len({block_hash(v, min(x.height() for x in vs) - 1) for v in vs}) == 1, "the validators disagree"
    finally:
        for lr in liars:
            lr.close()
        kill_nodes(vs)
