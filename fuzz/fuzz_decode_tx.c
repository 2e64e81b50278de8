/* libFuzzer target: the strict transaction decoder (coinjecture_tx_decode).
 * Accepted input must re-encode byte for byte (library and naive encoder), hash to SHA-256 of the input,
 * give the documented signing message, and agree with an independent model of the fee/balance rules;
 * refused input must leave the transaction zeroed and owning nothing (leaks are caught by LeakSanitizer). */
#include <sodium.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The signing message rebuilt from the field list in coinjecture.h (110 + data_len bytes, little-endian);
 * returned in want for the signature check. */
static void fz_tx_check_signing_message(const coinjecture_tx *tx, cj_fz_buf *out_want)
{
    cj_fz_buf want = {0};
    cj_fz_put_u8(&want, tx->codec_version);
    cj_fz_put_u8(&want, tx->tx_type);
    cj_fz_put(&want, tx->from, 32);
    cj_fz_put(&want, tx->to, 32);
    cj_fz_put_le(&want, tx->amount, 8);
    cj_fz_put_le(&want, tx->nonce, 8);
    cj_fz_put_le(&want, tx->gas_limit, 8);
    cj_fz_put_le(&want, tx->gas_price, 8);
    cj_fz_put_le(&want, tx->data_len, 4);
    cj_fz_put(&want, tx->data, tx->data_len);
    cj_fz_put_le(&want, (uint64_t)tx->timestamp, 8);
    CJ_FZ_CHECK(want.n == COINJECTURE_TX_SIGNING_BASE + tx->data_len);

    size_t need = 0, len = 0;
    CJ_FZ_CHECK(coinjecture_tx_signing_message(tx, NULL, 0, &need) == COINJ_ERROR_BUFFER_TOO_SMALL);
    CJ_FZ_CHECK(need == want.n);
    uint8_t *msg = malloc(need);
    CJ_FZ_CHECK(msg != NULL);
    CJ_FZ_CHECK(coinjecture_tx_signing_message(tx, msg, need, &len) == COINJ_OK);
    CJ_FZ_CHECK(len == need && memcmp(msg, want.p, need) == 0);
    free(msg);
    *out_want = want;
}

/* Rules without the signature against the harness model, for a sender state derived from the tx itself. */
static void fz_tx_check_rules(const coinjecture_tx *tx)
{
    coinjecture_account a = {tx->amount ^ (tx->gas_price << 7) ^ (uint64_t)tx->timestamp,
                             tx->nonce + ((uint64_t)tx->timestamp & 1)};
    if (tx->signature[0] & 1) a.balance = UINT64_MAX;
    uint64_t fee = 0, total = 0;
    coinjecture_tx_status want = cj_fz_tx_rules_model(tx, &a, &fee, &total);
    coinjecture_tx_result res;
    memset(&res, 0, sizeof res);
    cj_fz_mark_error();
    CoinjResult rc = coinjecture_tx_check_rules(tx, &a, &res);
    CJ_FZ_CHECK(res.status == want);
    if (want == COINJECTURE_TX_OK) {
        CJ_FZ_CHECK(rc == COINJ_OK && cj_fz_error_untouched());
        CJ_FZ_CHECK(res.fee == fee && res.total_cost == total && res.gas_used == tx->gas_limit);
    } else {
        CJ_FZ_CHECK(rc == COINJ_ERROR_VERIFICATION_FAILED && cj_fz_error_written());
    }
}

/* Signature and full verification, for 1 input in 16 (Ed25519 is slow; the signed seed has nonce 0):
 * the library's verdict must be libsodium's on the harness's own message, and full verification (extended
 * and original ABI) must be that verdict followed by the rules model. */
