/* coinjecture-cli: query a coinjectured node, send signed transfers, build genesis files, and generate
 * load. HTTP goes through libevent's evhttp client; JSON through jansson. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_json.h"
#include "clock.h"
#include "coinjecture.h"
#include "config.h"
#include "genesis_file.h"
#include "keys.h"
#include "opts.h"

#define DEFAULT_NODE "http://127.0.0.1:8081"

typedef struct {
    struct event_base *base;
    struct evhttp_connection *conn;
    char host[256];
    uint16_t port;
    int json;
    uint64_t timeout_ms;
} cli;

/* ---- options (one table: parser, --help, completion and man page; src/tools/opts.h) ---- */

enum {
    G_NODE = 1, G_JSON, G_TIMEOUT,
    S_KEY, S_TO, S_AMOUNT, S_GAS_LIMIT, S_GAS_PRICE, S_NONCE, S_DATA, S_WAIT,
    N_OUT, N_VALIDATOR, N_ALLOC, N_CHAIN_ID, N_NETWORK, N_BLOCK_TIME, N_EPOCH_LENGTH, N_GENESIS_TIME,
    L_FUNDER, L_KEYS, L_KEY_DIR, L_DURATION, L_CONFIRM_TIMEOUT, L_FUND, L_AMOUNT, L_GAS_PRICE, L_CONNECTIONS,
    L_PRESIGN, L_BATCH, L_BATCH_PER_KEY, L_RATE,
};

#define END_OPTS {0, NULL, 0, NULL, NULL, 0, NULL}

static const cj_opt global_opts[] = {
    {G_NODE, "node", 0, "URL", "the node's HTTP API (default $COINJECTURE_NODE or " DEFAULT_NODE ")", 0, NULL},
    {G_JSON, "json", 0, NULL, "print the API's JSON instead of text", 0, NULL},
    {G_TIMEOUT, "timeout", 0, "DURATION", "HTTP timeout of one request, at least 1s (default 30s)", 0, NULL},
    END_OPTS,
};

static const cj_opt send_opts[] = {
    {S_KEY, "key", 0, "FILE", "key file of the sender (required)", 0, "@file"},
    {S_TO, "to", 0, "PUBKEY|KEYFILE", "recipient: 64 hex digits or a key file (required)", 0, "@file"},
    {S_AMOUNT, "amount", 0, "N", "amount to transfer (required)", 0, NULL},
    {S_GAS_LIMIT, "gas-limit", 0, "N", "gas limit (default 21000)", 0, NULL},
    {S_GAS_PRICE, "gas-price", 0, "N",
     "gas price (default: the lowest whose fee meets the minimum fee, max(1000, amount / 10000))", 0, NULL},
    {S_NONCE, "nonce", 0, "N", "nonce (default: the sender's next, after its confirmed and pending ones)", 0, NULL},
    {S_DATA, "data", 0, "HEX", "data carried by the transaction (default none)", 0, NULL},
    {S_WAIT, "wait", 0, NULL, "wait until the transfer is confirmed (at most 60 s)", 0, NULL},
    END_OPTS,
};

static const cj_opt genesis_opts[] = {
    {N_OUT, "out", 'o', "FILE", "the genesis file to write (required; never overwritten)", 0, "@file"},
    {N_VALIDATOR, "validator", 0, "KEY", "a validator, 64 hex or a key file (required; repeat for more)",
     CJ_OPT_REPEAT, "@file"},
    {N_ALLOC, "alloc", 0, "KEY=BALANCE", "an initial balance, KEY as for --validator (repeatable)", CJ_OPT_REPEAT, NULL},
    {N_CHAIN_ID, "chain-id", 0, "N", "chain id (default 1337)", 0, NULL},
    {N_NETWORK, "network", 0, "NAME", "network name (default coinjecture-testnet)", 0, NULL},
    {N_BLOCK_TIME, "block-time", 0, "DURATION", "target block time, e.g. 2s or 500ms (default 2s)", 0, NULL},
    {N_EPOCH_LENGTH, "epoch-length", 0, "N", "blocks per epoch (default 100)", 0, NULL},
    {N_GENESIS_TIME, "genesis-time", 0, "UNIX_SECONDS", "genesis timestamp (default now)", 0, NULL},
    END_OPTS,
};

static const cj_opt load_opts[] = {
    {L_FUNDER, "funder", 0, "KEYFILE", "fund --keys fresh keys from this key's account (it needs keys x (fund + fee))",
     0, "@file"},
    {L_KEYS, "keys", 0, "N", "fresh keys to fund with --funder, 2..10000 (default 16)", 0, NULL},
    {L_KEY_DIR, "key-dir", 0, "DIR", "send from the already funded key files DIR/*.key instead of --funder", 0,
     "@dir"},
    {L_DURATION, "duration", 0, "DURATION", "length of the sending window (default 10s)", 0, NULL},
    {L_CONFIRM_TIMEOUT, "confirm-timeout", 0, "DURATION",
     "how long to wait for funding and for the transfers to be confirmed (default 2m)", 0, NULL},
    {L_FUND, "fund", 0, "N", "amount given to each fresh key (default 1000000000)", 0, NULL},
    {L_AMOUNT, "amount", 0, "N", "amount of each transfer (default 1)", 0, NULL},
    {L_GAS_PRICE, "gas-price", 0, "N", "gas price of each transfer (default: the lowest that meets the minimum fee)",
     0, NULL},
    {L_CONNECTIONS, "connections", 0, "N", "HTTP connections, 1..64 (default 4)", 0, NULL},
    {L_PRESIGN, "presign", 0, "N", "sign N transfers per key before the window (default 0)", 0, NULL},
    {L_BATCH, "batch", 0, "N", "transfers per request, 1..1000; above 1 uses POST /v1/transactions/batch (default 1)",
     0, NULL},
    {L_BATCH_PER_KEY, "batch-per-key", 0, "N", "consecutive nonces of one key per batch, 1..1000 (default 8)", 0,
     NULL},
    {L_RATE, "rate", 0, "TX_PER_S", "offered transfers per second (default 0: as many as the node accepts)", 0,
     NULL},
    END_OPTS,
};

static const cj_cmd commands[] = {
    {"status", NULL, "the node's chain, validator role and crypto backend", NULL, 0, 0, NULL, NULL},
    {"block", "[latest|HEIGHT|HASH]", "a block with its transactions (default latest)", NULL, 0, 1, "latest", NULL},
    {"tx", "HASH", "a transaction, confirmed or pending", NULL, 1, 1, NULL, NULL},
    {"account", "PUBKEY|KEYFILE", "balance and nonce of an account", NULL, 1, 1, "@file", NULL},
    {"send", NULL, "sign a transfer with a key file and submit it", send_opts, 0, 0, NULL, NULL},
    {"mempool", NULL, "pending transactions", NULL, 0, 0, NULL, NULL},
    {"validators", NULL, "the validator set in order", NULL, 0, 0, NULL, NULL},
    {"vote", "[list] | add|remove KEY | withdraw add|remove KEY",
     "pending validator-set proposals and this node's votes; vote to add or remove a key", NULL, 0, 3,
     "list add remove withdraw",
     "vote list (the default) shows the epoch's pending proposals and this validator's vote intentions. vote add KEY "
     "and vote remove KEY record an intention that the blocks this validator seals vote to add or remove the key "
     "(64 hex or a key file); vote withdraw add|remove KEY withdraws one. Changes need --node on loopback "
     "(docs/CHAIN.md, \"Validator votes\")."},
    {"genesis", NULL, "write a genesis file (no node needed)", genesis_opts, 0, 0, NULL, NULL},
    {"load", NULL, "load generator: send transfers as fast as accepted, report accepted and confirmed tx/s",
     load_opts, 0, 0, NULL,
     "Give --funder KEYFILE (funds --keys fresh keys, then sends between them) or --key-dir DIR (already funded "
     "key files, continuing after their current nonces). The node's rate limiter applies: on a test node raise "
     "rate_limiter.ip_limit (--set rate_limiter.ip_limit=100000)."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};

static const cj_prog prog = {
    "coinjecture-cli",
    "query a coinjectured node, send signed transfers, write genesis files, generate load",
    "Talks to a coinjectured node over its HTTP API (docs/NODE.md): chain status, blocks, transactions, "
    "accounts, the mempool and the validator set; signs transfers with a coinjecture-keygen key file and "
    "submits them; writes genesis files; and measures throughput with a load generator.",
    global_opts,
    commands,
    NULL,
    0,
    0,
    "The node defaults to $COINJECTURE_NODE, else " DEFAULT_NODE ". KEY and PUBKEY arguments take 64 hex "
    "digits or a key file.",
    "coinjecture-cli status\n"
    "coinjecture-cli --node http://10.0.0.5:8081 block 42 --json\n"
    "coinjecture-cli send --key alice.key --to bob.key --amount 1000 --wait\n"
    "coinjecture-cli genesis --out genesis.json --validator v0.key --alloc alice.key=1000000000000",
};

/* The subcommand being run (for usage errors). */
static const cj_cmd *cur_cmd;

/* ---- small helpers ---- */

/* Monotonic seconds for rates. */
static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps for ms milliseconds. */
static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Prints an error and returns the exit code 1. */
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "coinjecture-cli: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 1;
}

