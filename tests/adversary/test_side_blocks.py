"""Side blocks from a validator key (issue 12): a byzantine validator (the test holds its key) re-seals old blocks
with other timestamps -- valid twins, i.e. double signing -- and sends many of them at many old heights. Before
the fix every one was stored (no bound on depth or count). Bounds: no side block is stored deeper than
max_reorg_depth (100) below the tip, at most 2 blocks per proposer per height are stored, the canonical chain does
not move, and the node keeps producing."""
import pytest

from hostile_peer import (block_from_wire, block_msg, fetch_blocks, key_from_file, mp_msg, mp_uint,
                          past_chain_validator, Peer, ref, resealed, tip)
from conftest import http

TWINS = 4       # twins sent per height (with the canonical block: 5 blocks by one proposer at one height)
DEPTHS = (150, 120, 101, 99, 60, 20, 5)
MAX_REORG = 100


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    net = past_chain_validator(tmp_path_factory.mktemp("adv-side"), 175, block_ms=500, chain_id=5555)
    n = net[0]
    n.key_file = n.key
    yield n
    net.kill()


def stored(n, h):
    return http("GET", f"{n.url}/v1/blocks/hash/{h}")[0] == 200


def test_side_blocks_are_bounded_by_depth_and_count(node):
    n = node
    key = key_from_file(n.key_file)
    top = tip(n)[0]
    canon = {}
    twins = {}
    for depth in DEPTHS:
        h = top - depth
        raw = fetch_blocks(n, h, 1)[0]
        b = block_from_wire(raw)
        canon[h] = ref.header_hash(b["header"]).hex()
        twins[h] = [resealed(b, key, dt) for dt in range(1, TWINS + 1)]
    p = Peer(n).handshake()
    try:
        for h, ts in twins.items():
            for t in ts:
                p.send(block_msg(t))
        p.send(mp_msg("ping", ("nonce", mp_uint(77))))
        assert p.recv_type("pong", timeout=20)["nonce"] == 77
    finally:
        p.close()
    counts = {}
    for h, ts in twins.items():
        counts[h] = sum(stored(n, ref.header_hash(t["header"]).hex()) for t in ts)
        assert n.get(f"/v1/blocks/{h}")["block_hash"] == canon[h], f"canonical block {h} changed"
    now = tip(n)[0]
    print("twins stored per depth below the tip:", {top - h: c for h, c in counts.items()})
    for h, c in counts.items():
        depth = now - (h - 1)  # from the twin's parent, as the node judges it
        if depth > MAX_REORG + 2:
            assert c == 0, f"{c} side blocks stored {top - h} below the tip"
        assert c <= 1, f"{c} twins stored at height {h}: more than 2 blocks of one proposer at one height"
    n.wait_height(now + 2, timeout=10)
