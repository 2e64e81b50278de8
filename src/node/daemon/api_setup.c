/* Daemon <-> HTTP API: the callbacks through which rpc/ reaches what lives above it. */
#include "api_setup.h"

#include <stdlib.h>
#include <string.h>

#include "p2p.h"
#include "shadow.h"
#include "sign_guard.h"

/* POST /v1/transactions(/batch): admit to the mempool, then relay (cj_node_on_tx_accepted). */
static cj_mempool_status api_setup_submit_tx(void *ctx, const coinjecture_tx *tx, int64_t now_ms, uint8_t hash[32],
                                             char *err, size_t errlen)
{
    cj_node *n = ctx;
    cj_mempool_status st = cj_mempool_add(n->mempool, cj_chain_state(n->chain), tx, now_ms, hash, err, errlen);
    if (st == CJ_MEMPOOL_OK)
        cj_node_on_tx_accepted(n, tx, hash);
    return st;
}

/* Relayed transactions waiting to be checked. */
static size_t api_setup_tx_backlog(void *ctx)
{
    cj_node *n = ctx;
    return cj_p2p_tx_backlog(n->p2p);
}

/* The P2P node key, once P2P runs (the API starts before it). */
static int api_setup_node_key(void *ctx, uint8_t out[32])
{
    cj_node *n = ctx;
    if (n->p2p == NULL)
        return -1;
    cj_p2p_node_key(n->p2p, out);
    return 0;
}

/* Established peers, as net reports them. */
static size_t api_setup_peers(void *ctx, cj_peer_info *out, size_t max)
{
    cj_node *n = ctx;
    return cj_p2p_peers(n->p2p, out, max);
}

/* Double-sign evidence seen on the wire. */
static const cj_evidence_pool *api_setup_evidence(void *ctx)
{
    cj_node *n = ctx;
    return cj_p2p_evidence(n->p2p);
}

/* GET /v1/parity: shadow mode's report ({"enabled": false, ...} when it is off). */
static json_t *api_setup_parity_json(void *ctx)
{
    cj_node *n = ctx;
    return cj_shadow_to_json(n->shadow);
}

/* Clock health from net (no estimate before P2P runs or before a validator's block arrived). */
static int api_setup_clock(void *ctx, int64_t *offset_ms, size_t *sources, size_t *held)
{
    cj_node *n = ctx;
    cj_p2p_clock_info ci;
    cj_p2p_clock(n->p2p, &ci);
    *offset_ms = ci.offset_ms;
    *sources = ci.sources;
    *held = ci.held;
    return ci.have_offset;
}

/* Whether this node seals, or why not (double-sign protection). */
static int api_setup_sealing(void *ctx, char *why, size_t whylen)
{
    return cj_sign_guard_status(ctx, why, whylen);
}

/* Before /metrics renders. */
static void api_setup_refresh_metrics(void *ctx)
{
    cj_node_refresh_metrics(ctx);
}

/* Fills the API's configuration and callbacks from the node, and starts it. */
cj_api *cj_api_setup_start(cj_node *n, char *err, size_t errlen)
{
    const cj_config *c = &n->cfg;
    cj_api_config ac;
    memset(&ac, 0, sizeof ac);
    ac.base = n->base;
    ac.chain = n->chain;
    ac.mempool = n->mempool;
    ac.host = c->api_host;
    ac.port = c->api_port;
    ac.read_timeout_ms = c->api_read_timeout_ms;
    ac.write_timeout_ms = c->api_write_timeout_ms;
    ac.request_timeout_ms = c->api_request_timeout_ms;
    ac.max_request_size = c->api_max_request_size;
    ac.max_headers_size = c->api_max_headers_size;
    ac.rl_enabled = c->rl_enabled;
    ac.rl_ip_limit = c->rl_ip_limit;
    ac.rl_global_limit = c->rl_global_limit;
    ac.rl_max_clients = c->rl_max_clients;
    ac.rl_burst_multiplier = c->rl_burst_multiplier;
    ac.version = cj_node_version();
    ac.network = n->genesis.network;
    ac.chain_id = n->genesis.chain_id;
    ac.has_key = n->has_key;
    memcpy(ac.pubkey, n->pubkey, 32);
    ac.started_ms = n->started_ms;
    ac.consensus_enabled = c->consensus_enabled;
    ac.mempool_max_size = c->mempool_max_size;
    ac.mempool_max_per_account = c->mempool_max_per_account;
    ac.max_peers = c->p2p_max_peers;
    ac.tx_backlog_busy = CJ_P2P_TX_BACKLOG_BUSY;
    ac.events = (cj_api_events){
        .ctx = n,
        .submit_tx = api_setup_submit_tx,
        .tx_backlog = api_setup_tx_backlog,
        .node_key = api_setup_node_key,
        .peers = api_setup_peers,
        .evidence = api_setup_evidence,
        .parity_json = api_setup_parity_json,
        .refresh_metrics = api_setup_refresh_metrics,
        .clock = api_setup_clock,
        .sealing = api_setup_sealing,
    };
    return cj_api_start(&ac, err, errlen);
}