/* A public key from 64 hex digits or from a key file path. */
static int pubkey_arg(const char *arg, uint8_t pk[32], char *err, size_t errlen)
{
    size_t n = strlen(arg);
    if ((n == 64 || (n == 66 && arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X'))) &&
        coinjecture_hex_decode(arg, pk, 32) == COINJ_OK)
        return 0;
    uint8_t sk[64];
    if (cj_keys_load(arg, sk, pk, err, errlen) != 0)
        return -1;
    sodium_memzero(sk, sizeof sk);
    return 0;
}

/* Formats Unix ms as ISO-8601 UTC. */
static void iso_time(int64_t ms, char *out, size_t cap)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tmv;
    gmtime_r(&s, &tmv);
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday,
             tmv.tm_hour, tmv.tm_min, tmv.tm_sec, (int)(ms % 1000 + 1000) % 1000);
}

/* A JSON member as text ("" if absent): strings unquoted, numbers as digits. */
static const char *jtext(json_t *obj, const char *key, char *buf, size_t cap)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v))
        snprintf(buf, cap, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    else if (json_is_true(v))
        snprintf(buf, cap, "true");
    else if (json_is_false(v))
        snprintf(buf, cap, "false");
    else if (json_is_null(v) || v == NULL)
        snprintf(buf, cap, "-");
    else {
        char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(buf, cap, "%s", t ? t : "?");
        free(t);
    }
    return buf;
}

/* ---- HTTP (evhttp client) ---- */

typedef struct {
    int done;
    int status;
    const char *error;
    struct evbuffer *body;
    struct event_base *base;
} sync_resp;

/* Response (or failure) of a synchronous request: store it and stop the loop. */
static void on_sync_done(struct evhttp_request *req, void *arg)
{
    sync_resp *r = arg;
    r->done = 1;
    if (req != NULL && evhttp_request_get_response_code(req) != 0) {
        r->status = evhttp_request_get_response_code(req);
        evbuffer_add_buffer(r->body, evhttp_request_get_input_buffer(req));
    } else if (r->error == NULL) {
        r->error = "no response (connection refused or closed)";
    }
    event_base_loopbreak(r->base);
}

/* Records why a request failed. */
static void on_sync_error(enum evhttp_request_error e, void *arg)
{
    sync_resp *r = arg;
    r->error = e == EVREQ_HTTP_TIMEOUT ? "timed out" : e == EVREQ_HTTP_EOF ? "connection closed"
               : e == EVREQ_HTTP_INVALID_HEADER ? "invalid response" : "connection failed";
}

/* Opens (or reopens) the keep-alive connection to the node. */
static int cli_connect(cli *c)
{
    if (c->conn != NULL)
        return 0;
    c->conn = evhttp_connection_base_new(c->base, NULL, c->host, c->port);
    if (c->conn == NULL)
        return -1;
    struct timeval tv = {(time_t)(c->timeout_ms / 1000), (suseconds_t)((c->timeout_ms % 1000) * 1000)};
    evhttp_connection_set_timeout_tv(c->conn, &tv);
    evhttp_connection_set_max_body_size(c->conn, 64 * 1024 * 1024);
    evhttp_connection_set_max_headers_size(c->conn, 64 * 1024);
    return 0;
}

/* Performs one request and waits for it. Returns 0 with *status and *out (heap, NUL-terminated) or -1
 * with a message on stderr. */
static int http_call(cli *c, enum evhttp_cmd_type method, const char *path, const char *body, int *status,
                     char **out)
{
    sync_resp r = {0, 0, NULL, evbuffer_new(), c->base};
    if (r.body == NULL || cli_connect(c) != 0) {
        if (r.body)
            evbuffer_free(r.body);
        return fail("out of memory");
    }
    struct evhttp_request *req = evhttp_request_new(on_sync_done, &r);
    evhttp_request_set_error_cb(req, on_sync_error);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", c->host);
    evhttp_add_header(h, "Accept", "application/json");
    if (body != NULL) {
        evhttp_add_header(h, "Content-Type", "application/json");
        evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
    }
    if (evhttp_make_request(c->conn, req, method, path) != 0) {
        evbuffer_free(r.body);
        return fail("cannot send the request to %s:%u", c->host, c->port);
    }
    while (!r.done)
        event_base_dispatch(c->base);
    if (r.status == 0) {
        evbuffer_free(r.body);
        evhttp_connection_free(c->conn);
        c->conn = NULL;
        return fail("http://%s:%u%s: %s", c->host, c->port, path, r.error ? r.error : "failed");
    }
    size_t n = evbuffer_get_length(r.body);
    char *text = malloc(n + 1);
    if (text == NULL) {
        evbuffer_free(r.body);
        return fail("out of memory");
    }
    evbuffer_remove(r.body, text, n);
    text[n] = '\0';
    evbuffer_free(r.body);
    *status = r.status;
    *out = text;
    return 0;
}

/* GET/POST returning parsed JSON; non-2xx answers are printed as errors. Returns NULL on failure. */
static json_t *api_json(cli *c, enum evhttp_cmd_type method, const char *path, const char *body, int *status_out)
{
    int status;
    char *text;
    json_error_t jerr;
    if (http_call(c, method, path, body, &status, &text) != 0)
        return NULL;
    if (status_out)
        *status_out = status;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (v == NULL) {
        fail("%s: HTTP %d with a non-JSON body: %.200s", path, status, text);
        free(text);
        return NULL;
    }
    free(text);
    if (status < 200 || status > 299) {
        char e[256], d[512];
        fail("%s: HTTP %d: %s%s%s", path, status, jtext(v, "error", e, sizeof e),
             json_object_get(v, "details") ? ": " : "", json_object_get(v, "details") ? jtext(v, "details", d, sizeof d) : "");
        json_decref(v);
        return NULL;
    }
    return v;
}

/* Prints JSON pretty (for --json). */
static void print_json(json_t *v)
{
    char *t = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("%s\n", t ? t : "null");
    free(t);
}

/* ---- commands ---- */

/* `status`: the node's view of the chain. */
static int cmd_status(cli *c)
{
    char b1[128], b2[128], b3[128], b4[128];
    json_t *v = api_json(c, EVHTTP_REQ_GET, "/v1/status", NULL, NULL);
    if (v == NULL)
        return 1;
    if (c->json) {
        print_json(v);
    } else {
        json_t *node = json_object_get(v, "node"), *cons = json_object_get(v, "consensus"),
               *be = json_object_get(v, "crypto_backend");
        printf("network     %s (chain_id %s)\n", jtext(node, "network", b1, sizeof b1), jtext(node, "chain_id", b2, sizeof b2));
        printf("version     %s (core %s)\n", jtext(node, "version", b1, sizeof b1), jtext(node, "library_version", b2, sizeof b2));
        printf("height      %s\n", jtext(cons, "block_height", b1, sizeof b1));
        printf("tip         %s\n", jtext(cons, "current_block_hash", b1, sizeof b1));
        printf("validators  %s (this node: %s)\n", jtext(cons, "validator_count", b1, sizeof b1),
               json_is_true(json_object_get(cons, "is_validator")) ? jtext(cons, "validator_index", b2, sizeof b2)
                                                                    : "not a validator");
        printf("backend     %s (%s)\n", jtext(be, "active", b3, sizeof b3), jtext(be, "detail", b4, sizeof b4));
        printf("mempool     %s pending\npeers       %s\n", jtext(v, "mempool_size", b1, sizeof b1), jtext(v, "peers", b2, sizeof b2));
    }
    json_decref(v);
    return 0;
}

/* Prints one transaction line (hash from -> to amount). */
static void print_tx_line(json_t *t)
{
    char h[80], f[80], to[80], a[32], n[32];
    printf("  %s  %s -> %s  amount %s  nonce %s\n", jtext(t, "tx_hash", h, sizeof h), jtext(t, "from", f, sizeof f),
           jtext(t, "to", to, sizeof to), jtext(t, "amount", a, sizeof a), jtext(t, "nonce", n, sizeof n));
}

