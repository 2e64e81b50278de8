/* HTTP API server: routing, handlers, limits, rate limiting (ratelimit.c) and accept back-off on libevent evhttp. */
#include "api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "api_conn.h"
#include "api_json.h"
#include "hmap.h"
#include "log.h"
#include "metrics.h"
#include "evidence.h"
#include "node.h"
#include "shadow.h"
#include "p2p.h"
#include "ratelimit.h"
#include "web.h"

/* ---------------------------------------------------------------------------------------------------
 * Server
 * ------------------------------------------------------------------------------------------------- */

struct cj_api {
    cj_node *node;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct evconnlistener *listener;
    struct event *backoff_timer;
    int backoff_ms;
    cj_ratelimit *rl;
    int conn_started; /* joined the request-deadline tracker (api_conn.c) */
    uint16_t port;
};

/* The listener error callback only receives evhttp's pointer, so listeners map back to servers here. */
#define MAX_APIS 8
static cj_api *g_apis[MAX_APIS];

typedef struct {
    cj_api *a;
    struct evhttp_request *req;
    const char *endpoint; /* route label for metrics */
    const char *method;
    const char *path;
    struct timespec t0;
} rq;

/* Seconds elapsed since the request started being handled. */
static double elapsed_s(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Sends a reply with common headers, and records metrics and a debug log line. */
static void send_body(rq *r, int code, const char *ctype, const char *body, size_t len)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
    struct evbuffer *buf = evbuffer_new();
    char status[8];
    if (ctype != NULL)
        evhttp_add_header(h, "Content-Type", ctype);
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    if (evhttp_find_header(h, "Cache-Control") == NULL)
        evhttp_add_header(h, "Cache-Control", "no-store");
    if (buf != NULL && body != NULL)
        evbuffer_add(buf, body, len);
    evhttp_send_reply(r->req, code, NULL, buf);
    if (buf != NULL)
        evbuffer_free(buf);
    snprintf(status, sizeof status, "%d", code);
    const char *labels[3] = {r->endpoint, r->method, status};
    cj_metrics_add_l("http_requests_total", labels, 1);
    double dt = elapsed_s(&r->t0);
    cj_metrics_observe_l("http_request_duration_seconds", labels, dt);
    if (cj_log_enabled(CJ_LOG_DEBUG))
        cj_log_debug("http %s %s -> %d (%.2f ms)", r->method, r->path, code, dt * 1000.0);
}

/* Sends a JSON value (takes ownership). */
static void send_json(rq *r, int code, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(v);
    if (text == NULL) {
        static const char oom[] = "{\"error\":\"internal error\",\"details\":\"out of memory\"}";
        send_body(r, 500, "application/json", oom, sizeof oom - 1);
        return;
    }
    send_body(r, code, "application/json", text, strlen(text));
    free(text);
}

/* Sends {"error", "details"} with a status code. */
static void send_error(rq *r, int code, const char *error, const char *details)
{
    char *text = cj_json_error_text(error, details);
    if (text == NULL) {
        static const char oom[] = "{\"error\":\"internal error\",\"details\":\"out of memory\"}";
        send_body(r, 500, "application/json", oom, sizeof oom - 1);
        return;
    }
    send_body(r, code, "application/json", text, strlen(text));
    free(text);
}

/* Adds key: value to obj (value may be NULL on OOM: then nothing is added, the reply shows it). */
static void put(json_t *obj, const char *key, json_t *value)
{
    if (obj != NULL && value != NULL)
        json_object_set_new(obj, key, value);
    else
        json_decref(value);
}

/* Hex of 32 bytes as a JSON string. */
static json_t *hex32(const uint8_t b[32])
{
    return cj_json_hex(b, 32);
}

/* Parses a 64-hex path parameter; replies 400 and returns -1 if it is malformed. */
static int parse_hash_param(rq *r, const char *param, uint8_t out[32], const char *what)
{
    char details[160];
    size_t n = strlen(param);
    if (n >= 2 && param[0] == '0' && (param[1] == 'x' || param[1] == 'X'))
        n -= 2;
    if (n != 64 || coinjecture_hex_decode(param, out, 32) != COINJ_OK) {
        snprintf(details, sizeof details, "%s must be 64 hex digits (32 bytes), got %zu characters", what, n);
        send_error(r, 400, n != 64 ? "invalid length" : "invalid hex", details);
        return -1;
    }
    return 0;
}

/* Public key of the validator whose address is miner_address, or NULL. */
static const uint8_t *proposer_of(const cj_chain *c, const uint8_t miner_address[32])
{
    uint8_t addr[32];
    for (size_t i = 0; i < cj_chain_validator_count(c); i++) {
        const uint8_t *pk = cj_chain_validator(c, i);
        if (pk != NULL && coinjecture_derive_address(pk, addr) == COINJ_OK && memcmp(addr, miner_address, 32) == 0)
            return pk;
    }
    return NULL;
}

/* ?transactions=false on a block request: 0 (leave the transaction list out, for pollers that only
 * need the header and tx_count), else 1. */
static int query_transactions(rq *r)
{
    const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->req));
    struct evkeyvalq params;
    if (q == NULL || *q == '\0' || evhttp_parse_query_str(q, &params) != 0)
        return 1;
    const char *v = evhttp_find_header(&params, "transactions");
    int want = !(v != NULL && (strcmp(v, "false") == 0 || strcmp(v, "0") == 0));
    evhttp_clear_headers(&params);
    return want;
}

/* Block JSON plus the chain's view of it (canonical, weight, proposer, size). */
static void reply_block(rq *r, cj_chain_status st, cj_chain_block *b)
{
    if (st == CJ_CHAIN_NOT_FOUND) {
        send_error(r, 404, "block not found", "no stored block matches");
        return;
    }
    if (st != CJ_CHAIN_OK) {
        send_error(r, 500, "internal error", cj_chain_status_name(st));
        return;
    }
    json_t *o = cj_json_block(&b->block);
    if (o != NULL && !query_transactions(r))
        json_object_del(o, "transactions");
    if (o != NULL) {
        const uint8_t *pk = b->has_proposer ? b->proposer : proposer_of(r->a->node->chain, b->block.header.miner_address);
        put(o, "canonical", json_boolean(b->canonical));
        put(o, "cum_weight", cj_json_from_u64(b->cum_weight));
        put(o, "size", json_integer((json_int_t)b->len));
        put(o, "proposer", pk ? hex32(pk) : json_null());
        if (b->block.header.extra_data_len >= 32)
            put(o, "state_root", hex32(b->block.header.extra_data));
        put(o, "confirmations",
            cj_json_from_u64(b->canonical ? cj_chain_height(r->a->node->chain) - b->height + 1 : 0));
    }
    cj_chain_block_free(b);
    send_json(r, 200, o);
}

