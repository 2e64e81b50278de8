/* P2P layer of coinjectured on libevent bufferevents (docs/P2P.md): a listener (with accept back-off
 * when descriptors run out), static outbound peers with reconnect and exponential backoff plus jitter,
 * the authenticated handshake and encrypted session of p2p_wire.h, per-peer read limits (never more
 * than one maximum frame buffered), relay of new blocks and transactions once (deduplicated by hash),
 * status exchange, range sync with retry on another peer, ping/pong liveness, peer scoring and timed
 * bans. Connections are always freed from a deferred event, never inside their own callbacks.
 * Single-threaded: everything runs on the node's event loop. */
#ifndef CJ_NODE_P2P_H
#define CJ_NODE_P2P_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "coinjecture.h"
#include "evidence.h"
#include "peer_info.h"

struct event_base;
typedef struct cj_chain cj_chain;
typedef struct cj_mempool cj_mempool;
typedef struct cj_evidence_pool cj_evidence_pool;
typedef struct cj_p2p cj_p2p;

/* Timing and scoring constants (docs/P2P.md). */
#define CJ_P2P_PING_INTERVAL_MS 5000       /* a peer silent for 3 intervals is dropped */
#define CJ_P2P_HANDSHAKE_TIMEOUT_MS 10000
#define CJ_P2P_SYNC_TIMEOUT_MS 10000       /* a get_blocks unanswered this long costs score */
#define CJ_P2P_SYNC_GATE_MS 1000           /* a validator waits at most this long for a get_blocks answer */
#define CJ_P2P_STARTUP_GRACE_MS 3000       /* validators wait this long for a first peer status */
#define CJ_P2P_BACKOFF_MIN_MS 1000
#define CJ_P2P_BACKOFF_MAX_MS 60000
#define CJ_P2P_MAX_OUTPUT (32u * 1024u * 1024u) /* a peer that lets more than this queue is too slow */

#define CJ_P2P_SCORE_START 100
#define CJ_P2P_PENALTY_MALFORMED 50
#define CJ_P2P_PENALTY_OVERSIZE 100
#define CJ_P2P_PENALTY_INVALID_BLOCK 50
#define CJ_P2P_PENALTY_INVALID_TX 5
#define CJ_P2P_PENALTY_UNREQUESTED 10
#define CJ_P2P_PENALTY_TIMEOUT 10       /* silent for 3 ping intervals */
#define CJ_P2P_PENALTY_SYNC_TIMEOUT 20  /* a get_blocks unanswered for CJ_P2P_SYNC_TIMEOUT_MS */
#define CJ_P2P_PENALTY_NO_PROGRESS 20   /* a blocks answer with nothing new, from a peer claiming a better chain */
#define CJ_P2P_PENALTY_EMPTY 10         /* an empty answer to a range the peer claims to have */
#define CJ_P2P_PENALTY_BAD_BATCH 100    /* a blocks answer that repeats blocks, skips heights or does not link */

/* What net tells the daemon: net reaches nothing above it otherwise (docs/ARCHITECTURE.md). Called on the
 * event-loop thread; every member may be NULL. */
typedef struct {
    void *ctx;
    /* The tip moved because of blocks from peers: one relayed block, or one range-sync batch as a whole
     * (then m->senders is NULL: every sender may have moved). Without the hook net only announces the tip. */
    void (*tip_moved)(void *ctx, const cj_tip_move *m);
    /* A transaction from a peer entered the mempool (net relayed it already). */
    void (*tx_accepted)(void *ctx, const coinjecture_tx *tx, const uint8_t hash[32]);
    /* An authenticated peer (node_key) announced its tip: the hash its code computed at that height. */
    void (*peer_status)(void *ctx, const uint8_t node_key[32], uint64_t height, const uint8_t best[32]);
    /* A block from a peer (relayed, range sync or released from the held buffer) was refused with a verdict
     * that says the block itself breaks a rule (cj_chain_status_is_invalid); h and err stay valid during the
     * call. Its seal is not checked here. */
    void (*block_invalid)(void *ctx, const coinjecture_header *h, cj_chain_status st, const char *err);
    /* Double-sign evidence seen on the wire made a new record (r stays valid during the call). */
    void (*evidence)(void *ctx, const cj_evidence_record *r);
} cj_p2p_events;