/* `block [latest|HEIGHT|HASH]` */
static int cmd_block(cli *c, const char *id)
{
    char path[128], b1[128], b2[128];
    uint64_t h;
    if (id == NULL || strcmp(id, "latest") == 0)
        snprintf(path, sizeof path, "/v1/blocks/latest");
    else if (cj_value_parse_u64(id, &h) == 0)
        snprintf(path, sizeof path, "/v1/blocks/%llu", (unsigned long long)h);
    else if (strlen(id) <= 66)
        snprintf(path, sizeof path, "/v1/blocks/hash/%s", id);
    else
        return cj_opts_error(&prog, cur_cmd, "expected latest, a height or a 64-hex block hash, got '%s'", id);
    json_t *v = api_json(c, EVHTTP_REQ_GET, path, NULL, NULL);
    if (v == NULL)
        return 1;
    if (c->json) {
        print_json(v);
    } else {
        json_t *hd = json_object_get(v, "header");
        json_t *ts = json_object_get(hd, "timestamp");
        iso_time(json_is_integer(ts) ? (int64_t)json_integer_value(ts) : 0, b2, sizeof b2);
        printf("height      %s\n", jtext(v, "height", b1, sizeof b1));
        printf("hash        %s\n", jtext(v, "block_hash", b1, sizeof b1));
        printf("parent      %s\n", jtext(hd, "parent_hash", b1, sizeof b1));
        printf("time        %s (%s ms)\n", b2, jtext(hd, "timestamp", b1, sizeof b1));
        printf("proposer    %s\n", jtext(v, "proposer", b1, sizeof b1));
        printf("state root  %s\n", jtext(v, "state_root", b1, sizeof b1));
        printf("merkle root %s\n", jtext(hd, "merkle_root", b1, sizeof b1));
        printf("txs         %s\n", jtext(v, "tx_count", b1, sizeof b1));
        json_t *txs = json_object_get(v, "transactions");
        for (size_t i = 0; i < json_array_size(txs); i++)
            print_tx_line(json_array_get(txs, i));
    }
    json_decref(v);
    return 0;
}

/* `tx HASH` */
static int cmd_tx(cli *c, const char *hash)
{
    char path[160], b1[128], b2[128];
    if (hash == NULL || strlen(hash) > 66)
        return cj_opts_error(&prog, cur_cmd, "expected a 64-hex transaction hash");
    snprintf(path, sizeof path, "/v1/transactions/%s", hash);
    json_t *v = api_json(c, EVHTTP_REQ_GET, path, NULL, NULL);
    if (v == NULL)
        return 1;
    if (c->json) {
        print_json(v);
    } else {
        printf("status      %s", jtext(v, "status", b1, sizeof b1));
        if (json_object_get(v, "block_height"))
            printf(" in block %s (%s confirmations)", jtext(v, "block_height", b1, sizeof b1),
                   jtext(v, "confirmations", b2, sizeof b2));
        printf("\n");
        print_tx_line(json_object_get(v, "transaction"));
    }
    json_decref(v);
    return 0;
}

/* Fetches an account (balance, nonce, pending) for a key. */
static json_t *get_account(cli *c, const uint8_t pk[32])
{
    char hex[65], path[128];
    coinjecture_hex_encode(pk, 32, hex, sizeof hex);
    snprintf(path, sizeof path, "/v1/accounts/%s", hex);
    return api_json(c, EVHTTP_REQ_GET, path, NULL, NULL);
}

/* Reads a u64 member of a JSON object (number or decimal string). */
static uint64_t ju64(json_t *o, const char *key)
{
    uint64_t v = 0;
    if (cj_json_u64(json_object_get(o, key), &v, NULL) != 0)
        v = 0;
    return v;
}

/* `account PUBKEY|KEYFILE` */
static int cmd_account(cli *c, const char *who)
{
    uint8_t pk[32];
    char err[512], b1[128], b2[128];
    if (pubkey_arg(who, pk, err, sizeof err) != 0)
        return fail("account: %s", err);
    json_t *v = get_account(c, pk);
    if (v == NULL)
        return 1;
    if (c->json) {
        print_json(v);
    } else {
        printf("pubkey      %s\n", jtext(v, "pubkey", b1, sizeof b1));
        printf("address     %s\n", jtext(v, "address", b1, sizeof b1));
        printf("balance     %s\n", jtext(v, "balance", b1, sizeof b1));
        printf("nonce       %s (pending %s)\n", jtext(v, "nonce", b1, sizeof b1), jtext(v, "pending_txs", b2, sizeof b2));
    }
    json_decref(v);
    return 0;
}

/* The lowest gas price whose fee (gas_limit x price) meets the consensus minimum fee of a transfer of amount,
 * max(amount / 10000, 1000) (include/coinjecture.h, coinjecture_tx_verify); at least 1. */
static uint64_t min_gas_price(uint64_t amount, uint64_t gas_limit)
{
    uint64_t min_fee = amount / 10000 > 1000 ? amount / 10000 : 1000;
    uint64_t price = gas_limit ? min_fee / gas_limit + (min_fee % gas_limit != 0) : 1;
    return price ? price : 1;
}