/* GET /v1/blocks/latest */
static void h_block_latest(rq *r, const char *param)
{
    cj_chain_block b;
    (void)param;
    cj_chain_status st = cj_chain_block_by_height(r->a->node->chain, cj_chain_height(r->a->node->chain), &b);
    reply_block(r, st, &b);
}

/* GET /v1/blocks/{height} */
static void h_block_height(rq *r, const char *param)
{
    uint64_t h;
    cj_chain_block b;
    if (cj_config_parse_u64(param, &h) != 0) {
        send_error(r, 400, "invalid height", "height must be a decimal integer 0..18446744073709551615");
        return;
    }
    if (h > cj_chain_height(r->a->node->chain)) {
        send_error(r, 404, "block not found", "height is above the current tip");
        return;
    }
    reply_block(r, cj_chain_block_by_height(r->a->node->chain, h, &b), &b);
}

/* GET /v1/blocks/hash/{hash} */
static void h_block_hash(rq *r, const char *param)
{
    uint8_t h[32];
    cj_chain_block b;
    if (parse_hash_param(r, param, h, "block hash") != 0)
        return;
    reply_block(r, cj_chain_block_by_hash(r->a->node->chain, h, &b), &b);
}

/* Backpressure: while the relayed transactions this node has still to check exceed the limit, new ones
 * from clients get 503 + Retry-After (they are cheap to refuse, expensive to take). Returns 1 if refused. */
static int node_busy(rq *r)
{
    size_t backlog = cj_p2p_tx_backlog(r->a->node->p2p);
    if (backlog <= CJ_P2P_TX_BACKLOG_BUSY)
        return 0;
    char details[160];
    snprintf(details, sizeof details, "%zu relayed transactions are waiting to be checked; retry shortly", backlog);
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Retry-After", "1");
    send_error(r, 503, "node busy", details);
    return 1;
}

/* The preamble both transaction submission endpoints share: 503 while node_busy, 413 above
 * api.max_request_size, else the body in *body (NULL when empty, or when pulling it into one piece ran out
 * of memory: each caller answers that its own way) and its length in *len. Returns -1 if it has replied. */
static int submission_body(rq *r, const char **body, size_t *len)
{
    char details[160];
    uint64_t max = r->a->node->cfg.api_max_request_size;
    if (node_busy(r))
        return -1;
    struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
    *len = evbuffer_get_length(in);
    if (*len > max) {
        snprintf(details, sizeof details, "the body has %zu bytes; the limit is %llu (api.max_request_size)", *len,
                 (unsigned long long)max);
        send_error(r, 413, "request body too large", details);
        return -1;
    }
    *body = *len ? (const char *)evbuffer_pullup(in, -1) : NULL;
    return 0;
}

/* POST /v1/transactions: parse, admit to the mempool, 202. */
static void h_tx_post(rq *r, const char *param)
{
    char err[512], details[700];
    coinjecture_tx tx;
    uint8_t hash[32];
    cj_node *n = r->a->node;
    const char *body;
    size_t len;
    (void)param;
    if (submission_body(r, &body, &len) != 0)
        return;
    if (len > 0 && body == NULL) {
        send_error(r, 500, "internal error", "out of memory");
        return;
    }
    if (cj_json_parse_tx(body, len, &tx, err, sizeof err) != 0) {
        send_error(r, 400, "invalid transaction", err);
        return;
    }
    err[0] = '\0';
    cj_mempool_status st = cj_mempool_add(n->mempool, n->chain, &tx, cj_node_now_ms(), hash, err, sizeof err);
    if (st != CJ_MEMPOOL_OK) {
        cj_json_tx_free(&tx);
        snprintf(details, sizeof details, "%s%s%s", cj_mempool_status_name(st), err[0] ? ": " : "", err);
        if (st == CJ_MEMPOOL_FULL)
            send_error(r, 503, "mempool full", details);
        else if (st == CJ_MEMPOOL_INTERNAL)
            send_error(r, 500, "internal error", details);
        else
            send_error(r, 400, "transaction rejected", details);
        return;
    }
    cj_node_on_tx_accepted(n, &tx, hash);
    cj_json_tx_free(&tx);
    const cj_mempool_entry *e = cj_mempool_get(n->mempool, hash);
    json_t *o = json_object();
    put(o, "status", json_string("accepted"));
    put(o, "tx_hash", hex32(hash));
    if (e != NULL) {
        put(o, "fee", cj_json_from_u64(e->fee));
        put(o, "total_cost", cj_json_from_u64(e->total_cost));
        put(o, "gas_used", cj_json_from_u64(e->tx.gas_limit));
    }
    put(o, "mempool_size", json_integer((json_int_t)cj_mempool_size(n->mempool)));
    send_json(r, 202, o);
}

#define API_BATCH_MAX 1000 /* transactions per POST /v1/transactions/batch */

/* POST /v1/transactions/batch: a JSON array of transactions (each as for POST /v1/transactions), admitted
 * in order; one HTTP exchange and one JSON parse for up to API_BATCH_MAX of them (a load generator's
 * per-request cost otherwise rivals the signature check). 200 with one result per element, in order:
 * {status: "accepted", tx_hash} or {status: "rejected", code (the single-transaction endpoint's HTTP
 * status: 400, 503 mempool full, 500), error, details, tx_hash when it decoded}. */
