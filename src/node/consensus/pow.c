/* Subset-sum proof of useful work: derivation, solver and check (rules in pow.h / docs/CHAIN.md). */
#include "pow.h"

#include <stdio.h>
#include <string.h>

/* Little-endian u32 load used to read the derivation words. */
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Expands (epoch_salt, nonce) into the problem; every node must get the same bytes, so integer-only. */
void cj_pow_derive(const uint8_t epoch_salt[32], uint64_t nonce, coinjecture_problem *out)
{
    if (!out) return;
    if (!epoch_salt) {
        memset(out, 0, sizeof *out);
        return;
    }
    uint8_t seedin[40], seed[32], blk[36], stream[96];
    memcpy(seedin, epoch_salt, 32);
    for (int i = 0; i < 8; i++) seedin[32 + i] = (uint8_t)(nonce >> (8 * i));
    (void)coinjecture_sha256(seedin, sizeof seedin, seed);
    memcpy(blk, seed, 32);
    for (uint32_t j = 0; j < 3; j++) {
        blk[32] = (uint8_t)j;
        blk[33] = blk[34] = blk[35] = 0;
        (void)coinjecture_sha256(blk, sizeof blk, stream + 32 * j);
    }
    uint32_t w[24];
    for (int i = 0; i < 24; i++) w[i] = le32(stream + 4 * i);

    memset(out, 0, sizeof *out);
    out->problem_type = COINJECTURE_PROBLEM_SUBSET_SUM;
    out->tier = CJ_POW_TIER;
    out->elements_len = 12 + w[0] % 5;
    int64_t sum = 0;
    for (uint32_t i = 0; i < out->elements_len; i++) {
        out->elements[i] = 1 + (int64_t)(w[1 + i] & 1023u);
        sum += out->elements[i];
    }
    out->target = sum * 3 / 8 + (int64_t)(w[17] % (uint32_t)(sum / 4 + 1));
    out->timestamp = 0;
}

/* Gray-code walk over all subsets: one add or subtract per step, first hit wins (deterministic). */
int cj_pow_solve(const coinjecture_problem *p, coinjecture_solution *out)
{
    if (!out) return -1;
    memset(out, 0, sizeof *out);
    if (!p || p->problem_type != COINJECTURE_PROBLEM_SUBSET_SUM || p->elements_len == 0 || p->elements_len > 20)
        return -1;
    uint32_t n = p->elements_len;
    int64_t sum = 0; /* elements are small for derived problems; |sum| stays far from overflow */
    uint32_t gray = 0;
    for (uint32_t i = 1; i < (1u << n); i++) {
        uint32_t bit = (uint32_t)__builtin_ctz(i);
        gray ^= 1u << bit;
        if (gray & (1u << bit))
            sum += p->elements[bit];
        else
            sum -= p->elements[bit];
        if (sum == p->target) {
            for (uint32_t b = 0; b < n; b++)
                if (gray & (1u << b)) out->indices[out->indices_len++] = b;
            return 1;
        }
    }
    return 0;
}

/* Producer side: derive and solve until a nonce works. */
int cj_pow_search(const uint8_t epoch_salt[32], uint64_t start, uint32_t max_tries, coinjecture_reveal *reveal)
{
    if (!epoch_salt || !reveal) return 0;
    for (uint32_t t = 0; t < max_tries; t++) {
        uint64_t nonce = start + t;
        cj_pow_derive(epoch_salt, nonce, &reveal->problem);
        if (cj_pow_solve(&reveal->problem, &reveal->solution) == 1) {
            reveal->nonce = nonce;
            return 1;
        }
    }
    return 0;
}

/* Field-by-field equality of two problems (the struct may hold garbage past elements_len). */
static int problem_equal(const coinjecture_problem *a, const coinjecture_problem *b)
{
    if (a->problem_type != b->problem_type || a->tier != b->tier || a->elements_len != b->elements_len ||
        a->target != b->target || a->timestamp != b->timestamp || a->elements_len > COINJECTURE_MAX_ELEMENTS)
        return 0;
    for (uint32_t i = 0; i < a->elements_len; i++)
        if (a->elements[i] != b->elements[i]) return 0;
    return 1;
}

/* Validator side: the problem must be the derived one and the solution must verify under the budget. */
int cj_pow_check(const uint8_t epoch_salt[32], const coinjecture_reveal *reveal, char *err, size_t errlen)
{
    if (!epoch_salt || !reveal) {
        if (err) snprintf(err, errlen, "NULL argument");
        return -1;
    }
    coinjecture_problem want;
    cj_pow_derive(epoch_salt, reveal->nonce, &want);
    if (!problem_equal(&want, &reveal->problem)) {
        if (err) snprintf(err, errlen, "reveal problem is not the one derived from the epoch salt and nonce %llu",
                          (unsigned long long)reveal->nonce);
        return -1;
    }
    if (reveal->solution.timestamp != 0) {
        if (err) snprintf(err, errlen, "reveal solution timestamp must be 0");
        return -1;
    }
    coinjecture_budget budget;
    coinjecture_ss_status st = COINJECTURE_SS_OK;
    if (coinjecture_tier_budget(CJ_POW_TIER, &budget) != COINJ_OK ||
        coinjecture_subset_sum_verify(&reveal->problem, &reveal->solution, &budget, &st) != COINJ_OK) {
        if (err) snprintf(err, errlen, "subset-sum solution rejected (rule %d): %s", (int)st,
                          coinjecture_last_error_message());
        return -1;
    }
    return 0;
}