/* Builds, signs and encodes a transfer as the POST /v1/transactions body (heap text). */
static char *signed_transfer(const uint8_t sk[64], const uint8_t to[32], uint64_t amount, uint64_t nonce,
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

/* `send --key FILE --to PUBKEY --amount N [...]`: signs a transfer and submits it. */
static int cmd_send(cli *c, const cj_parsed *a)
{
    const char *keyfile = NULL, *to_arg = NULL, *data_hex = NULL;
    uint64_t amount = 0, gas_limit = 21000, gas_price = 0, nonce = 0, wait_s = 0;
    int have_amount = 0, have_nonce = 0, have_price = 0, rc = 1;
    uint8_t sk[64], pk[32], to[32], hash[32];
    uint8_t *data = NULL;
    size_t data_len = 0;
    char err[512], hex[65], b1[64];
    for (size_t i = 0; i < a->nopts; i++) {
        const cj_optval *ov = &a->opts[i];
        int bad = 0;
        switch (ov->opt->id) {
        case S_KEY:
            keyfile = ov->val;
            break;
        case S_TO:
            to_arg = ov->val;
            break;
        case S_AMOUNT:
            bad = cj_opts_u64(&prog, a->cmd, ov, 0, UINT64_MAX, &amount);
            have_amount = 1;
            break;
        case S_GAS_LIMIT:
            bad = cj_opts_u64(&prog, a->cmd, ov, 0, UINT64_MAX, &gas_limit);
            break;
        case S_GAS_PRICE:
            bad = cj_opts_u64(&prog, a->cmd, ov, 0, UINT64_MAX, &gas_price);
            have_price = 1;
            break;
        case S_NONCE:
            bad = cj_opts_u64(&prog, a->cmd, ov, 0, UINT64_MAX, &nonce);
            have_nonce = 1;
            break;
        case S_DATA:
            data_hex = ov->val;
            break;
        case S_WAIT:
            wait_s = 60;
            break;
        }
        if (bad)
            return 2;
    }
    if (keyfile == NULL || to_arg == NULL || !have_amount)
        return cj_opts_error(&prog, a->cmd, "needs --key FILE, --to PUBKEY|KEYFILE and --amount N");
    if (!have_price)
        gas_price = min_gas_price(amount, gas_limit);
    if (pubkey_arg(to_arg, to, err, sizeof err) != 0)
        return fail("--to: %s", err);
    if (data_hex != NULL) {
        size_t n = strlen(data_hex);
        if (n % 2 != 0 || n / 2 > COINJECTURE_MAX_TX_DATA || (data = malloc(n / 2 + 1)) == NULL ||
            (n > 0 && coinjecture_hex_decode(data_hex, data, n / 2) != COINJ_OK)) {
            free(data);
            return fail("--data: expected an even number of hex digits (at most %u bytes)", COINJECTURE_MAX_TX_DATA);
        }
        data_len = n / 2;
    }
    if (cj_keys_load(keyfile, sk, pk, err, sizeof err) != 0) {
        free(data);
        return fail("%s", err);
    }
    if (!have_nonce) {
        json_t *acct = get_account(c, pk);
        if (acct == NULL)
            goto out;
        nonce = ju64(acct, "nonce") + ju64(acct, "pending_txs");
        json_decref(acct);
    }
    char *body = signed_transfer(sk, to, amount, nonce, gas_limit, gas_price, data, (uint32_t)data_len, hash);
    if (body == NULL) {
        fail("cannot sign the transaction: %s", coinjecture_last_error_message());
        goto out;
    }
    json_t *v = api_json(c, EVHTTP_REQ_POST, "/v1/transactions", body, NULL);
    free(body);
    if (v == NULL)
        goto out;
    coinjecture_hex_encode(hash, 32, hex, sizeof hex);
    if (c->json && !wait_s)
        print_json(v);
    else if (!c->json)
        printf("accepted    %s (nonce %llu, fee %s)\n", hex, (unsigned long long)nonce, jtext(v, "fee", b1, sizeof b1));
    json_decref(v);
    rc = 0;
    if (wait_s) {
        char path[160];
        snprintf(path, sizeof path, "/v1/transactions/%s", hex);
        double deadline = mono_s() + (double)wait_s;
        rc = 1;
        while (mono_s() < deadline) {
            json_t *t = api_json(c, EVHTTP_REQ_GET, path, NULL, NULL);
            if (t != NULL && strcmp(jtext(t, "status", b1, sizeof b1), "confirmed") == 0) {
                if (c->json)
                    print_json(t);
                else
                    printf("confirmed   in block %s\n", jtext(t, "block_height", b1, sizeof b1));
                json_decref(t);
                rc = 0;
                break;
            }
            json_decref(t);
            sleep_ms(250);
        }
        if (rc != 0)
            fail("transaction %s not confirmed within %llu s", hex, (unsigned long long)wait_s);
    }
out:
    sodium_memzero(sk, sizeof sk);
    free(data);
    return rc;
}

/* `mempool`: pending transactions by fee. */
static int cmd_mempool(cli *c)
{
    char b1[64];
    json_t *v = api_json(c, EVHTTP_REQ_GET, "/v1/mempool", NULL, NULL);
    if (v == NULL)
        return 1;
    if (c->json) {
        print_json(v);
    } else {
        printf("pending     %s\n", jtext(v, "size", b1, sizeof b1));
        json_t *txs = json_object_get(v, "transactions");
        for (size_t i = 0; i < json_array_size(txs); i++)
            print_tx_line(json_array_get(txs, i));
    }
    json_decref(v);
    return 0;
}

/* `validators`: the set in order with the next proposer. */
static int cmd_validators(cli *c)
{
    char b1[80], b2[80], b3[32];
    json_t *v = api_json(c, EVHTTP_REQ_GET, "/v1/validators", NULL, NULL);
    if (v == NULL)
        return 1;
    if (c->json) {
        print_json(v);
    } else {
        json_t *vals = json_object_get(v, "validators");
        for (size_t i = 0; i < json_array_size(vals); i++) {
            json_t *x = json_array_get(vals, i);
            printf("%s  %s  blocks %s%s\n", jtext(x, "index", b3, sizeof b3), jtext(x, "pubkey", b1, sizeof b1),
                   jtext(x, "blocks_since_start", b2, sizeof b2),
                   json_is_true(json_object_get(x, "is_self")) ? "  (this node)" : "");
        }
    }
    json_decref(v);
    return 0;
}

/* `vote list | add KEY | remove KEY | withdraw add|remove KEY`: this validator's vote intentions and the
 * epoch's pending proposals (docs/CHAIN.md "Validator votes"; changes need a loopback --node). */
static int cmd_vote(cli *c, int argc, const char **argv)
{
    char b1[80], b2[80], b3[32], err[512], path[256], body[256], hex[65];
    const char *sub = argc > 0 ? argv[0] : "list";
    if (strcmp(sub, "list") == 0) {
        if (argc > 1)
            return cj_opts_error(&prog, cur_cmd, "unexpected argument '%s'", argv[1]);
        json_t *v = api_json(c, EVHTTP_REQ_GET, "/v1/validators", NULL, NULL);
        if (v == NULL)
            return 1;
        if (c->json) {
            print_json(v);
            json_decref(v);
            return 0;
        }
        printf("height %s  epoch %s  next epoch at %s  validators %s  votes needed %s\n", jtext(v, "height", b1, sizeof b1),
               jtext(v, "epoch", b2, sizeof b2), jtext(v, "next_epoch_height", b3, sizeof b3),
               jtext(v, "count", hex, sizeof hex), jtext(v, "votes_needed", err, sizeof err));
        json_t *props = json_object_get(v, "proposals");
        if (json_array_size(props) == 0)
            printf("no pending proposals in this epoch\n");
        for (size_t i = 0; i < json_array_size(props); i++) {
            json_t *p = json_array_get(props, i);
            printf("proposal %-6s %s  votes %s/%s%s\n", jtext(p, "action", b3, sizeof b3), jtext(p, "pubkey", b1, sizeof b1),
                   jtext(p, "votes", b2, sizeof b2), jtext(p, "needed", hex, sizeof hex),
                   json_is_true(json_object_get(p, "passes")) ? "  (passes at the next epoch)" : "");
            json_t *voters = json_object_get(p, "voters");
            for (size_t j = 0; j < json_array_size(voters); j++)
                printf("  voter %s\n", json_string_value(json_array_get(voters, j)));
        }
        json_t *mine = json_object_get(v, "my_votes");
        for (size_t i = 0; i < json_array_size(mine); i++) {
            json_t *m = json_array_get(mine, i);
            printf("my vote  %-6s %s%s%s\n", jtext(m, "action", b3, sizeof b3), jtext(m, "pubkey", b1, sizeof b1),
                   json_is_true(json_object_get(m, "cast_this_epoch")) ? "  (cast this epoch)" : "",
                   json_is_true(json_object_get(m, "satisfied")) ? "  (satisfied)" : "");
        }
        json_decref(v);
        return 0;
    }
    int withdraw = strcmp(sub, "withdraw") == 0;
    const char *action = withdraw ? (argc > 1 ? argv[1] : NULL) : sub;
    const char *key = withdraw ? (argc > 2 ? argv[2] : NULL) : (argc > 1 ? argv[1] : NULL);
    if (strcmp(sub, "list") != 0 && strcmp(sub, "add") != 0 && strcmp(sub, "remove") != 0 && !withdraw)
        return cj_opts_error(&prog, cur_cmd, "unknown vote action '%s' (list, add, remove, withdraw)", sub);
    if (action == NULL || key == NULL || (strcmp(action, "add") != 0 && strcmp(action, "remove") != 0))
        return cj_opts_error(&prog, cur_cmd, "expected list | add|remove KEY | withdraw add|remove KEY");
    if (argc > (withdraw ? 3 : 2))
        return cj_opts_error(&prog, cur_cmd, "unexpected argument '%s'", argv[withdraw ? 3 : 2]);
    uint8_t pk[32];
    if (pubkey_arg(key, pk, err, sizeof err) != 0)
        return fail("%s", err);
    coinjecture_hex_encode(pk, 32, hex, sizeof hex);
    json_t *v;
    if (withdraw) {
        snprintf(path, sizeof path, "/v1/validators/votes?action=%s&pubkey=%s", action, hex);
        v = api_json(c, EVHTTP_REQ_DELETE, path, NULL, NULL);
    } else {
        snprintf(body, sizeof body, "{\"action\":\"%s\",\"pubkey\":\"%s\"}", action, hex);
        v = api_json(c, EVHTTP_REQ_POST, "/v1/validators/votes", body, NULL);
    }
    if (v == NULL)
        return 1;
    if (c->json)
        print_json(v);
    else
        printf("%s: %s %s%s\n", jtext(v, "status", b1, sizeof b1), action, hex,
               json_is_true(json_object_get(v, "is_validator")) ? ""
                                                                 : " (this node is not a validator now: not cast until it is)");
    json_decref(v);
    return 0;
}

/* `genesis --out FILE --validator KEY ... [--alloc KEY=BALANCE ...]`: writes a genesis file. */
static int cmd_genesis(const cj_parsed *a)
{
    cj_genesis g;
    const char *out = NULL;
    char err[512];
    int rc = 2;
    uint64_t v64;
    memset(&g, 0, sizeof g);
    g.rules_version = CJ_GENESIS_RULES_VERSION;
    g.chain_id = 1337;
    snprintf(g.network, sizeof g.network, "coinjecture-testnet");
    g.genesis_time = (int64_t)time(NULL);
    g.block_time_ms = 2000;
    g.epoch_length = 100;
    for (size_t i = 0; i < a->nopts; i++) {
        const cj_optval *ov = &a->opts[i];
        const char *v = ov->val;
        switch (ov->opt->id) {
        case N_OUT:
            out = v;
            break;
        case N_CHAIN_ID:
            if (cj_opts_u64(&prog, a->cmd, ov, 0, UINT64_MAX, &g.chain_id))
                goto out;
            break;
        case N_NETWORK:
            if (strlen(v) >= sizeof g.network) {
                cj_opts_error(&prog, a->cmd, "--network: at most %zu characters", sizeof g.network - 1);
                goto out;
            }
            snprintf(g.network, sizeof g.network, "%s", v);
            break;
        case N_GENESIS_TIME:
            if (cj_opts_u64(&prog, a->cmd, ov, 0, (uint64_t)INT64_MAX / 1000, &v64))
                goto out;
            g.genesis_time = (int64_t)v64;
            break;
        case N_BLOCK_TIME:
            if (cj_value_parse_duration_ms(v, &g.block_time_ms) != 0) {
                cj_opts_error(&prog, a->cmd, "--block-time: bad duration '%s' (e.g. 2s, 500ms)", v);
                goto out;
            }
            break;
        case N_EPOCH_LENGTH:
            if (cj_opts_u64(&prog, a->cmd, ov, 0, UINT64_MAX, &g.epoch_length))
                goto out;
            break;
        case N_VALIDATOR: {
            uint8_t(*nv)[32] = realloc(g.validators, (g.validator_count + 1) * 32);
            if (nv == NULL)
                goto out;
            g.validators = nv;
            if (pubkey_arg(v, g.validators[g.validator_count], err, sizeof err) != 0) {
                fail("--validator %s: %s", v, err);
                rc = 1;
                goto out;
            }
            g.validator_count++;
            break;
        }
        case N_ALLOC: {
            const char *eq = strrchr(v, '=');
            char who[4096];
            cj_genesis_alloc *na = realloc(g.allocs, (g.alloc_count + 1) * sizeof *na);
            if (na == NULL)
                goto out;
            g.allocs = na;
            if (eq == NULL || (size_t)(eq - v) >= sizeof who) {
                cj_opts_error(&prog, a->cmd, "--alloc expects KEY=BALANCE (KEY: 64 hex or a key file), got '%s'", v);
                goto out;
            }
            memcpy(who, v, (size_t)(eq - v));
            who[eq - v] = '\0';
            if (pubkey_arg(who, g.allocs[g.alloc_count].pubkey, err, sizeof err) != 0) {
                fail("--alloc %s: %s", who, err);
                rc = 1;
                goto out;
            }
            if (cj_value_parse_u64(eq + 1, &g.allocs[g.alloc_count].balance) != 0) {
                cj_opts_error(&prog, a->cmd, "--alloc %s: expected an unsigned integer balance", v);
                goto out;
            }
            g.alloc_count++;
            break;
        }
        }
    }
    if (out == NULL || g.validator_count == 0) {
        cj_opts_error(&prog, a->cmd, "needs --out FILE and at least one --validator KEY");
        goto out;
    }
    char *text = cj_genesis_to_json(&g);
    cj_genesis check;
    if (text == NULL || cj_genesis_parse(text, strlen(text), &check, err, sizeof err) != 0) {
        fail("invalid genesis: %s", text ? err : "out of memory");
        free(text);
        goto out;
    }
    cj_genesis_free(&check);
    FILE *f = fopen(out, "wx");
    if (f == NULL) {
        fail("%s: %s%s", out, strerror(errno), errno == EEXIST ? " (refusing to overwrite)" : "");
        free(text);
        rc = 1;
        goto out;
    }
    int ok = fprintf(f, "%s\n", text) > 0;
    ok &= fclose(f) == 0;
    free(text);
    if (!ok) {
        fail("%s: write failed", out);
        rc = 1;
        goto out;
    }
    printf("wrote %s: network %s, chain_id %llu, %zu validator%s, %zu allocation%s, genesis_time %lld\n", out,
           g.network, (unsigned long long)g.chain_id, g.validator_count, g.validator_count == 1 ? "" : "s",
           g.alloc_count, g.alloc_count == 1 ? "" : "s", (long long)g.genesis_time);
    rc = 0;
out:
    cj_genesis_free(&g);
    return rc;
}

/* ---- load generator ---- */

typedef struct load_key {
    uint8_t sk[64];
    uint64_t start_nonce, next_nonce;
    int in_flight;
    int64_t retry_at_ms;
    char **pre;    /* --presign: request bodies for nonces start_nonce .. start_nonce + npre - 1 */
    size_t npre;
} load_key;

typedef struct {
    cli *c;
    load_key *keys;
    size_t nkeys;
    struct evhttp_connection **conns;
    size_t nconns;
    uint64_t amount, gas_limit, gas_price;
    uint64_t accepted, rejected, limited, errors, in_flight;
    int stopping;
    struct event *tick;
    size_t cursor;
    char first_error[256];
    uint64_t batch, chunk; /* --batch: transfers per request (1 = POST /v1/transactions), per key */
    uint64_t rate;         /* --rate: offered transfers per second (0 = as fast as accepted) */
    double credit;         /* token bucket for --rate */
    int64_t credit_ms;
} load_ctx;

typedef struct {
    load_ctx *L;
    size_t k;
    size_t nk;       /* batch requests: keys in it, each with cnt[i] consecutive nonces */
    size_t *keys;
    uint32_t *cnt;
} load_req;

static void load_issue(load_ctx *L);

/* Response to one load transaction: advance the key's nonce on 202, back off on limits. */
static void on_load_done(struct evhttp_request *req, void *arg)
{
    load_req *lr = arg;
    load_ctx *L = lr->L;
    load_key *k = &L->keys[lr->k];
    int status = req ? evhttp_request_get_response_code(req) : 0;
    k->in_flight = 0;
    L->in_flight--;
    if (status == 202) {
        L->accepted++;
        k->next_nonce++;
    } else if (status == 429 || status == 503) {
        L->limited++;
        k->retry_at_ms = cj_clock_wall_ms() + 50;
    } else if (status == 400) {
        char body[512] = "";
        struct evbuffer *b = evhttp_request_get_input_buffer(req);
        size_t n = evbuffer_get_length(b);
        evbuffer_remove(b, body, n < sizeof body - 1 ? n : sizeof body - 1);
        if (strstr(body, "sender-limit") != NULL || strstr(body, "nonce-too-high") != NULL) {
            L->limited++;
            k->retry_at_ms = cj_clock_wall_ms() + 100;
        } else {
            L->rejected++;
            k->retry_at_ms = cj_clock_wall_ms() + 200;
            if (L->first_error[0] == '\0')
                snprintf(L->first_error, sizeof L->first_error, "HTTP 400: %.200s", body);
        }
    } else {
        L->errors++;
        k->retry_at_ms = cj_clock_wall_ms() + 200;
        if (L->first_error[0] == '\0')
            snprintf(L->first_error, sizeof L->first_error, "HTTP %d", status);
    }
    free(lr);
    if (!L->stopping)
        load_issue(L);
}

/* Records the first error text of a run. */
static void load_note_error(load_ctx *L, const char *what, const char *text)
{
    if (L->first_error[0] == '\0')
        snprintf(L->first_error, sizeof L->first_error, "%s: %.200s", what, text);
}

/* One result of a batch answer for the next nonce of key k: returns 1 if the nonce is taken care of
 * (accepted now, or already pending / confirmed), 0 if it must be sent again later. */
static int load_batch_result(load_ctx *L, load_key *k, json_t *res)
{
    const char *status = json_string_value(json_object_get(res, "status"));
    const char *details = json_string_value(json_object_get(res, "details"));
    json_int_t code = json_integer_value(json_object_get(res, "code"));
    if (status != NULL && strcmp(status, "accepted") == 0) {
        L->accepted++;
        return 1;
    }
    if (details == NULL)
        details = "";
    if (strncmp(details, "duplicate", 9) == 0 || strncmp(details, "nonce-exists", 12) == 0 ||
        strncmp(details, "nonce-too-low", 13) == 0)
        return 1; /* a resend of something already admitted (or confirmed meanwhile) */
    if (code == 503 || code == 429 || strstr(details, "sender-limit") || strstr(details, "nonce-too-high")) {
        L->limited++;
        k->retry_at_ms = cj_clock_wall_ms() + 50;
    } else {
        L->rejected++;
        k->retry_at_ms = cj_clock_wall_ms() + 200;
        load_note_error(L, "rejected", details);
    }
    return 0;
}

/* Answer to a batch: walk the results in request order, advancing each key past its leading nonces that
 * are taken care of. */
static void on_load_batch_done(struct evhttp_request *req, void *arg)
{
    load_req *lr = arg;
    load_ctx *L = lr->L;
    int status = req ? evhttp_request_get_response_code(req) : 0;
    json_t *v = NULL, *results = NULL;
    if (status == 200) {
        struct evbuffer *b = evhttp_request_get_input_buffer(req);
        size_t n = evbuffer_get_length(b);
        v = json_loadb((const char *)evbuffer_pullup(b, -1), n, 0, NULL);
        results = json_object_get(v, "results");
    }
    size_t at = 0;
    for (size_t i = 0; i < lr->nk; i++) {
        load_key *k = &L->keys[lr->keys[i]];
        int ok = results != NULL;
        for (uint32_t j = 0; j < lr->cnt[i]; j++, at++) {
            if (!ok)
                continue; /* after the first nonce that must be resent, the rest follow it */
            ok = load_batch_result(L, k, json_array_get(results, at));
            if (ok)
                k->next_nonce++;
        }
        k->in_flight = 0;
    }
    if (results == NULL) {
        int later = status == 429 || status == 503;
        if (later)
            L->limited++;
        else
            L->errors++;
        if (!later)
            load_note_error(L, "batch", status ? "unexpected answer" : "no answer");
        for (size_t i = 0; i < lr->nk; i++)
            L->keys[lr->keys[i]].retry_at_ms = cj_clock_wall_ms() + (later ? 50 : 200);
    }
    json_decref(v);
    L->in_flight--;
    free(lr->keys);
    free(lr->cnt);
    free(lr);
    if (!L->stopping)
        load_issue(L);
}

/* The body text for key k's transfer with nonce start_nonce + idx (presigned or signed now); *owned says
 * whether the caller frees it. */
static char *load_body(load_ctx *L, size_t i, uint64_t idx, int *owned)
{
    load_key *k = &L->keys[i];
    uint8_t hash[32];
    *owned = idx >= k->npre;
    if (!*owned)
        return k->pre[idx];
    return signed_transfer(k->sk, L->keys[(i + 1) % L->nkeys].sk + 32, L->amount, k->start_nonce + idx,
                           L->gas_limit, L->gas_price, NULL, 0, hash);
}

/* --rate: refills the token bucket (at most 1 s of credit, so a stall is made up afterwards and the
 * average offered rate holds) and returns how many transfers may go now (UINT64_MAX without a rate). */
static uint64_t load_credit(load_ctx *L, int64_t now)
{
    if (L->rate == 0)
        return UINT64_MAX;
    if (L->credit_ms == 0)
        L->credit_ms = now;
    L->credit += (double)(now - L->credit_ms) * (double)L->rate / 1000.0;
    L->credit_ms = now;
    double cap = (double)L->rate > 1.0 ? (double)L->rate : 1.0;
    if (L->credit > cap)
        L->credit = cap;
    return L->credit >= 1.0 ? (uint64_t)L->credit : 0;
}

/* --batch: fills requests of up to `batch` transfers, `chunk` consecutive nonces per idle key. */
static void load_issue_batch(load_ctx *L)
{
    int64_t now = cj_clock_wall_ms();
    while (L->in_flight < L->nconns * 2) {
        uint64_t allowed = load_credit(L, now);
        if (allowed == 0)
            return;
        load_req *lr = calloc(1, sizeof *lr);
        size_t maxk = (size_t)((L->batch + L->chunk - 1) / L->chunk);
        struct evbuffer *body = evbuffer_new();
        if (lr == NULL || body == NULL || (lr->keys = calloc(maxk, sizeof *lr->keys)) == NULL ||
            (lr->cnt = calloc(maxk, sizeof *lr->cnt)) == NULL) {
            if (lr)
                free(lr->keys);
            free(lr);
            if (body)
                evbuffer_free(body);
            L->errors++;
            return;
        }
        lr->L = L;
        uint64_t total = 0;
        evbuffer_add(body, "[", 1);
        for (size_t scanned = 0; scanned < L->nkeys && total < L->batch && total < allowed && lr->nk < maxk;
             scanned++) {
            size_t i = L->cursor++ % L->nkeys;
            load_key *k = &L->keys[i];
            if (k->in_flight || k->retry_at_ms > now)
                continue;
            uint32_t c = 0;
            for (; c < L->chunk && total < L->batch && total < allowed; c++, total++) {
                int owned;
                char *t = load_body(L, i, k->next_nonce - k->start_nonce + c, &owned);
                if (t == NULL)
                    break;
                if (total > 0)
                    evbuffer_add(body, ",", 1);
                evbuffer_add(body, t, strlen(t));
                if (owned)
                    free(t);
            }
            if (c == 0)
                continue;
            k->in_flight = 1;
            lr->keys[lr->nk] = i;
            lr->cnt[lr->nk++] = c;
        }
        if (total == 0) {
            evbuffer_free(body);
            free(lr->keys);
            free(lr->cnt);
            free(lr);
            return;
        }
        evbuffer_add(body, "]", 1);
        if (L->rate)
            L->credit -= (double)total;
        struct evhttp_request *req = evhttp_request_new(on_load_batch_done, lr);
        struct evkeyvalq *h = evhttp_request_get_output_headers(req);
        evhttp_add_header(h, "Host", L->c->host);
        evhttp_add_header(h, "Content-Type", "application/json");
        evbuffer_add_buffer(evhttp_request_get_output_buffer(req), body);
        evbuffer_free(body);
        if (evhttp_make_request(L->conns[L->cursor % L->nconns], req, EVHTTP_REQ_POST, "/v1/transactions/batch") !=
            0) {
            for (size_t i = 0; i < lr->nk; i++)
                L->keys[lr->keys[i]].in_flight = 0;
            free(lr->keys);
            free(lr->cnt);
            free(lr);
            L->errors++;
            return;
        }
        L->in_flight++;
    }
}

/* Sends the next transfer for every idle key (bounded by the number of connections x 4 in flight). */
static void load_issue(load_ctx *L)
{
    if (L->batch > 1) {
        load_issue_batch(L);
        return;
    }
    int64_t now = cj_clock_wall_ms();
    for (size_t scanned = 0; scanned < L->nkeys && L->in_flight < L->nconns * 4 && load_credit(L, now) > 0;
         scanned++) {
        size_t i = L->cursor++ % L->nkeys;
        load_key *k = &L->keys[i];
        if (k->in_flight || k->retry_at_ms > now)
            continue;
        uint8_t hash[32];
        const uint8_t *to = L->keys[(i + 1) % L->nkeys].sk + 32;
        uint64_t idx = k->next_nonce - k->start_nonce;
        int presigned = idx < k->npre;
        char *body = presigned ? k->pre[idx]
                               : signed_transfer(k->sk, to, L->amount, k->next_nonce, L->gas_limit, L->gas_price,
                                                 NULL, 0, hash);
        load_req *lr = malloc(sizeof *lr);
        if (body == NULL || lr == NULL) {
            if (!presigned)
                free(body);
            free(lr);
            L->errors++;
            continue;
        }
        lr->L = L;
        lr->k = i;
        struct evhttp_request *req = evhttp_request_new(on_load_done, lr);
        struct evkeyvalq *h = evhttp_request_get_output_headers(req);
        evhttp_add_header(h, "Host", L->c->host);
        evhttp_add_header(h, "Content-Type", "application/json");
        evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
        if (!presigned)
            free(body);
        if (evhttp_make_request(L->conns[i % L->nconns], req, EVHTTP_REQ_POST, "/v1/transactions") != 0) {
            free(lr);
            L->errors++;
            continue;
        }
        k->in_flight = 1;
        L->in_flight++;
        if (L->rate)
            L->credit -= 1.0;
    }
}

/* Periodic tick: retries keys whose back-off has passed. */
static void on_load_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    load_issue(arg);
}

