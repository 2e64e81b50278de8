"""Golden vectors: independent cross-check of golden/network_b_vectors.json.

(a) every vector is recomputed by the pure-Python reference (bindings/python/coinjecture/reference.py);
(b) the original generator's 50 vectors (golden/original/, committed) are a subset of ours;
(c) the file has >= 200 vectors, covers every operation class and boundary, and is formatted as the
    original (2-space indent, sorted keys, lowercase hex);
(d) the committed file equals the output of the tool named by COINJECTURE_VECTORS_BIN, byte for byte.

Run: /usr/bin/python3 -m pytest -q tests/golden
"""

import hashlib
import json
import os
import re
import subprocess

import pytest

from golden_common import (ORIGINAL, OURS, block_of, commitment_of, cyclic, escrow_of, h, header_of,
                           load_json, problem_of, ref, reveal_of, solution_of, tx_of)

try:  # Ed25519 from Debian's python3-cryptography, when installed (not required)
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    HAVE_ED25519 = True
except ImportError:  # pragma: no cover - depends on the machine
    HAVE_ED25519 = False

DOC = load_json(OURS) if OURS.exists() else None
VECTORS = DOC["vectors"] if DOC else []


def sha(b):
    return hashlib.sha256(b).digest()


def hx(b):
    return b.hex()


# ---------------------------------------------------------------------------------------------------
# (a) recompute every vector with the reference
# ---------------------------------------------------------------------------------------------------

def check_sha256(v):
    data = cyclic(v["input_hex"], v.get("input_size"))
    assert hx(ref.sha256(data)) == v["expected_hash"]


ORIGINAL_LEAF_RULES = {
    "merkle_hundred_txs": lambda i: "transaction_%d" % i,
    "merkle_thousand_txs": lambda i: "tx_%04d" % i,
}


def check_merkle(v):
    if "tx_hashes" in v:
        leaves = [h(x) for x in v["tx_hashes"]]
    else:
        n = v["tx_count"]
        if "leaf_prefix" in v:
            leaves = [sha((v["leaf_prefix"] + str(i)).encode()) for i in range(n)]
        else:
            rule = ORIGINAL_LEAF_RULES[v["test_name"]]
            leaves = [sha(rule(i).encode()) for i in range(n)]
        assert hx(leaves[0]) == v["first_tx_hash"]
        assert hx(leaves[-1]) == v["last_tx_hash"]
    assert hx(ref.merkle_root(leaves)) == v["expected_root"]


def check_header(v):
    hd = header_of(v["header"])
    assert hx(ref.header_hash(hd)) == v["expected_hash"]
    if "encoding_hex" in v:
        assert hx(ref.encode_header(hd)) == v["encoding_hex"]


def check_transaction(v):
    tx = tx_of(v["tx"], v.get("data_size"))
    enc = ref.encode_tx(tx)
    msg = ref.tx_signing_message(tx)
    assert len(msg) == 110 + len(tx["data"])
    if "encoding_hex" in v:
        assert hx(enc) == v["encoding_hex"]
        assert hx(msg) == v["signing_message_hex"]
    else:
        assert hx(sha(enc)) == v["encoding_sha256"]
        assert hx(sha(msg)) == v["signing_message_sha256"]
    assert hx(ref.tx_hash(tx)) == v["expected_hash"]
    if not HAVE_ED25519:
        return  # signature bytes are covered by the C tests; message and hash were checked above
    if "signer_seed" in v:
        key = Ed25519PrivateKey.from_private_bytes(h(v["signer_seed"]))
        assert key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) == tx["from"]
        assert key.sign(msg) == tx["signature"], "Ed25519 is deterministic: same key, same message"
    if "signature_valid" in v:
        try:
            Ed25519PublicKey.from_public_bytes(tx["from"]).verify(tx["signature"], msg)
            valid = True
        except InvalidSignature:
            valid = False
        assert valid == v["signature_valid"]


