/* libFuzzer target: the HTTP transaction-JSON parser (src/node/util/api_json.c), the input being a
 * POST /v1/transactions body.
 *  - refused: -1, a fresh non-empty message in err, *out all zero (LeakSanitizer sees a leaked data buffer);
 *    the message also goes through cj_json_error_text, which must give JSON that parses back;
 *  - accepted: the fields obey the parser's documented limits; parsing the same body again gives the same tx;
 *    the node's own renderer (cj_json_tx, as the cli sends it: without "fee") gives text that parses back to
 *    the identical tx, with tx_hash = coinjecture_tx_hash and fee = gas_limit * gas_price when it fits;
 *  - a JSON array (a /v1/transactions/batch body): each of its first 16 elements through
 *    cj_json_tx_from_value under the same contract. */
#include <jansson.h>

#include "api_json.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FTJ_MARK "ftj-marker"

/* Two parsed transactions are identical, data bytes included. */
static int ftj_equal(const coinjecture_tx *a, const coinjecture_tx *b)
{
    return a->codec_version == b->codec_version && a->tx_type == b->tx_type && !memcmp(a->from, b->from, 32) &&
           !memcmp(a->to, b->to, 32) && a->amount == b->amount && a->nonce == b->nonce &&
           a->gas_limit == b->gas_limit && a->gas_price == b->gas_price && a->timestamp == b->timestamp &&
           !memcmp(a->signature, b->signature, 64) && a->data_len == b->data_len &&
           (a->data_len == 0 || memcmp(a->data, b->data, a->data_len) == 0);
}

/* The failure contract: -1, a message of its own, a zeroed tx; the message renders as a JSON error body. */
static void ftj_check_refused(int rc, const char *err, const coinjecture_tx *tx)
{
    CJ_FZ_CHECK(rc == -1);
    CJ_FZ_CHECK(err[0] != 0 && strcmp(err, FTJ_MARK) != 0);
    CJ_FZ_CHECK(cj_fz_all_zero(tx, sizeof *tx));
    char *text = cj_json_error_text("invalid_transaction", err);
    CJ_FZ_CHECK(text != NULL);
    json_error_t jerr;
    json_t *back = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    CJ_FZ_CHECK(back != NULL && json_is_string(json_object_get(back, "details")));
    json_decref(back);
    free(text);
    cj_fz_stats.rejected++;
}

/* An accepted tx: limits, rendering, and the render -> parse round trip. */
static void ftj_check_accepted(const coinjecture_tx *tx)
{
    char err[256] = FTJ_MARK;
    CJ_FZ_CHECK(tx->tx_type >= 1 && tx->tx_type <= 3);
    CJ_FZ_CHECK(tx->data_len <= COINJECTURE_MAX_TX_DATA && (tx->data_len == 0) == (tx->data == NULL));

    json_t *o = cj_json_tx(tx);
    CJ_FZ_CHECK(o != NULL);
    uint8_t h[32], rendered[32];
    const char *why = NULL;
    CJ_FZ_CHECK(coinjecture_tx_hash(tx, h) == COINJ_OK);
    CJ_FZ_CHECK(cj_json_hex_fixed(json_object_get(o, "tx_hash"), rendered, 32, &why) == 0);
    CJ_FZ_CHECK(memcmp(h, rendered, 32) == 0);
    unsigned __int128 fee = (unsigned __int128)tx->gas_limit * tx->gas_price;
    uint64_t shown = 0;
    if (fee > UINT64_MAX) {
        CJ_FZ_CHECK(json_object_get(o, "fee") == NULL);
    } else {
        CJ_FZ_CHECK(cj_json_u64(json_object_get(o, "fee"), &shown, &why) == 0 && shown == (uint64_t)fee);
    }
    json_object_del(o, "fee"); /* the cli's body: every field the parser takes, tx_hash included */
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    CJ_FZ_CHECK(text != NULL);

    coinjecture_tx again;
    int rc = cj_json_parse_tx(text, strlen(text), &again, err, sizeof err);
    if (rc != 0) fprintf(stderr, "re-parse of %s failed: %s\n", text, err);
    CJ_FZ_CHECK(rc == 0);
    CJ_FZ_CHECK(ftj_equal(tx, &again));
    cj_json_tx_free(&again);
    CJ_FZ_CHECK(cj_fz_all_zero(&again, sizeof again));
    free(text);
    cj_fz_stats.decoded++;
}

/* One body through cj_json_parse_tx (twice: the parser is pure). */
static void ftj_body(const uint8_t *data, size_t size)
{
    coinjecture_tx tx, tx2;
    char err[256] = FTJ_MARK, err2[256] = FTJ_MARK;
    int rc = cj_json_parse_tx((const char *)data, size, &tx, err, sizeof err);
    int rc2 = cj_json_parse_tx((const char *)data, size, &tx2, err2, sizeof err2);
    CJ_FZ_CHECK(rc == rc2);
    if (rc != 0) {
        ftj_check_refused(rc, err, &tx);
        CJ_FZ_CHECK(strcmp(err, err2) == 0);
        return;
    }
    CJ_FZ_CHECK(rc == 0 && ftj_equal(&tx, &tx2));
    ftj_check_accepted(&tx);
    cj_json_tx_free(&tx);
    cj_json_tx_free(&tx2);
}

/* A batch body: every element (up to 16) on its own, as the batch endpoint does. */
static void ftj_batch(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) return;
    for (size_t i = 0; json_is_array(root) && i < json_array_size(root) && i < 16; i++) {
        coinjecture_tx tx;
        char err[256] = FTJ_MARK;
        int rc = cj_json_tx_from_value(json_array_get(root, i), &tx, err, sizeof err);
        if (rc != 0) {
            ftj_check_refused(rc, err, &tx);
            continue;
        }
        ftj_check_accepted(&tx);
        cj_json_tx_free(&tx);
    }
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > CJ_API_TX_JSON_MAX) return 0;
    ftj_body(data, size);
    size_t i = 0;
    while (i < size && (data[i] == ' ' || data[i] == '\n' || data[i] == '\t' || data[i] == '\r')) i++;
    if (i < size && data[i] == '[') ftj_batch(data, size);
    return 0;
}