/* Ends the load phase. */
static void on_load_end(evutil_socket_t fd, short what, void *arg)
{
    load_ctx *L = arg;
    (void)fd, (void)what;
    L->stopping = 1;
    event_base_loopbreak(L->c->base);
}

/* Submits a transaction synchronously, retrying while the node says "later" (429/503/sender limit). */
static int submit_retry(cli *c, const char *body, double deadline)
{
    while (mono_s() < deadline) {
        int status;
        char *text;
        if (http_call(c, EVHTTP_REQ_POST, "/v1/transactions", body, &status, &text) != 0)
            return -1;
        int later = status == 429 || status == 503 || (status == 400 && strstr(text, "sender-limit") != NULL);
        if (status == 202) {
            free(text);
            return 0;
        }
        if (!later) {
            fail("funding transaction refused: HTTP %d %s", status, text);
            free(text);
            return -1;
        }
        free(text);
        sleep_ms(200);
    }
    return fail("funding: timed out");
}

/* Sum over keys of the confirmed nonce (account nonce at the tip). Returns -1 on error. */
static int confirmed_nonces(cli *c, load_ctx *L, uint64_t *sum, int *all_done)
{
    uint64_t s = 0;
    int done = 1;
    for (size_t i = 0; i < L->nkeys; i++) {
        json_t *a = get_account(c, L->keys[i].sk + 32);
        if (a == NULL)
            return -1;
        uint64_t n = ju64(a, "nonce");
        json_decref(a);
        s += n - L->keys[i].start_nonce;
        done &= n >= L->keys[i].next_nonce;
    }
    *sum = s;
    *all_done = done;
    return 0;
}

