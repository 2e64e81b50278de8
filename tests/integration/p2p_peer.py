"""An authenticated P2P peer written from docs/P2P.md alone (shared by test_multinode, test_hostile_p2p and the
adversary suite in tests/adversary): canonical MessagePack, the hello / auth handshake (Ed25519 transcript,
X25519 crypto_kx session keys), ChaCha20-Poly1305 frames with per-direction counters, message builders, and
blocks taken apart and re-sealed with the pure-Python reference codec (bindings/python), so a test holding a
validator key can build byzantine blocks. It shares no code with the node."""
import copy
import hashlib
import json
import os
import select
import socket
import struct
import sys
import threading
import time
import urllib.request

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "bindings", "python"))
from coinjecture import reference as ref  # noqa: E402  (pure Python codec written from the spec)

AUTH_TAG = b"coinjecture/p2p/v1/auth"
PROTOCOL = 3  # docs/P2P.md "Versions": 3 added the auth's signed time_ms (2: evidence, the hello's instance)
MAX_FRAME = 12 * 1024 * 1024


# ---------------------------------------------------------------------------------------------------------
# canonical MessagePack: the reference encoder's primitives plus variable-length bin and a reader


def mp_uint(v):
    return ref._mp_uint(v)


def mp_str(s):
    return ref._mp_str(s)


def mp_bin(b):
    n = len(b)
    if n <= 0xFF:
        return b"\xc4" + bytes([n]) + b
    if n <= 0xFFFF:
        return b"\xc5" + struct.pack(">H", n) + b
    return b"\xc6" + struct.pack(">I", n) + b


def mp_array(items):
    """An array of already encoded values (shortest header)."""
    n = len(items)
    if n < 16:
        hdr = bytes([0x90 | n])
    else:
        hdr = b"\xdc" + struct.pack(">H", n) if n <= 0xFFFF else b"\xdd" + struct.pack(">I", n)
    return hdr + b"".join(items)


def mp_msg(typ, *fields):
    """A P2P message: fixmap, "type" first, then the fields in order (already encoded values)."""
    out = bytearray([0x80 | (1 + len(fields))]) + mp_str("type") + mp_str(typ)
    for k, v in fields:
        out += mp_str(k) + v
    return bytes(out)


class _Reader:
    def __init__(self, b):
        self.b, self.i = b, 0

    def take(self, n):
        if self.i + n > len(self.b):
            raise ValueError("truncated")
        r = self.b[self.i:self.i + n]
        self.i += n
        return r

    def num(self, w, signed=False):
        return int.from_bytes(self.take(w), "big", signed=signed)

    def obj(self):
        t = self.take(1)[0]
        if t <= 0x7F:
            return t
        if t >= 0xE0:
            return t - 256
        if 0x80 <= t <= 0x8F:
            return self.map(t & 15)
        if 0x90 <= t <= 0x9F:
            return [self.obj() for _ in range(t & 15)]
        if 0xA0 <= t <= 0xBF:
            return self.take(t & 31).decode()
        simple = {0xC0: None, 0xC2: False, 0xC3: True}
        if t in simple:
            return simple[t]
        widths = {0xC4: 1, 0xC5: 2, 0xC6: 4}
        if t in widths:
            return bytes(self.take(self.num(widths[t])))
        widths = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}
        if t in widths:
            return self.num(widths[t])
        widths = {0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8}
        if t in widths:
            return self.num(widths[t], True)
        widths = {0xD9: 1, 0xDA: 2, 0xDB: 4}
        if t in widths:
            return self.take(self.num(widths[t])).decode()
        if t in (0xDC, 0xDD):
            return [self.obj() for _ in range(self.num(2 if t == 0xDC else 4))]
        if t in (0xDE, 0xDF):
            return self.map(self.num(2 if t == 0xDE else 4))
        raise ValueError("marker 0x%02x" % t)

    def map(self, n):
        d = {}
        for _ in range(n):
            k = self.obj()
            d[k] = self.obj()
        return d


def mp_decode(b):
    r = _Reader(b)
    o = r.obj()
    if r.i != len(b):
        raise ValueError("trailing bytes")
    return o


# ---------------------------------------------------------------------------------------------------------
# messages


def ping_msg(nonce):
    return mp_msg("ping", ("nonce", mp_uint(nonce)))


def status_msg(height, best, weight):
    return mp_msg("status", ("height", mp_uint(height)), ("best", mp_bin(best)), ("weight", mp_uint(weight)))


def get_blocks_msg(frm, count):
    return mp_msg("get_blocks", ("from", mp_uint(frm)), ("count", mp_uint(count)))


def blocks_msg(frm, blocks):
    return mp_msg("blocks", ("from", mp_uint(frm)), ("blocks", mp_array([mp_bin(b) for b in blocks])))


def block_msg(b):
    return mp_msg("block", ("block", mp_bin(b if isinstance(b, bytes) else ref.encode_block(b))))


def tx_msg(tx):
    return mp_msg("tx", ("tx", mp_bin(ref.encode_tx(tx))))


