"""Canonical MessagePack (docs/spec/core.md §4, docs/CHAIN.md §1) for the consensus types, written from the
specification. Encoding is the only form; decoding accepts exactly that form (shortest integer, string, bin,
array and map headers; keys in declaration order; no trailing bytes), so re-encoding a decoded value gives
the input back byte for byte."""
import struct
from dataclasses import dataclass, field
from typing import List, Optional

MAX_BLOCK_SIZE = 10 * 1024 * 1024
MAX_TX_PER_BLOCK = 10000
U64_MAX = (1 << 64) - 1
I64_MIN = -(1 << 63)
I64_MAX = (1 << 63) - 1

TX_TYPES = ("Transfer", "ProblemSubmission", "BountyPayment")  # 1, 2, 3
PROBLEM_TYPES = ("SubsetSum", "Knapsack", "GraphColoring", "SAT", "TSP", "Factorization", "LatticeProblems")
TIERS = ("Mobile", "Desktop", "Workstation", "Server", "Cluster")


class DecodeError(ValueError):
    pass


# ---------------------------------------------------------------------------------------------- writer

def enc_uint(out: bytearray, v: int):
    if v < 0 or v > U64_MAX:
        raise ValueError("uint out of range")
    if v < 0x80:
        out.append(v)
    elif v <= 0xFF:
        out += b"\xcc" + bytes((v,))
    elif v <= 0xFFFF:
        out += b"\xcd" + struct.pack(">H", v)
    elif v <= 0xFFFFFFFF:
        out += b"\xce" + struct.pack(">I", v)
    else:
        out += b"\xcf" + struct.pack(">Q", v)


def enc_int(out: bytearray, v: int):
    """i64: non-negative values use the unsigned markers (rmp-serde), negatives the smallest signed form."""
    if v < I64_MIN or v > I64_MAX:
        raise ValueError("i64 out of range")
    if v >= 0:
        enc_uint(out, v)
    elif v >= -32:
        out.append(v & 0xFF)
    elif v >= -128:
        out += b"\xd0" + struct.pack(">b", v)
    elif v >= -32768:
        out += b"\xd1" + struct.pack(">h", v)
    elif v >= -(1 << 31):
        out += b"\xd2" + struct.pack(">i", v)
    else:
        out += b"\xd3" + struct.pack(">q", v)


def enc_str(out: bytearray, s: str):
    b = s.encode()
    n = len(b)
    if n < 32:
        out.append(0xA0 | n)
    elif n < 256:
        out += b"\xd9" + bytes((n,))
    elif n < 65536:
        out += b"\xda" + struct.pack(">H", n)
    else:
        out += b"\xdb" + struct.pack(">I", n)
    out += b


def enc_bin(out: bytearray, b: bytes):
    n = len(b)
    if n < 256:
        out += b"\xc4" + bytes((n,))
    elif n < 65536:
        out += b"\xc5" + struct.pack(">H", n)
    else:
        out += b"\xc6" + struct.pack(">I", n)
    out += b


def enc_array_header(out: bytearray, n: int):
    if n < 16:
        out.append(0x90 | n)
    elif n < 65536:
        out += b"\xdc" + struct.pack(">H", n)
    else:
        out += b"\xdd" + struct.pack(">I", n)


def enc_map_header(out: bytearray, n: int):
    if n < 16:
        out.append(0x80 | n)
    elif n < 65536:
        out += b"\xde" + struct.pack(">H", n)
    else:
        out += b"\xdf" + struct.pack(">I", n)


def enc_byte_vec(out: bytearray, b: bytes):
    """Vec<u8> as an array of uints, one per byte (core.md §4.1)."""
    enc_array_header(out, len(b))
    for x in b:
        if x < 0x80:
            out.append(x)
        else:
            out.append(0xCC)
            out.append(x)


# ---------------------------------------------------------------------------------------------- reader

_KEYS = {}  # field name -> its canonical fixstr encoding


