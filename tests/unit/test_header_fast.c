/* Differential tests of the header hash fast paths (src/core/codec.c): the fused SHA-NI encode+compress path
 * (block 0 assembled in registers, later blocks compressed from the stack buffer, padding in place, long
 * extra_data streamed) and the generic encode-then-hash path, on every runnable backend, against SHA-256
 * (portable) of an encoding built by the generic MessagePack writer, which shares no code with the
 * straight-line header encoder. Covers every integer width of every field, codec_version on both sides of
 * 0x80, negative timestamps, and extra_data lengths 0..2100 with bytes across 0..255. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coinjecture.h"
#include "msgpack.h"
#include "sha256_paths.h"
#include "testutil.h"

#define MAX_EXTRA 2100

/* Width boundaries of the MessagePack integer forms. */
static const uint64_t U_EDGES[] = {0,     1,     127,         128,           255,       256,
                                   65535, 65536, 4294967295u, 4294967296ull, UINT64_MAX};
static const int64_t I_EDGES[] = {0,          1,          127,          128,       255,       256,
                                  65535,      65536,      4294967295ll, 4294967296ll, 1700000000,
                                  INT64_MAX,  -1,         -32,          -33,       -128,      -129,
                                  -32768,     -32769,     INT32_MIN,    (int64_t)INT32_MIN - 1, INT64_MIN};
#define N_U (sizeof U_EDGES / sizeof U_EDGES[0])
#define N_I (sizeof I_EDGES / sizeof I_EDGES[0])

typedef struct {
    uint8_t ph[32], mr[32], ma[32], cm[32];
    uint8_t extra[MAX_EXTRA];
    cj_header_view v;
} case_t;

/* The expected hash: the generic writer's encoding (map of 10, fixstr keys, bin8 hashes, byte array) through
 * the portable one-shot. */
static void expected_hash(const cj_header_view *v, uint8_t out[32])
{
    static const char *const keys[10] = {"codec_version", "block_index",       "timestamp", "parent_hash",
                                         "merkle_root",   "miner_address",     "commitment", "difficulty_target",
                                         "nonce",         "extra_data"};
    static uint8_t buf[400 + 2 * MAX_EXTRA];
    cj_msgpack_writer w;
    cj_msgpack_writer_buffer(&w, buf, sizeof buf);
    cj_msgpack_put_map(&w, 10);
    cj_msgpack_put_str(&w, keys[0], strlen(keys[0]));
    cj_msgpack_put_uint(&w, v->codec_version);
    cj_msgpack_put_str(&w, keys[1], strlen(keys[1]));
    cj_msgpack_put_uint(&w, v->block_index);
    cj_msgpack_put_str(&w, keys[2], strlen(keys[2]));
    cj_msgpack_put_int(&w, v->timestamp);
    const uint8_t *hs[4] = {v->parent_hash, v->merkle_root, v->miner_address, v->commitment};
    for (int i = 0; i < 4; i++) {
        cj_msgpack_put_str(&w, keys[3 + i], strlen(keys[3 + i]));
        cj_msgpack_put_bin(&w, hs[i], 32);
    }
    cj_msgpack_put_str(&w, keys[7], strlen(keys[7]));
    cj_msgpack_put_uint(&w, v->difficulty_target);
    cj_msgpack_put_str(&w, keys[8], strlen(keys[8]));
    cj_msgpack_put_uint(&w, v->nonce);
    cj_msgpack_put_str(&w, keys[9], strlen(keys[9]));
    cj_msgpack_put_byte_array(&w, v->extra_data, v->extra_data_len);
    assert_false(w.overflow);
    cj_sha256_oneshot_portable(buf, w.pos, out);
}

/* Checks one header on every runnable backend, the active one, and the two public entry points whenever the
 * fields fit them (full width: extra_data <= 256; original ABI: 32-bit index and difficulty). */
