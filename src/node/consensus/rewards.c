/* Block reward schedule and fee split (rules in rewards.h). */
#include "rewards.h"

/* Halving schedule with a floor, as the original tokenomics but evaluated by every node. */
uint64_t cj_rewards_block(uint64_t height)
{
    if (height == 0) return 0;
    uint64_t halvings = height / CJ_REWARD_HALVING_INTERVAL;
    uint64_t r = halvings >= 64 ? 0 : CJ_REWARD_INITIAL >> halvings;
    return r < CJ_REWARD_FLOOR ? CJ_REWARD_FLOOR : r;
}

/* floor(v * bps / 10000) without a 128-bit intermediate. */
static uint64_t bps_of(uint64_t v, uint32_t bps)
{
    return (v / 10000u) * bps + (v % 10000u) * bps / 10000u;
}

/* Treasury and burn get equal floors; the proposer gets the rest, so no unit is lost or created. */
void cj_rewards_split(uint64_t fees, cj_fee_split *out)
{
    out->treasury = bps_of(fees, CJ_FEE_TREASURY_BPS);
    out->burn = bps_of(fees, CJ_FEE_BURN_BPS);
    out->proposer = fees - out->treasury - out->burn;
}