class Reader:
    """Strict reader: every read accepts only the shortest form of its kind."""
    __slots__ = ("buf", "pos", "end")

    def __init__(self, buf, pos=0, end=None):
        self.buf = buf
        self.pos = pos
        self.end = len(buf) if end is None else end

    def _take(self, n):
        p = self.pos
        if n < 0 or p + n > self.end:
            raise DecodeError("truncated")
        self.pos = p + n
        return self.buf[p:p + n]

    def byte(self):
        if self.pos >= self.end:
            raise DecodeError("truncated")
        b = self.buf[self.pos]
        self.pos += 1
        return b

    def uint(self, maxv=U64_MAX):
        b = self.byte()
        if b < 0x80:
            v = b
        elif b == 0xCC:
            v = self.byte()
            if v < 0x80:
                raise DecodeError("non-canonical uint")
        elif b == 0xCD:
            v = struct.unpack(">H", self._take(2))[0]
            if v <= 0xFF:
                raise DecodeError("non-canonical uint")
        elif b == 0xCE:
            v = struct.unpack(">I", self._take(4))[0]
            if v <= 0xFFFF:
                raise DecodeError("non-canonical uint")
        elif b == 0xCF:
            v = struct.unpack(">Q", self._take(8))[0]
            if v <= 0xFFFFFFFF:
                raise DecodeError("non-canonical uint")
        else:
            raise DecodeError("expected uint")
        if v > maxv:
            raise DecodeError("uint out of range")
        return v

    def int64(self):
        b = self.buf[self.pos] if self.pos < self.end else None
        if b is None:
            raise DecodeError("truncated")
        if b < 0x80 or 0xCC <= b <= 0xCF:
            return self.uint(I64_MAX)
        self.pos += 1
        if b >= 0xE0:
            return b - 256
        if b == 0xD0:
            v = struct.unpack(">b", self._take(1))[0]
            if v >= -32:
                raise DecodeError("non-canonical int")
        elif b == 0xD1:
            v = struct.unpack(">h", self._take(2))[0]
            if v >= -128:
                raise DecodeError("non-canonical int")
        elif b == 0xD2:
            v = struct.unpack(">i", self._take(4))[0]
            if v >= -32768:
                raise DecodeError("non-canonical int")
        elif b == 0xD3:
            v = struct.unpack(">q", self._take(8))[0]
            if v >= -(1 << 31):
                raise DecodeError("non-canonical int")
        else:
            raise DecodeError("expected int")
        return v

    def _len(self, fix_base, fix_max, m8, m16, m32, what):
        b = self.byte()
        if fix_base is not None and fix_base <= b <= fix_base + fix_max:
            return b - fix_base
        if m8 is not None and b == m8:
            n = self.byte()
            if n <= (fix_max if fix_base is not None else -1):
                raise DecodeError("non-canonical " + what)
            return n
        if b == m16:
            n = struct.unpack(">H", self._take(2))[0]
            if n <= (0xFF if m8 is not None else fix_max):
                raise DecodeError("non-canonical " + what)
            return n
        if b == m32:
            n = struct.unpack(">I", self._take(4))[0]
            if n <= 0xFFFF:
                raise DecodeError("non-canonical " + what)
            return n
        raise DecodeError("expected " + what)

    def array_header(self, maxn=None):
        n = self._len(0x90, 15, None, 0xDC, 0xDD, "array")
        if maxn is not None and n > maxn:
            raise DecodeError("array too long")
        if n > self.end - self.pos:  # every element takes at least one byte
            raise DecodeError("array longer than input")
        return n

    def map_header(self):
        return self._len(0x80, 15, None, 0xDE, 0xDF, "map")

    def str_(self, maxn=None):
        n = self._len(0xA0, 31, 0xD9, 0xDA, 0xDB, "str")
        if maxn is not None and n > maxn:
            raise DecodeError("str too long")
        try:
            return bytes(self._take(n)).decode()
        except UnicodeDecodeError:
            raise DecodeError("bad utf-8")

    def bin_(self, exact=None, maxn=None):
        b = self.byte()
        if b == 0xC4:
            n = self.byte()
        elif b == 0xC5:
            n = struct.unpack(">H", self._take(2))[0]
            if n <= 0xFF:
                raise DecodeError("non-canonical bin")
        elif b == 0xC6:
            n = struct.unpack(">I", self._take(4))[0]
            if n <= 0xFFFF:
                raise DecodeError("non-canonical bin")
        else:
            raise DecodeError("expected bin")
        if exact is not None and n != exact:
            raise DecodeError("bin length %d, want %d" % (n, exact))
        if maxn is not None and n > maxn:
            raise DecodeError("bin too long")
        return bytes(self._take(n))

    def key(self, name):
        # a field name (< 32 bytes) has one canonical encoding, a fixstr: compare its bytes, decode only to explain
        enc = _KEYS.get(name)
        if enc is None:
            enc = _KEYS[name] = bytes((0xA0 | len(name.encode()),)) + name.encode()
        p = self.pos
        if p + len(enc) <= self.end and self.buf[p:p + len(enc)] == enc:
            self.pos = p + len(enc)
            return
        k = self.str_(64)
        if k != name:
            raise DecodeError("expected key %r, got %r" % (name, k))

    def struct_(self, n):
        if self.map_header() != n:
            raise DecodeError("wrong field count")

    def nil(self):
        if self.byte() != 0xC0:
            raise DecodeError("expected nil")

    def byte_vec(self, maxn=None):
        """Vec<u8>: each element a positive fixint (< 0x80) or 0xCC then a byte >= 0x80 (its only canonical forms)."""
        n = self.array_header(maxn)
        buf, p, end = self.buf, self.pos, self.end
        out = bytearray(n)
        for i in range(n):
            if p >= end:
                raise DecodeError("truncated")
            b = buf[p]
            if b < 0x80:
                out[i] = b
                p += 1
            elif b == 0xCC:
                if p + 1 >= end:
                    raise DecodeError("truncated")
                v = buf[p + 1]
                if v < 0x80:
                    raise DecodeError("non-canonical uint")
                out[i] = v
                p += 2
            else:  # a wider uint: canonical only above 0xFF, so out of range; let uint() name the error
                self.pos = p
                out[i] = self.uint(0xFF)
                p = self.pos
        self.pos = p
        return bytes(out)

    def enum(self, names):
        s = self.str_(32)
        if s not in names:
            raise DecodeError("unknown variant %r" % s)
        return s

    def done(self):
        if self.pos != self.end:
            raise DecodeError("trailing bytes")


