/* HTTP API handlers for transactions: submission (one, or a batch), look-up, and the mempool. */
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "api_json.h"

/* Backpressure: while the relayed transactions this node has still to check exceed the limit, new ones
 * from clients get 503 + Retry-After (they are cheap to refuse, expensive to take). Returns 1 if refused. */
static int tx_node_busy(cj_api_rq *r)
{
    const cj_api_events *ev = &r->a->cfg.events;
    size_t backlog = ev->tx_backlog ? ev->tx_backlog(ev->ctx) : 0;
    if (backlog <= r->a->cfg.tx_backlog_busy)
        return 0;
    char details[160];
    snprintf(details, sizeof details, "%zu relayed transactions are waiting to be checked; retry shortly", backlog);
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Retry-After", "1");
    cj_api_send_error(r, 503, "node busy", details);
    return 1;
}

/* The preamble both transaction submission endpoints share: 503 while node_busy, 413 above
 * api.max_request_size, else the body in *body (NULL when empty, or when pulling it into one piece ran out
 * of memory: each caller answers that its own way) and its length in *len. Returns -1 if it has replied. */
static int tx_submission_body(cj_api_rq *r, const char **body, size_t *len)
{
    char details[160];
    uint64_t max = r->a->cfg.max_request_size;
    if (tx_node_busy(r))
        return -1;
    struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
    *len = evbuffer_get_length(in);
    if (*len > max) {
        snprintf(details, sizeof details, "the body has %zu bytes; the limit is %llu (api.max_request_size)", *len,
                 (unsigned long long)max);
        cj_api_send_error(r, 413, "request body too large", details);
        return -1;
    }
    *body = *len ? (const char *)evbuffer_pullup(in, -1) : NULL;
    return 0;
}

/* Admits tx through the daemon (mempool, then relay to the peers), or straight to the mempool without one. */
static cj_mempool_status tx_submit(const cj_api_config *cfg, const coinjecture_tx *tx, int64_t now_ms, uint8_t hash[32],
                                   char *err, size_t errlen)
{
    if (cfg->events.submit_tx != NULL)
        return cfg->events.submit_tx(cfg->events.ctx, tx, now_ms, hash, err, errlen);
    return cj_mempool_add(cfg->mempool, cj_chain_state(cfg->chain), tx, now_ms, hash, err, errlen);
}

/* POST /v1/transactions: parse, admit to the mempool, 202. */
void cj_api_tx_post(cj_api_rq *r, const char *param)
{
    char err[512], details[700];
    coinjecture_tx tx;
    uint8_t hash[32];
    const cj_api_config *cfg = &r->a->cfg;
    const char *body;
    size_t len;
    (void)param;
    if (tx_submission_body(r, &body, &len) != 0)
        return;
    if (len > 0 && body == NULL) {
        cj_api_send_error(r, 500, "internal error", "out of memory");
        return;
    }
    if (cj_json_parse_tx(body, len, &tx, err, sizeof err) != 0) {
        cj_api_send_error(r, 400, "invalid transaction", err);
        return;
    }
    err[0] = '\0';
    cj_mempool_status st = tx_submit(cfg, &tx, cj_clock_wall_ms(), hash, err, sizeof err);
    if (st != CJ_MEMPOOL_OK) {
        cj_json_tx_free(&tx);
        snprintf(details, sizeof details, "%s%s%s", cj_mempool_status_name(st), err[0] ? ": " : "", err);
        if (st == CJ_MEMPOOL_FULL)
            cj_api_send_error(r, 503, "mempool full", details);
        else if (st == CJ_MEMPOOL_INTERNAL)
            cj_api_send_error(r, 500, "internal error", details);
        else
            cj_api_send_error(r, 400, "transaction rejected", details);
        return;
    }
    cj_json_tx_free(&tx);
    const cj_mempool_entry *e = cj_mempool_get(cfg->mempool, hash);
    json_t *o = json_object();
    cj_api_put(o, "status", json_string("accepted"));
    cj_api_put(o, "tx_hash", cj_api_hex32(hash));
    if (e != NULL) {
        cj_api_put(o, "fee", cj_json_from_u64(e->fee));
        cj_api_put(o, "total_cost", cj_json_from_u64(e->total_cost));
        cj_api_put(o, "gas_used", cj_json_from_u64(e->tx.gas_limit));
    }
    cj_api_put(o, "mempool_size", json_integer((json_int_t)cj_mempool_size(cfg->mempool)));
    cj_api_send_json(r, 202, o);
}

