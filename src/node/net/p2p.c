/* P2P layer lifecycle (docs/P2P.md): setup and teardown, the listener with accept back-off, static peers
 * dialed with exponential back-off, the periodic tick, and the public queries of p2p.h. Connections are
 * in conn.c, scores and bans in peer_score.c, relay in relay.c, sync in sync.c (p2p_impl.h). */
#include "p2p.h"

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "backoff.h"
#include "evidence.h"
#include "twin.h"
#include "hmap.h"
#include "log.h"
#include "metrics.h"
#include "p2p_impl.h"
#include "prio.h"
#include "value.h"

#define TICK_MS 250

/* First 16 hex digits of a key, enough to tell peers apart in logs. */
void cj_p2p_short_hex(const uint8_t k[32], char out[17])
{
    char full[65];
    coinjecture_hex_encode(k, 32, full, sizeof full);
    memcpy(out, full, 16);
    out[16] = '\0';
}

/* Updates the peers gauge. */
void cj_p2p_peers_gauge(cj_p2p *p)
{
    cj_metrics_set("peers", (double)p->nready);
    cj_twin_gauge(p);
}

/* Random delay in [d/2, 3d/2): spreads reconnects of many nodes. */
static int64_t jitter(uint64_t d)
{
    if (d < 2)
        return (int64_t)d;
    uint64_t half = d / 2;
    uint32_t span = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
    return (int64_t)(half + randombytes_uniform(span));
}

/* A static peer's connection is gone: its next dial is scheduled with back-off (a duplicate soon again). */
void cj_p2p_static_closed(static_peer *sp, const peer *pe)
{
    int64_t now = cj_clock_mono_ms();
    sp->conn = NULL;
    if (pe->dup) {
        sp->next_try_ms = now + 2000;
    } else {
        if (pe->ready_ms == 0)
            sp->failures++;
        sp->next_try_ms = now + jitter(sp->backoff_ms);
        sp->backoff_ms = cj_backoff_next(sp->backoff_ms, CJ_P2P_BACKOFF_MIN_MS, CJ_P2P_BACKOFF_MAX_MS);
    }
}

/* Zero-delay timer: runs after the loop has polled sockets again (event_active would run it in the same
 * turn, ahead of pending reads). */
void cj_p2p_soon(struct event *ev)
{
    static const struct timeval zero = {0, 0};
    if (!evtimer_pending(ev, NULL))
        evtimer_add(ev, &zero);
}

/* New inbound connection: refused when full or the IP is banned, else the handshake starts. */
static void on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
    cj_p2p *p = arg;
    char ip[48], addr[64];
    (void)lis, (void)socklen;
    p->backoff_ms = 0;
    cj_conn_sa_text(sa, ip, sizeof ip, addr, sizeof addr);
    if (p->ninbound >= p->max_peers) {
        cj_log_debug("p2p: refusing %s: %zu inbound connections (p2p.max_peers)", addr, p->ninbound);
        evutil_closesocket(fd);
        return;
    }
    if (cj_score_banned_addr(p, ip, cj_clock_mono_ms())) {
        evutil_closesocket(fd);
        return;
    }
    struct bufferevent *bev = bufferevent_socket_new(p->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        evutil_closesocket(fd);
        return;
    }
    peer *pe = cj_conn_new(p, bev, 0, NULL);
    if (pe == NULL) {
        bufferevent_free(bev);
        return;
    }
    snprintf(pe->ip, sizeof pe->ip, "%s", ip);
    snprintf(pe->addr, sizeof pe->addr, "%s", addr);
    cj_conn_set_nodelay(bev);
    cj_conn_send_hello(pe);
}

/* accept() failed (EMFILE and friends): pause the listener with a growing delay instead of spinning. */
static void on_accept_error(struct evconnlistener *lis, void *arg)
{
    cj_p2p *p = arg;
    int e = EVUTIL_SOCKET_ERROR();
    int ms = cj_backoff_pause_listener(lis, p->accept_backoff, &p->backoff_ms);
    cj_log_warn("p2p: accept() failed: %s; pausing the listener for %d ms", evutil_socket_error_to_string(e), ms);
}

/* Accept back-off elapsed. */
static void on_accept_backoff(evutil_socket_t fd, short what, void *arg)
{
    cj_p2p *p = arg;
    (void)fd, (void)what;
    if (p->listener)
        evconnlistener_enable(p->listener);
}

