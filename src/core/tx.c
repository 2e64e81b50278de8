/* Transaction rules (core.md §7): signing message, Ed25519 signature, nonce/fee/balance/gas checks. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cj_internal.h"

/* Signing messages up to this size are built on the stack; larger ones (big data) on the heap. */
#define CJ_TX_STACK_MSG 2048

/* Serialises the 110 + data_len byte message without checks; out must be large enough. */
static void cj_tx_write_message(const coinjecture_tx *tx, uint8_t *out)
{
    uint8_t *p = out;
    *p++ = tx->codec_version;
    *p++ = tx->tx_type;
    memcpy(p, tx->from, 32), p += 32;
    memcpy(p, tx->to, 32), p += 32;
    cj_store_le64(p, tx->amount), p += 8;
    cj_store_le64(p, tx->nonce), p += 8;
    cj_store_le64(p, tx->gas_limit), p += 8;
    cj_store_le64(p, tx->gas_price), p += 8;
    cj_store_le32(p, tx->data_len), p += 4;
    if (tx->data_len) memcpy(p, tx->data, tx->data_len), p += tx->data_len;
    cj_store_le64(p, (uint64_t)tx->timestamp);
}

/* Argument checks shared by every extended transaction entry point. */
static CoinjResult cj_tx_check_args(const coinjecture_tx *tx, const char *fn)
{
    if (!tx) return cj_fail(COINJ_ERROR_INVALID_INPUT, "%s: tx is NULL", fn);
    if (tx->data_len && !tx->data) return cj_fail(COINJ_ERROR_INVALID_INPUT, "%s: data is NULL but data_len is %u", fn, tx->data_len);
    if (tx->tx_type < COINJECTURE_TX_TRANSFER || tx->tx_type > COINJECTURE_TX_BOUNTY_PAYMENT)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "%s: invalid tx_type %u", fn, tx->tx_type);
    return COINJ_OK;
}

/* Public form of the message builder, with the encoders' sizing convention. */
COINJECTURE_API CoinjResult coinjecture_tx_signing_message(const coinjecture_tx *tx, uint8_t *out, size_t out_cap,
                                                           size_t *out_len)
{
    CoinjResult rc = cj_tx_check_args(tx, "tx_signing_message");
    if (rc) return rc;
    if (!out_len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "tx_signing_message: out_len is NULL");
    size_t need = COINJECTURE_TX_SIGNING_BASE + (size_t)tx->data_len;
    if (!out || out_cap < need) {
        *out_len = need;
        return cj_fail(COINJ_ERROR_BUFFER_TOO_SMALL, "tx_signing_message: need %zu bytes, have %zu", need,
                       out ? out_cap : 0);
    }
    cj_tx_write_message(tx, out);
    *out_len = need;
    return COINJ_OK;
}

/* Builds the message (stack or heap) and hands it to fn; returns -1 on allocation failure. */
static int cj_tx_with_message(const coinjecture_tx *tx, int (*fn)(const uint8_t *, size_t, void *), void *arg)
{
    uint8_t stack[CJ_TX_STACK_MSG];
    size_t len = COINJECTURE_TX_SIGNING_BASE + (size_t)tx->data_len;
    uint8_t *msg = len <= sizeof stack ? stack : malloc(len);
    if (!msg) return -1;
    cj_tx_write_message(tx, msg);
    int r = fn(msg, len, arg);
    if (msg != stack) free(msg);
    return r;
}

/* Callback for cj_tx_with_message: strict libsodium verification (canonical, non-small-order keys). */
static int cj_tx_verify_cb(const uint8_t *msg, size_t len, void *arg)
{
    const coinjecture_tx *tx = arg;
    return crypto_sign_verify_detached(tx->signature, msg, len, tx->from) == 0;
}

/* Returns 1 if the signature is valid, 0 if not, -1 if memory ran out. */
int cj_tx_signature_ok(const coinjecture_tx *tx)
{
    if (sodium_init() < 0) return -1; /* idempotent; libsodium requires it before first use */
    return cj_tx_with_message(tx, cj_tx_verify_cb, (void *)tx);
}

