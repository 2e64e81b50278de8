"""P2P networking (docs/P2P.md) on asyncio: listener, static peers with backoff and key pinning, handshake,
encrypted frames, status / block / tx relay, range sync, ping, scores."""
import asyncio
import logging
import os
import random
import struct
import time
from collections import OrderedDict

from . import ed25519, wire
from .codec import DecodeError, Transaction
from .hashing import H

log = logging.getLogger("p2p")

PING_INTERVAL = 5.0
HANDSHAKE_TIMEOUT = 10.0
SYNC_TIMEOUT = 10.0


class PeerClosed(Exception):
    pass


class Peer:
    def __init__(self, p2p, reader, writer, outbound, static=None):
        self.p2p, self.reader, self.writer, self.outbound, self.static = p2p, reader, writer, outbound, static
        self.node_key = None
        self.addr = writer.get_extra_info("peername")
        self.listen_port = 0
        self.tx_cipher = self.rx_cipher = None
        self.height = 0
        self.best = None
        self.weight = 0
        self.score = 100
        self.last_rx = time.monotonic()
        self.paused_until = 0.0
        self.closed = False
        self.wlock = asyncio.Lock()
        self.queued = 0  # send tasks not finished (send_nowait)

    def name(self):
        k = self.node_key.hex()[:12] if self.node_key else "?"
        return "%s@%s:%s" % (k, self.addr[0] if self.addr else "?", self.addr[1] if self.addr else "?")

    async def read_frame(self, limit):
        hdr = await self.reader.readexactly(4)
        n = struct.unpack(">I", hdr)[0]
        if n < 1 or n > limit:
            self.penalize(100, "frame size %d" % n)
            raise PeerClosed("bad frame length %d" % n)
        body = await self.reader.readexactly(n)
        self.last_rx = time.monotonic()
        return hdr, body

    async def send_plain(self, body):
        self.writer.write(wire.frame(body))
        await self.writer.drain()

    async def send(self, mtype, **fields):
        if self.closed:
            return
        async with self.wlock:
            try:
                self.writer.write(self.tx_cipher.seal(wire.encode_msg(mtype, **fields)))
                await self.writer.drain()
            except (ConnectionError, OSError) as e:
                self.close("write: %s" % e)

    def send_nowait(self, mtype, **fields):
        """Writes at once when no earlier send is queued and the socket buffer is low (no task per relayed
        message), else queues a send task: frames leave in call order either way."""
        if self.closed:
            return
        if self.queued == 0 and self.writer.transport.get_write_buffer_size() < 256 * 1024:
            try:
                self.writer.write(self.tx_cipher.seal(wire.encode_msg(mtype, **fields)))
            except (ConnectionError, OSError) as e:
                self.close("write: %s" % e)
            return
        self.queued += 1
        asyncio.ensure_future(self._send_queued(mtype, fields))

    async def _send_queued(self, mtype, fields):
        try:
            await self.send(mtype, **fields)
        finally:
            self.queued -= 1

    def penalize(self, pts, why):
        self.score -= pts
        log.debug("peer %s: -%d (%s), score %d", self.name(), pts, why, self.score)
        if self.score <= 0:
            self.p2p.ban(self, why)

    def close(self, why=""):
        if self.closed:
            return
        self.closed = True
        log.info("peer %s closed: %s", self.name(), why)
        try:
            self.writer.close()
        except Exception:
            pass
        self.p2p.on_closed(self)


