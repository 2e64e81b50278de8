/* The daemon's side of P2P: the node key from the configuration and a cj_p2p_config built from the node
 * (net/ knows nothing of cj_node or cj_config). */
#ifndef CJ_NODE_P2P_SETUP_H
#define CJ_NODE_P2P_SETUP_H

#include <stddef.h>
#include <stdint.h>

#include "p2p.h"

struct cj_node;
struct cj_config;

/* The node's P2P identity key: p2p.node_key when set, else <data_dir>/p2p_node.key, generated (mode 0600)
 * on first start. Never the validator key (a separate identity; two nodes must not share one).
 * Returns 0 or -1 with err. */
int cj_p2p_load_node_key(const struct cj_config *cfg, uint8_t sk[64], uint8_t pk[32], char *err, size_t errlen);

/* Convenience for node.c: builds a cj_p2p_config from n (p2p.host/port/bootstrap_peers/max_peers/
 * ban_time, node key as above; events go to cj_node_after_tip_move, cj_node_on_tx_accepted,
 * cj_node_on_peer_status, cj_node_on_block_invalid and cj_node_on_evidence) and starts. */
cj_p2p *cj_p2p_start_node(struct cj_node *n, char *err, size_t errlen);

#endif /* CJ_NODE_P2P_SETUP_H */