# ---------------------------------------------------------------------------------------------------------
# keys, blocks and transactions with the reference codec


def raw_pub(k):
    return k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_from_file(path):
    """Ed25519 private key object of a coinjecture-keygen file (hex of seed || public key)."""
    with open(path) as f:
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(f.read().strip())[:32])


def block_from_wire(b):
    """A canonical block (bytes) as the reference codec's dict; encode_block() gives the bytes back."""
    d = mp_decode(b)
    d["header"]["extra_data"] = bytes(d["header"]["extra_data"])
    for t in d["transactions"]:
        t["data"] = bytes(t["data"])
    assert ref.encode_block(d) == b, "reference codec does not round-trip the node's block"
    return d


def resealed(b, key, dt):
    """Byzantine block builder: b with its timestamp moved by dt ms (a new header hash) and sealed by key over
    the header with extra_data cut before the 64-byte seal (DESIGN §4). With the proposer's key and dt > 0 the
    result is a valid twin of b (a side block at b's height: double signing)."""
    b = copy.deepcopy(b)
    hd = dict(b["header"])
    hd["timestamp"] += dt
    hd["extra_data"] = hd["extra_data"][:-64]
    hd["extra_data"] = hd["extra_data"] + key.sign(ref.header_hash(hd))
    b["header"] = hd
    return b


def signed_tx(sk, to, nonce, amount=1, gas_price=1, bad_sig=False):
    """Canonical transaction (reference codec dict) signed over the reference signing message."""
    tx = {"codec_version": 1, "tx_type": "Transfer", "from": raw_pub(sk), "to": to, "amount": amount,
          "nonce": nonce, "gas_limit": 21000, "gas_price": gas_price, "data": b"",
          "timestamp": int(time.time() * 1000)}
    tx["signature"] = sk.sign(ref.tx_signing_message(tx))
    if bad_sig:
        tx["signature"] = bytes([tx["signature"][0] ^ 0x40]) + tx["signature"][1:]
    return tx


# ---------------------------------------------------------------------------------------------------------
# the peer


def node_identity(node):
    """(chain_id, genesis hash) of a running node, cached on the Node object."""
    if getattr(node, "chain_id", None) is None or getattr(node, "genesis_hash", None) is None:
        with urllib.request.urlopen(node.url + "/v1/status", timeout=10) as r:
            st = json.loads(r.read())
        node.chain_id = int(st["node"]["chain_id"])
        node.genesis_hash = bytes.fromhex(st["node"]["genesis_hash"])
    return node.chain_id, node.genesis_hash


