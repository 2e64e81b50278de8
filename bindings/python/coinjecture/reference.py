"""Pure-Python reference implementation of the COINjecture Network B consensus rules.

This module is the independent cross-check of ``libcoinjecture_core``: it is written from the
specification (``docs/spec/core.md`` in the source tree), not from the C code, and uses only the
standard library (``hashlib``, ``hmac``, ``struct``). It never imports the C extension, so it can judge it.

Conventions
-----------
* Objects are plain dicts keyed by the field names of core.md section 3. Byte fields are ``bytes``
  (32 bytes for hashes and keys, 64 for signatures; ``extra_data`` and ``data`` any length).
* Enums may be given as their wire variant name (``"Transfer"``, ``"Desktop"``, ``"SubsetSum"``,
  ``"Locked"``) or as the Rust/Python number (TxType 1-3, ProblemType 1-7, HardwareTier 1-5,
  EscrowState 0-2). The original FFI tier numbering 0-4 is *not* accepted here.
* Every hash is SHA-256 of the canonical MessagePack encoding (rmp-serde ``to_vec_named``, core.md
  section 4.1) of the value, or of the raw preimage named in core.md section 5.
* Malformed input (wrong type, wrong length, integer out of range, unknown enum) raises
  :class:`ReferenceError_`; a field over its consensus limit raises :class:`EncodeError` (the C
  library's ``COINJ_ERROR_ENCODING``). Rule verdicts are *returned*, never raised: subset-sum and
  transaction checks return a status name, escrow checks return a bool.

Status names are those of ``coinjecture_ss_status`` / ``coinjecture_tx_status`` without their prefix
(``"OK"``, ``"WRONG_SUM"``, ``"FEE_TOO_LOW"``, ...).
"""

import hashlib
import hmac
import struct

__all__ = [
    "ReferenceError_", "EncodeError",
    "CODEC_VERSION", "MAX_BLOCK_SIZE", "MAX_EXTRA_DATA", "MAX_TX_DATA", "MAX_TX_PER_BLOCK",
    "MAX_ELEMENTS", "MAX_CID", "TX_TYPES", "PROBLEM_TYPES", "TIERS", "ESCROW_STATES",
    "sha256", "double_sha256", "hmac_sha256",
    "encode_header", "encode_tx", "encode_problem", "encode_solution", "encode_reveal",
    "encode_commitment", "encode_block",
    "header_hash", "tx_hash", "problem_hash", "solution_hash", "block_hash", "block_merkle_root",
    "commitment_msgpack_hash", "merkle_root", "derive_address", "epoch_salt", "miner_salt",
    "commitment_create", "commitment_hash", "escrow_id", "escrow_check_creation",
    "escrow_check_release", "escrow_check_refund", "tier_budget", "tier_elements",
    "subset_sum_verify", "tx_signing_message", "tx_check_rules",
]

# ---------------------------------------------------------------------------------------------------
# Constants (core.md section 1)
# ---------------------------------------------------------------------------------------------------

CODEC_VERSION = 1
MAX_BLOCK_SIZE = 10 * 1024 * 1024
MAX_EXTRA_DATA = 256
MAX_TX_DATA = 1024 * 1024
MAX_TX_PER_BLOCK = 10000
MAX_ELEMENTS = 32
MAX_CID = 256

U8_MAX = (1 << 8) - 1
U32_MAX = (1 << 32) - 1
U64_MAX = (1 << 64) - 1
I64_MIN = -(1 << 63)
I64_MAX = (1 << 63) - 1

#: TxType: wire name -> Rust discriminant.
TX_TYPES = {"Transfer": 1, "ProblemSubmission": 2, "BountyPayment": 3}
#: ProblemType: wire name -> Rust discriminant (only SubsetSum is verifiable).
PROBLEM_TYPES = {"SubsetSum": 1, "Knapsack": 2, "GraphColoring": 3, "SAT": 4, "TSP": 5,
                 "Factorization": 6, "LatticeProblems": 7}
#: HardwareTier: wire name -> (number, min elements, max elements, max_ops, max_duration_ms, max_memory).
TIERS = {
    "Mobile": (1, 8, 12, 1 << 12, 60000, 268435456),
    "Desktop": (2, 12, 16, 1 << 16, 300000, 1073741824),
    "Workstation": (3, 16, 20, 1 << 20, 900000, 4294967296),
    "Server": (4, 20, 24, 1 << 24, 1800000, 17179869184),
    "Cluster": (5, 24, 32, 1 << 32, 3600000, 68719476736),
}
#: EscrowState: wire name -> number.
ESCROW_STATES = {"Locked": 0, "Released": 1, "Refunded": 2}


