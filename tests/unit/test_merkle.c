/* Merkle root: golden vectors, every runnable code path == reference == a naive tree written plainly here
 * for every size 0..2100, the multi-threaded split for many sizes and thread counts, and argument errors. */
/* These tests pass NULL to Part II functions on purpose to check the library's refusal (coinjecture.h
 * rule 2), so the compiler's nonnull contract (rule 9) is switched off for this file. */
#define COINJECTURE_NO_ARG_NONNULL
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256_paths.h"
#include "testutil.h"

#define MAXLEAVES 2100

/* The definition, with no shared code: a list of levels, each pair hashed with the streaming reference. */
static void naive_root(const uint8_t (*leaves)[32], size_t n, uint8_t out[32])
{
    if (n == 0) {
        memset(out, 0, 32);
        return;
    }
    uint8_t(*level)[32] = malloc(n * 32);
    assert_non_null(level);
    memcpy(level, leaves, n * 32);
    while (n > 1) {
        size_t next = 0;
        for (size_t i = 0; i < n; i += 2) {
            if (i + 1 == n) {
                memcpy(level[next++], level[i], 32);
                break;
            }
            coinjecture_sha256_ctx ctx;
            cj_sha256_init(&ctx, &cj_sha256_reference);
            cj_sha256_update(&ctx, level[i], 32);
            cj_sha256_update(&ctx, level[i + 1], 32);
            cj_sha256_final(&ctx, level[next++]);
        }
        n = next;
    }
    memcpy(out, level[0], 32);
    free(level);
}

/* Root through the public entry point. */
static void public_root(const uint8_t (*leaves)[32], size_t n, uint8_t out[32])
{
    assert_int_equal(coinjecture_merkle_root(leaves, n, out), COINJ_OK);
}

/* Every path on the given leaves must give hex. */
static void check_root(const uint8_t (*leaves)[32], size_t n, const char *hex)
{
    uint8_t out[32];
    naive_root(leaves, n, out);
    tu_assert_hash(out, hex);
    public_root(leaves, n, out);
    tu_assert_hash(out, hex);
    const cj_sha256_impl *impl;
    for (size_t v = 0; (impl = cj_backend_variant(v)) != NULL; v++) {
        memset(out, 0x55, 32);
        assert_int_equal(cj_merkle_root_impl(impl, leaves, n, out), COINJ_OK);
        tu_assert_hash(out, hex);
    }
}

