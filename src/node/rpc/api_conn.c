/* HTTP API request deadline on top of libevent 2.1's evhttp (see api_conn.h for the design). */
#include "api_conn.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "api_json.h"
#include "hmap.h"
#include "log.h"
#include "metrics.h"

typedef struct {
    struct bufferevent *bev;         /* the key; dereferenced only while its socket is verified open */
    struct evhttp_connection *evcon; /* set at the first dispatch, with our close callback on it */
    evutil_socket_t fd;
    dev_t dev;
    ino_t ino;
    struct event *deadline;
    int armed;    /* a request has started and is not dispatched yet */
    int writing;  /* dispatched, response not yet sent: bytes arriving now are pipelined, not late */
    int replaced; /* evhttp's own answer is being replaced by the node's (the connection ends after it) */
    struct timespec t0; /* the request's first byte */
    /* The head (request line and headers) of the request being received, counted as evhttp counts it
     * (bytes other than CR and LF) up to its empty line or the limit, to tell an oversize head from a
     * malformed one when evhttp answers 400. */
    size_t head_bytes;
    unsigned head_lines; /* line ends seen */
    int head_bol;        /* at the beginning of a line */
    int head_done;       /* the empty line was seen */
    int head_over;       /* 414 (over the limit on the request line) or 431 (later), else 0 */
} api_req;

static struct {
    int users;
    struct event_base *base;
    struct timeval timeout;
    size_t max_pipelined; /* bytes a client may send ahead while its previous response is being written */
    size_t max_headers;   /* evhttp's head limit; 0: unknown (evhttp's 400 stays 400) */
    int rewriting;        /* inside the output callback's own changes to a buffer */
    cj_hmap map;          /* bufferevent pointer -> api_req */
} g_conn;

/* The map key of a bufferevent: its address, zero-padded. */
static void api_conn_key(const struct bufferevent *bev, uint8_t key[32])
{
    memset(key, 0, 32);
    memcpy(key, &bev, sizeof bev);
}

/* Removes and frees a record (its timer too). */
static void api_conn_forget(api_req *r)
{
    uint8_t key[32];
    api_conn_key(r->bev, key);
    if (cj_hmap_get(&g_conn.map, key) == r)
        cj_hmap_del(&g_conn.map, key);
    event_free(r->deadline);
    free(r);
}

/* Whether the record's socket is still the one it was: same descriptor, device and inode. */
static int api_conn_alive(const api_req *r)
{
    struct stat st;
    return r->fd >= 0 && fstat(r->fd, &st) == 0 && st.st_dev == r->dev && st.st_ino == r->ino;
}

/* Joins or starts the process-wide tracker. */
int cj_api_conn_start(struct event_base *base, uint64_t request_timeout_ms, size_t max_pipelined)
{
    if (base == NULL || request_timeout_ms == 0 || max_pipelined == 0 || (g_conn.users > 0 && g_conn.base != base))
        return -1;
    if (g_conn.users == 0) {
        if (cj_hmap_init(&g_conn.map, 64) != 0)
            return -1;
        g_conn.base = base;
    }
    g_conn.users++;
    g_conn.max_pipelined = max_pipelined;
    g_conn.timeout.tv_sec = (time_t)(request_timeout_ms / 1000);
    g_conn.timeout.tv_usec = (suseconds_t)((request_timeout_ms % 1000) * 1000);
    return 0;
}

/* The last user frees what is left: records of connections that never had a request dispatched (the
 * dispatched ones were freed by their close callbacks when evhttp_free closed them). */
void cj_api_conn_stop(void)
{
    if (g_conn.users == 0 || --g_conn.users > 0)
        return;
    for (size_t i = 0; i < g_conn.map.cap; i++) {
        api_req *r = g_conn.map.slots[i].val;
        if (r != NULL) {
            event_free(r->deadline);
            free(r);
        }
    }
    cj_hmap_free(&g_conn.map);
    memset(&g_conn, 0, sizeof g_conn);
}

