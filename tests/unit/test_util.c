/* Hex helpers, constant-time compare, constants, result names and the thread-local last error. */
/* These tests pass NULL to Part II functions on purpose to check the library's refusal (coinjecture.h
 * rule 2), so the compiler's nonnull contract (rule 9) is switched off for this file. */
#define COINJECTURE_NO_ARG_NONNULL
#include <pthread.h>
#include <string.h>

#include "coinjecture.h"
#include "testutil.h"

static void test_hex(void **state)
{
    uint8_t b[4] = {0x00, 0xab, 0x7f, 0xff}, out[4];
    char s[9];
    assert_int_equal(coinjecture_hex_encode(b, 4, s, sizeof s), COINJ_OK);
    assert_string_equal(s, "00ab7fff");
    assert_int_equal(coinjecture_hex_encode(b, 4, s, 8), COINJ_ERROR_BUFFER_TOO_SMALL);
    assert_int_equal(coinjecture_hex_encode(NULL, 4, s, 9), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_hex_encode(NULL, 0, s, 1), COINJ_OK);
    assert_string_equal(s, "");
    assert_int_equal(coinjecture_hex_decode("00AB7fFF", out, 4), COINJ_OK);
    assert_memory_equal(out, b, 4);
    assert_int_equal(coinjecture_hex_decode("0x00ab7fff", out, 4), COINJ_OK);
    assert_int_equal(coinjecture_hex_decode("00ab7ff", out, 4), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_hex_decode("00ab7fff00", out, 4), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_hex_decode("00ab7fgf", out, 4), COINJ_ERROR_INVALID_INPUT);
    assert_non_null(strstr(coinjecture_last_error_message(), "offset 6"));
    assert_int_equal(coinjecture_hex_decode("00ab 7ff", out, 4), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_hex_decode("-0ab7fff", out, 4), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_hex_decode(NULL, out, 4), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_hex_decode("00", NULL, 1), COINJ_ERROR_INVALID_INPUT);
}

static void test_hash_equal(void **state)
{
    uint8_t a[32] = {1}, b[32] = {1};
    assert_int_equal(coinjecture_hash_equal(a, b), 1);
    b[31] = 1;
    assert_int_equal(coinjecture_hash_equal(a, b), 0);
    assert_int_equal(coinjecture_hash_equal(NULL, b), 0);
    assert_int_equal(coinjecture_hash_equal(a, NULL), 0);
}

static void test_constants(void **state)
{
    assert_int_equal(coinjecture_max_block_size(), COINJECTURE_MAX_BLOCK_SIZE);
    assert_int_equal(coinjecture_max_block_size(), 10485760);
    assert_int_equal(coinjecture_max_extra_data(), 256);
    assert_int_equal(coinjecture_max_tx_data(), 1048576);
    assert_int_equal(coinjecture_max_tx_per_block(), 10000);
    assert_int_equal(coinjecture_max_elements(), 32);
    assert_string_equal(coinjecture_version(), "4.0.0");
    assert_non_null(coinjecture_library_version());
    assert_string_equal(coinjecture_result_name(COINJ_ERROR_DECODE_KEY), "COINJ_ERROR_DECODE_KEY");
    assert_string_equal(coinjecture_result_name((CoinjResult)1234), "unknown");
    for (int rc = 0; rc <= 25; rc++) assert_non_null(coinjecture_result_name((CoinjResult)rc));
}

/* Each thread sees only its own failure message. */
static void *thread_fail(void *arg)
{
    uint8_t out[1];
    if (coinjecture_hex_decode("zz", out, 1) != COINJ_ERROR_INVALID_INPUT) return (void *)0;
    return (void *)(uintptr_t)(strstr(coinjecture_last_error_message(), "offset 0") != NULL);
}

static void test_last_error_thread_local(void **state)
{
    assert_int_equal(coinjecture_hex_decode("abc", NULL, 0), COINJ_ERROR_INVALID_INPUT);
    char *before = coinjecture_last_error();
    pthread_t t;
    void *ok;
    assert_int_equal(pthread_create(&t, NULL, thread_fail, NULL), 0);
    assert_int_equal(pthread_join(t, &ok), 0);
    assert_true(ok != NULL);
    char *after = coinjecture_last_error();
    assert_string_equal(before, after); /* untouched by the other thread */
    assert_non_null(strstr(after, "expected 0 hex digits"));
    coinjecture_free_string(before);
    coinjecture_free_string(after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_hash_equal),
        cmocka_unit_test(test_constants),
        cmocka_unit_test(test_last_error_thread_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
