/* P2P connections on libevent bufferevents: listener, static peers, handshake, session, relay, sync,
 * liveness, scoring and bans (docs/P2P.md). */
#include "p2p.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "chain.h"
#include "evidence.h"
#include "hmap.h"
#include "log.h"
#include "mempool.h"
#include "metrics.h"
#include "p2p_wire.h"
#include "prio.h"

#define TICK_MS 250
#define IMPORT_SLICE_MS 50          /* a sync batch yields to the loop after this much import work */
#define SEEN_CAP 16384              /* recent block / tx hashes remembered for relay dedup */
#define READ_HIGH (4u + CJ_P2P_MAX_FRAME)
#define MAX_BANS 4096
#define MAX_ORPHAN_BACK 256         /* deepest a sync looks back for a common ancestor */
#define SCORE_RECOVER_MS 10000      /* +1 score per this interval, up to the start score */
#define SERVE_BUSY (CJ_P2P_MAX_OUTPUT / 4)
#define SERVE_PER_SEC 32            /* get_blocks answered per peer per second (32 x 256 blocks: ample for sync) */
#define SOCKET_CHUNK (4u << 20)     /* bytes read / written per connection per loop turn */
#define READ_SLICE_MS 20            /* frame handling per peer per turn at top priority */
#define TXQ_CAP 50000               /* relayed transactions waiting for admission (beyond: dropped) */
#define TXQ_SLICE_MS 10             /* admission work per loop turn, so blocks and the API are not held up */

typedef enum { PS_CONNECTING, PS_HELLO, PS_AUTH, PS_READY, PS_CLOSING } peer_state;

typedef struct peer peer;

typedef struct {
    char text[300]; /* as configured */
    char host[256];
    uint16_t port;
    peer *conn;
    int64_t next_try_ms; /* monotonic */
    uint64_t backoff_ms;
    int have_key, disabled, failures;
    uint8_t key[32]; /* node key learned on the last handshake, or the pinned one */
    int pinned;      /* configured as KEY@host:port: only that node key is accepted at this address */
} static_peer;

struct peer {
    cj_p2p *p2p;
    peer *next;
    struct bufferevent *bev;
    peer_state st;
    int outbound, dup;
    static_peer *sp;
    char addr[64];
    char ip[48];
    cj_p2p_hs hs;
    cj_p2p_cipher rx, tx;
    int score;
    int64_t opened_ms, ready_ms, last_recv_ms, last_ping_ms, last_recover_ms, cooldown_until;
    int64_t ready_wall_ms;
    struct event *resume; /* read budget spent: continues the buffered frames at normal priority */
    int have_status;
    int64_t serve_window_ms;  /* start of the current one-second get_blocks window */
    uint32_t served;          /* get_blocks answered in that window */
    int deferred;             /* a get_blocks over the cap or while busy, answered by on_tick */
    uint64_t deferred_from, deferred_count;
    uint64_t height, weight;
    uint8_t best[32];
};

typedef struct {
    int is_key;
    uint8_t key[32];
    char addr[300];
    int64_t until_ms;
} ban_entry;

/* A relayed transaction waiting for mempool admission (wire bytes follow the struct). */
typedef struct txq_item {
    struct txq_item *next;
    peer *from; /* NULL once that connection is gone */
    uint8_t hash[32];
    size_t len;
    uint8_t bytes[];
} txq_item;

struct cj_p2p {
    struct event_base *base;
    cj_chain *chain;
    cj_mempool *mp;
    uint8_t *sk; /* sodium_malloc'd 64 bytes */
    uint8_t pk[32];
    uint64_t chain_id;
    uint8_t genesis[32];
    struct evconnlistener *listener;
    uint16_t port;
    struct event *accept_backoff;
    int backoff_ms;
    peer *peers;
    size_t nready, ntotal, ninbound; /* ninbound: accepted connections, limited by max_peers */
    static_peer *statics;
    size_t nstatic;
    size_t max_peers;
    uint64_t ban_time_ms;
    ban_entry *bans;
    size_t nbans;
    struct event *tick, *reaper, *import_ev, *txq_ev;
    txq_item *txq_head, *txq_tail;
    size_t txq_n;
    uint64_t txq_dropped;
    cj_hmap seen;
    uint8_t (*seen_ring)[32];
    size_t seen_next;
    struct {
        peer *peer;
        uint64_t from;
        uint32_t count;
        int64_t deadline;
        uint64_t back;
        uint8_t *buf;    /* plaintext of the blocks message being imported */
        cj_p2p_msg *msg; /* points into buf */
        uint32_t next;
        int tip_changed, progress;
        uint64_t cont;    /* after a full batch from cont_peer: continue at this height */
        peer *cont_peer;
    } sync;
    int64_t started_ms;
    int got_status;
    cj_evidence_pool *evidence;
    void (*on_new_tip)(void *ctx);
    void (*on_tx)(void *ctx, const coinjecture_tx *tx, const uint8_t hash[32]);
    void *ctx;
};

static void peer_close(peer *pe, const char *why);
static void sync_kick(cj_p2p *p);
static void on_resume(evutil_socket_t fd, short what, void *arg);
static void soon(struct event *ev);

/* Monotonic milliseconds for timeouts and backoff (immune to clock steps). */
static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wall-clock milliseconds: block timestamps are compared with it. */
static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* First 16 hex digits of a key, enough to tell peers apart in logs. */
static void short_hex(const uint8_t k[32], char out[17])
{
    char full[65];
    coinjecture_hex_encode(k, 32, full, sizeof full);
    memcpy(out, full, 16);
    out[16] = '\0';
}

/* ---- recent hashes (relay dedup) ---- */

/* Adds a hash to the bounded recent set; returns 1 if it was new, 0 if already there. */
static int seen_add(cj_p2p *p, const uint8_t h[32])
{
    if (cj_hmap_get(&p->seen, h) != NULL)
        return 0;
    uint8_t *slot = p->seen_ring[p->seen_next];
    (void)cj_hmap_del(&p->seen, slot);
    memcpy(slot, h, 32);
    if (cj_hmap_put(&p->seen, slot, slot) != 0)
        return 1; /* OOM: relay anyway, dedup is best effort */
    p->seen_next = (p->seen_next + 1) % SEEN_CAP;
    return 1;
}

/* ---- bans ---- */

/* Drops expired bans. */
static void bans_expire(cj_p2p *p, int64_t now)
{
    size_t j = 0;
    for (size_t i = 0; i < p->nbans; i++)
        if (p->bans[i].until_ms > now)
            p->bans[j++] = p->bans[i];
    p->nbans = j;
}

/* Whether a node key is banned now. */
static int banned_key(const cj_p2p *p, const uint8_t key[32], int64_t now)
{
    for (size_t i = 0; i < p->nbans; i++)
        if (p->bans[i].is_key && p->bans[i].until_ms > now && memcmp(p->bans[i].key, key, 32) == 0)
            return 1;
    return 0;
}

/* Until when an address (IP or configured host:port) is banned, or 0. */
static int64_t banned_addr(const cj_p2p *p, const char *addr, int64_t now)
{
    for (size_t i = 0; i < p->nbans; i++)
        if (!p->bans[i].is_key && p->bans[i].until_ms > now && strcmp(p->bans[i].addr, addr) == 0)
            return p->bans[i].until_ms;
    return 0;
}

