"""Double-sign evidence seen on the wire and gossiped (docs/P2P.md "Double-sign evidence", docs/CHAIN.md §9),
written from those texts: a bounded detector of sealed headers per (height, validator), records holding both
headers (the newest 256), and the receiver's checks of an `evidence` message. The chain records the pairs among
the blocks it stores itself (chain.evidence); this pool covers blocks it never stores and carries both headers
for gossip."""
import logging
from collections import OrderedDict, deque

from . import ed25519
from .codec import DecodeError, Header, Reader
from .hashing import H, address, seal_hash

log = logging.getLogger("evidence")

RECENT = 4096  # sealed headers remembered, one per (height, validator), oldest dropped first
MAX_RECORDS = 256  # evidence records kept, oldest dropped
MAX_HEADER_BYTES = 1024


class Record:
    __slots__ = ("height", "validator", "hash_a", "hash_b", "header_a", "header_b", "seen_ms", "in_chain")

    def __init__(self, height, validator, hash_a, hash_b, header_a, header_b, seen_ms, in_chain):
        self.height, self.validator, self.hash_a, self.hash_b = height, validator, hash_a, hash_b
        self.header_a, self.header_b, self.seen_ms, self.in_chain = header_a, header_b, seen_ms, in_chain


def decode_header(raw):
    """A canonical header on its own (1..1024 bytes, nothing after it); raises DecodeError."""
    if not 1 <= len(raw) <= MAX_HEADER_BYTES:
        raise DecodeError("header of %d bytes" % len(raw))
    r = Reader(raw)
    hd = Header.read(r)
    r.done()
    return hd


def seal_ok(hd, pubkey):
    """The chain's seal rule (§8): extra_data of a sealed block (96 or 129 bytes) ends with an Ed25519
    signature by pubkey over the header hash with that signature cut off."""
    return len(hd.extra_data) in (96, 129) and ed25519.verify(pubkey, hd.extra_data[-64:], seal_hash(hd))


def sealer(validators, hd):
    """The key among `validators` whose address is the header's miner address and whose key verifies its seal,
    or None."""
    for pk in validators:
        if address(pk) == hd.miner_address:
            return pk if seal_ok(hd, pk) else None
    return None


class Pool:
    def __init__(self, recent=RECENT, max_records=MAX_RECORDS):
        self.recent = max(16, recent)
        self.seen = OrderedDict()  # (height, validator) -> (hash, header bytes), the first header seen
        self.records = deque(maxlen=max(1, max_records))  # newest last
        self.counted = 0  # records counted here (not in the chain's evidence)

    def has_pair(self, a, b):
        """Whether the pair of header hashes (either order) is a record (cheap: before any seal check)."""
        return any({r.hash_a, r.hash_b} == {a, b} for r in self.records)

    def _remember(self, height, validator, h, raw):
        """The first header of (height, validator), remembered when new; returns (entry, fresh)."""
        k = (height, validator)
        e = self.seen.get(k)
        if e is not None:
            return e, False
        self.seen[k] = (h, raw)
        while len(self.seen) > self.recent:
            self.seen.popitem(last=False)
        return (h, raw), True

    def _add(self, chain_pairs, validator, height, ha, ra, hb, rb, now_ms):
        """A new record; logged and counted unless the chain holds the pair already (counted there)."""
        in_chain = tuple(sorted((ha, hb))) in chain_pairs
        rec = Record(height, validator, ha, hb, ra, rb, now_ms, in_chain)
        self.records.append(rec)
        if not in_chain:
            self.counted += 1
            log.warning("double-sign evidence: validator %s sealed two headers at height %d: %s and %s",
                        validator.hex(), height, ha.hex(), hb.hex())
        return rec

    def observe(self, chain_pairs, raw, hd, validator, now_ms):
        """Records that `validator` sealed the header `raw` (decoded: hd). Returns the new record when another
        header with a different hash was seen at this height from this key, else None."""
        h = H(raw)
        (first, first_raw), fresh = self._remember(hd.block_index, validator, h, raw)
        if fresh or first == h or self.has_pair(first, h):
            return None
        return self._add(chain_pairs, validator, hd.block_index, first, first_raw, h, raw, now_ms)

    def add_pair(self, chain_pairs, ra, hda, rb, hdb, validator, now_ms):
        """A pair proven elsewhere (the caller checked both seals): the new record, or None when held already;
        ValueError for another height or equal headers."""
        ha, hb = H(ra), H(rb)
        if hda.block_index != hdb.block_index or ha == hb:
            raise ValueError("not two different headers at one height")
        if self.has_pair(ha, hb):
            return None
        self._remember(hda.block_index, validator, ha, ra)
        return self._add(chain_pairs, validator, hda.block_index, ha, ra, hb, rb, now_ms)

    def receive(self, chain_pairs, validators, ra, rb, now_ms):
        """The receiver's checks of an `evidence` message, in the order of docs/P2P.md. Returns (outcome,
        record or None, penalty reason or None); outcome is new, known, ignored or invalid."""
        try:
            a, b = decode_header(ra), decode_header(rb)
        except (DecodeError, ValueError):
            return "invalid", None, "evidence: a header is not canonical"
        ha, hb = H(ra), H(rb)
        if a.block_index != b.block_index or ha == hb or a.miner_address != b.miner_address:
            return "invalid", None, "evidence: not two different headers of one sealer at one height"
        if self.has_pair(ha, hb):
            return "known", None, None
        key = next((pk for pk in validators if address(pk) == a.miner_address), None)
        if key is None:
            return "ignored", None, None  # not a key of our current set (it may have left it): nothing to check
        if not seal_ok(a, key) or not seal_ok(b, key):
            return "invalid", None, "evidence: a seal does not verify (forged evidence)"
        rec = self.add_pair(chain_pairs, ra, a, rb, b, key, now_ms)
        return ("new", rec, None) if rec is not None else ("known", None, None)
