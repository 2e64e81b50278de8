"""The Python validator's double-sign protection (docs/OPERATIONS.md "Double-sign protection") and its evidence
pool (docs/P2P.md "Double-sign evidence"), in-process: the sign-state file in coinjectured's exact format, the
guard's verdicts, the reset command, and the receiver's checks of an `evidence` message."""
import os
import subprocess

import pytest

from conftest import REPO
from coinjecture_validator import chain as ch, ed25519 as E, evidence as ev, sign_state as ss
from coinjecture_validator.codec import Block
from coinjecture_validator.hashing import H
from test_chain import PKS, SEEDS, genesis, produce, transfer

HASH = bytes(range(32))
PKG = os.path.join(REPO, "validator", "python")


# ---------------------------------------------------------------------------------------------- the file

def test_format_is_coinjectureds_line():
    # the exact bytes coinjectured writes (sign_state.c cj_sign_state_format), so the file carries over
    assert ss.format_record(1234, HASH) == '{"format":1,"height":1234,"hash":"%s"}\n' % HASH.hex()
    assert ss.format_record(7, None) == '{"format":1,"height":7,"hash":null}\n'
    assert ss.parse(ss.format_record(1234, HASH).encode()) == (1234, HASH)
    assert ss.parse(b'{"format":1,"height":0,"hash":null}') == (0, None)


@pytest.mark.parametrize("text,why", [
    (b"", "not JSON"),
    (b"[1,2,3]", "exactly the keys"),
    (b'{"format":1,"height":5}', "exactly the keys"),
    (b'{"format":1,"height":5,"hash":null,"x":1}', "exactly the keys"),
    (b'{"format":1,"height":5,"height":6,"hash":null}', "duplicate key"),
    (b'{"format":2,"height":5,"hash":null}', "format: expected 1"),
    (b'{"format":true,"height":5,"hash":null}', "format: expected 1"),
    (b'{"format":1,"height":-1,"hash":null}', "height"),
    (b'{"format":1,"height":5.0,"hash":null}', "height"),
    (b'{"format":1,"height":NaN,"hash":null}', "not JSON"),
    (b'{"format":1,"height":"05","hash":null}', "leading zeros"),
    (b'{"format":1,"height":"18446744073709551616","hash":null}', "2^64-1"),
    (b'{"format":1,"height":5,"hash":"abcd"}', "64 hex digits"),
    (b'{"format":1,"height":5,"hash":"' + b"zz" * 32 + b'"}', "64 hex digits"),
    (b'{"format":1,"height":0,"hash":"' + b"ab" * 32 + b'"}', "height 0"),
])
def test_parse_refuses(text, why):
    with pytest.raises(ss.SignStateError) as e:
        ss.parse(text)
    assert why in str(e.value)


def test_parse_accepts_what_the_c_reader_accepts():
    # a decimal-string height up to 2^64-1, a 0x prefix and upper-case hex (cj_json_u64, cj_json_hex_fixed)
    assert ss.parse(b'{"format":1,"height":"18446744073709551615","hash":null}') == (2 ** 64 - 1, None)
    assert ss.parse(('{"hash":"0x%s","height":3,"format":1}' % HASH.hex().upper()).encode()) == (3, HASH)


def test_write_read_and_corrupt_file(tmp_path):
    d = str(tmp_path)
    assert ss.read(d) is None  # no file: nothing sealed yet
    ss.write(d, 42, HASH)
    assert ss.read(d) == (42, HASH)
    assert not os.path.exists(os.path.join(d, ss.FILE + ".tmp"))
    assert os.stat(os.path.join(d, ss.FILE)).st_mode & 0o077 == 0
    with open(os.path.join(d, ss.FILE), "w") as f:
        f.write('{"format":1,"height":4')
    with pytest.raises(ss.SignStateError, match="is corrupt"):
        ss.read(d)
    with open(os.path.join(d, ss.FILE), "w") as f:
        f.write(" " * 5000)
    with pytest.raises(ss.SignStateError, match="larger than"):
        ss.read(d)