/* Binds host:port (names resolved once at start). */
static int listen_on(cj_p2p *p, const char *host, uint16_t port, char *err, size_t errlen)
{
    struct evutil_addrinfo hints, *ai = NULL;
    char ps[8];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_ADDRCONFIG;
    snprintf(ps, sizeof ps, "%u", (unsigned)port);
    int rc = evutil_getaddrinfo(host, ps, &hints, &ai);
    if (rc != 0 || ai == NULL) {
        snprintf(err, errlen, "p2p.host '%s': %s", host, evutil_gai_strerror(rc));
        return -1;
    }
    p->listener = evconnlistener_new_bind(p->base, on_accept, p,
                                          LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 128,
                                          ai->ai_addr, (int)ai->ai_addrlen);
    evutil_freeaddrinfo(ai);
    if (p->listener == NULL) {
        int e = EVUTIL_SOCKET_ERROR();
        snprintf(err, errlen, "cannot listen on %s:%u: %s", host, (unsigned)port, evutil_socket_error_to_string(e));
        return -1;
    }
    evconnlistener_set_error_cb(p->listener, on_accept_error);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(evconnlistener_get_fd(p->listener), (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET)
            p->port = ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
            p->port = ntohs(((struct sockaddr_in6 *)(void *)&ss)->sin6_port);
    }
    return 0;
}

/* Splits an optional pinned node key off "KEY@host:port" (KEY: 64 hex digits). Returns the host:port part,
 * or NULL if an '@' is there but what precedes it is not such a key. */
static const char *parse_pin(const char *s, static_peer *sp)
{
    const char *at = strchr(s, '@');
    if (at == NULL)
        return s;
    size_t bin_len = 0;
    if (at - s != 64 || sodium_hex2bin(sp->key, 32, s, 64, NULL, &bin_len, NULL) != 0 || bin_len != 32)
        return NULL;
    sp->pinned = sp->have_key = 1;
    return at + 1;
}

/* A configured peer's port: a strict decimal 1..65535. Returns 0 or -1. */
static int parse_port(const char *s, uint16_t *port)
{
    uint64_t v = 0;
    if (cj_value_parse_u64(s, &v) != 0 || v == 0 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

/* Parses "host:port" or "[v6]:port". Returns 0 or -1. */
static int parse_hostport(const char *s, char *host, size_t hostcap, uint16_t *port)
{
    const char *colon;
    size_t hl;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':')
            return -1;
        hl = (size_t)(close - s - 1);
        s++;
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return -1;
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= hostcap)
        return -1;
    if (parse_port(colon + 1, port) != 0)
        return -1;
    memcpy(host, s, hl);
    host[hl] = '\0';
    return 0;
}

/* Whether an authenticated connection to this node key exists. */
static int key_connected(const cj_p2p *p, const uint8_t key[32])
{
    for (const peer *pe = p->peers; pe != NULL; pe = pe->next)
        if (pe->st == PS_READY && memcmp(pe->hs.peer_node_pk, key, 32) == 0)
            return 1;
    return 0;
}

/* Dials one static peer. */
static void dial(cj_p2p *p, static_peer *sp, int64_t now)
{
    int64_t until = cj_score_banned_addr(p, sp->text, now);
    if (until || (sp->have_key && cj_score_banned_key(p, sp->key, now))) {
        sp->next_try_ms = until ? until : now + (int64_t)p->ban_time_ms;
        return;
    }
    /* static peers are not limited by p2p.max_peers (their number is configured): inbound connections,
     * which anybody can open with fresh keys, must never lock a node out of its validators (eclipse) */
    struct bufferevent *bev = bufferevent_socket_new(p->base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL)
        return;
    peer *pe = cj_conn_new(p, bev, 1, sp);
    if (pe == NULL) {
        bufferevent_free(bev);
        return;
    }
    snprintf(pe->addr, sizeof pe->addr, "%.40s:%u", sp->host, (unsigned)sp->port);
    snprintf(pe->ip, sizeof pe->ip, "%.47s", sp->host);
    sp->conn = pe;
    if (bufferevent_socket_connect_hostname(bev, NULL, AF_UNSPEC, sp->host, sp->port) != 0)
        cj_conn_close(pe, "cannot connect");
}

/* Dials static peers that are due, unless already connected to their node key. */
static void dial_due(cj_p2p *p, int64_t now)
{
    for (size_t i = 0; i < p->nstatic; i++) {
        static_peer *sp = &p->statics[i];
        if (sp->disabled || sp->conn != NULL || now < sp->next_try_ms)
            continue;
        if (sp->have_key && key_connected(p, sp->key)) {
            sp->next_try_ms = now + 2000;
            continue;
        }
        dial(p, sp, now);
    }
}