# ---------------------------------------------------------------------------------------------- types

@dataclass
class Header:
    codec_version: int = 1
    block_index: int = 0
    timestamp: int = 0
    parent_hash: bytes = bytes(32)
    merkle_root: bytes = bytes(32)
    miner_address: bytes = bytes(32)
    commitment: bytes = bytes(32)
    difficulty_target: int = 0
    nonce: int = 0
    extra_data: bytes = b""

    def encode(self, extra_data=None) -> bytes:
        out = bytearray(b"\x8a")
        ed = self.extra_data if extra_data is None else extra_data
        enc_str(out, "codec_version"); enc_uint(out, self.codec_version)
        enc_str(out, "block_index"); enc_uint(out, self.block_index)
        enc_str(out, "timestamp"); enc_int(out, self.timestamp)
        enc_str(out, "parent_hash"); enc_bin(out, self.parent_hash)
        enc_str(out, "merkle_root"); enc_bin(out, self.merkle_root)
        enc_str(out, "miner_address"); enc_bin(out, self.miner_address)
        enc_str(out, "commitment"); enc_bin(out, self.commitment)
        enc_str(out, "difficulty_target"); enc_uint(out, self.difficulty_target)
        enc_str(out, "nonce"); enc_uint(out, self.nonce)
        enc_str(out, "extra_data"); enc_byte_vec(out, ed)
        return bytes(out)

    @staticmethod
    def read(r: Reader) -> "Header":
        r.struct_(10)
        h = Header()
        r.key("codec_version"); h.codec_version = r.uint(0xFF)
        r.key("block_index"); h.block_index = r.uint()
        r.key("timestamp"); h.timestamp = r.int64()
        r.key("parent_hash"); h.parent_hash = r.bin_(32)
        r.key("merkle_root"); h.merkle_root = r.bin_(32)
        r.key("miner_address"); h.miner_address = r.bin_(32)
        r.key("commitment"); h.commitment = r.bin_(32)
        r.key("difficulty_target"); h.difficulty_target = r.uint()
        r.key("nonce"); h.nonce = r.uint()
        r.key("extra_data"); h.extra_data = r.byte_vec()
        return h


