/* One P2P connection on a libevent bufferevent (docs/P2P.md): opening with read limits, the authenticated
 * handshake, frames in (bounded, time-sliced) and out (sealed), dispatch of session messages, and closing
 * from a deferred event, never inside the connection's own callbacks. */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "evidence_gossip.h"
#include "log.h"
#include "metrics.h"
#include "p2p_impl.h"
#include "prio.h"
#include "twin.h"

#define READ_HIGH (4u + CJ_P2P_MAX_FRAME)
#define SOCKET_CHUNK (4u << 20)     /* bytes read / written per connection per loop turn */
#define READ_SLICE_US 10000         /* frame handling per peer per turn */
#define READ_FRAMES 64              /* frames handled per peer per turn */
#define WORK_WINDOW_US 100000       /* all peers together handle frames for at most WORK_BUDGET_US of every */
#define WORK_BUDGET_US 50000        /* WORK_WINDOW_US: the rest of the loop (API, timers) is never starved */
#define TRIM_AFTER_BYTES (1u << 20) /* input buffered by freed connections before memory is given back */
#define TRIM_EVERY_MS 1000

static void on_read(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);
static void on_resume(evutil_socket_t fd, short what, void *arg);

/* evbuffer reference cleanup: frees the frame once written. */
static void free_ref(const void *data, size_t len, void *extra)
{
    (void)len, (void)extra;
    free((void *)(uintptr_t)data);
}

/* Encodes m and queues it: plaintext before the session, sealed after. Returns 0 or -1. */
int cj_conn_send(peer *pe, const cj_p2p_msg *m)
{
    char err[160];
    uint8_t *pt = NULL;
    size_t n = 0;
    if (pe->st == PS_CLOSING || pe->st == PS_CONNECTING)
        return -1;
    if (cj_p2p_encode(m, &pt, &n, err, sizeof err) != 0) {
        cj_log_error("p2p: cannot encode %s: %s", cj_p2p_type_name(m->type), err);
        return -1;
    }
    struct evbuffer *out = bufferevent_get_output(pe->bev);
    if (pe->st == PS_READY) {
        size_t flen = 4 + n + CJ_P2P_TAG_LEN;
        uint8_t *fr = malloc(flen);
        if (fr == NULL || cj_p2p_seal(&pe->tx, pt, n, fr) != 0) {
            free(fr);
            free(pt);
            cj_conn_close(pe, "cannot seal a frame");
            return -1;
        }
        free(pt);
        if (evbuffer_add_reference(out, fr, flen, free_ref, NULL) != 0) {
            free(fr);
            cj_conn_close(pe, "out of memory");
            return -1;
        }
    } else {
        uint8_t hdr[4];
        cj_p2p_frame_hdr(hdr, (uint32_t)n);
        if (evbuffer_add(out, hdr, 4) != 0 || evbuffer_add_reference(out, pt, n, free_ref, NULL) != 0) {
            free(pt);
            cj_conn_close(pe, "out of memory");
            return -1;
        }
    }
    if (evbuffer_get_length(out) > CJ_P2P_MAX_OUTPUT) {
        cj_conn_close(pe, "output queue over the limit (peer too slow)");
        return -1;
    }
    return 0;
}

/* Marks a connection closed and defers its release to the reaper (never freed inside its callbacks). */
void cj_conn_close(peer *pe, const char *why)
{
    cj_p2p *p = pe->p2p;
    if (pe->st == PS_CLOSING)
        return;
    if (pe->st == PS_READY) {
        char k[17];
        cj_p2p_short_hex(pe->hs.peer_node_pk, k);
        cj_log_info("p2p: disconnected from %s (key %s): %s", pe->addr, k, why);
        p->nready--;
        cj_p2p_peers_gauge(p);
    } else if (pe->sp != NULL && pe->sp->failures > 0) {
        cj_log_debug("p2p: connection to %s failed: %s", pe->addr, why);
    } else {
        cj_log_info("p2p: connection %s closed before the handshake completed: %s", pe->addr, why);
    }
    cj_clock_offset_peer_closed(pe);
    pe->st = PS_CLOSING;
    bufferevent_disable(pe->bev, EV_READ | EV_WRITE);
    bufferevent_setcb(pe->bev, NULL, NULL, NULL, NULL);
    cj_sync_peer_closing(p, pe);
    event_active(p->reaper, EV_TIMEOUT, 0);
}

