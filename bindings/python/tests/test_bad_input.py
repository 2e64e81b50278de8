"""Bad input raises TypeError / ValueError / KeyError / OverflowError with a message naming the problem,
and never crashes."""

import pytest

from coinjecture import _core

H32 = bytes(32)


def header(**kw):
    h = {"codec_version": 1, "block_index": 0, "timestamp": 0, "parent_hash": H32, "merkle_root": H32,
         "miner_address": H32, "commitment": H32, "difficulty_target": 0, "nonce": 0, "extra_data": b""}
    h.update(kw)
    return h


def tx(**kw):
    t = {"codec_version": 1, "tx_type": 1, "from": H32, "to": H32, "amount": 0, "nonce": 0, "gas_limit": 0,
         "gas_price": 0, "signature": bytes(64), "data": b"", "timestamp": 0}
    t.update(kw)
    return t


@pytest.mark.parametrize("fn", [_core.sha256_hash, _core.double_sha256_hash])
@pytest.mark.parametrize("arg", ["text", 1, None, 1.5, [1, 2], object()])
def test_hash_needs_bytes(fn, arg):
    with pytest.raises(TypeError, match="must be bytes"):
        fn(arg)


def test_non_contiguous_buffer_is_a_type_error():
    with pytest.raises(TypeError, match="contiguous"):
        _core.sha256_hash(memoryview(b"abcdefgh")[::2])
    with pytest.raises(TypeError, match="contiguous"):
        _core.compute_merkle_root_py([memoryview(bytes(64))[::2]])


@pytest.mark.parametrize("fn", [_core.sha256_hash, _core.compute_merkle_root_py, _core.decode_block_py,
                                _core.compute_header_hash_py, _core.derive_address_from_pubkey])
def test_argument_count(fn):
    with pytest.raises(TypeError):
        fn()
    with pytest.raises(TypeError):
        fn(b"", b"")


def test_fixed_lengths_use_the_original_messages():
    with pytest.raises(ValueError, match="^Public key must be 32 bytes"):
        _core.derive_address_from_pubkey(bytes(31))
    with pytest.raises(ValueError, match="^Parent hash must be 32 bytes"):
        _core.compute_epoch_salt_py(bytes(33), 0)
    for i in range(3):
        args = [H32, H32, H32, 0]
        args[i] = bytes(16)
        with pytest.raises(ValueError, match="^All hashes must be 32 bytes"):
            _core.compute_miner_salt_py(*args)
    with pytest.raises(ValueError, match="^Transaction hash must be 32 bytes"):
        _core.compute_merkle_root_py([H32, bytes(16)])
    with pytest.raises(ValueError, match="^commitment must be 32 bytes"):
        _core.compute_header_hash_py(header(commitment=b"\x00"))
    with pytest.raises(ValueError, match="^signature must be 64 bytes"):
        _core.compute_transaction_hash_py(tx(signature=H32))
    with pytest.raises(ValueError, match="^from must be 32 bytes"):
        _core.encode_transaction_py(tx(**{"from": b""}))


def test_merkle_argument_types():
    for bad in ("abc", b"\x00" * 32, 5, None):
        with pytest.raises(TypeError):
            _core.compute_merkle_root_py(bad)
    with pytest.raises(TypeError, match="must be bytes, not str"):
        _core.compute_merkle_root_py(["a" * 32])
    with pytest.raises(TypeError):
        _core.compute_merkle_root_py([H32, None])


@pytest.mark.parametrize("key", ["codec_version", "block_index", "timestamp", "parent_hash", "merkle_root",
                                 "miner_address", "commitment", "difficulty_target", "nonce", "extra_data"])
def test_header_missing_key(key):
    h = header()
    del h[key]
    with pytest.raises(KeyError, match=f"missing key '{key}'"):
        _core.compute_header_hash_py(h)


@pytest.mark.parametrize("key", ["codec_version", "tx_type", "from", "to", "amount", "nonce", "gas_limit",
                                 "gas_price", "signature", "data", "timestamp"])
def test_tx_missing_key(key):
    t = tx()
    del t[key]
    for fn in (_core.encode_transaction_py, _core.compute_transaction_hash_py):
        with pytest.raises(KeyError, match=f"missing key '{key}'"):
            fn(t)


