/* Unit tests of the wire-level double-sign detector (src/node/consensus/evidence.c). */
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "log.h"
#include "metrics.h"
#include "testutil.h"

/* A header at height h whose content (and so hash) varies with `variant`. */
static coinjecture_header hdr(uint64_t h, uint8_t variant)
{
    coinjecture_header x;
    memset(&x, 0, sizeof x);
    x.codec_version = 1;
    x.block_index = h;
    x.timestamp = 1700000000000 + (int64_t)h;
    x.nonce = variant;
    x.extra_data_len = 96;
    memset(x.extra_data, variant, 96);
    return x;
}

static void test_pairs_are_recorded_once(void **state)
{
    (void)state;
    uint8_t va[32], vb[32], h1[32], h2[32];
    memset(va, 0xaa, 32);
    memset(vb, 0xbb, 32);
    cj_evidence_pool *p = cj_evidence_new(64, 8);
    assert_non_null(p);
    double before = cj_metrics_value("double_sign_evidence_total");
    coinjecture_header a = hdr(5, 1), b = hdr(5, 2), c = hdr(5, 3), other_height = hdr(6, 2);
    assert_int_equal(coinjecture_header_hash(&a, h1), COINJ_OK);
    assert_int_equal(coinjecture_header_hash(&b, h2), COINJ_OK);
    assert_int_equal(cj_evidence_observe(p, NULL, &a, va, 10), 0);
    assert_int_equal(cj_evidence_observe(p, NULL, &a, va, 11), 0);          /* same header again */
    assert_int_equal(cj_evidence_observe(p, NULL, &b, vb, 12), 0);          /* another validator */
    assert_int_equal(cj_evidence_observe(p, NULL, &other_height, va, 13), 0); /* another height */
    assert_int_equal(cj_evidence_count(p), 0);
    assert_int_equal(cj_evidence_observe(p, NULL, &b, va, 14), 1);          /* conflict */
    assert_int_equal(cj_evidence_count(p), 1);
    const cj_evidence_record *r = cj_evidence_get(p, 0);
    assert_non_null(r);
    assert_true(r->height == 5);
    assert_memory_equal(r->validator, va, 32);
    assert_memory_equal(r->hash_a, h1, 32);
    assert_memory_equal(r->hash_b, h2, 32);
    assert_true(r->header_a.nonce == 1 && r->header_b.nonce == 2); /* both headers kept */
    assert_true(r->seen_ms == 14);
    assert_int_equal(r->in_chain, 0);
    assert_int_equal(cj_evidence_observe(p, NULL, &b, va, 15), 0); /* already recorded */
    assert_int_equal(cj_evidence_observe(p, NULL, &a, va, 15), 0);
    assert_int_equal(cj_evidence_observe(p, NULL, &c, va, 16), 1); /* a third header: new pair */
    assert_int_equal(cj_evidence_count(p), 2);
    assert_true(cj_evidence_get(p, 0)->header_b.nonce == 3); /* newest first */
    assert_true(cj_evidence_get(p, 1)->header_b.nonce == 2);
    assert_null(cj_evidence_get(p, 2));
    assert_true(cj_evidence_counted(p) == 2);
    assert_true(cj_metrics_value("double_sign_evidence_total") == before + 2);
    cj_evidence_free(p);
}

static void test_bounds(void **state)
{
    (void)state;
    uint8_t v[32];
    memset(v, 7, 32);
    /* at most 2 records, 16 remembered headers */
    cj_evidence_pool *p = cj_evidence_new(1, 2);
    assert_non_null(p);
    for (uint8_t k = 0; k < 3; k++) {
        coinjecture_header x = hdr(100 + k, 1), y = hdr(100 + k, 2);
        assert_int_equal(cj_evidence_observe(p, NULL, &x, v, 0), 0);
        assert_int_equal(cj_evidence_observe(p, NULL, &y, v, 0), 1);
    }
    assert_int_equal(cj_evidence_count(p), 2);
    assert_true(cj_evidence_get(p, 0)->height == 102 && cj_evidence_get(p, 1)->height == 101);
    assert_true(cj_evidence_counted(p) == 3);
    /* the oldest remembered header is forgotten after 16 newer ones */
    coinjecture_header first = hdr(1, 1), conflict = hdr(1, 2);
    assert_int_equal(cj_evidence_observe(p, NULL, &first, v, 0), 0);
    for (uint64_t h = 2; h < 2 + 16; h++) {
        coinjecture_header x = hdr(h, 1);
        assert_int_equal(cj_evidence_observe(p, NULL, &x, v, 0), 0);
    }
    assert_int_equal(cj_evidence_observe(p, NULL, &conflict, v, 0), 0);
    cj_evidence_free(p);
}

static void test_null_and_sealer(void **state)
{
    (void)state;
    uint8_t v[32] = {0};
    coinjecture_header x = hdr(1, 1);
    cj_evidence_pool *p = cj_evidence_new(16, 1);
    assert_non_null(p);
    assert_int_equal(cj_evidence_observe(NULL, NULL, &x, v, 0), -1);
    assert_int_equal(cj_evidence_observe(p, NULL, NULL, v, 0), -1);
    assert_int_equal(cj_evidence_observe(p, NULL, &x, NULL, 0), -1);
    x.extra_data_len = COINJECTURE_MAX_EXTRA_DATA + 1; /* unhashable */
    assert_int_equal(cj_evidence_observe(p, NULL, &x, v, 0), -1);
    assert_int_equal(cj_evidence_count(NULL), 0);
    assert_null(cj_evidence_get(NULL, 0));
    assert_true(cj_evidence_counted(NULL) == 0);
    x = hdr(1, 1);
    assert_int_equal(cj_evidence_sealer(NULL, &x), -1);
    assert_int_equal(cj_evidence_sealer(NULL, NULL), -1);
    cj_evidence_free(p);
    cj_evidence_free(NULL);
}

int main(void)
{
    cj_log_set_level(CJ_LOG_CRITICAL);
    if (cj_metrics_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs_are_recorded_once),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_null_and_sealer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
