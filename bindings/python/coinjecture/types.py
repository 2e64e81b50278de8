"""Typed views of the consensus objects (frozen dataclasses), with the names and fields of the original
``coinjecture.types`` so existing callers keep working.

Each class checks its fixed sizes when built and converts to the plain dicts the ``_core`` functions
take (``to_dict``). Invalid fields raise :class:`InvalidFieldError`, which is both a ``ValueError`` and
an ``AssertionError`` (the original used ``assert``, so ``except AssertionError`` keeps catching it, and
the checks no longer vanish under ``python -O``).
"""

from dataclasses import dataclass, field
from enum import IntEnum
from typing import List, NewType, Optional

__all__ = [
    "Hash32", "Signature64", "Address", "InvalidFieldError",
    "CODEC_VERSION", "MAX_BLOCK_SIZE", "MAX_TX_PER_BLOCK", "MAX_PROOF_ELEMENTS",
    "HardwareTier", "ProblemType", "TxType",
    "BlockHeader", "Commitment", "Problem", "Solution", "Reveal", "Transaction", "Block", "VerifyBudget",
]

Hash32 = NewType("Hash32", bytes)
Signature64 = NewType("Signature64", bytes)
Address = NewType("Address", bytes)

CODEC_VERSION: int = 1
MAX_BLOCK_SIZE: int = 10 * 1024 * 1024
MAX_TX_PER_BLOCK: int = 10_000
MAX_PROOF_ELEMENTS: int = 32

_MAX_EXTRA_DATA = 256
_MAX_TX_DATA = 1024 * 1024


class InvalidFieldError(ValueError, AssertionError):
    """A field of a consensus object has the wrong size or value."""


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise InvalidFieldError(message)


def _sized(value: bytes, size: int, name: str) -> None:
    _require(len(value) == size, f"{name} must be {size} bytes")


# Per tier: (min elements, max elements, time limit ms, memory limit MiB); core.md section 1.
_TIER_LIMITS = {
    1: (8, 12, 60_000, 256),
    2: (12, 16, 300_000, 1024),
    3: (16, 20, 900_000, 4096),
    4: (20, 24, 1_800_000, 16384),
    5: (24, 32, 3_600_000, 65536),
}


class HardwareTier(IntEnum):
    """Mining hardware tier: bounds the problem size and the verification budget."""

    MOBILE = 1
    DESKTOP = 2
    WORKSTATION = 3
    SERVER = 4
    CLUSTER = 5

    def element_range(self) -> tuple:
        """Inclusive (min, max) element count of a problem of this tier."""
        lo, hi, _, _ = _TIER_LIMITS[int(self)]
        return (lo, hi)

    def time_limit_ms(self) -> int:
        """Verification time limit in milliseconds."""
        return _TIER_LIMITS[int(self)][2]

    def memory_limit_mb(self) -> int:
        """Verification memory limit in MiB."""
        return _TIER_LIMITS[int(self)][3]


class ProblemType(IntEnum):
    """Proof-of-work problem families (only SUBSET_SUM is verifiable)."""

    SUBSET_SUM = 1
    KNAPSACK = 2
    GRAPH_COLORING = 3
    SAT = 4
    TSP = 5
    FACTORIZATION = 6
    LATTICE_PROBLEMS = 7

    def is_production_ready(self) -> bool:
        """True for the problem types the consensus core can verify."""
        return self is ProblemType.SUBSET_SUM


class TxType(IntEnum):
    """Transaction kinds."""

    TRANSFER = 1
    PROBLEM_SUBMISSION = 2
    BOUNTY_PAYMENT = 3


@dataclass(frozen=True)
class BlockHeader:
    """Block header; its hash (``compute_header_hash_py(h.to_dict())``) is the block id."""

    codec_version: int
    block_index: int
    timestamp: int
    parent_hash: Hash32
    merkle_root: Hash32
    miner_address: Address
    commitment: Hash32
    difficulty_target: int
    nonce: int
    extra_data: bytes = field(default_factory=bytes)

    def __post_init__(self) -> None:
        _require(self.codec_version == CODEC_VERSION, "Codec version mismatch")
        for name in ("parent_hash", "merkle_root", "miner_address", "commitment"):
            _sized(getattr(self, name), 32, name)
        _require(len(self.extra_data) <= _MAX_EXTRA_DATA, "extra_data max 256 bytes")

    def to_dict(self) -> dict:
        """The dict form taken by compute_header_hash_py and encode_block_py."""
        return {
            "codec_version": self.codec_version,
            "block_index": self.block_index,
            "timestamp": self.timestamp,
            "parent_hash": self.parent_hash,
            "merkle_root": self.merkle_root,
            "miner_address": self.miner_address,
            "commitment": self.commitment,
            "difficulty_target": self.difficulty_target,
            "nonce": self.nonce,
            "extra_data": self.extra_data,
        }


