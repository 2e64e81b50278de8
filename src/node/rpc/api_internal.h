/* Shared by the HTTP API's files (api.c: server, routes, replies; api_chain.c, api_tx.c, api_node.c:
 * handlers by resource). Not for use outside src/node/rpc. */
#ifndef CJ_NODE_API_INTERNAL_H
#define CJ_NODE_API_INTERNAL_H

#include <event2/http.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "api.h"
#include "clock.h"
#include "value.h"
#include "ratelimit.h"

struct evconnlistener;
struct event;

struct cj_api {
    cj_api_config cfg;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct evconnlistener *listener;
    struct event *backoff_timer;
    int backoff_ms;
    cj_ratelimit *rl;
    int conn_started; /* joined the request-deadline tracker (api_conn.c) */
    uint16_t port;
};

/* One request being handled. */
typedef struct cj_api_rq {
    cj_api *a;
    struct evhttp_request *req;
    const char *endpoint; /* route label for metrics */
    const char *method;
    const char *path;
    struct timespec t0;
} cj_api_rq;

/* A route's handler: param is the path tail after a prefix route ("" for exact routes). */
typedef void (*cj_api_handler)(cj_api_rq *r, const char *param);

/* ---- api.c: replies and request helpers ---- */

/* Sends a reply with common headers, and records metrics and a debug log line. */
void cj_api_send_body(cj_api_rq *r, int code, const char *ctype, const char *body, size_t len);
/* Sends a JSON value (takes ownership; NULL sends a 500 "out of memory"). */
void cj_api_send_json(cj_api_rq *r, int code, json_t *v);
/* Sends {"error", "details"} with a status code. */
void cj_api_send_error(cj_api_rq *r, int code, const char *error, const char *details);
/* Adds key: value to obj (value may be NULL on OOM: then nothing is added, the reply shows it). */
void cj_api_put(json_t *obj, const char *key, json_t *value);
/* Hex of 32 bytes as a JSON string. */
json_t *cj_api_hex32(const uint8_t b[32]);
/* Parses a 64-hex path parameter; replies 400 and returns -1 if it is malformed. */
int cj_api_parse_hash_param(cj_api_rq *r, const char *param, uint8_t out[32], const char *what);
/* Reads ?limit=N (1..max, default def) from the request URI; -1 if malformed. */
long cj_api_query_limit(cj_api_rq *r, long def, long max);

/* ---- api_chain.c: blocks, accounts, validators and votes ---- */
void cj_api_chain_block_latest(cj_api_rq *r, const char *param);
void cj_api_chain_block_height(cj_api_rq *r, const char *param);
void cj_api_chain_block_hash(cj_api_rq *r, const char *param);
void cj_api_chain_account(cj_api_rq *r, const char *param);
void cj_api_chain_validators(cj_api_rq *r, const char *param);
void cj_api_chain_votes(cj_api_rq *r, const char *param);

/* ---- api_tx.c: transactions and the mempool ---- */
void cj_api_tx_post(cj_api_rq *r, const char *param);
void cj_api_tx_batch(cj_api_rq *r, const char *param);
void cj_api_tx_get(cj_api_rq *r, const char *param);
void cj_api_tx_mempool(cj_api_rq *r, const char *param);

/* ---- api_node.c: the node itself, its peers, parity, evidence, metrics and the dashboard ---- */
void cj_api_node_health(cj_api_rq *r, const char *param);
void cj_api_node_status(cj_api_rq *r, const char *param);
void cj_api_node_metrics(cj_api_rq *r, const char *param);
void cj_api_node_peers(cj_api_rq *r, const char *param);
void cj_api_node_parity(cj_api_rq *r, const char *param);
void cj_api_node_evidence(cj_api_rq *r, const char *param);
void cj_api_node_web(cj_api_rq *r, const char *param);

#endif /* CJ_NODE_API_INTERNAL_H */