/* Orders key file names (strcmp) so a key directory always yields the same sender order. */
static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *.key file of dir (sorted by name) as an already funded sender. Returns the count or -1. */
static long load_key_dir(const char *dir, load_key **out)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fail("--key-dir %s: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL, err[512];
    size_t n = 0, cap = 0;
    long rc = -1;
    struct dirent *e;
    *out = NULL;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".key") != 0)
            continue;
        if (n == cap) {
            char **t = realloc(names, (cap ? cap * 2 : 64) * sizeof *t);
            if (t == NULL)
                goto oom;
            names = t;
            cap = cap ? cap * 2 : 64;
        }
        if ((names[n] = strdup(e->d_name)) == NULL)
            goto oom;
        n++;
    }
    if (n < 2 || n > 10000) {
        fail("--key-dir %s: found %zu key files (*.key), need 2..10000", dir, n);
        goto out;
    }
    qsort(names, n, sizeof *names, cmp_names);
    if ((*out = calloc(n, sizeof **out)) == NULL)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        uint8_t pk[32];
        snprintf(path, sizeof path, "%.2000s/%.1000s", dir, names[i]);
        if (cj_keys_load(path, (*out)[i].sk, pk, err, sizeof err) != 0) {
            fail("%s", err);
            for (size_t j = 0; j < i; j++)
                sodium_memzero((*out)[j].sk, 64);
            free(*out);
            *out = NULL;
            goto out;
        }
    }
    rc = (long)n;
    goto out;
