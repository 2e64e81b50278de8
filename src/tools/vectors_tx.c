/* coinjecture-vectors: TRANSACTION vectors (encodings at every boundary, RFC 8032-signed transfers, tampered
 * signatures) and TX_RULES verdicts of every rule but the signature. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vectors.h"

/* Wire names of transaction types and coinjecture_tx_status values (index = the enum value). */
static const char *const TX_TYPE_NAME[] = {NULL, "Transfer", "ProblemSubmission", "BountyPayment"};
static const char *const TX_STATUS_NAME[] = {"OK", "BAD_SIGNATURE", "BAD_NONCE", "AMOUNT_OVERFLOW",
                                             "FEE_TOO_LOW", "INSUFFICIENT_BALANCE", "GAS_TOO_LOW"};

/* Transaction encoder adapter. */
static CoinjResult enc_tx(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_tx_encode(o, out, cap, len);
}

/* Signing-message adapter. */
static CoinjResult enc_signing(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_tx_signing_message(o, out, cap, len);
}

/* A transaction as a JSON object (data shown as its first `shown` bytes; enums by wire name). */
jv *vtx_json(const coinjecture_tx *tx, size_t shown)
{
    jv *o = vjson_obj();
    vjson_put(o, "amount", vjson_u64(tx->amount));
    vjson_put(o, "codec_version", vjson_u64(tx->codec_version));
    vjson_put(o, "data", vjson_hex(tx->data, shown));
    vjson_put(o, "from", vjson_hex(tx->from, 32));
    vjson_put(o, "gas_limit", vjson_u64(tx->gas_limit));
    vjson_put(o, "gas_price", vjson_u64(tx->gas_price));
    vjson_put(o, "nonce", vjson_u64(tx->nonce));
    vjson_put(o, "signature", vjson_hex(tx->signature, 64));
    vjson_put(o, "timestamp", vjson_i64(tx->timestamp));
    vjson_put(o, "to", vjson_hex(tx->to, 32));
    if (tx->tx_type < 1 || tx->tx_type > 3) vec_die("bad tx_type in a vector");
    vjson_put(o, "tx_type", vjson_str(TX_TYPE_NAME[tx->tx_type]));
    return o;
}

/* The base transaction of the hash vectors (arbitrary 32-byte keys: hashing does not check them). */
void vtx_base(coinjecture_tx *tx)
{
    memset(tx, 0, sizeof *tx);
    tx->codec_version = 1;
    tx->tx_type = COINJECTURE_TX_TRANSFER;
    vec_sha_str("vectors/tx_from", tx->from);
    vec_sha_str("vectors/tx_to", tx->to);
    tx->amount = 1000000;
    tx->nonce = 1;
    tx->gas_limit = 21000;
    tx->gas_price = 100;
    vec_sha_str("vectors/tx_signature_r", tx->signature);
    vec_sha_str("vectors/tx_signature_s", tx->signature + 32);
    tx->timestamp = 1704067200;
}

/* A TRANSACTION vector: encoding, signing message, hash; large data (> 4096 bytes) is shown as its
 * 64-byte period with data_size, and the encoding/message as their SHA-256. */
static void emit_tx(const char *name, const coinjecture_tx *tx, const char *signer_seed_hex, int sig_known)
{
    uint8_t hash[32];
    size_t elen, mlen;
    vec_ok(coinjecture_tx_hash(tx, hash), "coinjecture_tx_hash");
    uint8_t *enc = vec_encode(enc_tx, tx, &elen, "coinjecture_tx_encode");
    uint8_t *msg = vec_encode(enc_signing, tx, &mlen, "coinjecture_tx_signing_message");
    if (mlen != COINJECTURE_TX_SIGNING_BASE + tx->data_len) vec_die("%s: signing message length", name);
    int compact = tx->data_len > 4096;
    size_t shown = compact ? 64 : tx->data_len;
    for (size_t i = shown; i < tx->data_len; i++)
        if (tx->data[i] != tx->data[i % 64]) vec_die("%s: data is not periodic", name);

    jv *v = vec_new("TRANSACTION", "%s", name);
    if (compact) {
        uint8_t h[32];
        vjson_put(v, "data_size", vjson_u64(tx->data_len));
        vec_ok(coinjecture_sha256(enc, elen, h), "coinjecture_sha256");
        if (memcmp(h, hash, 32) != 0) vec_die("%s: tx hash is not SHA-256 of the encoding", name);
        vjson_put(v, "encoding_sha256", vjson_hex(h, 32));
        vec_ok(coinjecture_sha256(msg, mlen, h), "coinjecture_sha256");
        vjson_put(v, "signing_message_sha256", vjson_hex(h, 32));
    } else {
        vec_put_encoding(v, "encoding_hex", enc, elen, hash);
        vjson_put(v, "signing_message_hex", vjson_hex(msg, mlen));
    }
    vjson_put(v, "expected_hash", vjson_hex(hash, 32));
    if (sig_known) {
        CoinjResult rc = coinjecture_tx_verify_signature(tx);
        if (rc != COINJ_OK && rc != COINJ_ERROR_VERIFICATION_FAILED) vec_ok(rc, "coinjecture_tx_verify_signature");
        int libsodium_ok = crypto_sign_verify_detached(tx->signature, msg, mlen, tx->from) == 0;
        if (libsodium_ok != (rc == COINJ_OK)) vec_die("%s: signature verdict differs from libsodium", name);
        vjson_put(v, "signature_valid", vjson_bool(rc == COINJ_OK));
    }
    if (signer_seed_hex) vjson_put(v, "signer_seed", vjson_str(signer_seed_hex));
    vjson_put(v, "tx", vtx_json(tx, shown));
    free(enc);
    free(msg);
}

