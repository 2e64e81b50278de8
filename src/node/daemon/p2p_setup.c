/* Glue between the daemon and the P2P layer: node key loading and the P2P configuration built from the
 * node's, with hook adapters to cj_node. */
#include "p2p_setup.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "keys.h"
#include "log.h"
#include "node.h"

/* The P2P identity is its own key (never the validator key): p2p.node_key, or one kept in the data
 * directory, so every node, observers included, keeps its identity across restarts. */
int cj_p2p_load_node_key(const cj_config *cfg, uint8_t sk[64], uint8_t pk[32], char *err, size_t errlen)
{
    char path[4096];
    if (cfg->p2p_node_key != NULL && cfg->p2p_node_key[0] != '\0')
        return cj_keys_load(cfg->p2p_node_key, sk, pk, err, errlen);
    int n = snprintf(path, sizeof path, "%s/p2p_node.key", cfg->data_dir);
    if (n < 0 || (size_t)n >= sizeof path) {
        snprintf(err, errlen, "node.data_dir is too long");
        return -1;
    }
    if (access(path, F_OK) == 0)
        return cj_keys_load(path, sk, pk, err, errlen);
    if (cj_keys_generate(sk, pk) != 0 || cj_keys_write(path, sk, err, errlen) != 0) {
        sodium_memzero(sk, 64);
        if (err[0] == '\0')
            snprintf(err, errlen, "cannot generate a node key");
        return -1;
    }
    cj_log_info("p2p: generated node key %s", path);
    return 0;
}

/* Event adapter: blocks from peers moved the tip. */
static void ev_tip_moved(void *ctx, const cj_tip_move *m)
{
    cj_node_after_tip_move(ctx, m);
}

/* Event adapter: a transaction from a peer entered the mempool. */
static void ev_tx_accepted(void *ctx, const coinjecture_tx *tx, const uint8_t hash[32])
{
    cj_node_on_tx_accepted(ctx, tx, hash);
}

/* Event adapter: a peer announced its tip. */
static void ev_peer_status(void *ctx, const uint8_t node_key[32], uint64_t height, const uint8_t best[32])
{
    cj_node_on_peer_status(ctx, node_key, height, best);
}

/* Event adapter: a block from a peer broke a chain rule. */
static void ev_block_invalid(void *ctx, const coinjecture_header *h, cj_chain_status st, const char *err)
{
    cj_node_on_block_invalid(ctx, h, st, err);
}

/* Event adapter: new double-sign evidence from the wire. */
static void ev_evidence(void *ctx, const cj_evidence_record *r)
{
    cj_node_on_evidence(ctx, r);
}

/* Builds the P2P configuration from the node's. */
cj_p2p *cj_p2p_start_node(cj_node *n, char *err, size_t errlen)
{
    cj_p2p_config c;
    uint8_t pk[32];
    memset(&c, 0, sizeof c);
    err[0] = '\0';
    if (cj_p2p_load_node_key(&n->cfg, c.node_sk, pk, err, errlen) != 0)
        return NULL;
    c.base = n->base;
    c.chain = n->chain;
    c.mempool = n->mempool;
    c.listen_host = n->cfg.p2p_host;
    c.listen_port = (uint16_t)n->cfg.p2p_port;
    c.peers = (const char *const *)n->cfg.p2p_bootstrap_peers.items;
    c.npeers = n->cfg.p2p_bootstrap_peers.count;
    c.max_peers = (size_t)n->cfg.p2p_max_peers;
    c.ban_time_ms = n->cfg.p2p_ban_time_ms;
    c.events.ctx = n;
    c.events.tip_moved = ev_tip_moved;
    c.events.tx_accepted = ev_tx_accepted;
    c.events.peer_status = ev_peer_status;
    c.events.block_invalid = ev_block_invalid;
    c.events.evidence = ev_evidence;
    cj_p2p *p = cj_p2p_new(&c, err, errlen);
    sodium_memzero(c.node_sk, sizeof c.node_sk);
    return p;
}
