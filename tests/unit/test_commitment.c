/* Address, epoch salt, miner salt and commitment hash reference values (core.md §5). */
/* These tests pass NULL to Part II functions on purpose to check the library's refusal (coinjecture.h
 * rule 2), so the compiler's nonnull contract (rule 9) is switched off for this file. */
#define COINJECTURE_NO_ARG_NONNULL
#include <string.h>

#include "coinjecture.h"
#include "testutil.h"

static void test_epoch_salt(void **state)
{
    uint8_t parent[32], out[32];
    memset(parent, 0x42, 32); /* core.md writes the byte as "42" (hex) */
    assert_int_equal(coinjecture_epoch_salt(parent, UINT64_C(0x0102030405060708), out), COINJ_OK);
    tu_assert_hash(out, "baa5874a06953f7ba7a9ce00794f232ea0283330ce2341859308a4832616d1de");
    assert_int_equal(coinjecture_epoch_salt(NULL, 1, out), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_epoch_salt(parent, 1, NULL), COINJ_ERROR_INVALID_INPUT);
}

static void test_miner_salt(void **state)
{
    uint8_t key[32], es[32], parent[32], out[32];
    memset(key, 1, 32);
    memset(es, 2, 32);
    memset(parent, 3, 32);
    assert_int_equal(coinjecture_miner_salt(key, es, parent, 100, out), COINJ_OK);
    tu_assert_hash(out, "e863a2cc331231b76b8485ed1646292f2f4dff3338dc83abd01f45ed24433231");
    assert_int_equal(coinjecture_miner_salt(NULL, es, parent, 100, out), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_miner_salt(key, NULL, parent, 100, out), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_miner_salt(key, es, NULL, 100, out), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_miner_salt(key, es, parent, 100, NULL), COINJ_ERROR_INVALID_INPUT);
}

static void test_commitment_hash(void **state)
{
    coinjecture_commitment c;
    memset(c.epoch_salt, 1, 32);
    memset(c.problem_hash, 2, 32);
    memset(c.solution_hash, 3, 32);
    memset(c.miner_salt, 4, 32);
    uint8_t out[32];
    assert_int_equal(coinjecture_commitment_hash(&c, out), COINJ_OK);
    tu_assert_hash(out, "fefe0b60760d09ad6bc1add63edfb27b3fd077d1237a807c768a8e20416d1151");
    assert_int_equal(coinjecture_commitment_hash(NULL, out), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_commitment_hash(&c, NULL), COINJ_ERROR_INVALID_INPUT);
}

/* create() gathers exactly epoch_salt(parent, index), problem hash, solution hash and the salt. */
static void test_commitment_create(void **state)
{
    coinjecture_problem p;
    coinjecture_solution s;
    memset(&p, 0, sizeof p);
    memset(&s, 0, sizeof s);
    p.problem_type = COINJECTURE_PROBLEM_SUBSET_SUM;
    p.tier = COINJECTURE_TIER_DESKTOP;
    p.elements_len = 12;
    for (int i = 0; i < 12; i++) p.elements[i] = i;
    p.target = 3;
    s.indices_len = 2;
    s.indices[0] = 1;
    s.indices[1] = 2;
    uint8_t salt[32], parent[32], es[32], ph[32], sh[32];
    memset(salt, 9, 32);
    memset(parent, 8, 32);
    coinjecture_commitment c;
    assert_int_equal(coinjecture_commitment_create(&p, &s, salt, parent, 77, &c), COINJ_OK);
    assert_int_equal(coinjecture_epoch_salt(parent, 77, es), COINJ_OK);
    assert_int_equal(coinjecture_problem_hash(&p, ph), COINJ_OK);
    assert_int_equal(coinjecture_solution_hash(&s, sh), COINJ_OK);
    assert_memory_equal(c.epoch_salt, es, 32);
    assert_memory_equal(c.problem_hash, ph, 32);
    assert_memory_equal(c.solution_hash, sh, 32);
    assert_memory_equal(c.miner_salt, salt, 32);
    assert_int_equal(coinjecture_commitment_create(NULL, &s, salt, parent, 1, &c), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_commitment_create(&p, NULL, salt, parent, 1, &c), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_commitment_create(&p, &s, NULL, parent, 1, &c), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_commitment_create(&p, &s, salt, NULL, 1, &c), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_commitment_create(&p, &s, salt, parent, 1, NULL), COINJ_ERROR_INVALID_INPUT);
    /* An unencodable problem (too many elements) is refused, output untouched. */
    memset(&c, 0xAB, sizeof c);
    p.elements_len = 33;
    assert_int_not_equal(coinjecture_commitment_create(&p, &s, salt, parent, 1, &c), COINJ_OK);
    assert_int_equal(c.epoch_salt[0], 0xAB);
}

static void test_address(void **state)
{
    uint8_t out[32];
    assert_int_equal(coinjecture_derive_address((const uint8_t *)"validator1_pubkey_padding_32byte", out), COINJ_OK);
    uint8_t again[32];
    assert_int_equal(coinjecture_sha256((const uint8_t *)"validator1_pubkey_padding_32byte", 32, again), COINJ_OK);
    assert_memory_equal(out, again, 32);
    assert_int_equal(coinjecture_derive_address(NULL, out), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_derive_address(out, NULL), COINJ_ERROR_INVALID_INPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_salt),      cmocka_unit_test(test_miner_salt),
        cmocka_unit_test(test_commitment_hash), cmocka_unit_test(test_commitment_create),
        cmocka_unit_test(test_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