@dataclass
class Transaction:
    codec_version: int = 1
    tx_type: str = "Transfer"
    from_: bytes = bytes(32)
    to: bytes = bytes(32)
    amount: int = 0
    nonce: int = 0
    gas_limit: int = 21000
    gas_price: int = 1
    signature: bytes = bytes(64)
    data: bytes = b""
    timestamp: int = 0
    raw: Optional[bytes] = field(default=None, repr=False, compare=False)  # canonical bytes when decoded

    def encode(self) -> bytes:
        if self.raw is not None:
            return self.raw
        out = bytearray(b"\x8b")
        enc_str(out, "codec_version"); enc_uint(out, self.codec_version)
        enc_str(out, "tx_type"); enc_str(out, self.tx_type)
        enc_str(out, "from"); enc_bin(out, self.from_)
        enc_str(out, "to"); enc_bin(out, self.to)
        enc_str(out, "amount"); enc_uint(out, self.amount)
        enc_str(out, "nonce"); enc_uint(out, self.nonce)
        enc_str(out, "gas_limit"); enc_uint(out, self.gas_limit)
        enc_str(out, "gas_price"); enc_uint(out, self.gas_price)
        enc_str(out, "signature"); enc_bin(out, self.signature)
        enc_str(out, "data"); enc_byte_vec(out, self.data)
        enc_str(out, "timestamp"); enc_int(out, self.timestamp)
        return bytes(out)

    @staticmethod
    def read(r: Reader) -> "Transaction":
        start = r.pos
        r.struct_(11)
        t = Transaction()
        r.key("codec_version"); t.codec_version = r.uint(0xFF)
        r.key("tx_type"); t.tx_type = r.enum(TX_TYPES)
        r.key("from"); t.from_ = r.bin_(32)
        r.key("to"); t.to = r.bin_(32)
        r.key("amount"); t.amount = r.uint()
        r.key("nonce"); t.nonce = r.uint()
        r.key("gas_limit"); t.gas_limit = r.uint()
        r.key("gas_price"); t.gas_price = r.uint()
        r.key("signature"); t.signature = r.bin_(64)
        r.key("data"); t.data = r.byte_vec()
        r.key("timestamp"); t.timestamp = r.int64()
        t.raw = bytes(r.buf[start:r.pos])
        return t

    @staticmethod
    def decode(b: bytes) -> "Transaction":
        r = Reader(b)
        t = Transaction.read(r)
        r.done()
        return t

    def tx_type_num(self):
        return TX_TYPES.index(self.tx_type) + 1


@dataclass
class Problem:
    problem_type: str = "SubsetSum"
    tier: str = "Desktop"
    elements: List[int] = field(default_factory=list)
    target: int = 0
    timestamp: int = 0

    def encode_into(self, out: bytearray):
        out.append(0x85)
        enc_str(out, "problem_type"); enc_str(out, self.problem_type)
        enc_str(out, "tier"); enc_str(out, self.tier)
        enc_str(out, "elements"); enc_array_header(out, len(self.elements))
        for e in self.elements:
            enc_int(out, e)
        enc_str(out, "target"); enc_int(out, self.target)
        enc_str(out, "timestamp"); enc_int(out, self.timestamp)

    def encode(self):
        out = bytearray(); self.encode_into(out); return bytes(out)

    @staticmethod
    def read(r: Reader):
        r.struct_(5)
        p = Problem()
        r.key("problem_type"); p.problem_type = r.enum(PROBLEM_TYPES)
        r.key("tier"); p.tier = r.enum(TIERS)
        r.key("elements"); n = r.array_header(); p.elements = [r.int64() for _ in range(n)]
        r.key("target"); p.target = r.int64()
        r.key("timestamp"); p.timestamp = r.int64()
        return p


@dataclass
class Solution:
    indices: List[int] = field(default_factory=list)
    timestamp: int = 0

    def encode_into(self, out: bytearray):
        out.append(0x82)
        enc_str(out, "indices"); enc_array_header(out, len(self.indices))
        for i in self.indices:
            enc_uint(out, i)
        enc_str(out, "timestamp"); enc_int(out, self.timestamp)

    def encode(self):
        out = bytearray(); self.encode_into(out); return bytes(out)

    @staticmethod
    def read(r: Reader):
        r.struct_(2)
        s = Solution()
        r.key("indices"); n = r.array_header(); s.indices = [r.uint(0xFFFFFFFF) for _ in range(n)]
        r.key("timestamp"); s.timestamp = r.int64()
        return s


