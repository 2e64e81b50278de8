/* API JSON conversion: exact u64 handling, strict transaction parsing (every error path), block JSON from
 * which the block hash can be recomputed, account and error bodies. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_json.h"
#include "testutil.h"

static uint8_t g_sk[64], g_pk[32];

/* One key pair for every test. */
static int setup(void **state)
{
    if (sodium_init() < 0)
        return -1;
    return crypto_sign_keypair(g_pk, g_sk);
}

/* A signed transfer with the given data. */
static coinjecture_tx make_tx(uint64_t amount, uint64_t nonce, const uint8_t *data, uint32_t len)
{
    coinjecture_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.codec_version = 1;
    tx.tx_type = 1;
    memcpy(tx.from, g_pk, 32);
    memset(tx.to, 0x42, 32);
    tx.amount = amount;
    tx.nonce = nonce;
    tx.gas_limit = 21000;
    tx.gas_price = 3;
    tx.data = data;
    tx.data_len = len;
    tx.timestamp = 1795602227000;
    assert_int_equal(coinjecture_tx_sign(&tx, g_sk), COINJ_OK);
    return tx;
}

/* JSON body (text) of a transaction as a client posts it: every field, no fee. */
static char *tx_body(const coinjecture_tx *tx)
{
    json_t *o = cj_json_tx(tx);
    assert_non_null(o);
    json_object_del(o, "fee");
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* A valid body with one member replaced by raw JSON text (or removed if value is NULL). */
static char *body_with(const char *key, const char *value)
{
    coinjecture_tx tx = make_tx(5, 0, NULL, 0);
    json_t *o = cj_json_tx(&tx);
    json_object_del(o, "fee");
    json_object_del(o, "tx_hash");
    if (value == NULL) {
        json_object_del(o, key);
    } else {
        json_error_t e;
        json_t *v = json_loads(value, JSON_DECODE_ANY, &e);
        assert_non_null(v);
        json_object_set_new(o, key, v);
    }
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static void test_u64(void **state)
{
    uint64_t v;
    const char *why;
    json_t *j;
    j = json_integer(INT64_MAX);
    assert_int_equal(cj_json_u64(j, &v, &why), 0);
    assert_true(v == (uint64_t)INT64_MAX);
    json_decref(j);
    j = json_string("18446744073709551615");
    assert_int_equal(cj_json_u64(j, &v, &why), 0);
    assert_true(v == UINT64_MAX);
    json_decref(j);
    const char *bad_strings[] = {"18446744073709551616", "", "01", "+1", "-1", " 1", "1 ", "1e3", "0x10",
                                 "123456789012345678901"};
    for (size_t i = 0; i < sizeof bad_strings / sizeof bad_strings[0]; i++) {
        j = json_string(bad_strings[i]);
        assert_int_equal(cj_json_u64(j, &v, &why), -1);
        json_decref(j);
    }
    j = json_integer(-1);
    assert_int_equal(cj_json_u64(j, &v, &why), -1);
    assert_string_equal(why, "must not be negative");
    json_decref(j);
    j = json_real(1.0);
    assert_int_equal(cj_json_u64(j, &v, &why), -1);
    assert_non_null(strstr(why, "no fraction"));
    json_decref(j);
    j = json_true();
    assert_int_equal(cj_json_u64(j, &v, NULL), -1);
    assert_int_equal(cj_json_u64(NULL, &v, &why), -1);
    j = json_string("0");
    assert_int_equal(cj_json_u64(j, &v, &why), 0);
    assert_true(v == 0);
    json_decref(j);

    j = cj_json_from_u64((uint64_t)INT64_MAX);
    assert_true(json_is_integer(j));
    json_decref(j);
    j = cj_json_from_u64((uint64_t)INT64_MAX + 1);
    assert_true(json_is_string(j));
    assert_string_equal(json_string_value(j), "9223372036854775808");
    json_decref(j);
}

static void test_tx_round_trip(void **state)
{
    uint8_t data[3] = {1, 2, 0xff};
    coinjecture_tx tx = make_tx(UINT64_MAX - 100000, 7, data, 3), back;
    char err[256];
    uint8_t h1[32], h2[32];
    char *s = tx_body(&tx);
    assert_non_null(strstr(s, "\"amount\":\"18446744073709451615\""));
    assert_non_null(strstr(s, "\"data\":\"0102ff\""));
    assert_int_equal(cj_json_parse_tx(s, strlen(s), &back, err, sizeof err), 0);
    assert_int_equal(back.amount, tx.amount);
    assert_int_equal(back.nonce, 7);
    assert_int_equal(back.data_len, 3);
    assert_memory_equal(back.data, data, 3);
    assert_int_equal(back.timestamp, tx.timestamp);
    assert_int_equal(coinjecture_tx_hash(&tx, h1), COINJ_OK);
    assert_int_equal(coinjecture_tx_hash(&back, h2), COINJ_OK);
    assert_memory_equal(h1, h2, 32);
    assert_int_equal(coinjecture_tx_verify_signature(&back), COINJ_OK);
    cj_json_tx_free(&back);
    assert_null(back.data);
    cj_json_tx_free(NULL);
    free(s);

    /* optional fields take their defaults; 0x prefixes and upper case hex are accepted */
    char *b = body_with("data", NULL);
    assert_int_equal(cj_json_parse_tx(b, strlen(b), &back, err, sizeof err), 0);
    assert_int_equal(back.data_len, 0);
    assert_int_equal(back.tx_type, 1);
    cj_json_tx_free(&back);
    free(b);
    b = body_with("to", "\"0x4242424242424242424242424242424242424242424242424242424242424242\"");
    assert_int_equal(cj_json_parse_tx(b, strlen(b), &back, err, sizeof err), 0);
    cj_json_tx_free(&back);
    free(b);
    b = body_with("nonce", "0");
    assert_int_equal(cj_json_parse_tx(b, strlen(b), &back, err, sizeof err), 0);
    assert_int_equal(back.nonce, 0);
    cj_json_tx_free(&back);
    free(b);
}

static void test_tx_errors(void **state)
{
    const char *cases[][3] = {
        {"amount", "1.5", "amount: must be an integer"},
        {"amount", "-1", "amount: must not be negative"},
        {"amount", "\"18446744073709551616\"", "amount: exceeds 2^64-1"},
        {"amount", "null", "amount: must be an unsigned integer"},
        {"amount", NULL, "amount: missing"},
        {"nonce", "\"1e3\"", "nonce:"},
        {"gas_limit", "[]", "gas_limit:"},
        {"gas_price", NULL, "gas_price: missing"},
        {"from", NULL, "from: missing"},
        {"from", "\"abcd\"", "from: expected 64 hex digits"},
        {"to", "\"zz42424242424242424242424242424242424242424242424242424242424242\"", "to: invalid hex digit"},
        {"to", "7", "to: expected a hex string"},
        {"signature", "\"00\"", "signature: expected 128 hex digits"},
        {"signature", NULL, "signature: missing"},
        {"timestamp", "\"123\"", "timestamp: must be an integer"},
        {"timestamp", NULL, "timestamp: missing"},
        {"data", "\"abc\"", "data: odd number of hex digits"},
        {"data", "\"zz\"", "data: invalid hex digit"},
        {"data", "5", "data: expected a hex string"},
        {"tx_type", "4", "tx_type: must be an integer 1..3"},
        {"tx_type", "\"1\"", "tx_type:"},
        {"codec_version", "256", "codec_version: must be an integer 0..255"},
        {"fee", "1", "unknown field 'fee'"},
        {"tx_hash", "\"0000000000000000000000000000000000000000000000000000000000000000\"",
         "tx_hash: does not match"},
        {"tx_hash", "\"00\"", "tx_hash: expected 64 hex digits"},
    };
    coinjecture_tx tx;
    char err[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *b = body_with(cases[i][0], cases[i][1]);
        memset(&tx, 0x55, sizeof tx);
        int rc = cj_json_parse_tx(b, strlen(b), &tx, err, sizeof err);
        if (rc == 0 || strstr(err, cases[i][2]) == NULL)
            fail_msg("%s=%s: expected '%s', got rc %d '%s'", cases[i][0], cases[i][1] ? cases[i][1] : "(removed)",
                     cases[i][2], rc, rc ? err : "");
        assert_null(tx.data);
        assert_int_equal(tx.amount, 0);
        free(b);
    }
    const char *raw[][2] = {{"", "empty body"},
                            {"[1,2]", "expected a JSON object"},
                            {"{\"amount\": 1", "invalid JSON"},
                            {"{\"amount\": 18446744073709551615}", "decimal strings"},
                            {"{\"amount\": 1, \"amount\": 2}", "duplicate"},
                            {"\"x\"", "invalid JSON"}};
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
        int rc = cj_json_parse_tx(raw[i][0], strlen(raw[i][0]), &tx, err, sizeof err);
        if (rc == 0 || strstr(err, raw[i][1]) == NULL)
            fail_msg("'%s': expected '%s', got '%s'", raw[i][0], raw[i][1], err);
    }
    assert_int_equal(cj_json_parse_tx(NULL, 5, &tx, err, sizeof err), -1);
    /* data above the consensus limit */
    size_t n = 2 * (COINJECTURE_MAX_TX_DATA + 1);
    char *big = malloc(n + 3);
    big[0] = '"';
    memset(big + 1, 'a', n);
    big[n + 1] = '"';
    big[n + 2] = '\0';
    char *b = body_with("data", big);
    assert_int_equal(cj_json_parse_tx(b, strlen(b), &tx, err, sizeof err), -1);
    assert_non_null(strstr(err, "exceeds the limit"));
    free(b);
    free(big);
}

/* Rebuilds a header from its JSON (what an external checker does) and hashes it. */
static void hash_from_json(json_t *h, uint8_t out[32])
{
    coinjecture_header hd;
    memset(&hd, 0, sizeof hd);
    uint64_t v;
    hd.codec_version = (uint8_t)json_integer_value(json_object_get(h, "codec_version"));
    assert_int_equal(cj_json_u64(json_object_get(h, "block_index"), &hd.block_index, NULL), 0);
    hd.timestamp = json_integer_value(json_object_get(h, "timestamp"));
    assert_int_equal(cj_json_hex_fixed(json_object_get(h, "parent_hash"), hd.parent_hash, 32, NULL), 0);
    assert_int_equal(cj_json_hex_fixed(json_object_get(h, "merkle_root"), hd.merkle_root, 32, NULL), 0);
    assert_int_equal(cj_json_hex_fixed(json_object_get(h, "miner_address"), hd.miner_address, 32, NULL), 0);
    assert_int_equal(cj_json_hex_fixed(json_object_get(h, "commitment"), hd.commitment, 32, NULL), 0);
    assert_int_equal(cj_json_u64(json_object_get(h, "difficulty_target"), &hd.difficulty_target, NULL), 0);
    assert_int_equal(cj_json_u64(json_object_get(h, "nonce"), &v, NULL), 0);
    hd.nonce = v;
    const char *ed = json_string_value(json_object_get(h, "extra_data"));
    hd.extra_data_len = (uint32_t)(strlen(ed) / 2);
    tu_unhex(ed, hd.extra_data, sizeof hd.extra_data);
    assert_int_equal(coinjecture_header_hash(&hd, out), COINJ_OK);
}

static void test_block_json(void **state)
{
    coinjecture_tx txs[2] = {make_tx(1, 0, NULL, 0), make_tx(2, 1, (const uint8_t *)"hi", 2)};
    coinjecture_block b;
    memset(&b, 0, sizeof b);
    b.header.codec_version = 1;
    b.header.block_index = (uint64_t)INT64_MAX + 5; /* forces the decimal-string form */
    b.header.timestamp = 1795602227000;
    memset(b.header.parent_hash, 0x11, 32);
    memset(b.header.miner_address, 0x33, 32);
    memset(b.header.commitment, 0x44, 32);
    b.header.difficulty_target = 7;
    b.header.nonce = UINT64_MAX;
    b.header.extra_data_len = 96;
    memset(b.header.extra_data, 0x5a, 96);
    b.transactions = txs;
    b.tx_count = 2;
    assert_int_equal(coinjecture_block_merkle_root(&b, b.header.merkle_root), COINJ_OK);
    b.reveal.problem.problem_type = 1;
    b.reveal.problem.tier = 2;
    b.reveal.problem.elements_len = 3;
    b.reveal.problem.elements[0] = -5, b.reveal.problem.elements[1] = 7, b.reveal.problem.elements[2] = 9;
    b.reveal.problem.target = 2;
    b.reveal.solution.indices_len = 2;
    b.reveal.solution.indices[0] = 0, b.reveal.solution.indices[1] = 1;
    b.reveal.nonce = 99;
    b.cid = "bafy";

    json_t *j = cj_json_block(&b);
    assert_non_null(j);
    uint8_t want[32], got[32];
    assert_int_equal(coinjecture_header_hash(&b.header, want), COINJ_OK);
    uint8_t jhash[32];
    assert_int_equal(cj_json_hex_fixed(json_object_get(j, "block_hash"), jhash, 32, NULL), 0);
    assert_memory_equal(jhash, want, 32);
    hash_from_json(json_object_get(j, "header"), got);
    assert_memory_equal(got, want, 32);
    assert_string_equal(json_string_value(json_object_get(j, "height")), "9223372036854775812");
    assert_int_equal(json_integer_value(json_object_get(j, "tx_count")), 2);
    json_t *jt = json_array_get(json_object_get(j, "transactions"), 1);
    uint8_t th[32], th_json[32];
    assert_int_equal(coinjecture_tx_hash(&txs[1], th), COINJ_OK);
    assert_int_equal(cj_json_hex_fixed(json_object_get(jt, "tx_hash"), th_json, 32, NULL), 0);
    assert_memory_equal(th, th_json, 32);
    assert_string_equal(json_string_value(json_object_get(jt, "data")), "6869");
    assert_int_equal(json_integer_value(json_object_get(jt, "fee")), 63000);
    json_t *rv = json_object_get(j, "reveal");
    assert_int_equal(json_integer_value(json_array_get(json_object_get(json_object_get(rv, "problem"), "elements"), 0)), -5);
    assert_int_equal(json_array_size(json_object_get(json_object_get(rv, "solution"), "indices")), 2);
    assert_string_equal(json_string_value(json_object_get(j, "cid")), "bafy");
    json_decref(j);

    b.cid = NULL;
    b.tx_count = 0;
    j = cj_json_block(&b);
    assert_true(json_is_null(json_object_get(j, "cid")));
    json_decref(j);
    b.tx_count = 2;
    b.transactions = NULL;
    assert_null(cj_json_block(&b));
    assert_null(cj_json_block(NULL));
    b.header.extra_data_len = COINJECTURE_MAX_EXTRA_DATA + 1;
    assert_null(cj_json_header(&b.header));
    assert_null(cj_json_tx(NULL));
}

static void test_account_and_error(void **state)
{
    uint8_t addr[32];
    json_t *a = cj_json_account(g_pk, UINT64_MAX, 3);
    assert_non_null(a);
    assert_int_equal(coinjecture_derive_address(g_pk, addr), COINJ_OK);
    uint8_t jaddr[32];
    assert_int_equal(cj_json_hex_fixed(json_object_get(a, "address"), jaddr, 32, NULL), 0);
    assert_memory_equal(jaddr, addr, 32);
    assert_string_equal(json_string_value(json_object_get(a, "balance")), "18446744073709551615");
    json_decref(a);
    assert_null(cj_json_account(NULL, 0, 0));

    char *e = cj_json_error_text("bad \xff\xfe request\n", "de\"tails \xc3\xa9");
    assert_non_null(e);
    json_error_t je;
    json_t *v = json_loads(e, 0, &je);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "error")), "bad ?? request?");
    assert_string_equal(json_string_value(json_object_get(v, "details")), "de\"tails \xc3\xa9");
    json_decref(v);
    free(e);
    e = cj_json_error_text(NULL, NULL);
    assert_string_equal(e, "{\"error\":\"error\",\"details\":\"\"}");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u64),
        cmocka_unit_test(test_tx_round_trip),
        cmocka_unit_test(test_tx_errors),
        cmocka_unit_test(test_block_json),
        cmocka_unit_test(test_account_and_error),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
