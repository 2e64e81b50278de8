/* HTTP API server: start/stop, limits, accept back-off, the route table, dispatch (with the rate limiter),
 * and the reply helpers every handler file uses. */
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
#include "api_internal.h"
#include "api_json.h"
#include "backoff.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"

/* The listener error callback only receives evhttp's pointer, so listeners map back to servers here. */
#define MAX_APIS 8
static cj_api *g_apis[MAX_APIS];

/* Seconds elapsed since the request started being handled. */
static double api_elapsed_s(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Sends a reply with common headers, and records metrics and a debug log line. */
void cj_api_send_body(cj_api_rq *r, int code, const char *ctype, const char *body, size_t len)
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
    cj_api_conn_send(r->req, code, NULL, buf); /* no reading until it is written (half-closed clients) */
    if (buf != NULL)
        evbuffer_free(buf);
    snprintf(status, sizeof status, "%d", code);
    const char *labels[3] = {r->endpoint, r->method, status};
    cj_metrics_add_l("http_requests_total", labels, 1);
    double dt = api_elapsed_s(&r->t0);
    cj_metrics_observe_l("http_request_duration_seconds", labels, dt);
    if (cj_log_enabled(CJ_LOG_DEBUG))
        cj_log_debug("http %s %s -> %d (%.2f ms)", r->method, r->path, code, dt * 1000.0);
}

/* Sends a JSON text (freed here) with the status code; no text means out of memory: a JSON 500. */
static void send_json_text(cj_api_rq *r, int code, char *text)
{
    if (text == NULL) {
        static const char oom[] = "{\"error\":\"internal error\",\"details\":\"out of memory\"}";
        cj_api_send_body(r, 500, "application/json", oom, sizeof oom - 1);
        return;
    }
    cj_api_send_body(r, code, "application/json", text, strlen(text));
    free(text);
}

/* Sends v (reference taken) as compact JSON. */
void cj_api_send_json(cj_api_rq *r, int code, json_t *v)
{
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(v);
    send_json_text(r, code, text);
}

/* Sends {"error", "details"} with a status code. */
void cj_api_send_error(cj_api_rq *r, int code, const char *error, const char *details)
{
    send_json_text(r, code, cj_json_error_text(error, details));
}

/* Adds key: value to obj (value may be NULL on OOM: then nothing is added, the reply shows it). */
void cj_api_put(json_t *obj, const char *key, json_t *value)
{
    if (obj != NULL && value != NULL)
        json_object_set_new(obj, key, value);
    else
        json_decref(value);
}

/* Hex of 32 bytes as a JSON string. */
json_t *cj_api_hex32(const uint8_t b[32])
{
    return cj_json_hex(b, 32);
}

/* Parses a 64-hex path parameter; replies 400 and returns -1 if it is malformed. */
int cj_api_parse_hash_param(cj_api_rq *r, const char *param, uint8_t out[32], const char *what)
{
    char details[160];
    size_t n = strlen(param);
    if (n >= 2 && param[0] == '0' && (param[1] == 'x' || param[1] == 'X'))
        n -= 2;
    if (n != 64 || coinjecture_hex_decode(param, out, 32) != COINJ_OK) {
        snprintf(details, sizeof details, "%s must be 64 hex digits (32 bytes), got %zu characters", what, n);
        cj_api_send_error(r, 400, n != 64 ? "invalid length" : "invalid hex", details);
        return -1;
    }
    return 0;
}

/* Reads ?limit=N (1..max, default def) from the request URI; -1 if malformed. */
long cj_api_query_limit(cj_api_rq *r, long def, long max)
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
        if (cj_value_parse_u64(s, &u) != 0 || u < 1 || u > (uint64_t)max)
            v = -1;
        else
            v = (long)u;
    }
    evhttp_clear_headers(&params);
    return v;
}

enum { M_GET = EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, M_POST = EVHTTP_REQ_POST, M_VOTES = M_GET | M_POST | EVHTTP_REQ_DELETE };

static const struct route {
    const char *path; /* exact path, or prefix when prefix = 1 (then a non-empty parameter follows) */
    int prefix;
    int methods;
    cj_api_handler fn;
    const char *label;
} ROUTES[] = {
    {"/", 0, M_GET, cj_api_node_web, "/"},
    {"/app.js", 0, M_GET, cj_api_node_web, "/app.js"},
    {"/style.css", 0, M_GET, cj_api_node_web, "/style.css"},
    {"/health", 0, M_GET, cj_api_node_health, "/health"},
    {"/metrics", 0, M_GET, cj_api_node_metrics, "/metrics"},
    {"/v1/status", 0, M_GET, cj_api_node_status, "/v1/status"},
    {"/v1/blocks/latest", 0, M_GET, cj_api_chain_block_latest, "/v1/blocks/latest"},
    {"/v1/blocks/hash/", 1, M_GET, cj_api_chain_block_hash, "/v1/blocks/hash/{hash}"},
    {"/v1/blocks/", 1, M_GET, cj_api_chain_block_height, "/v1/blocks/{height}"},
    {"/v1/transactions", 0, M_POST, cj_api_tx_post, "/v1/transactions"},
    {"/v1/transactions/batch", 0, M_POST, cj_api_tx_batch, "/v1/transactions/batch"},
    {"/v1/transactions/", 1, M_GET, cj_api_tx_get, "/v1/transactions/{hash}"},
    {"/v1/accounts/", 1, M_GET, cj_api_chain_account, "/v1/accounts/{pubkey}"},
    {"/v1/mempool", 0, M_GET, cj_api_tx_mempool, "/v1/mempool"},
    {"/v1/validators", 0, M_GET, cj_api_chain_validators, "/v1/validators"},
    {"/v1/validators/votes", 0, M_VOTES, cj_api_chain_votes, "/v1/validators/votes"},
    {"/v1/parity", 0, M_GET, cj_api_node_parity, "/v1/parity"},
    {"/v1/evidence", 0, M_GET, cj_api_node_evidence, "/v1/evidence"},
    {"/v1/peers", 0, M_GET, cj_api_node_peers, "/v1/peers"},
};