def test_the_c_nodes_file_is_read_unchanged():
    # the file in OPERATIONS.md's example, as a C node leaves it
    line = '{"format":1,"height":1234,"hash":"%s"}\n' % ("ab" * 32)
    assert ss.parse(line.encode()) == (1234, bytes.fromhex("ab" * 32))


# ---------------------------------------------------------------------------------------------- the guard

def test_guard_watch_floor_and_foreign_blocks(tmp_path):
    d = str(tmp_path)
    ss.write(d, 10, HASH)
    g = ss.Guard(d, 2000, 1_000_000)
    v, why = g.blocked(11, 1_000_500)
    assert v == ss.WATCH and "start-up watch" in why
    assert g.blocked(11, 1_002_000) == (ss.OK, None)
    v, why = g.blocked(10, 1_002_000)
    assert v == ss.FLOOR and "at or below the last signed height 10" in why
    # a sealed block is recorded durably, before it leaves the node
    h11 = H(b"11")
    assert g.record(11, h11) is None
    assert ss.read(d) == (11, h11)
    assert g.record(11, h11) is None  # the same block again
    with pytest.raises(ss.SignStateError, match="another block"):
        g.record(11, H(b"other"))
    with pytest.raises(ss.SignStateError):
        g.record(9, H(b"9"))
    assert ss.read(d) == (11, h11)
    # our own block seen again is not foreign; a recent block of our key we did not make is
    assert g.observe(11, h11, 1_002_900, 1_003_000) is False
    assert g.observe(12, H(b"12"), 1_002_900, 1_003_000) is True
    v, why = g.blocked(13, 1_003_100)
    assert v == ss.FOREIGN and "another instance is sealing with this validator key: block 12" in why
    assert g.blocked(13, 1_005_001) == (ss.OK, None)
    assert g.flush() is None and ss.read(d) == (12, H(b"12"))  # the floor rose
    # an old block of our key (a restored backup's own past) only raises the floor
    assert g.observe(20, H(b"20"), 1_000_000, 1_010_000) is False
    assert g.blocked(20, 1_010_000)[0] == ss.FLOOR
    # evidence against our key holds sealing and raises the floor without a hash
    g.conflict(30, 1_020_000)
    v, why = g.blocked(31, 1_020_001)
    assert v == ss.FOREIGN and "double-sign evidence" in why
    assert g.flush() is None and ss.read(d) == (30, None)


def test_guard_with_a_corrupt_file_never_seals(tmp_path):
    d = str(tmp_path)
    with open(os.path.join(d, ss.FILE), "w") as f:
        f.write("garbage")
    g = ss.Guard(d, 0, 0)
    v, why = g.blocked(1, 10 ** 12)
    assert v == ss.FAULTY and "reset-sign-state" in why
    g.observe(5, HASH, 0, 1)
    assert g.flush() is None
    assert open(os.path.join(d, ss.FILE)).read() == "garbage"  # never guessed around nor overwritten


def run_reset(d, height):
    return subprocess.run(["/usr/bin/python3", "-m", "coinjecture_validator", "reset-sign-state", "--data-dir", d,
                           "--height", height], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=PKG))


def test_reset_command(tmp_path):
    d = str(tmp_path)
    r = run_reset(d, "77")
    assert r.returncode == 0, r.stderr
    assert open(os.path.join(d, ss.FILE)).read() == '{"format":1,"height":77,"hash":null}\n'
    r = run_reset(d, "-3")
    assert r.returncode == 2 and "unsigned integer" in r.stderr
    assert ss.read(d) == (77, None)
    r = run_reset(str(tmp_path / "missing"), "1")
    assert r.returncode == 1 and "not a directory" in r.stderr
    # refused while a node holds the data-dir lock (the same node.lock coinjectured uses)
    import fcntl
    with open(os.path.join(d, "node.lock"), "a+") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        r = run_reset(d, "0")
        assert r.returncode == 1 and "in use by a running node" in r.stderr
    assert ss.read(d) == (77, None)
    assert run_reset(d, "0").returncode == 0 and ss.read(d) == (0, None)


