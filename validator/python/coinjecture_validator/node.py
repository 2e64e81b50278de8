"""The node: chain + mempool + P2P + producer + shadow mode + HTTP API on one asyncio loop."""
import asyncio
import collections
import fcntl
import json
import logging
import os
import shutil
import signal
import stat
import sys
import time

from . import __version__, chain as chainmod, config, ed25519, evidence as evmod, faults, genesis as genmod
from . import sign_state
from .api import Api, process_metrics
from .codec import Block, DecodeError
from .hashing import H
from .mempool import Mempool, Rejected
from .p2p import P2P
from .shadow import Shadow

log = logging.getLogger("node")

TX_QUEUE_MAX = 50000  # relayed transactions waiting for admission, as coinjectured (docs/P2P.md "Under load")


# ---------------------------------------------------------------------------------------------- logging

class _Fmt(logging.Formatter):
    def __init__(self, js):
        super().__init__()
        self.js = js

    def format(self, rec):
        t = time.gmtime(rec.created)
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", t) + ".%03dZ" % int(rec.msecs)
        lvl = {"WARNING": "warn", "CRITICAL": "critical"}.get(rec.levelname, rec.levelname.lower())
        msg = rec.getMessage()
        if self.js:
            return json.dumps({"time": ts, "level": lvl, "msg": msg})
        msg = msg.encode("unicode_escape").decode("ascii") if any(c < " " for c in msg) else msg
        return "%s %-8s %s" % (ts, lvl, msg)


def setup_logging(level, fmt):
    h = logging.StreamHandler(sys.stderr)
    h.setFormatter(_Fmt(fmt == "json"))
    root = logging.getLogger()
    root.handlers[:] = [h]
    root.setLevel({"warn": logging.WARNING}.get(level, getattr(logging, level.upper(), logging.INFO)))


# ---------------------------------------------------------------------------------------------- keys

def read_key_file(path, check_mode=True):
    """coinjecture-keygen format: the 64-byte Ed25519 secret key (seed ‖ public key) as 128 hex digits.
    Returns (seed, pubkey)."""
    st = os.stat(path)
    if check_mode and st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ValueError("key file %s has mode %04o: group or others can access it (chmod 600 %s)" %
                         (path, stat.S_IMODE(st.st_mode), path))
    with open(path) as f:
        s = f.read().strip()
    if len(s) != 128:
        raise ValueError("key file %s: expected 128 hex digits" % path)
    sk = bytes.fromhex(s)
    seed, pk = sk[:32], sk[32:]
    if ed25519.public_key(seed) != pk:
        raise ValueError("key file %s: public key does not match the secret key" % path)
    return seed, pk


def write_key_file(path):
    seed = os.urandom(32)
    pk = ed25519.public_key(seed)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write((seed + pk).hex() + "\n")
    return seed, pk


# ---------------------------------------------------------------------------------------------- node