/* Everything but the signature, in the original's order: nonce, fee/overflow, total, balance, gas. */
coinjecture_tx_status cj_tx_rules(const coinjecture_tx *tx, const coinjecture_account *sender,
                                  coinjecture_tx_result *out)
{
    if (tx->nonce != sender->nonce) {
        cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Invalid nonce: expected %llu, got %llu",
                (unsigned long long)sender->nonce, (unsigned long long)tx->nonce);
        return COINJECTURE_TX_BAD_NONCE;
    }
    uint64_t fee;
    if (tx->gas_price && tx->gas_limit > UINT64_MAX / tx->gas_price) {
        cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Amount overflow: gas_limit * gas_price exceeds 2^64-1");
        return COINJECTURE_TX_AMOUNT_OVERFLOW;
    }
    fee = tx->gas_limit * tx->gas_price;
    uint64_t min_fee = tx->amount / 10000 > 1000 ? tx->amount / 10000 : 1000;
    if (fee < min_fee) {
        cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Fee too low: %llu < minimum %llu", (unsigned long long)fee,
                (unsigned long long)min_fee);
        return COINJECTURE_TX_FEE_TOO_LOW;
    }
    if (tx->amount > UINT64_MAX - fee) {
        cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Amount overflow: amount + fee exceeds 2^64-1");
        return COINJECTURE_TX_AMOUNT_OVERFLOW;
    }
    uint64_t total = tx->amount + fee;
    if (sender->balance < total) {
        cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Insufficient balance: have %llu, need %llu",
                (unsigned long long)sender->balance, (unsigned long long)total);
        return COINJECTURE_TX_INSUFFICIENT_BALANCE;
    }
    uint64_t min_gas = tx->tx_type == COINJECTURE_TX_TRANSFER ? 21000 : 50000;
    if (tx->gas_limit < min_gas) {
        cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Gas limit too low: %llu < %llu", (unsigned long long)tx->gas_limit,
                (unsigned long long)min_gas);
        return COINJECTURE_TX_GAS_TOO_LOW;
    }
    if (out) {
        out->status = COINJECTURE_TX_OK;
        out->total_cost = total;
        out->gas_used = tx->gas_limit;
        out->fee = fee;
    }
    return COINJECTURE_TX_OK;
}

/* Signs the exact message verifiers check, refusing a key that does not match tx->from. */
COINJECTURE_API CoinjResult coinjecture_tx_sign(coinjecture_tx *tx, const uint8_t secret_key[64])
{
    CoinjResult rc = cj_tx_check_args(tx, "tx_sign");
    if (rc) return rc;
    if (!secret_key) return cj_fail(COINJ_ERROR_INVALID_INPUT, "tx_sign: secret_key is NULL");
    if (sodium_init() < 0) return cj_fail(COINJ_ERROR_INTERNAL, "tx_sign: libsodium failed to initialise");
    if (sodium_memcmp(secret_key + 32, tx->from, 32) != 0)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "tx_sign: secret key does not belong to tx.from");
    size_t len = COINJECTURE_TX_SIGNING_BASE + (size_t)tx->data_len;
    uint8_t stack[CJ_TX_STACK_MSG];
    uint8_t *msg = len <= sizeof stack ? stack : malloc(len);
    if (!msg) return cj_fail(COINJ_ERROR_OUT_OF_MEMORY, "tx_sign: out of memory");
    cj_tx_write_message(tx, msg);
    crypto_sign_detached(tx->signature, NULL, msg, len, secret_key);
    if (msg != stack) free(msg);
    return COINJ_OK;
}