/* Frees one closed connection and schedules the static peer's next dial. */
void cj_conn_destroy(cj_p2p *p, peer *pe)
{
    static_peer *sp = pe->sp;
    if (sp != NULL && sp->conn == pe)
        cj_p2p_static_closed(sp, pe);
    cj_sync_peer_freed(p, pe);
    cj_relay_peer_freed(p, pe);
    size_t held = evbuffer_get_length(bufferevent_get_input(pe->bev));
    p->freed_input += held > pe->in_peak ? held : pe->in_peak;
    p->last_free_ms = cj_clock_mono_ms();
    (void)evbuffer_remove_cb_entry(bufferevent_get_output(pe->bev), pe->out_cb);
    bufferevent_free(pe->bev);
    event_free(pe->resume);
    p->ntotal--;
    p->ninbound -= !pe->outbound;
    sodium_memzero(&pe->hs, sizeof pe->hs);
    sodium_memzero(&pe->rx, sizeof pe->rx);
    sodium_memzero(&pe->tx, sizeof pe->tx);
    free(pe);
}

/* From the tick: gives memory back to the system once connections that buffered large frames are gone (glibc
 * keeps freed chunks otherwise, so RSS stayed at its peak). Not from the reaper: libevent releases a freed
 * bufferevent's buffers from a later loop callback. At most once per TRIM_EVERY_MS. */
void cj_conn_trim(cj_p2p *p, int64_t now)
{
    if (p->freed_input < TRIM_AFTER_BYTES || now - p->last_trim_ms < TRIM_EVERY_MS || now - p->last_free_ms < 100)
        return;
    p->freed_input = 0;
    p->last_trim_ms = now;
#ifdef __GLIBC__
    (void)malloc_trim(0);
#endif
}

/* Deferred event: frees every connection marked closed. */
void cj_conn_on_reap(evutil_socket_t fd, short what, void *arg)
{
    cj_p2p *p = arg;
    (void)fd, (void)what;
    peer **pp = &p->peers;
    while (*pp != NULL) {
        peer *pe = *pp;
        if (pe->st == PS_CLOSING) {
            *pp = pe->next;
            cj_conn_destroy(p, pe);
        } else {
            pp = &pe->next;
        }
    }
    cj_sync_kick(p);
}

/* Text "ip:port" of a socket address. */
void cj_conn_sa_text(const struct sockaddr *sa, char *ip, size_t iplen, char *out, size_t cap)
{
    char buf[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
        evutil_inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof buf);
        port = ntohs(s4->sin_port);
        snprintf(out, cap, "%s:%u", buf, port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
        evutil_inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf);
        port = ntohs(s6->sin6_port);
        snprintf(out, cap, "[%s]:%u", buf, port);
    } else {
        snprintf(out, cap, "?");
    }
    snprintf(ip, iplen, "%s", buf);
}

/* Counts the bytes queued to and sent from a peer's output buffer (serving needs to know when an answer left). */
static void on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    peer *pe = arg;
    (void)buf;
    pe->out_added += info->n_added;
    pe->out_drained += info->n_deleted;
}

