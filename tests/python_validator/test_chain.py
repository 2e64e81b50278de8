"""Milestone 2 (in-process): block validation, application, fork choice with reorgs, votes and epochs,
evidence and persistence of the Python validator's chain."""
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO
from coinjecture_validator import chain as ch, ed25519 as E, hashing
from coinjecture_validator.codec import Block, Transaction
from coinjecture_validator.genesis import Genesis

SEEDS = [bytes([i + 1]) * 32 for i in range(5)]
PKS = [E.public_key(s) for s in SEEDS]
ALICE = bytes([0xA1]) * 32
ALICE_PK = E.public_key(ALICE)
BOB_PK = E.public_key(bytes([0xB0]) * 32)
T0 = 1_700_000_000
BT = 1000


def genesis(n=2, epoch=100):
    return Genesis(7, "pytest", T0, BT, epoch, PKS[:n], [(ALICE_PK, 10 ** 12)])


def transfer(nonce, amount=5000, to=BOB_PK, seed=ALICE, gas_price=1):
    t = Transaction(1, "Transfer", E.public_key(seed), to, amount, nonce, 21000, gas_price, bytes(64), b"", 1)
    t.signature = E.sign(seed, hashing.tx_signing_message(t))
    return Transaction.decode(t.encode())


def slot(h, k=0):
    return T0 * 1000 + h * BT + k * BT


def produce(c, who, txs=(), k=None, vote=None, fault=None):
    h = c.height() + 1
    vs = c.validators_at(c.tip().hash, h)
    kk = (vs.index(PKS[who]) - h % len(vs)) % len(vs)
    ts = c.tip().timestamp + (1 + kk) * BT  # rules 2: from the parent (CHAIN.md §3)
    data, _ = ch.build_block(c, SEEDS[who], PKS[who], list(txs), ts, vote=vote, state_root_fault=fault)
    assert data is not None
    return data


@pytest.fixture
def mk(tmp_path):
    made = []

    def make(name="a", **kw):
        d = tmp_path / name
        d.mkdir(exist_ok=True)
        c = ch.Chain(str(d), kw.pop("g", None) or genesis(), synchronous="OFF", **kw)
        made.append(c)
        return c
    yield make
    for c in made:
        c.close()


def test_genesis_and_extend(mk):
    c = mk()
    assert c.height() == 0
    assert c.account(ALICE_PK) == (10 ** 12, 0)
    for h in range(1, 5):
        r = c.import_block(produce(c, h % 2), now_ms=slot(h) + 10)
        assert r.status == "OK", r
    assert c.height() == 4 and c.tip().cum_weight == 8
    # proposer rewards: validator 1 sealed 1, 3; validator 0 sealed 2, 4
    assert c.account(PKS[1])[0] == 2 * 3125000000


def test_transfers_fees_and_split(mk):
    c = mk()
    txs = [transfer(0, 10 ** 9, gas_price=5), transfer(1, 7)]
    data = produce(c, 1, txs)
    assert len(Block.decode(data).transactions) == 2
    assert c.import_block(data, now_ms=slot(1) + 10).status == "OK"
    fee = 6 * 21000
    t = fee * 2929 // 10000
    assert c.account(BOB_PK) == (10 ** 9 + 7, 0)
    assert c.account(ALICE_PK) == (10 ** 12 - 10 ** 9 - 7 - fee, 2)
    assert c.account(PKS[1]) == (3125000000 + fee - 2 * t, 0)
    assert c.account(PKS[0]) == (t, 0)  # treasury = genesis validators[0]
    assert c.tx_location(hashing.tx_hash(txs[1])) == (1, 1)