/* Adds one ban entry (the oldest goes when the table is full). */
static void ban_add(cj_p2p *p, int is_key, const uint8_t *key, const char *addr, int64_t until)
{
    if (p->nbans == MAX_BANS) {
        memmove(p->bans, p->bans + 1, (MAX_BANS - 1) * sizeof *p->bans);
        p->nbans--;
    }
    ban_entry *b = &p->bans[p->nbans++];
    memset(b, 0, sizeof *b);
    b->is_key = is_key;
    if (key)
        memcpy(b->key, key, 32);
    if (addr)
        snprintf(b->addr, sizeof b->addr, "%s", addr);
    b->until_ms = until;
}

/* Whether an IP is a loopback address (never IP-banned: every local peer shares it). */
static int is_loopback(const char *ip)
{
    return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 || strncmp(ip, "::ffff:127.", 11) == 0;
}

/* Bans what identifies a misbehaving peer: its node key once authenticated, the configured address of
 * an unpinned static peer, else its IP (not loopback). A pinned static peer is its key: whoever else answers
 * at its address is not it, so neither the address nor the IP is banned (an impostor cannot lock it out). */
static void ban_peer(peer *pe, const char *why)
{
    cj_p2p *p = pe->p2p;
    int64_t until = mono_ms() + (int64_t)p->ban_time_ms;
    char k[17] = "-";
    int banned = 0;
    if (p->ban_time_ms == 0)
        return;
    if (pe->st == PS_READY) { /* only an authenticated key: a hello alone could name anybody's */
        ban_add(p, 1, pe->hs.peer_node_pk, NULL, until);
        short_hex(pe->hs.peer_node_pk, k);
        banned = 1;
    }
    if (pe->sp != NULL) {
        if (!pe->sp->pinned) {
            ban_add(p, 0, NULL, pe->sp->text, until);
            banned = 1;
        }
    } else if (pe->st != PS_READY && !is_loopback(pe->ip)) {
        ban_add(p, 0, NULL, pe->ip, until);
        banned = 1;
    }
    if (!banned)
        return;
    cj_metrics_inc("p2p_bans_total");
    cj_log_warn("p2p: banned peer %s (key %s) for %llu ms: %s", pe->addr, k, (unsigned long long)p->ban_time_ms, why);
}

/* Lowers a peer's score; at zero it is banned and disconnected. */
static void penalize(peer *pe, int amount, const char *why)
{
    if (pe->st == PS_CLOSING)
        return;
    pe->score -= amount;
    cj_log_info("p2p: peer %s: %s (score -%d -> %d)", pe->addr, why, amount, pe->score);
    if (pe->score <= 0) {
        ban_peer(pe, why);
        peer_close(pe, why);
    }
}

/* ---- sending ---- */

/* evbuffer reference cleanup: frees the frame once written. */
static void free_ref(const void *data, size_t len, void *extra)
{
    (void)len, (void)extra;
    free((void *)(uintptr_t)data);
}

/* Encodes m and queues it: plaintext before the session, sealed after. Returns 0 or -1. */
static int send_msg(peer *pe, const cj_p2p_msg *m)
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
            peer_close(pe, "cannot seal a frame");
            return -1;
        }
        free(pt);
        if (evbuffer_add_reference(out, fr, flen, free_ref, NULL) != 0) {
            free(fr);
            peer_close(pe, "out of memory");
            return -1;
        }
    } else {
        uint8_t hdr[4];
        cj_p2p_frame_hdr(hdr, (uint32_t)n);
        if (evbuffer_add(out, hdr, 4) != 0 || evbuffer_add_reference(out, pt, n, free_ref, NULL) != 0) {
            free(pt);
            peer_close(pe, "out of memory");
            return -1;
        }
    }
    if (evbuffer_get_length(out) > CJ_P2P_MAX_OUTPUT) {
        peer_close(pe, "output queue over the limit (peer too slow)");
        return -1;
    }
    return 0;
}

/* Our status: height, best hash and cumulative weight of the tip. */
static void send_status(peer *pe)
{
    cj_p2p_msg m;
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_STATUS;
    m.u.status.height = cj_chain_height(pe->p2p->chain);
    cj_chain_tip_hash(pe->p2p->chain, m.u.status.best);
    m.u.status.weight = cj_chain_tip_weight(pe->p2p->chain);
    (void)send_msg(pe, &m);
}

/* Sends one block or tx message to every established peer except `except`. */
static void broadcast(cj_p2p *p, const cj_p2p_msg *m, const peer *except)
{
    for (peer *pe = p->peers; pe != NULL; pe = pe->next)
        if (pe != except && pe->st == PS_READY)
            (void)send_msg(pe, m);
}

/* Relays raw block bytes to every peer but the origin. */
static void relay_block(cj_p2p *p, const uint8_t *bytes, size_t len, const peer *except)
{
    cj_p2p_msg m;
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_BLOCK;
    m.u.block.bytes = bytes;
    m.u.block.len = len;
    broadcast(p, &m, except);
}

/* Relays raw transaction bytes to every peer but the origin. */
static void relay_tx_bytes(cj_p2p *p, const uint8_t *bytes, size_t len, const peer *except)
{
    cj_p2p_msg m;
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_TX;
    m.u.tx.bytes = bytes;
    m.u.tx.len = len;
    broadcast(p, &m, except);
}

/* ---- peer lifecycle ---- */

/* Updates the peers gauge. */
static void peers_gauge(cj_p2p *p)
{
    cj_metrics_set("peers", (double)p->nready);
}

