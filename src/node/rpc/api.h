/* HTTP API on libevent evhttp (DESIGN.md §7): JSON endpoints, /metrics, a status page. Every evhttp limit
 * is set explicitly (body and header sizes, timeouts); requests are rate-limited per client IP and
 * globally (token buckets, ratelimit.h); the listener backs off when accept() runs out of descriptors.
 * Errors are {"error": "...", "details": "..."} with 400/404/405/413/429/500/503.
 *
 * The API reads the chain and the mempool directly (read-only, below it); everything that lives above it
 * (P2P, shadow mode, the daemon's relay of admitted transactions, its metrics refresh) it reaches only
 * through the callbacks in cj_api_events, which the daemon fills (daemon/api_setup.c). */
#ifndef CJ_NODE_API_H
#define CJ_NODE_API_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "evidence.h"
#include "mempool.h"
#include "peer_info.h"

struct event_base;
typedef struct cj_api cj_api;

/* What the API asks of the layers above it. Every callback gets ctx; each may be NULL (then the API
 * behaves as if there were no P2P layer / no shadow mode: no peers, no backlog, no wire evidence). */
typedef struct cj_api_events {
    void *ctx;
    /* Admits tx to the mempool at now_ms (the hash in hash; err as cj_mempool_add) and, when admitted,
     * relays it to the peers. Returns the mempool's status. NULL: the API admits to the mempool itself. */
    cj_mempool_status (*submit_tx)(void *ctx, const coinjecture_tx *tx, int64_t now_ms, uint8_t hash[32],
                                   char *err, size_t errlen);
    /* Relayed transactions still to be checked (new client transactions get 503 above tx_backlog_busy). */
    size_t (*tx_backlog)(void *ctx);
    /* The P2P node key into out: 0, or -1 when there is no P2P layer (yet). */
    int (*node_key)(void *ctx, uint8_t out[32]);
    /* Up to max established peers into out; returns how many. */
    size_t (*peers)(void *ctx, cj_peer_info *out, size_t max);
    /* Double-sign evidence seen on the wire, or NULL. */
    const cj_evidence_pool *(*evidence)(void *ctx);
    /* GET /v1/parity body (shadow mode, docs/SHADOW.md): a new reference, NULL on OOM. */
    json_t *(*parity_json)(void *ctx);
    /* Double-sign protection: 1 if this node seals, else 0 with the refusal in why ("" when it is no refusal:
     * an observer). /v1/status "node": "sealing", "sealing_blocked". */
    int (*sealing)(void *ctx, char *why, size_t whylen);
    /* Brings the metrics registry up to date (before /metrics renders). */
    void (*refresh_metrics)(void *ctx);
    /* Clock health for /v1/status: 1 with this clock's estimated offset from the network's (ms, positive:
     * ahead) and the validators it is measured against, 0 while there is no estimate; *held = blocks held
     * until due. */
    int (*clock)(void *ctx, int64_t *offset_ms, size_t *sources, size_t *held);
} cj_api_events;

/* Everything the server needs. Strings must outlive the server. */
typedef struct cj_api_config {
    struct event_base *base;
    cj_chain *chain;          /* read, and the vote intentions of /v1/validators/votes */
    cj_mempool *mempool;      /* read */
    /* api.* */
    const char *host;
    uint64_t port;            /* 0: the OS chooses (cj_api_port tells) */
    uint64_t read_timeout_ms, write_timeout_ms, request_timeout_ms;
    uint64_t max_request_size, max_headers_size;
    /* rate_limiter.* */
    int rl_enabled;
    uint64_t rl_ip_limit, rl_global_limit, rl_max_clients;
    double rl_burst_multiplier;
    /* facts shown by the endpoints */
    const char *version;      /* coinjectured's version */
    const char *network;
    uint64_t chain_id;
    int has_key;              /* pubkey is this node's validator key */
    uint8_t pubkey[32];
    int64_t started_ms;       /* Unix ms */
    int consensus_enabled;
    uint64_t mempool_max_size, mempool_max_per_account;
    uint64_t max_peers;       /* p2p.max_peers: the most /v1/peers lists */
    size_t tx_backlog_busy;   /* 503 "node busy" above this backlog */
    cj_api_events events;
} cj_api_config;

/* Binds cfg->host:port on cfg->base and starts serving (cfg is copied). Returns NULL with err on failure
 * (e.g. "cannot bind 127.0.0.1:8081: Address already in use"). */
cj_api *cj_api_start(const cj_api_config *cfg, char *err, size_t errlen);

/* Stops listening and frees the server. NULL is a no-op. */
void cj_api_stop(cj_api *api);

/* The port actually bound (useful when it was chosen by the OS). */
uint16_t cj_api_port(const cj_api *api);

#endif /* CJ_NODE_API_H */
