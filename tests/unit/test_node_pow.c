/* Subset-sum proof of work: derivation vectors (computed independently in Python from the rule in
 * pow.h), solver, search and check. */
#include <string.h>

#include "pow.h"
#include "testutil.h"

typedef struct {
    uint8_t salt_byte; /* epoch salt = 32 x this byte; 0 means "epoch salt of zero parent, height 1" */
    uint64_t nonce;
    uint32_t n;
    int64_t elements[16];
    int64_t target;
    uint32_t k;
    uint32_t indices[16];
} pow_vector;

static const pow_vector VECTORS[] = {
    {0x42,
     0,
     13,
     {148, 712, 755, 141, 287, 1019, 248, 483, 928, 759, 1006, 38, 1020},
     4512,
     8,
     {0, 1, 2, 3, 5, 6, 7, 10}},
    {0x42,
     1,
     15,
     {264, 552, 170, 236, 574, 866, 899, 686, 535, 550, 396, 284, 943, 966, 398},
     4499,
     8,
     {1, 2, 3, 7, 9, 10, 12, 13}},
    {0x42, 7, 12, {263, 323, 324, 199, 420, 459, 97, 365, 725, 353, 472, 256}, 2288, 6, {0, 2, 4, 5, 6, 8}},
    {0x42, UINT64_MAX, 12, {936, 831, 478, 406, 307, 180, 822, 332, 947, 880, 581, 637}, 2964, 5, {0, 2, 7, 10, 11}},
    {0, 0, 13, {1002, 993, 805, 200, 805, 690, 949, 525, 747, 398, 651, 291, 98}, 3734, 5, {0, 1, 5, 9, 10}},
    {0,
     7,
     15,
     {148, 166, 845, 104, 840, 203, 726, 6, 541, 384, 580, 1013, 501, 479, 320},
     4231,
     9,
     {1, 3, 4, 5, 8, 9, 11, 12, 13}},
};

/* The epoch salt a vector uses. */
static void vector_salt(const pow_vector *v, uint8_t es[32])
{
    if (v->salt_byte) {
        memset(es, v->salt_byte, 32);
    } else {
        uint8_t zero[32] = {0};
        assert_int_equal(coinjecture_epoch_salt(zero, 1, es), COINJ_OK);
        tu_assert_hash(es, "19ea44be89eece0fd4ec7482049f472a11af19384bffb38a88e77b3b1dd54c19");
    }
}

static void test_derive_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof VECTORS / sizeof VECTORS[0]; i++) {
        const pow_vector *v = &VECTORS[i];
        uint8_t es[32];
        vector_salt(v, es);
        coinjecture_problem p;
        memset(&p, 0xee, sizeof p);
        cj_pow_derive(es, v->nonce, &p);
        assert_int_equal(p.problem_type, COINJECTURE_PROBLEM_SUBSET_SUM);
        assert_int_equal(p.tier, COINJECTURE_TIER_DESKTOP);
        assert_int_equal(p.elements_len, v->n);
        for (uint32_t j = 0; j < v->n; j++) assert_int_equal(p.elements[j], v->elements[j]);
        assert_int_equal(p.target, v->target);
        assert_int_equal(p.timestamp, 0);
        /* deterministic: same again */
        coinjecture_problem q;
        cj_pow_derive(es, v->nonce, &q);
        assert_memory_equal(&p, &q, sizeof p);
    }
}

static void test_solve_vectors(void **state)
{
    (void)state;
    coinjecture_budget budget;
    assert_int_equal(coinjecture_tier_budget(COINJECTURE_TIER_DESKTOP, &budget), COINJ_OK);
    for (size_t i = 0; i < sizeof VECTORS / sizeof VECTORS[0]; i++) {
        const pow_vector *v = &VECTORS[i];
        uint8_t es[32];
        vector_salt(v, es);
        coinjecture_problem p;
        coinjecture_solution s;
        cj_pow_derive(es, v->nonce, &p);
        assert_int_equal(cj_pow_solve(&p, &s), 1);
        assert_int_equal(s.indices_len, v->k);
        for (uint32_t j = 0; j < v->k; j++) assert_int_equal(s.indices[j], v->indices[j]);
        assert_int_equal(s.timestamp, 0);
        coinjecture_ss_status st = COINJECTURE_SS_WRONG_SUM;
        assert_int_equal(coinjecture_subset_sum_verify(&p, &s, &budget, &st), COINJ_OK);
        assert_int_equal(st, COINJECTURE_SS_OK);
    }
}

