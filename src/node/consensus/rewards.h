/* Block reward and fee split, applied by every node during block application (docs/CHAIN.md "Rewards").
 * Integer math only. Amounts are base units (1 BEANS = 10^9). */
#ifndef CJ_NODE_REWARDS_H
#define CJ_NODE_REWARDS_H

#include <stdint.h>

#define CJ_REWARD_INITIAL 3125000000ull /* block reward at heights 1 .. CJ_REWARD_HALVING_INTERVAL - 1 */
#define CJ_REWARD_HALVING_INTERVAL 1051200ull
#define CJ_REWARD_FLOOR 100000000ull   /* the reward never drops below this */
#define CJ_FEE_TREASURY_BPS 2929u        /* basis points of the block's fees to the treasury */
#define CJ_FEE_BURN_BPS 2929u            /* basis points burned (destroyed, credited to nobody) */

/* Reward minted for the block at height h (0 for genesis): INITIAL >> (h / INTERVAL), at least FLOOR. */
uint64_t cj_rewards_block(uint64_t height);

typedef struct {
    uint64_t proposer; /* fees - treasury - burn (gets the rounding dust) */
    uint64_t treasury; /* floor(fees * 2929 / 10000) */
    uint64_t burn;     /* floor(fees * 2929 / 10000) */
} cj_fee_split;

/* Splits a block's total fees; proposer + treasury + burn == fees exactly. */
void cj_rewards_split(uint64_t fees, cj_fee_split *out);

#endif /* CJ_NODE_REWARDS_H */