class P2P:
    def __init__(self, node, host, port, node_seed, static_peers, max_peers=50, ban_time=600):
        self.node = node
        self.host, self.port = host, port
        self.seed = node_seed
        self.node_key = ed25519.public_key(node_seed)
        self.static = static_peers  # list of (pinned_key or None, host, port)
        self.max_peers, self.ban_time = max_peers, ban_time
        self.peers = {}  # node_key -> Peer
        self.twins = set()  # node keys seen from two running processes (docs/P2P.md "Twins")
        self.twin_peers = []  # the second connection of each twin, kept open
        self.banned = {}
        self.seen = OrderedDict()
        self.server = None
        self.sync_peer = None
        self.sync_deadline = 0.0
        self.sync_from = 0
        self.sync_back = 0
        self.importing = False
        self.started = time.monotonic()
        self.last_sync_request = 0.0
        self.msg_counts = {}
        self.pinned_mismatches = 0
        self.bans_total = 0
        self.instance = os.urandom(16)  # per process start, in every hello (docs/P2P.md "Twins")
        self.clock = {}  # node_key -> [sample ms (local - peer), open connections, wall time of the last change]

    # ------------------------------------------------------------------------------------------ lifecycle
    async def start(self):
        if self.port:
            self.server = await asyncio.start_server(self._accept, self.host, self.port)
        for sp in self.static:
            asyncio.ensure_future(self._dial_loop(sp))
        asyncio.ensure_future(self._tick())

    def syncing(self):
        """A validator does not seal while this is true (P2P.md "Sync")."""
        now = time.monotonic()
        if self.importing or now - self.last_sync_request < 1.0:
            return True
        if self.static and now - self.started < 3.0 and not any(p.best for p in self.peers.values()):
            return True
        return False

    def ban(self, peer, why):
        if peer.node_key:
            self.banned[peer.node_key] = time.monotonic() + self.ban_time
        self.bans_total += 1
        peer.close("banned: " + why)

    def on_closed(self, peer):
        if getattr(peer, "clock_counted", False) and peer.node_key in self.clock:
            peer.clock_counted = False
            ent = self.clock[peer.node_key]
            ent[1], ent[2] = max(0, ent[1] - 1), time.time()
        if peer.node_key and self.peers.get(peer.node_key) is peer:
            del self.peers[peer.node_key]
        if peer in self.twin_peers:
            self.twin_peers.remove(peer)
        if self.sync_peer is peer:
            self.sync_peer = None

    def mark_seen(self, h):
        if h in self.seen:
            return False
        self.seen[h] = None
        if len(self.seen) > 16384:
            self.seen.popitem(last=False)
        return True

    # ------------------------------------------------------------------------------------------ connections
    async def _accept(self, reader, writer):
        inbound = sum(1 for p in self.peers.values() if not p.outbound)
        if inbound >= self.max_peers:
            writer.close()
            return
        await self._run(Peer(self, reader, writer, False))

    async def _dial_loop(self, sp):
        key, host, port = sp
        delay = 1.0
        while True:
            if key is not None and key in self.peers:
                await asyncio.sleep(1.0)
                continue
            if any(p.static == sp for p in self.peers.values()):
                await asyncio.sleep(1.0)
                continue
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
                peer = Peer(self, reader, writer, True, static=sp)
                ok = await self._run(peer)
                if ok:
                    delay = 1.0
                if ok == "self":
                    return
            except (OSError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(random.uniform(delay / 2, 3 * delay / 2))
            delay = min(delay * 2, 60.0)

    async def _run(self, peer):
        try:
            r = await asyncio.wait_for(self._handshake(peer), HANDSHAKE_TIMEOUT)
            if r != "ok":
                peer.close(r)
                return r
        except (asyncio.IncompleteReadError, ConnectionError, OSError, asyncio.TimeoutError, PeerClosed,
                DecodeError, ValueError) as e:
            peer.close("handshake: %r" % e)
            return None
        log.info("peer %s connected (%s)", peer.name(), "outbound" if peer.outbound else "inbound")
        tip = self.node.chain.tip()
        await peer.send("status", height=tip.height, best=tip.hash, weight=tip.cum_weight)
        try:
            while not peer.closed:
                hdr, body = await peer.read_frame(wire.MAX_FRAME)
                try:
                    pt = peer.rx_cipher.open(hdr, body)
                except Exception:
                    peer.penalize(50, "decryption failed")
                    raise PeerClosed("decryption failed")
                try:
                    t, m = wire.decode_msg(pt)
                except DecodeError as e:
                    peer.penalize(50, "malformed message: %s" % e)
                    continue
                self.msg_counts[t] = self.msg_counts.get(t, 0) + 1
                await self._handle(peer, t, m)
        except (asyncio.IncompleteReadError, ConnectionError, OSError, PeerClosed) as e:
            peer.close(repr(e))
        except Exception as e:  # a bug must not kill the dial loop
            log.exception("peer %s: internal error", peer.name())
            peer.close("internal error: %r" % e)
        return "ok"

    async def _handshake(self, peer):
        chain = self.node.chain
        eph = wire.Ephemeral()
        own = {"nonce": os.urandom(32), "eph_key": eph.pk, "node_key": self.node_key}
        hello_sent = time.monotonic()
        await peer.send_plain(wire.encode_msg("hello", version=wire.VERSION, chain_id=chain.g.chain_id,
                                              genesis=chain.genesis_hash, node_key=self.node_key,
                                              eph_key=eph.pk, nonce=own["nonce"], listen_port=self.port or 0,
                                              instance=self.instance))
        _, body = await peer.read_frame(wire.MAX_PRE_FRAME)
        t, hello = wire.decode_msg(body)
        if t != "hello":
            return "expected hello"
        if hello["version"] != wire.VERSION:
            return "version %d" % hello["version"]
        if hello["chain_id"] != chain.g.chain_id or hello["genesis"] != chain.genesis_hash:
            return "other chain"
        if hello["node_key"] == self.node_key:
            return "self"
        if hello["eph_key"] == eph.pk or hello["eph_key"] == bytes(32):
            return "bad ephemeral key"
        peer.node_key = hello["node_key"]
        peer.listen_port = hello["listen_port"]
        peer.instance = hello["instance"]
        if peer.static and peer.static[0] is not None and peer.static[0] != peer.node_key:
            self.pinned_mismatches += 1
            log.warning("peer at %s:%d has key %s, pinned %s: refused", peer.static[1], peer.static[2],
                        peer.node_key.hex(), peer.static[0].hex())
            return "pinned key mismatch"
        if self.banned.get(peer.node_key, 0) > time.monotonic():
            return "banned"
        theirs = {"nonce": hello["nonce"], "eph_key": hello["eph_key"], "node_key": hello["node_key"]}
        now_ms = int(time.time() * 1000)
        sig = ed25519.sign(self.seed, wire.auth_message(own, theirs, now_ms))
        await peer.send_plain(wire.encode_msg("auth", time_ms=now_ms, sig=sig))
        _, body = await peer.read_frame(wire.MAX_PRE_FRAME)
        rtt_ms = int((time.monotonic() - hello_sent) * 1000)
        t, auth = wire.decode_msg(body)
        if t != "auth" or not wire.verify_auth(auth["sig"], own, theirs, auth["time_ms"]):
            return "bad auth"
        peer.clock_sample = wire.clock_sample(int(time.time() * 1000), rtt_ms, auth["time_ms"])
        rx, tx = eph.session_keys(hello["eph_key"])
        peer.rx_cipher, peer.tx_cipher = wire.Cipher(rx), wire.Cipher(tx)
        old = self.peers.get(peer.node_key)
        if old is not None and not old.closed and getattr(old, "instance", None) not in (None, peer.instance):
            # two running processes with one node key (docs/P2P.md "Twins"): reported, not refused as a duplicate
            if peer.node_key not in self.twins:
                self.twins.add(peer.node_key)
                log.error("p2p: TWIN: node key %s is presented by two running processes", peer.node_key.hex())
            self.twin_peers.append(peer)
            self._clock_open(peer)
            return "ok"
        if old is not None and not old.closed:
            # keep the connection dialed by the lower node key
            def dialer(p):
                return self.node_key if p.outbound else p.node_key
            if dialer(peer) < dialer(old):
                old.close("duplicate connection")
            else:
                return "duplicate connection"
        self.peers[peer.node_key] = peer
        self._clock_open(peer)
        return "ok"

    def _clock_open(self, peer):
        """A ready connection's handshake sample becomes its key's one vote (docs/P2P.md "Clock offset")."""
        if getattr(peer, "clock_sample", None) is None:
            return
        ent = self.clock.setdefault(peer.node_key, [0, 0, 0.0])
        ent[0], ent[1], ent[2] = peer.clock_sample, ent[1] + 1, time.time()
        peer.clock_counted = True

    def clock_offset(self):
        """(offset_ms or None, sources): median over the live handshake votes (a connection open, or closed
        less than 10 minutes ago). This validator takes no block-timestamp samples."""
        now = time.time()
        votes = [v[0] for v in self.clock.values() if v[1] > 0 or now - v[2] <= 600]
        return (wire.clock_median(votes) if votes else None), len(votes)

    def twin_keys(self):
        """Number of node keys presented by two running processes (/v1/status p2p_twins)."""
        return len(self.twins)

    # ------------------------------------------------------------------------------------------ messages
    async def _handle(self, peer, t, m):
        node = self.node
        if t == "ping":
            await peer.send("pong", nonce=m["nonce"])
        elif t == "pong":
            pass
        elif t == "status":
            peer.height, peer.best, peer.weight = m["height"], m["best"], m["weight"]
            node.on_peer_status(peer, m["height"], m["best"])
            self.maybe_sync()
        elif t == "tx":
            if H(m["tx"]) in self.seen:  # a copy from another peer: a decoded transaction's hash is that of its bytes
                return
            try:
                tx = Transaction.decode(m["tx"])
            except DecodeError:
                peer.penalize(5, "undecodable tx")
                return
            node.on_p2p_tx(tx, peer)
        elif t == "block":
            node.on_p2p_block(m["block"], peer)
        elif t == "get_blocks":
            await self._serve_range(peer, m["from"], m["count"])
        elif t == "evidence":
            node.on_p2p_evidence(peer, m["header_a"], m["header_b"])  # docs/P2P.md "Double-sign evidence"
        elif t == "blocks":
            if peer is not self.sync_peer:
                peer.penalize(10, "unrequested blocks")
                return
            await self._on_blocks(peer, m["from"], m["blocks"])

    async def _serve_range(self, peer, start, count):
        chain = self.node.chain
        out, size = [], 0
        for h in range(start, min(start + count, chain.height() + 1)):
            b = chain.block_bytes(chain.canon[h])
            if out and size + len(b) > 8 * 1024 * 1024:
                break
            out.append(b)
            size += len(b)
        await peer.send("blocks", **{"from": start, "blocks": out})

    def broadcast(self, mtype, exclude=None, **fields):
        for p in list(self.peers.values()):
            if p is not exclude:
                p.send_nowait(mtype, **fields)

    def announce_tip(self):
        tip = self.node.chain.tip()
        self.broadcast("status", height=tip.height, best=tip.hash, weight=tip.cum_weight)

    # ------------------------------------------------------------------------------------------ sync
    def maybe_sync(self, peer_hint=None):
        if self.importing:  # the answer being imported asks for what follows it (one request outstanding)
            return
        now = time.monotonic()
        if self.sync_peer is not None and now < self.sync_deadline:
            return
        if self.sync_peer is not None:  # timed out
            self.sync_peer.penalize(10, "get_blocks timeout")
            self.sync_peer.paused_until = now + 10
            self.sync_peer = None
        chain = self.node.chain
        tip = chain.tip()
        best = None
        for p in self.peers.values():
            if p.best is None or p.paused_until > now or p.closed:
                continue
            if p.best in chain.metas:
                continue
            if p.weight > tip.cum_weight or (p.weight == tip.cum_weight and p.best < tip.hash):
                if best is None or (p.weight, best.best) > (best.weight, p.best):
                    best = p
        if peer_hint is not None and best is None and not peer_hint.closed and peer_hint.paused_until <= now:
            best = peer_hint
        if best is None:
            return
        start = tip.height + 1
        if best.height <= tip.height:
            start = max(1, tip.height + 1 - 8)
        self.sync_back = 0
        self._request(best, start)

    def _request(self, peer, start):
        self.sync_peer = peer
        self.sync_from = start
        self.sync_deadline = time.monotonic() + SYNC_TIMEOUT
        self.last_sync_request = time.monotonic()
        peer.send_nowait("get_blocks", **{"from": start, "count": wire.MAX_RANGE})

    async def _on_blocks(self, peer, start, blocks):
        node = self.node
        self.sync_peer = None
        if start != self.sync_from:
            peer.penalize(10, "blocks from an unexpected height")
            return
        if not blocks:
            peer.paused_until = time.monotonic() + 3
            return
        self.importing = True
        tip0 = node.chain.tip().hash
        node.chain.set_bulk(True)
        try:
            t0 = time.monotonic()
            for i, b in enumerate(blocks):
                r = node.import_block(b, source=peer, relay=False)
                if r.status == "ORPHAN" and i == 0:
                    self.sync_back = 8 if self.sync_back == 0 else self.sync_back * 2
                    if self.sync_back > 256:
                        peer.paused_until = time.monotonic() + 30
                        return
                    self._request(peer, max(1, start - self.sync_back))
                    return
                if r.status == "FUTURE":
                    peer.paused_until = time.monotonic() + 2
                    return
                if r.status == "REORG_TOO_DEEP":
                    peer.paused_until = time.monotonic() + 60
                    return
                if r.invalid or r.status == "ORPHAN":
                    if not r.invalid:
                        peer.penalize(50, "unconnected block in a range answer")
                    peer.paused_until = time.monotonic() + 30
                    return
                if time.monotonic() - t0 > 0.05:
                    await asyncio.sleep(0)
                    t0 = time.monotonic()
        finally:
            self.importing = False
            node.chain.set_bulk(False)
            if node.chain.tip().hash != tip0:
                self.announce_tip()  # once per answer, not per block: C peers rate-limit status (P2P.md)
        if len(blocks) == wire.MAX_RANGE or node.chain.tip().cum_weight < peer.weight:
            self._request(peer, start + len(blocks))
        else:
            self.maybe_sync()

    async def _tick(self):
        n = 0
        while True:
            await asyncio.sleep(1.0)
            n += 1
            now = time.monotonic()
            for p in list(self.peers.values()):
                if now - p.last_rx > 3 * PING_INTERVAL:
                    p.penalize(10, "silent")
                    p.close("silent for 3 ping intervals")
                    continue
                if n % int(PING_INTERVAL) == 0:
                    p.send_nowait("ping", nonce=random.getrandbits(63))
                if n % 10 == 0 and p.score < 100:
                    p.score += 1
            self.maybe_sync()