static void h_tx_batch(rq *r, const char *param)
{
    char err[512], details[700];
    json_error_t jerr;
    cj_node *n = r->a->node;
    const char *body;
    size_t len;
    (void)param;
    if (submission_body(r, &body, &len) != 0)
        return;
    json_t *arr = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (arr == NULL || !json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > API_BATCH_MAX) {
        if (arr == NULL && body != NULL)
            snprintf(details, sizeof details, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
                     jerr.text);
        else
            snprintf(details, sizeof details, "expected a JSON array of 1..%d transactions", API_BATCH_MAX);
        json_decref(arr);
        send_error(r, 400, "invalid batch", details);
        return;
    }
    json_t *results = json_array(), *o = json_object();
    size_t accepted = 0, rejected = 0;
    int64_t now = cj_node_now_ms();
    for (size_t i = 0; i < json_array_size(arr); i++) {
        coinjecture_tx tx;
        uint8_t hash[32];
        json_t *res = json_object();
        int code = 400;
        const char *error = "invalid transaction";
        err[0] = '\0';
        if (cj_json_tx_from_value(json_array_get(arr, i), &tx, err, sizeof err) == 0) {
            cj_mempool_status st = cj_mempool_add(n->mempool, n->chain, &tx, now, hash, err, sizeof err);
            put(res, "tx_hash", hex32(hash));
            if (st == CJ_MEMPOOL_OK) {
                cj_node_on_tx_accepted(n, &tx, hash);
                code = 0;
            } else {
                code = st == CJ_MEMPOOL_FULL ? 503 : st == CJ_MEMPOOL_INTERNAL ? 500 : 400;
                error = st == CJ_MEMPOOL_FULL ? "mempool full" : st == CJ_MEMPOOL_INTERNAL ? "internal error"
                                                                                               : "transaction rejected";
                snprintf(details, sizeof details, "%s%s%s", cj_mempool_status_name(st), err[0] ? ": " : "", err);
                memcpy(err, details, sizeof err - 1);
                err[sizeof err - 1] = '\0';
            }
            cj_json_tx_free(&tx);
        }
        put(res, "status", json_string(code == 0 ? "accepted" : "rejected"));
        if (code != 0) {
            put(res, "code", json_integer(code));
            put(res, "error", json_string(error));
            put(res, "details", json_string(err));
        }
        accepted += code == 0;
        rejected += code != 0;
        if (results != NULL && res != NULL)
            json_array_append_new(results, res);
        else
            json_decref(res);
    }
    json_decref(arr);
    put(o, "accepted", json_integer((json_int_t)accepted));
    put(o, "rejected", json_integer((json_int_t)rejected));
    put(o, "mempool_size", json_integer((json_int_t)cj_mempool_size(n->mempool)));
    put(o, "results", results);
    send_json(r, 200, o);
}

/* GET /v1/transactions/{hash}: confirmed (with its block) or pending, else 404. */
static void h_tx_get(rq *r, const char *param)
{
    uint8_t h[32];
    cj_chain_tx t;
    cj_node *n = r->a->node;
    if (parse_hash_param(r, param, h, "transaction hash") != 0)
        return;
    cj_chain_status st = cj_chain_tx_by_hash(n->chain, h, &t);
    if (st == CJ_CHAIN_OK) {
        json_t *o = json_object();
        put(o, "status", json_string("confirmed"));
        put(o, "tx_hash", hex32(t.hash));
        put(o, "block_height", cj_json_from_u64(t.height));
        put(o, "block_hash", hex32(t.block_hash));
        put(o, "index", json_integer(t.index));
        put(o, "block_timestamp_ms", json_integer(t.block_timestamp));
        put(o, "confirmations", cj_json_from_u64(cj_chain_height(n->chain) - t.height + 1));
        put(o, "transaction", cj_json_tx(&t.tx));
        cj_chain_tx_free(&t);
        send_json(r, 200, o);
        return;
    }
    if (st != CJ_CHAIN_NOT_FOUND) {
        send_error(r, 500, "internal error", cj_chain_status_name(st));
        return;
    }
    const cj_mempool_entry *e = cj_mempool_get(n->mempool, h);
    if (e == NULL) {
        send_error(r, 404, "transaction not found", "neither confirmed nor pending");
        return;
    }
    json_t *o = json_object();
    put(o, "status", json_string("pending"));
    put(o, "tx_hash", hex32(e->hash));
    put(o, "fee", cj_json_from_u64(e->fee));
    put(o, "total_cost", cj_json_from_u64(e->total_cost));
    put(o, "added_ms", json_integer(e->added_ms));
    put(o, "transaction", cj_json_tx(&e->tx));
    send_json(r, 200, o);
}

/* GET /v1/accounts/{pubkey-hex} */
static void h_account(rq *r, const char *param)
{
    uint8_t pk[32];
    coinjecture_account acct;
    cj_node *n = r->a->node;
    if (parse_hash_param(r, param, pk, "public key") != 0)
        return;
    int exists = cj_chain_account(n->chain, pk, &acct);
    json_t *o = cj_json_account(pk, acct.balance, acct.nonce);
    put(o, "exists", json_boolean(exists));
    put(o, "pending_txs", json_integer((json_int_t)cj_mempool_sender_count(n->mempool, pk)));
    put(o, "height", cj_json_from_u64(cj_chain_height(n->chain)));
    send_json(r, 200, o);
}

/* Reads ?limit=N (1..max, default def) from the request URI; -1 if malformed. */
static long query_limit(rq *r, long def, long max)
{
    const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->req));
    struct evkeyvalq params;
    long v = def;
    if (q == NULL || *q == '\0')
        return def;
    if (evhttp_parse_query_str(q, &params) != 0)
        return -1;
    const char *s = evhttp_find_header(&params, "limit");
    uint64_t u;
    if (s != NULL) {
        if (cj_config_parse_u64(s, &u) != 0 || u < 1 || u > (uint64_t)max)
            v = -1;
        else
            v = (long)u;
    }
    evhttp_clear_headers(&params);
    return v;
}

