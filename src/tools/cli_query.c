/* coinjecture-cli: the read-only commands (status, block, tx, account, mempool, validators), each one GET
 * of the node's API printed as text or, with --json, as the API's JSON (cli_get_show). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "coinjecture.h"
#include "value.h"

/* Formats Unix ms as ISO-8601 UTC, so block times read without a converter. */
static void iso_time(int64_t ms, char *out, size_t cap)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tmv;
    gmtime_r(&s, &tmv);
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday,
             tmv.tm_hour, tmv.tm_min, tmv.tm_sec, (int)(ms % 1000 + 1000) % 1000);
}

/* Prints one transaction line (hash from -> to amount), the form every transaction list uses. */
static void print_tx_line(json_t *t)
{
    char h[80], f[80], to[80], a[32], n[32];
    printf("  %s  %s -> %s  amount %s  nonce %s\n", cli_jtext(t, "tx_hash", h, sizeof h),
           cli_jtext(t, "from", f, sizeof f), cli_jtext(t, "to", to, sizeof to), cli_jtext(t, "amount", a, sizeof a),
           cli_jtext(t, "nonce", n, sizeof n));
}

/* Text of GET /v1/status: the node's view of the chain in one screen. */
static void status_text(json_t *v)
{
    char b1[128], b2[128], b3[128], b4[128];
    json_t *node = json_object_get(v, "node"), *cons = json_object_get(v, "consensus"),
           *be = json_object_get(v, "crypto_backend");
    printf("network     %s (chain_id %s)\n", cli_jtext(node, "network", b1, sizeof b1),
           cli_jtext(node, "chain_id", b2, sizeof b2));
    printf("version     %s (core %s)\n", cli_jtext(node, "version", b1, sizeof b1),
           cli_jtext(node, "library_version", b2, sizeof b2));
    printf("height      %s\n", cli_jtext(cons, "block_height", b1, sizeof b1));
    printf("tip         %s\n", cli_jtext(cons, "current_block_hash", b1, sizeof b1));
    printf("validators  %s (this node: %s)\n", cli_jtext(cons, "validator_count", b1, sizeof b1),
           json_is_true(json_object_get(cons, "is_validator")) ? cli_jtext(cons, "validator_index", b2, sizeof b2)
                                                                : "not a validator");
    printf("backend     %s (%s)\n", cli_jtext(be, "active", b3, sizeof b3), cli_jtext(be, "detail", b4, sizeof b4));
    printf("mempool     %s pending\npeers       %s\n", cli_jtext(v, "mempool_size", b1, sizeof b1),
           cli_jtext(v, "peers", b2, sizeof b2));
}

/* `status`: the node's view of the chain. */
int cli_query_status(cli *c)
{
    return cli_get_show(c, "/v1/status", status_text);
}

/* Text of a block: its header fields, then one line per transaction. */
static void block_text(json_t *v)
{
    char b1[128], b2[128];
    json_t *hd = json_object_get(v, "header");
    json_t *ts = json_object_get(hd, "timestamp");
    iso_time(json_is_integer(ts) ? (int64_t)json_integer_value(ts) : 0, b2, sizeof b2);
    printf("height      %s\n", cli_jtext(v, "height", b1, sizeof b1));
    printf("hash        %s\n", cli_jtext(v, "block_hash", b1, sizeof b1));
    printf("parent      %s\n", cli_jtext(hd, "parent_hash", b1, sizeof b1));
    printf("time        %s (%s ms)\n", b2, cli_jtext(hd, "timestamp", b1, sizeof b1));
    printf("proposer    %s\n", cli_jtext(v, "proposer", b1, sizeof b1));
    printf("state root  %s\n", cli_jtext(v, "state_root", b1, sizeof b1));
    printf("merkle root %s\n", cli_jtext(hd, "merkle_root", b1, sizeof b1));
    printf("txs         %s\n", cli_jtext(v, "tx_count", b1, sizeof b1));
    json_t *txs = json_object_get(v, "transactions");
    for (size_t i = 0; i < json_array_size(txs); i++)
        print_tx_line(json_array_get(txs, i));
}