def check_tx_rules(v):
    tx = tx_of(v["tx"])
    r = ref.tx_check_rules(tx, v["account"])
    assert r["status"] == v["expected_status"]
    if r["status"] == "OK":
        assert (r["fee"], r["gas_used"], r["total_cost"]) == \
            (v["expected_fee"], v["expected_gas_used"], v["expected_total_cost"])
    else:
        assert not {"expected_fee", "expected_gas_used", "expected_total_cost"} & set(v)


def check_address(v):
    assert hx(ref.derive_address(h(v["public_key"]))) == v["expected_address"]


def check_epoch_salt(v):
    assert hx(ref.epoch_salt(h(v["parent_hash"]), v["block_index"])) == v["expected_salt"]


def check_miner_salt(v):
    got = ref.miner_salt(h(v["seed"]), h(v["epoch_salt"]), h(v["parent_hash"]), v["block_index"])
    assert hx(got) == v["expected_salt"]


def check_commitment(v):
    c = ref.commitment_create(problem_of(v["problem"]), solution_of(v["solution"]), h(v["miner_salt"]),
                              h(v["parent_hash"]), v["block_index"])
    assert hx(c["epoch_salt"]) == v["expected_epoch_salt"]
    assert hx(c["problem_hash"]) == v["expected_problem_hash"]
    assert hx(c["solution_hash"]) == v["expected_solution_hash"]
    assert hx(ref.commitment_hash(c)) == v["expected_commitment_hash"]
    assert hx(ref.encode_commitment(c)) == v["encoding_hex"]


def check_commitment_hash(v):
    c = commitment_of(v["commitment"])
    assert hx(ref.commitment_hash(c)) == v["expected_hash"]
    assert hx(ref.encode_commitment(c)) == v["encoding_hex"]


def check_problem(v):
    p = problem_of(v["problem"])
    assert hx(ref.encode_problem(p)) == v["encoding_hex"]
    assert hx(ref.problem_hash(p)) == v["expected_hash"]


def check_solution(v):
    s = solution_of(v["solution"])
    assert hx(ref.encode_solution(s)) == v["encoding_hex"]
    assert hx(ref.solution_hash(s)) == v["expected_hash"]


def check_reveal(v):
    assert hx(ref.encode_reveal(reveal_of(v["reveal"]))) == v["encoding_hex"]


def check_block(v):
    b = block_of(v["block"])
    assert hx(ref.encode_block(b)) == v["encoding_hex"]
    assert hx(ref.block_hash(b)) == v["expected_hash"]
    assert hx(ref.block_merkle_root(b)) == v["expected_merkle_root"]


def check_escrow_id(v):
    got = ref.escrow_id(h(v["submitter"]), h(v["problem_hash"]), v["created_block"])
    assert hx(got) == v["expected_id"]


def check_escrow_creation(v):
    assert ref.escrow_check_creation(v["amount"], v["created_block"], v["expiry_block"]) == v["expected_valid"]


def _escrow(v):
    e = escrow_of(v["escrow"])
    assert e["id"] == ref.escrow_id(e["submitter"], e["problem_hash"], e["created_block"])
    return e


def check_escrow_release(v):
    assert ref.escrow_check_release(_escrow(v), h(v["recipient"])) == v["expected_valid"]


def check_escrow_refund(v):
    assert ref.escrow_check_refund(_escrow(v), v["current_block"]) == v["expected_valid"]


def check_subset_sum(v):
    status = ref.subset_sum_verify(problem_of(v["problem"]), solution_of(v["solution"]), v["budget"])
    assert status == v["expected_status"]
    assert v["expected_valid"] == (status == "OK")


def check_tier(v):
    assert ref.tier_budget(v["tier"]) == v["expected_budget"]
    assert ref.tier_elements(v["tier"]) == (v["expected_min_elements"], v["expected_max_elements"])