@dataclass
class Reveal:
    problem: Problem = field(default_factory=Problem)
    solution: Solution = field(default_factory=Solution)
    miner_salt: bytes = bytes(32)
    nonce: int = 0

    def encode_into(self, out: bytearray):
        out.append(0x84)
        enc_str(out, "problem"); self.problem.encode_into(out)
        enc_str(out, "solution"); self.solution.encode_into(out)
        enc_str(out, "miner_salt"); enc_bin(out, self.miner_salt)
        enc_str(out, "nonce"); enc_uint(out, self.nonce)

    def encode(self):
        out = bytearray(); self.encode_into(out); return bytes(out)

    @staticmethod
    def read(r: Reader):
        r.struct_(4)
        v = Reveal()
        r.key("problem"); v.problem = Problem.read(r)
        r.key("solution"); v.solution = Solution.read(r)
        r.key("miner_salt"); v.miner_salt = r.bin_(32)
        r.key("nonce"); v.nonce = r.uint()
        return v


@dataclass
class Block:
    header: Header = field(default_factory=Header)
    transactions: List[Transaction] = field(default_factory=list)
    reveal: Reveal = field(default_factory=Reveal)
    cid: Optional[str] = None
    header_raw: Optional[bytes] = field(default=None, repr=False, compare=False)
    raw: Optional[bytes] = field(default=None, repr=False, compare=False)

    def encode(self) -> bytes:
        out = bytearray(b"\x84")
        enc_str(out, "header"); out += self.header.encode()
        enc_str(out, "transactions"); enc_array_header(out, len(self.transactions))
        for t in self.transactions:
            out += t.encode()
        enc_str(out, "reveal"); self.reveal.encode_into(out)
        enc_str(out, "cid")
        if self.cid is None:
            out.append(0xC0)
        else:
            enc_str(out, self.cid)
        return bytes(out)

    @staticmethod
    def peek_header(b: bytes) -> bytes:
        """The canonical header bytes at the start of an encoded block (strictly read; the rest is not looked at)."""
        r = Reader(b)
        r.struct_(4)
        r.key("header")
        hs = r.pos
        Header.read(r)
        return bytes(b[hs:r.pos])

    @staticmethod
    def decode(b: bytes) -> "Block":
        """Strict decode of a canonical block (10 MiB cap on the input, as core.md §1)."""
        if len(b) > MAX_BLOCK_SIZE:
            raise DecodeError("block larger than 10 MiB")
        b = bytes(b)
        r = Reader(b)
        r.struct_(4)
        blk = Block()
        r.key("header"); hs = r.pos; blk.header = Header.read(r); blk.header_raw = b[hs:r.pos]
        r.key("transactions")
        n = r.array_header()
        blk.transactions = [Transaction.read(r) for _ in range(n)]
        r.key("reveal"); blk.reveal = Reveal.read(r)
        r.key("cid")
        if r.pos < r.end and b[r.pos] == 0xC0:
            r.pos += 1
            blk.cid = None
        else:
            blk.cid = r.str_()
        r.done()
        blk.raw = b
        return blk


# ---------------------------------------------------------------------------------------------- generic
# Generic canonical values for the P2P messages (docs/P2P.md): dict (str keys, insertion order), str,
# bytes (bin), int (uint), list.

def pack(v) -> bytes:
    out = bytearray()
    _pack(out, v)
    return bytes(out)


def _pack(out, v):
    if isinstance(v, dict):
        enc_map_header(out, len(v))
        for k, x in v.items():
            enc_str(out, k)
            _pack(out, x)
    elif isinstance(v, str):
        enc_str(out, v)
    elif isinstance(v, (bytes, bytearray, memoryview)):
        enc_bin(out, bytes(v))
    elif isinstance(v, bool):
        out.append(0xC3 if v else 0xC2)
    elif isinstance(v, int):
        enc_uint(out, v)
    elif isinstance(v, (list, tuple)):
        enc_array_header(out, len(v))
        for x in v:
            _pack(out, x)
    elif v is None:
        out.append(0xC0)
    else:
        raise TypeError(type(v))