/* Allocates a connection around bev with read limits: never more than one maximum frame buffered. */
peer *cj_conn_new(cj_p2p *p, struct bufferevent *bev, int outbound, static_peer *sp)
{
    peer *pe = calloc(1, sizeof *pe);
    if (pe == NULL)
        return NULL;
    pe->p2p = p;
    pe->bev = bev;
    pe->outbound = outbound;
    pe->sp = sp;
    pe->score = CJ_P2P_SCORE_START;
    pe->opened_ms = pe->last_recv_ms = pe->last_recover_ms = cj_clock_mono_ms();
    pe->st = outbound ? PS_CONNECTING : PS_HELLO;
    if (cj_p2p_hs_init(&pe->hs, p->chain_id, p->genesis, p->pk, p->port) != 0) {
        free(pe);
        return NULL;
    }
    memcpy(pe->hs.instance, p->instance, sizeof pe->hs.instance);
    pe->resume = event_new(p->base, -1, 0, on_resume, pe);
    if (pe->resume == NULL) {
        free(pe);
        return NULL;
    }
    pe->out_cb = evbuffer_add_cb(bufferevent_get_output(bev), on_output, pe);
    if (pe->out_cb == NULL) {
        event_free(pe->resume);
        free(pe);
        return NULL;
    }
    bufferevent_setcb(bev, on_read, NULL, on_event, pe);
    bufferevent_setwatermark(bev, EV_READ, 4, READ_HIGH);
    /* libevent moves at most 16 KiB per socket per loop turn by default: a 2 MB block would then take
     * ~130 turns, each behind API requests and admission slices, i.e. seconds under load */
    bufferevent_set_max_single_read(bev, SOCKET_CHUNK);
    bufferevent_set_max_single_write(bev, SOCKET_CHUNK);
    (void)bufferevent_priority_set(bev, CJ_PRIO_CONSENSUS);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    pe->next = p->peers;
    p->peers = pe;
    p->ntotal++;
    p->ninbound += !outbound;
    return pe;
}