/* Deadline reached: shut the socket down if it is still this connection's, then drop the record. */
static void api_conn_on_deadline(evutil_socket_t fd, short what, void *arg)
{
    api_req *r = arg;
    (void)fd, (void)what;
    if (api_conn_alive(r)) { /* socket open: the bufferevent and connection still exist */
        cj_metrics_inc("api_request_timeouts_total");
        cj_log_info("api: closing a connection whose request was not complete within api.request_timeout");
        if (r->evcon != NULL)
            evhttp_connection_set_closecb(r->evcon, NULL, NULL);
        shutdown(r->fd, SHUT_RDWR);
    }
    api_conn_forget(r);
}

/* evhttp frees a connection that had a request dispatched: its record goes with it. */
static void api_conn_on_close(struct evhttp_connection *evcon, void *arg)
{
    (void)evcon;
    api_conn_forget(arg);
}

/* Drops the records of connections that closed before a request was dispatched (evhttp 2.1 does not
 * report those); run when the table is full, so that only open connections count against the cap. */
static void api_conn_sweep(void)
{
    size_t n = 0;
    api_req **dead = malloc(g_conn.map.count * sizeof *dead);
    if (dead == NULL)
        return;
    for (size_t i = 0; i < g_conn.map.cap; i++) {
        api_req *r = g_conn.map.slots[i].val;
        if (r != NULL && r->evcon == NULL && !api_conn_alive(r))
            dead[n++] = r;
    }
    for (size_t i = 0; i < n; i++) /* not while walking the slots: deletion shifts them */
        api_conn_forget(dead[i]);
    free(dead);
}

/* Arms the request deadline and starts counting the request's head. */
static void api_conn_arm(api_req *r)
{
    r->armed = 1;
    event_add(r->deadline, &g_conn.timeout);
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    r->head_bytes = 0;
    r->head_lines = 0;
    r->head_bol = 0;
    r->head_done = 0;
    r->head_over = 0;
}

/* Counts the head bytes of buf from offset `from` (bytes not scanned yet), up to the head's empty line or
 * the point where it passes the limit. */
static void api_conn_scan_head(api_req *r, struct evbuffer *buf, size_t from)
{
    struct evbuffer_ptr p;
    struct evbuffer_iovec v[16];
    if (r->head_done || r->head_over || g_conn.max_headers == 0 ||
        evbuffer_ptr_set(buf, &p, from, EVBUFFER_PTR_SET) != 0)
        return;
    for (;;) {
        int n = evbuffer_peek(buf, -1, &p, v, 16);
        size_t seen = 0;
        for (int i = 0; i < n && i < 16; i++) {
            const unsigned char *c = v[i].iov_base;
            for (size_t k = 0; k < v[i].iov_len; k++) {
                if (c[k] == '\n') {
                    if (r->head_bol) {
                        r->head_done = 1;
                        return;
                    }
                    r->head_bol = 1;
                    r->head_lines++;
                } else if (c[k] != '\r') {
                    r->head_bol = 0;
                    if (++r->head_bytes > g_conn.max_headers) {
                        r->head_over = r->head_lines == 0 ? 414 : 431;
                        return;
                    }
                }
            }
            seen += v[i].iov_len;
        }
        if (n <= 16 || evbuffer_ptr_set(buf, &p, seen, EVBUFFER_PTR_ADD) != 0)
            return;
    }
}

/* Bytes arrived (the bufferevent is alive while its buffer calls us): start the request's deadline, unless
 * they arrive while the previous response is being written (then its completion starts it). */
static void api_conn_on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct bufferevent *bev = arg;
    if (g_conn.users == 0 || info->n_added == 0)
        return;
    uint8_t key[32];
    api_conn_key(bev, key);
    api_req *r = cj_hmap_get(&g_conn.map, key);
    if (r != NULL && r->writing) {
        if (evbuffer_get_length(buf) > g_conn.max_pipelined) { /* evhttp would buffer it without bound */
            cj_metrics_inc("api_request_timeouts_total");
            cj_log_info("api: closing a connection that sent more than a request ahead of its response");
            shutdown(r->fd, SHUT_RDWR);
        }
        return;
    }
    if (r != NULL && r->armed) {
        api_conn_scan_head(r, buf, info->orig_size);
        return;
    }
    if (r == NULL) {
        evutil_socket_t s = bufferevent_getfd(bev);
        struct stat st;
        if (g_conn.map.count >= CJ_API_CONN_MAX_TRACKED)
            api_conn_sweep();
        if (g_conn.map.count >= CJ_API_CONN_MAX_TRACKED || s < 0 || fstat(s, &st) != 0 ||
            (r = calloc(1, sizeof *r)) == NULL) {
            cj_metrics_inc("api_connections_refused_total");
            if (s >= 0)
                shutdown(s, SHUT_RDWR);
            return;
        }
        r->bev = bev;
        r->fd = s;
        r->dev = st.st_dev;
        r->ino = st.st_ino;
        r->deadline = evtimer_new(g_conn.base, api_conn_on_deadline, r);
        if (r->deadline == NULL || cj_hmap_put(&g_conn.map, key, r) != 0) {
            if (r->deadline)
                event_free(r->deadline);
            free(r);
            cj_metrics_inc("api_connections_refused_total");
            shutdown(s, SHUT_RDWR);
            return;
        }
    }
    api_conn_arm(r);
    api_conn_scan_head(r, buf, 0);
}