class ReferenceError_(ValueError):
    """Malformed input: wrong type or length, integer out of range, unknown enum value."""


class EncodeError(ReferenceError_):
    """A field exceeds its consensus limit (the C library's COINJ_ERROR_ENCODING)."""


# ---------------------------------------------------------------------------------------------------
# Primitives
# ---------------------------------------------------------------------------------------------------

def sha256(data):
    """SHA-256 of ``data`` (bytes-like) -> 32 bytes."""
    return hashlib.sha256(bytes(data)).digest()


def double_sha256(data):
    """SHA-256(SHA-256(data)) -> 32 bytes (original helper; unused by consensus)."""
    return sha256(sha256(data))


def hmac_sha256(key, msg):
    """HMAC-SHA256(key, msg) -> 32 bytes."""
    return hmac.new(bytes(key), bytes(msg), hashlib.sha256).digest()


def _u(value, bits, name):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReferenceError_("%s must be an int" % name)
    if value < 0 or value >> bits:
        raise ReferenceError_("%s out of range for u%d: %d" % (name, bits, value))
    return value


def _i64(value, name):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReferenceError_("%s must be an int" % name)
    if not I64_MIN <= value <= I64_MAX:
        raise ReferenceError_("%s out of range for i64: %d" % (name, value))
    return value


def _fixed(value, size, name):
    if not isinstance(value, (bytes, bytearray)) or len(value) != size:
        raise ReferenceError_("%s must be %d bytes" % (name, size))
    return bytes(value)


def _blob(value, name):
    if not isinstance(value, (bytes, bytearray)):
        raise ReferenceError_("%s must be bytes" % name)
    return bytes(value)


def _enum(value, table, name):
    """Returns the wire name of an enum given by name or by number."""
    if isinstance(value, str):
        if value not in table:
            raise ReferenceError_("unknown %s %r" % (name, value))
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        for wire, num in table.items():
            num = num[0] if isinstance(num, tuple) else num
            if num == value:
                return wire
    raise ReferenceError_("unknown %s %r" % (name, value))


# ---------------------------------------------------------------------------------------------------
# Canonical MessagePack (core.md section 4.1)
# ---------------------------------------------------------------------------------------------------

def _mp_uint(v):
    """Smallest unsigned form: positive fixint, uint8 cc, uint16 cd, uint32 ce, uint64 cf."""
    if v <= 0x7F:
        return bytes([v])
    if v <= 0xFF:
        return b"\xcc" + struct.pack(">B", v)
    if v <= 0xFFFF:
        return b"\xcd" + struct.pack(">H", v)
    if v <= 0xFFFFFFFF:
        return b"\xce" + struct.pack(">I", v)
    return b"\xcf" + struct.pack(">Q", v)


def _mp_int(v):
    """Signed value: non-negative as unsigned, else negative fixint, int8..int64 (d0..d3)."""
    if v >= 0:
        return _mp_uint(v)
    if v >= -32:
        return struct.pack(">b", v)
    if v >= -128:
        return b"\xd0" + struct.pack(">b", v)
    if v >= -32768:
        return b"\xd1" + struct.pack(">h", v)
    if v >= -(1 << 31):
        return b"\xd2" + struct.pack(">i", v)
    return b"\xd3" + struct.pack(">q", v)


def _mp_str(s):
    raw = s.encode("utf-8")
    n = len(raw)
    if n < 32:
        head = bytes([0xA0 | n])
    elif n <= 0xFF:
        head = b"\xd9" + struct.pack(">B", n)
    elif n <= 0xFFFF:
        head = b"\xda" + struct.pack(">H", n)
    else:
        head = b"\xdb" + struct.pack(">I", n)
    return head + raw


def _mp_bin(b):
    """bin8 (all fixed arrays here are 32 or 64 bytes)."""
    assert len(b) <= 0xFF
    return b"\xc4" + bytes([len(b)]) + b


def _mp_array_header(n):
    if n < 16:
        return bytes([0x90 | n])
    if n <= 0xFFFF:
        return b"\xdc" + struct.pack(">H", n)
    return b"\xdd" + struct.pack(">I", n)