/* Signs tx with RFC 8032 key i (setting from) and emits it; tamper 1 changes the amount after
 * signing, tamper 2 flips a signature bit (both must then fail verification). */
static void emit_signed_tx(const char *name, coinjecture_tx *tx, size_t key, int tamper)
{
    uint8_t sk[64];
    vec_rfc_key(key, sk, tx->from);
    vec_ok(coinjecture_tx_sign(tx, sk), "coinjecture_tx_sign");
    sodium_memzero(sk, sizeof sk);
    if (tamper == 1) tx->amount += 1;
    if (tamper == 2) tx->signature[63] ^= 0x01;
    emit_tx(name, tx, tamper ? NULL : RFC8032_SEED[key], 1);
}

/* Transaction::default() and the core.md 4.3 example, the two transactions other implementations start from. */
static void tx_examples(void)
{
    coinjecture_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.codec_version = 1;
    tx.tx_type = COINJECTURE_TX_TRANSFER;
    tx.gas_limit = 21000;
    tx.gas_price = 1;
    emit_tx("tx_default", &tx, NULL, 0);
    memset(&tx, 0, sizeof tx);
    tx.codec_version = 1;
    tx.tx_type = COINJECTURE_TX_BOUNTY_PAYMENT;
    memset(tx.from, 0x11, 32);
    memset(tx.to, 0x22, 32);
    tx.amount = 1000000000000000000u;
    tx.nonce = 5;
    tx.gas_limit = 50000;
    tx.gas_price = 1000;
    memset(tx.signature, 0x33, 64);
    static const uint8_t three[] = {1, 2, 200};
    tx.data = three;
    tx.data_len = 3;
    tx.timestamp = -5;
    emit_tx("tx_bounty_payment_example", &tx, NULL, 0);
}

/* Every type, every integer field at its MessagePack width boundaries and data lengths up to the maximum,
 * each varying one field of the base transaction. */
static void tx_field_edges(const uint8_t *data)
{
    coinjecture_tx tx;
    char name[96], lbl[32];
    for (uint8_t t = 1; t <= 3; t++) {
        vtx_base(&tx);
        tx.tx_type = t;
        snprintf(name, sizeof name, "tx_type_%s", TX_TYPE_NAME[t]);
        emit_tx(name, &tx, NULL, 0);
    }
    static const uint64_t uedges[] = {127, 128, 255, 256, 65535, 65536, 4294967295u, 4294967296u,
                                      18446744073709551615u};
    for (size_t k = 0; k < ARRAY_LEN(uedges); k++) {
        static const char *const field[] = {"amount", "nonce", "gas_limit", "gas_price"};
        for (int f = 0; f < 4; f++) {
            vtx_base(&tx);
            uint64_t *p = f == 0 ? &tx.amount : f == 1 ? &tx.nonce : f == 2 ? &tx.gas_limit : &tx.gas_price;
            *p = uedges[k];
            snprintf(name, sizeof name, "tx_%s_%" PRIu64, field[f], uedges[k]);
            emit_tx(name, &tx, NULL, 0);
        }
    }
    static const uint8_t codecs[] = {0, 255};
    for (size_t k = 0; k < ARRAY_LEN(codecs); k++) {
        vtx_base(&tx);
        tx.codec_version = codecs[k];
        snprintf(name, sizeof name, "tx_codec_version_%u", (unsigned)codecs[k]);
        emit_tx(name, &tx, NULL, 0);
    }
    for (size_t k = 0; k < ARRAY_LEN(I64_EDGES); k++) {
        if (I64_EDGES[k] > 0 && I64_EDGES[k] != INT64_MAX) continue;
        vtx_base(&tx);
        tx.timestamp = I64_EDGES[k];
        vec_i64_label(I64_EDGES[k], lbl, sizeof lbl);
        snprintf(name, sizeof name, "tx_timestamp_%s", lbl);
        emit_tx(name, &tx, NULL, 0);
    }
    static const uint32_t dlens[] = {1, 15, 16, 17, 255, 256, 1000, 65535, 65536, COINJECTURE_MAX_TX_DATA};
    for (size_t k = 0; k < ARRAY_LEN(dlens); k++) {
        vtx_base(&tx);
        tx.tx_type = COINJECTURE_TX_PROBLEM_SUBMISSION;
        tx.data = data;
        tx.data_len = dlens[k];
        snprintf(name, sizeof name, "tx_data_len_%u", (unsigned)dlens[k]);
        emit_tx(name, &tx, NULL, 0);
    }
}

