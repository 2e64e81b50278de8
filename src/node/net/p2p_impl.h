/* Private to net/: the P2P state (struct cj_p2p, connections, static peers, bans, the transaction queue,
 * the sync state) and the internal functions the P2P files call in each other. Each function carries the
 * prefix of the file that defines it:
 *   p2p.c        cj_p2p_   lifecycle, listener, static peers and dialing, the tick, public queries, helpers
 *   conn.c       cj_conn_  one connection: open, handshake, frames in and out, dispatch, close
 *   peer_score.c cj_score_ scores, penalties, bans, and which verdicts cost score
 *   relay.c      cj_relay_ the seen set, relay of blocks and transactions, feeding them to the chain / pool
 *   sync.c       cj_sync_  status, the sync peer, get_blocks / blocks, the production gate
 *   held.c       cj_held_  blocks not due yet on this clock (held, released by a timer)
 *   clock_offset.c cj_clock_offset_ this clock's offset from the network's (block timestamps, handshake times)
 * Single-threaded: everything runs on the node's event loop. Nothing outside net/ includes this. */
#ifndef CJ_NODE_P2P_IMPL_H
#define CJ_NODE_P2P_IMPL_H

#include <event2/util.h>
#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "clock.h"
#include "clock_offset.h"
#include "hmap.h"
#include "p2p.h"
#include "p2p_wire.h"

struct bufferevent;
struct evbuffer_cb_entry;
struct event;
struct evconnlistener;
struct sockaddr;

#define SEEN_CAP 16384 /* recent block / tx hashes remembered for relay dedup */
#define MAX_BANS 4096

typedef enum { PS_CONNECTING, PS_HELLO, PS_AUTH, PS_READY, PS_CLOSING } peer_state;

/* Message classes with a rate per peer (peer_score.c): within it free, beyond it each message is dropped and
 * costs score, so a flood gets its sender banned. get_blocks has its own rule (sync.c, serving). */
typedef enum { CJ_COST_PING, CJ_COST_STATUS, CJ_COST_BLOCK, CJ_COST_CLASSES } cj_cost_class;

typedef struct peer peer;
typedef struct cj_held cj_held;

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
    int64_t opened_ms, ready_ms, last_recv_ms, last_ping_ms, last_recover_ms;
    int64_t ready_wall_ms;
    int64_t hello_mono_ms;    /* when our hello was queued: start of the round trip its auth's time_ms lies in */
    int clock_sampled;        /* its auth's time_ms is one of the clock estimate's votes */
    struct event *resume; /* read budget spent: continues the buffered frames at normal priority */
    struct {
        int64_t milli, at_ms;  /* tokens x 1000, refilled at the class's rate since at_ms */
    } cost[CJ_COST_CLASSES];
    size_t in_peak;           /* largest input buffered (bytes): the reaper returns memory after big ones */
    uint32_t served_blocks;   /* blocks served in the current one-second get_blocks window */
    struct evbuffer_cb_entry *out_cb; /* counts the output bytes queued and sent: */
    uint64_t out_added, out_drained;
    uint64_t answer_end;      /* out_added after our last blocks answer to it */
    int64_t serve_window_ms;  /* start of the current one-second get_blocks window */
    uint32_t served;          /* get_blocks answered in that window */
    int deferred;             /* a get_blocks over the cap or while busy, answered by on_tick */
    uint64_t deferred_from, deferred_count;
    /* what it claims (its last status) */
    int have_status;
    uint64_t height, weight;
    uint8_t best[32];
    /* sync from it (sync.c): at most one get_blocks outstanding, its answer possibly waiting for the import */
    int64_t cooldown_until;   /* not asked before this (monotonic ms) */
    int64_t req_sent_ms, req_deadline; /* 0: no request outstanding */
    uint64_t req_from, req_height;     /* first height asked; our height when asked */
    uint32_t req_count;
    uint64_t back;            /* fork search: how far below the common height the next request starts */
    uint8_t *ans_buf;         /* an answer waiting while another batch is imported */
    cj_p2p_msg *ans_msg;      /* points into ans_buf */
    size_t ans_bytes;
    int proven;               /* its last answer or relayed block advanced our chain */
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
    uint8_t instance[16]; /* random per start: sent in every hello (twin.h) */
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
    int64_t work_window_us, work_used_us; /* frame handling of all peers in the current window (conn.c) */
    uint32_t rate_status, rate_block;     /* status / useless blocks per second free per peer (from the block time) */
    size_t freed_input;                   /* input bytes of connections freed since memory was last returned */
    int64_t last_trim_ms, last_free_ms;
    txq_item *txq_head, *txq_tail;
    size_t txq_n;
    uint64_t txq_dropped;
    cj_hmap seen;
    uint8_t (*seen_ring)[32];
    size_t seen_next;
    struct {
        peer *peer;      /* source of the batch being imported (NULL once it is gone) */
        uint64_t from, req_height;
        uint32_t count;  /* blocks asked */
        uint8_t *buf;    /* plaintext of the blocks message being imported */
        cj_p2p_msg *msg; /* points into buf */
        uint32_t next;
        int progress;    /* a block of the batch was new and valid */
        uint8_t prev[32];/* hash of the batch's previous block: each must link to it */
        cj_tip_move move; /* the batch's tip move so far (senders NULL: all) */
        uint64_t cont;    /* after a full batch with progress from cont_peer: continue at this height */
        peer *cont_peer;
        size_t pending;   /* bytes of answers waiting for the import (bounded) */
    } sync;
    int64_t started_ms;
    int got_status;
    cj_evidence_pool *evidence;
    cj_held *held; /* held.c */
    cj_clock_offset *clock; /* clock_offset.c */
    cj_p2p_events ev;
};

