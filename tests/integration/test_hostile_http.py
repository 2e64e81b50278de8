"""Hostile HTTP input against a running coinjectured (issue 6, item 3): malformed JSON and hex, huge integers,
deep nesting, 10 MB bodies (Content-Length and chunked), header and URL floods, protocol garbage, request
smuggling shapes, log-forging paths, many idle connections, request floods and transaction spam.

Every attack must end in a clear refusal -- the documented {"error", "details"} JSON with 400/404/405/413/429
from the router, and for what never reaches it (malformed request lines and headers, oversize heads, bodies over
the hard cap) the node's JSON 400/413/414/431 with `Connection: close` in place of libevent's HTML page (issue
12 item 4) -- and afterwards the node must still answer /health, keep producing blocks, and serve blocks 0..h
with the same hashes as before the attack. One validator (500 ms blocks) serves the whole module."""
import json
import os
import select
import socket
import sys
import threading
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conftest import CLI, REPO, Node, http, keygen, metric, run, wait_for

sys.path.insert(0, os.path.join(REPO, "bindings", "python"))
from coinjecture import reference as ref  # noqa: E402  (pure Python, standard library only)

READ_TIMEOUT_S = 2
REQUEST_TIMEOUT_S = 4
# A failed assertion inside a poll fails the test at once here (no retry until the timeout).
POLL_RETRY = (OSError, ValueError, KeyError)


# ---------------------------------------------------------------------------------------------------------
# helpers


def snapshot(n):
    """Block hashes 0..tip: what must survive every attack unchanged."""
    h = n.height()
    return {i: n.get(f"/v1/blocks/{i}")["block_hash"] for i in range(h + 1)}


def assert_unharmed(n, snap, grow=2):
    """The process lives, /health answers, the chain grows past the snapshot and blocks 0..h are unchanged."""
    assert n.proc.poll() is None, f"node died:\n{n.read_log()[-3000:]}"
    assert n.get("/health")["status"] == "ok"
    n.wait_height(max(snap) + grow, timeout=20)
    for i, h in snap.items():
        assert n.get(f"/v1/blocks/{i}")["block_hash"] == h, f"block {i} changed"