/* Transactions signed with the RFC 8032 test keys, so signatures are checked against published keys; then
 * two tampered ones that must fail verification. */
static void tx_signed(const uint8_t *data)
{
    coinjecture_tx tx;
    char name[96];
    /* `to` is the next key's public key. */
    for (size_t key = 0; key < RFC_KEYS; key++) {
        vtx_base(&tx);
        vec_unhex(RFC8032_PUB[(key + 1) % RFC_KEYS], tx.to, 32);
        tx.nonce = key;
        snprintf(name, sizeof name, "tx_signed_%s_transfer", RFC8032_LABEL[key]);
        emit_signed_tx(name, &tx, key, 0);
    }
    vtx_base(&tx);
    tx.tx_type = COINJECTURE_TX_PROBLEM_SUBMISSION;
    tx.gas_limit = 50000;
    tx.data = data;
    tx.data_len = 300;
    emit_signed_tx("tx_signed_test2_problem_submission_data_300", &tx, 1, 0);
    vtx_base(&tx);
    tx.tx_type = COINJECTURE_TX_BOUNTY_PAYMENT;
    tx.gas_limit = 50000;
    tx.timestamp = -1704067200;
    tx.data = data;
    tx.data_len = 17;
    emit_signed_tx("tx_signed_test3_bounty_negative_timestamp", &tx, 2, 0);
    vtx_base(&tx);
    tx.codec_version = 255;
    tx.amount = tx.nonce = tx.gas_limit = tx.gas_price = UINT64_MAX;
    tx.timestamp = INT64_MIN;
    emit_signed_tx("tx_signed_test1024_extremes", &tx, 3, 0);
    vtx_base(&tx);
    tx.codec_version = 0;
    tx.data = data;
    tx.data_len = 65536;
    emit_signed_tx("tx_signed_sha_abc_data_65536", &tx, 4, 0);
    vtx_base(&tx);
    emit_signed_tx("tx_signed_test1_tampered_amount", &tx, 0, 1);
    vtx_base(&tx);
    emit_signed_tx("tx_signed_test2_tampered_signature", &tx, 1, 2);
}

/* Transaction encodings at every boundary, plus RFC 8032-signed transactions. */
void vtx_transactions(void)
{
    uint8_t *data = vec_xmalloc(COINJECTURE_MAX_TX_DATA);
    for (size_t i = 0; i < COINJECTURE_MAX_TX_DATA; i++) data[i] = (uint8_t)(0x70 + 5 * (i % 64));
    tx_examples();
    tx_field_edges(data);
    tx_signed(data);
    free(data);
}

/* A TX_RULES vector: verdict of every rule except the signature. */
static void emit_tx_rules(const char *name, const coinjecture_tx *tx, uint64_t balance, uint64_t nonce)
{
    coinjecture_account acct = {balance, nonce};
    coinjecture_tx_result res;
    memset(&res, 0, sizeof res);
    CoinjResult rc = coinjecture_tx_check_rules(tx, &acct, &res);
    if (rc != COINJ_OK && rc != COINJ_ERROR_VERIFICATION_FAILED) vec_ok(rc, "coinjecture_tx_check_rules");
    if ((rc == COINJ_OK) != (res.status == COINJECTURE_TX_OK) || (unsigned)res.status >= ARRAY_LEN(TX_STATUS_NAME))
        vec_die("%s: return code and status disagree", name);
    jv *v = vec_new("TX_RULES", "%s", name);
    jv *a = vjson_obj();
    vjson_put(a, "balance", vjson_u64(balance));
    vjson_put(a, "nonce", vjson_u64(nonce));
    vjson_put(v, "account", a);
    vjson_put(v, "expected_status", vjson_str(TX_STATUS_NAME[res.status]));
    if (res.status == COINJECTURE_TX_OK) {
        vjson_put(v, "expected_fee", vjson_u64(res.fee));
        vjson_put(v, "expected_gas_used", vjson_u64(res.gas_used));
        vjson_put(v, "expected_total_cost", vjson_u64(res.total_cost));
    }
    vjson_put(v, "tx", vtx_json(tx, tx->data_len));
}