/* Every TICK_MS: handshake and liveness timeouts, pings, score recovery, sync timeout, dials, bans. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    cj_p2p *p = arg;
    (void)fd, (void)what;
    int64_t now = cj_clock_mono_ms();
    cj_sync_bulk_import_end_if_idle(p); /* also a sync that ended without a last batch (peer gone) */
    for (peer *pe = p->peers; pe != NULL; pe = pe->next) {
        if (pe->st == PS_CLOSING)
            continue;
        if (pe->st != PS_READY) {
            if (now - pe->opened_ms > CJ_P2P_HANDSHAKE_TIMEOUT_MS)
                cj_conn_close(pe, pe->st == PS_CONNECTING ? "connect timed out" : "handshake timed out");
            continue;
        }
        if (now - pe->last_recv_ms > 3 * CJ_P2P_PING_INTERVAL_MS) {
            cj_score_penalize(pe, CJ_P2P_PENALTY_TIMEOUT, "silent for 3 ping intervals");
            cj_conn_close(pe, "silent for 3 ping intervals");
            continue;
        }
        if (now - pe->last_ping_ms >= CJ_P2P_PING_INTERVAL_MS) {
            cj_p2p_msg m;
            memset(&m, 0, sizeof m);
            m.type = CJ_P2P_PING;
            randombytes_buf(&m.u.ping.nonce, sizeof m.u.ping.nonce);
            pe->last_ping_ms = now;
            (void)cj_conn_send(pe, &m);
        }
        cj_score_recover(pe, now);
        cj_sync_serve_deferred(pe);
    }
    cj_sync_tick(p, now);
    cj_conn_trim(p, now);
    dial_due(p, now);
    cj_score_bans_expire(p, now);
}

/* Sets up everything, binds the listener and dials the static peers at once. */
cj_p2p *cj_p2p_new(const cj_p2p_config *cfg, char *err, size_t errlen)
{
    if (cfg == NULL || cfg->base == NULL || cfg->chain == NULL) {
        snprintf(err, errlen, "p2p: missing event base or chain");
        return NULL;
    }
    cj_p2p *p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->base = cfg->base;
    p->chain = cfg->chain;
    p->mp = cfg->mempool;
    p->max_peers = cfg->max_peers ? cfg->max_peers : 50;
    p->ban_time_ms = cfg->ban_time_ms;
    p->ev = cfg->events;
    p->chain_id = cj_chain_chain_id(cfg->chain);
    cj_chain_genesis_hash(cfg->chain, p->genesis);
    p->started_ms = cj_clock_mono_ms();
    /* status and useless blocks free per peer: four per block time, at least 20 per second */
    uint64_t bt = cj_chain_block_time_ms(cfg->chain);
    uint64_t per_sec = bt > 0 && 4000 / bt > 20 ? 4000 / bt : 20;
    p->rate_status = p->rate_block = per_sec > 100000 ? 100000 : (uint32_t)per_sec;
    p->sk = sodium_malloc(64);
    p->bans = calloc(MAX_BANS, sizeof *p->bans);
    p->seen_ring = calloc(SEEN_CAP, sizeof *p->seen_ring);
    p->evidence = cj_evidence_new(4096, 256);
    p->held = cj_held_new(p);
    p->clock = cj_clock_offset_new();
    cj_clock_offset_register_metrics();
    p->tick = event_new(p->base, -1, EV_PERSIST, on_tick, p);
    p->reaper = event_new(p->base, -1, 0, cj_conn_on_reap, p);
    p->import_ev = event_new(p->base, -1, 0, cj_sync_on_import, p);
    p->txq_ev = event_new(p->base, -1, 0, cj_relay_on_txq, p);
    if (p->txq_ev != NULL && event_base_get_npriorities(p->base) > CJ_PRIO_BACKGROUND)
        (void)event_priority_set(p->txq_ev, CJ_PRIO_BACKGROUND);
    p->accept_backoff = evtimer_new(p->base, on_accept_backoff, p);
    if (p->sk == NULL || p->bans == NULL || p->seen_ring == NULL || p->evidence == NULL || p->held == NULL || p->clock == NULL ||
        p->tick == NULL ||
        p->reaper == NULL || p->import_ev == NULL || p->txq_ev == NULL || p->accept_backoff == NULL ||
        cj_hmap_init(&p->seen, SEEN_CAP) != 0) {
        snprintf(err, errlen, "out of memory");
        cj_p2p_free(p);
        return NULL;
    }
    memcpy(p->sk, cfg->node_sk, 64);
    memcpy(p->pk, cfg->node_sk + 32, 32);
    randombytes_buf(p->instance, sizeof p->instance);
    if (cfg->npeers > 0) {
        p->statics = calloc(cfg->npeers, sizeof *p->statics);
        if (p->statics == NULL) {
            snprintf(err, errlen, "out of memory");
            cj_p2p_free(p);
            return NULL;
        }
    }
    for (size_t i = 0; i < cfg->npeers; i++) {
        static_peer *sp = &p->statics[p->nstatic];
        const char *hp = parse_pin(cfg->peers[i], sp);
        if (hp == NULL || strchr(hp, '@') != NULL || parse_hostport(hp, sp->host, sizeof sp->host, &sp->port) != 0) {
            snprintf(err, errlen, "p2p.bootstrap_peers: '%.200s' is not host:port or KEY@host:port (KEY: the peer's "
                     "node key, 64 hex digits)", cfg->peers[i]);
            cj_p2p_free(p);
            return NULL;
        }
        if (sp->pinned && sodium_memcmp(sp->key, p->pk, 32) == 0) {
            snprintf(err, errlen, "p2p.bootstrap_peers: '%.200s' pins this node's own key", cfg->peers[i]);
            cj_p2p_free(p);
            return NULL;
        }
        snprintf(sp->text, sizeof sp->text, "%s", cfg->peers[i]);
        sp->backoff_ms = CJ_P2P_BACKOFF_MIN_MS;
        p->nstatic++;
    }
    if (cfg->listen_host != NULL && cfg->listen_host[0] != '\0' &&
        listen_on(p, cfg->listen_host, cfg->listen_port, err, errlen) != 0) {
        cj_p2p_free(p);
        return NULL;
    }
    cj_metrics_register("p2p_messages_total", CJ_METRIC_COUNTER, "P2P messages received, by type.", "type", NULL, 0);
    cj_metrics_register("p2p_bans_total", CJ_METRIC_COUNTER, "Peers banned for misbehaviour.", NULL, NULL, 0);
    cj_p2p_peers_gauge(p);
    struct timeval tv = {0, TICK_MS * 1000};
    evtimer_add(p->tick, &tv);
    dial_due(p, cj_clock_mono_ms());
    char k[65];
    coinjecture_hex_encode(p->pk, 32, k, sizeof k);
    cj_log_info("p2p: node key %s, listening on port %u, %zu static peer(s)", k, (unsigned)p->port, p->nstatic);
    return p;
}

