/* Fork choice: greatest cumulative weight, then the lower hash (docs/CHAIN.md "Fork choice"). */
#include "chain_impl.h"

/* Fork choice: greater cumulative weight, then the lower hash. */
int cj_fork_choice_better(const cj_chain *c, uint64_t weight, const uint8_t hash[32])
{
    if (weight != c->tip.cum_weight) return weight > c->tip.cum_weight;
    return memcmp(hash, c->tip.hash, 32) < 0;
}
