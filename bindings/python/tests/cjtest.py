"""Shared helpers for the coinjecture pytest suite: the golden vectors, random consensus objects and a
pure-hashlib Merkle root."""

import hashlib
import json
import os
import pathlib
import random

U64_MAX = 2**64 - 1
I64_MIN = -(2**63)
I64_MAX = 2**63 - 1
HASH_KEYS = ("parent_hash", "merkle_root", "miner_address", "commitment")


def golden_path():
    """The original's network_b_vectors.json: $COINJECTURE_GOLDEN, else the repository's committed
    golden/original/ copy."""
    env = os.environ.get("COINJECTURE_GOLDEN")
    if env:
        return pathlib.Path(env)
    repo = pathlib.Path(__file__).resolve().parents[3]
    return repo / "golden" / "original" / "network_b_vectors.json"


def golden_vectors():
    """The vector list, or [] when the file is absent (test_golden reports that as a failure)."""
    path = golden_path()
    if not path.is_file():
        return []
    return json.loads(path.read_text())["vectors"]


def header_from_vector(h):
    """A golden BLOCK_HEADER vector's header (hex strings) as the dict compute_header_hash_py takes."""
    out = dict(h)
    for k in HASH_KEYS + ("extra_data",):
        out[k] = bytes.fromhex(h[k])
    return out


def merkle_leaves_from_vector(v):
    """A MERKLE vector's leaves; the 100/1000-leaf vectors carry only their generation rule."""
    if "tx_hashes" in v:
        return [bytes.fromhex(x) for x in v["tx_hashes"]]
    if v["tx_count"] == 100:
        return [hashlib.sha256(b"transaction_%d" % i).digest() for i in range(100)]
    if v["tx_count"] == 1000:
        return [hashlib.sha256(b"tx_%04d" % i).digest() for i in range(1000)]
    raise AssertionError("unknown MERKLE vector " + v["test_name"])


def py_merkle(leaves):
    """Merkle root with hashlib only: pairwise SHA-256, odd last node promoted, [] -> zeros."""
    level = [bytes(x) for x in leaves]
    if not level:
        return bytes(32)
    while len(level) > 1:
        nxt = [hashlib.sha256(level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def _edge_u64(rng):
    return rng.choice([0, 1, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, U64_MAX,
                       rng.randrange(2**64)])


def _edge_i64(rng):
    return rng.choice([0, -1, -32, -33, -128, -129, -32768, -32769, -(2**31), -(2**31) - 1, I64_MIN,
                       I64_MAX, 127, 128, rng.randrange(I64_MIN, I64_MAX + 1)])


def rand_bytes(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def rand_header(rng, extra_len=None):
    if extra_len is None:
        extra_len = rng.choice([0, 1, 15, 16, 200, 256])
    h = {
        "codec_version": rng.choice([1, 0, 127, 128, 255]),
        "block_index": _edge_u64(rng),
        "timestamp": _edge_i64(rng),
    }
    for k in HASH_KEYS:
        h[k] = rand_bytes(rng, 32)
    h["difficulty_target"] = _edge_u64(rng)
    h["nonce"] = _edge_u64(rng)
    h["extra_data"] = rand_bytes(rng, extra_len)
    return h


def rand_tx(rng, data_len=None):
    if data_len is None:
        data_len = rng.choice([0, 1, 3, 15, 16, 100, 300])
    return {
        "codec_version": rng.choice([1, 0, 255]),
        "tx_type": rng.choice([1, 2, 3]),
        "from": rand_bytes(rng, 32),
        "to": rand_bytes(rng, 32),
        "amount": _edge_u64(rng),
        "nonce": _edge_u64(rng),
        "gas_limit": _edge_u64(rng),
        "gas_price": _edge_u64(rng),
        "signature": rand_bytes(rng, 64),
        "data": rand_bytes(rng, data_len),
        "timestamp": _edge_i64(rng),
    }


def rand_problem(rng, n=None):
    if n is None:
        n = rng.randint(0, 32)
    return {
        "problem_type": rng.choice([1, 1, 1, 2, 7]),
        "tier": rng.randint(1, 5),
        "elements": [_edge_i64(rng) if rng.random() < 0.2 else rng.randint(-1000, 1000) for _ in range(n)],
        "target": rng.randint(-3000, 3000),
        "timestamp": _edge_i64(rng),
    }


def rand_block(rng, ntx=None):
    if ntx is None:
        ntx = rng.choice([0, 1, 2, 5, 17])
    problem = rand_problem(rng)
    k = rng.randint(0, len(problem["elements"]))
    return {
        "header": rand_header(rng),
        "transactions": [rand_tx(rng) for _ in range(ntx)],
        "reveal": {
            "problem": problem,
            "solution": {"indices": [rng.randrange(2**32) if rng.random() < 0.1 else rng.randrange(40)
                                     for _ in range(k)],
                         "timestamp": _edge_i64(rng)},
            "miner_salt": rand_bytes(rng, 32),
            "nonce": _edge_u64(rng),
        },
        "cid": rng.choice([None, "", "bafy" + "x" * 50, "Qm\u00e9\u4e16\U0001f680", "c" * 256]),
    }


def rng(seed=1337):
    return random.Random(seed)
