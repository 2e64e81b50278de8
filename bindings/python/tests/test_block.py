"""encode_block_py / decode_block_py: dict <-> canonical bytes, strict decoding."""

import pytest

from coinjecture import _core
from coinjecture import reference as ref
import cjtest


def small_block():
    return {
        "header": {"codec_version": 1, "block_index": 7, "timestamp": 1704067200, "parent_hash": b"\x01" * 32,
                   "merkle_root": b"\x02" * 32, "miner_address": b"\x03" * 32, "commitment": b"\x04" * 32,
                   "difficulty_target": 100, "nonce": 42, "extra_data": b"CHECKPOINT"},
        "transactions": [{"codec_version": 1, "tx_type": 1, "from": b"\x05" * 32, "to": b"\x06" * 32,
                          "amount": 1000, "nonce": 0, "gas_limit": 21000, "gas_price": 1,
                          "signature": b"\x07" * 64, "data": b"\x00\x80\xff", "timestamp": -5}],
        "reveal": {"problem": {"problem_type": 1, "tier": 2, "elements": [1, -2, 300, -40000, 5 * 10**9],
                               "target": 9, "timestamp": 1000},
                   "solution": {"indices": [0, 2, 4, 70000], "timestamp": 1001},
                   "miner_salt": b"\x08" * 32, "nonce": 2**64 - 1},
        "cid": "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
    }


def test_round_trip_small_block():
    b = small_block()
    enc = _core.encode_block_py(b)
    assert isinstance(enc, bytes)
    assert enc == ref.encode_block(b)
    dec = _core.decode_block_py(enc)
    assert dec == b
    assert list(dec) == ["header", "transactions", "reveal", "cid"]
    assert _core.encode_block_py(dec) == enc


def test_round_trip_random_blocks():
    rng = cjtest.rng(7)
    for _ in range(150):
        b = cjtest.rand_block(rng)
        enc = _core.encode_block_py(b)
        assert enc == ref.encode_block(b)
        assert _core.decode_block_py(enc) == b
        assert _core.decode_block_py(bytearray(enc)) == b


def test_cid_may_be_none_or_absent():
    b = small_block()
    b["cid"] = None
    enc = _core.encode_block_py(b)
    assert enc.endswith(b"\xa3cid\xc0")
    del b["cid"]
    assert _core.encode_block_py(b) == enc
    assert _core.decode_block_py(enc)["cid"] is None


def test_block_fields_are_full_width_and_typed():
    b = small_block()
    b["header"]["block_index"] = 2**64 - 1
    b["header"]["difficulty_target"] = 2**64 - 1
    b["header"]["timestamp"] = -(2**63)
    b["transactions"][0]["amount"] = 2**64 - 1
    dec = _core.decode_block_py(_core.encode_block_py(b))
    assert dec["header"]["block_index"] == 2**64 - 1
    assert dec["header"]["timestamp"] == -(2**63)
    assert dec["transactions"][0]["amount"] == 2**64 - 1
    assert type(dec["header"]["extra_data"]) is bytes and type(dec["transactions"][0]["data"]) is bytes


def test_thousand_transactions():
    rng = cjtest.rng(8)
    b = cjtest.rand_block(rng, ntx=1000)
    enc = _core.encode_block_py(b)
    assert enc == ref.encode_block(b)
    assert _core.decode_block_py(enc) == b


@pytest.mark.parametrize("mutate,exc,match", [
    (lambda b: b["header"].update(extra_data=b"x" * 257), ValueError, "extra_data"),
    (lambda b: b["transactions"][0].update(data=b"x" * (2**20 + 1)), ValueError, r"transactions\[0\] data"),
    (lambda b: b["transactions"].extend([b["transactions"][0]] * 10000), ValueError, "at most 10000"),
    (lambda b: b["reveal"]["problem"].update(elements=list(range(33))), ValueError, "at most 32"),
    (lambda b: b["reveal"]["solution"].update(indices=list(range(33))), ValueError, "at most 32"),
    (lambda b: b.update(cid="x" * 257), ValueError, "ENCODING"),
    (lambda b: b.update(cid="a\x00b"), ValueError, "NUL"),
    (lambda b: b.update(cid=b"bytes"), TypeError, "cid must be a str"),
    (lambda b: b.update(transactions="abc"), TypeError, "transactions must be a list"),
    (lambda b: b.update(transactions=[1]), TypeError, r"transactions\[0\] must be a dict"),
    (lambda b: b["transactions"][0].pop("gas_price"), KeyError, r"transactions\[0\] dict is missing key 'gas_price'"),
    (lambda b: b["transactions"][0].update(tx_type=4), ValueError, "Invalid tx_type"),
    (lambda b: b["reveal"].pop("miner_salt"), KeyError, "miner_salt"),
    (lambda b: b["reveal"]["problem"].update(tier=0), ValueError, "Invalid tier"),
    (lambda b: b.pop("header"), KeyError, "header"),
    (lambda b: b.update(reveal=None), TypeError, "reveal must be a dict"),
])
def test_encode_refuses_bad_blocks(mutate, exc, match):
    b = small_block()
    mutate(b)
    with pytest.raises(exc, match=match):
        _core.encode_block_py(b)


def test_decode_is_strict():
    enc = _core.encode_block_py(small_block())
    for bad in (b"", enc[:-1], enc[:10], enc + b"\x00", b"\xc0", b"\x80"):
        with pytest.raises(ValueError):
            _core.decode_block_py(bad)
    with pytest.raises(ValueError, match="TRAILING"):
        _core.decode_block_py(enc + b"\x00")
    # nonce 42 (positive fixint 0x2a) re-encoded as uint8 "cc 2a": same value, not canonical
    i = enc.index(b"\xa5nonce\x2a")
    noncanon = enc[:i] + b"\xa5nonce\xcc\x2a" + enc[i + 7:]
    with pytest.raises(ValueError):
        _core.decode_block_py(noncanon)
    with pytest.raises(TypeError):
        _core.decode_block_py("not bytes")
    with pytest.raises(ValueError):
        _core.decode_block_py(b"\x00" * (10 * 1024 * 1024 + 1))


def test_mutated_encodings_decode_canonically_or_raise():
    """Random bit flips, byte changes and cuts of valid encodings: decoding returns a block whose
    re-encoding is the input (strictness), or raises ValueError; nothing else."""
    rng = cjtest.rng(11)
    encs = [_core.encode_block_py(cjtest.rand_block(rng)) for _ in range(20)]
    accepted = 0
    for _ in range(4000):
        enc = bytearray(rng.choice(encs))
        for _ in range(rng.randint(1, 3)):
            op = rng.random()
            i = rng.randrange(len(enc))
            if op < 0.5:
                enc[i] ^= 1 << rng.randrange(8)
            elif op < 0.8:
                enc[i] = rng.choice([0x00, 0x7f, 0x80, 0x90, 0xc0, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xdc, 0xff])
            else:
                del enc[i:]
                if not enc:
                    enc.append(0x84)
        data = bytes(enc)
        try:
            dec = _core.decode_block_py(data)
        except ValueError:
            continue
        accepted += 1
        assert _core.encode_block_py(dec) == data
    assert accepted > 0  # some flips land in free-form bytes (hashes, data) and stay valid