static void check_case(case_t *c)
{
    const cj_header_view *v = &c->v;
    uint8_t want[32], got[32];
    expected_hash(v, want);
    const cj_sha256_impl *impl;
    for (size_t i = 0; (impl = cj_backend_variant(i)) != NULL; i++) {
        memset(got, 0, sizeof got);
        cj_header_view_hash(v, impl, got);
        if (memcmp(got, want, 32) != 0)
            fail_msg("backend %s: cv %u index %llu ts %lld difficulty %llu nonce %llu extra %zu", impl->detail,
                     (unsigned)v->codec_version, (unsigned long long)v->block_index, (long long)v->timestamp,
                     (unsigned long long)v->difficulty_target, (unsigned long long)v->nonce, v->extra_data_len);
    }
    cj_header_view_hash(v, NULL, got);
    assert_memory_equal(got, want, 32);
    static const char *const sel[2] = {"accelerated", "reference"};
    if (v->extra_data_len <= COINJECTURE_MAX_EXTRA_DATA) {
        coinjecture_header h;
        memset(&h, 0, sizeof h);
        h.codec_version = v->codec_version;
        h.block_index = v->block_index;
        h.timestamp = v->timestamp;
        memcpy(h.parent_hash, c->ph, 32);
        memcpy(h.merkle_root, c->mr, 32);
        memcpy(h.miner_address, c->ma, 32);
        memcpy(h.commitment, c->cm, 32);
        h.difficulty_target = v->difficulty_target;
        h.nonce = v->nonce;
        h.extra_data_len = (uint32_t)v->extra_data_len;
        if (v->extra_data_len) memcpy(h.extra_data, v->extra_data, v->extra_data_len);
        for (int s = 0; s < 2; s++) {
            assert_int_equal(coinjecture_backend_select(sel[s]), COINJ_OK);
            memset(got, 0, sizeof got);
            assert_int_equal(coinjecture_header_hash(&h, got), COINJ_OK);
            assert_memory_equal(got, want, 32);
        }
    }
    if (v->block_index <= UINT32_MAX && v->difficulty_target <= UINT32_MAX) {
        BlockHeaderFFI f;
        memset(&f, 0, sizeof f);
        f.codec_version = v->codec_version + 256u; /* the original ABI hashes it modulo 256 */
        f.block_index = (uint32_t)v->block_index;
        f.timestamp = v->timestamp;
        memcpy(f.parent_hash, c->ph, 32);
        memcpy(f.merkle_root, c->mr, 32);
        memcpy(f.miner_address, c->ma, 32);
        memcpy(f.commitment, c->cm, 32);
        f.difficulty_target = (uint32_t)v->difficulty_target;
        f.nonce = v->nonce;
        f.extra_data_len = (uint32_t)v->extra_data_len;
        f.extra_data = v->extra_data;
        for (int s = 0; s < 2; s++) {
            assert_int_equal(coinjecture_backend_select(sel[s]), COINJ_OK);
            memset(got, 0, sizeof got);
            assert_int_equal(coinjecture_compute_header_hash(&f, got), COINJ_OK);
            assert_memory_equal(got, want, 32);
        }
    }
}

/* Fresh random hashes and extra_data of length len whose bytes follow one of four patterns (uniform, all below
 * 0x80, all at or above 0x80, mostly one class with rare switches) so both element forms, the all-short SIMD
 * shortcut and every output alignment occur. */
static void fill_case(case_t *c, uint64_t *seed, size_t len)
{
    tu_rand_bytes(seed, c->ph, 32);
    tu_rand_bytes(seed, c->mr, 32);
    tu_rand_bytes(seed, c->ma, 32);
    tu_rand_bytes(seed, c->cm, 32);
    tu_rand_bytes(seed, c->extra, len);
    unsigned mode = (unsigned)(tu_rand_u64(seed) % 4);
    for (size_t i = 0; i < len; i++) {
        if (mode == 1) c->extra[i] &= 0x7f;
        else if (mode == 2) c->extra[i] |= 0x80;
        else if (mode == 3 && c->extra[i] > 8) c->extra[i] &= 0x7f;
    }
    c->v.parent_hash = c->ph;
    c->v.merkle_root = c->mr;
    c->v.miner_address = c->ma;
    c->v.commitment = c->cm;
    c->v.extra_data = len ? c->extra : NULL;
    c->v.extra_data_len = len;
}

/* A random value of a random width class (boundaries included), for the unsigned fields. */
static uint64_t rand_uint(uint64_t *seed)
{
    static const unsigned bits[] = {0, 7, 8, 16, 32, 64};
    uint64_t r = tu_rand_u64(seed), pick = tu_rand_u64(seed);
    unsigned b = bits[pick % 6];
    if ((pick >> 8) % 4 == 0) return U_EDGES[(pick >> 16) % N_U];
    return b == 64 ? r : r & ((UINT64_C(1) << b) - 1);
}

/* A random value of a random width class for timestamps, either sign. */
static int64_t rand_int(uint64_t *seed)
{
    uint64_t pick = tu_rand_u64(seed);
    if (pick % 4 == 0) return I_EDGES[(pick >> 8) % N_I];
    uint64_t u = rand_uint(seed);
    int64_t x = (int64_t)(u >> 1);
    return (pick >> 4) & 1 ? -x - 1 : x;
}

