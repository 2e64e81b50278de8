"""Hash rules (docs/spec/core.md §5, docs/CHAIN.md §1, §4): SHA-256 from hashlib, no domain tags."""
import hashlib
import hmac
import struct

from .codec import Header, Transaction, Problem, Solution


def H(*parts) -> bytes:
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def le64(v):
    return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


def le32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def header_hash(h: Header) -> bytes:
    return H(h.encode())


def seal_hash(h: Header) -> bytes:
    """Header hash with extra_data cut to all but its last 64 bytes (the seal signs this)."""
    return H(h.encode(extra_data=h.extra_data[:-64]))


def tx_hash(t: Transaction) -> bytes:
    return H(t.encode())


def merkle_root(leaves) -> bytes:
    level = list(leaves)
    if not level:
        return bytes(32)
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level) - 1, 2):
            nxt.append(hashlib.sha256(level[i] + level[i + 1]).digest())
        if len(level) % 2:
            nxt.append(level[-1])  # odd node promoted unchanged
        level = nxt
    return level[0]


def address(pubkey: bytes) -> bytes:
    return H(pubkey)


def epoch_salt(parent: bytes, height: int) -> bytes:
    return H(parent, le64(height))


def miner_salt(seed: bytes, es: bytes, parent: bytes, height: int) -> bytes:
    return hmac.new(seed, es + parent + le64(height), hashlib.sha256).digest()


def problem_hash(p: Problem) -> bytes:
    return H(p.encode())


def solution_hash(s: Solution) -> bytes:
    return H(s.encode())


def commitment_hash(es, ph, sh, salt) -> bytes:
    return H(es, ph, sh, salt)


def tx_signing_message(t: Transaction) -> bytes:
    """core.md §7: u8 codec ‖ u8 tx_type(1..3) ‖ from ‖ to ‖ le64 amount ‖ le64 nonce ‖ le64 gas_limit ‖
    le64 gas_price ‖ le32 len(data) ‖ data ‖ le64 timestamp (i64, two's complement)."""
    return (bytes((t.codec_version & 0xFF, t.tx_type_num())) + t.from_ + t.to +
            struct.pack("<QQQQI", t.amount, t.nonce, t.gas_limit, t.gas_price, len(t.data)) + t.data +
            struct.pack("<q", t.timestamp))
