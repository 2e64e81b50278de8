/* Private to net/: twins, two running processes that present one P2P node key (a data dir or p2p_node.key copied
 * while its node still runs; docs/P2P.md "Twins"). Each process sends a random instance id in its hello; two
 * authenticated connections with one node key and different instance ids are twins. They are not refused as a
 * duplicate connection (that isolated the copy, which then sealed a private chain): both stay connected, so the
 * network sees both chains and any double-sign, and the twin sees the blocks of the other instance (its
 * double-sign protection then refuses to seal). Every node reports them: an error line, the counter
 * coinjecture_p2p_twins_detected_total, the gauge coinjecture_p2p_twin_node_keys (/v1/status "p2p_twins") and
 * "twin": true in /v1/peers. */
#ifndef CJ_NODE_TWIN_H
#define CJ_NODE_TWIN_H

#include "p2p_impl.h"

/* pe and o are established connections with the same node key: returns 1 (and reports it) if they come from two
 * different processes, 0 if from one (then the duplicate-connection rule applies). */
int cj_twin_check(peer *pe, const peer *o);

/* 1 if another established connection presents pe's node key from another process. */
int cj_twin_of(const cj_p2p *p, const peer *pe);

/* Updates the gauge of node keys currently connected from two or more processes (with the peers gauge). */
void cj_twin_gauge(const cj_p2p *p);

#endif /* CJ_NODE_TWIN_H */