oom:
    fail("out of memory");
out:
    closedir(d);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* `load --funder FILE [--keys N] | --key-dir DIR, [--duration D] [--presign N] ...`: funds N fresh keys
 * (or uses the funded keys of DIR), then sends transfers between them as fast as the node accepts them
 * for D, and reports accepted and confirmed transactions per second. --presign signs N transfers per key
 * before the timed window, so the window measures the node and not the signer. */
static int cmd_load(cli *c, const cj_parsed *pa)
{
    const char *funder = NULL, *key_dir = NULL;
    uint64_t nkeys = 16, duration_ms = 10000, fund = 1000000000ull, conns = 4, wait_ms = 120000, presign = 0;
    int have_price = 0;
    load_ctx L;
    memset(&L, 0, sizeof L);
    L.c = c;
    L.amount = 1, L.gas_limit = 21000, L.gas_price = 1, L.batch = 1, L.chunk = 8;
    for (size_t i = 0; i < pa->nopts; i++) {
        const cj_optval *ov = &pa->opts[i];
        const cj_cmd *cmd = pa->cmd;
        int bad = 0;
        switch (ov->opt->id) {
        case L_FUNDER:
            funder = ov->val;
            break;
        case L_KEY_DIR:
            key_dir = ov->val;
            break;
        case L_KEYS:
            bad = cj_opts_u64(&prog, cmd, ov, 2, 10000, &nkeys);
            break;
        case L_DURATION:
            if (cj_value_parse_duration_ms(ov->val, &duration_ms) != 0 || duration_ms == 0)
                bad = cj_opts_error(&prog, cmd, "--duration: expected a positive duration (e.g. 10s), got '%s'",
                                    ov->val);
            break;
        case L_CONFIRM_TIMEOUT:
            if (cj_value_parse_duration_ms(ov->val, &wait_ms) != 0)
                bad = cj_opts_error(&prog, cmd, "--confirm-timeout: expected a duration (e.g. 2m), got '%s'", ov->val);
            break;
        case L_FUND:
            bad = cj_opts_u64(&prog, cmd, ov, 1, UINT64_MAX, &fund);
            break;
        case L_AMOUNT:
            bad = cj_opts_u64(&prog, cmd, ov, 0, UINT64_MAX, &L.amount);
            break;
        case L_GAS_PRICE:
            bad = cj_opts_u64(&prog, cmd, ov, 0, UINT64_MAX, &L.gas_price);
            have_price = 1;
            break;
        case L_CONNECTIONS:
            bad = cj_opts_u64(&prog, cmd, ov, 1, 64, &conns);
            break;
        case L_PRESIGN:
            bad = cj_opts_u64(&prog, cmd, ov, 0, 1000000, &presign);
            break;
        case L_BATCH:
            bad = cj_opts_u64(&prog, cmd, ov, 1, 1000, &L.batch);
            break;
        case L_RATE:
            bad = cj_opts_u64(&prog, cmd, ov, 0, UINT64_MAX, &L.rate);
            break;
        case L_BATCH_PER_KEY:
            bad = cj_opts_u64(&prog, cmd, ov, 1, 1000, &L.chunk);
            break;
        }
        if (bad)
            return 2;
    }
    if ((funder == NULL) == (key_dir == NULL))
        return cj_opts_error(&prog, pa->cmd,
                             "needs --funder KEYFILE (an account with at least keys x (fund + fee)) or --key-dir DIR "
                             "(funded key files), not both");
    if (!have_price)
        L.gas_price = min_gas_price(L.amount, L.gas_limit);
    /* the funding transfers pay the minimum fee of their amount */
    uint64_t fund_price = min_gas_price(fund, 21000);
    uint8_t fsk[64], fpk[32], hash[32];
    char err[512];
    int rc = 1;
    sodium_memzero(fsk, sizeof fsk);
    double deadline = mono_s() + (double)wait_ms / 1000.0;
    if (key_dir != NULL) {
        long n = load_key_dir(key_dir, &L.keys);
        if (n < 0)
            return 1;
        L.nkeys = (size_t)n;
        /* continue after whatever each key already sent */
        for (size_t i = 0; i < L.nkeys; i++) {
            json_t *a = get_account(c, L.keys[i].sk + 32);
            if (a == NULL)
                goto out;
            L.keys[i].start_nonce = L.keys[i].next_nonce = ju64(a, "nonce") + ju64(a, "pending_txs");
            json_decref(a);
        }
    } else {
        if (cj_keys_load(funder, fsk, fpk, err, sizeof err) != 0)
            return fail("%s", err);
        L.nkeys = (size_t)nkeys;
        L.keys = calloc(L.nkeys, sizeof *L.keys);
        if (L.keys == NULL) {
            fail("out of memory");
            goto out;
        }
        for (size_t i = 0; i < L.nkeys; i++) {
            uint8_t pk[32];
            if (cj_keys_generate(L.keys[i].sk, pk) != 0)
                goto out;
        }
        /* 1. fund the keys from the funder */
        json_t *acct = get_account(c, fpk);
        if (acct == NULL)
            goto out;
        uint64_t fnonce = ju64(acct, "nonce") + ju64(acct, "pending_txs");
        json_decref(acct);
        fprintf(stderr, "load: funding %zu keys with %llu each (fee %llu)\n", L.nkeys, (unsigned long long)fund,
                (unsigned long long)(21000 * fund_price));
        for (size_t i = 0; i < L.nkeys; i++) {
            char *body = signed_transfer(fsk, L.keys[i].sk + 32, fund, fnonce + i, 21000, fund_price, NULL, 0, hash);
            if (body == NULL || submit_retry(c, body, deadline) != 0) {
                free(body);
                goto out;
            }
            free(body);
        }
        for (;;) {
            int funded = 1;
            for (size_t i = 0; i < L.nkeys && funded; i++) {
                json_t *a = get_account(c, L.keys[i].sk + 32);
                if (a == NULL)
                    goto out;
                funded = ju64(a, "balance") >= fund;
                json_decref(a);
            }
            if (funded)
                break;
            if (mono_s() > deadline) {
                fail("load: funding transactions not confirmed in time");
                goto out;
            }
            sleep_ms(250);
        }
    }
    L.nconns = (size_t)conns;
    L.conns = calloc(L.nconns, sizeof *L.conns);
    if (L.conns == NULL) {
        fail("out of memory");
        goto out;
    }
    /* 1b. sign ahead of the window */
    if (presign > 0) {
        double tp = mono_s();
        for (size_t i = 0; i < L.nkeys; i++) {
            load_key *k = &L.keys[i];
            const uint8_t *to = L.keys[(i + 1) % L.nkeys].sk + 32;
            if ((k->pre = calloc((size_t)presign, sizeof *k->pre)) == NULL) {
                fail("out of memory");
                goto out;
            }
            for (k->npre = 0; k->npre < presign; k->npre++) {
                k->pre[k->npre] = signed_transfer(k->sk, to, L.amount, k->start_nonce + k->npre, L.gas_limit,
                                                  L.gas_price, NULL, 0, hash);
                if (k->pre[k->npre] == NULL) {
                    fail("cannot sign: %s", coinjecture_last_error_message());
                    goto out;
                }
            }
        }
        fprintf(stderr, "load: presigned %llu transfers in %.2f s\n", (unsigned long long)(presign * L.nkeys),
                mono_s() - tp);
    }
    /* 2. send as fast as accepted */
    for (size_t i = 0; i < L.nconns; i++) {
        L.conns[i] = evhttp_connection_base_new(c->base, NULL, c->host, c->port);
        if (L.conns[i] == NULL)
            goto out;
        struct timeval tv = {10, 0};
        evhttp_connection_set_timeout_tv(L.conns[i], &tv);
    }
    fprintf(stderr, "load: sending for %.1f s over %zu connections with %zu keys\n", (double)duration_ms / 1000.0,
            L.nconns, L.nkeys);
    double t0 = mono_s();
    int64_t start_ms = cj_clock_wall_ms();
    struct event *end = evtimer_new(c->base, on_load_end, &L);
    L.tick = event_new(c->base, -1, EV_PERSIST, on_load_tick, &L);
    struct timeval dur = {(time_t)(duration_ms / 1000), (suseconds_t)((duration_ms % 1000) * 1000)};
    struct timeval tick = {0, 10000};
    evtimer_add(end, &dur);
    evtimer_add(L.tick, &tick);
    load_issue(&L);
    event_base_dispatch(c->base);
    double sent_s = mono_s() - t0;
    int64_t end_ms = cj_clock_wall_ms();
    event_free(L.tick);
    event_free(end);
    /* drain replies still in flight */
    double drain_deadline = mono_s() + 15;
    while (L.in_flight > 0 && mono_s() < drain_deadline)
        event_base_loop(c->base, EVLOOP_ONCE);
    /* 3. wait for confirmation */
    uint64_t confirmed = 0;
    int all = 0;
    double t_conf = mono_s();
    double conf_deadline = t_conf + (double)wait_ms / 1000.0;
    while (mono_s() < conf_deadline) {
        if (confirmed_nonces(c, &L, &confirmed, &all) != 0)
            goto out;
        t_conf = mono_s();
        if (all)
            break;
        sleep_ms(250);
    }
    double conf_s = t_conf - t0;
    if (c->json) {
        json_t *o = json_pack("{s:I,s:f,s:I,s:f,s:I,s:f,s:f,s:I,s:I,s:I,s:b,s:I,s:I}", "keys", (json_int_t)L.nkeys,
                              "duration_s", sent_s, "accepted", (json_int_t)L.accepted, "accepted_tps",
                              (double)L.accepted / sent_s, "confirmed", (json_int_t)confirmed, "confirmed_tps",
                              conf_s > 0 ? (double)confirmed / conf_s : 0.0, "confirm_time_s", conf_s, "rejected",
                              (json_int_t)L.rejected, "throttled", (json_int_t)L.limited, "errors",
                              (json_int_t)L.errors, "all_confirmed", all, "start_ms", (json_int_t)start_ms, "end_ms",
                              (json_int_t)end_ms);
        print_json(o);
        json_decref(o);
    } else {
        printf("keys        %zu\n", L.nkeys);
        printf("accepted    %llu in %.2f s = %.1f tx/s\n", (unsigned long long)L.accepted, sent_s,
               (double)L.accepted / sent_s);
        printf("confirmed   %llu in %.2f s = %.1f tx/s%s\n", (unsigned long long)confirmed, conf_s,
               conf_s > 0 ? (double)confirmed / conf_s : 0.0, all ? "" : " (not all confirmed before the timeout)");
        printf("throttled   %llu (429/503/sender limit, retried)\nrejected    %llu\nerrors      %llu\n",
               (unsigned long long)L.limited, (unsigned long long)L.rejected, (unsigned long long)L.errors);
    }
    if (L.first_error[0])
        fprintf(stderr, "load: first error: %s\n", L.first_error);
    rc = all ? 0 : 1;
out:
    sodium_memzero(fsk, sizeof fsk);
    for (size_t i = 0; L.keys != NULL && i < L.nkeys; i++) {
        sodium_memzero(L.keys[i].sk, 64);
        for (size_t j = 0; j < L.keys[i].npre; j++)
            free(L.keys[i].pre[j]);
        free(L.keys[i].pre);
    }
    for (size_t i = 0; L.conns != NULL && i < L.nconns; i++)
        if (L.conns[i])
            evhttp_connection_free(L.conns[i]);
    free(L.conns);
    free(L.keys);
    return rc;
}