/* Marks a connection closed and defers its release to the reaper (never freed inside its callbacks). */
static void peer_close(peer *pe, const char *why)
{
    cj_p2p *p = pe->p2p;
    if (pe->st == PS_CLOSING)
        return;
    if (pe->st == PS_READY) {
        char k[17];
        short_hex(pe->hs.peer_node_pk, k);
        cj_log_info("p2p: disconnected from %s (key %s): %s", pe->addr, k, why);
        p->nready--;
        peers_gauge(p);
    } else if (pe->sp != NULL && pe->sp->failures > 0) {
        cj_log_debug("p2p: connection to %s failed: %s", pe->addr, why);
    } else {
        cj_log_info("p2p: connection %s closed before the handshake completed: %s", pe->addr, why);
    }
    pe->st = PS_CLOSING;
    bufferevent_disable(pe->bev, EV_READ | EV_WRITE);
    bufferevent_setcb(pe->bev, NULL, NULL, NULL, NULL);
    if (p->sync.peer == pe) {
        p->sync.peer = NULL;
        p->sync.deadline = 0;
    }
    event_active(p->reaper, EV_TIMEOUT, 0);
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

/* Frees one closed connection and schedules the static peer's next dial. */
static void peer_destroy(cj_p2p *p, peer *pe)
{
    static_peer *sp = pe->sp;
    if (sp != NULL && sp->conn == pe) {
        int64_t now = mono_ms();
        sp->conn = NULL;
        if (pe->dup) {
            sp->next_try_ms = now + 2000;
        } else {
            if (pe->ready_ms == 0)
                sp->failures++;
            sp->next_try_ms = now + jitter(sp->backoff_ms);
            sp->backoff_ms = sp->backoff_ms * 2 > CJ_P2P_BACKOFF_MAX_MS ? CJ_P2P_BACKOFF_MAX_MS : sp->backoff_ms * 2;
        }
    }
    if (p->sync.peer == pe)
        p->sync.peer = NULL;
    if (p->sync.cont_peer == pe)
        p->sync.cont_peer = NULL;
    for (txq_item *it = p->txq_head; it != NULL; it = it->next)
        if (it->from == pe)
            it->from = NULL;
    bufferevent_free(pe->bev);
    event_free(pe->resume);
    p->ntotal--;
    p->ninbound -= !pe->outbound;
    sodium_memzero(&pe->hs, sizeof pe->hs);
    sodium_memzero(&pe->rx, sizeof pe->rx);
    sodium_memzero(&pe->tx, sizeof pe->tx);
    free(pe);
}

/* Deferred event: frees every connection marked closed. */
static void on_reap(evutil_socket_t fd, short what, void *arg)
{
    cj_p2p *p = arg;
    (void)fd, (void)what;
    peer **pp = &p->peers;
    while (*pp != NULL) {
        peer *pe = *pp;
        if (pe->st == PS_CLOSING) {
            *pp = pe->next;
            peer_destroy(p, pe);
        } else {
            pp = &pe->next;
        }
    }
    sync_kick(p);
}

/* Text "ip:port" of a socket address. */
static void sa_text(const struct sockaddr *sa, char *ip, size_t iplen, char *out, size_t cap)
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

static void on_read(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);

/* Allocates a connection around bev with read limits: never more than one maximum frame buffered. */
static peer *peer_new(cj_p2p *p, struct bufferevent *bev, int outbound, static_peer *sp)
{
    peer *pe = calloc(1, sizeof *pe);
    if (pe == NULL)
        return NULL;
    pe->p2p = p;
    pe->bev = bev;
    pe->outbound = outbound;
    pe->sp = sp;
    pe->score = CJ_P2P_SCORE_START;
    pe->opened_ms = pe->last_recv_ms = pe->last_recover_ms = mono_ms();
    pe->st = outbound ? PS_CONNECTING : PS_HELLO;
    if (cj_p2p_hs_init(&pe->hs, p->chain_id, p->genesis, p->pk, p->port) != 0) {
        free(pe);
        return NULL;
    }
    pe->resume = event_new(p->base, -1, 0, on_resume, pe);
    if (pe->resume == NULL) {
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
static void set_nodelay(struct bufferevent *bev)
{
    int one = 1;
    evutil_socket_t fd = bufferevent_getfd(bev);
    if (fd >= 0)
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Sends our hello (first frame of both sides). */
static void send_hello(peer *pe)
{
    cj_p2p_msg m;
    cj_p2p_hs_hello(&pe->hs, &m);
    (void)send_msg(pe, &m);
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
    short_hex(pe->hs.peer_node_pk, got);
    short_hex(pe->sp->key, want);
    cj_metrics_inc("p2p_pinned_key_mismatches_total");
    cj_log_warn("p2p: %s answered with node key %s, not its pinned key %s: closing", pe->addr, got, want);
    peer_close(pe, "node key does not match the pinned key");
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
    int64_t now = mono_ms();
    short_hex(pe->hs.peer_node_pk, k);
    if (banned_key(p, pe->hs.peer_node_pk, now)) {
        peer_close(pe, "node key is banned");
        return;
    }
    for (peer *o = p->peers; o != NULL; o = o->next) {
        if (o == pe || o->st != PS_READY || memcmp(o->hs.peer_node_pk, pe->hs.peer_node_pk, 32) != 0)
            continue;
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
            peer_close(pe, "duplicate connection");
            return;
        }
        peer_close(o, "duplicate connection");
    }
    pe->st = PS_READY;
    pe->ready_ms = pe->last_ping_ms = now;
    pe->ready_wall_ms = wall_ms();
    p->nready++;
    peers_gauge(p);
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
    send_status(pe);
}

/* ---- handlers for established peers ---- */

/* Zero-delay timer: runs after the loop has polled sockets again (event_active would run it in the same
 * turn, ahead of pending reads). */
static void soon(struct event *ev)
{
    static const struct timeval zero = {0, 0};
    if (!evtimer_pending(ev, NULL))
        evtimer_add(ev, &zero);
}

/* A relayed transaction: decode and dedup now (cheap), admission later in time slices. Blocks are
 * handled as they arrive, so a backlog of transactions (each costing a signature check) never delays a
 * block behind it on the same connection; a transaction that a block confirms meanwhile is refused
 * cheaply (nonce too low) before its signature is checked. */
static void on_tx_msg(peer *pe, const uint8_t *bytes, size_t len)
{
    cj_p2p *p = pe->p2p;
    coinjecture_tx tx;
    uint8_t h[32];
    if (coinjecture_tx_decode(bytes, len, &tx) != COINJ_OK) {
        penalize(pe, CJ_P2P_PENALTY_INVALID_TX, "undecodable transaction");
        return;
    }
    int fresh = coinjecture_tx_hash(&tx, h) == COINJ_OK && seen_add(p, h) && p->mp != NULL;
    coinjecture_tx_free(&tx);
    if (!fresh)
        return;
    txq_item *it = p->txq_n < TXQ_CAP ? malloc(sizeof *it + len) : NULL;
    if (it == NULL) {
        p->txq_dropped++; /* overloaded: the block that confirms it will carry it */
        return;
    }
    it->next = NULL;
    it->from = pe;
    memcpy(it->hash, h, 32);
    it->len = len;
    memcpy(it->bytes, bytes, len);
    if (p->txq_tail != NULL)
        p->txq_tail->next = it;
    else
        p->txq_head = it;
    p->txq_tail = it;
    p->txq_n++;
    soon(p->txq_ev);
}

/* Admits one queued transaction: mempool, relay to the others, penalty for an invalid one. */
static void admit_queued(cj_p2p *p, const txq_item *it)
{
    coinjecture_tx tx;
    char err[256];
    if (coinjecture_tx_decode(it->bytes, it->len, &tx) != COINJ_OK)
        return; /* decoded once already */
    err[0] = '\0';
    cj_mempool_status st = cj_mempool_add(p->mp, p->chain, &tx, wall_ms(), NULL, err, sizeof err);
    if (st == CJ_MEMPOOL_OK) {
        relay_tx_bytes(p, it->bytes, it->len, it->from);
        if (p->on_tx)
            p->on_tx(p->ctx, &tx, it->hash);
    } else if (it->from != NULL &&
               (st == CJ_MEMPOOL_BAD_SIGNATURE || st == CJ_MEMPOOL_MALFORMED || st == CJ_MEMPOOL_OVERFLOW)) {
        char why[320];
        snprintf(why, sizeof why, "invalid transaction: %s %s", cj_mempool_status_name(st), err);
        penalize(it->from, CJ_P2P_PENALTY_INVALID_TX, why);
    }
    coinjecture_tx_free(&tx);
}

/* Works through the admission queue for up to TXQ_SLICE_MS, then yields to the loop. */
static void on_txq(evutil_socket_t fd, short what, void *arg)
{
    cj_p2p *p = arg;
    (void)fd, (void)what;
    int64_t t0 = mono_ms();
    for (unsigned k = 1; p->txq_head != NULL; k++) {
        txq_item *it = p->txq_head;
        p->txq_head = it->next;
        if (p->txq_head == NULL)
            p->txq_tail = NULL;
        p->txq_n--;
        admit_queued(p, it);
        free(it);
        if (k % 32 == 0 && p->txq_head != NULL && mono_ms() - t0 >= TXQ_SLICE_MS) {
            soon(p->txq_ev);
            return;
        }
    }
}

/* Drops everything still queued (shutdown). */
static void txq_clear(cj_p2p *p)
{
    while (p->txq_head != NULL) {
        txq_item *it = p->txq_head;
        p->txq_head = it->next;
        free(it);
    }
    p->txq_tail = NULL;
    p->txq_n = 0;
}

/* The tip moved because of an import: the node re-arms production and (through cj_p2p_on_new_tip)
 * sends status; the tip hash is marked seen first so it is not relayed back. */
static void tip_moved(cj_p2p *p)
{
    uint8_t tip[32];
    cj_chain_tip_hash(p->chain, tip);
    (void)seen_add(p, tip);
    if (p->on_new_tip)
        p->on_new_tip(p->ctx);
    else
        cj_p2p_on_new_tip(p);
}

/* After a reorg: puts the transactions of the undone blocks (old tip and depth - 1 ancestors) back into
 * the pool, lowest block first so each sender's nonces come in order. The chain applied those blocks, so
 * their signatures were verified then; the ones the new branch holds are refused as nonce-too-low. */
static void readd_undone(cj_p2p *p, const uint8_t old_tip[32], uint32_t depth)
{
    uint8_t(*hashes)[32] = malloc((depth ? depth : 1) * sizeof *hashes);
    uint32_t n = 0, back = 0;
    if (hashes == NULL)
        return;
    memcpy(hashes[0], old_tip, 32);
    for (n = 1; n < depth; n++) { /* walk the parent links of the old branch */
        cj_chain_block b;
        if (cj_chain_block_by_hash(p->chain, hashes[n - 1], &b) != CJ_CHAIN_OK)
            break;
        memcpy(hashes[n], b.block.header.parent_hash, 32);
        cj_chain_block_free(&b);
    }
    int64_t now = wall_ms();
    uint32_t lost = 0;
    char err[200], first[240] = "";
    for (uint32_t i = n; i-- > 0;) {
        cj_chain_block b;
        if (cj_chain_block_by_hash(p->chain, hashes[i], &b) != CJ_CHAIN_OK)
            continue;
        for (uint32_t t = 0; t < b.block.tx_count; t++) {
            err[0] = '\0';
            cj_mempool_status st = cj_mempool_readd(p->mp, p->chain, &b.block.transactions[t], now, err, sizeof err);
            back += st == CJ_MEMPOOL_OK;
            if (st != CJ_MEMPOOL_OK && st != CJ_MEMPOOL_NONCE_TOO_LOW && st != CJ_MEMPOOL_DUPLICATE && lost++ == 0)
                snprintf(first, sizeof first, "%.30s: %.199s", cj_mempool_status_name(st), err);
        }
        cj_chain_block_free(&b);
    }
    free(hashes);
    if (back > 0)
        cj_log_info("p2p: reorg: %u transactions of %u undone block(s) are pending again", back, n);
    if (lost > 0)
        cj_log_warn("p2p: reorg: %u transactions of the undone blocks cannot be pending again (first: %s)", lost,
                    first);
}

/* cj_chain_import plus the reorg follow-up (undone transactions back into the pool). */
static cj_chain_status import_block(cj_p2p *p, const uint8_t *bytes, size_t len, cj_import_result *res, char *err,
                                    size_t errlen)
{
    uint8_t old_tip[32];
    cj_chain_tip_hash(p->chain, old_tip);
    cj_chain_status st = cj_chain_import(p->chain, bytes, len, wall_ms(), p->mp, res, err, errlen);
    if (st == CJ_CHAIN_OK && res->reorged && res->reorg_depth > 0 && p->mp != NULL)
        readd_undone(p, old_tip, res->reorg_depth);
    return st;
}

/* Feeds a relayed block's header to the double-sign detector when its seal verifies. */
static void observe_header(cj_p2p *p, const uint8_t *bytes, size_t len)
{
    coinjecture_block b;
    if (p->evidence == NULL || coinjecture_block_decode(bytes, len, &b) != COINJ_OK)
        return;
    long v = cj_evidence_sealer(p->chain, &b.header);
    if (v >= 0)
        (void)cj_evidence_observe(p->evidence, p->chain, &b.header, cj_chain_validator(p->chain, (size_t)v),
                                  wall_ms());
    coinjecture_block_free(&b);
}

/* Whether an import verdict says the block itself is invalid (as opposed to unknown parent, future,
 * already known, local failure or too deep a reorg). */
static int verdict_invalid(cj_chain_status st)
{
    return st != CJ_CHAIN_OK && st != CJ_CHAIN_KNOWN && st != CJ_CHAIN_ORPHAN && st != CJ_CHAIN_FUTURE &&
           st != CJ_CHAIN_INTERNAL && st != CJ_CHAIN_REORG_TOO_DEEP && st != CJ_CHAIN_BAD_ARG;
}

/* A relayed block: import, relay once if accepted, evidence, sync when its parent is unknown. */
static void on_block_msg(peer *pe, const uint8_t *bytes, size_t len)
{
    cj_p2p *p = pe->p2p;
    cj_import_result res;
    char err[256], hex[65], why[400];
    memset(&res, 0, sizeof res);
    err[0] = '\0';
    cj_chain_status st = import_block(p, bytes, len, &res, err, sizeof err);
    if (st != CJ_CHAIN_KNOWN)
        observe_header(p, bytes, len);
    coinjecture_hex_encode(res.hash, 32, hex, sizeof hex);
    if (st == CJ_CHAIN_OK) {
        if (seen_add(p, res.hash))
            relay_block(p, bytes, len, pe);
        cj_log_info("p2p: block %llu %.16s from %s: %s", (unsigned long long)res.height, hex, pe->addr,
                    res.reorged ? "reorg" : res.extended ? "new tip" : "side branch");
        if (res.extended || res.reorged)
            tip_moved(p);
        return;
    }
    if (st == CJ_CHAIN_KNOWN) {
        (void)seen_add(p, res.hash);
        return;
    }
    if (st == CJ_CHAIN_ORPHAN || st == CJ_CHAIN_FUTURE) {
        cj_log_debug("p2p: block %llu %.16s from %s: %s", (unsigned long long)res.height, hex, pe->addr,
                     cj_chain_status_name(st));
        if (st == CJ_CHAIN_ORPHAN && res.height > pe->height) {
            /* the peer is ahead of what it last told us; its status follows, but ask now */
            pe->have_status = 1;
            pe->height = res.height;
            if (pe->weight <= cj_chain_tip_weight(p->chain))
                pe->weight = cj_chain_tip_weight(p->chain) + 1;
        }
        sync_kick(p);
        return;
    }
    if (verdict_invalid(st)) {
        snprintf(why, sizeof why, "invalid block %llu: %s: %s", (unsigned long long)res.height,
                 cj_chain_status_name(st), err);
        penalize(pe, CJ_P2P_PENALTY_INVALID_BLOCK, why);
        return;
    }
    cj_log_warn("p2p: block from %s not imported: %s: %s", pe->addr, cj_chain_status_name(st), err);
}

/* Parks a get_blocks to answer later: an honest syncer has one request outstanding, so it waits a little instead of
 * timing out, while a flood keeps only the newest request (and a second one while parked costs score). */
static void serve_defer(peer *pe, uint64_t from, uint64_t count, int flood)
{
    if (flood && pe->deferred)
        penalize(pe, 1, "get_blocks flood");
    pe->deferred = 1;
    pe->deferred_from = from;
    pe->deferred_count = count;
}

/* Serves get_blocks from our canonical chain, capped by count and by the batch byte budget. */
static void serve_blocks(peer *pe, uint64_t from, uint64_t count)
{
    cj_p2p *p = pe->p2p;
    if (evbuffer_get_length(bufferevent_get_output(pe->bev)) > SERVE_BUSY) {
        serve_defer(pe, from, count, 0); /* still sending earlier answers */
        return;
    }
    /* A flood of requests must not turn into block reads that starve the loop (and the API). */
    int64_t now = mono_ms();
    if (now - pe->serve_window_ms >= 1000) {
        pe->serve_window_ms = now;
        pe->served = 0;
    }
    if (pe->served >= SERVE_PER_SEC) {
        serve_defer(pe, from, count, 1);
        return;
    }
    pe->served++;
    pe->deferred = 0;
    cj_p2p_msg *m = calloc(1, sizeof *m);
    if (m == NULL)
        return;
    m->type = CJ_P2P_BLOCKS;
    m->u.blocks.from = from;
    uint64_t top = cj_chain_height(p->chain);
    size_t total = 0;
    uint8_t *bufs[CJ_P2P_MAX_BATCH];
    uint32_t n = 0;
    for (uint64_t i = 0; i < count && n < CJ_P2P_MAX_BATCH; i++) {
        uint64_t h = from + i;
        if (h < from || h > top)
            break;
        uint8_t *b = NULL, hash[32];
        size_t len = 0;
        if (cj_chain_block_bytes(p->chain, h, &b, &len, hash) != CJ_CHAIN_OK)
            break;
        if (n > 0 && total + len > CJ_P2P_BATCH_BYTES) {
            free(b);
            break;
        }
        bufs[n] = b;
        m->u.blocks.items[n] = b;
        m->u.blocks.lens[n] = len;
        total += len;
        n++;
    }
    m->u.blocks.count = n;
    (void)send_msg(pe, m);
    for (uint32_t i = 0; i < n; i++)
        free(bufs[i]);
    free(m);
}

/* Ends the current batch (if any) and releases its buffers. */
static void sync_batch_done(cj_p2p *p)
{
    free(p->sync.msg);
    free(p->sync.buf);
    p->sync.msg = NULL;
    p->sync.buf = NULL;
    p->sync.next = 0;
    p->sync.peer = NULL;
    p->sync.deadline = 0;
    if (p->sync.progress)
        p->sync.back = 0;
    int moved = p->sync.tip_changed;
    p->sync.tip_changed = p->sync.progress = 0;
    if (moved)
        tip_moved(p);
}

/* Puts a peer aside for sync for ms milliseconds. */
static void cooldown(peer *pe, int64_t ms)
{
    if (pe != NULL)
        pe->cooldown_until = mono_ms() + ms;
}

/* Leaves bulk-import durability once no batch is being imported and no request is outstanding. */
static void bulk_import_end_if_idle(cj_p2p *p)
{
    if (p->sync.msg == NULL && p->sync.deadline == 0)
        cj_chain_set_bulk_import(p->chain, 0);
}

/* Deferred import of the pending batch, a time slice at a time so the loop keeps serving. */
static void on_import(evutil_socket_t fd, short what, void *arg)
{
    cj_p2p *p = arg;
    char err[256], why[400];
    (void)fd, (void)what;
    if (p->sync.msg == NULL)
        return;
    int64_t t0 = mono_ms();
    peer *src = p->sync.peer; /* NULL if it disconnected meanwhile */
    const cj_p2p_msg *m = p->sync.msg;
    int stopped = 0;
    while (p->sync.next < m->u.blocks.count) {
        uint32_t i = p->sync.next++;
        cj_import_result res;
        memset(&res, 0, sizeof res);
        err[0] = '\0';
        cj_chain_status st = import_block(p, m->u.blocks.items[i], m->u.blocks.lens[i], &res, err, sizeof err);
        if (st == CJ_CHAIN_OK || st == CJ_CHAIN_KNOWN) {
            (void)seen_add(p, res.hash);
            if (st == CJ_CHAIN_OK) {
                p->sync.progress = 1;
                if (res.extended || res.reorged)
                    p->sync.tip_changed = 1;
            }
        } else if (st == CJ_CHAIN_ORPHAN && i == 0) {
            /* our tip is on another branch: look further back for the common ancestor */
            p->sync.back = p->sync.back ? p->sync.back * 2 : 8;
            if (p->sync.back > MAX_ORPHAN_BACK || m->u.blocks.from <= 1) {
                cj_log_warn("p2p: no common ancestor with %s within %u blocks", src ? src->addr : "a peer",
                            MAX_ORPHAN_BACK);
                p->sync.back = 0;
                cooldown(src, 60000);
            }
            stopped = 1;
            break;
        } else if (st == CJ_CHAIN_FUTURE) {
            cooldown(src, 2000);
            stopped = 1;
            break;
        } else if (verdict_invalid(st) || st == CJ_CHAIN_ORPHAN) {
            snprintf(why, sizeof why, "sync: invalid block %llu: %s: %s", (unsigned long long)(m->u.blocks.from + i),
                     cj_chain_status_name(st), err);
            if (src != NULL)
                penalize(src, CJ_P2P_PENALTY_INVALID_BLOCK, why);
            else
                cj_log_warn("p2p: %s", why);
            cooldown(src, 30000);
            stopped = 1;
            break;
        } else {
            cj_log_warn("p2p: sync: block %llu not imported: %s: %s", (unsigned long long)(m->u.blocks.from + i),
                        cj_chain_status_name(st), err);
            cooldown(src, st == CJ_CHAIN_REORG_TOO_DEEP ? 60000 : 5000);
            stopped = 1;
            break;
        }
        if (p->sync.next < m->u.blocks.count && mono_ms() - t0 >= IMPORT_SLICE_MS) {
            soon(p->import_ev);
            return;
        }
    }
    int complete = !stopped;
    p->sync.cont = 0;
    p->sync.cont_peer = NULL;
    if (complete && m->u.blocks.count == p->sync.count) {
        p->sync.cont = m->u.blocks.from + m->u.blocks.count; /* the peer has more: go on from there */
        p->sync.cont_peer = src;
    } else if (complete && !p->sync.progress) {
        cooldown(src, 3000); /* nothing new although it claims a better chain */
    }
    if (p->sync.progress)
        cj_log_info("p2p: synced to height %llu", (unsigned long long)cj_chain_height(p->chain));
    sync_batch_done(p);
    sync_kick(p);
    bulk_import_end_if_idle(p); /* nothing more to fetch: durable commits again */
}

/* A blocks answer: must match our outstanding request to this peer. */
static void on_blocks_msg(peer *pe, uint8_t *buf, cj_p2p_msg *m)
{
    cj_p2p *p = pe->p2p;
    if (p->sync.peer != pe || p->sync.msg != NULL || p->sync.deadline == 0 || m->u.blocks.from != p->sync.from ||
        m->u.blocks.count > p->sync.count) {
        free(m);
        free(buf);
        penalize(pe, CJ_P2P_PENALTY_UNREQUESTED, "unrequested blocks");
        return;
    }
    p->sync.deadline = 0;
    if (m->u.blocks.count == 0) {
        /* nothing there (its chain moved, or our hint from an orphan was wrong): ask elsewhere for a while */
        free(m);
        free(buf);
        p->sync.peer = NULL;
        cooldown(pe, 3000);
        sync_kick(p);
        return;
    }
    p->sync.msg = m;
    p->sync.buf = buf;
    p->sync.next = 0;
    p->sync.tip_changed = p->sync.progress = 0;
    cj_chain_set_bulk_import(p->chain, 1); /* until the sync is over: no fsync per block (refetchable) */
    soon(p->import_ev);
}

/* Picks the heaviest peer that is better than our tip (fork choice: weight, then lower hash). */
static peer *sync_candidate(cj_p2p *p, int64_t now)
{
    uint64_t w = cj_chain_tip_weight(p->chain);
    uint8_t tip[32];
    cj_chain_tip_hash(p->chain, tip);
    peer *best = NULL;
    for (peer *pe = p->peers; pe != NULL; pe = pe->next) {
        if (pe->st != PS_READY || !pe->have_status || now < pe->cooldown_until)
            continue;
        int better = pe->weight > w || (pe->weight == w && memcmp(pe->best, tip, 32) < 0);
        if (better && (best == NULL || pe->weight > best->weight))
            best = pe;
    }
    return best;
}

/* Starts a range request when idle and some peer is ahead of us. */
static void sync_kick(cj_p2p *p)
{
    if (p->sync.msg != NULL || p->sync.deadline != 0)
        return;
    int64_t now = mono_ms();
    peer *pe = sync_candidate(p, now);
    if (pe == NULL) {
        p->sync.back = 0;
        return;
    }
    uint64_t ours = cj_chain_height(p->chain);
    uint64_t base = pe->height < ours ? pe->height : ours;
    uint64_t back = p->sync.back;
    if (pe->height <= ours && back < 8)
        back = 8; /* same height, other branch: start below the fork */
    uint64_t from = base + 1 > back ? base + 1 - back : 1;
    if (p->sync.cont_peer == pe && p->sync.cont > 0 && back == 0)
        from = p->sync.cont;
    p->sync.cont = 0;
    p->sync.cont_peer = NULL;
    cj_p2p_msg m;
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_GET_BLOCKS;
    m.u.get_blocks.from = from;
    m.u.get_blocks.count = CJ_P2P_MAX_BATCH;
    p->sync.peer = pe;
    p->sync.from = from;
    p->sync.count = CJ_P2P_MAX_BATCH;
    p->sync.deadline = now + CJ_P2P_SYNC_TIMEOUT_MS;
    cj_log_debug("p2p: asking %s for blocks %llu.. (its height %llu, ours %llu)", pe->addr, (unsigned long long)from,
                 (unsigned long long)pe->height, (unsigned long long)ours);
    if (send_msg(pe, &m) != 0) {
        p->sync.peer = NULL;
        p->sync.deadline = 0;
    }
}

/* One decrypted, decoded message from an established peer. Takes ownership of buf. */
static void dispatch(peer *pe, uint8_t *buf, cj_p2p_msg *m)
{
    cj_p2p *p = pe->p2p;
    const char *label[1] = {cj_p2p_type_name(m->type)};
    cj_metrics_add_l("p2p_messages_total", label, 1);
    switch (m->type) {
    case CJ_P2P_STATUS:
        pe->have_status = 1;
        pe->height = m->u.status.height;
        pe->weight = m->u.status.weight;
        memcpy(pe->best, m->u.status.best, 32);
        p->got_status = 1;
        sync_kick(p);
        break;
    case CJ_P2P_TX:
        on_tx_msg(pe, m->u.tx.bytes, m->u.tx.len);
        break;
    case CJ_P2P_BLOCK:
        on_block_msg(pe, m->u.block.bytes, m->u.block.len);
        break;
    case CJ_P2P_GET_BLOCKS:
        serve_blocks(pe, m->u.get_blocks.from, m->u.get_blocks.count);
        break;
    case CJ_P2P_BLOCKS:
        on_blocks_msg(pe, buf, m); /* takes both */
        return;
    case CJ_P2P_PING: {
        cj_p2p_msg r;
        memset(&r, 0, sizeof r);
        r.type = CJ_P2P_PONG;
        r.u.ping.nonce = m->u.ping.nonce;
        (void)send_msg(pe, &r);
        break;
    }
    case CJ_P2P_PONG:
        break;
    default:
        penalize(pe, CJ_P2P_PENALTY_MALFORMED, "handshake message after the handshake");
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
        peer_close(pe, "out of memory");
        return;
    }
    if (pe->st == PS_READY) {
        size_t ptlen = 0;
        if (cj_p2p_open(&pe->rx, hdr, body, len, &ptlen) != 0) {
            free(body);
            free(m);
            penalize(pe, CJ_P2P_PENALTY_MALFORMED, "frame fails authentication");
            peer_close(pe, "frame fails authentication");
            return;
        }
        if (cj_p2p_decode(body, ptlen, m, err, sizeof err) != 0) {
            free(body);
            free(m);
            snprintf(why, sizeof why, "malformed message: %s", err);
            penalize(pe, CJ_P2P_PENALTY_MALFORMED, why);
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
        peer_close(pe, why);
        return;
    }
    if (pe->st == PS_HELLO) {
        if (m->type != CJ_P2P_HELLO || cj_p2p_hs_check_hello(&pe->hs, m, err, sizeof err) != 0) {
            snprintf(why, sizeof why, "handshake refused: %s", m->type != CJ_P2P_HELLO ? "expected hello" : err);
            if (m->type == CJ_P2P_HELLO && strstr(err, "same node key") != NULL)
                self_dial_check(p, pe, m->u.hello.eph_key);
            free(m);
            peer_close(pe, why);
            return;
        }
        free(m);
        if (pin_mismatch(pe))
            return;
        if (banned_key(p, pe->hs.peer_node_pk, mono_ms())) {
            peer_close(pe, "node key is banned");
            return;
        }
        cj_p2p_msg a;
        if (cj_p2p_hs_sign(&pe->hs, p->sk, &a) != 0) {
            peer_close(pe, "cannot sign auth");
            return;
        }
        pe->st = PS_AUTH;
        (void)send_msg(pe, &a);
        return;
    }
    /* PS_AUTH */
    if (m->type != CJ_P2P_AUTH || cj_p2p_hs_verify(&pe->hs, m, err, sizeof err) != 0) {
        snprintf(why, sizeof why, "handshake refused: %s", m->type != CJ_P2P_AUTH ? "expected auth" : err);
        free(m);
        peer_close(pe, why);
        return;
    }
    free(m);
    if (cj_p2p_hs_session(&pe->hs, &pe->rx, &pe->tx) != 0) {
        peer_close(pe, "key exchange failed");
        return;
    }
    on_ready(pe);
}

/* Reads whole frames; the length is checked before the body is buffered, and the read watermark is
 * raised to the frame size so the callback fires once per frame. Peer traffic runs at the loop's top
 * priority (blocks must not wait behind API requests), but only for READ_SLICE_MS per turn: after that
 * the socket stops being read and the buffered frames continue from a normal-priority event, so a peer
 * that floods cannot starve the API or the other peers. */
static void on_read(struct bufferevent *bev, void *arg)
{
    peer *pe = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    char err[160], why[200];
    int64_t t0 = mono_ms();
    while (pe->st != PS_CLOSING && pe->st != PS_CONNECTING) {
        if (mono_ms() - t0 >= READ_SLICE_MS && evbuffer_get_length(in) >= 4) {
            bufferevent_disable(bev, EV_READ);
            soon(pe->resume);
            return;
        }
        size_t avail = evbuffer_get_length(in);
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
            penalize(pe, hdr[0] | hdr[1] | hdr[2] | hdr[3] ? CJ_P2P_PENALTY_OVERSIZE : CJ_P2P_PENALTY_MALFORMED, why);
            peer_close(pe, why);
            return;
        }
        if (avail < 4 + (size_t)len) {
            bufferevent_setwatermark(bev, EV_READ, 4 + (size_t)len, READ_HIGH);
            return;
        }
        uint8_t *body = malloc(len);
        if (body == NULL) {
            peer_close(pe, "out of memory");
            return;
        }
        evbuffer_drain(in, 4);
        evbuffer_remove(in, body, len);
        pe->last_recv_ms = mono_ms();
        handle_frame(pe, hdr, body, len);
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
            sa_text((struct sockaddr *)&ss, pe->ip, sizeof pe->ip, pe->addr, sizeof pe->addr);
        set_nodelay(bev);
        pe->st = PS_HELLO;
        pe->opened_ms = pe->last_recv_ms = mono_ms();
        send_hello(pe);
        return;
    }
    if (what & BEV_EVENT_EOF) {
        peer_close(pe, "closed by the peer");
    } else if (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        int e = EVUTIL_SOCKET_ERROR();
        char why[160];
        snprintf(why, sizeof why, "%s", e ? evutil_socket_error_to_string(e) : "socket error");
        peer_close(pe, why);
    }
}

/* ---- listener ---- */

/* New inbound connection: refused when full or the IP is banned, else the handshake starts. */
static void on_accept(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
    cj_p2p *p = arg;
    char ip[48], addr[64];
    (void)lis, (void)socklen;
    p->backoff_ms = 0;
    sa_text(sa, ip, sizeof ip, addr, sizeof addr);
    if (p->ninbound >= p->max_peers) {
        cj_log_debug("p2p: refusing %s: %zu inbound connections (p2p.max_peers)", addr, p->ninbound);
        evutil_closesocket(fd);
        return;
    }
    if (banned_addr(p, ip, mono_ms())) {
        evutil_closesocket(fd);
        return;
    }
    struct bufferevent *bev = bufferevent_socket_new(p->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        evutil_closesocket(fd);
        return;
    }
    peer *pe = peer_new(p, bev, 0, NULL);
    if (pe == NULL) {
        bufferevent_free(bev);
        return;
    }
    snprintf(pe->ip, sizeof pe->ip, "%s", ip);
    snprintf(pe->addr, sizeof pe->addr, "%s", addr);
    set_nodelay(bev);
    send_hello(pe);
}

/* accept() failed (EMFILE and friends): pause the listener with a growing delay instead of spinning. */
static void on_accept_error(struct evconnlistener *lis, void *arg)
{
    cj_p2p *p = arg;
    int e = EVUTIL_SOCKET_ERROR();
    evconnlistener_disable(lis);
    p->backoff_ms = p->backoff_ms == 0 ? 50 : (p->backoff_ms * 2 > 2000 ? 2000 : p->backoff_ms * 2);
    cj_log_warn("p2p: accept() failed: %s; pausing the listener for %d ms", evutil_socket_error_to_string(e),
                p->backoff_ms);
    struct timeval tv = {p->backoff_ms / 1000, (p->backoff_ms % 1000) * 1000};
    evtimer_add(p->accept_backoff, &tv);
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

/* ---- static peers ---- */

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

/* Strict decimal port 1..65535 (digits only, no sign), as configured peers are written. Returns 0 or -1. */
static int parse_port(const char *s, uint16_t *port)
{
    uint64_t v = 0;
    if (*s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > 65535)
            return -1;
    }
    if (v == 0)
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
    int64_t until = banned_addr(p, sp->text, now);
    if (until || (sp->have_key && banned_key(p, sp->key, now))) {
        sp->next_try_ms = until ? until : now + (int64_t)p->ban_time_ms;
        return;
    }
    /* static peers are not limited by p2p.max_peers (their number is configured): inbound connections,
     * which anybody can open with fresh keys, must never lock a node out of its validators (eclipse) */
    struct bufferevent *bev = bufferevent_socket_new(p->base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL)
        return;
    peer *pe = peer_new(p, bev, 1, sp);
    if (pe == NULL) {
        bufferevent_free(bev);
        return;
    }
    snprintf(pe->addr, sizeof pe->addr, "%.40s:%u", sp->host, (unsigned)sp->port);
    snprintf(pe->ip, sizeof pe->ip, "%.47s", sp->host);
    sp->conn = pe;
    if (bufferevent_socket_connect_hostname(bev, NULL, AF_UNSPEC, sp->host, sp->port) != 0)
        peer_close(pe, "cannot connect");
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

/* ---- periodic work ---- */

/* Every TICK_MS: handshake and liveness timeouts, pings, score recovery, sync timeout, dials, bans. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    cj_p2p *p = arg;
    (void)fd, (void)what;
    int64_t now = mono_ms();
    bulk_import_end_if_idle(p); /* also a sync that ended without a last batch (peer gone) */
    for (peer *pe = p->peers; pe != NULL; pe = pe->next) {
        if (pe->st == PS_CLOSING)
            continue;
        if (pe->st != PS_READY) {
            if (now - pe->opened_ms > CJ_P2P_HANDSHAKE_TIMEOUT_MS)
                peer_close(pe, pe->st == PS_CONNECTING ? "connect timed out" : "handshake timed out");
            continue;
        }
        if (now - pe->last_recv_ms > 3 * CJ_P2P_PING_INTERVAL_MS) {
            penalize(pe, CJ_P2P_PENALTY_TIMEOUT, "silent for 3 ping intervals");
            peer_close(pe, "silent for 3 ping intervals");
            continue;
        }
        if (now - pe->last_ping_ms >= CJ_P2P_PING_INTERVAL_MS) {
            cj_p2p_msg m;
            memset(&m, 0, sizeof m);
            m.type = CJ_P2P_PING;
            randombytes_buf(&m.u.ping.nonce, sizeof m.u.ping.nonce);
            pe->last_ping_ms = now;
            (void)send_msg(pe, &m);
        }
        if (now - pe->last_recover_ms >= SCORE_RECOVER_MS) {
            pe->last_recover_ms = now;
            if (pe->score < CJ_P2P_SCORE_START)
                pe->score++;
        }
        if (pe->deferred && pe->st == PS_READY)
            serve_blocks(pe, pe->deferred_from, pe->deferred_count);
    }
    if (p->sync.peer != NULL && p->sync.deadline != 0 && now > p->sync.deadline) {
        peer *pe = p->sync.peer;
        p->sync.peer = NULL;
        p->sync.deadline = 0;
        cooldown(pe, 10000);
        penalize(pe, CJ_P2P_PENALTY_TIMEOUT, "get_blocks timed out");
    }
    sync_kick(p);
    dial_due(p, now);
    bans_expire(p, now);
}

/* ---- public ---- */

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
    p->on_new_tip = cfg->on_new_tip;
    p->on_tx = cfg->on_tx;
    p->ctx = cfg->ctx;
    p->chain_id = cj_chain_chain_id(cfg->chain);
    cj_chain_genesis_hash(cfg->chain, p->genesis);
    p->started_ms = mono_ms();
    p->sk = sodium_malloc(64);
    p->bans = calloc(MAX_BANS, sizeof *p->bans);
    p->seen_ring = calloc(SEEN_CAP, sizeof *p->seen_ring);
    p->evidence = cj_evidence_new(4096, 256);
    p->tick = event_new(p->base, -1, EV_PERSIST, on_tick, p);
    p->reaper = event_new(p->base, -1, 0, on_reap, p);
    p->import_ev = event_new(p->base, -1, 0, on_import, p);
    p->txq_ev = event_new(p->base, -1, 0, on_txq, p);
    if (p->txq_ev != NULL && event_base_get_npriorities(p->base) > CJ_PRIO_BACKGROUND)
        (void)event_priority_set(p->txq_ev, CJ_PRIO_BACKGROUND);
    p->accept_backoff = evtimer_new(p->base, on_accept_backoff, p);
    if (p->sk == NULL || p->bans == NULL || p->seen_ring == NULL || p->evidence == NULL || p->tick == NULL ||
        p->reaper == NULL || p->import_ev == NULL || p->txq_ev == NULL || p->accept_backoff == NULL ||
        cj_hmap_init(&p->seen, SEEN_CAP) != 0) {
        snprintf(err, errlen, "out of memory");
        cj_p2p_free(p);
        return NULL;
    }
    memcpy(p->sk, cfg->node_sk, 64);
    memcpy(p->pk, cfg->node_sk + 32, 32);
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
    peers_gauge(p);
    struct timeval tv = {0, TICK_MS * 1000};
    evtimer_add(p->tick, &tv);
    dial_due(p, mono_ms());
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
        peer_destroy(p, pe);
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
    txq_clear(p);
    if (p->accept_backoff)
        event_free(p->accept_backoff);
    free(p->sync.msg);
    free(p->sync.buf);
    cj_hmap_free(&p->seen);
    free(p->seen_ring);
    free(p->bans);
    free(p->statics);
    cj_evidence_free(p->evidence);
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

/* Size of the relayed-transaction admission queue. */
size_t cj_p2p_tx_backlog(const cj_p2p *p)
{
    return p ? p->txq_n : 0;
}

/* Production gate: do not seal on a tip we are about to replace. */
int cj_p2p_syncing(const cj_p2p *p, int64_t now_ms)
{
    (void)now_ms;
    if (p == NULL)
        return 0;
    if (p->sync.msg != NULL)
        return 1;
    /* a request only holds production for a short while: a peer that announces a heavier chain and never
     * answers must not stall the validator for the whole 10 s timeout (again and again) */
    if (p->sync.deadline != 0 && mono_ms() < p->sync.deadline - CJ_P2P_SYNC_TIMEOUT_MS + CJ_P2P_SYNC_GATE_MS)
        return 1;
    return p->nstatic > 0 && !p->got_status && mono_ms() - p->started_ms < CJ_P2P_STARTUP_GRACE_MS;
}

/* Relays a newly admitted transaction once. */
void cj_p2p_relay_tx(cj_p2p *p, const coinjecture_tx *tx, const uint8_t hash[32])
{
    if (p == NULL || tx == NULL || hash == NULL || !seen_add(p, hash))
        return;
    size_t n = 0;
    if (coinjecture_tx_encode(tx, NULL, 0, &n) != COINJ_ERROR_BUFFER_TOO_SMALL || n == 0)
        return;
    uint8_t *b = malloc(n);
    if (b == NULL)
        return;
    if (coinjecture_tx_encode(tx, b, n, &n) == COINJ_OK)
        relay_tx_bytes(p, b, n, NULL);
    free(b);
}

/* New tip: relay the block if nobody sent it to us, then tell everyone our status. */
void cj_p2p_on_new_tip(cj_p2p *p)
{
    if (p == NULL)
        return;
    uint8_t tip[32], h[32];
    cj_chain_tip_hash(p->chain, tip);
    if (seen_add(p, tip)) {
        uint8_t *b = NULL;
        size_t len = 0;
        if (cj_chain_block_bytes(p->chain, cj_chain_height(p->chain), &b, &len, h) == CJ_CHAIN_OK) {
            relay_block(p, b, len, NULL);
            free(b);
        }
    }
    for (peer *pe = p->peers; pe != NULL; pe = pe->next)
        if (pe->st == PS_READY)
            send_status(pe);
}

/* The wire-level double-sign detector. */
cj_evidence_pool *cj_p2p_evidence(cj_p2p *p)
{
    return p ? p->evidence : NULL;
}

/* Snapshot of established peers. */
size_t cj_p2p_peers(const cj_p2p *p, cj_p2p_peer_info *out, size_t max)
{
    size_t n = 0;
    if (p == NULL || out == NULL)
        return 0;
    for (const peer *pe = p->peers; pe != NULL && n < max; pe = pe->next) {
        if (pe->st != PS_READY)
            continue;
        cj_p2p_peer_info *i = &out[n++];
        memset(i, 0, sizeof *i);
        snprintf(i->addr, sizeof i->addr, "%s", pe->addr);
        memcpy(i->node_key, pe->hs.peer_node_pk, 32);
        i->outbound = pe->outbound;
        i->score = pe->score;
        i->height = pe->height;
        i->weight = pe->weight;
        memcpy(i->best, pe->best, 32);
        i->connected_ms = pe->ready_wall_ms;
    }
    return n;
}