# ---------------------------------------------------------------------------------------------- evidence

@pytest.fixture
def chain(tmp_path):
    c = ch.Chain(str(tmp_path), genesis(2), synchronous="OFF")
    yield c
    c.close()


def two_headers(c, who=1):
    """Two different sealed blocks at height tip+1 by validator `who` (a double sign)."""
    a = Block.decode(produce(c, who))
    b = Block.decode(produce(c, who, txs=[transfer(0)]))
    assert a.header.block_index == b.header.block_index and a.header_raw != b.header_raw
    return a, b


def test_pool_detects_and_dedups(chain):
    a, b = two_headers(chain)
    p = ev.Pool()
    assert p.observe(set(), a.header_raw, a.header, PKS[1], 5) is None
    assert p.observe(set(), a.header_raw, a.header, PKS[1], 6) is None  # the same header again
    rec = p.observe(set(), b.header_raw, b.header, PKS[1], 7)
    assert rec is not None and rec.height == a.header.block_index and rec.validator == PKS[1]
    assert (rec.hash_a, rec.hash_b) == (H(a.header_raw), H(b.header_raw)) and p.counted == 1
    assert p.observe(set(), b.header_raw, b.header, PKS[1], 8) is None
    assert p.has_pair(H(b.header_raw), H(a.header_raw))
    # a pair the chain holds already is kept (for its headers) but not counted twice
    q = ev.Pool()
    pair = tuple(sorted((H(a.header_raw), H(b.header_raw))))
    rec = q.add_pair({pair}, a.header_raw, a.header, b.header_raw, b.header, PKS[1], 1)
    assert rec.in_chain and q.counted == 0
    assert q.add_pair({pair}, b.header_raw, b.header, a.header_raw, a.header, PKS[1], 2) is None


def test_pool_bounds():
    p = ev.Pool(recent=16, max_records=3)
    for i in range(40):
        p._remember(i, PKS[0], H(bytes([i])), b"x")
    assert len(p.seen) == 16
    for i in range(5):
        p._add(set(), PKS[0], i, H(b"a%d" % i), b"a", H(b"b%d" % i), b"b", 0)
    assert len(p.records) == 3 and p.counted == 5 and p.records[0].height == 2


def test_receive_checks_in_order(chain):
    a, b = two_headers(chain)
    vs = PKS[:2]
    p = ev.Pool()
    assert p.receive(set(), vs, b"\x80", b.header_raw, 1) == ("invalid", None, "evidence: a header is not canonical")
    assert p.receive(set(), vs, a.header_raw + b"\x00", b.header_raw, 1)[0] == "invalid"  # trailing byte
    assert p.receive(set(), vs, a.header_raw, a.header_raw, 1)[0] == "invalid"  # not two different headers
    other = Block.decode(produce(chain, 0))
    assert p.receive(set(), vs, a.header_raw, other.header_raw, 1)[0] == "invalid"  # two sealers
    assert p.receive(set(), [PKS[0]], a.header_raw, b.header_raw, 1) == ("ignored", None, None)
    # a forged seal: the header re-signed by another key
    forged = Block.decode(b.encode())
    hd = forged.header
    hd.extra_data = hd.extra_data[:-64] + E.sign(SEEDS[0], ch.seal_hash(hd))
    out, rec, bad = p.receive(set(), vs, a.header_raw, hd.encode(), 1)
    assert out == "invalid" and rec is None and "forged" in bad
    out, rec, bad = p.receive(set(), vs, a.header_raw, b.header_raw, 9)
    assert out == "new" and bad is None and rec.validator == PKS[1] and rec.seen_ms == 9
    assert (rec.header_a, rec.header_b) == (a.header_raw, b.header_raw)
    assert p.receive(set(), vs, b.header_raw, a.header_raw, 10) == ("known", None, None)  # dedup, either order
    assert p.counted == 1