/* Closes all connections (outside any callback: called by the node on shutdown). */
void cj_p2p_free(cj_p2p *p)
{
    if (p == NULL)
        return;
    while (p->peers != NULL) {
        peer *pe = p->peers;
        p->peers = pe->next;
        if (pe->sp)
            pe->sp->conn = NULL;
        p->sync.peer = NULL;
        cj_conn_destroy(p, pe);
    }
    p->nready = 0;
    if (p->listener)
        evconnlistener_free(p->listener);
    if (p->tick)
        event_free(p->tick);
    if (p->reaper)
        event_free(p->reaper);
    if (p->import_ev)
        event_free(p->import_ev);
    if (p->txq_ev)
        event_free(p->txq_ev);
    cj_relay_txq_clear(p);
    if (p->accept_backoff)
        event_free(p->accept_backoff);
    free(p->sync.msg);
    free(p->sync.buf);
    cj_hmap_free(&p->seen);
    free(p->seen_ring);
    free(p->bans);
    free(p->statics);
    cj_evidence_free(p->evidence);
    cj_held_free(p->held);
    free(p->clock);
    if (p->sk)
        sodium_free(p->sk);
    free(p);
}

/* This node's P2P identity (what other nodes pin). */
void cj_p2p_node_key(const cj_p2p *p, uint8_t out[32])
{
    if (p != NULL && out != NULL)
        memcpy(out, p->pk, 32);
}

/* Listener port. */
uint16_t cj_p2p_port(const cj_p2p *p)
{
    return p ? p->port : 0;
}

/* Established connections. */
size_t cj_p2p_peer_count(const cj_p2p *p)
{
    return p ? p->nready : 0;
}

/* The wire-level double-sign detector. */
cj_evidence_pool *cj_p2p_evidence(cj_p2p *p)
{
    return p ? p->evidence : NULL;
}

/* Snapshot of established peers. */
size_t cj_p2p_peers(const cj_p2p *p, cj_peer_info *out, size_t max)
{
    size_t n = 0;
    if (p == NULL || out == NULL)
        return 0;
    for (const peer *pe = p->peers; pe != NULL && n < max; pe = pe->next) {
        if (pe->st != PS_READY)
            continue;
        cj_peer_info *i = &out[n++];
        memset(i, 0, sizeof *i);
        snprintf(i->addr, sizeof i->addr, "%s", pe->addr);
        memcpy(i->node_key, pe->hs.peer_node_pk, 32);
        i->outbound = pe->outbound;
        i->score = pe->score;
        i->height = pe->height;
        i->weight = pe->weight;
        memcpy(i->best, pe->best, 32);
        i->connected_ms = pe->ready_wall_ms;
        i->twin = cj_twin_of(p, pe);
    }
    return n;
}