/* Every (block_index, timestamp) width boundary pair, for codec_version on both sides of 0x80, with the other
 * fields and the extra_data length varying: this is the grid of block-0 layouts the fast path assembles. */
static void test_width_grid(void **state)
{
    (void)state;
    static case_t c;
    static const uint8_t cvs[] = {0, 1, 127, 128, 255};
    uint64_t seed = 7;
    size_t k = 0;
    for (size_t a = 0; a < N_U; a++)
        for (size_t b = 0; b < N_I; b++)
            for (size_t cv = 0; cv < sizeof cvs; cv++, k++) {
                fill_case(&c, &seed, (k * 7) % 300);
                c.v.codec_version = cvs[cv];
                c.v.block_index = U_EDGES[a];
                c.v.timestamp = I_EDGES[b];
                c.v.difficulty_target = U_EDGES[k % N_U];
                c.v.nonce = U_EDGES[(k / N_U) % N_U];
                check_case(&c);
            }
}

/* Every extra_data length 0..300 (every tail position, including the 55/56/64-byte padding edges) for the
 * shortest and longest heads, and the lengths around the streaming chunks up to 2100. */
static void test_extra_lengths(void **state)
{
    (void)state;
    static case_t c;
    uint64_t seed = 11;
    for (int shape = 0; shape < 2; shape++) {
        for (size_t len = 0; len <= 300; len++) {
            fill_case(&c, &seed, len);
            c.v.codec_version = shape ? 200 : 1;
            c.v.block_index = shape ? UINT64_MAX : 0;
            c.v.timestamp = shape ? INT64_MIN : 0;
            c.v.difficulty_target = shape ? UINT64_MAX : 0;
            c.v.nonce = shape ? UINT64_MAX : 0;
            check_case(&c);
        }
    }
    static const size_t lens[] = {511, 512, 513, 575, 576, 1023, 1024, 1025, 1535, 1536, 1537, 2047, 2048, 2049, 2100};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        for (int mode = 0; mode < 3; mode++) {
            fill_case(&c, &seed, lens[i]);
            for (size_t j = 0; j < lens[i]; j++)
                c.extra[j] = mode == 0 ? (uint8_t)(c.extra[j] & 0x7f) : mode == 1 ? (uint8_t)(c.extra[j] | 0x80)
                                                                                  : c.extra[j];
            c.v.codec_version = 1;
            c.v.block_index = 123456 + i;
            c.v.timestamp = 1700000000 - (int64_t)i;
            c.v.difficulty_target = 1000;
            c.v.nonce = 42;
            check_case(&c);
        }
    }
}

/* Random headers: every field of a random width, random lengths 0..2100 (mostly short). */
static void test_random_headers(void **state)
{
    (void)state;
    static case_t c;
    uint64_t seed = 2024;
    for (int it = 0; it < 3000; it++) {
        uint64_t r = tu_rand_u64(&seed);
        size_t len = r % 8 == 0 ? (size_t)((r >> 8) % (MAX_EXTRA + 1)) : (size_t)((r >> 8) % 300);
        fill_case(&c, &seed, len);
        c.v.codec_version = (uint8_t)tu_rand_u64(&seed);
        c.v.block_index = rand_uint(&seed);
        c.v.timestamp = rand_int(&seed);
        c.v.difficulty_target = rand_uint(&seed);
        c.v.nonce = rand_uint(&seed);
        check_case(&c);
    }
}

/* A NULL extra_data with length 0 is an empty array on every path, and the view's pointer is never read. */
static void test_empty_extra_null(void **state)
{
    (void)state;
    static case_t c;
    uint64_t seed = 5;
    fill_case(&c, &seed, 0);
    c.v.codec_version = 1;
    c.v.block_index = 70000;
    c.v.timestamp = -5;
    assert_null(c.v.extra_data);
    check_case(&c);
}

/* Reports whether the fused path is reachable here (it runs for every SHA-NI backend variant). */
static int setup(void **state)
{
    (void)state;
    const cj_sha256_impl *impl;
    int shani = 0;
    for (size_t i = 0; (impl = cj_backend_variant(i)) != NULL; i++) shani |= strncmp(impl->detail, "sha-ni", 6) == 0;
    printf("fused SHA-NI header hash %s on this CPU\n", shani ? "tested" : "not available (generic path only)");
    return 0;
}

/* cmocka entry point. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width_grid),
        cmocka_unit_test(test_extra_lengths),
        cmocka_unit_test(test_random_headers),
        cmocka_unit_test(test_empty_extra_null),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
