/* Hashing on an explicitly named backend (coinjecture_backend_query / _sha256 / _sha256_init /
 * _merkle_root / _header_hash), through the shared library: every backend this CPU runs gives the bytes of
 * the ordinary functions, "accelerated" is refused (never silently portable) where the CPU has no
 * accelerated path, unknown names are refused with outputs untouched, and the process-wide selection is
 * never touched. */
/* NULL is passed on purpose below to check the refusals (coinjecture.h rule 2), so the compiler's nonnull
 * contract (rule 9) is switched off for this file. */
#define COINJECTURE_NO_ARG_NONNULL
#include <stdlib.h>
#include <string.h>

#include "coinjecture.h"
#include "testutil.h"

static const char *const names[] = {"reference", "accelerated"};

/* Whether the named backend runs here (reference always does). */
static int available(const char *name)
{
    const char *detail = NULL;
    CoinjResult rc = coinjecture_backend_query(name, &detail);
    assert_true(rc == COINJ_OK || rc == COINJ_ERROR_UNSUPPORTED);
    if (rc == COINJ_OK) {
        assert_non_null(detail);
        assert_true(detail[0] != '\0');
    }
    return rc == COINJ_OK;
}

/* query agrees with what selecting the backend would run, and never changes the selection. */
static void test_query(void **state)
{
    (void)state;
    const char *detail = NULL;
    assert_int_equal(coinjecture_backend_query("reference", &detail), COINJ_OK);
    assert_string_equal(detail, "portable");
    assert_int_equal(coinjecture_backend_query("reference", NULL), COINJ_OK);
    detail = "untouched";
    assert_int_equal(coinjecture_backend_query("bogus", &detail), COINJ_ERROR_UNSUPPORTED);
    assert_string_equal(detail, "untouched");
    assert_non_null(strstr(coinjecture_last_error_message(), "unknown backend"));
    assert_int_equal(coinjecture_backend_query(NULL, &detail), COINJ_ERROR_INVALID_INPUT);

    for (size_t i = 0; i < coinjecture_backend_count(); i++)
        (void)available(coinjecture_backend_name(i)); /* every listed name is known */

    const char *before = coinjecture_backend_active();
    int accel = available("accelerated");
    assert_string_equal(coinjecture_backend_active(), before);
    assert_int_equal(coinjecture_backend_select("accelerated"), COINJ_OK);
    assert_string_equal(coinjecture_backend_active(), accel ? "accelerated" : "reference");
    if (accel) {
        assert_int_equal(coinjecture_backend_query("accelerated", &detail), COINJ_OK);
        assert_string_equal(detail, coinjecture_backend_detail());
    } else {
        assert_int_equal(coinjecture_backend_query("accelerated", &detail), COINJ_ERROR_UNSUPPORTED);
        assert_non_null(strstr(coinjecture_last_error_message(), "no accelerated"));
        print_message("no accelerated path on this CPU: only the refusal is tested\n");
    }
    assert_int_equal(coinjecture_backend_select("reference"), COINJ_OK);
}

/* One-shot and streaming on each backend equal coinjecture_sha256; refusals leave out untouched. */
static void test_sha256(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 4096 + 3};
    uint8_t data[4099], want[32], got[32];
    uint64_t rng = 7;
    tu_rand_bytes(&rng, data, sizeof data);
    for (size_t b = 0; b < 2; b++) {
        const char *name = names[b];
        int ok = available(name);
        for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
            assert_int_equal(coinjecture_sha256(data, lens[i], want), COINJ_OK);
            memset(got, 0xee, 32);
            CoinjResult rc = coinjecture_backend_sha256(name, data, lens[i], got);
            if (!ok) {
                assert_int_equal(rc, COINJ_ERROR_UNSUPPORTED);
                assert_int_equal(got[0], 0xee);
                continue;
            }
            assert_int_equal(rc, COINJ_OK);
            assert_memory_equal(got, want, 32);
            /* streaming in uneven pieces */
            coinjecture_sha256_ctx ctx;
            assert_int_equal(coinjecture_backend_sha256_init(name, &ctx), COINJ_OK);
            for (size_t off = 0, k = 1; off < lens[i]; off += k, k = k * 3 + 1) {
                if (k > lens[i] - off)
                    k = lens[i] - off;
                assert_int_equal(coinjecture_sha256_update(&ctx, data + off, k), COINJ_OK);
            }
            assert_int_equal(coinjecture_sha256_final(&ctx, got), COINJ_OK);
            assert_memory_equal(got, want, 32);
        }
    }
    /* the empty string, a known vector */
    assert_int_equal(coinjecture_backend_sha256("reference", NULL, 0, got), COINJ_OK);
    tu_assert_hash(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    memset(got, 0xee, 32);
    assert_int_equal(coinjecture_backend_sha256("bogus", data, 3, got), COINJ_ERROR_UNSUPPORTED);
    assert_int_equal(got[0], 0xee);
    assert_int_equal(coinjecture_backend_sha256(NULL, data, 3, got), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_backend_sha256("reference", NULL, 3, got), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_backend_sha256("reference", data, 3, NULL), COINJ_ERROR_INVALID_INPUT);
    coinjecture_sha256_ctx ctx;
    memset(&ctx, 0x11, sizeof ctx);
    assert_int_equal(coinjecture_backend_sha256_init("bogus", &ctx), COINJ_ERROR_UNSUPPORTED);
    assert_int_equal(ctx.bytes, 0x1111111111111111ull); /* untouched */
    assert_int_equal(coinjecture_backend_sha256_init("reference", NULL), COINJ_ERROR_INVALID_INPUT);
}

