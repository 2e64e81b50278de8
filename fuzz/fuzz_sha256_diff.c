/* libFuzzer target: differential SHA-256 and Merkle (layout in fuzz_common.h). Every code path this CPU
 * can run (portable, SHA-NI, AVX2, AVX-512 multi-buffer, ARMv8), reached both through the public backend
 * switch ("reference"/"accelerated") and directly through the internal registry, must give the digest of
 * the harness's naive FIPS 180-4 implementation: one-shot, streaming with random split points and context
 * forks, raw compression, 64-byte batches (also in place), and Merkle roots of up to 4096 leaves with the
 * threaded split. */
#include "fuzz_common.h"
#include "sha256_paths.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fz_sha_backends[2] = {"reference", "accelerated"};

/* xorshift32: split points and fork positions from the input's seed. */
static uint32_t fz_sha_rng(uint32_t *s)
{
    uint32_t x = *s ? *s : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* Length of the next update: often tiny (0, 1, to the block edge), sometimes large. */
static size_t fz_sha_step(uint32_t *seed, size_t left)
{
    uint32_t r = fz_sha_rng(seed);
    size_t step;
    switch (r & 3) {
    case 0: step = (r >> 2) % 4; break;
    case 1: step = (r >> 2) % 65; break;
    case 2: step = (r >> 2) % 300; break;
    default: step = left; break;
    }
    return step < left ? step : left;
}

/* Streaming hash with random splits; at a random point the context is copied and both copies finish. */
static void fz_sha_stream(const cj_sha256_impl *impl, const uint8_t *d, size_t n, uint32_t seed,
                          const uint8_t want[32])
{
    coinjecture_sha256_ctx ctx, fork;
    int forked = 0;
    if (!d) d = (const uint8_t *)""; /* no arithmetic on NULL */
    size_t fork_at = n ? fz_sha_rng(&seed) % (n + 1) : 0, off = 0, fork_off = 0;
    if (impl) cj_sha256_init(&ctx, impl);
    else CJ_FZ_CHECK(coinjecture_sha256_init(&ctx) == COINJ_OK);
    for (;;) {
        if (!forked && off >= fork_at) {
            fork = ctx;
            fork_off = off;
            forked = 1;
        }
        if (off == n) break;
        size_t step = fz_sha_step(&seed, n - off);
        if (impl) cj_sha256_update(&ctx, d + off, step);
        else CJ_FZ_CHECK(coinjecture_sha256_update(&ctx, step ? d + off : NULL, step) == COINJ_OK);
        off += step;
    }
    uint8_t got[32];
    if (impl) cj_sha256_final(&ctx, got);
    else CJ_FZ_CHECK(coinjecture_sha256_final(&ctx, got) == COINJ_OK);
    CJ_FZ_CHECK(memcmp(got, want, 32) == 0);
    CJ_FZ_CHECK(forked);
    if (impl) {
        cj_sha256_update(&fork, d + fork_off, n - fork_off);
        cj_sha256_final(&fork, got);
    } else {
        CJ_FZ_CHECK(coinjecture_sha256_update(&fork, d + fork_off, n - fork_off) == COINJ_OK);
        CJ_FZ_CHECK(coinjecture_sha256_final(&fork, got) == COINJ_OK);
    }
    CJ_FZ_CHECK(memcmp(got, want, 32) == 0);
}

/* One-shot and streaming over every path; raw compression of the whole blocks against the portable one. */
static void fz_sha_hash(const uint8_t *d, size_t n, uint32_t seed)
{
    uint8_t want[32], got[32];
    cj_fz_sha256(d, n, want);
    for (size_t b = 0; b < 2; b++) {
        CJ_FZ_CHECK(coinjecture_backend_select(fz_sha_backends[b]) == COINJ_OK);
        CJ_FZ_CHECK(coinjecture_sha256(d, n, got) == COINJ_OK && memcmp(got, want, 32) == 0);
        CJ_FZ_CHECK(coinjecture_sha256_hash(d, (uint32_t)n, got) == COINJ_OK && memcmp(got, want, 32) == 0);
        fz_sha_stream(NULL, d, n, seed + (uint32_t)b, want);
    }
    uint32_t ref_state[8];
    memcpy(ref_state, cj_sha256_iv, sizeof ref_state);
    cj_sha256_compress_portable(ref_state, d, n / 64);
    const cj_sha256_impl *impl;
    for (size_t i = 0; (impl = cj_backend_variant(i)) != NULL; i++) {
        memset(got, 0, 32);
        impl->oneshot(d, n, got);
        CJ_FZ_CHECK(memcmp(got, want, 32) == 0);
        fz_sha_stream(impl, d, n, seed ^ (uint32_t)(i * 0x51ed27u), want);
        uint32_t state[8];
        memcpy(state, cj_sha256_iv, sizeof state);
        impl->compress(state, d, n / 64);
        CJ_FZ_CHECK(memcmp(state, ref_state, sizeof state) == 0);
    }
}

/* 64-byte batches: every path against the naive digest of each message, out of place and in place. */
static void fz_sha_many(const uint8_t *d, size_t n)
{
    size_t m = n / 64;
    if (m == 0) return;
    uint8_t (*want)[32] = malloc(m * 32), (*got)[32] = malloc(m * 32);
    uint8_t (*inplace)[64] = malloc(m * 64);
    CJ_FZ_CHECK(want && got && inplace);
    for (size_t j = 0; j < m; j++) cj_fz_sha256(d + 64 * j, 64, want[j]);
    const cj_sha256_impl *impl;
    for (size_t i = 0; (impl = cj_backend_variant(i)) != NULL; i++) {
        memset(got, 0, m * 32);
        impl->hash64_many(got, (const uint8_t (*)[64])d, m); /* d is unaligned on purpose */
        CJ_FZ_CHECK(memcmp(got, want, m * 32) == 0);
        memcpy(inplace, d, m * 64);
        impl->hash64_many((uint8_t (*)[32])inplace, (const uint8_t (*)[64])inplace, m);
        CJ_FZ_CHECK(memcmp(inplace, want, m * 32) == 0);
    }
    free(want);
    free(got);
    free(inplace);
}

/* Naive tree; leaves hashed with the naive SHA-256 while that is cheap, else with the portable one-shot
 * (the tree logic stays independent of merkle.c either way). */
static void fz_sha_merkle_want(const uint8_t (*leaves)[32], size_t count, uint8_t out[32])
{
    if (count <= 256) {
        cj_fz_merkle(leaves, count, out);
        return;
    }
    uint8_t (*lvl)[32] = malloc(count * 32);
    CJ_FZ_CHECK(lvl != NULL);
    memcpy(lvl, leaves, count * 32);
    for (size_t n = count; n > 1;) {
        size_t m = 0;
        for (size_t i = 0; i + 1 < n; i += 2) cj_sha256_oneshot_portable(lvl[i], 64, lvl[m++]);
        if (n % 2) memmove(lvl[m++], lvl[n - 1], 32);
        n = m;
    }
    memcpy(out, lvl[0], 32);
    free(lvl);
}

/* Merkle roots through both public entry points and backends, and every path with a thread count. */
static void fz_sha_merkle(const uint8_t *d, size_t n, size_t count, unsigned threads)
{
    uint8_t (*leaves)[32] = malloc((count ? count : 1) * 32);
    CJ_FZ_CHECK(leaves != NULL);
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < 32; j++)
            leaves[i][j] = (uint8_t)((n ? d[(i * 32 + j) % n] : 0) ^ (i * 131 + j * 7) ^ (i >> 8));
    const uint8_t (*cl)[32] = (const uint8_t (*)[32])leaves;
    uint8_t want[32], got[32];
    fz_sha_merkle_want(cl, count, want);
    /* Large trees are slow under the sanitizers: the 32-bit entry point runs on one backend only. */
    for (size_t b = 0; b < 2; b++) {
        CJ_FZ_CHECK(coinjecture_backend_select(fz_sha_backends[b]) == COINJ_OK);
        CJ_FZ_CHECK(coinjecture_merkle_root(cl, count, got) == COINJ_OK && memcmp(got, want, 32) == 0);
        if (count > 256 && b != (threads & 1)) continue;
        CJ_FZ_CHECK(coinjecture_compute_merkle_root(cl, (uint32_t)count, got) == COINJ_OK);
        CJ_FZ_CHECK(memcmp(got, want, 32) == 0);
    }
    if (count == 0) {
        CJ_FZ_CHECK(coinjecture_merkle_root(NULL, 0, got) == COINJ_OK && cj_fz_all_zero(got, 32));
    } else {
        cj_fz_mark_error();
        CJ_FZ_CHECK(coinjecture_merkle_root(NULL, count, got) == COINJ_ERROR_INVALID_INPUT);
        CJ_FZ_CHECK(cj_fz_error_written());
    }
    const cj_sha256_impl *impl;
    for (size_t i = 0; (impl = cj_backend_variant(i)) != NULL; i++) {
        memset(got, 0, 32);
        CJ_FZ_CHECK(cj_merkle_root_threads(impl, cl, count, got, threads) == COINJ_OK);
        CJ_FZ_CHECK(memcmp(got, want, 32) == 0);
        if (count > 256) continue; /* the automatic thread count only differs from the above for 16384+ */
        memset(got, 0, 32);
        CJ_FZ_CHECK(cj_merkle_root_impl(impl, cl, count, got) == COINJ_OK);
        CJ_FZ_CHECK(memcmp(got, want, 32) == 0);
    }
    free(leaves);
}

/* Entry point: flags pick the checks; the rest of the input is the data. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cj_fz_in in = {data, size};
    uint8_t flags = cj_fz_u8(&in);
    if (!(flags & (CJ_FZ_SHA_HASH | CJ_FZ_SHA_MERKLE | CJ_FZ_SHA_MANY))) flags |= CJ_FZ_SHA_HASH;
    const uint32_t seed = (uint32_t)cj_fz_le(&in, 4);
    size_t count = 0;
    if (flags & CJ_FZ_SHA_MERKLE)
        count = flags & CJ_FZ_SHA_LARGE_COUNT ? cj_fz_le(&in, 2) % (CJ_FZ_SHA_MAX_LEAVES + 1) : cj_fz_u8(&in);
    const uint8_t *d = in.n ? in.p : NULL;
    const size_t n = in.n;
    if (flags & CJ_FZ_SHA_HASH) fz_sha_hash(d, n, seed);
    if (flags & CJ_FZ_SHA_MANY) fz_sha_many(d, n);
    if (flags & CJ_FZ_SHA_MERKLE) fz_sha_merkle(d, n, count, ((flags >> 3) & 7u) + 1);
    cj_fz_stats.checks++;
    return 0;
}