class Node:
    def __init__(self, cfg):
        self.cfg = cfg
        self.held = 0  # blocks held until due on this clock
        self.version = __version__
        dd = cfg["node.data_dir"] or config.default_data_dir()
        self.data_dir = dd
        gpath = os.path.join(dd, "genesis.json")
        if not os.path.exists(gpath):
            raise SystemExit("%s is not initialised (no genesis.json): run python3 -m coinjecture_validator init "
                             "--genesis FILE --data-dir %s" % (dd, dd))
        self.lockf = open(os.path.join(dd, "node.lock"), "a+")
        try:
            fcntl.flock(self.lockf, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise SystemExit("data directory %s is in use by another process" % dd)
        self.lockf.truncate(0)
        self.lockf.write(str(os.getpid()))
        self.lockf.flush()
        self.g = genmod.load(gpath)
        if cfg["node.genesis_file"]:
            other = genmod.load(cfg["node.genesis_file"])
            if other.hash() != self.g.hash():
                raise SystemExit("node.genesis_file %s describes another chain than %s" % (cfg["node.genesis_file"],
                                                                                        gpath))
        self.fault = faults.from_env()
        self.chain = chainmod.Chain(dd, self.g, fault=self.fault)
        self.mempool = Mempool(self.chain, max_txs=cfg["mempool.max_size"],
                               max_per_sender=cfg["mempool.max_per_account"])
        self.chain.sig_known = self.mempool.by_hash  # admitted transactions had their signature verified
        self.seed = self.pubkey = None
        if cfg["node.key_file"]:
            self.seed, self.pubkey = read_key_file(cfg["node.key_file"])
            if cfg["consensus.validator_key"] and bytes.fromhex(cfg["consensus.validator_key"]) != self.pubkey:
                raise SystemExit("consensus.validator_key does not match the key file")
        nk = cfg["p2p.node_key"] or os.path.join(dd, "p2p_node.key")
        if os.path.exists(nk):
            nseed, _ = read_key_file(nk)
        else:
            nseed, _ = write_key_file(nk)
        self.votes = []
        for v in cfg["consensus.votes"]:
            a, _, k = v.partition(":")
            if a not in ("add", "remove") or len(k) != 64:
                raise SystemExit("consensus.votes: '%s': expected add:<hex> or remove:<hex>" % v)
            self.votes.append((1 if a == "add" else 2, bytes.fromhex(k)))
        self.vote_rr = 0
        cmp = cfg["consensus.shadow_mode.compare_with_validator"]
        ckey = None
        if cmp:
            ckey = self.g.validators[int(cmp)] if cmp.isdigit() else bytes.fromhex(cmp)
        self.shadow = Shadow(self, cfg["consensus.shadow_mode.enabled"], ckey,
                             cfg["consensus.shadow_mode.alert_on_divergence"],
                             cfg["consensus.shadow_mode.log_all_comparisons"],
                             cfg["consensus.shadow_mode.alert_command"])
        peers = [config.parse_peer(p) for p in cfg["p2p.bootstrap_peers"]]
        self.p2p = P2P(self, cfg["p2p.host"], cfg["p2p.port"], nseed, peers, cfg["p2p.max_peers"],
                       cfg["p2p.ban_time"])
        self.api = Api(self, cfg["api.host"], cfg["api.port"]) if cfg["api.enabled"] else None
        self.started_ms = int(time.time() * 1000)
        self.produced = 0
        self.last_produced = 0.0
        self.tx_accepted = self.tx_rejected = 0
        self.tx_queue = collections.deque()  # relayed transactions waiting for admission (on_p2p_tx)
        self.tx_waiting = asyncio.Event()
        self.stopping = False
        # double-sign protection and evidence (docs/OPERATIONS.md "Double-sign protection", docs/P2P.md)
        self.evidence = evmod.Pool()
        self.ev_received = {"new": 0, "known": 0, "ignored": 0, "invalid": 0}
        self.ev_sent = 0
        self.chain_ev_seen = len(self.chain.evidence)
        self.sign = None
        self.sign_logged = (sign_state.OK, 0)
        self.sign_refusals = {}
        self.sign_write_errors = 0
        self.sign_write_failing = False
        self.foreign_blocks = 0
        self.sign_examined = self.chain.height()
        self._sign_start()

    # ------------------------------------------------------------------------------------------ events
    def import_block(self, data, source=None, relay=True, local=False, blk=None):
        old_tip = self.chain.tip().hash
        r = self.chain.import_block(data, local=local, blk=blk)
        if r.status == "FUTURE" and r.detail.startswith("due at ") and self.held < 512:
            # not due on this node's clock yet: held (bounded), not relayed, imported when due (CHAIN.md §3)
            delay = max(0.0, (int(r.detail[7:]) - int(time.time() * 1000)) / 1000.0)
            self.held += 1
            asyncio.get_event_loop().call_later(delay, self._release_held, data, source)
        if local and r.status == "OK":
            self._sealed(r.hash)  # the sign-state is durable before the block leaves the node
        if r.status in ("OK", "SIDE"):
            if relay and self.p2p.mark_seen(r.hash):
                self.p2p.broadcast("block", exclude=source, block=data)
            self._evidence_watch(r.hash)
        if len(self.chain.evidence) > self.chain_ev_seen:
            self._chain_evidence()
        if self.chain.tip().hash != old_tip:
            self._new_tip(r)
        if r.invalid and not local:
            self._shadow_invalid(data, r)
        if r.invalid and source is not None:
            log.warning("invalid block from %s: %s %s", source.name(), r.status, r.detail)
            source.penalize(50, "invalid block")
        elif r.invalid:
            log.warning("block refused: %s %s", r.status, r.detail)
        return r

    def _shadow_invalid(self, data, r):
        """A peer's block broke a chain rule: shadow mode counts it when the watched validator sealed it."""
        if self.shadow.key is None or r.hash is None:
            return
        try:
            blk = Block.decode(data)
        except (DecodeError, ValueError):
            return
        self.shadow.invalid_block(blk.header, r.hash, ("%s %s" % (r.status, r.detail)).strip())

    def _release_held(self, data, source):
        self.held -= 1
        self.import_block(data, source=source)

    def _evidence_watch(self, h):
        # blocks sealed by the watched validator announce its hash of their parent (SHADOW.md)
        if self.shadow.key is not None:
            m = self.chain.metas.get(h)
            if m is not None and m.proposer == self.shadow.key and m.height > 0:
                self.shadow.announce(m.height - 1, m.parent)

    def _new_tip(self, r):
        chain = self.chain
        tip = chain.tip()
        if r.reorged:
            for blk in r.undone:
                self.mempool.readd(blk.transactions)
        b = chain.block(tip.hash)
        confirmed = [H(t.raw) for t in b.transactions]
        self.mempool.on_new_tip(confirmed)
        self.mempool.remove_hashes(confirmed)
        if self.shadow.enabled:
            self.shadow.check_block(tip.height, tip.hash, b.raw)
        self.shadow.evaluate()
        self._sign_scan(tip.height - self.sign_examined + (len(r.undone) + 1 if r.reorged else 0), trusted=False)
        if not self.p2p.importing:  # a range-sync answer announces its last tip once (P2P.md: status rate)
            self.p2p.announce_tip()
        log.debug("new tip %d %s", tip.height, tip.hash.hex())

    def on_peer_status(self, peer, height, best):
        if self.shadow.key is not None and peer.node_key == self.shadow.key:
            self.shadow.announce(height, best)

    def on_p2p_block(self, data, peer):
        blk = None
        h = self.chain.known_block(data)  # the same block from another peer: no decode (and KNOWN: no watch)
        if h is None:
            try:
                blk = Block.decode(data)
                h = H(blk.header_raw)
            except Exception:
                pass
        # not marked seen here: import_block marks a new valid block seen as it relays it (P2P.md "Relay")
        r = self.import_block(data, source=peer, relay=True, blk=blk)
        if blk is not None:
            self._watch_header(blk, r)
        if r.status == "ORPHAN":
            self.p2p.maybe_sync(peer_hint=peer)
        elif r.status == "OK" and h is not None:
            log.info("imported block %d %s from %s", self.chain.metas[h].height, h.hex()[:16], peer.name())

    def on_p2p_tx(self, tx, peer):
        """A relayed transaction waits in a queue (docs/P2P.md "Under load": transactions wait, blocks do not);
        _admit_loop checks and relays it in slices, so a block behind many transactions is imported first and
        a transaction it confirmed meanwhile is refused cheaply (nonce too low) instead of verified."""
        h = H(tx.raw)
        if not self.p2p.mark_seen(h):
            return
        if len(self.tx_queue) >= TX_QUEUE_MAX:
            return  # dropped: the block that confirms it carries it
        self.tx_queue.append((tx, peer))
        self.tx_waiting.set()

    async def _admit_loop(self):
        while not self.stopping:
            await self.tx_waiting.wait()
            t0 = time.monotonic()
            while self.tx_queue and time.monotonic() - t0 < 0.01:
                tx, peer = self.tx_queue.popleft()
                self._admit_relayed(tx, peer)
            if not self.tx_queue:
                self.tx_waiting.clear()
            await asyncio.sleep(0)

    def _admit_relayed(self, tx, peer):
        try:
            self.mempool.add(tx)
            self.tx_accepted += 1
            self.p2p.broadcast("tx", exclude=peer, tx=tx.raw)
        except Rejected as r:
            if r.reason in ("bad-signature", "malformed"):
                peer.penalize(5, "invalid transaction")

    def submit_tx(self, tx):
        tx.raw = None
        tx.raw = tx.encode()
        e = self.mempool.add(tx)
        self.tx_accepted += 1
        self.p2p.mark_seen(e.hash)
        self.p2p.broadcast("tx", tx=tx.raw)
        return e

    # ------------------------------------------------------------------------------------------ production
    def pick_vote(self, vs):
        if not self.votes:
            return None
        for i in range(len(self.votes)):
            v = self.votes[(self.vote_rr + i) % len(self.votes)]
            if chainmod.vote_valid(v[0], v[1], vs):
                self.vote_rr = (self.vote_rr + i + 1) % len(self.votes)
                return v
        return None

    def try_produce(self):
        if self.seed is None or not self.cfg["consensus.enabled"] or self.p2p.syncing():
            return
        chain = self.chain
        tip = chain.tip()
        vs = chain.validators_at(tip.hash, tip.height + 1)
        if self.pubkey not in vs or not self._may_seal(tip.height + 1):
            return
        if len(vs) > 1 and time.monotonic() - self.last_produced < self.g.block_time_ms / 1000.0:
            return
        now = int(time.time() * 1000)
        fault = self.fault.state_root if self.fault else None
        data, dropped = chainmod.build_block(chain, self.seed, self.pubkey, self.mempool.ordered(), now,
                                             vote=self.pick_vote(vs), state_root_fault=fault)
        if data is None:
            return
        self.mempool.remove_hashes([H(t.raw) if t.raw else H(t.encode()) for t in dropped])
        r = self.import_block(data, local=True)
        if r.status == "OK":
            self.produced += 1
            self.last_produced = time.monotonic()
            m = chain.metas[r.hash]
            log.info("produced block %d %s (%d txs, weight %d)", m.height, r.hash.hex()[:16],
                     len(Block.decode(data).transactions), m.cum_weight - chain.metas[m.parent].cum_weight)
        else:
            log.error("own block refused: %s %s", r.status, r.detail)
            self.last_produced = time.monotonic()

    async def _produce_loop(self):
        while not self.stopping:
            try:
                self.try_produce()
            except Exception:
                log.exception("production failed")
            await asyncio.sleep(0.05)

    async def _housekeeping(self):
        while not self.stopping:
            await asyncio.sleep(1.0)
            self.shadow.evaluate()
            self.shadow.reap()
            self.mempool.on_new_tip()
            if self.sign is not None:
                self._sign_write_result(self.sign.flush())
            self._chain_evidence()

    # ------------------------------------------------------------------------------------------ double signs
    def _sign_window_ms(self):
        """consensus.double_sign_check_window, or one full round of turns plus one block time (at least 1 s)."""
        w = int(round(self.cfg["consensus.double_sign_check_window"] * 1000))
        if w > 0:
            return w
        tip = self.chain.tip()
        n = len(self.chain.validators_at(tip.hash, tip.height + 1))
        return max(1000, (n + 1) * self.g.block_time_ms)

    def _sign_start(self):
        """Opens the guard of a validator (key and consensus): the file, raised from the store, then the watch."""
        if self.seed is None or not self.cfg["consensus.enabled"]:
            return
        w = self.cfg["consensus.double_sign_check_window"]
        if not 0 <= w <= 600:
            raise SystemExit("consensus.double_sign_check_window: %ss is out of range 0..10m" % w)
        window = self._sign_window_ms()
        self.sign = sign_state.Guard(self.data_dir, window, int(time.time() * 1000))
        if self.sign.fault is not None:
            log.error("sign-state: %s: this node follows the chain but does not seal until the file is fixed or "
                      "reset (python3 -m coinjecture_validator reset-sign-state --data-dir %s --height H)",
                      self.sign.fault, self.data_dir)
            return
        before = self.sign.height
        self._sign_scan(self.chain.height(), trusted=True)
        if self.sign.height > before:
            log.info("sign-state: raised from %d to %d from the blocks this key sealed in the store", before,
                     self.sign.height)
        log.info("sign-state: last signed height %d; watching the network for another instance of this validator "
                 "key for %d ms before sealing", self.sign.height, window)

    def _sign_write_result(self, err):
        """An error line when sign-state writes start failing (counted each time), info when they work again."""
        if err is not None:
            self.sign_write_errors += 1
            if not self.sign_write_failing:
                log.error("sign-state: %s: the sealed blocks are committed, so a restart raises the sign-state from "
                          "the store; retrying with every block and every second", err)
            self.sign_write_failing = True
        elif self.sign_write_failing:
            log.info("sign-state: written again (height %d)", self.sign.height)
            self.sign_write_failing = False

    def _sign_scan(self, window, trusted):
        """Shows the guard the highest block sealed by this key among the last `window` canonical blocks (at
        most 1024); `trusted` (our own store at start) only raises the floor."""
        if self.sign is None or window <= 0:
            return
        chain = self.chain
        top = chain.height()
        self.sign_examined = top
        for ht in range(top, max(0, top - min(window, 1024)), -1):
            m = chain.metas[chain.canon[ht]]
            if m.proposer != self.pubkey:
                continue
            now = int(time.time() * 1000)
            if self.sign.observe(ht, m.hash, 0 if trusted else m.timestamp, now):
                self.foreign_blocks += 1
                log.error("block %d %s is sealed by THIS node's validator key but was not made by this process: "
                          "another instance is live; sealing is held (docs/OPERATIONS.md, procedure F)", ht,
                          m.hash.hex())
            break
        self._sign_write_result(self.sign.flush())

    def _may_seal(self, height):
        """The guard's verdict for sealing `height` now, logged once per reason and counted."""
        if self.sign is None:
            return False
        v, why = self.sign.blocked(height, int(time.time() * 1000))
        if v == sign_state.OK:
            if self.sign_logged[0] not in (sign_state.OK, sign_state.WATCH):
                log.info("sealing resumed at height %d", height)
            self.sign_logged = (v, height)
            return True
        if self.sign_logged[0] != v or (v == sign_state.FLOOR and self.sign_logged[1] != height):
            self.sign_refusals[v] = self.sign_refusals.get(v, 0) + 1
            if v == sign_state.WATCH:
                log.info("not sealing yet: %s", why)
            else:
                log.error("sealing refused: %s", why)
            self.sign_logged = (v, height)
        return False

    def sealing_status(self, isval):
        """(sealing, sealing_blocked) of /v1/status: (False, None) for an observer."""
        if not isval or not self.cfg["consensus.enabled"]:
            return False, None
        if self.sign is None:
            return False, "no validator key file"
        v, why = self.sign.blocked(self.chain.height() + 1, int(time.time() * 1000))
        return v == sign_state.OK, why

    def _sealed(self, h):
        """A block this node sealed and committed: recorded durably first, then shown to the evidence detector."""
        m = self.chain.metas[h]
        if self.sign is not None:
            try:
                self._sign_write_result(self.sign.record(m.height, h))
            except sign_state.SignStateError as e:
                log.critical("sign-state: %s (block %d is committed)", e, m.height)
        self.sign_examined = m.height
        blk = Block.decode(self.chain.block_bytes(h))
        rec = self.evidence.observe(self._chain_pairs(), blk.header_raw, blk.header, self.pubkey,
                                    int(time.time() * 1000))
        if rec is not None:
            self._on_evidence(rec)

    def _chain_pairs(self):
        return {(a, b) for (_, _, a, b) in self.chain.evidence}

    def _watch_header(self, blk, r):
        """Feeds a relayed block's header to the detector: the sealer is the stored proposer (seal verified by the
        chain) or, for a block the chain did not store, the current validator whose key verifies the seal."""
        if r.status == "KNOWN":
            return
        m = self.chain.metas.get(r.hash) if r.hash is not None else None
        if m is not None and r.status in ("OK", "SIDE"):
            pk = m.proposer
        else:
            tip = self.chain.tip()
            pk = evmod.sealer(self.chain.validators_at(tip.hash, tip.height + 1), blk.header)
        if pk is None:
            return
        rec = self.evidence.observe(self._chain_pairs(), blk.header_raw, blk.header, pk, int(time.time() * 1000))
        if rec is not None:
            self._on_evidence(rec)

    def _chain_evidence(self):
        """Double signs the chain found between stored blocks travel like the wire's: each new pair enters the
        pool with both headers from the store, which makes it a record to gossip once."""
        fresh = self.chain.evidence[self.chain_ev_seen:]
        self.chain_ev_seen = len(self.chain.evidence)
        pairs = self._chain_pairs()
        for (_, val, a, b) in fresh:
            ra, rb = self.chain.block_bytes(a), self.chain.block_bytes(b)
            if ra is None or rb is None:
                continue
            ba, bb = Block.decode(ra), Block.decode(rb)
            rec = self.evidence.add_pair(pairs, ba.header_raw, ba.header, bb.header_raw, bb.header, val,
                                         int(time.time() * 1000))
            if rec is not None:
                self._on_evidence(rec)

    def on_p2p_evidence(self, peer, ra, rb):
        """A peer's double-sign proof: checked (docs/P2P.md), recorded, gossiped on once; a forgery costs 50."""
        tip = self.chain.tip()
        outcome, rec, bad = self.evidence.receive(self._chain_pairs(),
                                                  self.chain.validators_at(tip.hash, tip.height + 1), ra, rb,
                                                  int(time.time() * 1000))
        self.ev_received[outcome] += 1
        if bad is not None:
            peer.penalize(50, bad)
        if rec is not None:
            log.info("p2p: double-sign evidence from %s: validator %s at height %d", peer.name(),
                     rec.validator.hex()[:16], rec.height)
            self._on_evidence(rec)

    def _on_evidence(self, rec):
        """A new record: sent once to every peer; evidence against our own key holds sealing."""
        n = len(self.p2p.peers)
        self.p2p.broadcast("evidence", header_a=rec.header_a, header_b=rec.header_b)
        self.ev_sent += n
        log.info("p2p: double-sign evidence at height %d sent to %d peer(s)", rec.height, n)
        if self.sign is not None and rec.validator == self.pubkey:
            log.critical("double-sign evidence names THIS node's validator key at height %d: another instance is "
                         "sealing with it (see docs/OPERATIONS.md, procedure F)", rec.height)
            self.sign.conflict(rec.height, int(time.time() * 1000))
            self._sign_write_result(self.sign.flush())

    def double_signs(self):
        """Double signs recorded: the chain's plus the ones only seen on the wire."""
        return self.chain.stats["double_signs"] + self.evidence.counted

    def evidence_json(self):
        """GET /v1/evidence: the chain's records (newest first), then the pool's that the chain does not hold."""
        from .api import header_json
        ev = [{"source": "chain", "height": h, "validator": v.hex(), "hash_a": a.hex(), "hash_b": b.hex()}
              for (h, v, a, b) in reversed(self.chain.evidence)]
        for r in reversed(self.evidence.records):
            if r.in_chain:
                continue
            ev.append({"source": "p2p", "height": r.height, "validator": r.validator.hex(), "hash_a": r.hash_a.hex(),
                       "hash_b": r.hash_b.hex(), "header_a": header_json(evmod.decode_header(r.header_a)),
                       "header_b": header_json(evmod.decode_header(r.header_b)), "seen_ms": r.seen_ms})
        return {"count": self.double_signs(), "evidence": ev}

    # ------------------------------------------------------------------------------------------ run
    async def run(self):
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        for s in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(s, lambda s=s: (log.info("received %s: shutting down", signal.Signals(s).name),
                                                    stop.done() or stop.set_result(None)))
        await self.p2p.start()
        if self.api:
            await self.api.start()
            log.info("API on http://%s:%d/", self.cfg["api.host"], self.cfg["api.port"])
        vs = self.chain.validators_at(self.chain.tip().hash, self.chain.height() + 1)
        if self.pubkey in (vs or []):
            log.info("validator %d of %d", vs.index(self.pubkey), len(vs))
        else:
            log.info("observer (no validator key in the set)")
        log.info("implementation python %s (hashlib SHA-256, OpenSSL Ed25519 with strict checks); P2P %s:%d; "
                 "genesis %s; height %d", self.version, self.cfg["p2p.host"], self.cfg["p2p.port"],
                 self.chain.genesis_hash.hex(), self.chain.height())
        if self.fault:
            log.warning("TEST-ONLY FAULT SWITCH ACTIVE: %s", self.fault.describe())
        tasks = [asyncio.ensure_future(self._produce_loop()), asyncio.ensure_future(self._housekeeping()),
                 asyncio.ensure_future(self._admit_loop())]
        await stop
        self.stopping = True
        for t in tasks:
            t.cancel()
        log.info("stopped at height %d", self.chain.height())
        self.chain.close()

    # ------------------------------------------------------------------------------------------ JSON
    def status_json(self):
        chain = self.chain
        tip = chain.tip()
        vs = chain.validators_at(tip.hash, tip.height + 1)
        isval = self.pubkey is not None and self.pubkey in vs
        sealing, blocked = self.sealing_status(isval)
        clock_off, clock_sources = self.p2p.clock_offset()
        return {
            "node": {"version": self.version, "library_version": self.version, "implementation": "python",
                     "network": self.g.network, "chain_id": self.g.chain_id,
                     "genesis_hash": chain.genesis_hash.hex(), "pubkey": self.pubkey.hex() if self.pubkey else None,
                     "p2p_node_key": self.p2p.node_key.hex(), "started_ms": self.started_ms,
                     "uptime_s": (int(time.time() * 1000) - self.started_ms) // 1000,
                     "rules_version": 2, "clock_tolerance_ms": chain.clock_tolerance_ms, "blocks_held": self.held,
                     "clock_offset_ms": clock_off, "clock_offset_sources": clock_sources,
                     "sealing": sealing, "sealing_blocked": blocked},
            "consensus": {"block_height": tip.height, "current_block_hash": tip.hash.hex(),
                          "current_block_timestamp_ms": tip.timestamp, "cum_weight": tip.cum_weight,
                          "state_root": tip.state_root.hex(), "is_validator": isval,
                          "producing": bool(isval and self.cfg["consensus.enabled"]),
                          "validator_index": vs.index(self.pubkey) if isval else None,
                          "validator_count": len(vs), "block_time_ms": self.g.block_time_ms,
                          "accounts": len(chain.accounts)},
            "crypto_backend": {"requested": self.cfg["consensus.crypto_backend"], "active": "python",
                               "detail": "hashlib sha256 + cryptography (OpenSSL) ed25519, strict checks"},
            "stats": {"blocks_produced": self.produced, "blocks_received": chain.stats["blocks_received"],
                      "blocks_rejected": chain.stats["blocks_rejected"], "reorgs": chain.stats["reorgs"],
                      "txs_confirmed": chain.stats["txs_confirmed"], "double_signs": self.double_signs()},
            "mempool_size": len(self.mempool),
            "peers": len(self.p2p.peers),
            "p2p_twins": self.p2p.twin_keys(),
        }

    def metrics(self):
        c = self.chain
        tip = c.tip()
        vs = c.validators_at(tip.hash, tip.height + 1)
        lines = []

        def m(name, typ, val, help_=""):
            lines.append("# HELP %s %s" % (name, help_ or name))
            lines.append("# TYPE %s %s" % (name, typ))
            if isinstance(val, dict):
                for labels, v in val.items():
                    lines.append("%s{%s} %s" % (name, labels, v))
            else:
                lines.append("%s %s" % (name, val))
        m("coinjecture_build_info", "gauge", {'version="%s",library_version="%s",implementation="python"' %
                                              (self.version, self.version): 1})
        m("coinjecture_crypto_backend_info", "gauge", {'requested="%s",active="python",detail="hashlib+openssl"' %
                                                       self.cfg["consensus.crypto_backend"]: 1})
        m("coinjecture_start_time_seconds", "gauge", self.started_ms // 1000)
        m("coinjecture_block_height", "gauge", tip.height)
        m("coinjecture_validators", "gauge", len(vs))
        isval = self.pubkey is not None and self.pubkey in vs
        m("coinjecture_is_validator", "gauge", int(isval))
        m("coinjecture_mempool_size", "gauge", len(self.mempool))
        m("coinjecture_peers", "gauge", len(self.p2p.peers))
        m("coinjecture_blocks_produced_total", "counter", self.produced)
        m("coinjecture_blocks_received_total", "counter", c.stats["blocks_received"])
        m("coinjecture_blocks_rejected_total", "counter", c.stats["blocks_rejected"])
        m("coinjecture_reorgs_total", "counter", c.stats["reorgs"])
        m("coinjecture_transactions_accepted_total", "counter", self.tx_accepted)
        m("coinjecture_transactions_rejected_total", "counter", self.tx_rejected)
        m("coinjecture_transactions_confirmed_total", "counter", c.stats["txs_confirmed"])
        m("coinjecture_double_sign_evidence_total", "counter", self.double_signs())
        m("coinjecture_p2p_evidence_received_total", "counter", {'outcome="%s"' % k: v for k, v in
                                                                 self.ev_received.items()})
        m("coinjecture_p2p_evidence_sent_total", "counter", self.ev_sent)
        m("coinjecture_sealing_blocked", "gauge", int(self.sign is not None and isval and not
                                                      self.sealing_status(isval)[0]))
        m("coinjecture_sign_refusals_total", "counter", {'reason="%s"' % k: v for k, v in
                                                         self.sign_refusals.items()} or {'reason="ok"': 0})
        m("coinjecture_sign_state_write_errors_total", "counter", self.sign_write_errors)
        m("coinjecture_foreign_blocks_total", "counter", self.foreign_blocks)
        s = self.shadow
        m("coinjecture_parity_matches_total", "counter", {'kind="backend"': s.b_matches, 'kind="peer"': s.matches})
        m("coinjecture_parity_drifts_total", "counter", {'kind="backend"': s.b_drifts, 'kind="peer"': s.drifts})
        m("coinjecture_p2p_messages_total", "counter", {'type="%s"' % k: v for k, v in self.p2p.msg_counts.items()}
          or {'type="status"': 0})
        m("coinjecture_p2p_bans_total", "counter", self.p2p.bans_total)
        m("coinjecture_p2p_pinned_key_mismatches_total", "counter", self.p2p.pinned_mismatches)
        if self.api:
            m("coinjecture_http_requests_total", "counter",
              {'endpoint="%s",method="%s",status="%d"' % k: v for k, v in self.api.requests.items()} or
              {'endpoint="/metrics",method="GET",status="200"': 0})
        lines += process_metrics(self.started_ms / 1000.0)
        return "\n".join(lines) + "\n"


def init(genesis_path, data_dir):
    g = genmod.load(genesis_path)
    os.makedirs(data_dir, mode=0o700, exist_ok=True)
    dst = os.path.join(data_dir, "genesis.json")
    if os.path.exists(dst):
        if genmod.load(dst).hash() != g.hash():
            raise SystemExit("%s was initialised with another genesis" % data_dir)
    else:
        shutil.copyfile(genesis_path, dst)
    c = chainmod.Chain(data_dir, g)
    c.close()
    print("initialised %s\nnetwork:      %s\nchain_id:     %d\nvalidators:   %d\ngenesis_hash: %s" % (
        data_dir, g.network, g.chain_id, len(g.validators), g.hash().hex()))