/* ---- main ---- */

/* Parses the command line (options before or after the command), connects and runs one command. */
int main(int argc, char **argv)
{
    cli c;
    cj_parsed a;
    const char *node = getenv("COINJECTURE_NODE");
    memset(&c, 0, sizeof c);
    c.timeout_ms = 30000;
    if (node == NULL || *node == '\0')
        node = DEFAULT_NODE;
    int rc = cj_opts_parse(&prog, argc, argv, &a);
    if (rc >= 0)
        return rc;
    cur_cmd = a.cmd;
    for (size_t i = 0; i < a.nopts; i++) {
        const cj_optval *ov = &a.opts[i];
        if (ov->opt->id == G_JSON)
            c.json = 1;
        else if (ov->opt->id == G_NODE)
            node = ov->val;
        else if (ov->opt->id == G_TIMEOUT &&
                 (cj_value_parse_duration_ms(ov->val, &c.timeout_ms) != 0 || c.timeout_ms < 1000)) {
            rc = cj_opts_error(&prog, NULL, "--timeout: expected a duration of at least 1s, got '%s'", ov->val);
            cj_opts_free(&a);
            return rc;
        }
    }
    const char *cmd = a.cmd->name;
    if (sodium_init() < 0) {
        cj_opts_free(&a);
        return fail("libsodium failed to initialise");
    }
    if (strcmp(cmd, "genesis") == 0) {
        rc = cmd_genesis(&a);
        cj_opts_free(&a);
        return rc;
    }

    struct evhttp_uri *uri = evhttp_uri_parse(node);
    const char *host = uri ? evhttp_uri_get_host(uri) : NULL;
    const char *scheme = uri ? evhttp_uri_get_scheme(uri) : NULL;
    if (host == NULL || (scheme != NULL && strcmp(scheme, "http") != 0)) {
        if (uri)
            evhttp_uri_free(uri);
        cj_opts_free(&a);
        return cj_opts_error(&prog, NULL, "--node: expected http://HOST:PORT, got '%s'", node);
    }
    snprintf(c.host, sizeof c.host, "%s", host);
    c.port = (uint16_t)(evhttp_uri_get_port(uri) > 0 ? evhttp_uri_get_port(uri) : 80);
    evhttp_uri_free(uri);
    c.base = event_base_new();
    if (c.base == NULL) {
        cj_opts_free(&a);
        return fail("cannot create an event loop");
    }

    const char *arg = a.nargs > 0 ? a.args[0] : NULL;
    if (strcmp(cmd, "status") == 0)
        rc = cmd_status(&c);
    else if (strcmp(cmd, "block") == 0)
        rc = cmd_block(&c, arg);
    else if (strcmp(cmd, "tx") == 0)
        rc = cmd_tx(&c, arg);
    else if (strcmp(cmd, "account") == 0)
        rc = cmd_account(&c, arg);
    else if (strcmp(cmd, "send") == 0)
        rc = cmd_send(&c, &a);
    else if (strcmp(cmd, "mempool") == 0)
        rc = cmd_mempool(&c);
    else if (strcmp(cmd, "validators") == 0)
        rc = cmd_validators(&c);
    else if (strcmp(cmd, "vote") == 0)
        rc = cmd_vote(&c, (int)a.nargs, a.args);
    else
        rc = cmd_load(&c, &a);
    cj_opts_free(&a);
    if (c.conn)
        evhttp_connection_free(c.conn);
    event_base_free(c.base);
    return rc;
}
