/* coinjecture-cli: signed transfers. Gas price defaults, signing and encoding (also used by the load
 * generator), and `send`: sign with a key file, submit, optionally wait for confirmation. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_json.h"
#include "cli.h"
#include "clock.h"
#include "coinjecture.h"
#include "keys.h"

/* The lowest gas price whose fee (gas_limit x price) meets the consensus minimum fee of a transfer of amount,
 * max(amount / 10000, 1000) (include/coinjecture.h, coinjecture_tx_verify); at least 1. */
uint64_t cli_tx_min_gas_price(uint64_t amount, uint64_t gas_limit)
{
    uint64_t min_fee = amount / 10000 > 1000 ? amount / 10000 : 1000;
    uint64_t price = gas_limit ? min_fee / gas_limit + (min_fee % gas_limit != 0) : 1;
    return price ? price : 1;
}

/* Builds, signs and encodes a transfer as the POST /v1/transactions body (heap text), so `send` and the
 * load generator submit the same bytes. */
char *cli_tx_signed_transfer(const uint8_t sk[64], const uint8_t to[32], uint64_t amount, uint64_t nonce,
                             uint64_t gas_limit, uint64_t gas_price, const uint8_t *data, uint32_t data_len,
                             uint8_t out_hash[32])
{
    coinjecture_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.codec_version = COINJECTURE_CODEC_VERSION;
    tx.tx_type = COINJECTURE_TX_TRANSFER;
    memcpy(tx.from, sk + 32, 32);
    memcpy(tx.to, to, 32);
    tx.amount = amount;
    tx.nonce = nonce;
    tx.gas_limit = gas_limit;
    tx.gas_price = gas_price;
    tx.data = data;
    tx.data_len = data_len;
    tx.timestamp = cj_clock_wall_ms();
    if (coinjecture_tx_sign(&tx, sk) != COINJ_OK || coinjecture_tx_hash(&tx, out_hash) != COINJ_OK)
        return NULL;
    json_t *o = cj_json_tx(&tx);
    if (o == NULL)
        return NULL;
    json_object_del(o, "fee");
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return text;
}

/* What `send` was asked to do, read from its options. */
typedef struct {
    const char *keyfile, *to_arg, *data_hex;
    uint64_t amount, gas_limit, gas_price, nonce, wait_s;
    int have_nonce;
} send_args;

/* Reads send's options into s and fills in the defaults, so the command itself only signs and submits.
 * Returns 0, or 2 after a usage error (reported). */
static int send_parse(const cj_parsed *a, send_args *s)
{
    int have_amount = 0, have_price = 0;
    memset(s, 0, sizeof *s);
    s->gas_limit = 21000;
    for (size_t i = 0; i < a->nopts; i++) {
        const cj_optval *ov = &a->opts[i];
        int bad = 0;
        switch (ov->opt->id) {
        case S_KEY:
            s->keyfile = ov->val;
            break;
        case S_TO:
            s->to_arg = ov->val;
            break;
        case S_AMOUNT:
            bad = cj_opts_u64(&cli_prog, a->cmd, ov, 0, UINT64_MAX, &s->amount);
            have_amount = 1;
            break;
        case S_GAS_LIMIT:
            bad = cj_opts_u64(&cli_prog, a->cmd, ov, 0, UINT64_MAX, &s->gas_limit);
            break;
        case S_GAS_PRICE:
            bad = cj_opts_u64(&cli_prog, a->cmd, ov, 0, UINT64_MAX, &s->gas_price);
            have_price = 1;
            break;
        case S_NONCE:
            bad = cj_opts_u64(&cli_prog, a->cmd, ov, 0, UINT64_MAX, &s->nonce);
            s->have_nonce = 1;
            break;
        case S_DATA:
            s->data_hex = ov->val;
            break;
        case S_WAIT:
            s->wait_s = 60;
            break;
        }
        if (bad)
            return 2;
    }
    if (s->keyfile == NULL || s->to_arg == NULL || !have_amount)
        return cj_opts_error(&cli_prog, a->cmd, "needs --key FILE, --to PUBKEY|KEYFILE and --amount N");
    if (!have_price)
        s->gas_price = cli_tx_min_gas_price(s->amount, s->gas_limit);
    return 0;
}

