"""Vectors of docs/CHAIN.md reproduced by the Python validator: proof of work (§4), state root (§7), vote
seals (§11), and the strict Ed25519 rule (§1a) with malformed signatures and keys that OpenSSL accepts but
the rule refuses."""
import hashlib
import random
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

import conftest  # noqa: F401  (sys.path)
from coinjecture_validator import ed25519 as E, hashing, pow as pw, state
from coinjecture_validator.codec import Header

ES42 = bytes([0x42]) * 32
ES1 = hashing.epoch_salt(bytes(32), 1)
POW = [
    (ES42, 0, [148, 712, 755, 141, 287, 1019, 248, 483, 928, 759, 1006, 38, 1020], 4512, [0, 1, 2, 3, 5, 6, 7, 10]),
    (ES42, 1, [264, 552, 170, 236, 574, 866, 899, 686, 535, 550, 396, 284, 943, 966, 398], 4499,
     [1, 2, 3, 7, 9, 10, 12, 13]),
    (ES42, 7, [263, 323, 324, 199, 420, 459, 97, 365, 725, 353, 472, 256], 2288, [0, 2, 4, 5, 6, 8]),
    (ES42, 2 ** 64 - 1, [936, 831, 478, 406, 307, 180, 822, 332, 947, 880, 581, 637], 2964, [0, 2, 7, 10, 11]),
    (ES1, 0, [1002, 993, 805, 200, 805, 690, 949, 525, 747, 398, 651, 291, 98], 3734, [0, 1, 5, 9, 10]),
    (ES1, 7, [148, 166, 845, 104, 840, 203, 726, 6, 541, 384, 580, 1013, 501, 479, 320], 4231,
     [1, 3, 4, 5, 8, 9, 11, 12, 13]),
]


@pytest.mark.parametrize("es,nonce,elements,target,indices", POW)
def test_pow_vectors(es, nonce, elements, target, indices):
    p = pw.derive_problem(es, nonce)
    assert (p.elements, p.target, p.tier, p.timestamp) == (elements, target, "Desktop", 0)
    assert pw.solve(p) == indices


def test_epoch_salt_vector():
    assert ES1.hex().startswith("19ea44be") and ES1.hex().endswith("1dd54c19")


def test_reveal_roundtrip():
    parent = bytes(range(32))
    rv, c = pw.make_reveal(bytes([9]) * 32, parent, 5)
    assert pw.check_reveal(rv, parent, 5, rv.nonce, c)
    assert not pw.check_reveal(rv, parent, 6, rv.nonce, c)
    assert not pw.check_reveal(rv, parent, 5, rv.nonce + 1, c)
    rv.solution.indices = rv.solution.indices[:-1]
    assert not pw.check_reveal(rv, parent, 5, rv.nonce, c)


def accounts(n):
    return {hashing.H(b"acct", struct.pack("<I", i)): (1000 * i + 1, i % 5) for i in range(n)}


def test_state_root_vectors():
    assert state.state_root({}) == bytes(32)
    one = accounts(1)
    (pk, (b, n)), = one.items()
    r1 = state.state_root(one)
    assert r1 == state.leaf_hash(pk, b, n)
    assert r1.hex().startswith("34a405ef") and r1.hex().endswith("ffa0bb18")
    r2 = state.state_root(accounts(2)).hex()
    assert r2.startswith("54c85b44") and r2.endswith("d6d309b2")
    r100 = state.state_root(accounts(100)).hex()
    assert r100.startswith("c90c67c4") and r100.endswith("cf7af9a65"[-8:])


def test_state_root_incremental_equals_scratch():
    rng = random.Random(7)
    t = state.StateTree()
    ref = {}
    keys = [hashing.H(b"k", struct.pack("<I", i)) for i in range(300)]
    for step in range(3000):
        pk = rng.choice(keys)
        if rng.random() < 0.3:
            ref.pop(pk, None)
            t.set(pk, 0, 0)
        else:
            v = (rng.randrange(1, 10 ** 12), rng.randrange(0, 5))
            ref[pk] = v
            t.set(pk, *v)
        if step % 250 == 0:
            assert t.root_hash() == state.state_root(ref)
    assert t.root_hash() == state.state_root(ref)
    for pk in list(ref):
        t.set(pk, 0, 0)
    assert t.root_hash() == bytes(32)


def vote_header(extra):
    pk1 = E.public_key(bytes([1]) * 32)
    return Header(1, 37, 1700000037000, bytes([0xAB]) * 32, bytes(32), hashing.address(pk1),
                  bytes([0xCD]) * 32, 2, 5, extra)