/* GET /v1/mempool[?limit=N]: size, limits, counters and the top transactions by fee. */
static void h_mempool(rq *r, const char *param)
{
    cj_node *n = r->a->node;
    cj_mempool_stats s;
    (void)param;
    long limit = query_limit(r, 100, 1000);
    if (limit < 0) {
        send_error(r, 400, "invalid query", "limit must be an integer 1..1000");
        return;
    }
    const cj_mempool_entry **list = calloc((size_t)limit, sizeof *list);
    if (list == NULL) {
        send_error(r, 500, "internal error", "out of memory");
        return;
    }
    size_t cnt = cj_mempool_list(n->mempool, list, (size_t)limit);
    cj_mempool_get_stats(n->mempool, &s);
    json_t *o = json_object(), *arr = json_array();
    put(o, "size", json_integer((json_int_t)cj_mempool_size(n->mempool)));
    put(o, "max_size", cj_json_from_u64(n->cfg.mempool_max_size));
    put(o, "max_per_account", cj_json_from_u64(n->cfg.mempool_max_per_account));
    json_t *so = json_object();
    put(so, "admitted", cj_json_from_u64(s.admitted));
    put(so, "rejected", cj_json_from_u64(s.rejected));
    put(so, "evicted", cj_json_from_u64(s.evicted));
    put(so, "expired", cj_json_from_u64(s.expired));
    put(so, "confirmed", cj_json_from_u64(s.confirmed));
    put(so, "dropped_invalid", cj_json_from_u64(s.dropped_invalid));
    put(o, "stats", so);
    for (size_t i = 0; arr != NULL && i < cnt; i++) {
        json_t *t = json_object();
        put(t, "tx_hash", hex32(list[i]->hash));
        put(t, "from", hex32(list[i]->tx.from));
        put(t, "to", hex32(list[i]->tx.to));
        put(t, "amount", cj_json_from_u64(list[i]->tx.amount));
        put(t, "nonce", cj_json_from_u64(list[i]->tx.nonce));
        put(t, "gas_price", cj_json_from_u64(list[i]->tx.gas_price));
        put(t, "fee", cj_json_from_u64(list[i]->fee));
        put(t, "added_ms", json_integer(list[i]->added_ms));
        if (t != NULL)
            json_array_append_new(arr, t);
    }
    free(list);
    put(o, "transactions", arr);
    send_json(r, 200, o);
}

#define ACTIVITY_WINDOW 64 /* blocks over which /v1/validators reports last_seen / missed */

/* The local vote intentions with their state (cast in this epoch, already satisfied by the set). */
static json_t *intents_json(cj_chain *c)
{
    cj_vote iv[CJ_CHAIN_MAX_VOTE_INTENTS];
    size_t ni = cj_chain_vote_intents(c, iv, CJ_CHAIN_MAX_VOTE_INTENTS);
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < ni && i < CJ_CHAIN_MAX_VOTE_INTENTS; i++) {
        int member = 0;
        for (size_t j = 0; j < cj_chain_validator_count(c); j++)
            if (memcmp(cj_chain_validator(c, j), iv[i].key, 32) == 0)
                member = 1;
        json_t *e = json_object();
        put(e, "action", json_string(cj_chain_vote_action_name(iv[i].action)));
        put(e, "pubkey", hex32(iv[i].key));
        put(e, "cast_this_epoch", json_boolean(cj_chain_vote_cast(c, &iv[i])));
        put(e, "satisfied", json_boolean(iv[i].action == CJ_VOTE_ADD ? member : !member));
        if (e != NULL)
            json_array_append_new(arr, e);
    }
    return arr;
}

/* GET /v1/validators: the set in force for the next block, in schedule order, with who proposes next,
 * recent activity, the epoch, the pending proposals of this epoch (voters, tallies) and this node's own
 * vote intentions (docs/CHAIN.md "Validator votes"). */
static void h_validators(rq *r, const char *param)
{
    cj_node *n = r->a->node;
    cj_chain *c = n->chain;
    uint8_t addr[32];
    (void)param;
    size_t cnt = cj_chain_validator_count(c);
    uint64_t next = cj_chain_height(c) + 1, L = cj_chain_epoch_length(c);
    cj_validator_activity *act = calloc(cnt ? cnt : 1, sizeof *act);
    if (act == NULL) {
        send_error(r, 500, "internal error", "out of memory");
        return;
    }
    size_t nact = cj_chain_validator_activity(c, ACTIVITY_WINDOW, act, cnt);
    json_t *o = json_object(), *arr = json_array();
    put(o, "height", cj_json_from_u64(cj_chain_height(c)));
    put(o, "count", json_integer((json_int_t)cnt));
    put(o, "epoch_length", cj_json_from_u64(L));
    put(o, "epoch", cj_json_from_u64(L ? next / L : 0));
    put(o, "epoch_start", cj_json_from_u64(L ? next / L * L : 0));
    put(o, "next_epoch_height", cj_json_from_u64(cj_chain_epoch_end(c)));
    put(o, "votes_needed", json_integer((json_int_t)cj_chain_votes_needed(c)));
    put(o, "next_height", cj_json_from_u64(next));
    put(o, "next_in_turn", cnt ? json_integer((json_int_t)(next % cnt)) : json_null());
    put(o, "self_index", cj_chain_my_index(c) >= 0 ? json_integer(cj_chain_my_index(c)) : json_null());
    put(o, "activity_window", json_integer(ACTIVITY_WINDOW));
    for (size_t i = 0; arr != NULL && i < cnt; i++) {
        const uint8_t *pk = cj_chain_validator(c, i);
        json_t *v = json_object();
        if (pk == NULL || coinjecture_derive_address(pk, addr) != COINJ_OK) {
            json_decref(v);
            continue;
        }
        put(v, "index", json_integer((json_int_t)i));
        put(v, "pubkey", hex32(pk));
        put(v, "address", hex32(addr));
        put(v, "blocks_since_start", cj_json_from_u64(cj_chain_validator_blocks(c, i)));
        put(v, "is_self", json_boolean((long)i == cj_chain_my_index(c)));
        put(v, "in_turn", json_boolean(next % cnt == i));
        put(v, "earliest_next_ms", json_integer(cj_chain_earliest_ms(c, next, i)));
        if (i < nact) {
            put(v, "last_seen_height", act[i].last_height ? cj_json_from_u64(act[i].last_height) : json_null());
            put(v, "last_seen_ms", act[i].last_height ? json_integer(act[i].last_ms) : json_null());
            put(v, "blocks_recent", cj_json_from_u64(act[i].blocks));
            put(v, "in_turn_recent", cj_json_from_u64(act[i].in_turn));
            put(v, "missed", cj_json_from_u64(act[i].missed));
        }
        if (v != NULL)
            json_array_append_new(arr, v);
    }
    free(act);
    put(o, "validators", arr);
    json_t *props = json_array();
    size_t np = cj_chain_proposal_count(c), need = cj_chain_votes_needed(c);
    for (size_t i = 0; props != NULL && i < np; i++) {
        cj_vote pv;
        size_t votes = 0;
        if (cj_chain_proposal(c, i, &pv, &votes) != 0)
            continue;
        json_t *e = json_object(), *voters = json_array();
        put(e, "action", json_string(cj_chain_vote_action_name(pv.action)));
        put(e, "pubkey", hex32(pv.key));
        put(e, "votes", json_integer((json_int_t)votes));
        put(e, "needed", json_integer((json_int_t)need));
        put(e, "passes", json_boolean(votes >= need));
        put(e, "applies_at", cj_json_from_u64(cj_chain_epoch_end(c)));
        for (size_t j = 0; voters != NULL && j < votes; j++) {
            const uint8_t *vk = cj_chain_proposal_voter(c, i, j);
            if (vk != NULL)
                json_array_append_new(voters, hex32(vk));
        }
        put(e, "voters", voters);
        if (e != NULL)
            json_array_append_new(props, e);
    }
    put(o, "proposals", props);
    put(o, "my_votes", intents_json(c));
    send_json(r, 200, o);
}

