/* Transaction rules: the RFC 8032 signing vector, rule order, overflow, and bad arguments. */
/* These tests pass NULL to Part II functions on purpose to check the library's refusal (coinjecture.h
 * rule 2), so the compiler's nonnull contract (rule 9) is switched off for this file. */
#define COINJECTURE_NO_ARG_NONNULL
#include <string.h>

#include <sodium.h>

#include "coinjecture.h"
#include "testutil.h"

/* RFC 8032 test 1 key and the original-node.md §4 transfer. */
static void rfc8032_tx(coinjecture_tx *tx, uint8_t sk[64])
{
    uint8_t seed[32], pk[32];
    tu_unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", seed, 32);
    assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
    memset(tx, 0, sizeof *tx);
    tx->codec_version = 1;
    tx->tx_type = COINJECTURE_TX_TRANSFER;
    memcpy(tx->from, pk, 32);
    memset(tx->to, 0x22, 32);
    tx->amount = 1000000;
    tx->gas_limit = 21000;
    tx->gas_price = 1;
    tx->timestamp = 1704067200;
}

static void test_signing_vector(void **state)
{
    coinjecture_tx tx;
    uint8_t sk[64], msg[200], h[32];
    rfc8032_tx(&tx, sk);
    char pkhex[65];
    assert_int_equal(coinjecture_hex_encode(tx.from, 32, pkhex, sizeof pkhex), COINJ_OK);
    assert_string_equal(pkhex, "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    size_t len = 0;
    assert_int_equal(coinjecture_tx_signing_message(&tx, NULL, 0, &len), COINJ_ERROR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 110);
    assert_int_equal(coinjecture_tx_signing_message(&tx, msg, sizeof msg, &len), COINJ_OK);
    assert_int_equal(len, 110);
    crypto_hash_sha256(h, msg, len);
    tu_assert_hash(h, "5af1e9783355679776c310ac97e9624be2bff0cbe8f0cbb1653678be2721a610");
    assert_int_equal(coinjecture_tx_sign(&tx, sk), COINJ_OK);
    uint8_t want[64];
    tu_unhex("0ef0664126c20493d94a1b348067fe46fbf87f0b6af783c0616151ad43d5737296eed84401a50abba25f27d1679e8777ec6ff6e260f8d5fb70d86477f36b5a0f",
             want, 64);
    assert_memory_equal(tx.signature, want, 64);
    assert_int_equal(coinjecture_tx_verify_signature(&tx), COINJ_OK);
    tx.amount++;
    assert_int_equal(coinjecture_tx_verify_signature(&tx), COINJ_ERROR_VERIFICATION_FAILED);
}

/* core.md §7 example: 1,000,000 + 21000*100 against 3,100,000 passes; one less fails on balance. */
static void test_rules_example(void **state)
{
    coinjecture_tx tx;
    uint8_t sk[64];
    rfc8032_tx(&tx, sk);
    tx.gas_price = 100;
    assert_int_equal(coinjecture_tx_sign(&tx, sk), COINJ_OK);
    coinjecture_account acct = {3100000, 0};
    coinjecture_tx_result r;
    assert_int_equal(coinjecture_tx_verify(&tx, &acct, &r), COINJ_OK);
    assert_int_equal(r.status, COINJECTURE_TX_OK);
    assert_int_equal(r.total_cost, 3100000);
    assert_int_equal(r.fee, 2100000);
    assert_int_equal(r.gas_used, 21000);
    acct.balance = 3099999;
    assert_int_equal(coinjecture_tx_verify(&tx, &acct, &r), COINJ_ERROR_VERIFICATION_FAILED);
    assert_int_equal(r.status, COINJECTURE_TX_INSUFFICIENT_BALANCE);
    /* Same through the original ABI. */
    TransactionFFI f;
    memset(&f, 0, sizeof f);
    f.codec_version = 1;
    f.tx_type = 1;
    memcpy(f.from, tx.from, 32);
    memcpy(f.to, tx.to, 32);
    f.amount = tx.amount;
    f.gas_limit = tx.gas_limit;
    f.gas_price = tx.gas_price;
    memcpy(f.signature, tx.signature, 64);
    f.timestamp = tx.timestamp;
    AccountStateFFI s = {3100000, 0};
    ValidationResultFFI v = {0, 0, 0, 0};
    assert_int_equal(coinjecture_verify_transaction(&f, &s, &v), COINJ_OK);
    assert_int_equal(v.valid, 1);
    assert_int_equal(v.total_cost, 3100000);
    /* codec_version 257 truncates to 1 and so still verifies. */
    f.codec_version = 257;
    assert_int_equal(coinjecture_verify_transaction(&f, &s, &v), COINJ_OK);
    s.balance = 3099999;
    assert_int_equal(coinjecture_verify_transaction(&f, &s, &v), COINJ_ERROR_VERIFICATION_FAILED);
    assert_int_equal(v.valid, 0);
}

/* Rule order: nonce before fee before overflow before balance before gas. */
static void test_rule_order(void **state)
{
    coinjecture_tx tx;
    uint8_t sk[64];
    rfc8032_tx(&tx, sk);
    coinjecture_account acct = {UINT64_MAX, 5};
    coinjecture_tx_result r;
    tx.nonce = 4;
    assert_int_equal(coinjecture_tx_check_rules(&tx, &acct, &r), COINJ_ERROR_VERIFICATION_FAILED);
    assert_int_equal(r.status, COINJECTURE_TX_BAD_NONCE);
    tx.nonce = 5;
    tx.gas_price = 0; /* fee 0 < 1000 */
    assert_int_equal(coinjecture_tx_check_rules(&tx, &acct, &r), COINJ_ERROR_VERIFICATION_FAILED);
    assert_int_equal(r.status, COINJECTURE_TX_FEE_TOO_LOW);
    tx.gas_limit = UINT64_MAX;
    tx.gas_price = 2; /* fee overflows */
    assert_int_equal(coinjecture_tx_check_rules(&tx, &acct, &r), COINJ_ERROR_VERIFICATION_FAILED);
    assert_int_equal(r.status, COINJECTURE_TX_AMOUNT_OVERFLOW);
    tx.gas_limit = 1000000;
    tx.gas_price = 1;
    tx.amount = UINT64_MAX - 10; /* min fee amount/10000 dominates */
    assert_int_equal(coinjecture_tx_check_rules(&tx, &acct, &r), COINJ_ERROR_VERIFICATION_FAILED);
    assert_int_equal(r.status, COINJECTURE_TX_FEE_TOO_LOW);
    tx.gas_limit = UINT64_MAX / 10000 + 1; /* fee just above amount/10000, sum overflows */
    assert_int_equal(coinjecture_tx_check_rules(&tx, &acct, &r), COINJ_ERROR_VERIFICATION_FAILED);
    assert_int_equal(r.status, COINJECTURE_TX_AMOUNT_OVERFLOW);
    tx.amount = 0; /* amount 0 is allowed */
    tx.gas_limit = 20999;
    tx.gas_price = 1;
    acct.balance = 20998;
    assert_int_equal(coinjecture_tx_check_rules(&tx, &acct, &r), COINJ_ERROR_VERIFICATION_FAILED);
    assert_int_equal(r.status, COINJECTURE_TX_INSUFFICIENT_BALANCE);
    acct.balance = 20999; /* gas minimum is checked after balance */
    assert_int_equal(coinjecture_tx_check_rules(&tx, &acct, &r), COINJ_ERROR_VERIFICATION_FAILED);
    assert_int_equal(r.status, COINJECTURE_TX_GAS_TOO_LOW);
    tx.tx_type = COINJECTURE_TX_BOUNTY_PAYMENT;
    tx.gas_limit = 49999;
    acct.balance = UINT64_MAX;
    assert_int_equal(coinjecture_tx_check_rules(&tx, &acct, &r), COINJ_ERROR_VERIFICATION_FAILED);
    assert_int_equal(r.status, COINJECTURE_TX_GAS_TOO_LOW);
    tx.gas_limit = 50000;
    assert_int_equal(coinjecture_tx_check_rules(&tx, &acct, &r), COINJ_OK);
}

/* Large data goes through the heap path; signing and verification still agree. */
static void test_large_data(void **state)
{
    coinjecture_tx tx;
    uint8_t sk[64];
    rfc8032_tx(&tx, sk);
    static uint8_t data[100000];
    memset(data, 0xA5, sizeof data);
    tx.data = data;
    tx.data_len = sizeof data;
    assert_int_equal(coinjecture_tx_sign(&tx, sk), COINJ_OK);
    assert_int_equal(coinjecture_tx_verify_signature(&tx), COINJ_OK);
    data[99999] ^= 1;
    assert_int_equal(coinjecture_tx_verify_signature(&tx), COINJ_ERROR_VERIFICATION_FAILED);
}

static void test_bad_args(void **state)
{
    coinjecture_tx tx;
    uint8_t sk[64], other[64], pk[32];
    rfc8032_tx(&tx, sk);
    coinjecture_account acct = {0, 0};
    coinjecture_tx_result r;
    size_t len;
    assert_int_equal(coinjecture_tx_sign(NULL, sk), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tx_sign(&tx, NULL), COINJ_ERROR_INVALID_INPUT);
    crypto_sign_keypair(pk, other);
    assert_int_equal(coinjecture_tx_sign(&tx, other), COINJ_ERROR_INVALID_INPUT); /* key is not tx.from */
    assert_int_equal(coinjecture_tx_verify(NULL, &acct, &r), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tx_verify(&tx, NULL, &r), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tx_verify(&tx, &acct, NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tx_check_rules(&tx, NULL, &r), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tx_verify_signature(NULL), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tx_signing_message(&tx, NULL, 0, NULL), COINJ_ERROR_INVALID_INPUT);
    tx.data_len = 5;
    assert_int_equal(coinjecture_tx_signing_message(&tx, NULL, 0, &len), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_tx_verify_signature(&tx), COINJ_ERROR_INVALID_INPUT);
    tx.data_len = 0;
    tx.tx_type = 9;
    assert_int_equal(coinjecture_tx_verify(&tx, &acct, &r), COINJ_ERROR_INVALID_INPUT);
    assert_non_null(strstr(coinjecture_last_error_message(), "tx_type"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signing_vector), cmocka_unit_test(test_rules_example),
        cmocka_unit_test(test_rule_order),     cmocka_unit_test(test_large_data),
        cmocka_unit_test(test_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