def raw(port, data, timeout=5.0, read=True):
    """Sends raw bytes on a fresh connection and reads until the server closes or `timeout` passes.
    Returns (status or None, headers dict, body bytes, closed_by_server, every byte received)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    closed = False
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            closed = True  # the server gave up on us while we were still sending
        if read:
            deadline = time.time() + timeout
            while time.time() < deadline:
                r, _, _ = select.select([s], [], [], max(0.0, deadline - time.time()))
                if not r:
                    break
                try:
                    chunk = s.recv(65536)
                except ConnectionResetError:
                    closed = True
                    break
                if not chunk:
                    closed = True
                    break
                out += chunk
    finally:
        s.close()
    status, headers, body = parse_response(out)
    return status, headers, body, closed, out


def parse_response(buf):
    """First HTTP response in buf -> (status, lower-case headers, body); (None, {}, b"") if none."""
    if not buf.startswith(b"HTTP/1."):
        return None, {}, b""
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", len(rest)))
    return status, headers, rest[:n]


def json_error(status, body, expect, needle=None):
    """A router error: the expected status and exactly {"error", "details"}; small (no echo of huge input)."""
    assert status == expect, f"{status} {body[:300]!r}"
    doc = json.loads(body)
    assert set(doc) == {"error", "details"}, doc
    assert len(body) < 2048, f"error body of {len(body)} bytes echoes the input"
    if needle:
        assert needle in doc["error"] + " " + doc["details"], doc
    return doc


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def seed_of(keyfile):
    """The Ed25519 seed (first 32 bytes of the libsodium secret key) of a coinjecture-keygen file."""
    with open(keyfile) as f:
        return bytes.fromhex(f.read().strip())[:32]


def signed_tx(seed, to_hex, nonce, amount=1, gas_price=1, bad_sig=False):
    """A transfer as POST /v1/transactions JSON, signed with the reference signing message."""
    sk = Ed25519PrivateKey.from_private_bytes(seed)
    pub = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    tx = {"codec_version": 1, "tx_type": "Transfer", "from": pub, "to": bytes.fromhex(to_hex), "amount": amount,
          "nonce": nonce, "gas_limit": 21000, "gas_price": gas_price, "data": b"",
          "timestamp": int(time.time() * 1000)}
    sig = sk.sign(ref.tx_signing_message(tx))
    if bad_sig:
        sig = bytes([sig[0] ^ 1]) + sig[1:]
    return {"from": pub.hex(), "to": to_hex, "amount": amount, "nonce": nonce, "gas_limit": 21000,
            "gas_price": gas_price, "signature": sig.hex(), "timestamp": tx["timestamp"], "tx_type": 1,
            "codec_version": 1, "data": ""}


# ---------------------------------------------------------------------------------------------------------
# the node under attack


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile-http")
    ctx = {"dir": d}
    for k in ("v0", "alice", "bob"):
        ctx[k] = d / f"{k}.key"
        ctx[k + "_pub"] = keygen(ctx[k])
    genesis = d / "genesis.json"
    run([CLI, "genesis", "--out", str(genesis), "--validator", str(ctx["v0"]), "--alloc",
         f"{ctx['alice']}=1000000000000", "--block-time", "500ms", "--network", "hostile", "--chain-id", "4747"])
    n = Node(d, genesis, ctx["v0"], ["--set", "rate_limiter.ip_limit=1000000", "--set",
                                    "rate_limiter.global_limit=10000000", "--set",
                                    f"api.read_timeout={READ_TIMEOUT_S}s", "--set",
                                    f"api.write_timeout={READ_TIMEOUT_S}s", "--set",
                                    f"api.request_timeout={REQUEST_TIMEOUT_S}s"], name="http")
    n.start()
    n.wait_height(2)
    ctx["node"] = n
    yield ctx
    if n.proc is not None:
        n.proc.kill()
        n.proc.wait()
        n.log.close()


# ---------------------------------------------------------------------------------------------------------
# bodies


def test_malformed_json_bodies(env):
    n = env["node"]
    snap = snapshot(n)
    u = n.url + "/v1/transactions"
    bodies = [
        b"{", b"}", b"nul", b"{\"from\":}", b"{'from': 1}", b"{}x", b"\xef\xbb\xbf{}", b"\xff\xfe\x00{",
        b"{\"a\":\"\\ud800\"}", b"{\"from\":\"\x00\"}", b"{\"amount\":NaN}", b"{\"amount\":Infinity}",
        b"[" * 100000,                                   # deep nesting (jansson caps the depth)
        b"{\"data\":" + b"[" * 50000 + b"]" * 50000 + b"}",
        b"{\"a\":" * 30000 + b"1" + b"}" * 30000,
        b"{\"amount\":1,\"amount\":2}",                 # duplicate keys are refused, never "last one wins"
        b"\"just a string\"", b"12345", b"null", b"true", b"[]",
        b"{\"" + b"k" * 100000 + b"\":1}",              # a 100 kB unknown key: refused, not echoed
        b"\x00" * 1000, os.urandom(3000),
    ]
    for body in bodies:
        st, raw_body, _ = http("POST", u, body=body)
        json_error(st, raw_body, 400)
    assert_unharmed(n, snap)


def test_huge_integers_and_bad_numbers(env):
    n = env["node"]
    snap = snapshot(n)
    base = signed_tx(seed_of(env["alice"]), env["bob_pub"], 0)
    u = n.url + "/v1/transactions"
    for field in ("amount", "nonce", "gas_limit", "gas_price", "timestamp", "tx_type", "codec_version"):
        for literal in ("1e400", "-1e400", "99999999999999999999999999999999999999", "1.5", "-0.0", "1e3",
                        "-18446744073709551616", "\"18446744073709551616\"", "\"-1\"", "\"0x10\"", "\"007\"",
                        "\" 1\"", "\"\u0661\"", "true", "null", "[1]", "{\"v\":1}"):
            text = json.dumps(base).replace(json.dumps(field) + ": " + json.dumps(base[field]),
                                            json.dumps(field) + ": " + literal, 1)
            assert literal in text
            st, body, _ = http("POST", u, body=text)
            json_error(st, body, 400)
    assert_unharmed(n, snap)


def test_bad_hex_in_bodies_and_paths(env):
    n = env["node"]
    snap = snapshot(n)
    base = signed_tx(seed_of(env["alice"]), env["bob_pub"], 0)
    u = n.url + "/v1/transactions"
    bad = ["", "0x", "ab", "a" * 63, "a" * 65, "g" * 64, "zz" * 32, " " + "a" * 63, "a" * 62 + "\u00e9",
           "0x" + "a" * 62, "a" * 32 + "\u0000" + "a" * 31, "\u0661" * 64, "a" * 100000, 12, None, ["aa"]]
    for field, want in (("from", 64), ("to", 64), ("signature", 128)):
        for v in bad + ["b" * (want - 1), "b" * (want + 1)]:
            body = dict(base)
            body[field] = v
            st, raw_body, _ = http("POST", u, body=json.dumps(body))
            json_error(st, raw_body, 400, needle=None if "\u0000" in str(v) else field)
    for v in ("abc", "zz", "0xg0", "a" * 2000001, 5):
        body = dict(base)
        body["data"] = v
        st, raw_body, _ = http("POST", u, body=json.dumps(body))
        assert st in (400, 413), st
        json_error(st, raw_body, st)
    for path in ("/v1/blocks/hash/", "/v1/accounts/", "/v1/transactions/"):
        for v in ("xyz", "zz" * 32, "0x" + "0" * 63, "%00" * 32, "%2e%2e%2f" * 8, "a" * 4000, "-1"):
            st, raw_body, _ = http("GET", n.url + path + v)
            json_error(st, raw_body, 400)
    for v in ("-1", "1e3", "0x10", "18446744073709551616", "99999999999999999999999", "1.0", "%31", " 1"):
        st, raw_body, _ = http("GET", n.url + "/v1/blocks/" + v.replace(" ", "%20"))
        json_error(st, raw_body, 400, needle="invalid height")
    json_error(*http("GET", n.url + "/v1/blocks/18446744073709551615")[:2], 404)
    for q in ("limit=0", "limit=1001", "limit=-1", "limit=abc", "limit=1e2", "limit=" + "9" * 50):
        json_error(*http("GET", n.url + "/v1/mempool?" + q)[:2], 400)
    assert_unharmed(n, snap)


def test_ten_megabyte_bodies_are_refused_without_buffering(env):
    n = env["node"]
    snap = snapshot(n)
    rss0 = rss_kib(n.proc.pid)
    ten = 10 * 1024 * 1024
    req = b"POST /v1/transactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    # Content-Length above the hard cap (2 x api.max_request_size): refused before reading (libevent), with the
    # node's JSON 413
    for _ in range(3):
        st, hdrs, body, closed, _ = raw(n.api_port, req + b"Content-Length: %d\r\n\r\n" % ten + b"{" * 65536)
        assert st == 413 and hdrs.get("connection") == "close" and closed, (st, hdrs)
        json_error(st, body, 413, needle="api.max_request_size")
    # a real 10 MB body streamed with Content-Length, and one streamed chunked: refused, connection closed
    body = b"{\"data\":\"" + b"ab" * (ten // 2) + b"\"}"
    st, hdrs, _, closed, _ = raw(n.api_port, req + b"Content-Length: %d\r\n\r\n" % len(body) + body, timeout=10)
    assert closed and st in (413, None), st  # None: the server closed while we were still sending
    chunks = b"".join(b"%x\r\n" % (1 << 20) + b"a" * (1 << 20) + b"\r\n" for _ in range(10)) + b"0\r\n\r\n"
    st, hdrs, _, closed, _ = raw(n.api_port, req + b"Transfer-Encoding: chunked\r\n\r\n" + chunks, timeout=10)
    assert closed and st in (413, None), st
    # between the configured limit (3 MiB) and the hard cap: the router's JSON 413
    mid = b"{\"data\":\"" + b"0" * (4 * 1024 * 1024) + b"\"}"
    st, body_out, _ = http("POST", n.url + "/v1/transactions", body=mid, timeout=20)
    json_error(st, body_out, 413, needle="api.max_request_size")
    # Content-Length that lies (claims 1000, sends 10, then idles): closed by the read timeout
    t0 = time.time()
    st, hdrs, _, closed, _ = raw(n.api_port, req + b"Content-Length: 1000\r\n\r\n{\"a\":1", timeout=READ_TIMEOUT_S + 5)
    assert closed and time.time() - t0 < READ_TIMEOUT_S + 4
    # the node did not keep the bodies: resident memory grew far less than what was sent (~50 MB)
    assert rss_kib(n.proc.pid) - rss0 < 32 * 1024, (rss0, rss_kib(n.proc.pid))
    assert_unharmed(n, snap)


# ---------------------------------------------------------------------------------------------------------
# headers, request lines, protocol garbage


def test_protocol_garbage_and_smuggling_shapes(env):
    n = env["node"]
    snap = snapshot(n)
    cases = [
        b"GARBAGE\x00\xff\r\n\r\n", os.urandom(4096), b"\r\n" * 5000, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST /v1/transactions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"POST /v1/transactions HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        b"POST /v1/transactions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST /v1/transactions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST /v1/transactions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
        b"BREW /health HTTP/1.1\r\nHost: x\r\n\r\n",
    ]
    for data in cases:
        st, hdrs, body, closed, _ = raw(n.api_port, data, timeout=READ_TIMEOUT_S + 3)
        # the node's JSON 4xx (never libevent's HTML, never a 5xx), or the connection closed without an answer
        assert st is None or 400 <= st < 500, (data[:60], st, body[:200])
        assert st is None or hdrs.get("content-type") == "application/json", (data[:60], hdrs, body[:200])
        if st is not None:
            json_error(st, body, st)
        assert st is not None or closed, data[:60]
    # 500 pipelined requests on one connection: every one answered, in order
    one = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    st, _, _, closed, out = raw(n.api_port, one * 499 + one.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
    assert st == 200 and closed and out.count(b"HTTP/1.1 200 OK\r\n") == 500
    # wrong methods get the JSON 405 with Allow
    for m in ("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"):
        st, body, hdrs = http(m, n.url + "/v1/status", body=b"{}" if m in ("PUT", "PATCH") else None)
        json_error(st, body, 405)
        assert "GET" in hdrs["Allow"]
    assert_unharmed(n, snap)


def test_request_paths_cannot_forge_log_lines(env):
    """Attacker-controlled paths reach the debug log; control bytes must be escaped (no fake lines, no
    terminal escapes), and the escaping must not crash anything."""
    n = env["node"]
    snap = snapshot(n)
    marker = "FORGED-%d" % os.getpid()
    for path in (b"/\x1b[31m" + marker.encode(), b"/%0a2026-01-01T00:00:00.000Z critical " + marker.encode(),
                 b"/\x7f\x01\x02" + marker.encode(), b"/\xff\xfe" + marker.encode()):
        raw(n.api_port, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=3)
    with open(n.log_path, "rb") as f:
        log = f.read()
    assert b"\x1b" not in log and b"\x01" not in log and b"\x7f" not in log
    hits = [l for l in log.splitlines() if marker.encode() in l]
    assert hits, "the requests were not logged at debug level"
    for line in hits:
        assert b" debug " in line[:40], line  # inside one escaped debug line, never a line of its own
        line.decode("utf-8")  # and the log stays valid UTF-8 (invalid bytes are escaped too)
    assert_unharmed(n, snap)


# ---------------------------------------------------------------------------------------------------------
# connections


def test_many_idle_and_half_open_connections(env):
    """400 idle connections and 100 half-sent requests: the node keeps serving and producing, and closes them
    all after api.read_timeout (an inactivity timeout)."""
    n = env["node"]
    snap = snapshot(n)
    socks = []
    try:
        for i in range(500):
            s = socket.create_connection(("127.0.0.1", n.api_port), timeout=5)
            if i >= 400:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Half: ")
            socks.append(s)
        t0 = time.time()
        for _ in range(10):
            a = time.time()
            assert n.get("/health")["status"] == "ok"
            assert time.time() - a < 1.0, "the API stalled under idle connections"
        h = n.height()
        n.wait_height(h + 2)

        def all_closed():
            for s in socks:
                if s.fileno() < 0:
                    continue
                r, _, _ = select.select([s], [], [], 0)
                if not r:
                    return False
                try:
                    if s.recv(65536) == b"":
                        s.close()
                    else:
                        return False
                except ConnectionResetError:
                    s.close()
            return True

        wait_for(all_closed, READ_TIMEOUT_S + 10, "the node to close idle connections", interval=0.2,
                 transient=POLL_RETRY)
        assert time.time() - t0 < READ_TIMEOUT_S + 10
    finally:
        for s in socks:
            s.close()
    assert_unharmed(n, snap)


def test_slowloris_is_cut_off_by_the_request_deadline(env):
    """libevent 2.1's timeouts are inactivity timeouts: a client trickling one header byte per read_timeout/4
    would hold a connection for hours. api.request_timeout (api_conn.c) closes it when the request is not
    complete 4 s after its first byte, while the node goes on serving."""
    n = env["node"]
    before = metric(n, "coinjecture_api_request_timeouts_total")
    s = socket.create_connection(("127.0.0.1", n.api_port), timeout=5)
    t0 = time.time()
    closed_after = None
    try:
        for ch in b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200:
            try:
                s.sendall(bytes([ch]))
                r, _, _ = select.select([s], [], [], READ_TIMEOUT_S / 4)
                if r and s.recv(1024) == b"":
                    closed_after = time.time() - t0
                    break
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.time() - t0
                break
            if time.time() - t0 > 3 * REQUEST_TIMEOUT_S:
                break
        assert n.get("/health")["status"] == "ok"
    finally:
        s.close()
    assert closed_after is not None, f"a request trickled byte by byte was still open after {3 * REQUEST_TIMEOUT_S} s"
    assert closed_after >= REQUEST_TIMEOUT_S - 0.5, f"closed after {closed_after:.1f} s: before the deadline"
    assert metric(n, "coinjecture_api_request_timeouts_total") >= before + 1


def test_request_deadline_is_per_request_not_per_connection(env):
    """A kept-alive connection that sends a complete request every 1.5 s for longer than api.request_timeout
    is served every time: the deadline restarts with each request."""
    n = env["node"]
    s = socket.create_connection(("127.0.0.1", n.api_port), timeout=5)
    try:
        t0 = time.time()
        answered = 0
        while time.time() - t0 < REQUEST_TIMEOUT_S + 2:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
                chunk = s.recv(65536)
                assert chunk, f"connection closed after {answered} answers ({time.time() - t0:.1f} s)"
                data += chunk
            assert data.startswith(b"HTTP/1.1 200"), data[:80]
            answered += 1
            time.sleep(1.5)
    finally:
        s.close()
    assert answered >= 4


def test_concurrent_request_flood(env):
    """8 clients x 250 requests over every read endpoint: all answered (200/404), production goes on."""
    n = env["node"]
    snap = snapshot(n)
    h0 = n.height()
    paths = ["/health", "/v1/status", "/v1/blocks/latest", "/v1/blocks/1", "/metrics", "/v1/mempool?limit=1000",
             "/v1/validators", "/v1/peers", "/v1/evidence", "/v1/parity", "/", "/nope",
             "/v1/accounts/" + env["alice_pub"]]
    codes = {}
    lock = threading.Lock()

    def client(k):
        for i in range(250):
            st = http("GET", n.url + paths[(i + k) % len(paths)], timeout=10)[0]
            with lock:
                codes[st] = codes.get(st, 0) + 1

    ts = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    assert set(codes) <= {200, 404}, codes
    assert sum(codes.values()) == 2000
    assert n.height() >= h0 + 1
    assert_unharmed(n, snap)


def test_transaction_spam_through_the_api(env):
    """Bad signatures are refused one by one; a valid flood from one sender stops at mempool.max_per_account
    (100) and what was admitted is confirmed; balances add up."""
    n = env["node"]
    snap = snapshot(n)
    seed = seed_of(env["alice"])
    u = n.url + "/v1/transactions"
    for i in range(200):
        st, body, _ = http("POST", u, body=json.dumps(signed_tx(seed, env["bob_pub"], 0, bad_sig=True)))
        json_error(st, body, 400, needle="bad-signature")
    a0 = n.get(f"/v1/accounts/{env['alice_pub']}")
    accepted = rejected = 0
    prefix = None  # admitted nonces a0, a0+1, ... before the first refusal: the ones that can be mined
    for nonce in range(a0["nonce"], a0["nonce"] + 150):
        st, body, _ = http("POST", u, body=json.dumps(signed_tx(seed, env["bob_pub"], nonce, amount=7)))
        if st == 202:
            accepted += 1
        else:
            json_error(st, body, 400)
            rejected += 1
            if prefix is None:
                prefix = accepted
    assert 1 <= accepted and accepted + rejected == 150
    # A block sealed while the loop ran frees room in the sender's queue, so a nonce after a refused one can
    # be admitted again: it waits for the missing nonce (held as a future nonce) and is never mined.
    prefix = accepted if prefix is None else prefix
    held = accepted - prefix
    assert n.get("/v1/mempool")["size"] <= 100
    # replaying an admitted transaction is refused as a duplicate (or as a stale nonce once it is mined)
    st, body, _ = http("POST", u, body=json.dumps(signed_tx(seed, env["bob_pub"], a0["nonce"], amount=7)))
    assert st in (202, 400)

    def mined():
        a = n.get(f"/v1/accounts/{env['alice_pub']}")
        return a["pending_txs"] == held and a["nonce"] == a0["nonce"] + prefix and a

    a1 = wait_for(mined, 30, f"the {prefix} admitted transfers before the first refusal to be confirmed "
                  f"({held} admitted after a gap stay pending)", interval=0.2, transient=POLL_RETRY)
    assert a1["nonce"] == a0["nonce"] + prefix
    assert n.get(f"/v1/accounts/{env['bob_pub']}")["balance"] >= 7 * prefix
    assert_unharmed(n, snap)


# ---------------------------------------------------------------------------------------------------------
# every answer comes from the node (issue 12, item 4): JSON errors for unknown methods, malformed requests and
# oversize headers, each counted in http_requests_total; no response cut short by a half-closed client


def status_count(n, status):
    """Sum of coinjecture_http_requests_total over every endpoint and method with this status."""
    total = 0.0
    for line in http("GET", n.url + "/metrics")[1].decode().splitlines():
        if line.startswith("coinjecture_http_requests_total{") and f'status="{status}"' in line:
            total += float(line.split()[-1])
    return total


def node_json_error(st, hdrs, body, expect, needle=None):
    """A JSON error written by the node (not libevent's text/html page), with the node's headers."""
    assert st == expect, (st, hdrs, body[:300])
    assert hdrs.get("content-type") == "application/json", hdrs
    assert hdrs.get("x-content-type-options") == "nosniff", hdrs
    assert int(hdrs.get("content-length", -1)) == len(body), hdrs
    return json_error(st, body, expect, needle)


def test_unknown_methods_get_json_405_with_allow(env):
    """Every method, known to libevent or not, reaches the router: 405 + Allow for the route, 404 off the map."""
    n = env["node"]
    snap = snapshot(n)
    before405, before404 = status_count(n, 405), status_count(n, 404)
    cases = [(b"BREW", b"/health", "GET, HEAD"), (b"PATCH", b"/v1/status", "GET, HEAD"),
             (b"DELETE", b"/v1/blocks/latest", "GET, HEAD"), (b"PUT", b"/v1/transactions", "POST"),
             (b"BREW", b"/v1/validators/votes", "GET, HEAD, POST, DELETE"), (b"PROPFIND", b"/metrics", "GET, HEAD"),
             (b"M-SEARCH", b"/v1/blocks/1", "GET, HEAD"), (b"get", b"/health", "GET, HEAD")]
    for m, path, allow in cases:
        st, hdrs, body, _, _ = raw(n.api_port, m + b" " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        node_json_error(st, hdrs, body, 405, needle="method")
        assert hdrs.get("allow") == allow, (m, path, hdrs)
    # an unknown method with a body: answered, then the connection is closed (its framing is unknown)
    st, hdrs, body, closed, _ = raw(n.api_port, b"BREW /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
    node_json_error(st, hdrs, body, 405)
    assert closed and hdrs.get("connection") == "close", hdrs
    st, hdrs, body, _, _ = raw(n.api_port, b"BREW /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    node_json_error(st, hdrs, body, 404)
    assert status_count(n, 405) == before405 + len(cases) + 1
    assert status_count(n, 404) == before404 + 1
    assert_unharmed(n, snap)


MALFORMED = [
    b"GARBAGE\x00\xff\r\n\r\n",                                        # no request line
    b"GET\r\n\r\n",                                                    # method only
    b"GET /health\r\n\r\n",                                            # no version
    b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n",                        # unknown version
    b"GET /health HTTP/1.1\r\nHost x\r\n\r\n",                         # header without a colon
    b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",  # negative length
    b"POST /v1/transactions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n",                    # unparsable absolute URI
]
# evhttp 2.1 reports a malformed chunk size as it reports a chunk over the body cap: the node answers 413
BAD_CHUNK = b"POST /v1/transactions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"


def test_malformed_requests_get_json_400(env):
    n = env["node"]
    snap = snapshot(n)
    before = status_count(n, 400)
    for data in MALFORMED:
        st, hdrs, body, closed, _ = raw(n.api_port, data, timeout=READ_TIMEOUT_S + 3)
        node_json_error(st, hdrs, body, 400, needle="malformed")
        assert closed and hdrs.get("connection") == "close", (data[:60], hdrs)
    assert status_count(n, 400) == before + len(MALFORMED)
    before = status_count(n, 413)
    st, hdrs, body, closed, _ = raw(n.api_port, BAD_CHUNK)
    node_json_error(st, hdrs, body, 413)
    assert closed and status_count(n, 413) == before + 1
    # after a well-formed request on the same connection, a malformed one still gets the JSON 400
    st, _, _, closed, out = raw(n.api_port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" + MALFORMED[4])
    first = parse_response(out)
    assert first[0] == 200 and closed
    rest = out[out.index(b"\r\n\r\n") + 4 + len(first[2]):]
    st, hdrs, body = parse_response(rest)
    node_json_error(st, hdrs, body, 400)
    assert_unharmed(n, snap)


def test_oversize_request_lines_and_headers_get_json_414_and_431(env):
    n = env["node"]
    snap = snapshot(n)
    b414, b431 = status_count(n, 414), status_count(n, 431)
    flood = b"".join(b"X-Flood-%d: %s\r\n" % (i, b"v" * 60) for i in range(3000))  # ~230 kB of headers
    heads = [b"GET /health HTTP/1.1\r\nHost: x\r\n" + flood + b"\r\n",
             b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (256 * 1024) + b"\r\n\r\n",
             b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 100) for i in range(170))
             + b"\r\n"]                                                     # just over 16 KiB
    for data in heads:
        st, hdrs, body, closed, _ = raw(n.api_port, data)
        node_json_error(st, hdrs, body, 431, needle="api.max_headers_size")
        assert closed
    lines = [b"GET /" + b"a" * (256 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n",
             b"GET /v1/mempool?" + b"limit=1&" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"]
    for data in lines:
        st, hdrs, body, closed, _ = raw(n.api_port, data)
        node_json_error(st, hdrs, body, 414, needle="api.max_headers_size")
        assert closed
    assert status_count(n, 431) == b431 + len(heads)
    assert status_count(n, 414) == b414 + len(lines)
    # a few hundred small headers within api.max_headers_size (16 KiB) are fine
    ok = b"".join(b"X-%d: 1\r\n" % i for i in range(300))
    st, _, body, _, _ = raw(n.api_port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + ok + b"\r\n")
    assert st == 200 and json.loads(body)["status"] == "ok"
    assert_unharmed(n, snap)


def test_body_over_the_hard_cap_gets_json_413(env):
    """Bodies declared beyond twice api.max_request_size are refused before reading, now with the node's JSON."""
    n = env["node"]
    before = status_count(n, 413)
    req = b"POST /v1/transactions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    st, hdrs, body, closed, _ = raw(n.api_port, req + b"Content-Length: %d\r\n\r\n{" % (10 << 20))
    node_json_error(st, hdrs, body, 413, needle="api.max_request_size")
    assert closed and hdrs.get("connection") == "close"
    # the same announced with Expect: 100-continue (no 100 first); an Expect other than 100-continue: JSON 417
    st, hdrs, body, closed, _ = raw(n.api_port, req + b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % (10 << 20))
    node_json_error(st, hdrs, body, 413)
    st, hdrs, body, closed, _ = raw(n.api_port, req + b"Expect: teapot\r\nContent-Length: 2\r\n\r\n{}")
    node_json_error(st, hdrs, body, 417)
    assert status_count(n, 413) == before + 2
    # an interim 100 Continue is libevent's and passes unchanged, followed by the router's answer
    s = socket.create_connection(("127.0.0.1", n.api_port), timeout=5)
    try:
        s.sendall(req + b"Expect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n")
        assert s.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        s.sendall(b"{}")
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    finally:
        s.close()
    st, hdrs, body = parse_response(out)
    node_json_error(st, hdrs, body, 400, needle="from")


def half_closed(port, data, rcvbuf=4096, pause=0.5, timeout=20):
    """Sends data, shuts the write side (FIN), waits a while with a small receive window, then reads everything
    until the server closes. Returns every byte received."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before connect: a small window from the start
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    out = b""
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        time.sleep(pause)  # the node sees the end of file while its response is still queued
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
    return out


def test_half_closed_client_receives_the_whole_response(env):
    n = env["node"]
    snap = snapshot(n)
    app_js = http("GET", n.url + "/app.js")[1]
    # the dashboard script (16 kB) is more than the client's small window and the node's first send buffer
    # hold, so the node is still writing when it reads the end of file; three times each
    for data, expect, length in (
            (b"GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n", 200, len(app_js)),
            (b"GET /app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200, len(app_js)),
            (b"GET /app.js HTTP/1.0\r\n\r\n", 200, len(app_js)),  # HTTP/1.0: no Content-Length, ends at close
            (b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200, None),
            (b"BREW /health HTTP/1.1\r\nHost: x\r\n\r\n", 405, None),
            (MALFORMED[4], 400, None)) * 3:
        out = half_closed(n.api_port, data)
        st, hdrs, body = parse_response(out)
        assert st == expect, (data[:40], out[:200])
        got = len(out) - out.index(b"\r\n\r\n") - 4
        assert got == int(hdrs.get("content-length", length)), (data[:40], got, hdrs)
        if length is not None:
            assert got == length and body == app_js, (data[:40], got)
    assert_unharmed(n, snap)