/* Whether the client of r is on loopback (127.0.0.0/8, ::1, ::ffff:127.x): the vote endpoints are local-only. */
static int client_is_loopback(rq *r)
{
    char *ip = NULL;
    ev_uint16_t port = 0;
    struct evhttp_connection *con = evhttp_request_get_connection(r->req);
    if (con == NULL)
        return 0;
    evhttp_connection_get_peer(con, &ip, &port);
    if (ip == NULL)
        return 0;
    return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 || strncmp(ip, "::ffff:127.", 11) == 0;
}

/* Reads {"action": "add"|"remove", "pubkey": hex} from the body, or ?action=&pubkey= from the query (DELETE).
 * Replies 400 and returns -1 when malformed. */
static int parse_vote_request(rq *r, cj_vote *v)
{
    char text[128];
    const char *action = NULL, *pubkey = NULL;
    json_t *root = NULL;
    struct evkeyvalq params;
    int have_params = 0;
    struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
    size_t len = evbuffer_get_length(in);
    if (len > 4096) {
        send_error(r, 413, "request body too large", "a vote is {\"action\": ..., \"pubkey\": ...}");
        return -1;
    }
    if (len > 0) {
        json_error_t jerr;
        const char *body = (const char *)evbuffer_pullup(in, -1);
        root = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
        if (!json_is_object(root)) {
            json_decref(root);
            send_error(r, 400, "invalid vote", "the body must be a JSON object {\"action\", \"pubkey\"}");
            return -1;
        }
        action = json_string_value(json_object_get(root, "action"));
        pubkey = json_string_value(json_object_get(root, "pubkey"));
    } else {
        const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->req));
        if (q != NULL && evhttp_parse_query_str(q, &params) == 0) {
            have_params = 1;
            action = evhttp_find_header(&params, "action");
            pubkey = evhttp_find_header(&params, "pubkey");
        }
    }
    int ok = action != NULL && pubkey != NULL && strlen(action) < 16 && strlen(pubkey) < 80;
    if (ok) {
        snprintf(text, sizeof text, "%s:%s", action, pubkey);
        ok = cj_chain_vote_parse(text, v) == 0;
    }
    json_decref(root);
    if (have_params)
        evhttp_clear_headers(&params);
    if (!ok) {
        send_error(r, 400, "invalid vote",
                   "expected action \"add\" or \"remove\" and pubkey = 64 hex digits (an Ed25519 public key)");
        return -1;
    }
    return 0;
}

/* GET/POST/DELETE /v1/validators/votes: this node's vote intentions (docs/CHAIN.md "Validator votes").
 * Changing them is local-only (403 unless the client is on loopback); they are not persisted (use
 * consensus.votes for that). */
static void h_votes(rq *r, const char *param)
{
    cj_chain *c = r->a->node->chain;
    enum evhttp_cmd_type cmd = evhttp_request_get_command(r->req);
    (void)param;
    if (cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD) {
        json_t *o = json_object();
        put(o, "my_votes", intents_json(c));
        put(o, "is_validator", json_boolean(cj_chain_my_index(c) >= 0));
        send_json(r, 200, o);
        return;
    }
    if (!client_is_loopback(r)) {
        send_error(r, 403, "forbidden", "validator votes can only be changed from the node's own host (loopback)");
        return;
    }
    cj_vote v;
    char err[256] = "";
    if (parse_vote_request(r, &v) != 0)
        return;
    int code = 200;
    if (cmd == EVHTTP_REQ_POST) {
        cj_chain_status st = cj_chain_vote_intent_add(c, &v, err, sizeof err);
        if (st == CJ_CHAIN_BAD_VOTE) {
            send_error(r, 409, "vote not applicable", err);
            return;
        }
        if (st != CJ_CHAIN_OK) {
            send_error(r, 400, "invalid vote", err);
            return;
        }
        char hx[65];
        coinjecture_hex_encode(v.key, 32, hx, sizeof hx);
        cj_log_info("vote intention added via the API: %s %s", cj_chain_vote_action_name(v.action), hx);
    } else if (!cj_chain_vote_intent_del(c, &v)) {
        send_error(r, 404, "vote not found", "this node holds no such vote intention");
        return;
    }
    json_t *o = json_object();
    put(o, "status", json_string(cmd == EVHTTP_REQ_POST ? "added" : "withdrawn"));
    put(o, "action", json_string(cj_chain_vote_action_name(v.action)));
    put(o, "pubkey", hex32(v.key));
    put(o, "is_validator", json_boolean(cj_chain_my_index(c) >= 0));
    put(o, "my_votes", intents_json(c));
    send_json(r, code, o);
}