/* `block [latest|HEIGHT|HASH]`: one argument picks the API path by its form. */
int cli_query_block(cli *c, const char *id)
{
    char path[128];
    uint64_t h;
    if (id == NULL || strcmp(id, "latest") == 0)
        snprintf(path, sizeof path, "/v1/blocks/latest");
    else if (cj_value_parse_u64(id, &h) == 0)
        snprintf(path, sizeof path, "/v1/blocks/%llu", (unsigned long long)h);
    else if (strlen(id) <= 66)
        snprintf(path, sizeof path, "/v1/blocks/hash/%s", id);
    else
        return cj_opts_error(&cli_prog, cli_cur_cmd, "expected latest, a height or a 64-hex block hash, got '%s'",
                             id);
    return cli_get_show(c, path, block_text);
}

/* Text of a transaction lookup: its status (and block), then the transaction. */
static void tx_text(json_t *v)
{
    char b1[128], b2[128];
    printf("status      %s", cli_jtext(v, "status", b1, sizeof b1));
    if (json_object_get(v, "block_height"))
        printf(" in block %s (%s confirmations)", cli_jtext(v, "block_height", b1, sizeof b1),
               cli_jtext(v, "confirmations", b2, sizeof b2));
    printf("\n");
    print_tx_line(json_object_get(v, "transaction"));
}

/* `tx HASH`: a transaction, confirmed or pending. */
int cli_query_tx(cli *c, const char *hash)
{
    char path[160];
    if (hash == NULL || strlen(hash) > 66)
        return cj_opts_error(&cli_prog, cli_cur_cmd, "expected a 64-hex transaction hash");
    snprintf(path, sizeof path, "/v1/transactions/%s", hash);
    return cli_get_show(c, path, tx_text);
}

/* Text of an account: key, address, balance and nonces. */
static void account_text(json_t *v)
{
    char b1[128], b2[128];
    printf("pubkey      %s\n", cli_jtext(v, "pubkey", b1, sizeof b1));
    printf("address     %s\n", cli_jtext(v, "address", b1, sizeof b1));
    printf("balance     %s\n", cli_jtext(v, "balance", b1, sizeof b1));
    printf("nonce       %s (pending %s)\n", cli_jtext(v, "nonce", b1, sizeof b1),
           cli_jtext(v, "pending_txs", b2, sizeof b2));
}

/* `account PUBKEY|KEYFILE`: a key file stands for its public key. */
int cli_query_account(cli *c, const char *who)
{
    uint8_t pk[32];
    char err[512], hex[65], path[128];
    if (cli_pubkey_arg(who, pk, err, sizeof err) != 0)
        return cli_fail("account: %s", err);
    coinjecture_hex_encode(pk, 32, hex, sizeof hex);
    snprintf(path, sizeof path, "/v1/accounts/%s", hex);
    return cli_get_show(c, path, account_text);
}

/* Text of the mempool: its size, then one line per pending transaction. */
static void mempool_text(json_t *v)
{
    char b1[64];
    printf("pending     %s\n", cli_jtext(v, "size", b1, sizeof b1));
    json_t *txs = json_object_get(v, "transactions");
    for (size_t i = 0; i < json_array_size(txs); i++)
        print_tx_line(json_array_get(txs, i));
}

/* `mempool`: pending transactions by fee. */
int cli_query_mempool(cli *c)
{
    return cli_get_show(c, "/v1/mempool", mempool_text);
}

/* Text of the validator set: one line per validator, this node marked. */
static void validators_text(json_t *v)
{
    char b1[80], b2[80], b3[32];
    json_t *vals = json_object_get(v, "validators");
    for (size_t i = 0; i < json_array_size(vals); i++) {
        json_t *x = json_array_get(vals, i);
        printf("%s  %s  blocks %s%s\n", cli_jtext(x, "index", b3, sizeof b3), cli_jtext(x, "pubkey", b1, sizeof b1),
               cli_jtext(x, "blocks_since_start", b2, sizeof b2),
               json_is_true(json_object_get(x, "is_self")) ? "  (this node)" : "");
    }
}

/* `validators`: the set in order with the next proposer. */
int cli_query_validators(cli *c)
{
    return cli_get_show(c, "/v1/validators", validators_text);
}