CHECKERS = {
    "SHA256": check_sha256, "MERKLE": check_merkle, "BLOCK_HEADER": check_header,
    "TRANSACTION": check_transaction, "TX_RULES": check_tx_rules, "ADDRESS": check_address,
    "EPOCH_SALT": check_epoch_salt, "MINER_SALT": check_miner_salt, "COMMITMENT": check_commitment,
    "COMMITMENT_HASH": check_commitment_hash, "PROBLEM": check_problem, "SOLUTION": check_solution,
    "REVEAL": check_reveal, "BLOCK": check_block, "ESCROW_ID": check_escrow_id,
    "ESCROW_CREATION": check_escrow_creation, "ESCROW_RELEASE": check_escrow_release,
    "ESCROW_REFUND": check_escrow_refund, "SUBSET_SUM": check_subset_sum, "TIER": check_tier,
}


def test_file_exists():
    assert OURS.exists(), "%s is missing: run coinjecture-vectors -o golden/network_b_vectors.json" % OURS


@pytest.mark.parametrize("v", VECTORS, ids=[v["test_name"] for v in VECTORS])
def test_vector_recomputed_by_reference(v):
    assert v["operation"] in CHECKERS, "unknown operation %s" % v["operation"]
    CHECKERS[v["operation"]](v)


# ---------------------------------------------------------------------------------------------------
# (b) the original 50 are a subset
# ---------------------------------------------------------------------------------------------------

# SHA-256 of the original generator's file as received (golden/original/README.md): the committed copy
# is the conformance target and must never be edited or regenerated.
ORIGINAL_SHA256 = "70028e8dad617dd94095fd48ac74f2b7ec10808c15aae478677f9b8a2706fb2a"


def test_original_file_is_unchanged():
    assert hashlib.sha256(ORIGINAL.read_bytes()).hexdigest() == ORIGINAL_SHA256, ORIGINAL


def test_original_vectors_are_a_subset():
    orig = load_json(ORIGINAL)["vectors"]
    assert len(orig) == 50
    ours = {v["test_name"]: v for v in VECTORS}
    for o in orig:
        assert o["test_name"] in ours, o["test_name"]
        assert ours[o["test_name"]] == o, "vector %s differs from the original" % o["test_name"]
    # ...and they come first, in the original's order.
    assert [v["test_name"] for v in VECTORS[:50]] == [o["test_name"] for o in orig]


def test_original_vectors_recomputed_by_reference():
    for v in load_json(ORIGINAL)["vectors"]:
        CHECKERS[v["operation"]](v)


# ---------------------------------------------------------------------------------------------------
# (c) size, coverage and format
# ---------------------------------------------------------------------------------------------------

def by_op(op):
    return [v for v in VECTORS if v["operation"] == op]


def test_count_and_metadata():
    assert len(VECTORS) >= 200
    assert DOC["total_vectors"] == len(VECTORS)
    names = [v["test_name"] for v in VECTORS]
    assert len(set(names)) == len(names), "test names must be unique"
    assert "generated_at" not in DOC, "no timestamp: regeneration must be byte-identical"


def test_every_operation_class_present():
    ops = {v["operation"] for v in VECTORS}
    assert set(CHECKERS) <= ops, "missing: %s" % sorted(set(CHECKERS) - ops)