/* ---- p2p.c ---- */
void cj_p2p_short_hex(const uint8_t k[32], char out[17]);
void cj_p2p_peers_gauge(cj_p2p *p);
void cj_p2p_soon(struct event *ev);
void cj_p2p_static_closed(static_peer *sp, const peer *pe);

/* ---- conn.c ---- */
int cj_conn_send(peer *pe, const cj_p2p_msg *m);
void cj_conn_close(peer *pe, const char *why);
void cj_conn_destroy(cj_p2p *p, peer *pe);
void cj_conn_on_reap(evutil_socket_t fd, short what, void *arg);
void cj_conn_trim(cj_p2p *p, int64_t now);
void cj_conn_sa_text(const struct sockaddr *sa, char *ip, size_t iplen, char *out, size_t cap);
peer *cj_conn_new(cj_p2p *p, struct bufferevent *bev, int outbound, static_peer *sp);
void cj_conn_set_nodelay(struct bufferevent *bev);
void cj_conn_send_hello(peer *pe);

/* ---- peer_score.c ---- */
void cj_score_bans_expire(cj_p2p *p, int64_t now);
int cj_score_banned_key(const cj_p2p *p, const uint8_t key[32], int64_t now);
int64_t cj_score_banned_addr(const cj_p2p *p, const char *addr, int64_t now);
void cj_score_penalize(peer *pe, int amount, const char *why);
void cj_score_recover(peer *pe, int64_t now);
int cj_score_charge(peer *pe, cj_cost_class c);

/* ---- relay.c ---- */
int cj_relay_seen_add(cj_p2p *p, const uint8_t h[32]);
void cj_relay_block(cj_p2p *p, const uint8_t *bytes, size_t len, const peer *except);
void cj_relay_tx_bytes(cj_p2p *p, const uint8_t *bytes, size_t len, const peer *except);
void cj_relay_on_tx(peer *pe, const uint8_t *bytes, size_t len);
void cj_relay_on_txq(evutil_socket_t fd, short what, void *arg);
void cj_relay_txq_clear(cj_p2p *p);
void cj_relay_peer_freed(cj_p2p *p, const peer *pe);
void cj_relay_tip_moved(cj_p2p *p, const cj_tip_move *m);
cj_chain_status cj_relay_import_block(cj_p2p *p, const uint8_t *bytes, size_t len, const coinjecture_block *b,
                                      cj_import_result *res, char *err, size_t errlen);
void cj_relay_on_block(peer *pe, const uint8_t *bytes, size_t len);
void cj_relay_on_held_block(cj_p2p *p, peer *from, const uint8_t *bytes, size_t len);

/* ---- sync.c ---- */
void cj_sync_send_status(peer *pe);
void cj_sync_on_status(peer *pe, const cj_p2p_msg *m);
void cj_sync_serve(peer *pe, uint64_t from, uint64_t count);
void cj_sync_serve_deferred(peer *pe);
void cj_sync_bulk_import_end_if_idle(cj_p2p *p);
void cj_sync_on_import(evutil_socket_t fd, short what, void *arg);
void cj_sync_on_blocks(peer *pe, uint8_t *buf, cj_p2p_msg *m);
void cj_sync_kick(cj_p2p *p);
void cj_sync_tick(cj_p2p *p, int64_t now);
void cj_sync_peer_closing(cj_p2p *p, peer *pe);
void cj_sync_peer_freed(cj_p2p *p, peer *pe);
void cj_sync_delivered(peer *pe);

/* ---- held.c ---- */
cj_held *cj_held_new(cj_p2p *p);
void cj_held_free(cj_held *h);
int cj_held_take(cj_p2p *p, peer *from, const uint8_t *bytes, size_t len, const coinjecture_header *hd,
                 cj_chain_status st, const cj_import_result *res);
void cj_held_peer_freed(cj_p2p *p, const peer *pe);
size_t cj_held_count(const cj_p2p *p);

/* ---- clock_offset.c ---- */
void cj_clock_offset_register_metrics(void);
void cj_clock_offset_block(cj_p2p *p, const coinjecture_header *hd, int64_t now);
void cj_clock_offset_handshake(peer *pe, uint64_t time_ms);
void cj_clock_offset_peer_closed(peer *pe);
int cj_held_refused_warn(cj_p2p *p);

#endif /* CJ_NODE_P2P_IMPL_H */
