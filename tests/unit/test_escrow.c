/* Escrow id and rules (core.md §5.6, §8), through both APIs. */
/* These tests pass NULL to Part II functions on purpose to check the library's refusal (coinjecture.h
 * rule 2), so the compiler's nonnull contract (rule 9) is switched off for this file. */
#define COINJECTURE_NO_ARG_NONNULL
#include <string.h>

#include "coinjecture.h"
#include "testutil.h"

static void test_escrow_id(void **state)
{
    uint8_t s[32], p[32], out[32];
    memset(s, 1, 32);
    memset(p, 2, 32);
    assert_int_equal(coinjecture_compute_escrow_id(s, p, 1000, out), COINJ_OK);
    tu_assert_hash(out, "ac27b022c484b50b15fa4aa5e8fd5518215bc82b13a681992d6d1078e02227ce");
}

static void test_creation(void **state)
{
    assert_int_equal(coinjecture_validate_escrow_creation(1000, 10, 110), COINJ_OK);
    assert_int_equal(coinjecture_validate_escrow_creation(999, 10, 110), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_validate_escrow_creation(1000, 10, 109), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_validate_escrow_creation(1000, 10, 100010), COINJ_OK);
    assert_int_equal(coinjecture_validate_escrow_creation(1000, 10, 100011), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_validate_escrow_creation(1000, 10, 10), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_validate_escrow_creation(1000, 10, 5), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_validate_escrow_creation(1000, UINT64_MAX - 100, UINT64_MAX), COINJ_OK);
}

static void test_release_refund(void **state)
{
    BountyEscrowFFI e;
    memset(&e, 0, sizeof e);
    e.expiry_block = 500;
    uint8_t r[32] = {0}, zero[32] = {0};
    r[31] = 1;
    assert_int_equal(coinjecture_validate_escrow_release(&e, r), COINJ_OK);
    assert_int_equal(coinjecture_validate_escrow_release(&e, zero), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_validate_escrow_refund(&e, 499), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_validate_escrow_refund(&e, 500), COINJ_OK);
    for (uint32_t st = 1; st <= 2; st++) {
        e.state = st;
        assert_int_equal(coinjecture_validate_escrow_release(&e, r), COINJ_ERROR_INVALID_INPUT);
        assert_int_equal(coinjecture_validate_escrow_refund(&e, 1000), COINJ_ERROR_INVALID_INPUT);
    }
    coinjecture_escrow x;
    memset(&x, 0, sizeof x);
    x.expiry_block = 500;
    assert_int_equal(coinjecture_escrow_check_release(&x, r), COINJ_OK);
    assert_int_equal(coinjecture_escrow_check_refund(&x, 500), COINJ_OK);
    assert_int_equal(coinjecture_escrow_check_refund(&x, 499), COINJ_ERROR_INVALID_INPUT);
    x.state = 7;
    assert_int_equal(coinjecture_escrow_check_release(&x, r), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_escrow_check_release(NULL, r), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_escrow_check_release(&x, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_escrow_check_refund(NULL, 1), COINJ_ERROR_INVALID_INPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escrow_id),
        cmocka_unit_test(test_creation),
        cmocka_unit_test(test_release_refund),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