#define API_BATCH_MAX 1000 /* transactions per POST /v1/transactions/batch */

/* POST /v1/transactions/batch: a JSON array of transactions (each as for POST /v1/transactions), admitted
 * in order; one HTTP exchange and one JSON parse for up to API_BATCH_MAX of them (a load generator's
 * per-request cost otherwise rivals the signature check). 200 with one result per element, in order:
 * {status: "accepted", tx_hash} or {status: "rejected", code (the single-transaction endpoint's HTTP
 * status: 400, 503 mempool full, 500), error, details, tx_hash when it decoded}. */
void cj_api_tx_batch(cj_api_rq *r, const char *param)
{
    char err[512], details[700];
    json_error_t jerr;
    const cj_api_config *cfg = &r->a->cfg;
    const char *body;
    size_t len;
    (void)param;
    if (tx_submission_body(r, &body, &len) != 0)
        return;
    json_t *arr = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (arr == NULL || !json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > API_BATCH_MAX) {
        if (arr == NULL && body != NULL)
            snprintf(details, sizeof details, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
                     jerr.text);
        else
            snprintf(details, sizeof details, "expected a JSON array of 1..%d transactions", API_BATCH_MAX);
        json_decref(arr);
        cj_api_send_error(r, 400, "invalid batch", details);
        return;
    }
    json_t *results = json_array(), *o = json_object();
    size_t accepted = 0, rejected = 0;
    int64_t now = cj_clock_wall_ms();
    for (size_t i = 0; i < json_array_size(arr); i++) {
        coinjecture_tx tx;
        uint8_t hash[32];
        json_t *res = json_object();
        int code = 400;
        const char *error = "invalid transaction";
        err[0] = '\0';
        if (cj_json_tx_from_value(json_array_get(arr, i), &tx, err, sizeof err) == 0) {
            cj_mempool_status st = tx_submit(cfg, &tx, now, hash, err, sizeof err);
            cj_api_put(res, "tx_hash", cj_api_hex32(hash));
            if (st == CJ_MEMPOOL_OK) {
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
        cj_api_put(res, "status", json_string(code == 0 ? "accepted" : "rejected"));
        if (code != 0) {
            cj_api_put(res, "code", json_integer(code));
            cj_api_put(res, "error", json_string(error));
            cj_api_put(res, "details", json_string(err));
        }
        accepted += code == 0;
        rejected += code != 0;
        if (results != NULL && res != NULL)
            json_array_append_new(results, res);
        else
            json_decref(res);
    }
    json_decref(arr);
    cj_api_put(o, "accepted", json_integer((json_int_t)accepted));
    cj_api_put(o, "rejected", json_integer((json_int_t)rejected));
    cj_api_put(o, "mempool_size", json_integer((json_int_t)cj_mempool_size(cfg->mempool)));
    cj_api_put(o, "results", results);
    cj_api_send_json(r, 200, o);
}

/* GET /v1/transactions/{hash}: confirmed (with its block) or pending, else 404. */
void cj_api_tx_get(cj_api_rq *r, const char *param)
{
    uint8_t h[32];
    cj_chain_tx t;
    const cj_api_config *cfg = &r->a->cfg;
    if (cj_api_parse_hash_param(r, param, h, "transaction hash") != 0)
        return;
    cj_chain_status st = cj_chain_tx_by_hash(cfg->chain, h, &t);
    if (st == CJ_CHAIN_OK) {
        json_t *o = json_object();
        cj_api_put(o, "status", json_string("confirmed"));
        cj_api_put(o, "tx_hash", cj_api_hex32(t.hash));
        cj_api_put(o, "block_height", cj_json_from_u64(t.height));
        cj_api_put(o, "block_hash", cj_api_hex32(t.block_hash));
        cj_api_put(o, "index", json_integer(t.index));
        cj_api_put(o, "block_timestamp_ms", json_integer(t.block_timestamp));
        cj_api_put(o, "confirmations", cj_json_from_u64(cj_chain_height(cfg->chain) - t.height + 1));
        cj_api_put(o, "transaction", cj_json_tx(&t.tx));
        cj_chain_tx_free(&t);
        cj_api_send_json(r, 200, o);
        return;
    }
    if (st != CJ_CHAIN_NOT_FOUND) {
        cj_api_send_error(r, 500, "internal error", cj_chain_status_name(st));
        return;
    }
    const cj_mempool_entry *e = cj_mempool_get(cfg->mempool, h);
    if (e == NULL) {
        cj_api_send_error(r, 404, "transaction not found", "neither confirmed nor pending");
        return;
    }
    json_t *o = json_object();
    cj_api_put(o, "status", json_string("pending"));
    cj_api_put(o, "tx_hash", cj_api_hex32(e->hash));
    cj_api_put(o, "fee", cj_json_from_u64(e->fee));
    cj_api_put(o, "total_cost", cj_json_from_u64(e->total_cost));
    cj_api_put(o, "added_ms", json_integer(e->added_ms));
    cj_api_put(o, "transaction", cj_json_tx(&e->tx));
    cj_api_send_json(r, 200, o);
}

/* GET /v1/mempool[?limit=N]: size, limits, counters and the top transactions by fee. */
void cj_api_tx_mempool(cj_api_rq *r, const char *param)
{
    const cj_api_config *cfg = &r->a->cfg;
    cj_mempool_stats s;
    (void)param;
    long limit = cj_api_query_limit(r, 100, 1000);
    if (limit < 0) {
        cj_api_send_error(r, 400, "invalid query", "limit must be an integer 1..1000");
        return;
    }
    const cj_mempool_entry **list = calloc((size_t)limit, sizeof *list);
    if (list == NULL) {
        cj_api_send_error(r, 500, "internal error", "out of memory");
        return;
    }
    size_t cnt = cj_mempool_list(cfg->mempool, list, (size_t)limit);
    cj_mempool_get_stats(cfg->mempool, &s);
    json_t *o = json_object(), *arr = json_array();
    cj_api_put(o, "size", json_integer((json_int_t)cj_mempool_size(cfg->mempool)));
    cj_api_put(o, "max_size", cj_json_from_u64(cfg->mempool_max_size));
    cj_api_put(o, "max_per_account", cj_json_from_u64(cfg->mempool_max_per_account));
    json_t *so = json_object();
    cj_api_put(so, "admitted", cj_json_from_u64(s.admitted));
    cj_api_put(so, "rejected", cj_json_from_u64(s.rejected));
    cj_api_put(so, "evicted", cj_json_from_u64(s.evicted));
    cj_api_put(so, "expired", cj_json_from_u64(s.expired));
    cj_api_put(so, "confirmed", cj_json_from_u64(s.confirmed));
    cj_api_put(so, "dropped_invalid", cj_json_from_u64(s.dropped_invalid));
    cj_api_put(o, "stats", so);
    for (size_t i = 0; arr != NULL && i < cnt; i++) {
        json_t *t = json_object();
        cj_api_put(t, "tx_hash", cj_api_hex32(list[i]->hash));
        cj_api_put(t, "from", cj_api_hex32(list[i]->tx.from));
        cj_api_put(t, "to", cj_api_hex32(list[i]->tx.to));
        cj_api_put(t, "amount", cj_json_from_u64(list[i]->tx.amount));
        cj_api_put(t, "nonce", cj_json_from_u64(list[i]->tx.nonce));
        cj_api_put(t, "gas_price", cj_json_from_u64(list[i]->tx.gas_price));
        cj_api_put(t, "fee", cj_json_from_u64(list[i]->fee));
        cj_api_put(t, "added_ms", json_integer(list[i]->added_ms));
        if (t != NULL)
            json_array_append_new(arr, t);
    }
    free(list);
    cj_api_put(o, "transactions", arr);
    cj_api_send_json(r, 200, o);
}