static void fz_tx_check_signature(const coinjecture_tx *tx, const cj_fz_buf *msg)
{
    if ((tx->nonce & 15) != 0) return;
    CJ_FZ_CHECK(sodium_init() >= 0);
    const int sig_ok = crypto_sign_verify_detached(tx->signature, msg->p, msg->n, tx->from) == 0;
    cj_fz_mark_error();
    CoinjResult rc = coinjecture_tx_verify_signature(tx);
    CJ_FZ_CHECK(rc == (sig_ok ? COINJ_OK : COINJ_ERROR_VERIFICATION_FAILED));
    CJ_FZ_CHECK(sig_ok ? cj_fz_error_untouched() : cj_fz_error_written());

    const coinjecture_account a = {(uint64_t)tx->timestamp, tx->nonce};
    uint64_t fee = 0, total = 0;
    coinjecture_tx_status want = sig_ok ? cj_fz_tx_rules_model(tx, &a, &fee, &total) : COINJECTURE_TX_BAD_SIGNATURE;
    coinjecture_tx_result res;
    memset(&res, 0, sizeof res);
    rc = coinjecture_tx_verify(tx, &a, &res);
    CJ_FZ_CHECK(res.status == want && rc == (want ? COINJ_ERROR_VERIFICATION_FAILED : COINJ_OK));
    if (want == COINJECTURE_TX_OK) CJ_FZ_CHECK(res.fee == fee && res.total_cost == total);

    TransactionFFI f;
    memset(&f, 0, sizeof f);
    f.codec_version = tx->codec_version, f.tx_type = tx->tx_type;
    memcpy(f.from, tx->from, 32), memcpy(f.to, tx->to, 32), memcpy(f.signature, tx->signature, 64);
    f.amount = tx->amount, f.nonce = tx->nonce, f.gas_limit = tx->gas_limit, f.gas_price = tx->gas_price;
    f.data = tx->data, f.data_len = tx->data_len, f.timestamp = tx->timestamp;
    const AccountStateFFI fa = {a.balance, a.nonce};
    ValidationResultFFI out = {7, 7, 7, 7};
    rc = coinjecture_verify_transaction(&f, &fa, &out);
    if (want == COINJECTURE_TX_OK) {
        CJ_FZ_CHECK(rc == COINJ_OK && out.valid == 1 && out.total_cost == total && out.fee == fee);
        CJ_FZ_CHECK(out.gas_used == tx->gas_limit);
    } else {
        CJ_FZ_CHECK(rc == COINJ_ERROR_VERIFICATION_FAILED && out.valid == 0);
        CJ_FZ_CHECK(out.total_cost == 7 && out.gas_used == 7 && out.fee == 7);
    }
}

/* Round trip, hash, signing message, signature and rules of an accepted transaction. */
static void fz_tx_accepted(const uint8_t *data, size_t size, coinjecture_tx *tx)
{
    CJ_FZ_CHECK(tx->tx_type >= 1 && tx->tx_type <= 3);
    CJ_FZ_CHECK(tx->data_len <= COINJECTURE_MAX_TX_DATA);
    CJ_FZ_CHECK((tx->data != NULL) == (tx->data_len > 0));
    size_t need = 0, len = 0;
    CJ_FZ_CHECK(coinjecture_tx_encode(tx, NULL, 0, &need) == COINJ_ERROR_BUFFER_TOO_SMALL);
    CJ_FZ_CHECK(need == size);
    uint8_t *out = malloc(size);
    CJ_FZ_CHECK(out != NULL);
    CJ_FZ_CHECK(coinjecture_tx_encode(tx, out, size - 1, &len) == COINJ_ERROR_BUFFER_TOO_SMALL);
    CJ_FZ_CHECK(coinjecture_tx_encode(tx, out, size, &len) == COINJ_OK);
    CJ_FZ_CHECK(len == size && memcmp(out, data, size) == 0);
    free(out);

    cj_fz_buf naive = {0};
    CJ_FZ_CHECK(cj_fz_mp_tx(&naive, tx));
    CJ_FZ_CHECK(naive.n == size && memcmp(naive.p, data, size) == 0);
    cj_fz_buf_free(&naive);

    uint8_t want[32], got[32];
    cj_fz_sha256(data, size, want);
    CJ_FZ_CHECK(coinjecture_tx_hash(tx, got) == COINJ_OK);
    CJ_FZ_CHECK(memcmp(want, got, 32) == 0);

    cj_fz_buf msg = {0};
    fz_tx_check_signing_message(tx, &msg);
    fz_tx_check_signature(tx, &msg);
    cj_fz_buf_free(&msg);
    fz_tx_check_rules(tx);
}

/* Entry point: decode, check, release (release must zero the object). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    coinjecture_tx tx;
    memset(&tx, 0xa5, sizeof tx);
    cj_fz_mark_error();
    CoinjResult rc = coinjecture_tx_decode(data, size, &tx);
    if (rc == COINJ_OK) {
        CJ_FZ_CHECK(cj_fz_error_untouched());
        fz_tx_accepted(data, size, &tx);
        coinjecture_tx_free(&tx);
        CJ_FZ_CHECK(cj_fz_all_zero(&tx, sizeof tx));
        cj_fz_stats.decoded++;
    } else {
        cj_fz_check_decode_failure(rc, &tx, sizeof tx);
        cj_fz_stats.rejected++;
    }
    return 0;
}
