/* Every original-ABI function against NULL, zero-length and out-of-range input, through the shared
 * library: the documented code comes back, outputs stay untouched, and the process survives. */
#include <stdlib.h>
#include <string.h>

#include "coinjecture.h"
#include "testutil.h"

/* Struct layouts are part of the ABI (core.md §2.3, LP64). */
static void test_struct_layouts(void **state)
{
#if UINTPTR_MAX == 0xffffffffffffffffu
    assert_int_equal(sizeof(BlockHeaderFFI), 176);
    assert_int_equal(offsetof(BlockHeaderFFI, difficulty_target), 144);
    assert_int_equal(offsetof(BlockHeaderFFI, nonce), 152);
    assert_int_equal(offsetof(BlockHeaderFFI, extra_data), 168);
    assert_int_equal(sizeof(SubsetSumProblemFFI), 40);
    assert_int_equal(offsetof(SubsetSumProblemFFI, target), 24);
    assert_int_equal(sizeof(SubsetSumSolutionFFI), 24);
    assert_int_equal(sizeof(VerifyBudgetFFI), 12);
    assert_int_equal(sizeof(TransactionFFI), 192);
    assert_int_equal(offsetof(TransactionFFI, data), 168);
    assert_int_equal(offsetof(TransactionFFI, timestamp), 184);
    assert_int_equal(sizeof(AccountStateFFI), 16);
    assert_int_equal(sizeof(ValidationResultFFI), 32);
    assert_int_equal(sizeof(BountyEscrowFFI), 216);
    assert_int_equal(offsetof(BountyEscrowFFI, settled_block), 168);
    assert_int_equal(offsetof(BountyEscrowFFI, settlement_tx), 180);
#endif
    assert_int_equal(COINJ_ERR_INVALID_INPUT, 1);
    assert_int_equal(COINJ_ERR_VERIFICATION_FAILED, 3);
    assert_int_equal(COINJ_ERR_INTERNAL, 5);
    assert_int_equal(sizeof(CoinjResult), sizeof(int));
}

