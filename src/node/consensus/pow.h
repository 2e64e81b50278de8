/* Proof of useful work: the subset-sum problem every block carries (docs/CHAIN.md "Proof of work").
 *
 * Derivation from (epoch_salt, nonce), Desktop tier:
 *   seed   = SHA-256(epoch_salt || le64 nonce)
 *   w[i]   = i-th little-endian u32 of SHA-256(seed || le32 0) || SHA-256(seed || le32 1) || SHA-256(seed || le32 2)
 *   n      = 12 + w[0] mod 5                         (12..16, the Desktop range)
 *   e[i]   = 1 + (w[1 + i] & 1023)                   (i < n)
 *   S      = sum of e;  target = 3*S/8 + w[17] mod (S/4 + 1)
 *   problem = {SubsetSum, Desktop, e[0..n), target, timestamp 0}
 * A reveal is valid when reveal.problem equals that problem exactly, reveal.solution.timestamp == 0, and
 * coinjecture_subset_sum_verify accepts the solution under coinjecture_tier_budget(Desktop). The solver
 * takes the first subset in Gray-code order (indices ascending); most nonces have a solution. */
#ifndef CJ_NODE_POW_H
#define CJ_NODE_POW_H

#include <stddef.h>
#include <stdint.h>

#include "coinjecture.h"

#define CJ_POW_TIER COINJECTURE_TIER_DESKTOP
#define CJ_POW_MAX_TRIES 4096u /* nonces the producer tries before giving up (never reached in practice) */

/* Derives the problem for (epoch_salt, nonce) (a NULL epoch_salt zeroes out). */
void cj_pow_derive(const uint8_t epoch_salt[32], uint64_t nonce, coinjecture_problem *out);

/* Exhaustive search (at most 2^16 subsets): writes the first non-empty subset in Gray-code order whose
 * sum equals the target, indices ascending, timestamp 0. Returns 1 if found, 0 if none (out zeroed),
 * -1 if the problem is not a SubsetSum problem of 1..20 elements or an argument is NULL. */
int cj_pow_solve(const coinjecture_problem *p, coinjecture_solution *out);

/* Tries nonces start, start+1, ... (at most max_tries) until a derived problem has a solution; fills
 * reveal->problem, ->solution, ->nonce (miner_salt untouched). Returns 1 if found, else 0. */
int cj_pow_search(const uint8_t epoch_salt[32], uint64_t start, uint32_t max_tries, coinjecture_reveal *reveal);

/* Checks a reveal against the epoch salt (problem re-derived from reveal->nonce, solution verified under
 * the Desktop budget). Returns 0 if valid, -1 with a reason in err. */
int cj_pow_check(const uint8_t epoch_salt[32], const coinjecture_reveal *reveal, char *err, size_t errlen);

#endif /* CJ_NODE_POW_H */
