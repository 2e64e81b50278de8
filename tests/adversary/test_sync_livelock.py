"""Sync livelock (issue 12, critical): authenticated peers that announce a huge cumulative weight and answer every
get_blocks with blocks the node already has -- the genesis block 256 times, or the node's own canonical blocks --
must not keep a validator "syncing". Before the fix the node took a full batch of known blocks as a reason to ask
the same peer again at once, counted no block against the peer and stayed in the production gate: 0 blocks
sealed while the attack lasted. Bound: the attacked validator seals at least 80 % of its slots, every liar loses
score, and the genesis replayers (a protocol violation: duplicates at the wrong heights) are banned."""
import time

import pytest

from hostile_peer import (HUGE, NO_RATE_LIMIT, Node, ScriptedPeer, fetch_blocks, keygen, kill_nodes,
                          liar_genesis_replay, liar_known_replay, make_genesis, metric, peers_by_key, produced)

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
