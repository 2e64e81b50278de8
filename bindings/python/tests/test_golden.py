"""The 50 golden vectors of the original (golden/original/network_b_vectors.json) through coinjecture._core."""

import collections

import pytest

from coinjecture import _core
from cjtest import golden_path, golden_vectors, header_from_vector, merkle_leaves_from_vector

VECTORS = golden_vectors()


def test_golden_file_has_the_50_vectors():
    assert golden_path().is_file(), f"golden vectors not found at {golden_path()}"
    counts = collections.Counter(v["operation"] for v in VECTORS)
    assert len(VECTORS) == 50
    assert counts == {"SHA256": 10, "MERKLE": 8, "BLOCK_HEADER": 32}


def _sha_input(v):
    data = bytes.fromhex(v["input_hex"])
    size = v.get("input_size")
    if size is not None and size != len(data):  # the 10 KiB vector stores only its first 64 bytes
        assert set(data) == {0xAA}
        data = b"\xaa" * size
    return data


@pytest.mark.parametrize("v", VECTORS, ids=[v["test_name"] for v in VECTORS])
def test_vector(v):
    op = v["operation"]
    if op == "SHA256":
        got = _core.sha256_hash(_sha_input(v))
        assert isinstance(got, bytes) and got.hex() == v["expected_hash"]
    elif op == "MERKLE":
        leaves = merkle_leaves_from_vector(v)
        if "first_tx_hash" in v:
            assert leaves[0].hex() == v["first_tx_hash"] and leaves[-1].hex() == v["last_tx_hash"]
        assert _core.compute_merkle_root_py(leaves).hex() == v["expected_root"]
    elif op == "BLOCK_HEADER":
        got = _core.compute_header_hash_py(header_from_vector(v["header"]))
        assert got.hex() == v["expected_hash"]
    else:
        pytest.fail("unknown operation " + op)


@pytest.mark.parametrize("name", ["reference", "accelerated"])
def test_vectors_on_each_backend(name):
    """Every backend gives the golden bytes (the accelerated one falls back on CPUs without it)."""
    _core.set_backend(name)
    for v in VECTORS:
        if v["operation"] == "SHA256":
            assert _core.sha256_hash(_sha_input(v)).hex() == v["expected_hash"]
        elif v["operation"] == "MERKLE":
            assert _core.compute_merkle_root_py(merkle_leaves_from_vector(v)).hex() == v["expected_root"]
        else:
            assert _core.compute_header_hash_py(header_from_vector(v["header"])).hex() == v["expected_hash"]