typedef struct {
    struct event_base *base;
    cj_chain *chain;
    cj_mempool *mempool;      /* may be NULL (no transaction relay into a pool) */
    const char *listen_host;  /* NULL or "" = do not listen */
    uint16_t listen_port;     /* 0 = any free port (see cj_p2p_port) */
    const char *const *peers; /* static peers "host:port" */
    size_t npeers;
    size_t max_peers;         /* connections (inbound + outbound) at most */
    uint64_t ban_time_ms;
    uint8_t node_sk[64];      /* node identity (libsodium secret key); copied, the caller may wipe it */
    cj_p2p_events events;     /* what net tells the daemon */
} cj_p2p_config;

/* Binds the listener (if any), registers the metrics, and starts dialing static peers. Returns NULL
 * with err on failure (e.g. "cannot listen on 127.0.0.1:9001: Address already in use"). */
cj_p2p *cj_p2p_new(const cj_p2p_config *cfg, char *err, size_t errlen);

/* Closes every connection and frees everything. NULL is a no-op. */
void cj_p2p_free(cj_p2p *p);

/* Port the listener is bound to (0 if none). */
uint16_t cj_p2p_port(const cj_p2p *p);
/* This node's P2P node key (public), which peers pin as KEY@host:port. */
void cj_p2p_node_key(const cj_p2p *p, uint8_t out[32]);

/* Established (authenticated) connections. */
size_t cj_p2p_peer_count(const cj_p2p *p);
/* Relayed transactions received but not yet admitted (each costs a signature check). The API refuses new
 * transactions with 503 while this is above CJ_P2P_TX_BACKLOG_BUSY, so a node that cannot keep up does
 * not take more work from clients than it can relay, and blocks keep flowing. Kept small: the relayed
 * transactions are those of the peers' next blocks; checked before those blocks arrive, the blocks import
 * without signature checks (4,096 left them unchecked under load, so each import checked thousands of
 * signatures on the loop, hundreds of ms, and out-of-turn validators sealed meanwhile: reorgs). NULL-safe (0). */
#define CJ_P2P_TX_BACKLOG_BUSY 512u
size_t cj_p2p_tx_backlog(const cj_p2p *p);

/* 1 while the node should not produce: a range import is in progress, a range request to a peer that delivered
 * before (or a configured static peer) was sent less than CJ_P2P_SYNC_GATE_MS ago (a peer that never answers
 * cannot hold production for the whole timeout, and one that never delivered cannot hold it at all), or (with
 * static peers configured) during the first CJ_P2P_STARTUP_GRACE_MS before any peer reported its status. */
int cj_p2p_syncing(const cj_p2p *p, int64_t now_ms);

/* Relays a transaction admitted to the mempool (from the API or a peer) once to every peer. */
void cj_p2p_relay_tx(cj_p2p *p, const coinjecture_tx *tx, const uint8_t hash[32]);

/* The tip changed (produced or imported): relays the tip block if it was not relayed yet, and sends our
 * status to every peer. */
void cj_p2p_on_new_tip(cj_p2p *p);

/* Double-sign evidence seen on the wire (see evidence.h). */
cj_evidence_pool *cj_p2p_evidence(cj_p2p *p);

/* Sends a double-sign evidence record (both headers) once to every established peer as an `evidence` message
 * (net/evidence_gossip.c; the daemon calls it for each new record, docs/P2P.md). */
void cj_evidence_gossip_send(cj_p2p *p, const cj_evidence_record *r);

/* One record per established peer (for the API). */
size_t cj_p2p_peers(const cj_p2p *p, cj_peer_info *out, size_t max);

/* Clock health (net/clock_offset.c, net/held.c, docs/OPERATIONS.md "Clocks"): this clock's estimated offset
 * from the network's, from the timestamps of fresh sealed blocks and the times peers sign into their
 * handshakes (positive: this clock is ahead), and the blocks held until due. */
typedef struct {
    int have_offset;       /* 0 until a validator's block or a peer's handshake was sampled */
    int64_t offset_ms;
    size_t sources;        /* sources the estimate uses: validators (blocks) plus peers (handshakes) */
    uint32_t tolerance_ms; /* the chain's clock tolerance */
    size_t held;           /* blocks held right now */
} cj_p2p_clock_info;
void cj_p2p_clock(const cj_p2p *p, cj_p2p_clock_info *out);

#endif /* CJ_NODE_P2P_H */
