/* Subset-sum rules (core.md §6): tiers, order of checks, overflow order, budgets, both entry points. */
/* These tests pass NULL to Part II functions on purpose to check the library's refusal (coinjecture.h
 * rule 2), so the compiler's nonnull contract (rule 9) is switched off for this file. */
#define COINJECTURE_NO_ARG_NONNULL
#include <string.h>

#include "coinjecture.h"
#include "testutil.h"

/* A Mobile-tier problem (8 elements) with the given values and target. */
static coinjecture_problem mobile(const int64_t *el, uint32_t n, int64_t target)
{
    coinjecture_problem p;
    memset(&p, 0, sizeof p);
    p.problem_type = COINJECTURE_PROBLEM_SUBSET_SUM;
    p.tier = COINJECTURE_TIER_MOBILE;
    p.elements_len = n;
    memcpy(p.elements, el, n * sizeof *el);
    p.target = target;
    return p;
}

static coinjecture_solution sol(const uint32_t *idx, uint32_t k)
{
    coinjecture_solution s;
    memset(&s, 0, sizeof s);
    s.indices_len = k;
    if (k) memcpy(s.indices, idx, k * sizeof *idx);
    return s;
}

/* Runs the extended verifier and returns its status (asserting the code agrees). */
static coinjecture_ss_status run(const coinjecture_problem *p, const coinjecture_solution *s, const coinjecture_budget *b)
{
    coinjecture_ss_status st = (coinjecture_ss_status)99;
    CoinjResult rc = coinjecture_subset_sum_verify(p, s, b, &st);
    assert_int_equal(rc, st == COINJECTURE_SS_OK ? COINJ_OK : COINJ_ERROR_VERIFICATION_FAILED);
    return st;
}

static void test_statuses(void **state)
{
    const int64_t el[8] = {INT64_MAX, 1, -1, 4, 5, 6, 7, 8};
    coinjecture_budget b;
    assert_int_equal(coinjecture_tier_budget(COINJECTURE_TIER_MOBILE, &b), COINJ_OK);
    assert_int_equal(b.max_ops, 4096);
    coinjecture_problem p = mobile(el, 8, INT64_MAX);
    /* [MAX, 1, -1]: order 0,1,2 overflows, 0,2,1 passes. */
    coinjecture_solution s = sol((const uint32_t[]){0, 1, 2}, 3);
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_OVERFLOW);
    s = sol((const uint32_t[]){0, 2, 1}, 3);
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_OK);
    s = sol((const uint32_t[]){3, 3}, 2);
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_DUPLICATE_INDEX);
    /* Duplicates are found before out-of-range indices (pass 1 vs pass 2). */
    s = sol((const uint32_t[]){100, 3, 3}, 3);
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_DUPLICATE_INDEX);
    s = sol((const uint32_t[]){3, 8}, 2);
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_INDEX_RANGE);
    s = sol((const uint32_t[]){3, 4}, 2);
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_WRONG_SUM);
    p.target = 9;
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_OK);
    /* ops = 2k: k = 2 needs max_ops >= 4. */
    b.max_ops = 3;
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_BUDGET_OPS);
    b.max_ops = 4;
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_OK);
    /* memory = 8k, checked only after the sum matched. */
    b.max_memory_bytes = 15;
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_BUDGET_MEMORY);
    p.target = 10;
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_WRONG_SUM);
    b.max_memory_bytes = 16;
    p.target = 9;
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_OK);
    /* Empty solution with target 0 is valid. */
    p.target = 0;
    s = sol(NULL, 0);
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_OK);
    /* Tier sizes: 7 elements is too few for Mobile, 13 too many. */
    p.elements_len = 7;
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_TIER_SIZE);
    p.elements_len = 13;
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_TIER_SIZE);
    p.elements_len = 8;
    s = sol((const uint32_t[]){0, 1, 2, 3, 4, 5, 6, 7, 0}, 9);
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_PROOF_SIZE);
    p.problem_type = COINJECTURE_PROBLEM_SAT;
    assert_int_equal(run(&p, &s, &b), COINJECTURE_SS_NOT_IMPLEMENTED);
}