/* Drops the last n bytes of an output buffer. The socket bufferevent freezes its output's start (thawing it
 * only to write; evhttp's setfd leaves it thawed until the first write): thawed meanwhile, frozen after. */
static void api_conn_drop_tail(struct evbuffer *buf, size_t n)
{
    size_t len = evbuffer_get_length(buf);
    struct evbuffer *keep = len > n ? evbuffer_new() : NULL;
    evbuffer_unfreeze(buf, 1);
    if (keep != NULL)
        evbuffer_remove_buffer(buf, keep, len - n);
    evbuffer_drain(buf, evbuffer_get_length(buf));
    if (keep != NULL) {
        evbuffer_add_buffer(buf, keep);
        evbuffer_free(keep);
    }
    evbuffer_freeze(buf, 1);
}

/* Writes the node's JSON error in place of evhttp's page for status evcode (version: "HTTP/1.x"), and
 * counts it. */
static void api_conn_answer(api_req *r, struct evbuffer *out, const char *version, int evcode)
{
    int code = evcode == 400 && r->head_over ? r->head_over : evcode;
    const char *reason = "Bad Request", *error = "bad request",
               *details = "malformed HTTP request: request line, header, Content-Length or chunk framing";
    switch (code) {
    case 400: break;
    case 413:
        reason = "Payload Too Large";
        error = "payload too large";
        details = "request body over the hard cap (twice api.max_request_size), refused before it is read";
        break;
    case 414:
        reason = "URI Too Long";
        error = "uri too long";
        details = "request line longer than api.max_headers_size";
        break;
    case 417:
        reason = "Expectation Failed";
        error = "expectation failed";
        details = "the only Expect accepted is 100-continue";
        break;
    case 431:
        reason = "Request Header Fields Too Large";
        error = "request header fields too large";
        details = "request line and headers over api.max_headers_size";
        break;
    default:
        reason = "Error";
        error = "request refused";
        details = "refused by the HTTP layer before it reached a handler";
        break;
    }
    char *body = cj_json_error_text(error, details);
    size_t blen = body ? strlen(body) : 0;
    evbuffer_add_printf(out,
                        "%s %d %s\r\nContent-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n"
                        "Cache-Control: no-store\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n",
                        version, code, reason, blen);
    if (body != NULL)
        evbuffer_add(out, body, blen);
    free(body);
    char status[8];
    snprintf(status, sizeof status, "%d", code);
    const char *labels[3] = {"other", "OTHER", status};
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double dt = (double)(t1.tv_sec - r->t0.tv_sec) + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e9;
    cj_metrics_add_l("http_requests_total", labels, 1);
    cj_metrics_observe_l("http_request_duration_seconds", labels, dt);
    if (cj_log_enabled(CJ_LOG_DEBUG))
        cj_log_debug("http (request not parsed) -> %d (evhttp: %d)", code, evcode);
}

/* Bytes were added to a connection's output. While no request of it is dispatched, they are evhttp's own:
 * a status line of 400 or more starts its HTML error page, replaced at once by the node's JSON (the rest of
 * the page, added next, is dropped). Nothing has been sent meanwhile: evhttp writes a whole answer before
 * the socket may be written. */