@pytest.mark.parametrize("key,value,exc", [
    ("codec_version", 256, OverflowError),
    ("codec_version", -1, OverflowError),
    ("block_index", 2**64, OverflowError),
    ("block_index", -1, OverflowError),
    ("difficulty_target", 2**64, OverflowError),
    ("nonce", 2**100, OverflowError),
    ("timestamp", 2**63, OverflowError),
    ("timestamp", -(2**63) - 1, OverflowError),
    ("block_index", 1.0, TypeError),
    ("block_index", "1", TypeError),
    ("block_index", None, TypeError),
    ("extra_data", "text", TypeError),
    ("extra_data", [1, 2], TypeError),
    ("parent_hash", "0" * 32, TypeError),
])
def test_header_field_errors(key, value, exc):
    with pytest.raises(exc, match=key):
        _core.compute_header_hash_py(header(**{key: value}))


def test_header_full_64bit_range_is_accepted():
    h1 = _core.compute_header_hash_py(header(block_index=2**64 - 1, difficulty_target=2**64 - 1,
                                             nonce=2**64 - 1, timestamp=-(2**63)))
    h2 = _core.compute_header_hash_py(header(block_index=2**32 - 1, difficulty_target=2**32 - 1,
                                             nonce=2**64 - 1, timestamp=-(2**63)))
    assert h1 != h2  # no narrowing to 32 bits
    assert _core.compute_header_hash_py(header(block_index=True)) == _core.compute_header_hash_py(header(block_index=1))


def test_int_subclasses_and_index_objects():
    class Idx:
        def __index__(self):
            return 7

    assert _core.compute_header_hash_py(header(nonce=Idx())) == _core.compute_header_hash_py(header(nonce=7))
    assert _core.compute_epoch_salt_py(H32, Idx()) == _core.compute_epoch_salt_py(H32, 7)

    class Boom:
        def __index__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        _core.compute_header_hash_py(header(nonce=Boom()))


@pytest.mark.parametrize("key,value,exc,match", [
    ("tx_type", 0, ValueError, "Invalid tx_type"),
    ("tx_type", 4, ValueError, "Invalid tx_type"),
    ("tx_type", 256, OverflowError, "tx_type"),
    ("amount", 2**64, OverflowError, "amount"),
    ("gas_limit", -1, OverflowError, "gas_limit"),
    ("gas_price", 0.5, TypeError, "gas_price"),
    ("timestamp", 2**63, OverflowError, "timestamp"),
    ("data", None, TypeError, "data"),
])
def test_tx_field_errors(key, value, exc, match):
    for fn in (_core.encode_transaction_py, _core.compute_transaction_hash_py):
        with pytest.raises(exc, match=match):
            fn(tx(**{key: value}))


@pytest.mark.parametrize("fn", [_core.compute_header_hash_py, _core.encode_transaction_py,
                                _core.compute_transaction_hash_py, _core.encode_block_py])
@pytest.mark.parametrize("arg", [None, [], "dict", 5, (("a", 1),)])
def test_dict_arguments_must_be_dicts(fn, arg):
    with pytest.raises(TypeError, match="must be a dict"):
        fn(arg)


def test_salts_index_range():
    with pytest.raises(OverflowError, match="block_index"):
        _core.compute_epoch_salt_py(H32, 2**64)
    with pytest.raises(OverflowError, match="block_index"):
        _core.compute_miner_salt_py(H32, H32, H32, -1)
    with pytest.raises(TypeError, match="block_index"):
        _core.compute_epoch_salt_py(H32, "0")
    assert len(_core.compute_epoch_salt_py(H32, 2**64 - 1)) == 32


def test_dict_mutated_by_index_hook_does_not_crash():
    """__index__ runs user code in the middle of a conversion; the binding holds its own references."""
    h = header()

    class Evil:
        def __index__(self):
            h.clear()
            return 1

    h["block_index"] = Evil()
    with pytest.raises(KeyError):
        _core.compute_header_hash_py(h)

    t = tx(data=b"x" * 100)

    class EvilTs:
        def __index__(self):
            t["data"] = None
            return 1

    t["timestamp"] = EvilTs()
    want = _core.compute_transaction_hash_py(tx(data=b"x" * 100, timestamp=1))
    assert _core.compute_transaction_hash_py(t) == want

    elements = [1] * 8

    class EvilEl:
        def __index__(self):
            elements.clear()
            return 1

    elements[3] = EvilEl()
    p = {"problem_type": 1, "tier": 1, "elements": elements, "target": 2, "timestamp": 0}
    b = {"max_ops": 100, "max_duration_ms": 0, "max_memory_bytes": 100}
    assert _core.verify_subset_sum_py(p, {"indices": [0, 3], "timestamp": 0}, b) is True


def test_backend_selection_errors():
    with pytest.raises(ValueError, match="unknown crypto backend"):
        _core.set_backend("turbo")
    with pytest.raises(TypeError):
        _core.set_backend(1)
    with pytest.raises(TypeError):
        _core.backend(1)