/* The MERKLE vectors of network_b_vectors.json with explicit leaves. */
static void test_golden_small(void **state)
{
    (void)state;
    static const struct {
        const char *leaves[8];
        size_t n;
        const char *root;
    } v[] = {
        {{NULL}, 0, "0000000000000000000000000000000000000000000000000000000000000000"},
        {{"4242424242424242424242424242424242424242424242424242424242424242"},
         1,
         "4242424242424242424242424242424242424242424242424242424242424242"},
        {{"1111111111111111111111111111111111111111111111111111111111111111",
          "2222222222222222222222222222222222222222222222222222222222222222"},
         2,
         "5189c77d29fe5d546a045ec46986852785fea5c13ac7da9c115ff5fb6edf817c"},
        {{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
          "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"},
         3,
         "6f3229c7ace2d68a68865acf8263a53d093c4ff96202fa25a3497b6adf71e450"},
        {{"709b55bd3da0f5a838125bd0ee20c5bfdd7caba173912d4281cae816b79a201b",
          "27ca64c092a959c7edc525ed45e845b1de6a7590d173fd2fad9133c8a779a1e3",
          "1f3cb18e896256d7d6bb8c11a6ec71f005c75de05e39beae5d93bbd1e2c8b7a9",
          "41b637cfd9eb3e2f60f734f9ca44e5c1559c6f481d49d6ed6891f3e9a086ac78"},
         4,
         "ea59a369466be42d1a4783f09ae0721a5a157d6dba9c4b053d407b5a4b9af145"},
        {{"709b55bd3da0f5a838125bd0ee20c5bfdd7caba173912d4281cae816b79a201b",
          "27ca64c092a959c7edc525ed45e845b1de6a7590d173fd2fad9133c8a779a1e3",
          "1f3cb18e896256d7d6bb8c11a6ec71f005c75de05e39beae5d93bbd1e2c8b7a9",
          "41b637cfd9eb3e2f60f734f9ca44e5c1559c6f481d49d6ed6891f3e9a086ac78",
          "a8c0cce8bb067e91cf2766c26be4e5d7cfba3d3323dc19d08a834391a1ce5acf",
          "d20a624740ce1b7e2c74659bb291f665c021d202be02d13ce27feb067eeec837",
          "281b9dba10658c86d0c3c267b82b8972b6c7b41285f60ce2054211e69dd89e15",
          "df743dd1973e1c7d46968720b931af0afa8ec5e8412f9420006b7b4fa660ba8d"},
         8,
         "76f41f978aafe116e5330b5be0d7659c99152055fd77a3a9739f8f85244d15f9"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t leaves[8][32];
        for (size_t j = 0; j < v[i].n; j++) assert_int_equal(tu_unhex(v[i].leaves[j], leaves[j], 32), 32);
        check_root(v[i].n ? (const uint8_t(*)[32])leaves : NULL, v[i].n, v[i].root);
    }
}

/* merkle_hundred_txs: leaves SHA256("transaction_<i>"); merkle_thousand_txs: SHA256("tx_<i:04>"). */
static void test_golden_generated(void **state)
{
    (void)state;
    uint8_t(*leaves)[32] = malloc(1000 * 32);
    assert_non_null(leaves);
    char s[32];
    for (int i = 0; i < 100; i++) {
        int n = snprintf(s, sizeof s, "transaction_%d", i);
        cj_sha256_oneshot_portable((const uint8_t *)s, (size_t)n, leaves[i]);
    }
    tu_assert_hash(leaves[0], "4244aecf5f1d65742e072520ed8394f04b2b8c1bb0c37aca5669eaaa1a3021fa");
    tu_assert_hash(leaves[99], "dc7e241963a733f277cf1c606edfce43df687d65cf8358a0a5cf0f545d5b9bb6");
    check_root((const uint8_t(*)[32])leaves, 100, "c27bee07e5e58c41f2670220fee7e04c3690406bc98117b857fa851b3b90903c");
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(s, sizeof s, "tx_%04d", i);
        cj_sha256_oneshot_portable((const uint8_t *)s, (size_t)n, leaves[i]);
    }
    tu_assert_hash(leaves[0], "bea05bf0bbbc38a4c2b4748b2f3ebeda2b8488d054c843717fe22e38bfdb0b6b");
    tu_assert_hash(leaves[999], "ad23e60216e3187263abaab13c4eca1ab746ba6a01e8918b039f9e33dcbd6039");
    check_root((const uint8_t(*)[32])leaves, 1000, "4bce718601d6c6a2544cd997fe48f26e636eb54c4d6bd3866281cacadf66e584");
    free(leaves);
}

/* Every size 0..MAXLEAVES: naive == reference == every accelerated path (fresh random leaves per size). */
static void test_differential_every_size(void **state)
{
    (void)state;
    uint8_t(*leaves)[32] = malloc(MAXLEAVES * 32);
    assert_non_null(leaves);
    uint64_t seed = 0xabcdef;
    tu_rand_bytes(&seed, &leaves[0][0], MAXLEAVES * 32);
    size_t nv = cj_backend_variant_count();
    for (size_t n = 0; n <= MAXLEAVES; n++) {
        uint8_t want[32], got[32];
        naive_root((const uint8_t(*)[32])leaves, n, want);
        for (size_t v = 0; v < nv; v++) {
            const cj_sha256_impl *impl = cj_backend_variant(v);
            assert_int_equal(cj_merkle_root_impl(impl, (const uint8_t(*)[32])leaves, n, got), COINJ_OK);
            if (memcmp(got, want, 32) != 0) fail_msg("%s Merkle root differs at %zu leaves", impl->detail, n);
        }
        if (n) leaves[n - 1][n % 32] ^= 0x5a; /* perturb so sizes do not share prefixes trivially */
    }
    free(leaves);
}