static void api_conn_on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    struct bufferevent *bev = arg;
    if (g_conn.users == 0 || g_conn.rewriting || info->n_added == 0)
        return;
    uint8_t key[32];
    api_conn_key(bev, key);
    api_req *r = cj_hmap_get(&g_conn.map, key);
    if (r == NULL || r->writing)
        return; /* untracked (being shut down), or the node's own reply */
    g_conn.rewriting = 1;
    if (r->replaced) {
        api_conn_drop_tail(buf, info->n_added);
    } else {
        char line[14] = {0}; /* "HTTP/1.1 400 " */
        struct evbuffer_ptr p;
        ev_ssize_t got = -1;
        if (info->n_added >= 13 && evbuffer_ptr_set(buf, &p, info->orig_size, EVBUFFER_PTR_SET) == 0) {
            evbuffer_unfreeze(buf, 1); /* a frozen start refuses copies too; the bufferevent freezes it again */
            got = evbuffer_copyout_from(buf, &p, line, 13);
            evbuffer_freeze(buf, 1);
        }
        if (got == 13 && memcmp(line, "HTTP/", 5) == 0 &&
            line[8] == ' ' && line[12] == ' ' && line[9] >= '4' && line[9] <= '9' && line[10] >= '0' &&
            line[10] <= '9' && line[11] >= '0' && line[11] <= '9') {
            int code = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
            line[8] = '\0';
            r->replaced = 1;
            api_conn_drop_tail(buf, info->n_added);
            api_conn_answer(r, buf, line, code);
        }
    }
    g_conn.rewriting = 0;
}

/* The response is sent (the connection is alive: evhttp frees it only after this): bytes that came in
 * meanwhile are the next request, whose deadline starts now. */
static void api_conn_on_complete(struct evhttp_request *req, void *arg)
{
    api_req *r = arg;
    (void)req;
    r->writing = 0;
    if (!r->armed && evbuffer_get_length(bufferevent_get_input(r->bev)) > 0) {
        api_conn_arm(r);
        api_conn_scan_head(r, bufferevent_get_input(r->bev), 0);
    }
}

/* A socket bufferevent whose input reports request starts; a record left under the same address belonged
 * to a freed bufferevent (its memory is being reused), so it is dropped first. */
struct bufferevent *cj_api_conn_bevcb(struct event_base *base, void *arg)
{
    (void)arg;
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL)
        return NULL;
    if (g_conn.users > 0) {
        uint8_t key[32];
        api_conn_key(bev, key);
        api_req *stale = cj_hmap_get(&g_conn.map, key);
        if (stale != NULL)
            api_conn_forget(stale);
    }
    if (evbuffer_add_cb(bufferevent_get_input(bev), api_conn_on_input, bev) == NULL ||
        evbuffer_add_cb(bufferevent_get_output(bev), api_conn_on_output, bev) == NULL) {
        bufferevent_free(bev);
        return NULL;
    }
    return bev;
}

/* Stops the request's deadline; at the connection's first dispatch, ties the record to its close. */
void cj_api_conn_dispatched(struct evhttp_request *req)
{
    struct evhttp_connection *evcon = req ? evhttp_request_get_connection(req) : NULL;
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    if (g_conn.users == 0 || bev == NULL)
        return;
    uint8_t key[32];
    api_conn_key(bev, key);
    api_req *r = cj_hmap_get(&g_conn.map, key);
    if (r == NULL)
        return;
    r->armed = 0;
    event_del(r->deadline);
    r->writing = 1;
    r->replaced = 0;
    evhttp_request_set_on_complete_cb(req, api_conn_on_complete, r);
    if (r->evcon == NULL) {
        r->evcon = evcon;
        evhttp_connection_set_closecb(evcon, api_conn_on_close, r);
    }
}

/* Sets the head limit that tells 414 / 431 from 400. */
void cj_api_conn_set_max_headers(size_t max_headers_size)
{
    g_conn.max_headers = max_headers_size;
}

/* Sends the reply, then stops reading until it is written: evhttp 2.1 reads on while writing and frees the
 * connection at the client's end of file, which a client that half-closed after its request has already
 * sent. evhttp reads again once the reply is out (next request, or the end of file then). */
void cj_api_conn_send(struct evhttp_request *req, int code, const char *reason, struct evbuffer *body)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    evhttp_send_reply(req, code, reason, body);
    if (bev != NULL)
        bufferevent_disable(bev, EV_READ);
}

/* Records held now. */
size_t cj_api_conn_tracked(void)
{
    return g_conn.users ? g_conn.map.count : 0;
}
