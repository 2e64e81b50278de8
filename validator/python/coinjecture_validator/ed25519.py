"""Ed25519 with the acceptance rules of docs/CHAIN.md §1a ("strict verification").

Signing and the curve equation are OpenSSL's (python3-cryptography). OpenSSL accepts some signatures that
the strict rule refuses (small-order or non-canonical public keys, small-order R); those extra checks are
done here explicitly, before OpenSSL is asked. The small pure-Python Edwards arithmetic below is used for the
point checks (canonical encoding, on the curve, prime-order subgroup) and by the tests to build malformed
signatures."""
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives import serialization

P = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

# Encodings of small-order points (libsodium ge25519_has_small_order's list), compared ignoring the sign bit
# (bit 255): 0 (order 4), 1 (order 1), two points of order 8, p-1 (order 2), and the non-canonical p and p+1.
_SMALL_ORDER = [bytes.fromhex(h) for h in (
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
)]


def has_small_order_encoding(s: bytes) -> bool:
    t = s[:31] + bytes((s[31] & 0x7F,))
    return t in _SMALL_ORDER


def is_canonical_encoding(s: bytes) -> bool:
    """y (the low 255 bits) < p."""
    return (int.from_bytes(s, "little") & ((1 << 255) - 1)) < P


def scalar_is_canonical(s: bytes) -> bool:
    return int.from_bytes(s, "little") < L


# --- extended-coordinates Edwards arithmetic (x, y, z, t) ---------------------------------------------

def _add(p1, p2):
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


IDENT = (0, 1, 1, 0)


def scalarmult(pt, k):
    r = IDENT
    while k:
        if k & 1:
            r = _add(r, pt)
        pt = _add(pt, pt)
        k >>= 1
    return r


def decode_point(s: bytes):
    """Decodes a 32-byte encoding (canonical y required); None if not on the curve."""
    if len(s) != 32 or not is_canonical_encoding(s):
        return None
    y = int.from_bytes(s, "little") & ((1 << 255) - 1)
    sign = s[31] >> 7
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if (x & 1) != sign:
        x = P - x
    return (x % P, y, 1, x * y % P)


def encode_point(pt) -> bytes:
    x, y, z, _ = pt
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def is_identity(pt):
    x, y, z, _ = pt
    return x % P == 0 and (y - z) % P == 0


GY = 4 * pow(5, P - 2, P) % P
BASE = decode_point(GY.to_bytes(32, "little"))


def is_valid_point(s: bytes) -> bool:
    """A valid public key for a vote (CHAIN.md §11): canonical, on the curve, not of small order, in the
    prime-order subgroup."""
    if len(s) != 32 or not is_canonical_encoding(s) or has_small_order_encoding(s):
        return False
    pt = decode_point(s)
    if pt is None:
        return False
    return is_identity(scalarmult(pt, L))


# --- signing / verification ---------------------------------------------------------------------------

def public_key(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def sign(seed: bytes, msg: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).sign(msg)


_pk_cache = {}


def verify(pubkey: bytes, sig: bytes, msg: bytes) -> bool:
    """Strict Ed25519 verification (CHAIN.md §1a): S < L; R not of small order; the public key canonical and
    not of small order; then the cofactorless equation (OpenSSL), whose byte comparison of R also refuses a
    non-canonical R."""
    if len(pubkey) != 32 or len(sig) != 64:
        return False
    if not scalar_is_canonical(sig[32:]):
        return False
    if has_small_order_encoding(sig[:32]):
        return False
    if not is_canonical_encoding(pubkey) or has_small_order_encoding(pubkey):
        return False
    k = _pk_cache.get(pubkey)
    if k is None:
        try:
            k = Ed25519PublicKey.from_public_bytes(pubkey)
        except ValueError:
            return False
        if len(_pk_cache) > 65536:
            _pk_cache.clear()
        _pk_cache[pubkey] = k
    try:
        k.verify(sig, msg)
        return True
    except InvalidSignature:
        return False