/* Merkle roots on each backend equal coinjecture_merkle_root (serial and threaded sizes). */
static void test_merkle(void **state)
{
    (void)state;
    static const size_t counts[] = {0, 1, 2, 3, 7, 1000, 5000};
    uint8_t(*leaves)[32] = malloc(5000 * 32);
    assert_non_null(leaves);
    uint64_t rng = 99;
    tu_rand_bytes(&rng, (uint8_t *)leaves, 5000 * 32);
    uint8_t want[32], got[32];
    for (size_t b = 0; b < 2; b++) {
        int ok = available(names[b]);
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
            assert_int_equal(coinjecture_merkle_root((const uint8_t(*)[32])leaves, counts[i], want), COINJ_OK);
            memset(got, 0xee, 32);
            CoinjResult rc = coinjecture_backend_merkle_root(names[b], (const uint8_t(*)[32])leaves, counts[i], got);
            assert_int_equal(rc, ok ? COINJ_OK : COINJ_ERROR_UNSUPPORTED);
            if (ok)
                assert_memory_equal(got, want, 32);
            else
                assert_int_equal(got[0], 0xee);
        }
    }
    /* two leaves: SHA-256 of their concatenation */
    assert_int_equal(coinjecture_sha256(leaves[0], 64, want), COINJ_OK);
    assert_int_equal(coinjecture_backend_merkle_root("reference", (const uint8_t(*)[32])leaves, 2, got), COINJ_OK);
    assert_memory_equal(got, want, 32);
    assert_int_equal(coinjecture_backend_merkle_root("reference", NULL, 0, got), COINJ_OK);
    assert_int_equal(coinjecture_backend_merkle_root("reference", NULL, 2, got), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_backend_merkle_root("bogus", (const uint8_t(*)[32])leaves, 2, got),
                     COINJ_ERROR_UNSUPPORTED);
    free(leaves);
}

/* Header hashes on each backend equal coinjecture_header_hash; the encoder's limits still apply. */
static void test_header(void **state)
{
    (void)state;
    coinjecture_header h;
    uint8_t want[32], got[32];
    uint64_t rng = 5;
    for (uint32_t extra = 0; extra <= COINJECTURE_MAX_EXTRA_DATA; extra += 51) {
        tu_rand_bytes(&rng, (uint8_t *)&h, sizeof h);
        h.extra_data_len = extra;
        assert_int_equal(coinjecture_header_hash(&h, want), COINJ_OK);
        for (size_t b = 0; b < 2; b++) {
            int ok = available(names[b]);
            memset(got, 0xee, 32);
            assert_int_equal(coinjecture_backend_header_hash(names[b], &h, got),
                             ok ? COINJ_OK : COINJ_ERROR_UNSUPPORTED);
            if (ok)
                assert_memory_equal(got, want, 32);
            else
                assert_int_equal(got[0], 0xee);
        }
    }
    h.extra_data_len = COINJECTURE_MAX_EXTRA_DATA + 1;
    assert_int_equal(coinjecture_backend_header_hash("reference", &h, got), COINJ_ERROR_ENCODING);
    assert_int_equal(coinjecture_backend_header_hash("bogus", &h, got), COINJ_ERROR_UNSUPPORTED);
    assert_int_equal(coinjecture_backend_header_hash("reference", NULL, got), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_backend_header_hash("reference", &h, NULL), COINJ_ERROR_INVALID_INPUT);
}

/* Naming a backend never changes the process-wide choice. */
static void test_selection_untouched(void **state)
{
    (void)state;
    uint8_t out[32];
    assert_int_equal(coinjecture_backend_select("reference"), COINJ_OK);
    const char *req = coinjecture_backend_requested(), *act = coinjecture_backend_active();
    if (available("accelerated"))
        assert_int_equal(coinjecture_backend_sha256("accelerated", (const uint8_t *)"x", 1, out), COINJ_OK);
    assert_int_equal(coinjecture_backend_sha256("reference", (const uint8_t *)"x", 1, out), COINJ_OK);
    assert_string_equal(coinjecture_backend_requested(), req);
    assert_string_equal(coinjecture_backend_active(), act);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query),  cmocka_unit_test(test_sha256),           cmocka_unit_test(test_merkle),
        cmocka_unit_test(test_header), cmocka_unit_test(test_selection_untouched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