def test_sha256_padding_boundaries():
    sizes = {v.get("input_size", len(v["input_hex"]) // 2) for v in by_op("SHA256")}
    assert {0, 55, 56, 63, 64, 119, 120} <= sizes
    assert any(s >= 1000 for s in sizes)


def test_merkle_sizes():
    sizes = {v.get("tx_count", len(v.get("tx_hashes", []))) for v in by_op("MERKLE")}
    assert set(range(18)) | {31, 32, 33, 100, 255, 256, 257, 1000, 1025} <= sizes


def test_header_boundaries():
    heads = [v["header"] for v in by_op("BLOCK_HEADER")]
    widths = {0, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**64 - 1}
    for field in ("block_index", "difficulty_target", "nonce"):
        assert widths <= {hd[field] for hd in heads}, field
    ts = {hd["timestamp"] for hd in heads}
    assert {-1, -32, -33, -128, -129, -32768, -32769, -2**31, -2**31 - 1, -2**63, 2**63 - 1} <= ts
    lens = {len(hd["extra_data"]) // 2 for hd in heads}
    assert {0, 15, 16, 17, 255, 256} <= lens
    assert any(b >= 0x80 for hd in heads for b in h(hd["extra_data"]))
    assert all("encoding_hex" in v for v in by_op("BLOCK_HEADER")[32:])


def test_transaction_coverage():
    txs = by_op("TRANSACTION")
    signed = [v for v in txs if "signer_seed" in v]
    rfc_test1 = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
    assert len(signed) >= 5 and any(v["signer_seed"] == rfc_test1 for v in signed)
    assert all(v["signature_valid"] for v in signed)
    assert any(v.get("signature_valid") is False for v in txs)
    assert {"Transfer", "ProblemSubmission", "BountyPayment"} <= {v["tx"]["tx_type"] for v in txs}
    statuses = {v["expected_status"] for v in by_op("TX_RULES")}
    assert {"OK", "BAD_NONCE", "AMOUNT_OVERFLOW", "FEE_TOO_LOW", "INSUFFICIENT_BALANCE",
            "GAS_TOO_LOW"} <= statuses


def test_subset_sum_and_escrow_verdicts():
    statuses = {v["expected_status"] for v in by_op("SUBSET_SUM")}
    assert {"OK", "NOT_IMPLEMENTED", "TIER_SIZE", "PROOF_SIZE", "BUDGET_OPS", "DUPLICATE_INDEX",
            "INDEX_RANGE", "OVERFLOW", "WRONG_SUM", "BUDGET_MEMORY"} <= statuses
    for op in ("ESCROW_CREATION", "ESCROW_RELEASE", "ESCROW_REFUND"):
        assert {True, False} == {v["expected_valid"] for v in by_op(op)}, op


TEXT_KEYS = {"operation", "test_name", "tx_type", "problem_type", "tier", "state", "cid", "leaf_prefix",
             "expected_status"}


def _strings(obj, key=None):
    if isinstance(obj, dict):
        for k, val in obj.items():
            yield from _strings(val, k)
    elif isinstance(obj, list):
        for val in obj:
            yield from _strings(val, key)
    elif isinstance(obj, str):
        yield key, obj


def test_format_sorted_two_space_lowercase_hex():
    text = OURS.read_bytes().decode("utf-8")
    assert text == json.dumps(DOC, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    for key, s in _strings(VECTORS):
        if key not in TEXT_KEYS:
            assert re.fullmatch(r"(?:[0-9a-f]{2})*", s), "%s is not lowercase hex: %.40s" % (key, s)


def test_original_uses_the_same_format():
    # The formatting rule above reproduces the original file exactly (it has no final newline).
    text = ORIGINAL.read_bytes().decode("utf-8")
    assert text == json.dumps(load_json(ORIGINAL), indent=2, sort_keys=True, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------------
# (d) regeneration is byte-identical
# ---------------------------------------------------------------------------------------------------

def test_regeneration_is_byte_identical(tmp_path):
    tool = os.environ.get("COINJECTURE_VECTORS_BIN")
    if not tool:
        pytest.skip("COINJECTURE_VECTORS_BIN is not set (ctest's golden.pytest sets it to coinjecture-vectors)")
    out = tmp_path / "vectors.json"
    subprocess.run([tool, "-o", str(out)], check=True, timeout=600)
    assert out.read_bytes() == OURS.read_bytes(), "regenerate with: %s -o golden/network_b_vectors.json" % tool
    # stdout form is the same bytes
    res = subprocess.run([tool], check=True, timeout=600, stdout=subprocess.PIPE)
    assert res.stdout == OURS.read_bytes()
