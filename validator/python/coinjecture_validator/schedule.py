"""Proposer schedule, weight and timestamp rules (docs/CHAIN.md §3, chain rules 2). Every rule that depends
on time lives here.

`parent` is the parent block's metadata (fields height, timestamp), `g` the Genesis."""
INT64_MAX = (1 << 63) - 1
DEFAULT_MAX_FUTURE_MS = 15000
RULES_VERSION = 2


def turn_offset(index, h, n):
    """k = (i − h mod N) mod N; 0 = in turn."""
    return (index - h % n) % n


def weight(k):
    return 2 if k == 0 else 1


def earliest(g, parent, h, k):
    """Earliest timestamp (ms) at which the validator with turn offset k may seal height h on parent:
    parent.timestamp + (1 + k) × block_time, INT64_MAX when it does not fit."""
    e = parent.timestamp + (1 + k) * g.block_time_ms
    return e if e <= INT64_MAX else INT64_MAX


def default_clock_tolerance_ms(g):
    """min(250, block_time / 2): how far ahead of this node's clock a block may be and still be due."""
    return min(250, g.block_time_ms // 2)


def check_timestamp_order(parent, ts):
    """Rule 1 (check 7): strictly after the parent."""
    return ts > parent.timestamp


def clock_verdict(ts, now_ms, tolerance_ms, max_future_ms=DEFAULT_MAX_FUTURE_MS):
    """Local rule (check 15): "ok" once ts <= now + tolerance; "hold" (FUTURE, due at ts − tolerance) up to
    max_future_ms ahead; "refuse" (FUTURE, counted as rejected) beyond."""
    if ts <= now_ms + tolerance_ms:
        return "ok"
    return "hold" if ts <= now_ms + max_future_ms else "refuse"


def check_turn(g, parent, h, k, ts):
    """Rule 2 (check 9): no sealing before one's turn, counted from the parent."""
    return ts >= earliest(g, parent, h, k)


def production_time(g, parent, h, k, now_ms):
    """(may_seal, timestamp) for a producer with turn offset k at height h = parent.height + 1: the time it
    seals at, never an earlier allowed time (no backfill after an outage)."""
    if now_ms < earliest(g, parent, h, k):
        return False, 0
    return True, max(now_ms, parent.timestamp + 1)
