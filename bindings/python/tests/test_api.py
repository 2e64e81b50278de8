"""The module and package surface: the original's names, signatures, constants and aliases."""

import inspect

import pytest

import coinjecture
from coinjecture import _core, types

# name -> parameter names, as the PyO3 module declared them (keywords work there, so they must here).
ORIGINAL_FUNCTIONS = {
    "sha256_hash": ["data"],
    "double_sha256_hash": ["data"],
    "derive_address_from_pubkey": ["pubkey"],
    "compute_epoch_salt_py": ["parent_hash", "block_index"],
    "compute_header_hash_py": ["header_dict"],
    "encode_block_py": ["block_dict"],
    "decode_block_py": ["bytes"],
    "encode_transaction_py": ["tx_dict"],
    "compute_transaction_hash_py": ["tx_dict"],
    "compute_merkle_root_py": ["tx_hashes"],
    "verify_subset_sum_py": ["problem_dict", "solution_dict", "budget_dict"],
    "compute_miner_salt_py": ["priv_key", "epoch_salt", "parent_hash", "block_index"],
}

GENESIS_2021 = {
    "codec_version": 1, "block_index": 0, "timestamp": 1609459200,
    "parent_hash": bytes(32), "merkle_root": bytes(32), "miner_address": bytes(32), "commitment": bytes(32),
    "difficulty_target": 1000, "nonce": 0, "extra_data": b"",
}


def test_core_is_the_c_extension():
    assert _core.__file__.endswith(".so")
    assert _core.__name__ == "coinjecture._core"


@pytest.mark.parametrize("name,params", sorted(ORIGINAL_FUNCTIONS.items()))
def test_original_function_signature(name, params):
    fn = getattr(_core, name)
    assert callable(fn)
    assert list(inspect.signature(fn).parameters) == params
    assert getattr(coinjecture, name) is fn  # re-exported at package level


def test_constants():
    assert _core.__version__ == "4.0.0"
    assert _core.CODEC_VERSION == 1 and isinstance(_core.CODEC_VERSION, int)
    assert _core.MAX_BLOCK_SIZE == 10485760
    assert _core.MAX_TX_PER_BLOCK == 10000
    assert _core.MAX_EXTRA_DATA == 256
    assert _core.MAX_TX_DATA == 1048576
    assert _core.MAX_ELEMENTS == 32
    assert isinstance(_core.LIBRARY_VERSION, str) and _core.LIBRARY_VERSION


def test_package_level_compat_names():
    assert coinjecture.__version__ == "4.0.0"
    assert coinjecture.CODEC_VERSION == 1
    assert coinjecture.RUST_AVAILABLE is True
    assert coinjecture.NATIVE_AVAILABLE is True
    assert coinjecture._rust_version == "4.0.0"
    for name in coinjecture.__all__:
        assert hasattr(coinjecture, name), name
    for name in ("BlockHeader", "Transaction", "Problem", "Solution", "Commitment", "Reveal", "Block",
                 "HardwareTier", "ProblemType", "TxType", "VerifyBudget", "CODEC_VERSION",
                 "RUST_AVAILABLE", "__version__"):
        assert name in coinjecture.__all__


def test_keyword_arguments():
    assert _core.sha256_hash(data=b"abc") == _core.sha256_hash(b"abc")
    assert _core.compute_epoch_salt_py(bytes(32), block_index=5) == _core.compute_epoch_salt_py(bytes(32), 5)
    assert (_core.compute_miner_salt_py(priv_key=bytes(32), epoch_salt=bytes(32), parent_hash=bytes(32),
                                        block_index=1)
            == _core.compute_miner_salt_py(bytes(32), bytes(32), bytes(32), 1))
    with pytest.raises(TypeError, match="unexpected keyword argument 'dat'"):
        _core.sha256_hash(dat=b"")
    with pytest.raises(TypeError, match="multiple values"):
        _core.compute_epoch_salt_py(bytes(32), 1, parent_hash=bytes(32))
    with pytest.raises(TypeError, match="missing required argument 'block_index'"):
        _core.compute_epoch_salt_py(parent_hash=bytes(32))


def test_types_build_the_dicts_the_core_takes():
    h = types.BlockHeader(**GENESIS_2021)
    assert _core.compute_header_hash_py(h.to_dict()).hex() == (
        "d1d959b0b7ec30e7613e650973fe34fc55c40bd97c476135e8163ee28068f66c")
    budget = types.VerifyBudget.from_tier(types.HardwareTier.DESKTOP)
    assert (budget.max_ops, budget.max_duration_ms, budget.max_memory_bytes) == (65536, 300000, 2**30)
    p = types.Problem(types.ProblemType.SUBSET_SUM, types.HardwareTier.MOBILE, list(range(1, 9)), 6, 0)
    s = types.Solution([0, 4], 0)
    assert _core.verify_subset_sum_py(p.to_dict(), s.to_dict(), budget.to_dict()) is True
    assert types.HardwareTier.CLUSTER.element_range() == (24, 32)
    assert types.ProblemType.SUBSET_SUM.is_production_ready()
    assert not types.ProblemType.SAT.is_production_ready()


def test_types_validation_errors_are_value_and_assertion_errors():
    bad = dict(GENESIS_2021, parent_hash=b"\x00" * 31)
    with pytest.raises(ValueError, match="parent_hash must be 32 bytes"):
        types.BlockHeader(**bad)
    with pytest.raises(AssertionError):
        types.BlockHeader(**bad)
    with pytest.raises(AssertionError, match="requires 8-12 elements"):
        types.Problem(1, 1, [1, 2], 3, 0)


def test_block_type_to_dict_round_trips_through_the_codec():
    h = types.BlockHeader(**GENESIS_2021)
    tx = types.Transaction(1, types.TxType.TRANSFER, b"\x01" * 32, b"\x02" * 32, 5, 0, 21000, 1,
                           b"\x03" * 64, b"hi", 7)
    p = types.Problem(1, 1, list(range(8)), 3, 0)
    r = types.Reveal(p, types.Solution([1, 2], 0), b"\x04" * 32, 9)
    b = types.Block(h, [tx], r, "bafy")
    d = b.to_dict()
    assert _core.decode_block_py(_core.encode_block_py(d)) == d
