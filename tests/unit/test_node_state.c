/* State root: definition vectors (roots computed by an independent Python implementation of the rule in
 * state.h), order independence, incremental == from scratch, deletion, proofs. */
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "testutil.h"

/* pk_i = SHA-256("acct" || le32 i), balance i*1000+1, nonce i%5: the accounts of the Python vectors. */
static void acct(uint32_t i, uint8_t pk[32], coinjecture_account *a)
{
    uint8_t in[8] = {'a', 'c', 'c', 't', (uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16), (uint8_t)(i >> 24)};
    assert_int_equal(coinjecture_sha256(in, sizeof in, pk), COINJ_OK);
    a->balance = (uint64_t)i * 1000 + 1;
    a->nonce = i % 5;
}

static void test_empty_and_single(void **state)
{
    (void)state;
    cj_state *s = cj_state_new();
    assert_non_null(s);
    uint8_t root[32], zero[32] = {0};
    cj_state_root(s, root);
    assert_memory_equal(root, zero, 32);
    assert_int_equal(cj_state_count(s), 0);

    uint8_t pk[32];
    coinjecture_account a, got;
    acct(0, pk, &a);
    assert_int_equal(cj_state_get(s, pk, &got), 0);
    assert_int_equal(got.balance, 0);
    assert_int_equal(cj_state_set(s, pk, &a), 0);
    assert_int_equal(cj_state_count(s), 1);
    cj_state_root(s, root);
    /* one account: the root is its leaf */
    tu_assert_hash(root, "34a405efb4df766870793c0c755e402452eb7819c0153ee3288c2ed3ffa0bb18");
    uint8_t lh[32];
    cj_state_leaf_hash(pk, a.balance, a.nonce, lh);
    assert_memory_equal(root, lh, 32);
    assert_int_equal(cj_state_get(s, pk, &got), 1);
    assert_int_equal(got.balance, 1);
    assert_int_equal(got.nonce, 0);

    uint8_t pk1[32];
    coinjecture_account a1;
    acct(1, pk1, &a1);
    assert_int_equal(cj_state_set(s, pk1, &a1), 0);
    cj_state_root(s, root);
    tu_assert_hash(root, "54c85b44fadde41840000eca2feb3215c3d071f5ba3f8f5a5f91f8d2d6d309b2");

    /* deleting back to one account collapses to its leaf again; {0,0} deletes */
    coinjecture_account z = {0, 0};
    assert_int_equal(cj_state_set(s, pk1, &z), 0);
    assert_int_equal(cj_state_count(s), 1);
    cj_state_root(s, root);
    assert_memory_equal(root, lh, 32);
    assert_int_equal(cj_state_set(s, pk, &z), 0);
    cj_state_root(s, root);
    assert_memory_equal(root, zero, 32);
    assert_int_equal(cj_state_set(s, pk, &z), 0); /* deleting an absent account is a no-op */
    assert_int_equal(cj_state_count(s), 0);
    cj_state_free(s);
    cj_state_free(NULL);
}

