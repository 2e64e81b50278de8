/* SHA-256: FIPS 180-4 / NIST vectors, the Network B golden vectors, padding boundaries, streaming ==
 * one-shot at every split point, and every code path this CPU can run against the portable reference
 * (random inputs of every length 0..4200, Merkle-level batches, the raw block function). */
/* These tests pass NULL to Part II functions on purpose to check the library's refusal (coinjecture.h
 * rule 2), so the compiler's nonnull contract (rule 9) is switched off for this file. */
#define COINJECTURE_NO_ARG_NONNULL
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256_paths.h"
#include "testutil.h"

#define MAXLEN 4200

/* Streaming hash on an explicit path, in one update. */
static void stream_hash(const cj_sha256_impl *impl, const uint8_t *d, size_t n, uint8_t out[32])
{
    coinjecture_sha256_ctx ctx;
    cj_sha256_init(&ctx, impl);
    cj_sha256_update(&ctx, d, n);
    cj_sha256_final(&ctx, out);
}

/* Every runnable path must produce hex for msg, through the one-shot and the streaming code. */
static void check_all_paths(const uint8_t *msg, size_t n, const char *hex)
{
    const cj_sha256_impl *impl;
    for (size_t v = 0; (impl = cj_backend_variant(v)) != NULL; v++) {
        uint8_t out[32];
        impl->oneshot(msg, n, out);
        tu_assert_hash(out, hex);
        stream_hash(impl, msg, n, out);
        tu_assert_hash(out, hex);
    }
    uint8_t out[32];
    assert_int_equal(coinjecture_sha256(msg, n, out), COINJ_OK);
    tu_assert_hash(out, hex);
}

/* FIPS 180-4 appendix / NIST CAVS short messages. */
static void test_fips_vectors(void **state)
{
    (void)state;
    check_all_paths((const uint8_t *)"abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_all_paths(NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_all_paths((const uint8_t *)m448, strlen(m448),
                    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                       "mnopqrstnopqrstu";
    check_all_paths((const uint8_t *)m896, strlen(m896),
                    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* One million 'a': one-shot, and streamed in uneven pieces on every path. */
static void test_million_a(void **state)
{
    (void)state;
    const char *hex = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    uint8_t *m = malloc(1000000);
    assert_non_null(m);
    memset(m, 'a', 1000000);
    check_all_paths(m, 1000000, hex);
    const cj_sha256_impl *impl;
    for (size_t v = 0; (impl = cj_backend_variant(v)) != NULL; v++) {
        coinjecture_sha256_ctx ctx;
        cj_sha256_init(&ctx, impl);
        for (size_t off = 0, step = 1; off < 1000000; off += step, step = step * 7 % 1000 + 1)
            cj_sha256_update(&ctx, m + off, off + step > 1000000 ? 1000000 - off : step);
        uint8_t out[32];
        cj_sha256_final(&ctx, out);
        tu_assert_hash(out, hex);
    }
    free(m);
}

/* Messages of n 'a' around the padding boundaries (one vs two tail blocks, exact blocks). */
static void test_padding_boundaries(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        const char *hex;
    } v[] = {
        {1, "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"},
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
        {128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"},
    };
    uint8_t m[128];
    memset(m, 'a', sizeof m);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) check_all_paths(m, v[i].n, v[i].hex);
}

/* The SHA256 vectors of golden/original/network_b_vectors.json, copied verbatim. */
static void test_golden_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *in, *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"68656c6c6f20776f726c64", "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"},
        {"434f494e6a656374757265", "beb92758be066c61bc9af742fe707d7dd252c3e22c1bc1dd5028fcb454bfc63e"},
        {"0000000000000000000000000000000000000000000000000000000000000000",
         "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"},
        {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
         "af9613760f72635fbdb44a5a0a63c39f12af30f950a6ee5c971be188e89c4051"},
        {"7b22626c6f636b5f6e756d626572223a313333372c2276616c696461746f72223a22616c696365222c22616d6f756e74223a"
         "313030303030307d",
         "97a72eb94c949ae4dc09b4c322806dd1d93d2292d52d8c50b20ae036c14de7da"},
        {"5468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e"
         "64206261696c6f757420666f722062616e6b73",
         "a6d72baa3db900b03e70df880e503e9164013b4d9a470853edc115776323a098"},
        {"48656c6c6f20e4b896e7958c20f09f9a80", "7c79fa91266ee96a8a2102c2c1723463a3cadb6d05c7bee3a9e8f2473cb41b77"},
    };
    uint8_t buf[256];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = tu_unhex(v[i].in, buf, sizeof buf);
        check_all_paths(n ? buf : NULL, n, v[i].hex);
    }
    /* sha256_sequential_256: bytes 00..ff. */
    for (int i = 0; i < 256; i++) buf[i] = (uint8_t)i;
    check_all_paths(buf, 256, "40aff2e9d2d8922e47afd4648e6967497158785fbd1da870e7110266bf944880");
    /* sha256_large_10kb: 10240 bytes of 0xaa. */
    uint8_t *big = malloc(10240);
    assert_non_null(big);
    memset(big, 0xaa, 10240);
    check_all_paths(big, 10240, "3fa2329841713f5cb96c33bf198240039d079d1fc1921d5ffd4f6b1b515c85c1");
    free(big);
}