@dataclass(frozen=True)
class Commitment:
    """Commit-reveal commitment (four 32-byte values)."""

    epoch_salt: Hash32
    problem_hash: Hash32
    solution_hash: Hash32
    miner_salt: Hash32

    def __post_init__(self) -> None:
        for name in ("epoch_salt", "problem_hash", "solution_hash", "miner_salt"):
            _sized(getattr(self, name), 32, name)


@dataclass(frozen=True)
class Problem:
    """A proof-of-work problem; the element count must fit the tier."""

    problem_type: ProblemType
    tier: HardwareTier
    elements: List[int]
    target: int
    timestamp: int

    def __post_init__(self) -> None:
        lo, hi = HardwareTier(self.tier).element_range()
        n = len(self.elements)
        _require(lo <= n <= hi, f"Tier {self.tier} requires {lo}-{hi} elements, got {n}")

    def to_dict(self) -> dict:
        """The dict form taken by verify_subset_sum_py (enums as numbers)."""
        return {
            "problem_type": int(self.problem_type),
            "tier": int(self.tier),
            "elements": list(self.elements),
            "target": self.target,
            "timestamp": self.timestamp,
        }


@dataclass(frozen=True)
class Solution:
    """Indices into the problem's elements."""

    indices: List[int]
    timestamp: int

    def to_dict(self) -> dict:
        """The dict form taken by verify_subset_sum_py."""
        return {"indices": list(self.indices), "timestamp": self.timestamp}


@dataclass(frozen=True)
class Reveal:
    """Reveal phase: the problem, its solution, the miner salt and the nonce."""

    problem: Problem
    solution: Solution
    miner_salt: Hash32
    nonce: int

    def __post_init__(self) -> None:
        _sized(self.miner_salt, 32, "miner_salt")

    def to_dict(self) -> dict:
        """The dict form used inside encode_block_py's block dict."""
        return {
            "problem": self.problem.to_dict(),
            "solution": self.solution.to_dict(),
            "miner_salt": self.miner_salt,
            "nonce": self.nonce,
        }


@dataclass(frozen=True)
class Transaction:
    """Transaction; ``from_addr`` is the sender's raw Ed25519 public key (``"from"`` in the dict)."""

    codec_version: int
    tx_type: TxType
    from_addr: Address
    to: Address
    amount: int
    nonce: int
    gas_limit: int
    gas_price: int
    signature: Signature64
    data: bytes
    timestamp: int

    def __post_init__(self) -> None:
        _require(self.codec_version == CODEC_VERSION, "Codec version mismatch")
        _sized(self.from_addr, 32, "from_addr")
        _sized(self.to, 32, "to")
        _sized(self.signature, 64, "signature")
        _require(len(self.data) <= _MAX_TX_DATA, "data max 1MB")

    def to_dict(self) -> dict:
        """The dict form taken by encode_transaction_py / compute_transaction_hash_py."""
        return {
            "codec_version": self.codec_version,
            "tx_type": int(self.tx_type),
            "from": self.from_addr,
            "to": self.to,
            "amount": self.amount,
            "nonce": self.nonce,
            "gas_limit": self.gas_limit,
            "gas_price": self.gas_price,
            "signature": self.signature,
            "data": self.data,
            "timestamp": self.timestamp,
        }


@dataclass(frozen=True)
class Block:
    """A block: header, transactions, reveal and the content id."""

    header: BlockHeader
    transactions: List[Transaction]
    reveal: Reveal
    cid: Optional[str] = None

    def __post_init__(self) -> None:
        _require(len(self.transactions) <= MAX_TX_PER_BLOCK, "too many transactions")

    def to_dict(self) -> dict:
        """The dict form taken by encode_block_py."""
        return {
            "header": self.header.to_dict(),
            "transactions": [tx.to_dict() for tx in self.transactions],
            "reveal": self.reveal.to_dict(),
            "cid": self.cid,
        }


@dataclass(frozen=True)
class VerifyBudget:
    """Verification budget (defence against expensive proofs)."""

    max_ops: int
    max_duration_ms: int
    max_memory_bytes: int

    @classmethod
    def from_tier(cls, tier: HardwareTier) -> "VerifyBudget":
        """The budget of a tier: 2^(max elements) ops, the tier's time and memory limits."""
        t = HardwareTier(tier)
        _, hi = t.element_range()
        return cls(max_ops=2**hi, max_duration_ms=t.time_limit_ms(),
                   max_memory_bytes=t.memory_limit_mb() * 1024 * 1024)

    @classmethod
    def permissive(cls) -> "VerifyBudget":
        """No practical limit (for tests)."""
        top = 2**64 - 1
        return cls(max_ops=top, max_duration_ms=top, max_memory_bytes=top)

    def to_dict(self) -> dict:
        """The dict form taken by verify_subset_sum_py."""
        return {
            "max_ops": self.max_ops,
            "max_duration_ms": self.max_duration_ms,
            "max_memory_bytes": self.max_memory_bytes,
        }
