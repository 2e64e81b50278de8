"""Shared helpers of the golden-vector tests: paths, the pure-Python reference (loaded by file path so
the C extension is never imported), and JSON -> reference-dict conversion."""

import importlib.util
import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OURS = REPO / "golden" / "network_b_vectors.json"
# the original generator's 50 vectors, committed; $COINJECTURE_SHARED_GOLDEN (a file) overrides
ORIGINAL = Path(os.environ.get("COINJECTURE_SHARED_GOLDEN",
                               REPO / "golden" / "original" / "network_b_vectors.json"))
REFERENCE_PY = REPO / "bindings" / "python" / "coinjecture" / "reference.py"


def load_reference():
    """Imports bindings/python/coinjecture/reference.py by path (not through the package, whose
    __init__ may import the C extension)."""
    spec = importlib.util.spec_from_file_location("coinjecture_reference", REFERENCE_PY)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ref = load_reference()


def load_json(path):
    """Parsed JSON of a file."""
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def cyclic(hex_prefix, size=None):
    """The vectors' compact-input rule: hex_prefix repeated cyclically to size bytes."""
    b = bytes.fromhex(hex_prefix)
    if size is None or size == len(b):
        return b
    assert b, "a compact input needs a non-empty prefix"
    return (b * (size // len(b) + 1))[:size]


def h(s):
    """bytes of a hex string."""
    return bytes.fromhex(s)


def header_of(j):
    """Reference header dict from a vector's header object."""
    return {
        "codec_version": j["codec_version"], "block_index": j["block_index"], "timestamp": j["timestamp"],
        "parent_hash": h(j["parent_hash"]), "merkle_root": h(j["merkle_root"]),
        "miner_address": h(j["miner_address"]), "commitment": h(j["commitment"]),
        "difficulty_target": j["difficulty_target"], "nonce": j["nonce"], "extra_data": h(j["extra_data"]),
    }


def tx_of(j, data_size=None):
    """Reference transaction dict from a vector's tx object (data expanded to data_size if given)."""
    return {
        "codec_version": j["codec_version"], "tx_type": j["tx_type"], "from": h(j["from"]), "to": h(j["to"]),
        "amount": j["amount"], "nonce": j["nonce"], "gas_limit": j["gas_limit"], "gas_price": j["gas_price"],
        "signature": h(j["signature"]), "data": cyclic(j["data"], data_size), "timestamp": j["timestamp"],
    }


def problem_of(j):
    """Reference problem dict."""
    return {"problem_type": j["problem_type"], "tier": j["tier"], "elements": list(j["elements"]),
            "target": j["target"], "timestamp": j["timestamp"]}


def solution_of(j):
    """Reference solution dict."""
    return {"indices": list(j["indices"]), "timestamp": j["timestamp"]}


def reveal_of(j):
    """Reference reveal dict."""
    return {"problem": problem_of(j["problem"]), "solution": solution_of(j["solution"]),
            "miner_salt": h(j["miner_salt"]), "nonce": j["nonce"]}


def commitment_of(j):
    """Reference commitment dict."""
    return {k: h(j[k]) for k in ("epoch_salt", "problem_hash", "solution_hash", "miner_salt")}


def escrow_of(j):
    """Reference escrow dict (Option fields None when null)."""
    opt = lambda v: None if v is None else h(v)  # noqa: E731
    return {"id": h(j["id"]), "submitter": h(j["submitter"]), "amount": j["amount"],
            "problem_hash": h(j["problem_hash"]), "created_block": j["created_block"],
            "expiry_block": j["expiry_block"], "state": j["state"], "recipient": opt(j["recipient"]),
            "settled_block": j["settled_block"], "settlement_tx": opt(j["settlement_tx"])}


def block_of(j):
    """Reference block dict."""
    return {"header": header_of(j["header"]), "transactions": [tx_of(t) for t in j["transactions"]],
            "reveal": reveal_of(j["reveal"]), "cid": j["cid"]}
