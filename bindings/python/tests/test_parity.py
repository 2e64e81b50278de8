"""Parity of coinjecture._core with hashlib / hmac and with the pure-Python reference implementation
(coinjecture.reference), over random and edge-case inputs, on every backend."""

import hashlib
import hmac
import struct

import pytest

from coinjecture import _core
from coinjecture import reference as ref
import cjtest

SIZES = [0, 1, 3, 31, 32, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 1024, 4095, 8191, 8192,
         8193, 65536, 1 << 20]


@pytest.fixture(params=["reference", "accelerated"])
def backend(request):
    _core.set_backend(request.param)
    return request.param


def test_sha256_matches_hashlib(backend):
    rng = cjtest.rng(1)
    for n in SIZES + [rng.randrange(20000) for _ in range(200)]:
        data = cjtest.rand_bytes(rng, n) if n < 5000 else rng.randbytes(n)
        want = hashlib.sha256(data).digest()
        assert _core.sha256_hash(data) == want, n
        assert _core.double_sha256_hash(data) == hashlib.sha256(want).digest(), n


def test_sha256_takes_any_bytes_like():
    data = b"COINjecture" * 100
    want = hashlib.sha256(data).digest()
    assert _core.sha256_hash(bytearray(data)) == want
    assert _core.sha256_hash(memoryview(data)) == want
    assert _core.sha256_hash(memoryview(data)[10:500]) == hashlib.sha256(data[10:500]).digest()

    class B(bytes):
        pass

    assert _core.sha256_hash(B(data)) == want


def test_merkle_matches_pure_hashlib(backend):
    rng = cjtest.rng(2)
    for n in list(range(0, 70)) + [100, 127, 128, 129, 1000, 1025, 4097]:
        leaves = [rng.randbytes(32) for _ in range(n)]
        assert _core.compute_merkle_root_py(leaves) == cjtest.py_merkle(leaves), n
    leaves = [rng.randbytes(32) for _ in range(9)]
    assert _core.compute_merkle_root_py(tuple(leaves)) == cjtest.py_merkle(leaves)
    assert _core.compute_merkle_root_py(iter(leaves)) == cjtest.py_merkle(leaves)
    assert _core.compute_merkle_root_py([bytearray(x) for x in leaves]) == cjtest.py_merkle(leaves)
    assert _core.compute_merkle_root_py([]) == bytes(32)
    assert _core.compute_merkle_root_py([leaves[0]]) == leaves[0]


def test_address_and_salts():
    rng = cjtest.rng(3)
    for _ in range(100):
        pk, es, parent, key = (rng.randbytes(32) for _ in range(4))
        idx = rng.choice([0, 1, 2**32, 2**64 - 1, rng.randrange(2**64)])
        assert _core.derive_address_from_pubkey(pk) == hashlib.sha256(pk).digest()
        assert _core.compute_epoch_salt_py(parent, idx) == hashlib.sha256(parent + struct.pack("<Q", idx)).digest()
        msg = es + parent + struct.pack("<Q", idx)
        assert _core.compute_miner_salt_py(key, es, parent, idx) == hmac.new(key, msg, hashlib.sha256).digest()


def test_known_answers_of_the_spec():
    """core.md sections 4.3 and 5: values from the rebuilt original crate."""
    assert _core.compute_epoch_salt_py(b"\x42" * 32, 0x0102030405060708).hex() == (
        "baa5874a06953f7ba7a9ce00794f232ea0283330ce2341859308a4832616d1de")
    assert _core.compute_miner_salt_py(b"\x01" * 32, b"\x02" * 32, b"\x03" * 32, 100).hex() == (
        "e863a2cc331231b76b8485ed1646292f2f4dff3338dc83abd01f45ed24433231")
    default_tx = {"codec_version": 1, "tx_type": 1, "from": bytes(32), "to": bytes(32), "amount": 0,
                  "nonce": 0, "gas_limit": 21000, "gas_price": 1, "signature": bytes(64), "data": b"",
                  "timestamp": 0}
    assert _core.compute_transaction_hash_py(default_tx).hex() == (
        "1e74bb26bf917b4939b564023e03a39769a82b8a607050a82678f4a4e5f12f51")
    bounty = {"codec_version": 1, "tx_type": 3, "from": b"\x11" * 32, "to": b"\x22" * 32,
              "amount": 10**18, "nonce": 5, "gas_limit": 50000, "gas_price": 1000, "signature": b"\x33" * 64,
              "data": bytes([1, 2, 200]), "timestamp": -5}
    assert _core.compute_transaction_hash_py(bounty).hex() == (
        "35b8464352c4506779486669ff1f17f34b1aa1df289de3a1fd6bbe9c322545f3")
    assert _core.compute_transaction_hash_py(bounty) == hashlib.sha256(_core.encode_transaction_py(bounty)).digest()
    genesis = {"codec_version": 1, "block_index": 0, "timestamp": 1704067200, "parent_hash": bytes(32),
               "merkle_root": bytes(32), "miner_address": bytes(32), "commitment": bytes(32),
               "difficulty_target": 100, "nonce": 0, "extra_data": b""}
    assert _core.compute_header_hash_py(genesis).hex() == (
        "9e28bebb26c909a59795061a5e1f71abfe29874a4e8e7afedfba453cf87285dc")


def test_header_hash_matches_reference_full_width(backend):
    rng = cjtest.rng(4)
    for _ in range(300):
        h = cjtest.rand_header(rng)
        assert _core.compute_header_hash_py(h) == ref.header_hash(h), h


@pytest.mark.parametrize("n", [257, 300, 1000, 65535, 65536, 70000])
def test_header_hash_with_extra_data_over_the_block_limit(n):
    """Hashing has no size rule (the original hashed any extra_data); only blocks are limited."""
    rng = cjtest.rng(n)
    h = cjtest.rand_header(rng, extra_len=n)
    assert _core.compute_header_hash_py(h) == ref.header_hash(h, enforce_limits=False)


def test_transactions_match_reference(backend):
    rng = cjtest.rng(5)
    for _ in range(300):
        tx = cjtest.rand_tx(rng)
        enc = _core.encode_transaction_py(tx)
        assert enc == ref.encode_tx(tx), tx
        assert _core.compute_transaction_hash_py(tx) == hashlib.sha256(enc).digest()


@pytest.mark.parametrize("n", [2000, 65536, 1 << 20, (1 << 20) + 1, (1 << 21) + 3])
def test_transaction_with_large_data(n):
    rng = cjtest.rng(n)
    tx = cjtest.rand_tx(rng, data_len=0)
    tx["data"] = rng.randbytes(n)
    for ts in (0, -1, 2**63 - 1, -(2**63)):
        tx["timestamp"] = ts
        want = ref.encode_tx(tx, enforce_limits=False)
        assert _core.encode_transaction_py(tx) == want
        assert _core.compute_transaction_hash_py(tx) == hashlib.sha256(want).digest()