def _mp_map(pairs):
    """fixmap of (key, encoded value) pairs, keys as str in the given (declaration) order."""
    assert len(pairs) < 16
    out = bytearray([0x80 | len(pairs)])
    for key, enc in pairs:
        out += _mp_str(key)
        out += enc
    return bytes(out)


def _mp_bytes_as_array(b):
    """Vec<u8>: array of uints, one per byte (bytes >= 0x80 take two bytes)."""
    return _mp_array_header(len(b)) + b"".join(_mp_uint(x) for x in b)


# ---------------------------------------------------------------------------------------------------
# Encoders and object hashes
# ---------------------------------------------------------------------------------------------------

def encode_header(h, enforce_limits=True):
    """Canonical encoding of a BlockHeader dict (codec_version, block_index, timestamp, parent_hash,
    merkle_root, miner_address, commitment, difficulty_target, nonce, extra_data).

    With ``enforce_limits`` (default, like the C encoder) extra_data over 256 bytes raises EncodeError;
    without it any length is encoded (the original FFI hashes any length)."""
    extra = _blob(h["extra_data"], "extra_data")
    if enforce_limits and len(extra) > MAX_EXTRA_DATA:
        raise EncodeError("extra_data is %d bytes, limit %d" % (len(extra), MAX_EXTRA_DATA))
    return _mp_map([
        ("codec_version", _mp_uint(_u(h["codec_version"], 8, "codec_version"))),
        ("block_index", _mp_uint(_u(h["block_index"], 64, "block_index"))),
        ("timestamp", _mp_int(_i64(h["timestamp"], "timestamp"))),
        ("parent_hash", _mp_bin(_fixed(h["parent_hash"], 32, "parent_hash"))),
        ("merkle_root", _mp_bin(_fixed(h["merkle_root"], 32, "merkle_root"))),
        ("miner_address", _mp_bin(_fixed(h["miner_address"], 32, "miner_address"))),
        ("commitment", _mp_bin(_fixed(h["commitment"], 32, "commitment"))),
        ("difficulty_target", _mp_uint(_u(h["difficulty_target"], 64, "difficulty_target"))),
        ("nonce", _mp_uint(_u(h["nonce"], 64, "nonce"))),
        ("extra_data", _mp_bytes_as_array(extra)),
    ])


def header_hash(h, enforce_limits=True):
    """Block hash: SHA-256 of :func:`encode_header`."""
    return sha256(encode_header(h, enforce_limits))


def encode_tx(tx, enforce_limits=True):
    """Canonical encoding of a Transaction dict (codec_version, tx_type, from, to, amount, nonce,
    gas_limit, gas_price, signature, data, timestamp). data over 1 MiB raises EncodeError."""
    data = _blob(tx["data"], "data")
    if enforce_limits and len(data) > MAX_TX_DATA:
        raise EncodeError("data is %d bytes, limit %d" % (len(data), MAX_TX_DATA))
    return _mp_map([
        ("codec_version", _mp_uint(_u(tx["codec_version"], 8, "codec_version"))),
        ("tx_type", _mp_str(_enum(tx["tx_type"], TX_TYPES, "tx_type"))),
        ("from", _mp_bin(_fixed(tx["from"], 32, "from"))),
        ("to", _mp_bin(_fixed(tx["to"], 32, "to"))),
        ("amount", _mp_uint(_u(tx["amount"], 64, "amount"))),
        ("nonce", _mp_uint(_u(tx["nonce"], 64, "nonce"))),
        ("gas_limit", _mp_uint(_u(tx["gas_limit"], 64, "gas_limit"))),
        ("gas_price", _mp_uint(_u(tx["gas_price"], 64, "gas_price"))),
        ("signature", _mp_bin(_fixed(tx["signature"], 64, "signature"))),
        ("data", _mp_bytes_as_array(data)),
        ("timestamp", _mp_int(_i64(tx["timestamp"], "timestamp"))),
    ])


def tx_hash(tx, enforce_limits=True):
    """Transaction hash (Merkle leaf): SHA-256 of :func:`encode_tx`, signature included."""
    return sha256(encode_tx(tx, enforce_limits))


def encode_problem(p, enforce_limits=True):
    """Canonical encoding of a Problem dict (problem_type, tier, elements, target, timestamp).
    More than 32 elements raises EncodeError (the C struct's capacity)."""
    elements = list(p["elements"])
    if enforce_limits and len(elements) > MAX_ELEMENTS:
        raise EncodeError("%d elements, limit %d" % (len(elements), MAX_ELEMENTS))
    return _mp_map([
        ("problem_type", _mp_str(_enum(p["problem_type"], PROBLEM_TYPES, "problem_type"))),
        ("tier", _mp_str(_enum(p["tier"], TIERS, "tier"))),
        ("elements", _mp_array_header(len(elements))
         + b"".join(_mp_int(_i64(e, "element")) for e in elements)),
        ("target", _mp_int(_i64(p["target"], "target"))),
        ("timestamp", _mp_int(_i64(p["timestamp"], "timestamp"))),
    ])


