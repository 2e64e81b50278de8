/* The daemon's side of the HTTP API: fills cj_api_config (settings and facts from the node) and
 * cj_api_events (adapters to the mempool + relay, P2P, shadow mode and metrics), and starts the server. */
#ifndef CJ_NODE_API_SETUP_H
#define CJ_NODE_API_SETUP_H

#include <stddef.h>

#include "api.h"
#include "node.h"

/* Starts the API on n->base as n->cfg.api_* says (n must outlive it). NULL with err on failure. */
cj_api *cj_api_setup_start(cj_node *n, char *err, size_t errlen);

#endif /* CJ_NODE_API_SETUP_H */
