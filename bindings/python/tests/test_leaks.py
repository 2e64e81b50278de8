"""No reference or memory leaks: every function, on success and on each kind of failure, is called in a
loop under tracemalloc, and the reference counts of the objects passed in must not move."""

import gc
import sys
import tracemalloc

import pytest

from coinjecture import _core
import cjtest

ROUNDS = 3000
H32 = bytes(32)


def _header(**kw):
    h = {"codec_version": 1, "block_index": 2**64 - 1, "timestamp": -(2**62), "parent_hash": H32,
         "merkle_root": b"\x01" * 32, "miner_address": H32, "commitment": H32,
         "difficulty_target": 2**40, "nonce": 10**15, "extra_data": b"extra"}
    h.update(kw)
    return h


def _tx(**kw):
    t = {"codec_version": 1, "tx_type": 2, "from": H32, "to": H32, "amount": 2**63, "nonce": 1,
         "gas_limit": 50000, "gas_price": 10**9, "signature": bytes(64), "data": b"payload", "timestamp": 5}
    t.update(kw)
    return t


BLOCK = cjtest.rand_block(cjtest.rng(9), ntx=3)
BLOCK_BYTES = _core.encode_block_py(BLOCK)
PROBLEM = {"problem_type": 1, "tier": 1, "elements": list(range(1, 9)), "target": 9, "timestamp": 0}
SOLUTION = {"indices": [0, 7], "timestamp": 0}
BUDGET = {"max_ops": 2**64 - 1, "max_duration_ms": 1, "max_memory_bytes": 2**64 - 1}
LEAVES = [bytes([i]) * 32 for i in range(100)]
BIG = b"\x5a" * 100000

HEADER = _header()
HEADER_BIG = _header(extra_data=b"\x99" * 1000)
HEADER_MISSING = {k: v for k, v in _header().items() if k != "nonce"}
HEADER_OVERFLOW = _header(nonce=2**70)
TX = _tx()
TX_BIG = _tx(data=b"\x81" * (2**20 + 10))
TX_BAD = _tx(tx_type=9)
BLOCK_BAD = dict(BLOCK, transactions=BLOCK["transactions"] + [_tx(signature=b"short")])


class Idx:
    def __index__(self):
        return 3


# (name, callable, objects whose reference counts must be unchanged afterwards)
CASES = [
    ("sha256 64B", lambda: _core.sha256_hash(LEAVES[1] * 2), [LEAVES[1]]),
    ("sha256 big nogil", lambda: _core.sha256_hash(BIG), [BIG]),
    ("sha256 bytearray", lambda: _core.sha256_hash(bytearray(b"abc")), []),
    ("sha256 kw", lambda: _core.sha256_hash(data=BIG), [BIG]),
    ("sha256 type error", lambda: _core.sha256_hash("str"), []),
    ("double sha", lambda: _core.double_sha256_hash(BIG), [BIG]),
    ("address", lambda: _core.derive_address_from_pubkey(H32), [H32]),
    ("address bad len", lambda: _core.derive_address_from_pubkey(b"x"), []),
    ("epoch salt", lambda: _core.compute_epoch_salt_py(H32, 2**64 - 1), [H32]),
    ("epoch salt overflow", lambda: _core.compute_epoch_salt_py(H32, 2**64), [H32]),
    ("miner salt", lambda: _core.compute_miner_salt_py(H32, H32, H32, Idx()), [H32]),
    ("merkle 100", lambda: _core.compute_merkle_root_py(LEAVES), [LEAVES] + LEAVES),
    ("merkle 10 tuple", lambda: _core.compute_merkle_root_py(tuple(LEAVES[:10])), LEAVES[:10]),
    ("merkle bad leaf", lambda: _core.compute_merkle_root_py(LEAVES[:50] + [b"x"]), LEAVES[:50]),
    ("merkle not seq", lambda: _core.compute_merkle_root_py(5), []),
    ("header hash", lambda: _core.compute_header_hash_py(HEADER), [HEADER, HEADER["extra_data"]]),
    ("header hash big extra", lambda: _core.compute_header_hash_py(HEADER_BIG), [HEADER_BIG["extra_data"]]),
    ("header missing key", lambda: _core.compute_header_hash_py(HEADER_MISSING), [HEADER_MISSING]),
    ("header overflow", lambda: _core.compute_header_hash_py(HEADER_OVERFLOW), [HEADER_OVERFLOW["nonce"]]),
    ("tx encode", lambda: _core.encode_transaction_py(TX), [TX, TX["data"]]),
    ("tx hash", lambda: _core.compute_transaction_hash_py(TX), [TX, TX["data"]]),
    ("tx big data", lambda: _core.encode_transaction_py(TX_BIG), [TX_BIG["data"]]),
    ("tx big hash", lambda: _core.compute_transaction_hash_py(TX_BIG), [TX_BIG["data"]]),
    ("tx bad type", lambda: _core.encode_transaction_py(TX_BAD), [TX_BAD]),
    ("verify true", lambda: _core.verify_subset_sum_py(PROBLEM, SOLUTION, BUDGET),
     [PROBLEM, PROBLEM["elements"], SOLUTION["indices"], BUDGET["max_ops"]]),
    ("verify false", lambda: _core.verify_subset_sum_py(PROBLEM, {"indices": [0], "timestamp": 0}, BUDGET),
     [PROBLEM["elements"]]),
    ("verify bad", lambda: _core.verify_subset_sum_py(PROBLEM, {"indices": [-1], "timestamp": 0}, BUDGET),
     [PROBLEM]),
    ("encode block", lambda: _core.encode_block_py(BLOCK), [BLOCK, BLOCK["header"], BLOCK["transactions"]]),
    ("encode block bad tx", lambda: _core.encode_block_py(BLOCK_BAD), [BLOCK_BAD["transactions"]]),
    ("decode block", lambda: _core.decode_block_py(BLOCK_BYTES), [BLOCK_BYTES]),
    ("decode block trailing", lambda: _core.decode_block_py(BLOCK_BYTES + b"\x00"), []),
    ("backend info", lambda: (_core.backend_info(), _core.backend(), _core.backends()), []),
    ("set backend bad", lambda: _core.set_backend("nope"), []),
]



def _call(fn):
    try:
        fn()
    except (TypeError, ValueError, KeyError, OverflowError):
        pass


@pytest.mark.parametrize("name,fn,watched", CASES, ids=[c[0] for c in CASES])
def test_no_leak(name, fn, watched):
    rounds = ROUNDS if "big" not in name and "block" not in name else ROUNDS // 10
    for _ in range(50):  # warm-up: caches, interned strings, free lists
        _call(fn)
    gc.collect()
    refs = [sys.getrefcount(o) for o in watched]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(rounds):
            _call(fn)
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert [sys.getrefcount(o) for o in watched] == refs, name
    # One leaked 32-byte result per call would be >= 100 KB over 3000 rounds (>= 10 KB for the big ones).
    assert growth < 4096, f"{name}: {growth} bytes still allocated after {rounds} calls"