/* Decodes --data HEX into a heap buffer (*data, *len), refusing what no transaction may carry.
 * Returns 0, or 1 after an error (reported). */
static int send_data(const char *hex, uint8_t **data, size_t *len)
{
    size_t n = strlen(hex);
    if (n % 2 != 0 || n / 2 > COINJECTURE_MAX_TX_DATA || (*data = malloc(n / 2 + 1)) == NULL ||
        (n > 0 && coinjecture_hex_decode(hex, *data, n / 2) != COINJ_OK)) {
        free(*data);
        *data = NULL;
        return cli_fail("--data: expected an even number of hex digits (at most %u bytes)", COINJECTURE_MAX_TX_DATA);
    }
    *len = n / 2;
    return 0;
}

/* --wait: polls the transaction (hex hash) every 250 ms until it is confirmed or wait_s have passed.
 * Returns 0 once confirmed, else 1 (reported). */
static int send_wait(cli *c, const char *hex, uint64_t wait_s)
{
    char path[160], b1[64];
    snprintf(path, sizeof path, "/v1/transactions/%s", hex);
    double deadline = cli_mono_s() + (double)wait_s;
    while (cli_mono_s() < deadline) {
        json_t *t = cli_api_json(c, EVHTTP_REQ_GET, path, NULL, NULL);
        if (t != NULL && strcmp(cli_jtext(t, "status", b1, sizeof b1), "confirmed") == 0) {
            if (c->json)
                cli_print_json(t);
            else
                printf("confirmed   in block %s\n", cli_jtext(t, "block_height", b1, sizeof b1));
            json_decref(t);
            return 0;
        }
        json_decref(t);
        cli_sleep_ms(250);
    }
    return cli_fail("transaction %s not confirmed within %llu s", hex, (unsigned long long)wait_s);
}

/* `send --key FILE --to PUBKEY --amount N [...]`: signs a transfer and submits it. */
int cli_tx_send(cli *c, const cj_parsed *a)
{
    send_args s;
    uint8_t sk[64], pk[32], to[32], hash[32];
    uint8_t *data = NULL;
    size_t data_len = 0;
    char err[512], hex[65], b1[64];
    int rc = send_parse(a, &s);
    if (rc != 0)
        return rc;
    if (cli_pubkey_arg(s.to_arg, to, err, sizeof err) != 0)
        return cli_fail("--to: %s", err);
    if (s.data_hex != NULL && send_data(s.data_hex, &data, &data_len) != 0)
        return 1;
    if (cj_keys_load(s.keyfile, sk, pk, err, sizeof err) != 0) {
        free(data);
        return cli_fail("%s", err);
    }
    rc = 1;
    if (!s.have_nonce) {
        json_t *acct = cli_get_account(c, pk);
        if (acct == NULL)
            goto out;
        s.nonce = cli_ju64(acct, "nonce") + cli_ju64(acct, "pending_txs");
        json_decref(acct);
    }
    char *body = cli_tx_signed_transfer(sk, to, s.amount, s.nonce, s.gas_limit, s.gas_price, data,
                                        (uint32_t)data_len, hash);
    if (body == NULL) {
        cli_fail("cannot sign the transaction: %s", coinjecture_last_error_message());
        goto out;
    }
    json_t *v = cli_api_json(c, EVHTTP_REQ_POST, "/v1/transactions", body, NULL);
    free(body);
    if (v == NULL)
        goto out;
    coinjecture_hex_encode(hash, 32, hex, sizeof hex);
    if (c->json && !s.wait_s)
        cli_print_json(v);
    else if (!c->json)
        printf("accepted    %s (nonce %llu, fee %s)\n", hex, (unsigned long long)s.nonce,
               cli_jtext(v, "fee", b1, sizeof b1));
    json_decref(v);
    rc = s.wait_s ? send_wait(c, hex, s.wait_s) : 0;
out:
    sodium_memzero(sk, sizeof sk);
    free(data);
    return rc;
}