/* GET /v1/parity: shadow-mode settings, counters per kind and the last divergences (docs/SHADOW.md). */
static void h_parity(rq *r, const char *param)
{
    (void)param;
    send_json(r, 200, cj_shadow_to_json(r->a->node->shadow));
}

/* GET /v1/evidence: double signs, newest first: the chain's (between stored blocks) and the ones only seen
 * on the wire (P2P; with both headers, since those blocks are not stored). */
static void h_evidence(rq *r, const char *param)
{
    cj_evidence ev[100];
    cj_chain_stats s;
    cj_node *n = r->a->node;
    (void)param;
    size_t cnt = cj_chain_evidence(n->chain, ev, 100);
    cj_chain_get_stats(n->chain, &s);
    cj_evidence_pool *pool = cj_p2p_evidence(n->p2p);
    json_t *o = json_object(), *arr = json_array();
    put(o, "count", cj_json_from_u64(s.double_signs + (pool ? cj_evidence_counted(pool) : 0)));
    for (size_t i = 0; arr != NULL && i < cnt; i++) {
        json_t *e = json_object();
        put(e, "source", json_string("chain"));
        put(e, "height", cj_json_from_u64(ev[i].height));
        put(e, "validator", hex32(ev[i].validator));
        put(e, "hash_a", hex32(ev[i].hash_a));
        put(e, "hash_b", hex32(ev[i].hash_b));
        if (e != NULL)
            json_array_append_new(arr, e);
    }
    for (size_t i = 0; pool != NULL && arr != NULL && i < cj_evidence_count(pool); i++) {
        const cj_evidence_record *rec = cj_evidence_get(pool, i);
        if (rec == NULL || rec->in_chain)
            continue;
        json_t *e = json_object();
        put(e, "source", json_string("p2p"));
        put(e, "height", cj_json_from_u64(rec->height));
        put(e, "validator", hex32(rec->validator));
        put(e, "hash_a", hex32(rec->hash_a));
        put(e, "hash_b", hex32(rec->hash_b));
        put(e, "header_a", cj_json_header(&rec->header_a));
        put(e, "header_b", cj_json_header(&rec->header_b));
        put(e, "seen_ms", json_integer(rec->seen_ms));
        if (e != NULL)
            json_array_append_new(arr, e);
    }
    put(o, "evidence", arr);
    send_json(r, 200, o);
}

/* GET /v1/peers: established peer connections with their last reported status. */
static void h_peers(rq *r, const char *param)
{
    size_t max = (size_t)r->a->node->cfg.p2p_max_peers;
    cj_p2p_peer_info *info = calloc(max, sizeof *info);
    (void)param;
    if (info == NULL) {
        send_error(r, 500, "internal error", "out of memory");
        return;
    }
    size_t cnt = cj_p2p_peers(r->a->node->p2p, info, max);
    json_t *o = json_object(), *arr = json_array();
    put(o, "count", json_integer((json_int_t)cnt));
    for (size_t i = 0; arr != NULL && i < cnt; i++) {
        json_t *e = json_object();
        put(e, "addr", json_string(info[i].addr));
        put(e, "node_key", hex32(info[i].node_key));
        put(e, "direction", json_string(info[i].outbound ? "outbound" : "inbound"));
        put(e, "score", json_integer(info[i].score));
        put(e, "height", cj_json_from_u64(info[i].height));
        put(e, "weight", cj_json_from_u64(info[i].weight));
        put(e, "best", hex32(info[i].best));
        put(e, "connected_ms", json_integer(info[i].connected_ms));
        if (e != NULL)
            json_array_append_new(arr, e);
    }
    free(info);
    put(o, "peers", arr);
    send_json(r, 200, o);
}

/* The status object shared by /v1/status and the status page. */
static json_t *status_json(cj_node *n)
{
    uint8_t tip[32], gh[32], sr[32];
    cj_chain_stats s;
    cj_chain_tip_hash(n->chain, tip);
    cj_chain_genesis_hash(n->chain, gh);
    cj_chain_state_root(n->chain, sr);
    cj_chain_get_stats(n->chain, &s);
    int64_t now = cj_node_now_ms();
    json_t *o = json_object(), *node = json_object(), *cons = json_object(), *be = json_object(),
           *st = json_object();
    put(node, "version", json_string(cj_node_version()));
    put(node, "library_version", json_string(coinjecture_library_version()));
    put(node, "network", json_string(n->genesis.network));
    put(node, "chain_id", cj_json_from_u64(n->genesis.chain_id));
    put(node, "genesis_hash", hex32(gh));
    put(node, "pubkey", n->has_key ? hex32(n->pubkey) : json_null());
    if (n->p2p != NULL) {
        uint8_t nk[32];
        cj_p2p_node_key(n->p2p, nk);
        put(node, "p2p_node_key", hex32(nk));
    }
    put(node, "started_ms", json_integer(n->started_ms));
    put(node, "uptime_s", json_integer((now - n->started_ms) / 1000));
    put(o, "node", node);
    long me = cj_chain_my_index(n->chain);
    put(cons, "block_height", cj_json_from_u64(cj_chain_height(n->chain)));
    put(cons, "current_block_hash", hex32(tip));
    put(cons, "current_block_timestamp_ms", json_integer(cj_chain_tip_timestamp(n->chain)));
    put(cons, "cum_weight", cj_json_from_u64(cj_chain_tip_weight(n->chain)));
    put(cons, "state_root", hex32(sr));
    put(cons, "is_validator", json_boolean(me >= 0));
    put(cons, "producing", json_boolean(me >= 0 && n->cfg.consensus_enabled));
    put(cons, "validator_index", me >= 0 ? json_integer(me) : json_null());
    put(cons, "validator_count", json_integer((json_int_t)cj_chain_validator_count(n->chain)));
    put(cons, "block_time_ms", cj_json_from_u64(cj_chain_block_time_ms(n->chain)));
    put(cons, "accounts", cj_json_from_u64(cj_chain_account_count(n->chain)));
    put(o, "consensus", cons);
    put(be, "requested", json_string(coinjecture_backend_requested()));
    put(be, "active", json_string(coinjecture_backend_active()));
    put(be, "detail", json_string(coinjecture_backend_detail()));
    put(o, "crypto_backend", be);
    put(st, "blocks_produced", cj_json_from_u64(s.blocks_produced));
    put(st, "blocks_received", cj_json_from_u64(s.blocks_imported));
    put(st, "blocks_rejected", cj_json_from_u64(s.blocks_rejected));
    put(st, "reorgs", cj_json_from_u64(s.reorgs));
    put(st, "txs_confirmed", cj_json_from_u64(s.txs_confirmed));
    put(st, "double_signs", cj_json_from_u64(s.double_signs));
    put(o, "stats", st);
    put(o, "mempool_size", json_integer((json_int_t)cj_mempool_size(n->mempool)));
    put(o, "peers", json_integer((json_int_t)cj_metrics_value("peers")));
    return o;
}

