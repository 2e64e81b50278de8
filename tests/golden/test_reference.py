"""The pure-Python reference against values taken from the original implementation (core.md, marked
[V]/[R] there) - independent of the C library and of golden/network_b_vectors.json - plus its input
validation."""

import pytest

from golden_common import h, ref

Z = bytes(32)
GENESIS = dict(codec_version=1, block_index=0, timestamp=1704067200, parent_hash=Z, merkle_root=Z,
               miner_address=Z, commitment=Z, difficulty_target=100, nonce=0, extra_data=b"")


def tx(**kw):
    base = {"codec_version": 1, "tx_type": "Transfer", "from": Z, "to": Z, "amount": 0, "nonce": 0,
            "gas_limit": 21000, "gas_price": 1, "signature": bytes(64), "data": b"", "timestamp": 0}
    base.update(kw)
    return base


CORE_PROBLEM = {"problem_type": "SubsetSum", "tier": "Desktop",
                "elements": [1, -2, 300, -40000, 5 * 10**9, -5 * 10**9, 0, 127, 128, -32, -33, 255],
                "target": 9, "timestamp": 1000}
CORE_SOLUTION = {"indices": [0, 2, 4, 70000], "timestamp": 1001}


def test_genesis_header_encoding_core_4_2():
    enc = ref.encode_header(GENESIS)
    assert len(enc) == 267
    assert enc[:16] == h("8aad636f6465635f76657273696f6e01")
    assert enc.endswith(h("a56e6f6e636500aa65787472615f6461746190"))
    assert ref.header_hash(GENESIS).hex() == "9e28bebb26c909a59795061a5e1f71abfe29874a4e8e7afedfba453cf87285dc"
    assert ref.encode_header(dict(GENESIS, extra_data=b"CHECKPOINT")).endswith(
        h("aa65787472615f646174619a434845434b504f494e54"))


def test_object_hashes_core_4_3():
    assert ref.tx_hash(tx()).hex() == "1e74bb26bf917b4939b564023e03a39769a82b8a607050a82678f4a4e5f12f51"
    bounty = tx(tx_type=3, amount=10**18, nonce=5, gas_limit=50000, gas_price=1000, data=bytes([1, 2, 200]),
                timestamp=-5, signature=b"\x33" * 64, to=b"\x22" * 32, **{"from": b"\x11" * 32})
    assert ref.tx_hash(bounty).hex() == "35b8464352c4506779486669ff1f17f34b1aa1df289de3a1fd6bbe9c322545f3"
    assert ref.problem_hash(CORE_PROBLEM).hex() == \
        "824ad0478271751c0441066ae44fa86812bf65786deabeec408a8e2987311090"
    assert ref.encode_solution(CORE_SOLUTION) == \
        h("82a7696e646963657394000204ce00011170a974696d657374616d70cd03e9")
    assert ref.solution_hash(CORE_SOLUTION).hex() == \
        "ad510234830bf16af55ea30098eaba7f26e6290c7f24ae5bc7273bbdae94013f"
    assert ref.header_hash(dict(GENESIS, timestamp=1609459200, difficulty_target=1000)).hex() == \
        "d1d959b0b7ec30e7613e650973fe34fc55c40bd97c476135e8163ee28068f66c"


def test_salts_commitment_escrow_core_5():
    assert ref.epoch_salt(b"\x42" * 32, 0x0102030405060708).hex() == \
        "baa5874a06953f7ba7a9ce00794f232ea0283330ce2341859308a4832616d1de"
    assert ref.miner_salt(b"\x01" * 32, b"\x02" * 32, b"\x03" * 32, 100).hex() == \
        "e863a2cc331231b76b8485ed1646292f2f4dff3338dc83abd01f45ed24433231"
    c = {"epoch_salt": b"\x01" * 32, "problem_hash": b"\x02" * 32, "solution_hash": b"\x03" * 32,
         "miner_salt": b"\x04" * 32}
    assert ref.commitment_hash(c).hex() == "fefe0b60760d09ad6bc1add63edfb27b3fd077d1237a807c768a8e20416d1151"
    assert ref.commitment_msgpack_hash(c).hex() == \
        "8622bdfc02e5ef11283457f28b6d3065e74cc6097a28d29f90a3afbc7879e62b"
    assert ref.escrow_id(b"\x01" * 32, b"\x02" * 32, 1000).hex() == \
        "ac27b022c484b50b15fa4aa5e8fd5518215bc82b13a681992d6d1078e02227ce"


