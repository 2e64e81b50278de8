/* `coinjectured --dev`: a one-process development chain, like `geth --dev`. One validator (this node), a
 * funded development account, blocks from the start; everything in one data directory, a fresh temporary one
 * unless --data-dir names one (then it is reused across runs). */
#ifndef CJ_NODE_DEVCHAIN_H
#define CJ_NODE_DEVCHAIN_H

#include <stddef.h>

#include "config.h"

#define CJ_DEVCHAIN_CHAIN_ID 1337u
#define CJ_DEVCHAIN_BLOCK_TIME_MS 1000u
#define CJ_DEVCHAIN_BALANCE 1000000000000000ull /* the development account's genesis balance */

/* Prepares cfg for a development chain: picks the data directory (a new mkdtemp one when none was given),
 * creates dev-validator.key, dev-account.key and genesis.json there on first use, and points
 * node.key_file and node.genesis_file at them; loopback-only API and P2P unless configured. Prints the
 * directory, the funded account and its key file on stdout. 0, or -1 with err. The caller then runs `init`
 * (idempotent) and starts the node. */
int cj_devchain_prepare(cj_config *cfg, char *err, size_t errlen);

#endif /* CJ_NODE_DEVCHAIN_H */