/* GET /v1/status */
static void h_status(rq *r, const char *param)
{
    (void)param;
    send_json(r, 200, status_json(r->a->node));
}

/* GET /health: liveness with the height (the node answers only while its loop runs). */
static void h_health(rq *r, const char *param)
{
    (void)param;
    json_t *o = json_object();
    put(o, "status", json_string("ok"));
    put(o, "version", json_string(cj_node_version()));
    put(o, "height", cj_json_from_u64(cj_chain_height(r->a->node->chain)));
    send_json(r, 200, o);
}

/* GET /metrics: Prometheus text. */
static void h_metrics(rq *r, const char *param)
{
    size_t len = 0;
    (void)param;
    cj_node_refresh_metrics(r->a->node);
    char *text = cj_metrics_render(&len);
    if (text == NULL) {
        send_error(r, 500, "internal error", "out of memory");
        return;
    }
    send_body(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    free(text);
}

/* GET /, /app.js, /style.css: the dashboard, embedded from web/ at build time (web.c). */
static void h_web(rq *r, const char *param)
{
    const unsigned char *body = NULL;
    size_t len = 0;
    const char *mime = NULL;
    (void)param;
    int code = cj_web_prepare(r->req, r->path, &body, &len, &mime);
    if (code == 0) {
        send_error(r, 404, "not found", "no such file");
        return;
    }
    send_body(r, code, mime, (const char *)body, len);
}

typedef void (*handler_fn)(rq *r, const char *param);

enum { M_GET = EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, M_POST = EVHTTP_REQ_POST, M_VOTES = M_GET | M_POST | EVHTTP_REQ_DELETE };

static const struct route {
    const char *path; /* exact path, or prefix when prefix = 1 (then a non-empty parameter follows) */
    int prefix;
    int methods;
    handler_fn fn;
    const char *label;
} ROUTES[] = {
    {"/", 0, M_GET, h_web, "/"},
    {"/app.js", 0, M_GET, h_web, "/app.js"},
    {"/style.css", 0, M_GET, h_web, "/style.css"},
    {"/health", 0, M_GET, h_health, "/health"},
    {"/metrics", 0, M_GET, h_metrics, "/metrics"},
    {"/v1/status", 0, M_GET, h_status, "/v1/status"},
    {"/v1/blocks/latest", 0, M_GET, h_block_latest, "/v1/blocks/latest"},
    {"/v1/blocks/hash/", 1, M_GET, h_block_hash, "/v1/blocks/hash/{hash}"},
    {"/v1/blocks/", 1, M_GET, h_block_height, "/v1/blocks/{height}"},
    {"/v1/transactions", 0, M_POST, h_tx_post, "/v1/transactions"},
    {"/v1/transactions/batch", 0, M_POST, h_tx_batch, "/v1/transactions/batch"},
    {"/v1/transactions/", 1, M_GET, h_tx_get, "/v1/transactions/{hash}"},
    {"/v1/accounts/", 1, M_GET, h_account, "/v1/accounts/{pubkey}"},
    {"/v1/mempool", 0, M_GET, h_mempool, "/v1/mempool"},
    {"/v1/validators", 0, M_GET, h_validators, "/v1/validators"},
    {"/v1/validators/votes", 0, M_VOTES, h_votes, "/v1/validators/votes"},
    {"/v1/parity", 0, M_GET, h_parity, "/v1/parity"},
    {"/v1/evidence", 0, M_GET, h_evidence, "/v1/evidence"},
    {"/v1/peers", 0, M_GET, h_peers, "/v1/peers"},
};

/* Name of an evhttp method for logs and metrics. */
static const char *method_name(enum evhttp_cmd_type t)
{
    switch (t) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    case EVHTTP_REQ_TRACE: return "TRACE";
    case EVHTTP_REQ_CONNECT: return "CONNECT";
    case EVHTTP_REQ_PATCH: return "PATCH";
    }
    return "OTHER";
}

/* Every request: rate limit, route, method check, dispatch. */
static void on_request(struct evhttp_request *req, void *arg)
{
    cj_api *a = arg;
    rq r = {a, req, "other", method_name(evhttp_request_get_command(req)), "", {0, 0}};
    clock_gettime(CLOCK_MONOTONIC, &r.t0);
    cj_api_conn_dispatched(req);
    a->backoff_ms = 0;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    r.path = path ? path : "";

    if (a->rl != NULL) {
        char *ip = NULL;
        ev_uint16_t port = 0;
        struct evhttp_connection *con = evhttp_request_get_connection(req);
        if (con != NULL)
            evhttp_connection_get_peer(con, &ip, &port);
        if (!cj_ratelimit_take(a->rl, ip, cj_node_now_ms())) {
            cj_metrics_inc("rate_limited_total");
            evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
            send_error(&r, 429, "rate limit exceeded",
                       "too many requests from this address; see rate_limiter.ip_limit");
            return;
        }
    }
    const struct route *match = NULL;
    const char *param = NULL;
    for (size_t i = 0; path != NULL && i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
        const struct route *rt = &ROUTES[i];
        size_t n = strlen(rt->path);
        if (!rt->prefix && strcmp(path, rt->path) == 0) {
            match = rt;
            break;
        }
        if (rt->prefix && strncmp(path, rt->path, n) == 0 && path[n] != '\0' && strchr(path + n, '/') == NULL) {
            match = rt;
            param = path + n;
            break;
        }
    }
    if (match == NULL) {
        send_error(&r, 404, "not found", "no such endpoint; see GET / for the list");
        return;
    }
    r.endpoint = match->label;
    if ((evhttp_request_get_command(req) & match->methods) == 0) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
                          match->methods == M_POST    ? "POST"
                          : match->methods == M_VOTES ? "GET, HEAD, POST, DELETE"
                                                      : "GET, HEAD");
        send_error(&r, 405, "method not allowed",
                   match->methods == M_POST    ? "this endpoint accepts POST"
                   : match->methods == M_VOTES ? "this endpoint accepts GET, HEAD, POST and DELETE"
                                               : "this endpoint accepts GET and HEAD");
        return;
    }
    match->fn(&r, param ? param : "");
}