class Peer:
    """One connection to a node: plaintext hello/auth, then ChaCha20-Poly1305 frames (crypto_kx keys). The TCP
    connection is opened at construction; hello() exchanges hellos, handshake() completes the session."""

    def __init__(self, node, sk=None, timeout=10, port=None):
        self.node = node
        self.chain_id, self.genesis = node_identity(node)
        self.sock = socket.create_connection(("127.0.0.1", port or node.p2p_port), timeout=timeout)
        self.sk = sk or Ed25519PrivateKey.generate()
        self.pk = raw_pub(self.sk)
        self.eph = X25519PrivateKey.generate()
        self.eph_pk = raw_pub(self.eph)
        self.nonce = os.urandom(32)
        self.instance = os.urandom(16)  # one per process start in the node; per connection here
        self.rx = self.tx = None
        self.rx_ctr = self.tx_ctr = 0
        self.buf = b""
        self.peer = None

    # -- transport
    def recv_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("closed by the node")
            self.buf += chunk
        r, self.buf = self.buf[:n], self.buf[n:]
        return r

    def recv(self):
        hdr = self.recv_exact(4)
        body = self.recv_exact(struct.unpack(">I", hdr)[0])
        if self.rx is None:
            return mp_decode(body)
        pt = self.rx.decrypt(b"\0\0\0\0" + struct.pack("<Q", self.rx_ctr), body, hdr)
        self.rx_ctr += 1
        return mp_decode(pt)

    def recv_type(self, typ, timeout=10):
        """The next message of that type (pings on the way are answered)."""
        deadline = time.time() + timeout
        self.sock.settimeout(timeout)
        while time.time() < deadline:
            m = self.recv()
            if m["type"] == "ping" and self.tx is not None:
                self.send(mp_msg("pong", ("nonce", mp_uint(m["nonce"]))))
            if m["type"] == typ:
                return m
        raise AssertionError(f"no {typ} message within {timeout}s")

    def send_plain(self, body):
        self.sock.sendall(struct.pack(">I", len(body)) + body)

    def seal(self, plaintext):
        hdr = struct.pack(">I", len(plaintext) + 16)
        ct = self.tx.encrypt(b"\0\0\0\0" + struct.pack("<Q", self.tx_ctr), plaintext, hdr)
        self.tx_ctr += 1
        return hdr + ct

    def send(self, plaintext):
        self.sock.sendall(self.seal(plaintext))

    def try_send(self, data):
        """sendall that treats a connection the node already closed as failure (returns False)."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def closed_by_node(self, timeout=10):
        return wait_closed(self.sock, timeout)

    def close(self):
        self.sock.close()

    # -- handshake
    def hello_msg(self, version=PROTOCOL, chain_id=None, genesis=None, node_key=None, eph=None, listen_port=0):
        return mp_msg("hello", ("version", mp_uint(version)),
                      ("chain_id", mp_uint(self.chain_id if chain_id is None else chain_id)),
                      ("genesis", mp_bin(self.genesis if genesis is None else genesis)),
                      ("node_key", mp_bin(self.pk if node_key is None else node_key)),
                      ("eph_key", mp_bin(self.eph_pk if eph is None else eph)), ("nonce", mp_bin(self.nonce)),
                      ("listen_port", mp_uint(listen_port)), ("instance", mp_bin(self.instance)))

    def transcript(self, peer_hello, time_ms):
        """What we sign: tag || their nonce, eph_key || ours || our node key || theirs || u64 BE our time_ms."""
        return (AUTH_TAG + peer_hello["nonce"] + peer_hello["eph_key"] + self.eph_pk + self.nonce + self.pk
                + peer_hello["node_key"] + struct.pack(">Q", time_ms))

    def auth_msg(self, sig, time_ms):
        return mp_msg("auth", ("time_ms", mp_uint(time_ms)), ("sig", mp_bin(sig)))

    def hello(self):
        """Sends our hello and returns the node's (checked against our chain)."""
        self.send_plain(self.hello_msg())
        self.peer = self.recv()
        assert self.peer["type"] == "hello" and self.peer["version"] == PROTOCOL
        assert self.peer["chain_id"] == self.chain_id and self.peer["genesis"] == self.genesis
        return self.peer

    def handshake(self, time_ms=None):
        """Completes the handshake; time_ms is the time our auth claims (default: this clock's, unix ms)."""
        if self.peer is None:
            self.hello()
        t = int(time.time() * 1000) if time_ms is None else time_ms
        self.send_plain(self.auth_msg(self.sk.sign(self.transcript(self.peer, t)), t))
        a = self.recv()
        assert a["type"] == "auth"
        self.peer_time_ms = a["time_ms"]
        theirs = (AUTH_TAG + self.nonce + self.eph_pk + self.peer["eph_key"] + self.peer["nonce"]
                  + self.peer["node_key"] + self.pk + struct.pack(">Q", a["time_ms"]))
        Ed25519PublicKey.from_public_bytes(self.peer["node_key"]).verify(a["sig"], theirs)  # raises if wrong
        # crypto_kx: BLAKE2b-512(q || client_pk || server_pk); the lower ephemeral key is the client
        q = self.eph.exchange(X25519PublicKey.from_public_bytes(self.peer["eph_key"]))
        client = self.eph_pk < self.peer["eph_key"]
        cpk, spk = (self.eph_pk, self.peer["eph_key"]) if client else (self.peer["eph_key"], self.eph_pk)
        k = hashlib.blake2b(q + cpk + spk, digest_size=64).digest()
        rx, tx = (k[:32], k[32:]) if client else (k[32:], k[:32])
        self.rx, self.tx = ChaCha20Poly1305(rx), ChaCha20Poly1305(tx)
        return self


def wait_closed(sock, timeout):
    """True once the peer closed (EOF or reset), reading and discarding whatever was still queued."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        r, _, _ = select.select([sock], [], [], max(0.0, deadline - time.time()))
        if not r:
            break
        try:
            if not sock.recv(1 << 20):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except OSError:
            return True
    return False


def fetch_blocks(n, frm, count):
    """Canonical block bytes [frm, frm + count) as node n serves them over P2P."""
    p = Peer(n).handshake()
    try:
        p.send(get_blocks_msg(frm, count))
        return p.recv_type("blocks")["blocks"]
    finally:
        p.close()


# ---------------------------------------------------------------------------------------------------------
# a TCP forwarder (an address that leads to a node once opened)


def pump(a, b):
    """Copies a -> b until either side closes."""
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    finally:
        for x in (a, b):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Forwarder:
    """Listens on a free loopback port at once but forwards connections to target_port only after open();
    before that, connections are closed. accepted_at: time of the first forwarded connection."""

    def __init__(self):
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(16)
        self.port = self.ls.getsockname()[1]
        self.target = None
        self.accepted_at = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def open(self, target_port):
        self.target = target_port

    def _run(self):
        self.ls.settimeout(0.05)
        while not self.stop.is_set():
            try:
                c, _ = self.ls.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if self.target is None:
                c.close()
                continue
            try:
                u = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                c.close()
                continue
            if self.accepted_at is None:
                self.accepted_at = time.time()
            for x, y in ((c, u), (u, c)):
                threading.Thread(target=pump, args=(x, y), daemon=True).start()

    def close(self):
        self.stop.set()
        self.ls.close()
