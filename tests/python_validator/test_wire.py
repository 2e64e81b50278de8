"""The Python validator's P2P protocol 3 pieces written from docs/P2P.md: the auth with its signed time_ms
(the same bytes as coinjectured's, tests/unit/test_node_p2p_wire.c), strict decoding of it, and the clock
sample and median of "Clock offset"."""
import pytest

import conftest  # noqa: F401
from coinjecture_validator import ed25519, wire
from coinjecture_validator.codec import DecodeError

SIG = bytes([0x5A]) * 64


def test_auth_bytes_match_the_spec_example():
    b = wire.encode_msg("auth", time_ms=1765000000123, sig=SIG)
    assert b == bytes.fromhex("83a474797065a461757468a774696d655f6d73cf0000019af232b27ba3736967c440") + SIG
    assert wire.decode_msg(b) == ("auth", {"time_ms": 1765000000123, "sig": SIG})
    assert wire.VERSION == 3


@pytest.mark.parametrize("hexbody", [
    "82a474797065a461757468a3736967c440" + "5a" * 64,                           # protocol 2's auth
    "83a474797065a461757468a3736967c440" + "5a" * 64 + "a774696d655f6d7305",    # time_ms after sig
    "83a474797065a461757468a774696d655f6d73cd0005a3736967c440" + "5a" * 64,     # non-canonical time_ms
])
def test_auth_strict(hexbody):
    with pytest.raises(DecodeError):
        wire.decode_msg(bytes.fromhex(hexbody))


def test_auth_signature_binds_the_time():
    seed_a, seed_b = bytes(range(32)), bytes(range(1, 33))
    a = {"nonce": b"\x01" * 32, "eph_key": b"\x02" * 32, "node_key": ed25519.public_key(seed_a)}
    b = {"nonce": b"\x03" * 32, "eph_key": b"\x04" * 32, "node_key": ed25519.public_key(seed_b)}
    msg = wire.auth_message(a, b, 0x0102030405060708)
    assert len(msg) == 23 + 6 * 32 + 8 and msg.endswith(bytes(range(1, 9)))
    sig = ed25519.sign(seed_a, msg)
    assert wire.verify_auth(sig, b, a, 0x0102030405060708)
    assert not wire.verify_auth(sig, b, a, 0x0102030405060708 - 120000)


def test_clock_sample_and_median():
    assert wire.clock_sample(10000, 100, 9000) == 950
    assert wire.clock_sample(1765000000000, 1, 1765000120000) == -120000
    assert wire.clock_sample(10000, wire.CLOCK_MAX_RTT_MS + 1, 9000) is None
    assert wire.clock_sample(10000, -1, 9000) is None
    assert wire.clock_sample(1765000000000, 1, 2 ** 64 - 1) == -wire.CLOCK_BOUND_MS
    assert wire.clock_median([5, -3, 100]) == 5
    assert wire.clock_median([-120000, 10, 0, 120000]) == 0
    # one liar among honest votes does not move it
    assert wire.clock_median([3, -4, 12, 9, -3600000]) == 3