/* Disables Nagle: frames are small and latency matters for block relay. */
void cj_conn_set_nodelay(struct bufferevent *bev)
{
    int one = 1;
    evutil_socket_t fd = bufferevent_getfd(bev);
    if (fd >= 0)
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Sends our hello (first frame of both sides). */
void cj_conn_send_hello(peer *pe)
{
    cj_p2p_msg m;
    cj_p2p_hs_hello(&pe->hs, &m);
    pe->hello_mono_ms = cj_clock_mono_ms();
    (void)cj_conn_send(pe, &m);
}

/* The initiator's node key of a connection, used to pick one of two duplicate connections. */
static const uint8_t *initiator_key(const peer *pe)
{
    return pe->outbound ? pe->p2p->pk : pe->hs.peer_node_pk;
}

/* A pinned static peer's hello must carry the pinned key; anything else is closed before it can say more
 * (and retried with backoff: never disabled or banned by address, so an impostor cannot lock the real peer
 * out). Returns 1 if the connection was closed. */
static int pin_mismatch(peer *pe)
{
    if (pe->sp == NULL || !pe->sp->pinned || sodium_memcmp(pe->hs.peer_node_pk, pe->sp->key, 32) == 0)
        return 0;
    char got[17], want[17];
    cj_p2p_short_hex(pe->hs.peer_node_pk, got);
    cj_p2p_short_hex(pe->sp->key, want);
    cj_metrics_inc("p2p_pinned_key_mismatches_total");
    cj_log_warn("p2p: %s answered with node key %s, not its pinned key %s: closing", pe->addr, got, want);
    cj_conn_close(pe, "node key does not match the pinned key");
    return 1;
}

/* A hello carrying our own node key is a dial to ourselves only if its ephemeral key is one of our own
 * connections' (anyone can copy our public node key): then that static address is not dialed again. */
static void self_dial_check(cj_p2p *p, peer *pe, const uint8_t eph[32])
{
    for (peer *o = p->peers; o != NULL; o = o->next) {
        if (o == pe || o->st == PS_CLOSING || sodium_memcmp(o->hs.eph_pk, eph, 32) != 0)
            continue;
        peer *out = pe->outbound ? pe : o->outbound ? o : NULL;
        if (out != NULL && out->sp != NULL && !out->sp->disabled) {
            out->sp->disabled = 1;
            cj_log_info("p2p: static peer %s is this node: not dialed again", out->sp->text);
        }
    }
}

/* Handshake done: ban and duplicate checks, then the first status. */
static void on_ready(peer *pe)
{
    cj_p2p *p = pe->p2p;
    char k[17];
    int64_t now = cj_clock_mono_ms();
    cj_p2p_short_hex(pe->hs.peer_node_pk, k);
    if (cj_score_banned_key(p, pe->hs.peer_node_pk, now)) {
        cj_conn_close(pe, "node key is banned");
        return;
    }
    for (peer *o = p->peers; o != NULL; o = o->next) {
        if (o == pe || o->st != PS_READY || memcmp(o->hs.peer_node_pk, pe->hs.peer_node_pk, 32) != 0)
            continue;
        if (cj_twin_check(pe, o))
            continue; /* two processes with one key: both kept and reported (twin.h) */
        /* duplicate: both ends keep the connection dialed by the lower node key (the older one on a tie) */
        int c = memcmp(initiator_key(pe), initiator_key(o), 32);
        peer *drop = c < 0 ? o : pe;
        drop->dup = 1;
        if (drop->sp != NULL && !drop->sp->pinned) {
            drop->sp->have_key = 1;
            memcpy(drop->sp->key, drop->hs.peer_node_pk, 32);
        }
        if (drop == pe) {
            pe->st = PS_AUTH; /* not counted as ready */
            cj_conn_close(pe, "duplicate connection");
            return;
        }
        cj_conn_close(o, "duplicate connection");
    }
    pe->st = PS_READY;
    pe->ready_ms = pe->last_ping_ms = now;
    pe->ready_wall_ms = cj_clock_wall_ms();
    p->nready++;
    cj_p2p_peers_gauge(p);
    if (pe->sp != NULL) {
        pe->sp->have_key = 1;
        memcpy(pe->sp->key, pe->hs.peer_node_pk, 32); /* == the pin when pinned (pin_mismatch at the hello) */
        pe->sp->backoff_ms = CJ_P2P_BACKOFF_MIN_MS;
        pe->sp->failures = 0;
    } else {
        /* an inbound peer that is also one of our static peers (same IP and listen port): remember its
         * key so we do not keep dialing a connection the duplicate rule would close */
        for (size_t i = 0; i < p->nstatic; i++) {
            static_peer *sp = &p->statics[i];
            if (!sp->pinned && sp->port == pe->hs.peer_listen_port && strcmp(sp->host, pe->ip) == 0) {
                sp->have_key = 1;
                memcpy(sp->key, pe->hs.peer_node_pk, 32);
            }
        }
    }
    cj_log_info("p2p: connected to %s (%s, key %s, listens on %u)", pe->addr, pe->outbound ? "outbound" : "inbound", k,
                (unsigned)pe->hs.peer_listen_port);
    cj_sync_send_status(pe);
}

/* One decrypted, decoded message from an established peer. Takes ownership of buf. */
static void dispatch(peer *pe, uint8_t *buf, cj_p2p_msg *m)
{
    const char *label[1] = {cj_p2p_type_name(m->type)};
    cj_metrics_add_l("p2p_messages_total", label, 1);
    switch (m->type) {
    case CJ_P2P_STATUS:
        if (cj_score_charge(pe, CJ_COST_STATUS) == 0)
            cj_sync_on_status(pe, m);
        break;
    case CJ_P2P_TX:
        cj_relay_on_tx(pe, m->u.tx.bytes, m->u.tx.len);
        break;
    case CJ_P2P_BLOCK:
        cj_relay_on_block(pe, m->u.block.bytes, m->u.block.len);
        break;
    case CJ_P2P_GET_BLOCKS:
        cj_sync_serve(pe, m->u.get_blocks.from, m->u.get_blocks.count);
        break;
    case CJ_P2P_BLOCKS:
        cj_sync_on_blocks(pe, buf, m); /* takes both */
        return;
    case CJ_P2P_PING: {
        if (cj_score_charge(pe, CJ_COST_PING) != 0)
            break;
        cj_p2p_msg r;
        memset(&r, 0, sizeof r);
        r.type = CJ_P2P_PONG;
        r.u.ping.nonce = m->u.ping.nonce;
        (void)cj_conn_send(pe, &r);
        break;
    }
    case CJ_P2P_PONG:
        (void)cj_score_charge(pe, CJ_COST_PING);
        break;
    case CJ_P2P_EVIDENCE:
        cj_evidence_gossip_on_msg(pe, m);
        break;
    default:
        cj_score_penalize(pe, CJ_P2P_PENALTY_MALFORMED, "handshake message after the handshake");
        break;
    }
    free(m);
    free(buf);
}

/* One complete frame body (ownership of body passes here). */
static void handle_frame(peer *pe, const uint8_t hdr[4], uint8_t *body, uint32_t len)
{
    cj_p2p *p = pe->p2p;
    char err[200], why[300];
    cj_p2p_msg *m = malloc(sizeof *m);
    if (m == NULL) {
        free(body);
        cj_conn_close(pe, "out of memory");
        return;
    }
    if (pe->st == PS_READY) {
        size_t ptlen = 0;
        if (cj_p2p_open(&pe->rx, hdr, body, len, &ptlen) != 0) {
            free(body);
            free(m);
            cj_score_penalize(pe, CJ_P2P_PENALTY_MALFORMED, "frame fails authentication");
            cj_conn_close(pe, "frame fails authentication");
            return;
        }
        if (cj_p2p_decode(body, ptlen, m, err, sizeof err) != 0) {
            free(body);
            free(m);
            snprintf(why, sizeof why, "malformed message: %s", err);
            cj_score_penalize(pe, CJ_P2P_PENALTY_MALFORMED, why);
            return;
        }
        dispatch(pe, body, m);
        return;
    }
    int rc = cj_p2p_decode(body, len, m, err, sizeof err);
    free(body);
    if (rc != 0) {
        snprintf(why, sizeof why, "malformed handshake: %s", err);
        free(m);
        cj_conn_close(pe, why);
        return;
    }
    if (pe->st == PS_HELLO) {
        if (m->type != CJ_P2P_HELLO || cj_p2p_hs_check_hello(&pe->hs, m, err, sizeof err) != 0) {
            snprintf(why, sizeof why, "handshake refused: %s", m->type != CJ_P2P_HELLO ? "expected hello" : err);
            if (m->type == CJ_P2P_HELLO && strstr(err, "same node key") != NULL)
                self_dial_check(p, pe, m->u.hello.eph_key);
            free(m);
            cj_conn_close(pe, why);
            return;
        }
        free(m);
        if (pin_mismatch(pe))
            return;
        if (cj_score_banned_key(p, pe->hs.peer_node_pk, cj_clock_mono_ms())) {
            cj_conn_close(pe, "node key is banned");
            return;
        }
        cj_p2p_msg a;
        int64_t wall = cj_clock_wall_ms();
        if (cj_p2p_hs_sign(&pe->hs, p->sk, wall > 0 ? (uint64_t)wall : 0, &a) != 0) {
            cj_conn_close(pe, "cannot sign auth");
            return;
        }
        pe->st = PS_AUTH;
        (void)cj_conn_send(pe, &a);
        return;
    }
    /* PS_AUTH */
    if (m->type != CJ_P2P_AUTH || cj_p2p_hs_verify(&pe->hs, m, err, sizeof err) != 0) {
        snprintf(why, sizeof why, "handshake refused: %s", m->type != CJ_P2P_AUTH ? "expected auth" : err);
        free(m);
        cj_conn_close(pe, why);
        return;
    }
    uint64_t peer_time = m->u.auth.time_ms;
    free(m);
    if (cj_p2p_hs_session(&pe->hs, &pe->rx, &pe->tx) != 0) {
        cj_conn_close(pe, "key exchange failed");
        return;
    }
    on_ready(pe);
    if (pe->st == PS_READY)
        cj_clock_offset_handshake(pe, peer_time);
}

/* Monotonic microseconds (frame handling is measured finer than the node's millisecond clock). */
static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Microseconds of frame handling left to all peers in the current window (a new window refills it). */
static int64_t budget_left(cj_p2p *p, int64_t now)
{
    if (now - p->work_window_us >= WORK_WINDOW_US) {
        p->work_window_us = now;
        p->work_used_us = 0;
    }
    return WORK_BUDGET_US - p->work_used_us;
}

/* Stops reading a peer for now: its buffered frames continue from a normal-priority event, at once if the
 * global budget has some left, else when the window ends. */
static void defer_read(peer *pe, int64_t now)
{
    cj_p2p *p = pe->p2p;
    bufferevent_disable(pe->bev, EV_READ);
    if (budget_left(p, now) > 0) {
        cj_p2p_soon(pe->resume);
    } else if (!evtimer_pending(pe->resume, NULL)) {
        int64_t wait = p->work_window_us + WORK_WINDOW_US - now;
        struct timeval tv = {0, (suseconds_t)(wait > 0 ? wait : 0)};
        evtimer_add(pe->resume, &tv);
    }
}

/* Reads whole frames; the length is checked before the body is buffered, and the read watermark is
 * raised to the frame size so the callback fires once per frame. Peer traffic runs at the loop's top
 * priority (blocks must not wait behind API requests), but bounded: per peer and turn READ_FRAMES frames or
 * READ_SLICE_US, for all peers together WORK_BUDGET_US per WORK_WINDOW_US; beyond that the socket stops being
 * read and the buffered frames continue from a normal-priority event, so peers that flood can starve neither
 * the API nor the timers nor the other peers. */
static void on_read(struct bufferevent *bev, void *arg)
{
    peer *pe = arg;
    cj_p2p *p = pe->p2p;
    struct evbuffer *in = bufferevent_get_input(bev);
    char err[160], why[200];
    int64_t t0 = mono_us();
    int frames = 0;
    while (pe->st != PS_CLOSING && pe->st != PS_CONNECTING) {
        size_t avail = evbuffer_get_length(in);
        if (avail > pe->in_peak)
            pe->in_peak = avail;
        uint8_t hdr[4];
        uint32_t len = 0;
        if (avail < 4) {
            bufferevent_setwatermark(bev, EV_READ, 4, READ_HIGH);
            return;
        }
        evbuffer_copyout(in, hdr, 4);
        uint32_t max = pe->st == PS_READY ? CJ_P2P_MAX_FRAME : CJ_P2P_MAX_HANDSHAKE_FRAME;
        if (cj_p2p_frame_len(hdr, max, &len, err, sizeof err) != 0) {
            snprintf(why, sizeof why, "%s", err);
            cj_score_penalize(pe, hdr[0] | hdr[1] | hdr[2] | hdr[3] ? CJ_P2P_PENALTY_OVERSIZE : CJ_P2P_PENALTY_MALFORMED,
                              why);
            cj_conn_close(pe, why);
            return;
        }
        if (avail < 4 + (size_t)len) {
            bufferevent_setwatermark(bev, EV_READ, 4 + (size_t)len, READ_HIGH);
            return;
        }
        int64_t now = mono_us();
        if (frames >= READ_FRAMES || now - t0 >= READ_SLICE_US || budget_left(p, now) <= 0) {
            defer_read(pe, now);
            return;
        }
        frames++;
        uint8_t *body = malloc(len);
        if (body == NULL) {
            cj_conn_close(pe, "out of memory");
            return;
        }
        evbuffer_drain(in, 4);
        evbuffer_remove(in, body, len);
        pe->last_recv_ms = cj_clock_mono_ms();
        handle_frame(pe, hdr, body, len);
        p->work_used_us += mono_us() - now;
    }
}

/* Continues a peer's buffered frames after its read budget ran out, then reads its socket again. */
static void on_resume(evutil_socket_t fd, short what, void *arg)
{
    peer *pe = arg;
    (void)fd, (void)what;
    if (pe->st == PS_CLOSING)
        return;
    bufferevent_enable(pe->bev, EV_READ);
    on_read(pe->bev, pe);
}

/* Connection events: connected (outbound), EOF, errors. */
static void on_event(struct bufferevent *bev, short what, void *arg)
{
    peer *pe = arg;
    if (what & BEV_EVENT_CONNECTED) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        evutil_socket_t fd = bufferevent_getfd(bev);
        if (fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
            cj_conn_sa_text((struct sockaddr *)&ss, pe->ip, sizeof pe->ip, pe->addr, sizeof pe->addr);
        cj_conn_set_nodelay(bev);
        pe->st = PS_HELLO;
        pe->opened_ms = pe->last_recv_ms = cj_clock_mono_ms();
        cj_conn_send_hello(pe);
        return;
    }
    if (what & BEV_EVENT_EOF) {
        cj_conn_close(pe, "closed by the peer");
    } else if (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        int e = EVUTIL_SOCKET_ERROR();
        char why[160];
        snprintf(why, sizeof why, "%s", e ? evutil_socket_error_to_string(e) : "socket error");
        cj_conn_close(pe, why);
    }
}
