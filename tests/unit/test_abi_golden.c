/* The original's 50 golden vectors, through the original ABI only, against the shared library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "coinjecture.h"
#include "testutil.h"

static json_t *vectors;

/* Loads golden/original/network_b_vectors.json (committed) once for all tests. */
static int setup(void **state)
{
    json_error_t err;
    vectors = json_load_file(CJ_ORIGINAL_GOLDEN "/network_b_vectors.json", 0, &err);
    if (!vectors) {
        fprintf(stderr, "cannot load vectors: %s (line %d)\n", err.text, err.line);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    json_decref(vectors);
    return 0;
}

/* Decodes a hex string field of a JSON object into a fresh buffer. */
static uint8_t *hex_field(json_t *obj, const char *key, size_t *len)
{
    const char *s = json_string_value(json_object_get(obj, key));
    assert_non_null(s);
    size_t n = strlen(s) / 2;
    uint8_t *buf = malloc(n ? n : 1);
    assert_non_null(buf);
    *len = tu_unhex(s, buf, n);
    return buf;
}

/* Runs every vector of one operation through fn and counts them. */
static int for_each(const char *op, void (*fn)(json_t *))
{
    int count = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(vectors, "vectors"), i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "operation")), op) == 0) {
            fn(v);
            count++;
        }
    }
    return count;
}

/* SHA256 vectors; the 10 KB one carries only 64 bytes of 0xAA plus input_size. */
static void check_sha(json_t *v)
{
    size_t len;
    uint8_t *in = hex_field(v, "input_hex", &len);
    json_t *size = json_object_get(v, "input_size");
    if (size) {
        size_t n = (size_t)json_integer_value(size);
        uint8_t *big = malloc(n);
        assert_non_null(big);
        memset(big, in[0], n);
        free(in);
        in = big;
        len = n;
    }
    uint8_t out[32];
    assert_int_equal(coinjecture_sha256_hash(in, (uint32_t)len, out), COINJ_OK);
    tu_assert_hash(out, json_string_value(json_object_get(v, "expected_hash")));
    free(in);
}

/* MERKLE vectors; the 100 and 1000-leaf ones give only the count and the leaf rule. */
static void check_merkle(json_t *v)
{
    json_t *list = json_object_get(v, "tx_hashes");
    size_t n = list ? json_array_size(list) : (size_t)json_integer_value(json_object_get(v, "tx_count"));
    uint8_t(*leaves)[32] = calloc(n ? n : 1, 32);
    assert_non_null(leaves);
    for (size_t i = 0; i < n; i++) {
        if (list) {
            tu_unhex(json_string_value(json_array_get(list, i)), leaves[i], 32);
        } else {
            char name[64];
            if (n == 100) snprintf(name, sizeof name, "transaction_%zu", i);
            else snprintf(name, sizeof name, "tx_%04zu", i);
            assert_int_equal(coinjecture_sha256_hash((const uint8_t *)name, (uint32_t)strlen(name), leaves[i]), COINJ_OK);
        }
    }
    if (!list) {
        assert_true(n >= 2);
        uint8_t first[32], last[32];
        memcpy(first, leaves[0], 32);
        memcpy(last, leaves[n - 1], 32);
        tu_assert_hash(first, json_string_value(json_object_get(v, "first_tx_hash")));
        tu_assert_hash(last, json_string_value(json_object_get(v, "last_tx_hash")));
    }
    uint8_t root[32];
    /* The original passed NULL for an empty list; both forms must give the zero root. */
    assert_int_equal(coinjecture_compute_merkle_root(n ? (const uint8_t(*)[32])leaves : NULL, (uint32_t)n, root), COINJ_OK);
    tu_assert_hash(root, json_string_value(json_object_get(v, "expected_root")));
    free(leaves);
}

/* Copies one 32-byte hex field of a vector header into dst. */
static void fill32(json_t *h, const char *key, uint8_t dst[32])
{
    tu_unhex(json_string_value(json_object_get(h, key)), dst, 32);
}

/* BLOCK_HEADER vectors through BlockHeaderFFI (all their integers fit the original's 32-bit fields). */
static void check_header(json_t *v)
{
    json_t *h = json_object_get(v, "header");
    BlockHeaderFFI f;
    memset(&f, 0, sizeof f);
    f.codec_version = (uint32_t)json_integer_value(json_object_get(h, "codec_version"));
    f.block_index = (uint32_t)json_integer_value(json_object_get(h, "block_index"));
    f.timestamp = json_integer_value(json_object_get(h, "timestamp"));
    fill32(h, "parent_hash", f.parent_hash);
    fill32(h, "merkle_root", f.merkle_root);
    fill32(h, "miner_address", f.miner_address);
    fill32(h, "commitment", f.commitment);
    f.difficulty_target = (uint32_t)json_integer_value(json_object_get(h, "difficulty_target"));
    f.nonce = (uint64_t)json_integer_value(json_object_get(h, "nonce"));
    size_t xlen;
    uint8_t *extra = hex_field(h, "extra_data", &xlen);
    f.extra_data = xlen ? extra : NULL;
    f.extra_data_len = (uint32_t)xlen;
    uint8_t out[32];
    assert_int_equal(coinjecture_compute_header_hash(&f, out), COINJ_OK);
    tu_assert_hash(out, json_string_value(json_object_get(v, "expected_hash")));
    free(extra);
}

static void test_sha256_vectors(void **state) { assert_int_equal(for_each("SHA256", check_sha), 10); }
static void test_merkle_vectors(void **state) { assert_int_equal(for_each("MERKLE", check_merkle), 8); }
static void test_header_vectors(void **state) { assert_int_equal(for_each("BLOCK_HEADER", check_header), 32); }

/* The same 50 vectors must pass on every backend the build offers. */
static void test_vectors_on_every_backend(void **state)
{
    for (size_t i = 0; i < coinjecture_backend_count(); i++) {
        assert_int_equal(coinjecture_backend_select(coinjecture_backend_name(i)), COINJ_OK);
        assert_int_equal(for_each("SHA256", check_sha) + for_each("MERKLE", check_merkle) +
                             for_each("BLOCK_HEADER", check_header),
                         50);
    }
    assert_int_equal(coinjecture_backend_select("reference"), COINJ_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_merkle_vectors),
        cmocka_unit_test(test_header_vectors),
        cmocka_unit_test(test_vectors_on_every_backend),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