/* Random data of every length 0..MAXLEN: every path's one-shot and streaming equal the reference. */
static void test_differential_every_length(void **state)
{
    (void)state;
    uint64_t seed = 0x5eed0001;
    uint8_t *m = malloc(MAXLEN);
    assert_non_null(m);
    tu_rand_bytes(&seed, m, MAXLEN);
    size_t nv = cj_backend_variant_count();
    assert_true(nv >= 1);
    for (size_t n = 0; n <= MAXLEN; n++) {
        uint8_t ref[32], out[32];
        cj_sha256_oneshot_portable(m, n, ref);
        stream_hash(&cj_sha256_reference, m, n, out);
        assert_memory_equal(out, ref, 32);
        for (size_t v = 1; v < nv; v++) {
            const cj_sha256_impl *impl = cj_backend_variant(v);
            impl->oneshot(m, n, out);
            if (memcmp(out, ref, 32) != 0) fail_msg("%s one-shot differs at length %zu", impl->detail, n);
            stream_hash(impl, m, n, out);
            if (memcmp(out, ref, 32) != 0) fail_msg("%s streaming differs at length %zu", impl->detail, n);
        }
        m[n % MAXLEN] ^= (uint8_t)n; /* a fresh message for the next length */
    }
    free(m);
}

/* Incremental equals one-shot for every split point (two pieces), and for byte-by-byte and three pieces. */
static void test_incremental_every_split(void **state)
{
    (void)state;
    uint64_t seed = 7;
    uint8_t m[300];
    tu_rand_bytes(&seed, m, sizeof m);
    const cj_sha256_impl *impl;
    for (size_t v = 0; (impl = cj_backend_variant(v)) != NULL; v++) {
        uint8_t ref[32], out[32];
        cj_sha256_oneshot_portable(m, sizeof m, ref);
        for (size_t s = 0; s <= sizeof m; s++) {
            coinjecture_sha256_ctx ctx;
            cj_sha256_init(&ctx, impl);
            cj_sha256_update(&ctx, m, s);
            cj_sha256_update(&ctx, m + s, sizeof m - s);
            cj_sha256_final(&ctx, out);
            if (memcmp(out, ref, 32) != 0) fail_msg("%s split at %zu differs", impl->detail, s);
        }
        for (size_t s = 0; s <= 130; s += 3) {
            for (size_t t = s; t <= 200; t += 5) {
                coinjecture_sha256_ctx ctx;
                cj_sha256_init(&ctx, impl);
                cj_sha256_update(&ctx, m, s);
                cj_sha256_update(&ctx, m + s, t - s);
                cj_sha256_update(&ctx, m + t, sizeof m - t);
                cj_sha256_final(&ctx, out);
                assert_memory_equal(out, ref, 32);
            }
        }
        coinjecture_sha256_ctx ctx;
        cj_sha256_init(&ctx, impl);
        for (size_t i = 0; i < sizeof m; i++) cj_sha256_update(&ctx, m + i, 1);
        cj_sha256_final(&ctx, out);
        assert_memory_equal(out, ref, 32);
    }
}

