"""Shadow mode of the Python validator, in process: a block sealed by the watched validator that the chain
rejects as invalid is a divergence at its height at once (docs/SHADOW.md "Invalid blocks of the watched
validator"), whatever its status messages do; forged seals and other sealers never count; one drift per height;
our hash is filled in when our block at that height arrives."""
import logging
import time
import types

from coinjecture_validator.codec import Block
from coinjecture_validator.hashing import H
from coinjecture_validator.shadow import Shadow, UNKNOWN
from test_chain import PKS, SEEDS, ch, mk, produce, slot  # noqa: F401 (mk is the chain fixture)

WATCHED = 1


def shadow_for(c, alert_command="", settle_blocks=2, settle_ms=30000, key=PKS[WATCHED]):
    return Shadow(types.SimpleNamespace(chain=c), True, key, True, False, alert_command, settle_blocks=settle_blocks,
                  settle_ms=settle_ms)


def refused(c, data):
    """Imports data, which the chain must refuse as invalid; returns (header, hash, verdict)."""
    r = c.import_block(data, now_ms=slot(c.height() + 1, 1) + 10)
    assert r.invalid, r
    return Block.decode(data).header, r.hash, r.status


def test_invalid_block_of_watched_validator(mk, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    c = mk()
    out = tmp_path / "alerts.txt"
    s = shadow_for(c, alert_command='echo "$COINJECTURE_DIVERGENCE_HEIGHT $COINJECTURE_DIVERGENCE_WHAT '
                   '$COINJECTURE_DIVERGENCE_OURS" >> %s' % out, settle_blocks=0, settle_ms=0)
    # height 1 is validator 1's turn; not the watched validator's blocks first: another sealer, a forged seal
    other = refused(c, produce(c, 0, fault=lambda h, r: bytes(32)))
    assert other[2] == "BAD_STATE_ROOT"
    assert not s.invalid_block(*other)
    forged_data, _ = ch.build_block(c, SEEDS[0], PKS[WATCHED], [], slot(1) + 5)
    forged = refused(c, forged_data)
    assert forged[0].miner_address == ch.address(PKS[WATCHED]) and forged[2] == "BAD_SEAL"
    assert not s.invalid_block(*forged)
    assert s.drifts == 0 and s.announcements == 0
    # the watched validator's block with a wrong state root: a drift at once, ours not known yet
    hd, theirs, verdict = refused(c, produce(c, WATCHED, fault=lambda h, r: bytes(32)))
    assert verdict == "BAD_STATE_ROOT"
    assert s.invalid_block(hd, theirs, verdict)
    assert s.drifts == 1 and not s.pending and s.announcements == 1 and s.validator_height == 1
    line = "HASH DIVERGENCE: block=1 ours=%s theirs=%s kind=peer what=invalid_block" % (UNKNOWN.hex(), theirs.hex())
    assert line in caplog.text
    assert "sealed by the watched validator is invalid here: BAD_STATE_ROOT" in caplog.text
    d = s.json()["last_divergences"]
    assert [(x["height"], x["kind"], x["what"], x["ours"], x["theirs"]) for x in d] == \
        [(1, "peer", "invalid_block", UNKNOWN.hex(), theirs.hex())]
    # one drift per height: the same block again, its status announcing it, another invalid block there
    assert not s.invalid_block(hd, theirs, verdict)
    s.announce(1, theirs)
    hd2, theirs2, _ = refused(c, produce(c, WATCHED, fault=lambda h, r: bytes([1]) * 32))
    assert theirs2 != theirs and not s.invalid_block(hd2, theirs2, "BAD_STATE_ROOT")
    assert s.drifts == 1 and not s.pending
    # our block at 1 (validator 0, later in its turn) completes the entry; nothing is counted again
    r = c.import_block(produce(c, 0), now_ms=slot(1, 1) + 10)
    assert r.status == "OK"
    s.evaluate()
    s.evaluate()
    assert s.drifts == 1 and not s.pending
    d = s.json()["last_divergences"]
    assert len(d) == 1 and d[0]["ours"] == r.hash.hex() and d[0]["theirs"] == theirs.hex()
    assert "parity: block=1 ours=%s completes the divergence" % r.hash.hex() in caplog.text
    assert s.json()["peer"]["drifts"] == 1 and s.json()["drifts"] == 1
    # ours known first: the entry carries it at once
    ok2 = c.import_block(produce(c, 0), now_ms=slot(2, 1) + 10)
    assert ok2.status == "OK"
    data = produce(c, WATCHED, fault=lambda h, r: bytes(32))  # a block at height 3 ...
    blk = Block.decode(data)
    r3 = c.import_block(data, now_ms=slot(3, 1) + 10)
    assert r3.status == "BAD_STATE_ROOT"
    assert s.invalid_block(blk.header, r3.hash, r3.status)
    assert s.json()["last_divergences"][0]["ours"] == UNKNOWN.hex()  # nothing canonical at 3 yet
    # the alert ran once per height, with ours = zeros (not known when it ran)
    deadline = time.time() + 20
    while time.time() < deadline and (not out.exists() or len(out.read_text().splitlines()) < 2):
        time.sleep(0.05)
    s.reap()
    assert out.read_text().splitlines() == ["1 invalid_block %s" % UNKNOWN.hex(), "3 invalid_block %s" % UNKNOWN.hex()]


def test_invalid_block_turns_pending_status_mismatch_into_the_drift(mk):
    c, c2 = mk("a"), mk("b")
    s = shadow_for(c)  # default settling: 2 blocks / 30 s
    d1 = produce(c, 1)
    assert c.import_block(d1, now_ms=slot(1) + 10).status == "OK"
    assert c.import_block(produce(c, 0), now_ms=slot(2) + 10).status == "OK"
    # the watched validator's status says another hash at 2: pending
    s.announce(2, bytes([7]) * 32)
    assert list(s.pending) == [2] and s.drifts == 0
    # then its own block at 2 (with a wrong state root, made on a copy of the chain) is refused here
    assert c2.import_block(d1, now_ms=slot(1) + 10).status == "OK"
    bad = Block.decode(produce(c2, WATCHED, fault=lambda h, r: bytes(32)))
    theirs = H(bad.header_raw)
    assert bad.header.block_index == 2 and s.invalid_block(bad.header, theirs, "BAD_STATE_ROOT")
    assert s.drifts == 1 and not s.pending
    d = s.json()["last_divergences"]
    assert len(d) == 1 and d[0]["ours"] == c.canonical_hash(2).hex() and d[0]["theirs"] == theirs.hex()
    # settling and the same announcement again count nothing more
    s.settle_blocks = s.settle_ms = 0
    s.evaluate()
    s.announce(2, theirs)
    s.evaluate()
    assert s.drifts == 1 and not s.pending and len(s.json()["last_divergences"]) == 1
    # disabled, or no watched key: nothing counts
    assert not shadow_for(c, key=None).invalid_block(bad.header, theirs, "BAD_STATE_ROOT")
    off = Shadow(types.SimpleNamespace(chain=c), False, PKS[WATCHED], True, False, "")
    assert not off.invalid_block(bad.header, theirs, "BAD_STATE_ROOT") and off.drifts == 0