def problem_hash(p):
    """SHA-256 of :func:`encode_problem`."""
    return sha256(encode_problem(p))


def encode_solution(s, enforce_limits=True):
    """Canonical encoding of a Solution dict (indices: list of u32, timestamp)."""
    indices = list(s["indices"])
    if enforce_limits and len(indices) > MAX_ELEMENTS:
        raise EncodeError("%d indices, limit %d" % (len(indices), MAX_ELEMENTS))
    return _mp_map([
        ("indices", _mp_array_header(len(indices))
         + b"".join(_mp_uint(_u(i, 32, "index")) for i in indices)),
        ("timestamp", _mp_int(_i64(s["timestamp"], "timestamp"))),
    ])


def solution_hash(s):
    """SHA-256 of :func:`encode_solution`."""
    return sha256(encode_solution(s))


def encode_reveal(r):
    """Canonical encoding of a Reveal dict (problem, solution, miner_salt, nonce)."""
    return _mp_map([
        ("problem", encode_problem(r["problem"])),
        ("solution", encode_solution(r["solution"])),
        ("miner_salt", _mp_bin(_fixed(r["miner_salt"], 32, "miner_salt"))),
        ("nonce", _mp_uint(_u(r["nonce"], 64, "nonce"))),
    ])


def encode_commitment(c):
    """Canonical encoding of a Commitment dict (epoch_salt, problem_hash, solution_hash, miner_salt)."""
    return _mp_map([(k, _mp_bin(_fixed(c[k], 32, k)))
                    for k in ("epoch_salt", "problem_hash", "solution_hash", "miner_salt")])


def commitment_msgpack_hash(c):
    """The original's *other* commitment hash (codec::compute_commitment_hash, core.md 5.5 (b)):
    SHA-256 of :func:`encode_commitment`. Not used by consensus; see :func:`commitment_hash`."""
    return sha256(encode_commitment(c))


def encode_block(b):
    """Canonical encoding of a Block dict (header, transactions, reveal, cid: str or None).

    Limits as the C encoder: at most 10 000 transactions, cid at most 256 UTF-8 bytes without NUL,
    encoded size at most 10 MiB (EncodeError otherwise)."""
    txs = list(b["transactions"])
    if len(txs) > MAX_TX_PER_BLOCK:
        raise EncodeError("%d transactions, limit %d" % (len(txs), MAX_TX_PER_BLOCK))
    cid = b.get("cid")
    if cid is None:
        cid_enc = b"\xc0"
    else:
        if not isinstance(cid, str):
            raise ReferenceError_("cid must be a str or None")
        if len(cid.encode("utf-8")) > MAX_CID or "\x00" in cid:
            raise EncodeError("cid over %d bytes or containing NUL" % MAX_CID)
        cid_enc = _mp_str(cid)
    out = _mp_map([
        ("header", encode_header(b["header"])),
        ("transactions", _mp_array_header(len(txs)) + b"".join(encode_tx(t) for t in txs)),
        ("reveal", encode_reveal(b["reveal"])),
        ("cid", cid_enc),
    ])
    if len(out) > MAX_BLOCK_SIZE:
        raise EncodeError("encoded block is %d bytes, limit %d" % (len(out), MAX_BLOCK_SIZE))
    return out


def block_hash(b):
    """Block id = header hash of the block's header."""
    return header_hash(b["header"])


def block_merkle_root(b):
    """Merkle root over the tx hashes of a Block dict."""
    return merkle_root([tx_hash(t) for t in b["transactions"]])


# ---------------------------------------------------------------------------------------------------
# Hash rules (core.md section 5)
# ---------------------------------------------------------------------------------------------------