def test_invalid_blocks_rejected(mk):
    c = mk()
    good = produce(c, 1)
    b = Block.decode(good)
    # bad seal
    bad = Block.decode(good); bad.header.extra_data = bad.header.extra_data[:-1] + bytes([bad.header.extra_data[-1] ^ 1])
    assert c.import_block(bad.encode(), now_ms=slot(1) + 10).status == "BAD_SEAL"
    # wrong state root (sealed correctly)
    assert c.import_block(produce(c, 1, fault=lambda h, r: bytes(32)), now_ms=slot(1) + 10).status == "BAD_STATE_ROOT"
    # from the future
    assert c.import_block(good, now_ms=slot(1) - 20000).status == "FUTURE"
    # before its turn: validator 0 is out of turn at height 1 (k = 1)
    data, _ = ch.build_block(c, SEEDS[0], PKS[0], [], slot(1), force=True)
    assert Block.decode(data).header.timestamp == slot(1, 1)
    # a bad transaction (wrong nonce) made into a block by hand
    bt = produce(c, 1, [transfer(0)])
    blk = Block.decode(bt)
    blk.transactions = [transfer(5)]
    blk.header.merkle_root = hashing.merkle_root([hashing.tx_hash(t) for t in blk.transactions])
    blk.header.extra_data = blk.header.extra_data[:32] + bytes(64)
    blk.header.extra_data = blk.header.extra_data[:32] + E.sign(SEEDS[1], hashing.seal_hash(blk.header))
    r = c.import_block(blk.encode(), now_ms=slot(1) + 10)
    assert r.status == "BAD_TX" and "BAD_NONCE" in r.detail
    # non-canonical encoding: an extra trailing byte
    assert c.import_block(good + b"\x00", now_ms=slot(1) + 10).status == "DECODE"
    assert c.height() == 0 and c.account(ALICE_PK) == (10 ** 12, 0)
    assert c.import_block(good, now_ms=slot(1) + 10).status == "OK"
    assert c.import_block(good, now_ms=slot(1) + 10).status == "KNOWN"


def test_reorg_and_evidence(mk):
    a, b = mk("a"), mk("b")
    # common block 1
    d1 = produce(a, 1)
    for c in (a, b):
        assert c.import_block(d1, now_ms=slot(1) + 1).status == "OK"
    # a: validator 1 out of turn at 2 (weight 1) with a transfer
    da2, _ = ch.build_block(a, SEEDS[1], PKS[1], [transfer(0)], slot(2, 1))
    assert a.import_block(da2, now_ms=slot(3)).status == "OK"
    # b: validator 0 in turn at 2 (weight 2), then 3 by validator 1
    db2 = produce(b, 0)
    assert b.import_block(db2, now_ms=slot(3)).status == "OK"
    db3 = produce(b, 1)
    assert b.import_block(db3, now_ms=slot(4)).status == "OK"
    # a receives b's branch: side block, then heavier -> reorg
    r = a.import_block(db2, now_ms=slot(4))
    assert r.status == "OK" and r.reorged and len(r.undone) == 1 and len(r.undone[0].transactions) == 1
    assert a.import_block(db3, now_ms=slot(4)).status == "OK"
    assert a.tip().hash == b.tip().hash and a.account(ALICE_PK) == (10 ** 12, 0)
    assert a.tree.root_hash() == b.tree.root_hash()


def test_double_sign_evidence(mk):
    c = mk()
    assert c.import_block(produce(c, 1), now_ms=slot(1) + 1).status == "OK"
    x = produce(c, 0)
    y = produce(c, 0, [transfer(0)])
    assert c.import_block(x, now_ms=slot(3)).status == "OK"
    assert c.import_block(y, now_ms=slot(3)).status in ("SIDE", "OK")
    assert len(c.evidence) == 1 and c.evidence[0][1] == PKS[0]


def test_votes_and_epochs(mk):
    # CHAIN.md §11 example: L = 6, genesis {A,B,C}; B votes add D in block 1, A in block 3 -> S(6) = {A,B,C,D}
    g = genesis(3, epoch=6)
    c = mk(g=g)
    A, B, C, D = PKS[0], PKS[1], PKS[2], PKS[3]
    for h in range(1, 7):
        who = h % 3
        vote = (1, D) if h in (1, 3) else None
        # received once due on this clock: block 6 is out of turn (k = 2 in the new set of 4)
        assert c.import_block(produce(c, who, vote=vote), now_ms=slot(h, 2) + 1).status == "OK", h
    assert c.validators_at(c.tip().hash, 7) == [A, B, C, D]
    assert c.validators_at(c.canon[5], 6) == [A, B, C, D]
    # block 6 was sealed by A: in turn under {A,B,C} (6 mod 3 = 0) but 2 turns late under S(6) (6 mod 4 = 2 is C)
    assert Block.decode(c.block_bytes(c.canon[6])).header.difficulty_target == 1
    # invalid votes: add an existing member, remove a non-member, add the zero key
    for vote in ((1, A), (2, PKS[4]), (1, bytes(32))):
        data = produce(c, 3, vote=None)
        blk = Block.decode(data)
        blk.header.extra_data = blk.header.extra_data[:32] + bytes((vote[0],)) + vote[1] + bytes(64)
        blk.header.extra_data = blk.header.extra_data[:-64] + E.sign(SEEDS[3], hashing.seal_hash(blk.header))
        assert c.import_block(blk.encode(), now_ms=slot(7) + 1).status == "BAD_VOTE"