@pytest.mark.parametrize("action,key_seed,seal_hash,block_hash", [
    (1, 7, ("f306bc57", "aaf7aed5"), ("a8a772a0", "03199d6d")),
    (2, 1, ("ce683a93", "f09885f3"), ("e1b730e5", "3eb31ff3")),
])
def test_vote_vectors(action, key_seed, seal_hash, block_hash):
    seed1 = bytes([1]) * 32
    pk1 = E.public_key(seed1)
    assert pk1.hex().startswith("8a88e3dd") and pk1.hex().endswith("b40f6f5c")
    pk7 = E.public_key(bytes([7]) * 32)
    assert pk7.hex().startswith("ea4a6c63") and pk7.hex().endswith("1446d22c")
    key = pk7 if key_seed == 7 else pk1
    body = bytes([0x11]) * 32 + bytes((action,)) + key
    h = vote_header(body + bytes(64))
    sh = hashing.seal_hash(h)
    assert sh.hex().startswith(seal_hash[0]) and sh.hex().endswith(seal_hash[1])
    h.extra_data = body + E.sign(seed1, sh)
    assert len(h.encode()) in (449, 447)
    bh = hashing.header_hash(h).hex()
    assert bh.startswith(block_hash[0]) and bh.endswith(block_hash[1])


# ---- strict Ed25519 (CHAIN.md §1a) -----------------------------------------------------------------------

MSG = b"coinjecture strict ed25519"


def openssl_accepts(pk, sig, msg):
    try:
        Ed25519PublicKey.from_public_bytes(pk).verify(sig, msg)
        return True
    except Exception:
        return False


def secret_scalar(seed):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    return a | (1 << 254)


def challenge(R, pk, msg):
    return int.from_bytes(hashlib.sha512(R + pk + msg).digest(), "little") % E.L


def malformed():
    """(name, pk, sig) triples that strict verification must refuse."""
    out = []
    # identity public key: [k]A = identity, so (R = [s]B, S = s) verifies for every message under OpenSSL
    s = 12345
    R = E.encode_point(E.scalarmult(E.BASE, s))
    out.append(("small_order_pk_identity", bytes.fromhex("01" + "00" * 31), R + s.to_bytes(32, "little")))
    # order-8 public key: pick R = [r]B until the challenge is a multiple of 8, then S = r
    pk8 = bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")
    for r in range(1, 1000):
        R = E.encode_point(E.scalarmult(E.BASE, r))
        if challenge(R, pk8, MSG) % 8 == 0:
            break
    out.append(("small_order_pk_order8", pk8, R + r.to_bytes(32, "little")))
    # same, the order-8 key with its sign bit set (libsodium's list ignores the sign bit)
    pk8n = pk8[:31] + bytes((pk8[31] | 0x80,))
    for r in range(1, 1000):
        R = E.encode_point(E.scalarmult(E.BASE, r))
        if challenge(R, pk8n, MSG) % 8 == 0:
            break
    out.append(("small_order_pk_order8_signbit", pk8n, R + r.to_bytes(32, "little")))
    # small-order R (the identity) under an honest key: S = k·a makes [S]B − [k]A the identity
    seed = bytes([1]) * 32
    pk = E.public_key(seed)
    R = bytes.fromhex("01" + "00" * 31)
    S = challenge(R, pk, MSG) * secret_scalar(seed) % E.L
    out.append(("small_order_R_identity", pk, R + S.to_bytes(32, "little")))
    # non-canonical S (S + L) of an honest signature
    sig = E.sign(seed, MSG)
    S = int.from_bytes(sig[32:], "little") + E.L
    out.append(("noncanonical_S", pk, sig[:32] + S.to_bytes(32, "little")))
    # non-canonical R (y >= p: the encoding p+1 of the identity)
    out.append(("noncanonical_R", pk, bytes.fromhex("ee" + "ff" * 30 + "7f") + sig[32:]))
    # non-canonical public key (y = p + 2 ... whichever decodes) with an honest-looking signature
    for y0 in range(2, 19):
        enc = (E.P + y0).to_bytes(32, "little")
        if E.decode_point(y0.to_bytes(32, "little")) is not None:
            out.append(("noncanonical_pk", enc, sig))
            break
    return out


@pytest.mark.parametrize("name,pk,sig", malformed(), ids=[m[0] for m in malformed()])
def test_strict_ed25519_rejects(name, pk, sig):
    assert not E.verify(pk, sig, MSG)


def test_openssl_alone_would_accept_the_small_order_cases():
    """Why the explicit checks exist: OpenSSL's verification accepts these."""
    cases = {m[0]: m for m in malformed()}
    for name in ("small_order_pk_identity", "small_order_pk_order8", "small_order_R_identity"):
        _, pk, sig = cases[name]
        assert openssl_accepts(pk, sig, MSG), name


def test_strict_ed25519_accepts_honest():
    seed = bytes([5]) * 32
    pk = E.public_key(seed)
    assert E.verify(pk, E.sign(seed, MSG), MSG)
    assert not E.verify(pk, E.sign(seed, MSG), MSG + b"x")


def test_valid_point_for_votes():
    pk = E.public_key(bytes([3]) * 32)
    assert E.is_valid_point(pk)
    assert not E.is_valid_point(bytes(32))
    assert not E.is_valid_point(bytes.fromhex("01" + "00" * 31))
    # mixed order: pk + a point of order 8 is on the curve but not in the prime-order subgroup
    t8 = E.decode_point(bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"))
    mixed = E.encode_point(E._add(E.decode_point(pk), t8))
    assert E.decode_point(mixed) is not None and not E.is_valid_point(mixed)
    # not on the curve
    for y0 in range(2, 40):
        enc = y0.to_bytes(32, "little")
        if E.decode_point(enc) is None:
            assert not E.is_valid_point(enc)
            break