/* The public streaming API: same digest, forking by copying a context, and the wipe after final. */
static void test_public_streaming(void **state)
{
    (void)state;
    coinjecture_sha256_ctx ctx, fork;
    uint8_t out[32], zero[sizeof ctx];
    assert_int_equal(coinjecture_sha256_init(&ctx), COINJ_OK);
    assert_int_equal(coinjecture_sha256_update(&ctx, (const uint8_t *)"ab", 2), COINJ_OK);
    assert_int_equal(coinjecture_sha256_update(&ctx, NULL, 0), COINJ_OK);
    fork = ctx;
    assert_int_equal(coinjecture_sha256_update(&ctx, (const uint8_t *)"c", 1), COINJ_OK);
    assert_int_equal(coinjecture_sha256_final(&ctx, out), COINJ_OK);
    tu_assert_hash(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    memset(zero, 0, sizeof zero);
    assert_memory_equal(&ctx, zero, sizeof ctx); /* wiped */
    assert_int_equal(coinjecture_sha256_final(&fork, out), COINJ_OK);
    tu_assert_hash(out, "fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603"); /* "ab" */
}

/* NULL, uninitialised / finalised contexts and the 2^64-bit length limit are refused, outputs untouched. */
static void test_public_errors(void **state)
{
    (void)state;
    coinjecture_sha256_ctx ctx;
    uint8_t out[32], keep[32];
    memset(out, 0x77, sizeof out);
    memcpy(keep, out, sizeof out);
    assert_int_equal(coinjecture_sha256_init(NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_sha256_update(NULL, (const uint8_t *)"a", 1), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_sha256_final(NULL, out), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_sha256(NULL, 1, out), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_sha256((const uint8_t *)"a", 1, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_memory_equal(out, keep, 32);
    assert_non_null(strstr(coinjecture_last_error_message(), "coinjecture_sha256"));

    assert_int_equal(coinjecture_sha256_init(&ctx), COINJ_OK);
    assert_int_equal(coinjecture_sha256_update(&ctx, NULL, 5), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_sha256_final(&ctx, NULL), COINJ_ERROR_INVALID_INPUT);
    /* Length limit: 2^61 - 1 bytes is the most SHA-256 can hash. */
    ctx.bytes = (UINT64_C(1) << 61) - 2;
    memset(ctx.buf, 0, sizeof ctx.buf); /* the bytes that forged length implies */
    assert_int_equal(coinjecture_sha256_update(&ctx, (const uint8_t *)"ab", 2), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(ctx.bytes, (UINT64_C(1) << 61) - 2); /* untouched */
    assert_int_equal(coinjecture_sha256_update(&ctx, (const uint8_t *)"a", 1), COINJ_OK);
    assert_int_equal(coinjecture_sha256_update(&ctx, (const uint8_t *)"a", 1), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_sha256_update(&ctx, (const uint8_t *)"a", SIZE_MAX), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_sha256_final(&ctx, out), COINJ_OK);
    /* A finalised (wiped) or never-initialised context is refused. */
    assert_int_equal(coinjecture_sha256_update(&ctx, (const uint8_t *)"a", 1), COINJ_ERROR_INVALID_INPUT);
    memcpy(keep, out, 32);
    assert_int_equal(coinjecture_sha256_final(&ctx, out), COINJ_ERROR_INVALID_INPUT);
    assert_memory_equal(out, keep, 32);
    memset(&ctx, 0, sizeof ctx);
    assert_int_equal(coinjecture_sha256_update(&ctx, (const uint8_t *)"a", 1), COINJ_ERROR_INVALID_INPUT);
}

/* hash64_many of every path equals the reference for every batch size 0..70 (all SIMD tails), both into a
 * separate buffer and in place (out aliasing in, as the Merkle levels use it). */
static void test_hash64_many_paths(void **state)
{
    (void)state;
    enum { N = 70 };
    static uint8_t in[N][64], ref[N][32], out[N][32], inplace[N][64];
    uint64_t seed = 99;
    tu_rand_bytes(&seed, &in[0][0], sizeof in);
    for (size_t i = 0; i < N; i++) cj_sha256_oneshot_portable(in[i], 64, ref[i]);
    const cj_sha256_impl *impl;
    for (size_t v = 0; (impl = cj_backend_variant(v)) != NULL; v++) {
        for (size_t n = 0; n <= N; n++) {
            memset(out, 0xee, sizeof out);
            impl->hash64_many(out, (const uint8_t(*)[64])in, n);
            if (n && memcmp(out, ref, n * 32) != 0) fail_msg("%s hash64_many(%zu) differs", impl->detail, n);
            if (n < N) assert_int_equal(out[n][0], 0xee); /* nothing written past n */
            memcpy(inplace, in, sizeof in);
            impl->hash64_many((uint8_t(*)[32])inplace, (const uint8_t(*)[64])inplace, n);
            if (n && memcmp(inplace, ref, n * 32) != 0) fail_msg("%s in-place hash64_many(%zu)", impl->detail, n);
        }
    }
}

/* The block function of every path equals the portable one from a random state, 0..5 blocks. */
static void test_compress_paths(void **state)
{
    (void)state;
    uint64_t seed = 3;
    uint8_t blocks[5 * 64];
    tu_rand_bytes(&seed, blocks, sizeof blocks);
    uint32_t init[8];
    for (int i = 0; i < 8; i++) init[i] = (uint32_t)tu_rand_u64(&seed);
    const cj_sha256_impl *impl;
    for (size_t v = 0; (impl = cj_backend_variant(v)) != NULL; v++) {
        for (size_t nb = 0; nb <= 5; nb++) {
            uint32_t a[8], b[8];
            memcpy(a, init, sizeof a);
            memcpy(b, init, sizeof b);
            cj_sha256_compress_portable(a, blocks, nb);
            impl->compress(b, blocks, nb);
            assert_memory_equal(a, b, sizeof a);
            if (nb) assert_memory_not_equal(a, init, sizeof a);
        }
    }
}

/* The precomputed padding-block schedule is W+K of 80 00..00 || 0x200, recomputed here plainly. */
static void test_pad64_table(void **state)
{
    (void)state;
    uint32_t w[64] = {0x80000000u};
    w[15] = 512;
    for (int i = 16; i < 64; i++) {
        uint32_t x = w[i - 15], y = w[i - 2];
        uint32_t s0 = (x >> 7 | x << 25) ^ (x >> 18 | x << 14) ^ (x >> 3);
        uint32_t s1 = (y >> 17 | y << 15) ^ (y >> 19 | y << 13) ^ (y >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    for (int i = 0; i < 64; i++) assert_int_equal(cj_sha256_pad64_wk[i], w[i] + cj_sha256_k[i]);
}

/* The paths this CPU exercises, printed so a test log shows what was covered. */
static void test_list_paths(void **state)
{
    (void)state;
    size_t n = cj_backend_variant_count();
    printf("[ sha256 ] paths on this CPU:");
    for (size_t v = 0; v < n; v++) printf(" %s", cj_backend_variant(v)->detail);
    printf("\n");
    assert_ptr_equal(cj_backend_variant(0), &cj_sha256_reference);
    assert_null(cj_backend_variant(n));
#if defined(__x86_64__)
    if (cj_cpu_features() & CJ_CPU_SHANI) assert_non_null(cj_backend_by_detail("sha-ni"));
    if (cj_cpu_features() & CJ_CPU_AVX2) assert_non_null(cj_backend_by_detail("avx2"));
    if (cj_cpu_features() & CJ_CPU_AVX512) assert_non_null(cj_backend_by_detail("avx512"));
#endif
}

/* Runs the SHA-256 group. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_paths),
        cmocka_unit_test(test_fips_vectors),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_padding_boundaries),
        cmocka_unit_test(test_golden_vectors),
        cmocka_unit_test(test_differential_every_length),
        cmocka_unit_test(test_incremental_every_split),
        cmocka_unit_test(test_public_streaming),
        cmocka_unit_test(test_public_errors),
        cmocka_unit_test(test_hash64_many_paths),
        cmocka_unit_test(test_compress_paths),
        cmocka_unit_test(test_pad64_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
