"""Chain: validation of every rule of docs/CHAIN.md (§1–§11), application with undo, fork choice with
bounded reorgs, validator votes and epochs, double-sign evidence, SQLite persistence (§12 semantics: one
transaction per block, WAL, kill -9 leaves the last committed block)."""
import logging
import os
import sqlite3
import struct
import time
from dataclasses import dataclass
from typing import Optional

from . import ed25519, schedule, state
from .codec import Block, DecodeError, MAX_BLOCK_SIZE, MAX_TX_PER_BLOCK, U64_MAX
from .genesis import Genesis, MAX_VALIDATORS
from .hashing import H, address, header_hash, merkle_root, seal_hash, tx_hash, tx_signing_message
from .pow import check_reveal
from .rules import check_rules

log = logging.getLogger("chain")

REWARD_START = 3125000000
REWARD_HALVING = 1051200
REWARD_FLOOR = 100000000


def block_reward(h):
    if h == 0:
        return 0
    shift = h // REWARD_HALVING
    r = REWARD_START >> shift if shift < 64 else 0
    return max(r, REWARD_FLOOR)


def fee_split(F):
    t = (F // 10000) * 2929 + (F % 10000) * 2929 // 10000
    return F - 2 * t, t, t  # proposer, treasury, burn


def s64(v):
    return v - (1 << 64) if v >= (1 << 63) else v


def u64(v):
    return v + (1 << 64) if v < 0 else v


class ImportResult:
    """status: one of OK (new tip), SIDE (stored side block), KNOWN, ORPHAN, FUTURE, REORG_TOO_DEEP, or an
    invalid verdict (TOO_LARGE, DECODE, BAD_HEADER, BAD_HEIGHT, BAD_TIMESTAMP, BAD_PROPOSER, BAD_SEAL,
    BAD_VOTE, BAD_MERKLE, BAD_POW, BAD_TX, BAD_STATE_ROOT)."""
    INVALID = {"TOO_LARGE", "DECODE", "BAD_HEADER", "BAD_HEIGHT", "BAD_TIMESTAMP", "BAD_PROPOSER", "BAD_SEAL",
               "BAD_VOTE", "BAD_MERKLE", "BAD_POW", "BAD_TX", "BAD_STATE_ROOT"}

    def __init__(self, status, hash=None, detail="", reorged=False, undone=()):
        self.status, self.hash, self.detail, self.reorged, self.undone = status, hash, detail, reorged, list(undone)

    @property
    def invalid(self):
        return self.status in self.INVALID

    def __repr__(self):
        return "ImportResult(%s %s %s)" % (self.status, self.hash.hex()[:16] if self.hash else "", self.detail)


class Invalid(Exception):
    def __init__(self, status, detail=""):
        super().__init__(status, detail)
        self.status, self.detail = status, detail


@dataclass
class Meta:
    hash: bytes
    parent: bytes
    height: int
    cum_weight: int
    proposer: bytes  # public key of the sealer (b"" for genesis)
    timestamp: int
    state_root: bytes
    vote: Optional[tuple]  # (action, key) or None
    applied: bool = False


SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS blocks(hash BLOB PRIMARY KEY, parent BLOB NOT NULL, height INTEGER NOT NULL,
  cum_weight INTEGER NOT NULL, proposer BLOB NOT NULL, timestamp INTEGER NOT NULL, state_root BLOB NOT NULL,
  vote BLOB, data BLOB NOT NULL, undo BLOB) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blocks_height ON blocks(height);
CREATE TABLE IF NOT EXISTS canon(height INTEGER PRIMARY KEY, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS txs(hash BLOB PRIMARY KEY, height INTEGER NOT NULL, idx INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS accounts(pubkey BLOB PRIMARY KEY, balance INTEGER NOT NULL, nonce INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS evidence(height INTEGER NOT NULL, validator BLOB NOT NULL, hash_a BLOB NOT NULL,
  hash_b BLOB NOT NULL, UNIQUE(height, validator, hash_a, hash_b));
CREATE TABLE IF NOT EXISTS vsets(anchor BLOB PRIMARY KEY, validators BLOB NOT NULL) WITHOUT ROWID;
"""


class ChainError(Exception):
    pass


class Chain:
    def __init__(self, data_dir, g: Genesis, max_future_ms=schedule.DEFAULT_MAX_FUTURE_MS, max_reorg_depth=100,
                 synchronous="FULL", fault=None):
        self.g = g
        self.max_future_ms = max_future_ms
        self.clock_tolerance_ms = schedule.default_clock_tolerance_ms(g)
        self.max_reorg_depth = max_reorg_depth
        self.fault = fault  # test-only fault switch (see faults.py); None in normal runs
        self.synchronous = synchronous
        self.bulk = False
        self.db = sqlite3.connect(os.path.join(data_dir, "chain.db"), isolation_level=None,
                                  check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=%s" % synchronous)
        self.db.executescript(SCHEMA)
        self.genesis_hash = g.hash()
        self.treasury = g.validators[0]
        self.metas = {}
        self.children = {}
        self.canon = []
        self.accounts = {}
        self.tree = state.StateTree()
        self.vsets = {}
        self.evidence = []
        self.last_block = (None, None)  # (hash, decoded Block) of the last block applied, for the tip handlers
        self.sig_known = None  # optional set-like of tx hashes whose signature was already verified (mempool)
        self.stats = {"blocks_received": 0, "blocks_rejected": 0, "reorgs": 0, "double_signs": 0,
                      "txs_confirmed": 0}
        self._open()

    # ------------------------------------------------------------------------------------------ open/init
    def _open(self):
        row = self.db.execute("SELECT value FROM meta WHERE key='genesis'").fetchone()
        if row is None:
            gb = self.g.block()
            data = gb.encode()
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT INTO meta VALUES('schema', 1)")
            self.db.execute("INSERT INTO meta VALUES('genesis', ?)", (self.genesis_hash,))
            self.db.execute("INSERT INTO meta VALUES('chain_id', ?)", (s64(self.g.chain_id),))
            self.db.execute("INSERT INTO blocks VALUES(?,?,?,?,?,?,?,?,?,?)",
                            (self.genesis_hash, bytes(32), 0, 0, b"", s64(gb.header.timestamp),
                             gb.header.extra_data, None, data, b""))
            self.db.execute("INSERT INTO canon VALUES(0, ?)", (self.genesis_hash,))
            for pk, (b, n) in self.g.accounts().items():
                self.db.execute("INSERT INTO accounts VALUES(?,?,?)", (pk, s64(b), s64(n)))
            self.db.execute("COMMIT")
        elif bytes(row[0]) != self.genesis_hash:
            raise ChainError("data directory was created for another genesis (CJ_CHAIN_GENESIS_MISMATCH)")
        for (h, p, ht, cw, prop, ts, sr, vote, undo) in self.db.execute(
                "SELECT hash, parent, height, cum_weight, proposer, timestamp, state_root, vote, undo IS NOT NULL "
                "FROM blocks"):
            v = (vote[0], bytes(vote[1:])) if vote else None
            m = Meta(bytes(h), bytes(p), ht, cw, bytes(prop), s64(ts), bytes(sr), v, bool(undo))
            self.metas[m.hash] = m
        for m in self.metas.values():
            if m.height > 0:
                self.children.setdefault(m.parent, []).append(m.hash)
        self.canon = [bytes(h) for (h,) in self.db.execute("SELECT hash FROM canon ORDER BY height")]
        for (pk, b, n) in self.db.execute("SELECT pubkey, balance, nonce FROM accounts"):
            self.accounts[bytes(pk)] = (u64(b), u64(n))
            self.tree.set(bytes(pk), u64(b), u64(n))
        for (a, v) in self.db.execute("SELECT anchor, validators FROM vsets"):
            v = bytes(v)
            self.vsets[bytes(a)] = [v[i:i + 32] for i in range(0, len(v), 32)]
        for (ht, val, a, b) in self.db.execute("SELECT height, validator, hash_a, hash_b FROM evidence"):
            self.evidence.append((ht, bytes(val), bytes(a), bytes(b)))
        if self.tree.root_hash() != self.tip().state_root:
            raise ChainError("state root of the accounts table does not match the head block: corrupted data dir")

    def close(self):
        self.db.close()

    # ------------------------------------------------------------------------------------------ queries
    def tip(self) -> Meta:
        return self.metas[self.canon[-1]]

    def height(self):
        return len(self.canon) - 1

    def account(self, pk):
        return self.accounts.get(pk, (0, 0))

    def block_bytes(self, h):
        row = self.db.execute("SELECT data FROM blocks WHERE hash=?", (h,)).fetchone()
        return bytes(row[0]) if row else None

    def block(self, h):
        """The decoded block h: the one just applied without a second decode, else from storage (None if unknown)."""
        if self.last_block[0] == h:
            return self.last_block[1]
        data = self.block_bytes(h)
        return Block.decode(data) if data is not None else None

    def set_bulk(self, on):
        """Range-sync import (docs/P2P.md "Sync"): the blocks of one answer go into one SQL transaction (each
        block a savepoint, so an invalid one still rolls back alone) committed without fsync when the answer is
        done (WAL stays crash-consistent: kill -9 or a power loss costs at most that answer, which peers send
        again). Sealed blocks are never imported in bulk (no sealing while syncing)."""
        if on and not self.bulk:
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("BEGIN IMMEDIATE")
            self.bulk = True
        elif not on and self.bulk:
            self.bulk = False
            self.db.execute("COMMIT")
            self.db.execute("PRAGMA synchronous=%s" % self.synchronous)

    def _begin(self):
        """One block's changes: a transaction of its own, or a savepoint inside a bulk import's transaction."""
        self.db.execute("SAVEPOINT blk")

    def _commit(self):
        self.db.execute("RELEASE blk")

    def _rollback(self):
        self.db.execute("ROLLBACK TO blk")
        self.db.execute("RELEASE blk")

    def canonical_hash(self, height):
        return self.canon[height] if 0 <= height < len(self.canon) else None

    def is_canonical(self, h):
        m = self.metas.get(h)
        return m is not None and m.height < len(self.canon) and self.canon[m.height] == h

    def tx_location(self, th):
        row = self.db.execute("SELECT height, idx FROM txs WHERE hash=?", (th,)).fetchone()
        return row

    def better(self, a: Meta, b: Meta):
        """a beats b by fork choice: greater cumulative weight, then lower hash."""
        return a.cum_weight > b.cum_weight or (a.cum_weight == b.cum_weight and a.hash < b.hash)

    def ancestor(self, h, height):
        """Hash of the ancestor at `height` of block h (h itself if at that height)."""
        m = self.metas[h]
        while m.height > height:
            if self.is_canonical(m.hash):
                return self.canon[height]
            m = self.metas[m.parent]
        return m.hash

    # ------------------------------------------------------------------------------------------ votes
    def validators_at(self, parent_hash, h):
        """S(h) on the branch whose block h-1 is parent_hash (§11)."""
        L = self.g.epoch_length
        k = h // L
        if k == 0:
            return self.g.validators
        anchor = self.ancestor(parent_hash, k * L - 1)
        return self._set_after(anchor)

    def _set_after(self, anchor):
        """S_k for the epoch following the one whose last block is anchor."""
        s = self.vsets.get(anchor)
        if s is not None:
            return s
        L = self.g.epoch_length
        am = self.metas[anchor]
        k = (am.height + 1) // L
        # walk the epoch's blocks back from the anchor
        blocks = []
        m = am
        while m.height >= (k - 1) * L:
            blocks.append(m)
            if m.height == 0:
                break
            m = self.metas[m.parent]
        blocks.reverse()
        prev = self.g.validators if k == 1 else self._set_after(self.ancestor(anchor, (k - 1) * L - 1))
        s = next_set(prev, tally(blocks))
        self.vsets[anchor] = s
        return s

    # ------------------------------------------------------------------------------------------ import
    def known_block(self, data):
        """The hash of the stored block with exactly these bytes (a copy relayed by another peer), else None:
        such bytes were decoded and validated once, so they need no second decode."""
        try:
            h = H(Block.peek_header(data))
        except (DecodeError, ValueError):
            return None
        return h if h in self.metas and self.block_bytes(h) == bytes(data) else None

    def import_block(self, data: bytes, now_ms=None, local=False, blk=None) -> ImportResult:
        """blk: data already decoded by the caller (Block.decode(data)), so it is not decoded twice."""
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        self.stats["blocks_received"] += 0 if local else 1
        if len(data) > MAX_BLOCK_SIZE:
            return self._rej("TOO_LARGE")
        if blk is None:
            known = self.known_block(data)
            if known is not None:
                return ImportResult("KNOWN", known)
            try:
                blk = Block.decode(data)
            except (DecodeError, ValueError) as e:
                return self._rej("DECODE", str(e))
        bh = H(blk.header_raw)
        if bh in self.metas:
            return ImportResult("KNOWN", bh)
        parent = self.metas.get(blk.header.parent_hash)
        if parent is None:
            return ImportResult("ORPHAN", bh)
        try:
            proposer, vote, weight = self._check_header(blk, bh, parent, now_ms)
        except Invalid as e:
            if e.status == "FUTURE":
                return ImportResult("FUTURE", bh, e.detail)
            return self._rej(e.status, e.detail, bh)
        meta = Meta(bh, parent.hash, parent.height + 1, parent.cum_weight + weight, proposer,
                    blk.header.timestamp, blk.header.extra_data[:32], vote)
        tip = self.tip()
        if parent.hash == tip.hash:
            try:
                self._begin()
                journal = {}
                self._store(meta, data)
                self._apply(blk, meta, journal)
                self._commit()
            except Invalid as e:
                self._rollback()
                self._restore(journal)
                self._forget(meta)
                return self._rej(e.status, e.detail, bh)
            self._after_store(meta)
            self.last_block = (bh, blk)
            return ImportResult("OK", bh)
        # side block: checks 1-15 passed; store, then maybe reorganise
        fork = self._fork_point(meta)
        if self.better(meta, tip) and tip.height - fork.height > self.max_reorg_depth:
            return ImportResult("REORG_TOO_DEEP", bh)
        self._begin()
        self._store(meta, data)
        self._commit()
        self._after_store(meta)
        if self.better(meta, tip):
            return self._reorg(meta, fork)
        return ImportResult("SIDE", bh)

    def _rej(self, status, detail="", bh=None):
        self.stats["blocks_rejected"] += 1
        return ImportResult(status, bh, detail)

    def _fork_point(self, meta):
        m = meta
        while not self.is_canonical(m.hash):
            m = self.metas[m.parent]
        return m

    def _check_header(self, blk, bh, parent, now_ms):
        """Checks 5-15 of §8. Returns (proposer pubkey, vote, weight)."""
        hd = blk.header
        if hd.codec_version != 1 or len(hd.extra_data) not in (96, 129) or blk.cid is not None or \
                len(blk.transactions) > MAX_TX_PER_BLOCK:
            raise Invalid("BAD_HEADER", "codec/extra_data/cid/tx count")
        h = parent.height + 1
        if hd.block_index != h:
            raise Invalid("BAD_HEIGHT")
        if not schedule.check_timestamp_order(parent, hd.timestamp):
            raise Invalid("BAD_TIMESTAMP", "not after parent")
        vs = self.validators_at(parent.hash, h)
        idx = None
        for i, pk in enumerate(vs):
            if address(pk) == hd.miner_address:
                idx = i
                break
        if idx is None:
            raise Invalid("BAD_PROPOSER")
        k = schedule.turn_offset(idx, h, len(vs))
        if not schedule.check_turn(self.g, parent, h, k, hd.timestamp):
            raise Invalid("BAD_TIMESTAMP", "before its turn")
        w = schedule.weight(k)
        if hd.difficulty_target != w or hd.nonce != blk.reveal.nonce:
            raise Invalid("BAD_HEADER", "weight/nonce")
        pk = vs[idx]
        if not ed25519.verify(pk, hd.extra_data[-64:], seal_hash(hd)):
            raise Invalid("BAD_SEAL")
        vote = None
        if len(hd.extra_data) == 129:
            action, key = hd.extra_data[32], bytes(hd.extra_data[33:65])
            if not vote_valid(action, key, vs):
                raise Invalid("BAD_VOTE")
            vote = (action, key)
        if merkle_root([H(t.raw) if t.raw else tx_hash(t) for t in blk.transactions]) != hd.merkle_root:
            raise Invalid("BAD_MERKLE")
        if not check_reveal(blk.reveal, hd.parent_hash, h, hd.nonce, hd.commitment):
            raise Invalid("BAD_POW")
        # check 15, local and last among the header checks: the turn on this node's clock
        v = schedule.clock_verdict(hd.timestamp, now_ms, self.clock_tolerance_ms, self.max_future_ms)
        if v == "hold":
            raise Invalid("FUTURE", "due at %d" % (hd.timestamp - self.clock_tolerance_ms))
        if v == "refuse":
            raise Invalid("FUTURE", "more than %d ms ahead" % self.max_future_ms)
        return pk, vote, w

    # ------------------------------------------------------------------------------------------ state
    def _apply(self, blk, meta, journal):
        """Checks 16-17 and application to the head state (inside the caller's SQL transaction)."""
        over = {}

        def get(pk):
            v = over.get(pk)
            return v if v is not None else self.accounts.get(pk, (0, 0))

        known = self.sig_known if self.sig_known is not None else ()
        # a transaction whose exact bytes (hash) had their signature verified on admission is not verified again
        msgs_ok = [ed25519.verify(t.from_, t.signature, tx_signing_message(t)) if
                   (t.codec_version == 1 and t.tx_type == "Transfer" and H(t.raw) not in known) else True
                   for t in blk.transactions]
        fees = 0
        for i, t in enumerate(blk.transactions):
            if t.codec_version != 1 or t.tx_type != "Transfer":
                raise Invalid("BAD_TX", "tx %d: codec/type" % i)
            if not msgs_ok[i]:
                raise Invalid("BAD_TX", "tx %d: bad signature" % i)
            sb, sn = get(t.from_)
            st, fee, total = check_rules(t, sb, sn)
            if st != "OK":
                raise Invalid("BAD_TX", "tx %d: %s" % (i, st))
            if sn >= U64_MAX:
                raise Invalid("BAD_TX", "tx %d: nonce overflow" % i)
            if t.to != t.from_ and get(t.to)[0] + t.amount > U64_MAX:
                raise Invalid("BAD_TX", "tx %d: recipient overflow" % i)
            fees += fee
            if fees > U64_MAX:
                raise Invalid("BAD_TX", "tx %d: fee total overflow" % i)
            over[t.from_] = (sb - total, sn + 1)
            rb, rn = get(t.to)
            over[t.to] = (rb + t.amount, rn)
        prop_share, treas, _burn = fee_split(fees)
        pb, pn = get(meta.proposer)
        over[meta.proposer] = (min(pb + block_reward(meta.height) + prop_share, U64_MAX), pn)
        tb, tn = get(self.treasury)
        over[self.treasury] = (min(tb + treas, U64_MAX), tn)
        # undo record, then write
        undo = bytearray(struct.pack("<I", len(over)))
        for pk in over:
            b, n = self.accounts.get(pk, (0, 0))
            undo += pk + struct.pack("<QQ", b, n)
            journal.setdefault(pk, (b, n))
        for pk, (b, n) in over.items():
            self._set_account(pk, b, n)
        root = self.tree.root_hash()
        if self.fault is not None:  # test-only fault switch (faults.py); None in every normal run
            root = self.fault.state_root(meta.height, root)
        want = meta.state_root
        if root != want:
            raise Invalid("BAD_STATE_ROOT", "computed %s, block has %s" % (root.hex()[:16], want.hex()[:16]))
        self.db.execute("UPDATE blocks SET undo=? WHERE hash=?", (bytes(undo), meta.hash))
        self.db.execute("INSERT OR REPLACE INTO canon VALUES(?,?)", (meta.height, meta.hash))
        for i, t in enumerate(blk.transactions):
            self.db.execute("INSERT OR REPLACE INTO txs VALUES(?,?,?)", (H(t.raw), meta.height, i))
        assert len(self.canon) == meta.height
        self.canon.append(meta.hash)
        journal.setdefault(("canon",), len(self.canon) - 1)
        meta.applied = True
        self.stats["txs_confirmed"] += len(blk.transactions)
        self._maybe_cache_vset(meta)

    def _set_account(self, pk, b, n):
        if b == 0 and n == 0:
            self.accounts.pop(pk, None)
            self.db.execute("DELETE FROM accounts WHERE pubkey=?", (pk,))
        else:
            self.accounts[pk] = (b, n)
            self.db.execute("INSERT OR REPLACE INTO accounts VALUES(?,?,?)", (pk, s64(b), s64(n)))
        self.tree.set(pk, b, n)

    def _restore(self, journal):
        """Puts the in-memory state back after a failed (rolled back) application."""
        c = journal.pop(("canon",), None)
        for pk, (b, n) in journal.items():
            if b == 0 and n == 0:
                self.accounts.pop(pk, None)
            else:
                self.accounts[pk] = (b, n)
            self.tree.set(pk, b, n)
        if c is not None:
            del self.canon[c:]
        for m in self.metas.values():
            if m.height >= len(self.canon):
                m.applied = False

    def _undo(self, meta, journal):
        row = self.db.execute("SELECT undo FROM blocks WHERE hash=?", (meta.hash,)).fetchone()
        undo = bytes(row[0])
        n = struct.unpack_from("<I", undo)[0]
        for i in range(n):
            off = 4 + i * 48
            pk = undo[off:off + 32]
            b, nn = struct.unpack_from("<QQ", undo, off + 32)
            journal.setdefault(pk, self.accounts.get(pk, (0, 0)))
            self._set_account(pk, b, nn)
        parent = self.metas[meta.parent]
        root = self.tree.root_hash()
        if self.fault is not None:  # test-only fault switch
            root = self.fault.state_root(parent.height, root)
        if root != parent.state_root:
            raise ChainError("undo of %s does not give the parent's state root" % meta.hash.hex())
        blk = Block.decode(self.block_bytes(meta.hash))
        for t in blk.transactions:
            self.db.execute("DELETE FROM txs WHERE hash=?", (H(t.raw),))
        self.db.execute("DELETE FROM canon WHERE height=?", (meta.height,))
        self.db.execute("UPDATE blocks SET undo=NULL WHERE hash=?", (meta.hash,))
        self.canon.pop()
        meta.applied = False
        return blk

    def _reorg(self, new_tip, fork):
        """Undo the canonical blocks above fork, apply the branch up to new_tip, all or nothing."""
        branch = []
        m = new_tip
        while m.hash != fork.hash:
            branch.append(m)
            m = self.metas[m.parent]
        branch.reverse()
        old_canon = list(self.canon)
        journal = {}
        undone = []
        self._begin()
        try:
            while self.tip().hash != fork.hash:
                undone.append(self._undo(self.tip(), journal))
            for bm in branch:
                blk = Block.decode(self.block_bytes(bm.hash))
                self._apply(blk, bm, journal)
            self._commit()
        except Invalid as e:
            self._rollback()
            journal.pop(("canon",), None)
            for pk, (b, n) in journal.items():
                if b == 0 and n == 0:
                    self.accounts.pop(pk, None)
                else:
                    self.accounts[pk] = (b, n)
                self.tree.set(pk, b, n)
            self.canon = old_canon
            for mm in self.metas.values():
                mm.applied = self.is_canonical(mm.hash)
            bad = next(b for b in branch if not b.applied)
            self._delete_subtree(bad)
            self.stats["blocks_rejected"] += 1
            return ImportResult(e.status, new_tip.hash, "reorg: block %d %s" % (bad.height, e.detail))
        self.stats["reorgs"] += 1
        log.info("reorg: %d blocks undone, new tip %d %s", len(undone), new_tip.height, new_tip.hash.hex()[:16])
        return ImportResult("OK", new_tip.hash, reorged=True, undone=undone)

    def _delete_subtree(self, meta):
        todo = [meta]
        self._begin()
        while todo:
            m = todo.pop()
            todo += [self.metas[c] for c in self.children.get(m.hash, []) if c in self.metas]
            self.db.execute("DELETE FROM blocks WHERE hash=?", (m.hash,))
            self._forget(m)
        self._commit()

    def _forget(self, meta):
        self.metas.pop(meta.hash, None)
        sib = self.children.get(meta.parent)
        if sib and meta.hash in sib:
            sib.remove(meta.hash)

    def _store(self, meta, data):
        vote = bytes((meta.vote[0],)) + meta.vote[1] if meta.vote else None
        self.db.execute("INSERT INTO blocks VALUES(?,?,?,?,?,?,?,?,?,NULL)",
                        (meta.hash, meta.parent, meta.height, meta.cum_weight, meta.proposer, s64(meta.timestamp),
                         meta.state_root, vote, data))
        self.metas[meta.hash] = meta
        self.children.setdefault(meta.parent, []).append(meta.hash)
        # double-sign evidence (§9): another stored block at this height by the same proposer
        for other in self.db.execute("SELECT hash FROM blocks WHERE height=? AND proposer=? AND hash<>?",
                                     (meta.height, meta.proposer, meta.hash)).fetchall():
            a, b = sorted((meta.hash, bytes(other[0])))
            cur = self.db.execute("INSERT OR IGNORE INTO evidence VALUES(?,?,?,?)", (meta.height, meta.proposer, a, b))
            if cur.rowcount:
                self.evidence.append((meta.height, meta.proposer, a, b))
                self.stats["double_signs"] += 1
                log.warning("double-sign evidence: height %d validator %s blocks %s %s", meta.height,
                            meta.proposer.hex(), a.hex(), b.hex())

    def _after_store(self, meta):
        pass

    def _maybe_cache_vset(self, meta):
        L = self.g.epoch_length
        if (meta.height + 1) % L == 0:
            s = self._set_after(meta.hash)
            self.db.execute("INSERT OR REPLACE INTO vsets VALUES(?,?)", (meta.hash, b"".join(s)))


def vote_valid(action, key, vs):
    if action == 1:
        return key not in vs and ed25519.is_valid_point(key)
    if action == 2:
        return key in vs and len(vs) > 1
    return False


def tally(blocks):
    """{(action, key): [voters in sealing order]} for one epoch's blocks in height order."""
    t = {}
    for m in blocks:
        if m.vote is None or m.height == 0:
            continue
        voters = t.setdefault(m.vote, [])
        if m.proposer not in voters:
            voters.append(m.proposer)
    return t


def next_set(prev, t):
    n = len(prev)
    passing = [(a, k) for (a, k), voters in t.items() if 2 * len(voters) > n]
    s = list(prev)
    for a, k in sorted(passing, key=lambda x: x[1]):
        if a == 1 and k not in s and len(s) < MAX_VALIDATORS:
            s.append(k)
    for a, k in sorted(passing, key=lambda x: x[1]):
        if a == 2 and k in s and len(s) > 1:
            s.remove(k)
    return s


# ---------------------------------------------------------------------------------------------- production

def build_block(chain: Chain, seed: bytes, pubkey: bytes, candidates, now_ms, vote=None, force=False,
                state_root_fault=None):
    """Builds and seals block tip+1 (§9 "Production") if this key may seal now. Returns (bytes, dropped txs)
    or (None, []) when it is not our time. candidates: transactions in block order (mempool order); those
    that fail against the running state are left out and returned as dropped (a nonce gap only skips)."""
    from .codec import Header
    from .pow import make_reveal
    parent = chain.tip()
    h = parent.height + 1
    vs = chain.validators_at(parent.hash, h)
    if pubkey not in vs:
        return None, []
    k = schedule.turn_offset(vs.index(pubkey), h, len(vs))
    ok, ts = schedule.production_time(chain.g, parent, h, k, now_ms)
    if not ok and not force:
        return None, []
    if not ok:
        ts = max(schedule.earliest(chain.g, parent, h, k), parent.timestamp + 1)
    if vote is not None and not vote_valid(vote[0], vote[1], vs):
        vote = None
    over = {}

    def get(pk):
        v = over.get(pk)
        return v if v is not None else chain.accounts.get(pk, (0, 0))

    included, dropped, fees = [], [], 0
    for t in candidates:
        if len(included) >= MAX_TX_PER_BLOCK:
            break
        if t.codec_version != 1 or t.tx_type != "Transfer":
            dropped.append(t)
            continue
        sb, sn = get(t.from_)
        if t.nonce > sn:
            continue  # nonce gap: skip, keep in the pool
        st, fee, total = check_rules(t, sb, sn)
        if st != "OK" or sn >= U64_MAX or (t.to != t.from_ and get(t.to)[0] + t.amount > U64_MAX) or \
                fees + fee > U64_MAX:
            dropped.append(t)
            continue
        fees += fee
        over[t.from_] = (sb - total, sn + 1)
        rb, rn = get(t.to)
        over[t.to] = (rb + t.amount, rn)
        included.append(t)
    prop_share, treas, _ = fee_split(fees)
    pb, pn = get(pubkey)
    over[pubkey] = (min(pb + block_reward(h) + prop_share, U64_MAX), pn)
    tb, tn = get(chain.treasury)
    over[chain.treasury] = (min(tb + treas, U64_MAX), tn)
    saved = {pk: chain.accounts.get(pk, (0, 0)) for pk in over}
    for pk, (b, n) in over.items():
        chain.tree.set(pk, b, n)
    root = chain.tree.root_hash()
    for pk, (b, n) in saved.items():
        chain.tree.set(pk, b, n)
    if state_root_fault is not None:
        root = state_root_fault(h, root)
    reveal, commitment = make_reveal(seed, parent.hash, h)
    body = root + (bytes((vote[0],)) + vote[1] if vote else b"")
    hd = Header(1, h, ts, parent.hash, merkle_root([tx_hash(t) for t in included]), address(pubkey), commitment,
                schedule.weight(k), reveal.nonce, body + bytes(64))
    hd.extra_data = body + ed25519.sign(seed, seal_hash(hd))
    return Block(hd, included, reveal, None).encode(), dropped