static void test_solve_edge_cases(void **state)
{
    (void)state;
    coinjecture_problem p;
    coinjecture_solution s;
    memset(&p, 0, sizeof p);
    p.problem_type = COINJECTURE_PROBLEM_SUBSET_SUM;
    p.tier = COINJECTURE_TIER_DESKTOP;
    /* no elements, too many, wrong type */
    assert_int_equal(cj_pow_solve(&p, &s), -1);
    p.elements_len = 21;
    assert_int_equal(cj_pow_solve(&p, &s), -1);
    p.elements_len = 12;
    p.problem_type = COINJECTURE_PROBLEM_SAT;
    assert_int_equal(cj_pow_solve(&p, &s), -1);
    /* all-even elements, odd target: no solution, output zeroed */
    p.problem_type = COINJECTURE_PROBLEM_SUBSET_SUM;
    for (int i = 0; i < 12; i++) p.elements[i] = 2 * (i + 1);
    p.target = 7;
    memset(&s, 0xaa, sizeof s);
    assert_int_equal(cj_pow_solve(&p, &s), 0);
    assert_int_equal(s.indices_len, 0);
    /* a target equal to the total takes every index */
    p.target = 0;
    for (int i = 0; i < 12; i++) p.target += p.elements[i];
    assert_int_equal(cj_pow_solve(&p, &s), 1);
    assert_int_equal(s.indices_len, 12);
}

static void test_search_and_check(void **state)
{
    (void)state;
    uint8_t es[32];
    memset(es, 0x42, 32);
    coinjecture_reveal r;
    memset(&r, 0, sizeof r);
    assert_int_equal(cj_pow_search(es, 0, 0, &r), 0); /* no tries allowed */
    assert_int_equal(cj_pow_search(es, 5, CJ_POW_MAX_TRIES, &r), 1);
    assert_true(r.nonce >= 5);
    char err[256];
    assert_int_equal(cj_pow_check(es, &r, err, sizeof err), 0);

    coinjecture_reveal bad = r;
    bad.problem.elements[0] += 1; /* not the derived problem */
    assert_int_equal(cj_pow_check(es, &bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "derived"));
    bad = r;
    bad.problem.target += 1;
    assert_int_equal(cj_pow_check(es, &bad, err, sizeof err), -1);
    bad = r;
    bad.nonce += 1; /* problem belongs to another nonce */
    assert_int_equal(cj_pow_check(es, &bad, err, sizeof err), -1);
    bad = r;
    bad.solution.timestamp = 1;
    assert_int_equal(cj_pow_check(es, &bad, err, sizeof err), -1);
    bad = r;
    bad.solution.indices_len = 0; /* empty subset sums to 0 != target */
    assert_int_equal(cj_pow_check(es, &bad, err, sizeof err), -1);
    bad = r;
    bad.solution.indices[0] = bad.solution.indices[1]; /* duplicate index */
    assert_int_equal(cj_pow_check(es, &bad, NULL, 0), -1);
    uint8_t other[32];
    memset(other, 0x43, 32); /* another epoch */
    assert_int_equal(cj_pow_check(other, &r, err, sizeof err), -1);
}

static void test_most_nonces_solvable(void **state)
{
    (void)state;
    uint8_t es[32];
    memset(es, 0x42, 32);
    int ok = 0;
    for (uint64_t nonce = 1000; nonce < 1300; nonce++) {
        coinjecture_problem p;
        coinjecture_solution s;
        cj_pow_derive(es, nonce, &p);
        assert_true(p.elements_len >= 12 && p.elements_len <= 16);
        for (uint32_t i = 0; i < p.elements_len; i++) assert_true(p.elements[i] >= 1 && p.elements[i] <= 1024);
        ok += cj_pow_solve(&p, &s) == 1;
    }
    assert_int_equal(ok, 282); /* the Python reference finds 282 of these 300 solvable */
}

static void test_null_arguments(void **state)
{
    (void)state;
    uint8_t es[32] = {0};
    coinjecture_problem p;
    coinjecture_solution sol;
    coinjecture_reveal r;
    memset(&p, 0xee, sizeof p);
    cj_pow_derive(NULL, 0, &p);
    assert_int_equal(p.elements_len, 0);
    cj_pow_derive(es, 0, NULL); /* no-op */
    assert_int_equal(cj_pow_solve(NULL, &sol), -1);
    assert_int_equal(sol.indices_len, 0);
    cj_pow_derive(es, 0, &p);
    assert_int_equal(cj_pow_solve(&p, NULL), -1);
    assert_int_equal(cj_pow_search(NULL, 0, 10, &r), 0);
    assert_int_equal(cj_pow_search(es, 0, 10, NULL), 0);
    char err[64] = "";
    assert_int_equal(cj_pow_check(NULL, &r, err, sizeof err), -1);
    assert_string_equal(err, "NULL argument");
    assert_int_equal(cj_pow_check(es, NULL, NULL, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derive_vectors),     cmocka_unit_test(test_solve_vectors),
        cmocka_unit_test(test_solve_edge_cases),   cmocka_unit_test(test_search_and_check),
        cmocka_unit_test(test_most_nonces_solvable), cmocka_unit_test(test_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