def test_integer_encodings_core_4_1():
    enc = ref._mp_int
    assert enc(128) == h("cc80") and enc(2**63 - 1) == h("cf7fffffffffffffff")
    assert enc(-1) == h("ff") and enc(-32) == h("e0") and enc(-33) == h("d0df")
    assert enc(-128) == h("d080") and enc(-129) == h("d1ff7f") and enc(-32769) == h("d2ffff7fff")
    assert enc(-2**31) == h("d280000000") and enc(-2**31 - 1) == h("d3ffffffff7fffffff")
    assert ref._mp_uint(2**64 - 1) == h("cfffffffffffffffff")
    assert ref._mp_array_header(15) == h("9f") and ref._mp_array_header(16) == h("dc0010")
    assert ref._mp_array_header(65536) == h("dd00010000")
    assert ref._mp_str("a" * 31)[:1] == h("bf") and ref._mp_str("a" * 32)[:2] == h("d920")


def test_merkle_promotes_odd_node():
    a, b, c = (bytes([x]) * 32 for x in (0xAA, 0xBB, 0xCC))
    assert ref.merkle_root([]) == Z
    assert ref.merkle_root([a]) == a
    ab = ref.sha256(a + b)
    assert ref.merkle_root([a, b, c]) == ref.sha256(ab + c)
    assert ref.merkle_root([a, b, c]) != ref.merkle_root([a, b, c, c])


def test_subset_sum_order_and_budget():
    m = 2**63 - 1
    prob = {"problem_type": 1, "tier": 1, "elements": [m, 1, -1, 0, 0, 0, 0, 0], "target": m, "timestamp": 0}
    bud = ref.tier_budget("Mobile")
    assert ref.subset_sum_verify(prob, {"indices": [0, 1, 2], "timestamp": 0}, bud) == "OVERFLOW"
    assert ref.subset_sum_verify(prob, {"indices": [0, 2, 1], "timestamp": 0}, bud) == "OK"
    sol = {"indices": [0, 2, 1], "timestamp": 0}
    assert ref.subset_sum_verify(prob, sol, dict(bud, max_ops=5)) == "BUDGET_OPS"
    assert ref.subset_sum_verify(prob, sol, dict(bud, max_ops=6)) == "OK"
    assert ref.subset_sum_verify(prob, sol, dict(bud, max_memory_bytes=23)) == "BUDGET_MEMORY"
    assert ref.subset_sum_verify(dict(prob, target=0), sol, dict(bud, max_memory_bytes=23)) == "WRONG_SUM"
    assert ref.subset_sum_verify(prob, {"indices": [9, 1, 1], "timestamp": 0}, bud) == "DUPLICATE_INDEX"
    assert ref.subset_sum_verify(dict(prob, problem_type="TSP"), sol, bud) == "NOT_IMPLEMENTED"
    assert ref.subset_sum_verify(dict(prob, target=0), {"indices": [], "timestamp": 0}, bud) == "OK"


def test_tx_rules_core_7():
    t = tx(amount=1_000_000, gas_limit=21000, gas_price=100)
    assert ref.tx_check_rules(t, {"balance": 3_100_000, "nonce": 0}) == \
        {"status": "OK", "total_cost": 3_100_000, "gas_used": 21000, "fee": 2_100_000}
    assert ref.tx_check_rules(t, {"balance": 3_099_999, "nonce": 0})["status"] == "INSUFFICIENT_BALANCE"
    assert ref.tx_check_rules(t, {"balance": 3_100_000, "nonce": 1})["status"] == "BAD_NONCE"
    assert ref.tx_check_rules(tx(gas_limit=2**32, gas_price=2**32), {"balance": 0, "nonce": 0})["status"] == \
        "AMOUNT_OVERFLOW"
    assert ref.tx_check_rules(tx(gas_limit=1000), {"balance": 10**6, "nonce": 0})["status"] == "GAS_TOO_LOW"
    assert ref.tx_check_rules(tx(gas_limit=999), {"balance": 10**6, "nonce": 0})["status"] == "FEE_TOO_LOW"


