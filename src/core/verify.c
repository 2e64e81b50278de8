/* Subset-sum verification (core.md §6): tier tables, the rule engine, and both API entry points. */
#include <string.h>

#include "cj_internal.h"

/* Tier table indexed by tier - 1 (tiers are 1..5 as in the original Rust/Python numbering). */
static const struct {
    const char *name;
    uint32_t min_elements, max_elements;
    coinjecture_budget budget;
} cj_tiers[5] = {
    {"Mobile", 8, 12, {UINT64_C(1) << 12, 60000, UINT64_C(268435456)}},
    {"Desktop", 12, 16, {UINT64_C(1) << 16, 300000, UINT64_C(1073741824)}},
    {"Workstation", 16, 20, {UINT64_C(1) << 20, 900000, UINT64_C(4294967296)}},
    {"Server", 20, 24, {UINT64_C(1) << 24, 1800000, UINT64_C(17179869184)}},
    {"Cluster", 24, 32, {UINT64_C(1) << 32, 3600000, UINT64_C(68719476736)}},
};

/* Tier budgets are consensus parameters; exposing them keeps callers from copying the table. */
COINJECTURE_API CoinjResult coinjecture_tier_budget(uint8_t tier, coinjecture_budget *out)
{
    if (!out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "tier_budget: out is NULL");
    if (tier < 1 || tier > 5) return cj_fail(COINJ_ERROR_INVALID_INPUT, "tier_budget: tier %u not in 1..5", tier);
    *out = cj_tiers[tier - 1].budget;
    return COINJ_OK;
}

/* Element ranges decide which problems a tier may carry. */
COINJECTURE_API CoinjResult coinjecture_tier_elements(uint8_t tier, uint32_t *out_min, uint32_t *out_max)
{
    if (!out_min || !out_max) return cj_fail(COINJ_ERROR_INVALID_INPUT, "tier_elements: NULL output");
    if (tier < 1 || tier > 5)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "tier_elements: tier %u not in 1..5", tier);
    *out_min = cj_tiers[tier - 1].min_elements;
    *out_max = cj_tiers[tier - 1].max_elements;
    return COINJ_OK;
}

/* The rule engine, in the original's order so the first failing rule (and its message) match;
 * works on borrowed arrays of any length so the 32-bit FFI path needs no copy. */
coinjecture_ss_status cj_subset_sum_check(const int64_t *elements, size_t n, uint8_t tier,
                                          int64_t target, const uint32_t *indices, size_t k,
                                          const coinjecture_budget *budget)
{
    const uint32_t lo = cj_tiers[tier - 1].min_elements, hi = cj_tiers[tier - 1].max_elements;
    if (n < lo || n > hi) {
        cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Tier constraint violation: %s tier (%u) requires %u-%u elements, got %zu",
                cj_tiers[tier - 1].name, tier, lo, hi, n);
        return COINJECTURE_SS_TIER_SIZE;
    }
    if (k > n) {
        cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Invalid proof size: %zu indices for %zu elements", k, n);
        return COINJECTURE_SS_PROOF_SIZE;
    }
    uint64_t ops = 0;
    for (size_t i = 0; i < k; i++) {
        if (++ops > budget->max_ops) {
            cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Budget exceeded: more than %llu operations",
                    (unsigned long long)budget->max_ops);
            return COINJECTURE_SS_BUDGET_OPS;
        }
        for (size_t j = 0; j < i; j++) /* k <= n <= 32: quadratic is cheapest */
            if (indices[j] == indices[i]) {
                cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Duplicate index %u in solution", indices[i]);
                return COINJECTURE_SS_DUPLICATE_INDEX;
            }
    }
    int64_t sum = 0;
    for (size_t i = 0; i < k; i++) {
        if (++ops > budget->max_ops) {
            cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Budget exceeded: more than %llu operations",
                    (unsigned long long)budget->max_ops);
            return COINJECTURE_SS_BUDGET_OPS;
        }
        if (indices[i] >= n) {
            cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Index out of bounds: %u >= %zu", indices[i], n);
            return COINJECTURE_SS_INDEX_RANGE;
        }
        int64_t e = elements[indices[i]];
        if ((e > 0 && sum > INT64_MAX - e) || (e < 0 && sum < INT64_MIN - e)) {
            cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Integer overflow in sum at index %u", indices[i]);
            return COINJECTURE_SS_OVERFLOW;
        }
        sum += e;
    }
    if (sum != target) {
        cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Subset sum invalid: indices sum to %lld, target is %lld",
                (long long)sum, (long long)target);
        return COINJECTURE_SS_WRONG_SUM;
    }
    /* Memory estimate of the original: 4 bytes per index plus 4 per distinct index (all distinct here). */
    if ((uint64_t)k * 8 > budget->max_memory_bytes) {
        cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Memory limit exceeded: %llu bytes > %llu",
                (unsigned long long)k * 8, (unsigned long long)budget->max_memory_bytes);
        return COINJECTURE_SS_BUDGET_MEMORY;
    }
    return COINJECTURE_SS_OK;
}