/* Nonce, fee, overflow, balance and gas rules, their boundaries and their order. */
void vtx_rules(void)
{
    coinjecture_tx tx;
    const uint64_t M = UINT64_MAX;
#define RULE(name, setup, bal, non) \
    do { \
        vtx_base(&tx); \
        tx.nonce = 7; \
        setup; \
        emit_tx_rules(name, &tx, bal, non); \
    } while (0)
    RULE("rules_ok_core_example", (void)0, 3100000, 7);
    RULE("rules_insufficient_balance_by_one", (void)0, 3099999, 7);
    RULE("rules_bad_nonce_low", (void)0, 3100000, 8);
    RULE("rules_bad_nonce_high", (void)0, 3100000, 6);
    RULE("rules_amount_zero", tx.amount = 0, 2100000, 7);
    RULE("rules_fee_zero_price", tx.gas_price = 0, M, 7);
    RULE("rules_fee_999", (tx.gas_limit = 999, tx.gas_price = 1), M, 7);
    RULE("rules_fee_1000_then_gas_too_low", (tx.gas_limit = 1000, tx.gas_price = 1, tx.amount = 0), M, 7);
    RULE("rules_fee_min_from_amount_fail", (tx.amount = 210010000, tx.gas_limit = 21000, tx.gas_price = 1), M, 7);
    RULE("rules_fee_min_from_amount_exact", (tx.amount = 210009999, tx.gas_limit = 21000, tx.gas_price = 1), M, 7);
    RULE("rules_fee_too_low_max_amount", (tx.amount = M, tx.gas_limit = 21000, tx.gas_price = 1), M, 7);
    RULE("rules_gas_product_overflow", (tx.gas_limit = 4294967296u, tx.gas_price = 4294967296u), M, 7);
    RULE("rules_gas_product_exactly_max", (tx.amount = 0, tx.gas_limit = 4294967295u, tx.gas_price = 4294967297u), M, 7);
    RULE("rules_total_overflow", (tx.amount = M - 4611686018427387903u, tx.gas_limit = 4294967296u, tx.gas_price = 1073741824u), M, 7);
    RULE("rules_total_exactly_max", (tx.amount = M - 4611686018427387904u, tx.gas_limit = 4294967296u, tx.gas_price = 1073741824u), M, 7);
    RULE("rules_transfer_gas_20999", (tx.gas_limit = 20999, tx.gas_price = 100), M, 7);
    RULE("rules_transfer_gas_21000", (tx.gas_limit = 21000, tx.gas_price = 100), M, 7);
    RULE("rules_problem_submission_gas_49999", (tx.tx_type = COINJECTURE_TX_PROBLEM_SUBMISSION, tx.gas_limit = 49999), M, 7);
    RULE("rules_problem_submission_gas_50000", (tx.tx_type = COINJECTURE_TX_PROBLEM_SUBMISSION, tx.gas_limit = 50000), M, 7);
    RULE("rules_bounty_payment_gas_49999", (tx.tx_type = COINJECTURE_TX_BOUNTY_PAYMENT, tx.gas_limit = 49999), M, 7);
    RULE("rules_bounty_payment_gas_50000", (tx.tx_type = COINJECTURE_TX_BOUNTY_PAYMENT, tx.gas_limit = 50000), M, 7);
    RULE("rules_order_nonce_before_fee", tx.gas_price = 0, M, 8);
    RULE("rules_order_fee_before_balance", tx.gas_price = 0, 0, 7);
    RULE("rules_order_balance_before_gas", tx.gas_limit = 20000, 0, 7);
    RULE("rules_order_overflow_before_balance", (tx.gas_limit = M, tx.gas_price = 2), 0, 7);
    RULE("rules_nonce_max", (tx.nonce = M), M, M);
#undef RULE
}