/* Name of an evhttp method for logs and metrics. */
static const char *api_method_name(enum evhttp_cmd_type t)
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
    return "OTHER"; /* a method evhttp does not know (BREW, PROPFIND): it reaches the router all the same */
}

/* Every request: rate limit, route, method check, dispatch. */
static void api_on_request(struct evhttp_request *req, void *arg)
{
    cj_api *a = arg;
    cj_api_rq r = {a, req, "other", api_method_name(evhttp_request_get_command(req)), "", {0, 0}};
    clock_gettime(CLOCK_MONOTONIC, &r.t0);
    cj_api_conn_dispatched(req);
    a->backoff_ms = 0;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    r.path = path ? path : "";
    /* evhttp reads no body for a method it does not know: what follows is not a request, so the
     * connection ends with this answer */
    if (strcmp(r.method, "OTHER") == 0)
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");

    if (a->rl != NULL) {
        char *ip = NULL;
        ev_uint16_t port = 0;
        struct evhttp_connection *con = evhttp_request_get_connection(req);
        if (con != NULL)
            evhttp_connection_get_peer(con, &ip, &port);
        if (!cj_ratelimit_take(a->rl, ip, cj_clock_wall_ms())) {
            cj_metrics_inc("rate_limited_total");
            evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
            cj_api_send_error(&r, 429, "rate limit exceeded",
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
        cj_api_send_error(&r, 404, "not found", "no such endpoint; see GET / for the list");
        return;
    }
    r.endpoint = match->label;
    if ((evhttp_request_get_command(req) & match->methods) == 0) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
                          match->methods == M_POST    ? "POST"
                          : match->methods == M_VOTES ? "GET, HEAD, POST, DELETE"
                                                      : "GET, HEAD");
        cj_api_send_error(&r, 405, "method not allowed",
                          match->methods == M_POST    ? "this endpoint accepts POST"
                          : match->methods == M_VOTES ? "this endpoint accepts GET, HEAD, POST and DELETE"
                                                      : "this endpoint accepts GET and HEAD");
        return;
    }
    match->fn(&r, param ? param : "");
}

/* accept() failed (typically EMFILE): stop accepting for a while instead of spinning. */
static void api_on_accept_error(struct evconnlistener *lis, void *arg)
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
    int first = a->backoff_ms == 0;
    int ms = cj_backoff_pause_listener(lis, a->backoff_timer, &a->backoff_ms);
    if (first || ms == CJ_BACKOFF_ACCEPT_MAX_MS) /* the first pause and the capped ones: no log flood */
        cj_log_warn("API accept() failed: %s; pausing the listener for %d ms", evutil_socket_error_to_string(e), ms);
}

/* Back-off elapsed: accept again. */
static void api_on_backoff(evutil_socket_t fd, short what, void *arg)
{
    cj_api *a = arg;
    (void)fd, (void)what;
    evconnlistener_enable(a->listener);
}

/* Creates the evhttp server with every limit set and binds it. */
cj_api *cj_api_start(const cj_api_config *cfg, char *err, size_t errlen)
{
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
    a->cfg = *cfg;
    const cj_api_config *c = &a->cfg;
    a->http = evhttp_new(c->base);
    a->backoff_timer = evtimer_new(c->base, api_on_backoff, a);
    a->conn_started = cj_api_conn_start(c->base, c->request_timeout_ms,
                                        (size_t)(2 * c->max_request_size + c->max_headers_size)) == 0;
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
     * libevent before they are buffered (its 413, rewritten as JSON by api_conn.c). */
    evhttp_set_max_body_size(a->http, (ev_ssize_t)(2 * c->max_request_size));
    evhttp_set_max_headers_size(a->http, (ev_ssize_t)c->max_headers_size);
    cj_api_conn_set_max_headers((size_t)c->max_headers_size); /* evhttp's 400 for it becomes 414 / 431 */
    uint64_t tmo = c->read_timeout_ms < c->write_timeout_ms ? c->read_timeout_ms : c->write_timeout_ms;
    struct timeval tv = {(time_t)(tmo / 1000), (suseconds_t)((tmo % 1000) * 1000)};
    evhttp_set_timeout_tv(a->http, &tv);
    evhttp_set_bevcb(a->http, cj_api_conn_bevcb, NULL); /* its timeouts are inactivity timeouts only */
    /* every method reaches the router, so wrong methods get the JSON 405 with the route's Allow (libevent's
     * own answer is an HTML 501); all 16 bits, since evhttp 2.1 marks a method it does not know with bit
     * 15 (its EVHTTP_REQ_UNKNOWN_) and would refuse that too */
    evhttp_set_allowed_methods(a->http, 0xffff);
    evhttp_set_default_content_type(a->http, "application/json");
    evhttp_set_gencb(a->http, api_on_request, a);
    a->bound = evhttp_bind_socket_with_handle(a->http, c->host, (ev_uint16_t)c->port);
    if (a->bound == NULL) {
        snprintf(err, errlen, "API: cannot bind %s:%llu: %s", c->host, (unsigned long long)c->port,
                 strerror(errno));
        goto fail;
    }
    a->listener = evhttp_bound_socket_get_listener(a->bound);
    evconnlistener_set_error_cb(a->listener, api_on_accept_error);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    a->port = (uint16_t)c->port;
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
