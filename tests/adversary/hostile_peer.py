"""The adversary suite's toolbox (issue 12): authenticated hostile peers built on the shared independent P2P
client (tests/integration/p2p_peer.py), a /health latency probe that runs as a separate client, RSS readings,
and the node fixtures. Every attack test asserts a measured bound, not only survival."""
import os
import socket
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import cjnet  # noqa: E402
from cjnet import (CLI, FAKETIME_LIB, NO_RATE_LIMIT, Node, keygen, kill_nodes, metric, past_chain_validator,  # noqa: E402,F401,E501
                   run, start_with_past_chain, status, tip, wait_for)
from p2p_peer import (Forwarder, Peer, block_from_wire, block_msg, blocks_msg, fetch_blocks,  # noqa: E402,F401
                      get_blocks_msg, key_from_file, mp_bin, mp_msg, mp_uint, ping_msg, ref, resealed, status_msg)

HUGE = 10 ** 15  # a claimed cumulative weight no honest chain has


def make_genesis(path, validators, **kw):
    """A genesis file for the given validator key files (cjnet.make_genesis on this suite's network name)."""
    cjnet.make_genesis(path, validators, network="adversary", **kw)


def rss_mib(node):
    """Resident set size of the node process in MiB."""
    with open(f"/proc/{node.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def produced(node):
    return metric(node, "coinjecture_blocks_produced_total")


def peers_by_key(node):
    """{node key hex: peer record} of the node's /v1/peers."""
    return {p["node_key"]: p for p in node.get("/v1/peers")["peers"]}


class HealthProbe:
    """GET /health from a separate client (a new connection per request, as a monitor would) every interval,
    recording latencies; a request that fails or takes longer than 5 s counts as 5 s."""

    def __init__(self, node, interval=0.02):
        self.url = node.url + "/health"
        self.interval = interval
        self.lat = []
        self.stop_ev = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop_ev.is_set():
            t0 = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=5) as r:
                    r.read()
                dt = time.monotonic() - t0
            except OSError:
                dt = 5.0
            self.lat.append(dt)
            time.sleep(self.interval)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_ev.set()
        self.thread.join(10)

    def stats(self):
        """(count, p50, p99, max) in seconds."""
        s = sorted(self.lat)
        if not s:
            return 0, 0.0, 0.0, 0.0
        return len(s), s[len(s) // 2], s[min(len(s) - 1, (len(s) * 99) // 100)], s[-1]

    def describe(self):
        n, p50, p99, mx = self.stats()
        return f"/health over {n} requests: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {mx * 1000:.0f} ms"


class ScriptedPeer:
    """An authenticated peer run by a thread: answers pings, optionally announces a status (claim), and hands every
    other message to on_msg(peer, msg) (which may send). Records whether the node closed the connection."""

    def __init__(self, node, on_msg=None, claim=None, port=None):
        self.p = Peer(node, port=port).handshake()
        self.on_msg = on_msg
        self.closed = False
        self.requests = 0
        self.stop_ev = threading.Event()
        self.lock = threading.Lock()
        if claim is not None:  # (height, best hash, cumulative weight) announced at once
            self.send(status_msg(*claim))
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def key_hex(self):
        return self.p.pk.hex()

    def send(self, plaintext):
        with self.lock:
            if not self.p.try_send(self.p.seal(plaintext)):
                self.closed = True

    def _run(self):
        self.p.sock.settimeout(0.2)
        while not self.stop_ev.is_set() and not self.closed:
            try:
                m = self.p.recv()
            except socket.timeout:
                continue
            except (ConnectionError, OSError, ValueError):
                self.closed = True
                return
            if m["type"] == "ping":
                self.send(mp_msg("pong", ("nonce", mp_uint(m["nonce"]))))
            elif m["type"] == "get_blocks":
                self.requests += 1
                if self.on_msg:
                    self.on_msg(self, m)
            elif self.on_msg:
                self.on_msg(self, m)

    def close(self):
        self.stop_ev.set()
        self.thread.join(5)
        self.p.close()


def liar_silent(peer, m):
    """Claims a heavier chain (its status) and never answers get_blocks."""


def liar_genesis_replay(genesis_block):
    """Answers every get_blocks with the genesis block 256 times (blocks the node has, at the wrong heights)."""
    def on_msg(peer, m):
        if m["type"] == "get_blocks":
            peer.send(blocks_msg(m["from"], [genesis_block] * min(256, m["count"])))
    return on_msg


def liar_known_replay(node_blocks):
    """Answers get_blocks with the node's own canonical blocks of the asked range (all known to it)."""
    def on_msg(peer, m):
        if m["type"] == "get_blocks":
            frm = m["from"]
            peer.send(blocks_msg(frm, node_blocks[frm:frm + min(256, m["count"])]))
    return on_msg


def flood(node, make, count, seconds):
    """Sends make(i) for i < count (plaintext messages) as fast as possible, for at most `seconds`, reconnecting
    with a fresh node key whenever the node closes the connection (sybils are free) and going on where it was.
    Returns (messages sent, connections the node closed)."""
    sent = closed = 0
    t_end = time.time() + seconds
    while time.time() < t_end and sent < count:
        try:
            p = Peer(node).handshake()
        except (OSError, AssertionError, ValueError):
            time.sleep(0.05)
            continue
        p.sock.settimeout(2)
        try:
            while time.time() < t_end and sent < count:
                k = min(200, count - sent)
                p.sock.sendall(b"".join(p.seal(make(sent + i)) for i in range(k)))
                sent += k
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            closed += 1
        p.close()
    return sent, closed


class Requester:
    """A peer that sends get_blocks(frm, count) `rate` times per second without waiting for the answers, and
    reads (and throws away, undecrypted) whatever the node sends."""

    def __init__(self, node, rate, frm=0, count=256):
        self.p = Peer(node).handshake()
        self.rate, self.frm, self.count = rate, frm, count
        self.closed = False
        self.sent = 0
        self.received = 0
        self.stop_ev = threading.Event()
        self.threads = [threading.Thread(target=self._read, daemon=True),
                        threading.Thread(target=self._send, daemon=True)]
        for t in self.threads:
            t.start()

    def _read(self):
        self.p.sock.settimeout(0.2)
        while not self.stop_ev.is_set():
            try:
                d = self.p.sock.recv(1 << 20)
            except socket.timeout:
                continue
            except OSError:
                d = b""
            if not d:
                self.closed = True
                return
            self.received += len(d)

    def _send(self):
        msg = get_blocks_msg(self.frm, self.count)
        nxt = time.monotonic()
        while not self.stop_ev.is_set() and not self.closed:
            if not self.p.try_send(self.p.seal(msg)):
                self.closed = True
                return
            self.sent += 1
            nxt += 1.0 / self.rate
            time.sleep(max(0.0, nxt - time.monotonic()))

    def close(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(5)
        self.p.close()