/* Maps the tri-state signature check onto result codes with a message. */
static CoinjResult cj_tx_signature_result(const coinjecture_tx *tx)
{
    int ok = cj_tx_signature_ok(tx);
    if (ok < 0) return cj_fail(COINJ_ERROR_OUT_OF_MEMORY, "tx verify: out of memory");
    if (!ok) return cj_fail(COINJ_ERROR_VERIFICATION_FAILED, "Invalid signature");
    return COINJ_OK;
}

/* Signature only, for callers (mempool) that check rules separately against changing state. */
COINJECTURE_API CoinjResult coinjecture_tx_verify_signature(const coinjecture_tx *tx)
{
    CoinjResult rc = cj_tx_check_args(tx, "tx_verify_signature");
    if (rc) return rc;
    return cj_tx_signature_result(tx);
}

/* Rules only, so a signature verified once is not verified again. */
COINJECTURE_API CoinjResult coinjecture_tx_check_rules(const coinjecture_tx *tx, const coinjecture_account *sender,
                                                       coinjecture_tx_result *out)
{
    CoinjResult rc = cj_tx_check_args(tx, "tx_check_rules");
    if (rc) return rc;
    if (!sender || !out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "tx_check_rules: NULL argument");
    coinjecture_tx_status st = cj_tx_rules(tx, sender, out);
    if (st == COINJECTURE_TX_OK) return COINJ_OK;
    out->status = st;
    return COINJ_ERROR_VERIFICATION_FAILED;
}

/* Signature then rules: the full-width twin of coinjecture_verify_transaction. */
COINJECTURE_API CoinjResult coinjecture_tx_verify(const coinjecture_tx *tx, const coinjecture_account *sender,
                                                  coinjecture_tx_result *out)
{
    CoinjResult rc = cj_tx_check_args(tx, "tx_verify");
    if (rc) return rc;
    if (!sender || !out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "tx_verify: NULL argument");
    rc = cj_tx_signature_result(tx);
    if (rc == COINJ_ERROR_VERIFICATION_FAILED) out->status = COINJECTURE_TX_BAD_SIGNATURE;
    if (rc) return rc;
    return coinjecture_tx_check_rules(tx, sender, out);
}

/* Original ABI: 32-bit lengths, codec_version truncated to a byte, valid = 0 written on rule failure. */
COINJECTURE_API CoinjResult coinjecture_verify_transaction(const TransactionFFI *tx, const AccountStateFFI *sender_state,
                                                           ValidationResultFFI *out_result)
{
    if (!tx || !sender_state || !out_result)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "verify_transaction: NULL argument");
    if (tx->data_len && !tx->data)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "verify_transaction: data is NULL but data_len is %u", tx->data_len);
    if (tx->tx_type < 1 || tx->tx_type > 3)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "verify_transaction: invalid tx_type %u", tx->tx_type);
    coinjecture_tx t;
    t.codec_version = (uint8_t)tx->codec_version;
    t.tx_type = (uint8_t)tx->tx_type;
    memcpy(t.from, tx->from, 32);
    memcpy(t.to, tx->to, 32);
    t.amount = tx->amount;
    t.nonce = tx->nonce;
    t.gas_limit = tx->gas_limit;
    t.gas_price = tx->gas_price;
    memcpy(t.signature, tx->signature, 64);
    t.data = tx->data;
    t.data_len = tx->data_len;
    t.timestamp = tx->timestamp;
    const coinjecture_account acct = {sender_state->balance, sender_state->nonce};
    coinjecture_tx_result res;
    CoinjResult rc = cj_tx_signature_result(&t);
    if (rc == COINJ_OK) rc = cj_tx_rules(&t, &acct, &res) == COINJECTURE_TX_OK ? COINJ_OK : COINJ_ERROR_VERIFICATION_FAILED;
    if (rc == COINJ_ERROR_VERIFICATION_FAILED) {
        out_result->valid = 0;
        return rc;
    }
    if (rc) return rc;
    out_result->valid = 1;
    out_result->total_cost = res.total_cost;
    out_result->gas_used = res.gas_used;
    out_result->fee = res.fee;
    return COINJ_OK;
}
