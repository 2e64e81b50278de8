"""Shadow mode (docs/SHADOW.md) on the Python side: peer parity against a watched validator's announcements
(its P2P status messages, the parent hashes of the blocks it seals, and its blocks that our chain rejects as
invalid) and a self-check of every canonical block (re-encoding the decoded header and transactions must give
the received bytes' hashes)."""
import logging
import os
import subprocess
import time

from .codec import Block
from .evidence import seal_ok
from .hashing import H, address, header_hash, merkle_root, tx_hash

log = logging.getLogger("shadow")

UNKNOWN = bytes(32)  # "ours" of an invalid-block divergence found before we had a block at its height


class Shadow:
    def __init__(self, node, enabled, compare_with, alert_on_divergence, log_all, alert_command,
                 settle_blocks=2, settle_ms=30000):
        self.node = node
        self.enabled = enabled
        self.key = compare_with  # bytes or None
        self.alert_on, self.log_all, self.alert_command = alert_on_divergence, log_all, alert_command
        self.settle_blocks, self.settle_ms = settle_blocks, settle_ms
        self.matches = self.drifts = 0
        self.announcements = 0
        self.validator_height = None
        self.theirs = {}  # height -> hash announced
        self.pending = {}  # height -> (since_ms, our height then)
        self.matched = set()
        self.drifted = set()
        self.drift_state = {}  # drifted height -> (ours or None, theirs) the drift was recorded for
        self.alerted = set()
        self.ring = []
        self.b_matches = self.b_drifts = self.b_checked = 0
        self.b_last = None
        self.alerts = {"started": 0, "failed": 0, "skipped": 0, "killed": 0}
        self.children = []

    # ---- backend self-check ---------------------------------------------------------------------------
    def check_block(self, height, h, data):
        if not self.enabled:
            return
        blk = Block.decode(data)
        ok_header = header_hash(blk.header) == h == H(blk.header_raw)
        ok_txs = all(H(t.raw) == tx_hash(_reencoded(t)) for t in blk.transactions)
        ok_merkle = merkle_root([H(t.raw) for t in blk.transactions]) == blk.header.merkle_root
        self.b_checked += 1
        self.b_last = height
        if ok_header and ok_txs and ok_merkle:
            self.b_matches += 1
        else:
            self.b_drifts += 1
            what = "header" if not ok_header else ("tx" if not ok_txs else "merkle_root")
            self._divergence(height, h, header_hash(blk.header), "backend", what)

    # ---- peer parity ----------------------------------------------------------------------------------
    def announce(self, height, h):
        if not self.enabled or self.key is None:
            return
        self.announcements += 1
        self.validator_height = height if self.validator_height is None else max(self.validator_height, height)
        if self.theirs.get(height) != h:
            self.theirs[height] = h
            self.matched.discard(height)
        self.evaluate()

    def invalid_block(self, hd, h, verdict):
        """A block the chain refused with an invalid verdict (ImportResult.invalid): when the watched validator
        sealed it (its address and a seal verifying under its key, checked here), it is a divergence at its height
        at once (docs/SHADOW.md "Invalid blocks of the watched validator"). Returns True if it counted."""
        if not self.enabled or self.key is None or hd.miner_address != address(self.key) or \
                not seal_ok(hd, self.key):
            return False
        height = hd.block_index
        chain = self.node.chain
        if abs(chain.height() - height) > 4096:
            return False
        self.announcements += 1
        self.validator_height = height if self.validator_height is None else max(self.validator_height, height)
        if height in self.drifted:
            return False
        ours = chain.canonical_hash(height)
        self.theirs[height] = h
        self.matched.discard(height)
        self.pending.pop(height, None)
        self.drifted.add(height)
        self.drift_state[height] = (ours, h)
        self.drifts += 1
        self._divergence(height, ours if ours is not None else UNKNOWN, h, "peer", "invalid_block")
        log.warning("shadow: block %d %s sealed by the watched validator is invalid here: %s", height, h.hex(),
                    verdict)
        return True

    def _complete(self, height, ours):
        """Fills our hash into an invalid-block divergence recorded before we had a block at its height."""
        for d in self.ring:
            if d["height"] == height and d["what"] == "invalid_block" and d["ours"] == UNKNOWN.hex():
                d["ours"] = ours.hex()
        log.info("parity: block=%d ours=%s completes the divergence (invalid block of the validator)", height,
                 ours.hex())

    def evaluate(self):
        if not self.enabled or self.key is None:
            return
        chain = self.node.chain
        now = int(time.time() * 1000)
        top = chain.height()
        for height in sorted(self.theirs):
            if abs(top - height) > 4096:
                del self.theirs[height]
                self.drift_state.pop(height, None)
                continue
            ours = chain.canonical_hash(height)
            if ours is None:
                continue
            theirs = self.theirs[height]
            ds = self.drift_state.get(height)
            if ds is not None and ds[1] == theirs and ours != theirs:
                if ds[0] is None:
                    self._complete(height, ours)
                self.drift_state[height] = (ours, theirs)
                continue  # this drift is recorded: nothing new to compare
            if ours == theirs:
                self.pending.pop(height, None)
                if height not in self.matched:
                    self.matched.add(height)
                    self.matches += 1
                    if self.log_all:
                        log.info("parity match: block=%d hash=%s", height, ours.hex())
                    for older in [x for x in self.pending if x < height]:
                        self.pending.pop(older)
                    for d in self.ring:
                        if d["height"] < height and d["ours"] != UNKNOWN.hex():
                            d["resolved"] = True
                continue
            p = self.pending.get(height)
            if p is None:
                self.pending[height] = (now, top)
                log.warning("parity pending: block=%d ours=%s theirs=%s", height, ours.hex(), theirs.hex())
                continue
            if top - p[1] >= self.settle_blocks or now - p[0] >= self.settle_ms:
                self.pending.pop(height)
                self.drift_state[height] = (ours, theirs)
                if height not in self.drifted:  # one drift per height
                    self.drifted.add(height)
                    self.drifts += 1
                    self._divergence(height, ours, theirs, "peer", "block_hash")
        while len(self.theirs) > 8192:
            self.drift_state.pop(min(self.theirs), None)
            self.theirs.pop(min(self.theirs))

    def _divergence(self, height, ours, theirs, kind, what):
        log.critical("HASH DIVERGENCE: block=%d ours=%s theirs=%s kind=%s what=%s", height, ours.hex(), theirs.hex(),
                     kind, what)
        self.ring.insert(0, {"height": height, "kind": kind, "what": what, "ours": ours.hex(), "theirs": theirs.hex(),
                             "time_ms": int(time.time() * 1000), "resolved": False})
        del self.ring[32:]
        if self.alert_on and self.alert_command and height not in self.alerted:
            self.alerted.add(height)
            self.reap()
            if len(self.children) >= 4:
                self.alerts["skipped"] += 1
                return
            env = dict(os.environ, COINJECTURE_DIVERGENCE_HEIGHT=str(height), COINJECTURE_DIVERGENCE_OURS=ours.hex(),
                       COINJECTURE_DIVERGENCE_THEIRS=theirs.hex(), COINJECTURE_DIVERGENCE_KIND=kind,
                       COINJECTURE_DIVERGENCE_WHAT=what)
            try:
                p = subprocess.Popen(["/bin/sh", "-c", self.alert_command], env=env, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
                self.children.append((p, time.monotonic()))
                self.alerts["started"] += 1
            except OSError:
                self.alerts["failed"] += 1

    def reap(self):
        keep = []
        for p, t0 in self.children:
            rc = p.poll()
            if rc is None:
                if time.monotonic() - t0 > 60:
                    try:
                        os.killpg(p.pid, 9)
                    except OSError:
                        pass
                    self.alerts["killed"] += 1
                    p.wait()
                else:
                    keep.append((p, t0))
            elif rc != 0:
                self.alerts["failed"] += 1
                log.warning("alert command exited with status %d", rc)
        self.children = keep

    def json(self):
        cw = None
        if self.key is not None:
            vs = self.node.chain.g.validators
            cw = {"pubkey": self.key.hex(), "address": H(self.key).hex(),
                  "index": vs.index(self.key) if self.key in vs else None}
        return {
            "enabled": self.enabled, "compare_with_validator": cw, "log_all_comparisons": self.log_all,
            "matches": self.matches + self.b_matches, "drifts": self.drifts + self.b_drifts,
            "backend": {"active": "python", "mode": "python-reencode" if self.b_checked else
                        ("not-run" if self.enabled else "disabled"),
                        "other": "re-encoding of the decoded block" if self.enabled else "none",
                        "matches": self.b_matches, "drifts": self.b_drifts, "blocks_checked": self.b_checked,
                        "errors": 0, "last_height": self.b_last},
            "peer": {"enabled": self.enabled and self.key is not None, "matches": self.matches, "drifts": self.drifts,
                     "pending": len(self.pending), "announcements": self.announcements,
                     "validator_height": self.validator_height,
                     "settle_blocks": self.settle_blocks if self.enabled else 0,
                     "settle_ms": self.settle_ms if self.enabled else 0},
            "alerts": {"enabled": bool(self.enabled and self.alert_on), "command_set": bool(self.alert_command),
                       "started": self.alerts["started"], "failed": self.alerts["failed"],
                       "skipped": self.alerts["skipped"], "killed": self.alerts["killed"],
                       "running": len(self.children)},
            "last_divergences": self.ring,
        }


def _reencoded(t):
    from .codec import Transaction
    c = Transaction(t.codec_version, t.tx_type, t.from_, t.to, t.amount, t.nonce, t.gas_limit, t.gas_price,
                    t.signature, t.data, t.timestamp)
    return c