static void test_vector_100_any_order(void **state)
{
    (void)state;
    static const char *want = "c90c67c423e12963308ee5a0dc0102390ee929b33eebeed8b8db694cf7af9a65";
    uint32_t order[100];
    uint64_t rng = 7;
    for (int round = 0; round < 4; round++) {
        for (uint32_t i = 0; i < 100; i++) order[i] = i;
        if (round == 1)
            for (uint32_t i = 0; i < 100; i++) order[i] = 99 - i;
        if (round >= 2)
            for (uint32_t i = 99; i > 0; i--) {
                uint32_t j = (uint32_t)(tu_rand_u64(&rng) % (i + 1)), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        cj_state *s = cj_state_new();
        for (uint32_t i = 0; i < 100; i++) {
            uint8_t pk[32];
            coinjecture_account a;
            acct(order[i], pk, &a);
            if (a.nonce == 0 && a.balance == 0) continue;
            assert_int_equal(cj_state_set(s, pk, &a), 0);
            if (round == 3 && i % 10 == 0) { /* interleave root computations: lazily rehashed paths */
                uint8_t tmp[32];
                cj_state_root(s, tmp);
            }
        }
        uint8_t root[32];
        cj_state_root(s, root);
        tu_assert_hash(root, want);
        assert_int_equal(cj_state_count(s), 100);

        /* delete the even accounts, bump the odd balances by 7: second Python vector */
        for (uint32_t i = 0; i < 100; i++) {
            uint8_t pk[32];
            coinjecture_account a;
            acct(i, pk, &a);
            if (i % 2 == 0) {
                a.balance = a.nonce = 0;
            } else {
                a.balance += 7;
            }
            assert_int_equal(cj_state_set(s, pk, &a), 0);
        }
        cj_state_root(s, root);
        tu_assert_hash(root, "09edc2719ea263e2dcce7e3210604e84971926764f0d4a526595d355d273ab70");
        assert_int_equal(cj_state_count(s), 50);
        cj_state_free(s);
    }
}

/* Random keys, random updates/deletes in batches; after each batch the incrementally maintained root
 * must equal the root of a tree built from scratch out of the surviving accounts. */
static void test_incremental_equals_scratch(void **state)
{
    (void)state;
    enum { N = 400 };
    uint8_t pks[N][32];
    coinjecture_account vals[N];
    uint64_t rng = 12345;
    for (int i = 0; i < N; i++) {
        tu_rand_bytes(&rng, pks[i], 32);
        vals[i].balance = vals[i].nonce = 0;
    }
    cj_state *inc = cj_state_new();
    for (int batch = 0; batch < 25; batch++) {
        for (int op = 0; op < 60; op++) {
            int i = (int)(tu_rand_u64(&rng) % N);
            uint64_t r = tu_rand_u64(&rng);
            if (r % 4 == 0) {
                vals[i].balance = vals[i].nonce = 0;
            } else {
                vals[i].balance = r >> 8;
                vals[i].nonce = r & 0xff;
            }
            assert_int_equal(cj_state_set(inc, pks[i], &vals[i]), 0);
        }
        cj_state *scratch = cj_state_new();
        uint64_t present = 0;
        for (int i = N - 1; i >= 0; i--) {
            if (vals[i].balance == 0 && vals[i].nonce == 0) continue;
            assert_int_equal(cj_state_set(scratch, pks[i], &vals[i]), 0);
            present++;
        }
        uint8_t a[32], b[32];
        cj_state_root(inc, a);
        cj_state_root(scratch, b);
        assert_memory_equal(a, b, 32);
        assert_int_equal(cj_state_count(inc), present);
        for (int i = 0; i < N; i++) {
            coinjecture_account g;
            int has = cj_state_get(inc, pks[i], &g);
            assert_int_equal(has, vals[i].balance != 0 || vals[i].nonce != 0);
            assert_int_equal(g.balance, vals[i].balance);
            assert_int_equal(g.nonce, vals[i].nonce);
        }
        cj_state_free(scratch);
    }
    cj_state_free(inc);
}

static void test_proofs(void **state)
{
    (void)state;
    cj_state *s = cj_state_new();
    for (uint32_t i = 0; i < 64; i++) {
        uint8_t pk[32];
        coinjecture_account a;
        acct(i, pk, &a);
        assert_int_equal(cj_state_set(s, pk, &a), 0);
    }
    uint8_t root[32];
    cj_state_root(s, root);
    cj_state_proof *p = malloc(sizeof *p);
    assert_non_null(p);
    for (uint32_t i = 0; i < 64; i++) {
        uint8_t pk[32];
        coinjecture_account a;
        acct(i, pk, &a);
        assert_int_equal(cj_state_prove(s, pk, p), 0);
        assert_int_equal(p->kind, 1);
        assert_int_equal(cj_state_verify_proof(root, pk, &a, p), 1);
        coinjecture_account wrong = a;
        wrong.balance++;
        assert_int_equal(cj_state_verify_proof(root, pk, &wrong, p), 0);
        assert_int_equal(cj_state_verify_proof(root, pk, NULL, p), 0); /* present, claimed absent */
        if (p->depth > 0) {
            p->siblings[0][0] ^= 1;
            assert_int_equal(cj_state_verify_proof(root, pk, &a, p), 0);
        }
    }
    /* absent accounts: non-membership proofs */
    int kinds[3] = {0, 0, 0};
    for (uint32_t i = 1000; i < 1064; i++) {
        uint8_t pk[32];
        coinjecture_account a;
        acct(i, pk, &a);
        assert_int_equal(cj_state_prove(s, pk, p), 0);
        assert_true(p->kind == 0 || p->kind == 2);
        kinds[p->kind]++;
        assert_int_equal(cj_state_verify_proof(root, pk, NULL, p), 1);
        coinjecture_account zero = {0, 0};
        assert_int_equal(cj_state_verify_proof(root, pk, &zero, p), 1);
        assert_int_equal(cj_state_verify_proof(root, pk, &a, p), 0); /* claimed present */
        uint8_t other_root[32];
        memcpy(other_root, root, 32);
        other_root[31] ^= 1;
        assert_int_equal(cj_state_verify_proof(other_root, pk, NULL, p), 0);
    }
    assert_true(kinds[0] + kinds[2] == 64);
    assert_int_equal(cj_state_verify_proof(NULL, root, NULL, p), 0);
    p->depth = 300;
    assert_int_equal(cj_state_verify_proof(root, root, NULL, p), 0);
    /* empty tree: kind 0 at depth 0 proves absence only under the zero root */
    cj_state *e = cj_state_new();
    uint8_t zroot[32];
    cj_state_root(e, zroot);
    assert_int_equal(cj_state_prove(e, root, p), 0);
    assert_int_equal(p->kind, 0);
    assert_int_equal(cj_state_verify_proof(zroot, root, NULL, p), 1);
    assert_int_equal(cj_state_verify_proof(root, root, NULL, p), 0);
    cj_state_free(e);
    free(p);
    cj_state_free(s);
}

static void test_extreme_values(void **state)
{
    (void)state;
    cj_state *s = cj_state_new();
    uint8_t pk[32];
    memset(pk, 0xff, 32);
    coinjecture_account a = {UINT64_MAX, UINT64_MAX}, g;
    assert_int_equal(cj_state_set(s, pk, &a), 0);
    assert_int_equal(cj_state_get(s, pk, &g), 1);
    assert_int_equal(g.balance, UINT64_MAX);
    assert_int_equal(g.nonce, UINT64_MAX);
    coinjecture_account only_nonce = {0, 1}; /* nonce alone keeps an account alive */
    assert_int_equal(cj_state_set(s, pk, &only_nonce), 0);
    assert_int_equal(cj_state_count(s), 1);
    cj_state_free(s);
}

static void test_null_arguments(void **state)
{
    (void)state;
    cj_state *s = cj_state_new();
    uint8_t pk[32] = {1}, root[32];
    coinjecture_account a = {5, 1}, g = {9, 9};
    assert_int_equal(cj_state_get(NULL, pk, &g), 0);
    assert_int_equal(g.balance, 0);
    g.nonce = 9;
    assert_int_equal(cj_state_get(s, NULL, &g), 0);
    assert_int_equal(g.nonce, 0);
    assert_int_equal(cj_state_get(s, pk, NULL), 0);
    assert_int_equal(cj_state_set(NULL, pk, &a), -1);
    assert_int_equal(cj_state_set(s, NULL, &a), -1);
    assert_int_equal(cj_state_set(s, pk, NULL), -1);
    assert_int_equal(cj_state_count(NULL), 0);
    assert_int_equal(cj_state_count(s), 0);
    memset(root, 0xaa, 32);
    cj_state_root(NULL, root);
    uint8_t zero[32] = {0};
    assert_memory_equal(root, zero, 32);
    cj_state_root(s, NULL); /* no-op */
    cj_state_proof p;
    assert_int_equal(cj_state_prove(NULL, pk, &p), -1);
    assert_int_equal(cj_state_prove(s, NULL, &p), -1);
    assert_int_equal(cj_state_prove(s, pk, NULL), -1);
    assert_int_equal(cj_state_verify_proof(zero, NULL, NULL, &p), 0);
    assert_int_equal(cj_state_verify_proof(zero, pk, NULL, NULL), 0);
    cj_state_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_single),          cmocka_unit_test(test_vector_100_any_order),
        cmocka_unit_test(test_incremental_equals_scratch), cmocka_unit_test(test_proofs),
        cmocka_unit_test(test_extreme_values),           cmocka_unit_test(test_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
