"""Milestone 1: the Python validator's codec and hashing reproduce golden/network_b_vectors.json (and the
original's 50 in golden/original/) byte for byte."""
import hashlib
import json
import os

import pytest

from conftest import REPO
from coinjecture_validator import codec, hashing, pow as pw, rules, ed25519
from coinjecture_validator.codec import Header, Transaction, Problem, Solution, Reveal, Block

VECTORS = json.load(open(os.path.join(REPO, "golden", "network_b_vectors.json")))["vectors"]
ORIGINAL = json.load(open(os.path.join(REPO, "golden", "original", "network_b_vectors.json")))["vectors"]


def by_op(op, vecs=VECTORS):
    return [pytest.param(v, id=v["test_name"]) for v in vecs if v["operation"] == op]


def hx(s):
    return bytes.fromhex(s)


def cyclic(v, size_key="input_size", hex_key="input_hex"):
    b = hx(v[hex_key])
    n = v.get(size_key)
    if n is None:
        return b
    return (b * (n // max(len(b), 1) + 1))[:n]


def header_of(j):
    return Header(j["codec_version"], j["block_index"], j["timestamp"], hx(j["parent_hash"]), hx(j["merkle_root"]),
                  hx(j["miner_address"]), hx(j["commitment"]), j["difficulty_target"], j["nonce"],
                  hx(j["extra_data"]))


def tx_of(j, data_size=None):
    data = hx(j["data"])
    if data_size is not None:
        data = (data * (data_size // max(len(data), 1) + 1))[:data_size]
    return Transaction(j["codec_version"], j["tx_type"], hx(j["from"]), hx(j["to"]), int(j["amount"]),
                       int(j["nonce"]), int(j["gas_limit"]), int(j["gas_price"]), hx(j["signature"]), data,
                       j["timestamp"])


def problem_of(j):
    return Problem(j["problem_type"], j["tier"], list(j["elements"]), j["target"], j["timestamp"])


def solution_of(j):
    return Solution(list(j["indices"]), j["timestamp"])


def reveal_of(j):
    return Reveal(problem_of(j["problem"]), solution_of(j["solution"]), hx(j["miner_salt"]), int(j["nonce"]))


def block_of(j):
    return Block(header_of(j["header"]), [tx_of(t) for t in j["transactions"]], reveal_of(j["reveal"]), j["cid"])


@pytest.mark.parametrize("v", by_op("SHA256") + by_op("SHA256", ORIGINAL))
def test_sha256(v):
    assert hashing.H(cyclic(v)).hex() == v["expected_hash"]


@pytest.mark.parametrize("v", by_op("MERKLE") + by_op("MERKLE", ORIGINAL))
def test_merkle(v):
    if "tx_hashes" in v:
        leaves = [hx(h) for h in v["tx_hashes"]]
    else:
        prefix = v.get("leaf_prefix")
        n = v["tx_count"]
        if prefix is not None:
            leaves = [hashlib.sha256((prefix + str(i)).encode()).digest() for i in range(n)]
        elif v["test_name"] == "merkle_hundred_txs":
            leaves = [hashlib.sha256(("transaction_%d" % i).encode()).digest() for i in range(n)]
        else:
            leaves = [hashlib.sha256(("tx_%04d" % i).encode()).digest() for i in range(n)]
        assert leaves[0].hex() == v["first_tx_hash"] and leaves[-1].hex() == v["last_tx_hash"]
    assert hashing.merkle_root(leaves).hex() == v["expected_root"]


@pytest.mark.parametrize("v", by_op("BLOCK_HEADER") + by_op("BLOCK_HEADER", ORIGINAL))
def test_header(v):
    h = header_of(v["header"])
    enc = h.encode()
    if "encoding_hex" in v:
        assert enc.hex() == v["encoding_hex"]
    assert hashing.header_hash(h).hex() == v["expected_hash"]
    # strict decoding gives the same value back
    r = codec.Reader(enc)
    assert Header.read(r) == h
    r.done()


@pytest.mark.parametrize("v", by_op("TRANSACTION"))
def test_transaction(v):
    t = tx_of(v["tx"], v.get("data_size"))
    enc = t.encode()
    if "encoding_hex" in v:
        assert enc.hex() == v["encoding_hex"]
    if "encoding_sha256" in v:
        assert hashlib.sha256(enc).hexdigest() == v["encoding_sha256"]
    assert hashing.tx_hash(t).hex() == v["expected_hash"]
    msg = hashing.tx_signing_message(t)
    if "signing_message_hex" in v:
        assert msg.hex() == v["signing_message_hex"]
    if "signing_message_sha256" in v:
        assert hashlib.sha256(msg).hexdigest() == v["signing_message_sha256"]
    d = Transaction.decode(enc)
    assert d == t
    if "signature_valid" in v:
        assert ed25519.verify(t.from_, t.signature, msg) == v["signature_valid"]
    if "signer_seed" in v:
        seed = hx(v["signer_seed"])
        assert ed25519.public_key(seed) == t.from_
        assert ed25519.sign(seed, msg) == t.signature


@pytest.mark.parametrize("v", by_op("TX_RULES"))
def test_tx_rules(v):
    t = tx_of(v["tx"])
    st, fee, total = rules.check_rules(t, int(v["account"]["balance"]), int(v["account"]["nonce"]))
    assert st == v["expected_status"]
    if st == "OK":
        assert fee == int(v["expected_fee"]) and total == int(v["expected_total_cost"])
        assert t.gas_limit == int(v["expected_gas_used"])


@pytest.mark.parametrize("v", by_op("ADDRESS"))
def test_address(v):
    assert hashing.address(hx(v["public_key"])).hex() == v["expected_address"]


@pytest.mark.parametrize("v", by_op("EPOCH_SALT"))
def test_epoch_salt(v):
    assert hashing.epoch_salt(hx(v["parent_hash"]), int(v["block_index"])).hex() == v["expected_salt"]


@pytest.mark.parametrize("v", by_op("MINER_SALT"))
def test_miner_salt(v):
    got = hashing.miner_salt(hx(v["seed"]), hx(v["epoch_salt"]), hx(v["parent_hash"]), int(v["block_index"]))
    assert got.hex() == v["expected_salt"]


@pytest.mark.parametrize("v", by_op("PROBLEM"))
def test_problem(v):
    p = problem_of(v["problem"])
    assert p.encode().hex() == v["encoding_hex"]
    assert hashing.problem_hash(p).hex() == v["expected_hash"]
    r = codec.Reader(p.encode())
    assert Problem.read(r) == p


@pytest.mark.parametrize("v", by_op("SOLUTION"))
def test_solution(v):
    s = solution_of(v["solution"])
    assert s.encode().hex() == v["encoding_hex"]
    assert hashing.solution_hash(s).hex() == v["expected_hash"]


@pytest.mark.parametrize("v", by_op("REVEAL"))
def test_reveal(v):
    rv = reveal_of(v["reveal"])
    assert rv.encode().hex() == v["encoding_hex"]
    r = codec.Reader(rv.encode())
    assert Reveal.read(r) == rv


@pytest.mark.parametrize("v", by_op("COMMITMENT"))
def test_commitment(v):
    p, s = problem_of(v["problem"]), solution_of(v["solution"])
    es = hashing.epoch_salt(hx(v["parent_hash"]), int(v["block_index"]))
    assert es.hex() == v["expected_epoch_salt"]
    assert hashing.problem_hash(p).hex() == v["expected_problem_hash"]
    assert hashing.solution_hash(s).hex() == v["expected_solution_hash"]
    c = hashing.commitment_hash(es, hashing.problem_hash(p), hashing.solution_hash(s), hx(v["miner_salt"]))
    assert c.hex() == v["expected_commitment_hash"]


@pytest.mark.parametrize("v", by_op("COMMITMENT_HASH"))
def test_commitment_hash(v):
    c = v["commitment"]
    got = hashing.commitment_hash(hx(c["epoch_salt"]), hx(c["problem_hash"]), hx(c["solution_hash"]),
                                  hx(c["miner_salt"]))
    assert got.hex() == v["expected_hash"]


@pytest.mark.parametrize("v", by_op("BLOCK"))
def test_block(v):
    b = block_of(v["block"])
    enc = b.encode()
    assert enc.hex() == v["encoding_hex"]
    assert hashing.header_hash(b.header).hex() == v["expected_hash"]
    assert hashing.merkle_root([hashing.tx_hash(t) for t in b.transactions]).hex() == v["expected_merkle_root"]
    d = Block.decode(enc)
    assert d == b and d.encode() == enc and d.header_raw == b.header.encode()


@pytest.mark.parametrize("v", by_op("SUBSET_SUM"))
def test_subset_sum(v):
    bud = {k: int(x) for k, x in v["budget"].items()}
    st = pw.subset_sum_status(problem_of(v["problem"]), solution_of(v["solution"]), bud)
    assert st == v["expected_status"]
    assert (st == "OK") == v["expected_valid"]


@pytest.mark.parametrize("v", by_op("TIER"))
def test_tier(v):
    lo, hi = pw.TIER_RULES[v["tier"]][:2]
    assert (lo, hi) == (v["expected_min_elements"], v["expected_max_elements"])
    assert pw.tier_budget(v["tier"]) == {k: int(x) for k, x in v["expected_budget"].items()}


def test_every_operation_is_covered():
    covered = {"SHA256", "MERKLE", "BLOCK_HEADER", "TRANSACTION", "TX_RULES", "ADDRESS", "EPOCH_SALT", "MINER_SALT",
               "PROBLEM", "SOLUTION", "REVEAL", "COMMITMENT", "COMMITMENT_HASH", "BLOCK", "SUBSET_SUM", "TIER"}
    escrow = {"ESCROW_ID", "ESCROW_CREATION", "ESCROW_RELEASE", "ESCROW_REFUND"}  # not consensus (CHAIN.md §11a)
    assert {v["operation"] for v in VECTORS} <= covered | escrow
