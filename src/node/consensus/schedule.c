/* The proposer schedule (chain rules 2, docs/CHAIN.md "Proposers"): turn offsets and the earliest seal time
 * of each validator, counted from the parent block's timestamp, so time passes between blocks whatever
 * happened before (no absolute slots, no backfill after an outage). Integer-only. */
#include "chain_impl.h"

/* ------------------------------------------------------------------------------------------------ */
/* schedule                                                                                          */

/* Position of validator i of an n-validator set after the in-turn one for height h: 0 in turn, 1..n-1 out
 * of turn. */
uint64_t cj_schedule_turn_offset(size_t n, uint64_t h, size_t i)
{
    return ((uint64_t)i + n - h % n) % n;
}

/* The rule itself: parent_ts + (1 + k) * block_time_ms with k the turn offset of validator i of an
 * n-validator set at height h; INT64_MAX when i is not in the set or the sum does not fit. */
int64_t cj_chain_schedule_earliest(int64_t parent_ts, uint64_t block_time_ms, size_t n, uint64_t h, size_t i)
{
    if (n == 0 || i >= n || parent_ts < 0 || block_time_ms == 0) return INT64_MAX;
    uint64_t steps = 1 + cj_schedule_turn_offset(n, h, i);
    if (steps > (uint64_t)INT64_MAX / block_time_ms) return INT64_MAX;
    uint64_t delay = steps * block_time_ms;
    if (delay > (uint64_t)(INT64_MAX - parent_ts)) return INT64_MAX;
    return parent_ts + (int64_t)delay;
}

/* Earliest seal time of validator i of the set in force at tip+1, on the current tip (h must be tip+1). */
int64_t cj_chain_earliest_ms(const cj_chain *c, uint64_t h, size_t i)
{
    if (!c || h != c->tip.height + 1) return INT64_MAX;
    return cj_chain_schedule_earliest(c->tip.timestamp, c->block_time_ms, c->vs.n, h, i);
}

/* Turn offset of validator i of the set at tip+1 (0 in turn), or UINT64_MAX if i is out of range. */
uint64_t cj_chain_turn_offset(const cj_chain *c, size_t i)
{
    if (!c || i >= c->vs.n) return UINT64_MAX;
    return cj_schedule_turn_offset(c->vs.n, c->tip.height + 1, i);
}

/* When this node may produce on the current tip. */
int64_t cj_chain_next_production_ms(const cj_chain *c)
{
    if (!c || !c->sk || c->my_index < 0) return INT64_MAX;
    return cj_chain_earliest_ms(c, c->tip.height + 1, (size_t)c->my_index);
}
