/* Private to net/: the evidence message (docs/P2P.md "Double-sign evidence"): a double-sign proof received from
 * a peer is checked (both headers decode, same height, different hashes, one current validator sealed both) and
 * recorded in the pool; new records reach the daemon through cj_p2p_events.evidence, which gossips them once
 * to every peer (cj_evidence_gossip_send, p2p.h). */
#ifndef CJ_NODE_EVIDENCE_GOSSIP_H
#define CJ_NODE_EVIDENCE_GOSSIP_H

#include "p2p_impl.h"

/* Dispatch of an `evidence` message from an established peer (conn.c). */
void cj_evidence_gossip_on_msg(peer *pe, const cj_p2p_msg *m);

#endif /* CJ_NODE_EVIDENCE_GOSSIP_H */