def test_signing_message_layout():
    t = tx(codec_version=257 % 256, tx_type=2, amount=1, nonce=2, gas_limit=3, gas_price=4, data=b"xy",
           timestamp=-1, **{"from": b"\x01" * 32})
    m = ref.tx_signing_message(t)
    assert len(m) == 112
    assert m[:2] == b"\x01\x02" and m[2:34] == b"\x01" * 32 and m[34:66] == Z
    assert m[66:98] == bytes([1] + [0] * 7 + [2] + [0] * 7 + [3] + [0] * 7 + [4] + [0] * 7)
    assert m[98:102] == b"\x02\x00\x00\x00" and m[102:104] == b"xy" and m[104:] == b"\xff" * 8


def test_escrow_rules_core_8():
    assert ref.escrow_check_creation(1000, 10, 110)
    assert not ref.escrow_check_creation(999, 10, 110)
    assert not ref.escrow_check_creation(1000, 10, 109)
    assert ref.escrow_check_creation(1000, 10, 100010)
    assert not ref.escrow_check_creation(1000, 10, 100011)
    assert not ref.escrow_check_creation(1000, 10, 10)
    e = {"state": "Locked", "expiry_block": 110}
    assert ref.escrow_check_release(e, b"\x01" * 32) and not ref.escrow_check_release(e, Z)
    assert not ref.escrow_check_release(dict(e, state=1), b"\x01" * 32)
    assert ref.escrow_check_refund(e, 110) and not ref.escrow_check_refund(e, 109)
    assert not ref.escrow_check_refund(dict(e, state="Refunded"), 200)


def test_tiers_core_1():
    assert ref.tier_elements(1) == (8, 12) and ref.tier_elements("Cluster") == (24, 32)
    assert ref.tier_budget("Cluster") == {"max_ops": 2**32, "max_duration_ms": 3_600_000,
                                          "max_memory_bytes": 68_719_476_736}


def test_bad_input_is_refused():
    with pytest.raises(ref.ReferenceError_):
        ref.header_hash(dict(GENESIS, parent_hash=b"\x00" * 31))
    with pytest.raises(ref.ReferenceError_):
        ref.header_hash(dict(GENESIS, block_index=2**64))
    with pytest.raises(ref.ReferenceError_):
        ref.header_hash(dict(GENESIS, codec_version=256))
    with pytest.raises(ref.ReferenceError_):
        ref.header_hash(dict(GENESIS, timestamp=-2**63 - 1))
    with pytest.raises(ref.ReferenceError_):
        ref.tx_hash(tx(tx_type=4))
    with pytest.raises(ref.ReferenceError_):
        ref.tx_hash(tx(tx_type="transfer"))
    with pytest.raises(ref.ReferenceError_):
        ref.tx_hash(tx(signature=bytes(63)))
    with pytest.raises(ref.ReferenceError_):
        ref.merkle_root([bytes(33)])
    with pytest.raises(ref.ReferenceError_):
        ref.tier_budget(0)
    with pytest.raises(ref.ReferenceError_):
        ref.subset_sum_verify(dict(CORE_PROBLEM, tier=6), CORE_SOLUTION, ref.tier_budget(1))


def test_consensus_limits():
    with pytest.raises(ref.EncodeError):
        ref.encode_header(dict(GENESIS, extra_data=bytes(257)))
    ref.encode_header(dict(GENESIS, extra_data=bytes(256)))
    assert len(ref.encode_header(dict(GENESIS, extra_data=bytes(257)), enforce_limits=False)) == 267 + 2 + 257
    with pytest.raises(ref.EncodeError):
        ref.encode_tx(tx(data=bytes(ref.MAX_TX_DATA + 1)))
    with pytest.raises(ref.EncodeError):
        ref.encode_problem(dict(CORE_PROBLEM, elements=[0] * 33))
    reveal = {"problem": CORE_PROBLEM, "solution": CORE_SOLUTION, "miner_salt": Z, "nonce": 0}
    block = {"header": GENESIS, "transactions": [], "reveal": reveal, "cid": "a\x00b"}
    with pytest.raises(ref.EncodeError):
        ref.encode_block(block)
    assert ref.encode_block(dict(block, cid=None)).endswith(h("a3636964c0"))
