/* Parallel signature checks: the answer (first failing index) equals the sequential one for every
 * thread count, the need mask is honoured, edge cases (empty, NULL). */
#include "node_testutil.h"
#include "sigverify.h"

enum { N = 300 };

/* N signed transfers from 3 keys; the ones listed in bad[] get a corrupted signature. */
static coinjecture_tx *make_txs(const size_t *bad, size_t nbad)
{
    nt_key k[3];
    for (int i = 0; i < 3; i++) nt_key_make(&k[i], (uint8_t)(40 + i));
    coinjecture_tx *t = calloc(N, sizeof *t);
    assert_non_null(t);
    for (size_t i = 0; i < N; i++) t[i] = nt_tx(&k[i % 3], k[(i + 1) % 3].pk, 1 + i, i / 3, 1);
    for (size_t i = 0; i < nbad; i++) t[bad[i]].signature[5] ^= 0x40;
    return t;
}

static void test_all_valid(void **state)
{
    (void)state;
    coinjecture_tx *t = make_txs(NULL, 0);
    for (unsigned th = 0; th <= 4; th++) assert_int_equal(cj_sigverify_first_bad(t, N, NULL, th), N);
    assert_int_equal(cj_sigverify_first_bad(t, 10, NULL, 4), 10); /* below the parallel threshold */
    free(t);
}

static void test_first_bad_is_lowest(void **state)
{
    (void)state;
    const size_t bad[] = {257, 31, 200}; /* the lowest failing index wins, whichever thread sees it */
    coinjecture_tx *t = make_txs(bad, 3);
    for (unsigned th = 0; th <= CJ_SIGVERIFY_MAX_THREADS + 2; th++)
        assert_int_equal(cj_sigverify_first_bad(t, N, NULL, th), 31);
    /* the mask: txs already verified elsewhere are not checked */
    uint8_t need[N];
    memset(need, 1, sizeof need);
    need[31] = 0;
    assert_int_equal(cj_sigverify_first_bad(t, N, need, 2), 200);
    need[200] = need[257] = 0;
    assert_int_equal(cj_sigverify_first_bad(t, N, need, 2), N);
    assert_int_equal(cj_sigverify_first_bad(t, N, need, 1), N);
    memset(need, 0, sizeof need);
    assert_int_equal(cj_sigverify_first_bad(t, N, need, 0), N);
    need[299] = 1;
    t[299].signature[0] ^= 1;
    assert_int_equal(cj_sigverify_first_bad(t, N, need, 3), 299);
    free(t);
}

static void test_edges(void **state)
{
    (void)state;
    assert_int_equal(cj_sigverify_first_bad(NULL, 0, NULL, 0), 0);
    assert_int_equal(cj_sigverify_first_bad(NULL, 5, NULL, 0), (size_t)-1);
    coinjecture_tx *t = make_txs(NULL, 0);
    t[0].amount += 1; /* changed after signing: fails */
    t[1].data_len = COINJECTURE_MAX_TX_DATA + 1; /* cannot be encoded: counts as a failure */
    t[1].data = NULL;
    assert_int_equal(cj_sigverify_first_bad(t, N, NULL, 2), 0);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_valid),
        cmocka_unit_test(test_first_bad_is_lowest),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
