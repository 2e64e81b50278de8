"""Proposer schedule, weight and timestamp rules (docs/CHAIN.md §3). Every rule that depends on time lives
here, so a change of the schedule (e.g. slots derived from the parent's timestamp) touches only this file.

`parent` is the parent block's metadata (fields height, timestamp), `g` the Genesis."""
INT64_MAX = (1 << 63) - 1
DEFAULT_MAX_FUTURE_MS = 15000


def slot(g, h):
    return min(g.genesis_time * 1000 + h * g.block_time_ms, INT64_MAX)


def turn_offset(index, h, n):
    """k = (i − h mod N) mod N; 0 = in turn."""
    return (index - h % n) % n


def weight(k):
    return 2 if k == 0 else 1


def earliest(g, parent, h, k):
    """Earliest timestamp (ms) at which the validator with turn offset k may seal height h on parent."""
    return min(slot(g, h) + k * g.block_time_ms, INT64_MAX)


def check_timestamp_order(parent, ts):
    """Rule 1 (check 7): strictly after the parent."""
    return ts > parent.timestamp


def check_not_future(ts, now_ms, max_future_ms=DEFAULT_MAX_FUTURE_MS):
    """Rule 3 (check 8): not beyond the local clock plus tolerance (not yet acceptable, not invalid)."""
    return ts <= now_ms + max_future_ms


def check_turn(g, parent, h, k, ts):
    """Rule 2 (check 10): no sealing before one's turn."""
    return ts >= earliest(g, parent, h, k)


def production_time(g, parent, h, k, now_ms):
    """(may_seal, timestamp) for a producer with turn offset k at height h = parent.height + 1."""
    if now_ms < earliest(g, parent, h, k):
        return False, 0
    return True, max(now_ms, parent.timestamp + 1)