def merkle_root(leaves):
    """Merkle root of 32-byte leaves: [] -> 32 zero bytes; [x] -> x; otherwise SHA-256(left || right)
    level by level, a lone last node promoted unchanged (never duplicated)."""
    level = [_fixed(x, 32, "leaf") for x in leaves]
    if not level:
        return bytes(32)
    while len(level) > 1:
        nxt = [sha256(level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def derive_address(pubkey):
    """Validator address = SHA-256(32-byte public key)."""
    return sha256(_fixed(pubkey, 32, "pubkey"))


def epoch_salt(parent_hash, block_index):
    """SHA-256(parent_hash || u64 little-endian block_index)."""
    return sha256(_fixed(parent_hash, 32, "parent_hash")
                  + struct.pack("<Q", _u(block_index, 64, "block_index")))


def miner_salt(seed, epoch_salt_, parent_hash, block_index):
    """HMAC-SHA256(key = 32-byte Ed25519 seed, msg = epoch_salt || parent_hash || u64 LE block_index)."""
    msg = (_fixed(epoch_salt_, 32, "epoch_salt") + _fixed(parent_hash, 32, "parent_hash")
           + struct.pack("<Q", _u(block_index, 64, "block_index")))
    return hmac_sha256(_fixed(seed, 32, "seed"), msg)


def commitment_create(problem, solution, miner_salt_, parent_hash, block_index):
    """Commitment dict {epoch_salt(parent_hash, block_index), problem_hash, solution_hash, miner_salt}."""
    return {
        "epoch_salt": epoch_salt(parent_hash, block_index),
        "problem_hash": problem_hash(problem),
        "solution_hash": solution_hash(solution),
        "miner_salt": _fixed(miner_salt_, 32, "miner_salt"),
    }


def commitment_hash(c):
    """Consensus commitment hash (core.md 5.5 (a)): SHA-256 of the raw 128 bytes
    epoch_salt || problem_hash || solution_hash || miner_salt."""
    return sha256(b"".join(_fixed(c[k], 32, k)
                           for k in ("epoch_salt", "problem_hash", "solution_hash", "miner_salt")))


def escrow_id(submitter, problem_hash_, created_block):
    """SHA-256(submitter || problem_hash || u64 little-endian created_block)."""
    return sha256(_fixed(submitter, 32, "submitter") + _fixed(problem_hash_, 32, "problem_hash")
                  + struct.pack("<Q", _u(created_block, 64, "created_block")))


# ---------------------------------------------------------------------------------------------------
# Escrow rules (core.md section 8)
# ---------------------------------------------------------------------------------------------------

def escrow_check_creation(amount, created_block, expiry_block):
    """True iff amount >= 1000, expiry > created and 100 <= expiry - created <= 100000."""
    _u(amount, 64, "amount")
    _u(created_block, 64, "created_block")
    _u(expiry_block, 64, "expiry_block")
    if amount < 1000 or expiry_block <= created_block:
        return False
    return 100 <= expiry_block - created_block <= 100000


def escrow_check_release(escrow, recipient):
    """True iff the escrow (dict with at least ``state``) is Locked and recipient is not 32 zero bytes.
    Expiry and the other fields are deliberately ignored (release after expiry is allowed)."""
    state = _enum(escrow["state"], ESCROW_STATES, "state")
    return state == "Locked" and _fixed(recipient, 32, "recipient") != bytes(32)


def escrow_check_refund(escrow, current_block):
    """True iff the escrow (dict with ``state`` and ``expiry_block``) is Locked and
    current_block >= expiry_block."""
    state = _enum(escrow["state"], ESCROW_STATES, "state")
    return state == "Locked" and _u(current_block, 64, "current_block") >= \
        _u(escrow["expiry_block"], 64, "expiry_block")


# ---------------------------------------------------------------------------------------------------
# Subset-sum (core.md section 6)
# ---------------------------------------------------------------------------------------------------

def tier_budget(tier):
    """Budget dict {max_ops, max_duration_ms, max_memory_bytes} of a tier (name or 1-5)."""
    t = TIERS[_enum(tier, TIERS, "tier")]
    return {"max_ops": t[3], "max_duration_ms": t[4], "max_memory_bytes": t[5]}


def tier_elements(tier):
    """Inclusive (min, max) element count of a tier (name or 1-5)."""
    t = TIERS[_enum(tier, TIERS, "tier")]
    return (t[1], t[2])


def subset_sum_verify(problem, solution, budget):
    """Verifies a subset-sum solution; returns "OK" or the first broken rule:
    NOT_IMPLEMENTED, TIER_SIZE, PROOF_SIZE, BUDGET_OPS, DUPLICATE_INDEX, INDEX_RANGE, OVERFLOW,
    WRONG_SUM, BUDGET_MEMORY.

    Steps (first failure wins): problem type; element count within the tier; k <= n; pass 1 over the
    indices (ops += 1 then budget, then duplicate); pass 2 (ops += 1 then budget, then index range,
    then checked i64 partial sum in index order); sum == target; memory 8k <= max_memory_bytes.
    The wall-clock limit is not applied (deterministic)."""
    ptype = _enum(problem["problem_type"], PROBLEM_TYPES, "problem_type")
    lo, hi = tier_elements(problem["tier"])
    elements = [_i64(e, "element") for e in problem["elements"]]
    indices = [_u(i, 32, "index") for i in solution["indices"]]
    target = _i64(problem["target"], "target")
    max_ops = _u(budget["max_ops"], 64, "max_ops")
    max_mem = _u(budget["max_memory_bytes"], 64, "max_memory_bytes")
    if ptype != "SubsetSum":
        return "NOT_IMPLEMENTED"
    n, k = len(elements), len(indices)
    if not lo <= n <= hi:
        return "TIER_SIZE"
    if k > n:
        return "PROOF_SIZE"
    ops = 0
    seen = set()
    for i in indices:
        ops += 1
        if ops > max_ops:
            return "BUDGET_OPS"
        if i in seen:
            return "DUPLICATE_INDEX"
        seen.add(i)
    total = 0
    for i in indices:
        ops += 1
        if ops > max_ops:
            return "BUDGET_OPS"
        if i >= n:
            return "INDEX_RANGE"
        total += elements[i]
        if not I64_MIN <= total <= I64_MAX:
            return "OVERFLOW"
    if total != target:
        return "WRONG_SUM"
    if 4 * k + 4 * len(seen) > max_mem:
        return "BUDGET_MEMORY"
    return "OK"


# ---------------------------------------------------------------------------------------------------
# Transactions (core.md section 7)
# ---------------------------------------------------------------------------------------------------

def tx_signing_message(tx):
    """The bytes an Ed25519 signature covers (110 + len(data), little-endian): u8 codec_version,
    u8 tx_type, from, to, u64 amount, u64 nonce, u64 gas_limit, u64 gas_price, u32 len(data), data,
    i64 timestamp."""
    data = _blob(tx["data"], "data")
    return (struct.pack("<BB", _u(tx["codec_version"], 8, "codec_version"),
                        TX_TYPES[_enum(tx["tx_type"], TX_TYPES, "tx_type")])
            + _fixed(tx["from"], 32, "from") + _fixed(tx["to"], 32, "to")
            + struct.pack("<QQQQ", _u(tx["amount"], 64, "amount"), _u(tx["nonce"], 64, "nonce"),
                          _u(tx["gas_limit"], 64, "gas_limit"), _u(tx["gas_price"], 64, "gas_price"))
            + struct.pack("<I", _u(len(data), 32, "data length")) + data
            + struct.pack("<q", _i64(tx["timestamp"], "timestamp")))


def tx_check_rules(tx, account):
    """Every transaction rule except the signature, in the original's order: nonce, fee (gas_limit *
    gas_price without u64 overflow, >= max(amount // 10000, 1000)), amount + fee without overflow,
    balance >= total cost, gas_limit >= 21000 (Transfer) or 50000 (other types).

    ``account`` is {balance, nonce}. Returns {"status": name, "total_cost", "gas_used", "fee"}; the
    three amounts are present only when status is "OK"."""
    amount = _u(tx["amount"], 64, "amount")
    gas_limit = _u(tx["gas_limit"], 64, "gas_limit")
    gas_price = _u(tx["gas_price"], 64, "gas_price")
    ttype = _enum(tx["tx_type"], TX_TYPES, "tx_type")
    balance = _u(account["balance"], 64, "balance")
    if _u(tx["nonce"], 64, "nonce") != _u(account["nonce"], 64, "nonce"):
        return {"status": "BAD_NONCE"}
    fee = gas_limit * gas_price
    if fee > U64_MAX:
        return {"status": "AMOUNT_OVERFLOW"}
    if fee < max(amount // 10000, 1000):
        return {"status": "FEE_TOO_LOW"}
    total = amount + fee
    if total > U64_MAX:
        return {"status": "AMOUNT_OVERFLOW"}
    if balance < total:
        return {"status": "INSUFFICIENT_BALANCE"}
    if gas_limit < (21000 if ttype == "Transfer" else 50000):
        return {"status": "GAS_TOO_LOW"}
    return {"status": "OK", "total_cost": total, "gas_used": gas_limit, "fee": fee}
