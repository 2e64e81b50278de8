"""P2P wire format (docs/P2P.md): frames, strict message codec, handshake crypto (X25519 key exchange as
libsodium crypto_kx, BLAKE2b-512 from hashlib, ChaCha20-Poly1305 IETF). Pure functions, no I/O."""
import hashlib
import struct

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization

from . import ed25519
from .codec import DecodeError, Reader, pack

VERSION = 3  # 3: the auth's signed time_ms (docs/P2P.md "Versions", "Clock offset")
MAX_PRE_FRAME = 1024
MAX_FRAME = 12 * 1024 * 1024
AUTH_TAG = b"coinjecture/p2p/v1/auth"
MAX_TX_BYTES = 256 * 1024
MAX_BLOCK_BYTES = 10 * 1024 * 1024
MAX_RANGE = 256
MAX_HEADER_BYTES = 1024

# message type -> ordered fields (name, kind); kinds: u64, u16, b32, b64, bin:<max>, bins:<max count>:<max len>, str
SCHEMAS = {
    "hello": [("version", "u64"), ("chain_id", "u64"), ("genesis", "b32"), ("node_key", "b32"), ("eph_key", "b32"),
              ("nonce", "b32"), ("listen_port", "u16"), ("instance", "b16")],
    "auth": [("time_ms", "u64"), ("sig", "b64")],
    "status": [("height", "u64"), ("best", "b32"), ("weight", "u64")],
    "tx": [("tx", "bin:%d" % MAX_TX_BYTES)],
    "block": [("block", "bin:%d" % MAX_BLOCK_BYTES)],
    "get_blocks": [("from", "u64"), ("count", "u64")],
    "blocks": [("from", "u64"), ("blocks", "bins")],
    "ping": [("nonce", "u64")],
    "pong": [("nonce", "u64")],
    "evidence": [("header_a", "bin:%d" % MAX_HEADER_BYTES), ("header_b", "bin:%d" % MAX_HEADER_BYTES)],
}


def encode_msg(mtype, **fields) -> bytes:
    d = {"type": mtype}
    for name, _ in SCHEMAS[mtype]:
        d[name] = fields[name]
    return pack(d)


def decode_msg(b: bytes):
    """Strict: a map with "type" first and exactly the type's fields in order, shortest forms, no trailing
    bytes. Returns (type, {field: value})."""
    r = Reader(b)
    n = r.map_header()
    r.key("type")
    t = r.str_(16)
    sch = SCHEMAS.get(t)
    if sch is None:
        raise DecodeError("unknown message type %r" % t)
    if n != len(sch) + 1:
        raise DecodeError("wrong field count")
    out = {}
    for name, kind in sch:
        r.key(name)
        if kind == "u64":
            out[name] = r.uint()
        elif kind == "u16":
            out[name] = r.uint(0xFFFF)
        elif kind == "b16":
            out[name] = r.bin_(16)
        elif kind == "b32":
            out[name] = r.bin_(32)
        elif kind == "b64":
            out[name] = r.bin_(64)
        elif kind.startswith("bin:"):
            v = r.bin_(maxn=int(kind[4:]))
            if not v:
                raise DecodeError("empty %s" % name)
            out[name] = v
        elif kind == "bins":
            cnt = r.array_header(MAX_RANGE)
            out[name] = [r.bin_(maxn=MAX_BLOCK_BYTES) for _ in range(cnt)]
    r.done()
    if t == "get_blocks" and not 1 <= out["count"] <= MAX_RANGE:
        raise DecodeError("get_blocks count out of range")
    return t, out


def frame(body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + body


def auth_message(own, peer, time_ms):
    """What a side signs: tag ‖ peer.nonce ‖ peer.eph_key ‖ own.eph_key ‖ own.nonce ‖ own.node_key ‖ peer.node_key
    ‖ u64 big-endian time_ms (the signer's auth time_ms). own/peer: dicts with nonce, eph_key, node_key."""
    return (AUTH_TAG + peer["nonce"] + peer["eph_key"] + own["eph_key"] + own["nonce"] + own["node_key"] +
            peer["node_key"] + struct.pack(">Q", time_ms))


def verify_auth(sig, own, peer, time_ms):
    """The peer's auth signature over its time_ms, from its point of view (it is 'own' there)."""
    return ed25519.verify(peer["node_key"], sig, auth_message(peer, own, time_ms))


CLOCK_MAX_RTT_MS = 2000  # a handshake with a longer round trip gives no clock sample
CLOCK_BOUND_MS = 10 ** 12  # samples are clamped to +-10^12 ms


def clock_sample(recv_wall_ms, rtt_ms, time_ms):
    """(local - peer) ms from a peer's auth time_ms, signed after our hello arrived there: the midpoint of our
    hello's round trip minus time_ms, clamped; None when the round trip is negative or over the bound."""
    if rtt_ms < 0 or rtt_ms > CLOCK_MAX_RTT_MS:
        return None
    lim = 4 * CLOCK_BOUND_MS
    mid = min(max(recv_wall_ms - rtt_ms // 2, 0), lim)
    return max(-CLOCK_BOUND_MS, min(CLOCK_BOUND_MS, mid - min(time_ms, lim)))


def clock_median(values):
    """Median; with an even count the middle value nearer to zero (docs/P2P.md "Clock offset")."""
    v = sorted(values)
    est = v[len(v) // 2]
    if len(v) % 2 == 0 and abs(v[len(v) // 2 - 1]) < abs(est):
        est = v[len(v) // 2 - 1]
    return est


class Ephemeral:
    def __init__(self):
        self.sk = X25519PrivateKey.generate()
        self.pk = self.sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def session_keys(self, peer_pk):
        """(rx, tx) as crypto_kx_{client,server}_session_keys: the lower eph_key is the client;
        keys = BLAKE2b-512(q ‖ client_pk ‖ server_pk); client rx = keys[0:32], tx = keys[32:64]; server the
        other way round."""
        if peer_pk == self.pk:
            raise ValueError("equal ephemeral keys")
        q = self.sk.exchange(X25519PublicKey.from_public_bytes(peer_pk))  # raises on an all-zero result
        client = self.pk < peer_pk
        cpk, spk = (self.pk, peer_pk) if client else (peer_pk, self.pk)
        keys = hashlib.blake2b(q + cpk + spk, digest_size=64).digest()
        self.sk = None
        return (keys[:32], keys[32:]) if client else (keys[32:], keys[:32])


class Cipher:
    """One direction of the session: ChaCha20-Poly1305 IETF, nonce = 0⁴ ‖ le64(counter), ad = length bytes."""

    def __init__(self, key):
        self.aead = ChaCha20Poly1305(key)
        self.counter = 0

    def _nonce(self):
        if self.counter >= (1 << 64) - 1:
            raise ValueError("frame counter exhausted")
        n = b"\0\0\0\0" + struct.pack("<Q", self.counter)
        self.counter += 1
        return n

    def seal(self, plaintext) -> bytes:
        hdr = struct.pack(">I", len(plaintext) + 16)
        return hdr + self.aead.encrypt(self._nonce(), plaintext, hdr)

    def open(self, hdr, body) -> bytes:
        return self.aead.decrypt(self._nonce(), body, hdr)