static void test_sha256_args(void **state)
{
    uint8_t out[32];
    memset(out, 0xEE, 32);
    assert_int_equal(coinjecture_sha256_hash(NULL, 5, out), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(out[0], 0xEE);
    assert_int_equal(coinjecture_sha256_hash((const uint8_t *)"x", 1, NULL), COINJ_ERROR_INVALID_INPUT);
    /* (NULL, 0) is accepted: the empty string. */
    assert_int_equal(coinjecture_sha256_hash(NULL, 0, out), COINJ_OK);
    tu_assert_hash(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_int_equal(coinjecture_sha256_hash((const uint8_t *)"", 0, out), COINJ_OK);
    tu_assert_hash(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_header_args(void **state)
{
    BlockHeaderFFI h;
    memset(&h, 0, sizeof h);
    uint8_t out[32];
    memset(out, 0xEE, 32);
    assert_int_equal(coinjecture_compute_header_hash(NULL, out), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_compute_header_hash(&h, NULL), COINJ_ERROR_INVALID_INPUT);
    h.extra_data_len = 3;
    assert_int_equal(coinjecture_compute_header_hash(&h, out), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(out[0], 0xEE);
    /* Length 0 ignores the pointer, even a bogus one. */
    h.extra_data_len = 0;
    h.extra_data = (const uint8_t *)(uintptr_t)1;
    assert_int_equal(coinjecture_compute_header_hash(&h, out), COINJ_OK);
    /* codec_version is truncated modulo 256 as in the original: 257 hashes like 1. */
    uint8_t a[32], b[32];
    h.codec_version = 1;
    assert_int_equal(coinjecture_compute_header_hash(&h, a), COINJ_OK);
    h.codec_version = 257;
    assert_int_equal(coinjecture_compute_header_hash(&h, b), COINJ_OK);
    assert_memory_equal(a, b, 32);
    /* extra_data longer than the 256-byte block limit still hashes through this ABI. */
    uint8_t big[1000];
    memset(big, 0x80, sizeof big);
    h.extra_data = big;
    h.extra_data_len = sizeof big;
    assert_int_equal(coinjecture_compute_header_hash(&h, out), COINJ_OK);
}

static void test_merkle_args(void **state)
{
    uint8_t out[32], leaf[1][32] = {{1}};
    memset(out, 0xEE, 32);
    assert_int_equal(coinjecture_compute_merkle_root(NULL, 5, out), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(out[0], 0xEE);
    assert_int_equal(coinjecture_compute_merkle_root((const uint8_t(*)[32])leaf, 1, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_compute_merkle_root(NULL, 0, out), COINJ_OK);
    for (int i = 0; i < 32; i++) assert_int_equal(out[i], 0);
    assert_int_equal(coinjecture_compute_merkle_root((const uint8_t(*)[32])leaf, 1, out), COINJ_OK);
    assert_memory_equal(out, leaf[0], 32);
}

static void test_subset_sum_args(void **state)
{
    int64_t el[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    uint32_t idx[2] = {0, 1};
    SubsetSumProblemFFI p = {0, 0, el, 8, 3, 0};
    SubsetSumSolutionFFI s = {idx, 2, 0};
    VerifyBudgetFFI b = {4096, 60000, 1u << 28};
    int32_t valid = 7;
    assert_int_equal(coinjecture_verify_subset_sum(NULL, &s, &b, &valid), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_verify_subset_sum(&p, NULL, &b, &valid), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_verify_subset_sum(&p, &s, NULL, &valid), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_verify_subset_sum(&p, &s, &b, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(valid, 7);
    p.elements = NULL;
    assert_int_equal(coinjecture_verify_subset_sum(&p, &s, &b, &valid), COINJ_ERROR_INVALID_INPUT);
    p.elements = el;
    p.elements_len = 0;
    assert_int_equal(coinjecture_verify_subset_sum(&p, &s, &b, &valid), COINJ_ERROR_INVALID_INPUT);
    p.elements_len = 8;
    s.indices = NULL;
    s.indices_len = 0;
    assert_int_equal(coinjecture_verify_subset_sum(&p, &s, &b, &valid), COINJ_ERROR_INVALID_INPUT);
    s.indices = idx;
    s.indices_len = 2;
    p.tier = 5;
    assert_int_equal(coinjecture_verify_subset_sum(&p, &s, &b, &valid), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(valid, 7);
    p.tier = 0;
    assert_int_equal(coinjecture_verify_subset_sum(&p, &s, &b, &valid), COINJ_OK);
    assert_int_equal(valid, 1);
    /* An invalid solution: code 3 as in the original, and (unlike it) out_valid = 0. */
    p.target = 4;
    assert_int_equal(coinjecture_verify_subset_sum(&p, &s, &b, &valid), COINJ_ERROR_VERIFICATION_FAILED);
    assert_int_equal(valid, 0);
    /* A huge declared length is refused by the tier rule before anything is read. */
    p.elements_len = UINT32_MAX;
    assert_int_equal(coinjecture_verify_subset_sum(&p, &s, &b, &valid), COINJ_ERROR_VERIFICATION_FAILED);
    p.elements_len = 8;
    s.indices_len = UINT32_MAX;
    assert_int_equal(coinjecture_verify_subset_sum(&p, &s, &b, &valid), COINJ_ERROR_VERIFICATION_FAILED);
}

static void test_transaction_args(void **state)
{
    TransactionFFI tx;
    memset(&tx, 0, sizeof tx);
    tx.tx_type = 1;
    AccountStateFFI acct = {0, 0};
    ValidationResultFFI res = {7, 7, 7, 7};
    assert_int_equal(coinjecture_verify_transaction(NULL, &acct, &res), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_verify_transaction(&tx, NULL, &res), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_verify_transaction(&tx, &acct, NULL), COINJ_ERROR_INVALID_INPUT);
    tx.data_len = 10;
    assert_int_equal(coinjecture_verify_transaction(&tx, &acct, &res), COINJ_ERROR_INVALID_INPUT);
    tx.data_len = 0;
    tx.tx_type = 4;
    assert_int_equal(coinjecture_verify_transaction(&tx, &acct, &res), COINJ_ERROR_INVALID_INPUT);
    tx.tx_type = 0;
    assert_int_equal(coinjecture_verify_transaction(&tx, &acct, &res), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(res.valid, 7);
    /* A zero signature from a zero key is a rule failure: code 3, valid = 0, other fields untouched. */
    tx.tx_type = 1;
    assert_int_equal(coinjecture_verify_transaction(&tx, &acct, &res), COINJ_ERROR_VERIFICATION_FAILED);
    assert_int_equal(res.valid, 0);
    assert_int_equal(res.fee, 7);
}

static void test_escrow_args(void **state)
{
    uint8_t a[32] = {1}, out[32];
    assert_int_equal(coinjecture_compute_escrow_id(NULL, a, 1, out), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_compute_escrow_id(a, NULL, 1, out), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_compute_escrow_id(a, a, 1, NULL), COINJ_ERROR_INVALID_INPUT);
    BountyEscrowFFI e;
    memset(&e, 0, sizeof e);
    assert_int_equal(coinjecture_validate_escrow_release(NULL, a), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_validate_escrow_release(&e, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_validate_escrow_refund(NULL, 5), COINJ_ERROR_INVALID_INPUT);
    e.state = 3;
    assert_int_equal(coinjecture_validate_escrow_release(&e, a), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_validate_escrow_refund(&e, UINT64_MAX), COINJ_ERROR_INVALID_INPUT);
    e.state = UINT32_MAX;
    assert_int_equal(coinjecture_validate_escrow_refund(&e, UINT64_MAX), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_validate_escrow_creation(UINT64_MAX, UINT64_MAX - 50, UINT64_MAX), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_validate_escrow_creation(UINT64_MAX, 0, UINT64_MAX), COINJ_ERROR_INVALID_INPUT);
}

/* last_error is a per-call heap copy with a real message; free_string accepts NULL. */
static void test_last_error(void **state)
{
    assert_int_equal(coinjecture_sha256_hash(NULL, 9, NULL), COINJ_ERROR_INVALID_INPUT);
    char *a = coinjecture_last_error();
    char *b = coinjecture_last_error();
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "sha256_hash"));
    coinjecture_free_string(a);
    coinjecture_free_string(b);
    coinjecture_free_string(NULL);
    assert_string_equal(coinjecture_version(), "4.0.0");
    assert_int_equal(coinjecture_codec_version(), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_struct_layouts), cmocka_unit_test(test_sha256_args),
        cmocka_unit_test(test_header_args),    cmocka_unit_test(test_merkle_args),
        cmocka_unit_test(test_subset_sum_args), cmocka_unit_test(test_transaction_args),
        cmocka_unit_test(test_escrow_args),    cmocka_unit_test(test_last_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