/* accept() failed (typically EMFILE): stop accepting for a while instead of spinning. */
static void on_accept_error(struct evconnlistener *lis, void *arg)
{
    int e = EVUTIL_SOCKET_ERROR();
    cj_api *a = NULL;
    (void)arg;
    for (size_t i = 0; i < MAX_APIS; i++)
        if (g_apis[i] != NULL && g_apis[i]->listener == lis)
            a = g_apis[i];
    cj_metrics_inc("api_accept_errors_total");
    if (a == NULL)
        return;
    evconnlistener_disable(lis);
    int first = a->backoff_ms == 0;
    a->backoff_ms = first ? 50 : (a->backoff_ms * 2 > 2000 ? 2000 : a->backoff_ms * 2);
    if (first || a->backoff_ms == 2000)
        cj_log_warn("API accept() failed: %s; pausing the listener for %d ms", evutil_socket_error_to_string(e),
                    a->backoff_ms);
    struct timeval tv = {a->backoff_ms / 1000, (a->backoff_ms % 1000) * 1000};
    evtimer_add(a->backoff_timer, &tv);
}

/* Back-off elapsed: accept again. */
static void on_backoff(evutil_socket_t fd, short what, void *arg)
{
    cj_api *a = arg;
    (void)fd, (void)what;
    evconnlistener_enable(a->listener);
}

/* Creates the evhttp server with every limit set and binds it. */
cj_api *cj_api_start(cj_node *node, char *err, size_t errlen)
{
    const cj_config *c = &node->cfg;
    cj_api *a = calloc(1, sizeof *a);
    size_t slot = MAX_APIS;
    for (size_t i = 0; i < MAX_APIS; i++)
        if (g_apis[i] == NULL) {
            slot = i;
            break;
        }
    if (a == NULL || slot == MAX_APIS) {
        snprintf(err, errlen, "API: out of memory");
        free(a);
        return NULL;
    }
    a->node = node;
    a->http = evhttp_new(node->base);
    a->backoff_timer = evtimer_new(node->base, on_backoff, a);
    a->conn_started = cj_api_conn_start(node->base, c->api_request_timeout_ms,
                                        (size_t)(2 * c->api_max_request_size + c->api_max_headers_size)) == 0;
    if (a->http == NULL || a->backoff_timer == NULL || !a->conn_started) {
        snprintf(err, errlen, "API: cannot create the HTTP server");
        goto fail;
    }
    if (c->rl_enabled) {
        double burst = fmax(1.0, floor((double)c->rl_ip_limit * c->rl_burst_multiplier));
        double gburst = fmax(1.0, floor((double)c->rl_global_limit * c->rl_burst_multiplier));
        a->rl = cj_ratelimit_new((double)c->rl_ip_limit, burst, (double)c->rl_global_limit, gburst,
                                 (size_t)c->rl_max_clients);
        if (a->rl == NULL) {
            snprintf(err, errlen, "API: cannot create the rate limiter");
            goto fail;
        }
    }
    /* libevent's defaults are unlimited: set every limit. The hard body cap is twice the configured
     * limit so that bodies between the two get the JSON 413 from the handler; larger ones are cut off by
     * libevent (plain 413) before they are buffered. */
    evhttp_set_max_body_size(a->http, (ev_ssize_t)(2 * c->api_max_request_size));
    evhttp_set_max_headers_size(a->http, (ev_ssize_t)c->api_max_headers_size);
    uint64_t tmo = c->api_read_timeout_ms < c->api_write_timeout_ms ? c->api_read_timeout_ms : c->api_write_timeout_ms;
    struct timeval tv = {(time_t)(tmo / 1000), (suseconds_t)((tmo % 1000) * 1000)};
    evhttp_set_timeout_tv(a->http, &tv);
    evhttp_set_bevcb(a->http, cj_api_conn_bevcb, NULL); /* its timeouts are inactivity timeouts only */
    /* every method reaches the router, so wrong methods get the JSON 405 (libevent's own is HTML) */
    evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                                            EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
                                            EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
    evhttp_set_default_content_type(a->http, "application/json");
    evhttp_set_gencb(a->http, on_request, a);
    a->bound = evhttp_bind_socket_with_handle(a->http, c->api_host, (ev_uint16_t)c->api_port);
    if (a->bound == NULL) {
        snprintf(err, errlen, "API: cannot bind %s:%llu: %s", c->api_host, (unsigned long long)c->api_port,
                 strerror(errno));
        goto fail;
    }
    a->listener = evhttp_bound_socket_get_listener(a->bound);
    evconnlistener_set_error_cb(a->listener, on_accept_error);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    a->port = (uint16_t)c->api_port;
    if (getsockname(evhttp_bound_socket_get_fd(a->bound), (struct sockaddr *)&ss, &sl) == 0)
        a->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    g_apis[slot] = a;
    return a;
fail:
    cj_api_stop(a);
    return NULL;
}

/* Stops the server (closing its listener and connections). */
void cj_api_stop(cj_api *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < MAX_APIS; i++)
        if (g_apis[i] == a)
            g_apis[i] = NULL;
    if (a->http)
        evhttp_free(a->http);
    if (a->conn_started)
        cj_api_conn_stop(); /* after evhttp_free, whose connection closes update it */
    if (a->backoff_timer)
        event_free(a->backoff_timer);
    cj_ratelimit_free(a->rl);
    free(a);
}

/* Port actually bound. */
uint16_t cj_api_port(const cj_api *a)
{
    return a ? a->port : 0;
}