def test_reopen_and_mismatch(tmp_path):
    d = tmp_path / "x"
    d.mkdir()
    c = ch.Chain(str(d), genesis())
    for h in range(1, 4):
        c.import_block(produce(c, h % 2, [transfer(h - 1)]), now_ms=slot(h) + 1)
    tip, root = c.tip().hash, c.tree.root_hash()
    c.close()
    c = ch.Chain(str(d), genesis())
    assert c.tip().hash == tip and c.tree.root_hash() == root
    c.close()
    with pytest.raises(ch.ChainError):
        ch.Chain(str(d), genesis(3))


CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2])
import test_chain as t
from coinjecture_validator import chain as ch
c = ch.Chain(sys.argv[3], t.genesis())
n = c.account(t.ALICE_PK)[1]
while True:
    h = c.height() + 1
    r = c.import_block(t.produce(c, h % 2, [t.transfer(n), t.transfer(n + 1)]), now_ms=t.slot(h) + 1)
    assert r.status == "OK", r
    n += 2
    print(h, flush=True)
"""


def test_kill9_crash_safety(tmp_path):
    d = tmp_path / "crash"
    d.mkdir()
    here = os.path.dirname(__file__)
    last = 0
    for rnd in range(4):
        p = subprocess.Popen([sys.executable, "-c", CHILD, os.path.join(REPO, "validator", "python"), here, str(d)],
                             stdout=subprocess.PIPE, text=True)
        deadline = time.time() + 0.8 + 0.3 * rnd
        while time.time() < deadline:
            line = p.stdout.readline()
            if line:
                last = max(last, int(line))
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()
        c = ch.Chain(str(d), genesis())  # rebuilds the tree and checks it against the head's state root
        assert c.height() >= last
        m = c.tip()
        while m.height > 0:
            m = c.metas[m.parent]
        assert m.hash == c.genesis_hash
        assert c.account(ALICE_PK)[1] == 2 * c.height()
        c.close()
    assert last > 0


def test_bulk_import_rolls_back_one_block_and_persists_the_rest(tmp_path):
    """Range-sync import (Chain.set_bulk): one SQL transaction per answer, each block a savepoint. An invalid
    block in the middle is rolled back alone, the valid ones around it stay, and after the commit they are on
    disk (a reopen rebuilds the same state)."""
    src = tmp_path / "src"
    dst = tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    a = ch.Chain(str(src), genesis())
    blocks = []
    for h in range(1, 6):
        if h == 5:  # a height-5 block sealed with a wrong state root
            bad = produce(a, 1, [transfer(4)], fault=lambda h, r: bytes(32))
        blocks.append(produce(a, h % 2, [transfer(h - 1)]))
        assert a.import_block(blocks[-1], now_ms=slot(h) + 1).status == "OK"
    a.close()
    c = ch.Chain(str(dst), genesis())
    c.set_bulk(True)
    for i, b in enumerate(blocks[:3]):
        assert c.import_block(b, now_ms=slot(i + 1) + 1).status == "OK"
    assert c.import_block(blocks[4], now_ms=slot(5) + 1).status == "ORPHAN"
    assert c.import_block(blocks[3], now_ms=slot(4) + 1).status == "OK"
    assert c.import_block(bad, now_ms=slot(5) + 1).status == "BAD_STATE_ROOT"
    assert c.import_block(blocks[4], now_ms=slot(5) + 1).status == "OK"
    c.set_bulk(False)
    tip, root = c.tip().hash, c.tree.root_hash()
    assert c.height() == 5 and c.account(ALICE_PK)[1] == 5
    c.close()
    c = ch.Chain(str(dst), genesis())
    assert c.height() == 5 and c.tip().hash == tip and c.tree.root_hash() == root
    c.close()


def test_signature_skipped_only_for_known_hashes(mk):
    """Chain.sig_known (the mempool's admitted hashes) spares a second verification of the same bytes; a
    transaction whose hash is not in it is still verified, so a forged signature is refused."""
    c = mk()
    good = transfer(0)
    forged = Transaction.decode(good.encode())
    forged.raw = None
    forged.signature = bytes(64)
    forged = Transaction.decode(forged.encode())
    c.sig_known = {hashing.tx_hash(good): None}
    blk = Block.decode(produce(c, 1, [good]))
    blk.transactions = [forged]
    blk.header.merkle_root = hashing.merkle_root([hashing.tx_hash(forged)])
    blk.header.extra_data = blk.header.extra_data[:32] + E.sign(SEEDS[1], hashing.seal_hash(blk.header))
    r = c.import_block(blk.encode(), now_ms=slot(1) + 10)
    assert r.status == "BAD_TX" and "signature" in r.detail
    assert c.import_block(produce(c, 1, [good]), now_ms=slot(1) + 10).status == "OK"