static void test_tiers(void **state)
{
    uint32_t lo, hi;
    const uint32_t want[5][2] = {{8, 12}, {12, 16}, {16, 20}, {20, 24}, {24, 32}};
    for (uint8_t t = 1; t <= 5; t++) {
        assert_int_equal(coinjecture_tier_elements(t, &lo, &hi), COINJ_OK);
        assert_int_equal(lo, want[t - 1][0]);
        assert_int_equal(hi, want[t - 1][1]);
    }
    coinjecture_budget b;
    assert_int_equal(coinjecture_tier_budget(5, &b), COINJ_OK);
    assert_true(b.max_ops == UINT64_C(4294967296));
    assert_true(b.max_memory_bytes == UINT64_C(68719476736));
    assert_int_equal(coinjecture_tier_budget(0, &b), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tier_budget(6, &b), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tier_budget(1, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tier_elements(0, &lo, &hi), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tier_elements(1, NULL, &hi), COINJ_ERROR_INVALID_INPUT);
}

static void test_bad_args(void **state)
{
    const int64_t el[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    coinjecture_problem p = mobile(el, 8, 3);
    coinjecture_solution s = sol((const uint32_t[]){0, 1}, 2);
    coinjecture_budget b;
    assert_int_equal(coinjecture_tier_budget(1, &b), COINJ_OK);
    coinjecture_ss_status st = (coinjecture_ss_status)42;
    assert_int_equal(coinjecture_subset_sum_verify(NULL, &s, &b, &st), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_subset_sum_verify(&p, NULL, &b, &st), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_subset_sum_verify(&p, &s, NULL, &st), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal((int)st, 42);
    assert_int_equal(coinjecture_subset_sum_verify(&p, &s, &b, NULL), COINJ_OK); /* status optional */
    p.tier = 0;
    assert_int_equal(coinjecture_subset_sum_verify(&p, &s, &b, &st), COINJ_ERROR_INVALID_INPUT);
    p.tier = 6;
    assert_int_equal(coinjecture_subset_sum_verify(&p, &s, &b, &st), COINJ_ERROR_INVALID_INPUT);
    p.tier = 1;
    p.elements_len = 33;
    assert_int_equal(coinjecture_subset_sum_verify(&p, &s, &b, &st), COINJ_ERROR_INVALID_INPUT);
    p.elements_len = 8;
    s.indices_len = UINT32_MAX;
    assert_int_equal(coinjecture_subset_sum_verify(&p, &s, &b, &st), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal((int)st, 42);
}

/* The FFI numbering (tier 0 = Mobile) reaches the same verdicts as the extended API. */
static void test_ffi_agrees(void **state)
{
    uint64_t rng = 12345;
    for (int iter = 0; iter < 2000; iter++) {
        int64_t el[12];
        uint32_t n = 8 + (uint32_t)(tu_rand_u64(&rng) % 5), k = (uint32_t)(tu_rand_u64(&rng) % 6);
        for (uint32_t i = 0; i < n; i++) el[i] = (int64_t)(tu_rand_u64(&rng) % 21) - 10;
        uint32_t idx[6];
        for (uint32_t i = 0; i < k; i++) idx[i] = (uint32_t)(tu_rand_u64(&rng) % (n + 1));
        int64_t target = (int64_t)(tu_rand_u64(&rng) % 21) - 10;
        coinjecture_problem p = mobile(el, n, target);
        coinjecture_solution s = sol(idx, k);
        coinjecture_budget b;
        assert_int_equal(coinjecture_tier_budget(1, &b), COINJ_OK);
        coinjecture_ss_status st;
        CoinjResult ext = coinjecture_subset_sum_verify(&p, &s, &b, &st);
        SubsetSumProblemFFI fp = {0, 0, el, n, target, 0};
        SubsetSumSolutionFFI fs = {idx, k, 0};
        VerifyBudgetFFI fb = {4096, 60000, 268435456};
        int32_t valid = -1;
        CoinjResult ffi = coinjecture_verify_subset_sum(&fp, &fs, &fb, &valid);
        assert_int_equal(ext, ffi);
        assert_int_equal(valid, ext == COINJ_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_tiers),
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_ffi_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
