/* coinjecture-cli: the load generator's sending window. Transfers go out over several keep-alive
 * connections on one libevent loop, singly (POST /v1/transactions) or in batches, as fast as the node
 * accepts them or at a --rate; answers advance each key's nonce or back it off. */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_load.h"
#include "clock.h"

/* One request in flight: the key it sends for, or for a batch the keys and their nonce counts. */
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
    return cli_tx_signed_transfer(k->sk, L->keys[(i + 1) % L->nkeys].sk + 32, L->amount, k->start_nonce + idx,
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

/* Frees a request record (and a batch's key lists). */
static void load_req_free(load_req *lr)
{
    if (lr == NULL)
        return;
    free(lr->keys);
    free(lr->cnt);
    free(lr);
}

/* Fills one batch body with up to `batch` (and at most `allowed`) transfers, `chunk` consecutive nonces per
 * idle key, recording the keys in lr and marking them in flight. Returns how many transfers it holds. */
static uint64_t load_batch_fill(load_ctx *L, load_req *lr, size_t maxk, struct evbuffer *body, uint64_t allowed,
                                int64_t now)
{
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
    evbuffer_add(body, "]", 1);
    return total;
}

/* Posts a filled batch (taking body's contents) to POST /v1/transactions/batch. Returns 0, or -1 (the keys
 * released and lr freed) if it cannot be sent. */
static int load_batch_post(load_ctx *L, load_req *lr, struct evbuffer *body)
{
    struct evhttp_request *req = evhttp_request_new(on_load_batch_done, lr);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", L->c->host);
    evhttp_add_header(h, "Content-Type", "application/json");
    evbuffer_add_buffer(evhttp_request_get_output_buffer(req), body);
    if (evhttp_make_request(L->conns[L->cursor % L->nconns], req, EVHTTP_REQ_POST, "/v1/transactions/batch") !=
        0) {
        for (size_t i = 0; i < lr->nk; i++)
            L->keys[lr->keys[i]].in_flight = 0;
        load_req_free(lr);
        return -1;
    }
    return 0;
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
            load_req_free(lr);
            if (body)
                evbuffer_free(body);
            L->errors++;
            return;
        }
        lr->L = L;
        uint64_t total = load_batch_fill(L, lr, maxk, body, allowed, now);
        if (total == 0) {
            evbuffer_free(body);
            load_req_free(lr);
            return;
        }
        if (L->rate)
            L->credit -= (double)total;
        int sent = load_batch_post(L, lr, body);
        evbuffer_free(body);
        if (sent != 0) {
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
        int owned;
        char *body = load_body(L, i, k->next_nonce - k->start_nonce, &owned);
        load_req *lr = malloc(sizeof *lr);
        if (body == NULL || lr == NULL) {
            if (owned)
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
        if (owned)
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


/* Opens the connections, runs the timed window on the event loop, then drains the replies in flight, so
 * the caller sees settled counters. Returns 0, or -1 if a connection cannot be created. */
int cli_load_send_window(load_ctx *L, uint64_t duration_ms, load_window *w)
{
    cli *c = L->c;
    for (size_t i = 0; i < L->nconns; i++) {
        L->conns[i] = evhttp_connection_base_new(c->base, NULL, c->host, c->port);
        if (L->conns[i] == NULL)
            return -1;
        struct timeval tv = {10, 0};
        evhttp_connection_set_timeout_tv(L->conns[i], &tv);
    }
    fprintf(stderr, "load: sending for %.1f s over %zu connections with %zu keys\n", (double)duration_ms / 1000.0,
            L->nconns, L->nkeys);
    w->t0 = cli_mono_s();
    w->start_ms = cj_clock_wall_ms();
    struct event *end = evtimer_new(c->base, on_load_end, L);
    L->tick = event_new(c->base, -1, EV_PERSIST, on_load_tick, L);
    struct timeval dur = {(time_t)(duration_ms / 1000), (suseconds_t)((duration_ms % 1000) * 1000)};
    struct timeval tick = {0, 10000};
    evtimer_add(end, &dur);
    evtimer_add(L->tick, &tick);
    load_issue(L);
    event_base_dispatch(c->base);
    w->sent_s = cli_mono_s() - w->t0;
    w->end_ms = cj_clock_wall_ms();
    event_free(L->tick);
    event_free(end);
    /* drain replies still in flight */
    double drain_deadline = cli_mono_s() + 15;
    while (L->in_flight > 0 && cli_mono_s() < drain_deadline)
        event_base_loop(c->base, EVLOOP_ONCE);
    return 0;
}
