"""Mempool (docs/CHAIN.md §10: local policy, not consensus): admission, per-sender nonce order, block order
by fee, eviction, expiry, re-adding after reorgs."""
import heapq
import time

from . import ed25519
from .hashing import tx_hash, tx_signing_message
from .rules import check_rules

REASONS = {"BAD_NONCE": "nonce-too-low", "FEE_TOO_LOW": "fee-too-low", "GAS_TOO_LOW": "gas-too-low",
           "AMOUNT_OVERFLOW": "overflow", "INSUFFICIENT_BALANCE": "insufficient-balance"}


class Rejected(Exception):
    def __init__(self, reason, detail=""):
        super().__init__(reason)
        self.reason, self.detail = reason, detail


class Entry:
    __slots__ = ("tx", "hash", "fee", "total", "added_ms")

    def __init__(self, tx, h, fee, total):
        self.tx, self.hash, self.fee, self.total = tx, h, fee, total
        self.added_ms = int(time.time() * 1000)


class Mempool:
    def __init__(self, chain, max_txs=10000, max_per_sender=100, max_future_gap=64, max_age_ms=3600000,
                 min_gas_price=0):
        self.chain = chain
        self.max_txs, self.max_per_sender = max_txs, max_per_sender
        self.max_future_gap, self.max_age_ms, self.min_gas_price = max_future_gap, max_age_ms, min_gas_price
        self.by_hash = {}
        self.by_sender = {}  # pk -> {nonce: Entry}
        self.sig_verified = {}  # hash -> None (ordered; the last 32,768 confirmed)
        self.stats = {"accepted": 0, "rejected": 0}

    def __len__(self):
        return len(self.by_hash)

    def add(self, tx, readd=False):
        h = tx_hash(tx)
        if h in self.by_hash:
            raise Rejected("duplicate")
        if len(tx.data) > 1 << 20 or tx.codec_version != 1 or tx.tx_type != "Transfer":
            raise Rejected("malformed")
        bal, nonce = self.chain.account(tx.from_)
        if tx.nonce < nonce:
            raise Rejected("nonce-too-low", "nonce %d < account nonce %d" % (tx.nonce, nonce))
        mine = self.by_sender.get(tx.from_, {})
        if tx.nonce in mine:
            raise Rejected("nonce-exists")
        if tx.nonce > nonce + len(mine) + self.max_future_gap:
            raise Rejected("nonce-too-high")
        if not readd and len(mine) >= self.max_per_sender:
            raise Rejected("sender-limit")
        pending = sum(e.total for e in mine.values())
        st, fee, total = check_rules(tx, max(bal - pending, 0), tx.nonce)
        if st != "OK":
            raise Rejected(REASONS.get(st, st.lower()), st)
        if tx.gas_price < self.min_gas_price:
            raise Rejected("fee-too-low", "gas price below the minimum")
        if not readd and h not in self.sig_verified and \
                not ed25519.verify(tx.from_, tx.signature, tx_signing_message(tx)):
            raise Rejected("bad-signature")
        if not readd and len(self.by_hash) >= self.max_txs:
            low = min(self.by_hash.values(), key=lambda e: e.fee)
            if fee <= low.fee:
                raise Rejected("full")
            self._evict(low)
        e = Entry(tx, h, fee, total)
        self.by_hash[h] = e
        self.by_sender.setdefault(tx.from_, {})[tx.nonce] = e
        self.stats["accepted"] += 1
        return e

    def _evict(self, e):
        mine = self.by_sender.get(e.tx.from_, {})
        for n in sorted(k for k in mine if k >= e.tx.nonce):
            self._remove(mine[n])

    def _remove(self, e):
        self.by_hash.pop(e.hash, None)
        mine = self.by_sender.get(e.tx.from_)
        if mine is not None:
            mine.pop(e.tx.nonce, None)
            if not mine:
                del self.by_sender[e.tx.from_]

    def remove_hashes(self, hashes):
        for h in hashes:
            e = self.by_hash.get(h)
            if e:
                self._remove(e)

    def ordered(self, limit=10000):
        """Block order: a max-heap over senders by the fee of each sender's next executable tx (ties: lower
        hash); nonces in order per sender."""
        heap = []
        for pk, mine in self.by_sender.items():
            n = self.chain.account(pk)[1]
            e = mine.get(n)
            if e is not None:
                heapq.heappush(heap, (-e.fee, e.hash, pk, n))
        out = []
        while heap and len(out) < limit:
            _, _, pk, n = heapq.heappop(heap)
            e = self.by_sender[pk][n]
            out.append(e.tx)
            nx = self.by_sender[pk].get(n + 1)
            if nx is not None:
                heapq.heappush(heap, (-nx.fee, nx.hash, pk, n + 1))
        return out

    def on_new_tip(self, confirmed_hashes=()):
        for h in confirmed_hashes:
            self.sig_verified[h] = None
        while len(self.sig_verified) > 32768:
            self.sig_verified.pop(next(iter(self.sig_verified)))
        now = int(time.time() * 1000)
        for pk in list(self.by_sender):
            n = self.chain.account(pk)[1]
            for e in list(self.by_sender.get(pk, {}).values()):
                if e.tx.nonce < n or now - e.added_ms > self.max_age_ms:
                    self._remove(e)

    def readd(self, txs):
        for t in txs:
            try:
                self.add(t, readd=True)
            except Rejected:
                pass