/* Extended entry point: full-width budget, inline arrays, reason code for callers. */
COINJECTURE_API CoinjResult coinjecture_subset_sum_verify(const coinjecture_problem *p,
                                                          const coinjecture_solution *s,
                                                          const coinjecture_budget *budget,
                                                          coinjecture_ss_status *out_status)
{
    if (!p || !s || !budget) return cj_fail(COINJ_ERROR_INVALID_INPUT, "subset_sum_verify: NULL argument");
    if (p->tier < 1 || p->tier > 5)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "subset_sum_verify: tier %u not in 1..5", p->tier);
    if (p->elements_len > COINJECTURE_MAX_ELEMENTS || s->indices_len > COINJECTURE_MAX_ELEMENTS)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "subset_sum_verify: %u elements / %u indices exceed %u",
                       p->elements_len, s->indices_len, COINJECTURE_MAX_ELEMENTS);
    coinjecture_ss_status st;
    if (p->problem_type != COINJECTURE_PROBLEM_SUBSET_SUM) {
        st = COINJECTURE_SS_NOT_IMPLEMENTED;
        cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Not implemented: problem type %u verification", p->problem_type);
    } else {
        st = cj_subset_sum_check(p->elements, p->elements_len, p->tier, p->target, s->indices, s->indices_len,
                                 budget);
    }
    if (out_status) *out_status = st;
    return st == COINJECTURE_SS_OK ? COINJ_OK : COINJ_ERROR_VERIFICATION_FAILED;
}

/* Original ABI: tiers 0..4, 32-bit budget widened, problem_type ignored; unlike the original it also
 * writes *out_valid = 0 for an invalid solution. */
COINJECTURE_API CoinjResult coinjecture_verify_subset_sum(const SubsetSumProblemFFI *problem,
                                                          const SubsetSumSolutionFFI *solution,
                                                          const VerifyBudgetFFI *budget, int32_t *out_valid)
{
    if (!problem || !solution || !budget || !out_valid)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "verify_subset_sum: NULL argument");
    if (!problem->elements || problem->elements_len == 0)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "verify_subset_sum: problem has no elements");
    if (!solution->indices)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "verify_subset_sum: solution indices pointer is NULL");
    if (problem->tier > 4)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "verify_subset_sum: tier %u not in 0..4", problem->tier);
    const coinjecture_budget b = {budget->max_ops, budget->max_duration_ms, budget->max_memory_bytes};
    coinjecture_ss_status st = cj_subset_sum_check(problem->elements, problem->elements_len,
                                                   (uint8_t)(problem->tier + 1), problem->target,
                                                   solution->indices, solution->indices_len, &b);
    *out_valid = st == COINJECTURE_SS_OK;
    return st == COINJECTURE_SS_OK ? COINJ_OK : COINJ_ERROR_VERIFICATION_FAILED;
}
