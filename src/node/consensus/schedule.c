/* The proposer schedule: slots, turn offsets and the earliest seal time of each validator
 * (docs/CHAIN.md "Proposers"). */
#include "chain_impl.h"

/* ------------------------------------------------------------------------------------------------ */
/* schedule                                                                                          */

/* slot(h) = genesis_time * 1000 + h * block_time_ms, saturating at INT64_MAX. */
int64_t cj_chain_slot_ms(const cj_chain *c, uint64_t h)
{
    if (!c) return INT64_MAX;
    uint64_t room = (uint64_t)(INT64_MAX - c->genesis_ms);
    if (h > room / c->block_time_ms) return INT64_MAX;
    return c->genesis_ms + (int64_t)(h * c->block_time_ms);
}

/* Position of validator i of an n-validator set after the in-turn one for height h: 0 in turn, 1..n-1 out
 * of turn. */
uint64_t cj_schedule_turn_offset(size_t n, uint64_t h, size_t i)
{
    return ((uint64_t)i + n - h % n) % n;
}

/* Earliest seal time of validator i of an n-validator set at height h: slot(h) + k * block_time. */
int64_t cj_schedule_earliest_in(const cj_chain *c, size_t n, uint64_t h, size_t i)
{
    if (i >= n) return INT64_MAX;
    int64_t slot = cj_chain_slot_ms(c, h);
    uint64_t delay = cj_schedule_turn_offset(n, h, i) * c->block_time_ms;
    if (slot == INT64_MAX || delay > (uint64_t)(INT64_MAX - slot)) return INT64_MAX;
    return slot + (int64_t)delay;
}

/* Earliest seal time of validator i of the set in force at tip+1. */
int64_t cj_chain_earliest_ms(const cj_chain *c, uint64_t h, size_t i)
{
    if (!c) return INT64_MAX;
    return cj_schedule_earliest_in(c, c->vs.n, h, i);
}

/* When this node may produce on the current tip. */
int64_t cj_chain_next_production_ms(const cj_chain *c)
{
    if (!c || !c->sk || c->my_index < 0) return INT64_MAX;
    int64_t e = cj_chain_earliest_ms(c, c->tip.height + 1, (size_t)c->my_index);
    int64_t after_parent = c->tip.timestamp == INT64_MAX ? INT64_MAX : c->tip.timestamp + 1;
    return e > after_parent ? e : after_parent;
}