/* The chunked multi-thread split equals the serial tree for awkward sizes and 1..8 threads. */
static void test_threads_split(void **state)
{
    (void)state;
    enum { MAXN = 70000 };
    uint8_t(*leaves)[32] = malloc((size_t)MAXN * 32);
    assert_non_null(leaves);
    uint64_t seed = 42;
    tu_rand_bytes(&seed, &leaves[0][0], (size_t)MAXN * 32);
    static const size_t sizes[] = {511, 512, 513, 1023, 1025, 3000, 4097, 16383, 16384, 16385, 65537, MAXN};
    const cj_sha256_impl *impl;
    for (size_t v = 0; (impl = cj_backend_variant(v)) != NULL; v++) {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            uint8_t serial[32], par[32];
            assert_int_equal(cj_merkle_root_threads(impl, (const uint8_t(*)[32])leaves, sizes[s], serial, 1),
                             COINJ_OK);
            for (unsigned t = 0; t <= 9; t++) {
                if (t == 1 || (t > 3 && t < 8)) continue;
                memset(par, 0, 32);
                assert_int_equal(cj_merkle_root_threads(impl, (const uint8_t(*)[32])leaves, sizes[s], par, t),
                                 COINJ_OK);
                if (memcmp(par, serial, 32) != 0)
                    fail_msg("%s: %u threads differ at %zu leaves", impl->detail, t, sizes[s]);
            }
        }
    }
    uint8_t want[32], got[32];
    naive_root((const uint8_t(*)[32])leaves, MAXN, want);
    public_root((const uint8_t(*)[32])leaves, MAXN, got);
    assert_memory_equal(got, want, 32);
    free(leaves);
}

/* The output may alias the first leaf (the root is written only at the end). */
static void test_output_aliases_leaves(void **state)
{
    (void)state;
    uint8_t leaves[5][32], copy[5][32], want[32];
    uint64_t seed = 5;
    tu_rand_bytes(&seed, &leaves[0][0], sizeof leaves);
    memcpy(copy, leaves, sizeof leaves);
    for (size_t n = 1; n <= 5; n++) {
        memcpy(leaves, copy, sizeof leaves);
        naive_root((const uint8_t(*)[32])copy, n, want);
        public_root((const uint8_t(*)[32])leaves, n, leaves[0]);
        assert_memory_equal(leaves[0], want, 32);
        if (n > 1) assert_memory_equal(leaves[1], copy[1], 32); /* the other leaves are not written */
    }
}

/* NULL misuse and impossible counts are refused with the output untouched. */
static void test_errors(void **state)
{
    (void)state;
    uint8_t out[32], keep[32], leaf[2][32] = {{1}, {2}};
    memset(out, 0x33, 32);
    memcpy(keep, out, 32);
    assert_int_equal(coinjecture_merkle_root(NULL, 3, out), COINJ_ERROR_INVALID_INPUT);
    assert_memory_equal(out, keep, 32);
    assert_non_null(strstr(coinjecture_last_error_message(), "leaves"));
    assert_int_equal(coinjecture_merkle_root((const uint8_t(*)[32])leaf, 2, NULL), COINJ_ERROR_INVALID_INPUT);
    /* A count whose node buffer cannot even be sized: refused before touching the leaves. */
    assert_int_equal(coinjecture_merkle_root((const uint8_t(*)[32])leaf, SIZE_MAX / 32 + 1, out),
                     COINJ_ERROR_OUT_OF_MEMORY);
    assert_int_equal(coinjecture_merkle_root((const uint8_t(*)[32])leaf, SIZE_MAX, out), COINJ_ERROR_OUT_OF_MEMORY);
    assert_memory_equal(out, keep, 32);
    /* NULL with zero leaves is the empty tree. */
    assert_int_equal(coinjecture_merkle_root(NULL, 0, out), COINJ_OK);
    uint8_t zero[32] = {0};
    assert_memory_equal(out, zero, 32);
    /* NULL impl means the active backend. */
    assert_int_equal(cj_merkle_root_impl(NULL, (const uint8_t(*)[32])leaf, 2, out), COINJ_OK);
    naive_root((const uint8_t(*)[32])leaf, 2, keep);
    assert_memory_equal(out, keep, 32);
}

/* Runs the Merkle group. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_small),
        cmocka_unit_test(test_golden_generated),
        cmocka_unit_test(test_differential_every_size),
        cmocka_unit_test(test_threads_split),
        cmocka_unit_test(test_output_aliases_leaves),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
