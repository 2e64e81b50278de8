/* HTTP API request deadline on top of libevent 2.1's evhttp (see api_conn.h for the design). */
#include "api_conn.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

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
    int armed;   /* a request has started and is not dispatched yet */
    int writing; /* dispatched, response not yet sent: bytes arriving now are pipelined, not late */
} api_req;

static struct {
    int users;
    struct event_base *base;
    struct timeval timeout;
    size_t max_pipelined; /* bytes a client may send ahead while its previous response is being written */
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

/* Arms the request deadline. */
static void api_conn_arm(api_req *r)
{
    r->armed = 1;
    event_add(r->deadline, &g_conn.timeout);
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
    if (r != NULL && r->armed)
        return;
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
}

/* The response is sent (the connection is alive: evhttp frees it only after this): bytes that came in
 * meanwhile are the next request, whose deadline starts now. */
static void api_conn_on_complete(struct evhttp_request *req, void *arg)
{
    api_req *r = arg;
    (void)req;
    r->writing = 0;
    if (!r->armed && evbuffer_get_length(bufferevent_get_input(r->bev)) > 0)
        api_conn_arm(r);
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
    if (evbuffer_add_cb(bufferevent_get_input(bev), api_conn_on_input, bev) == NULL) {
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
    evhttp_request_set_on_complete_cb(req, api_conn_on_complete, r);
    if (r->evcon == NULL) {
        r->evcon = evcon;
        evhttp_connection_set_closecb(evcon, api_conn_on_close, r);
    }
}

/* Records held now. */
size_t cj_api_conn_tracked(void)
{
    return g_conn.users ? g_conn.map.count : 0;
}
