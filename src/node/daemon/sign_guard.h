/* The daemon's side of double-sign protection (sign_state.h): when the node may seal, what it records after
 * sealing and before the block leaves the node, what it learns from the chain and from evidence, what
 * /v1/status and the metrics show. node.c calls these at the points named below; everything else about the
 * guard lives in sign_state.c. Single-threaded (event-loop thread). */
#ifndef CJ_NODE_SIGN_GUARD_H
#define CJ_NODE_SIGN_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "evidence.h"

struct cj_node;

/* At start, after the chain is open (validators with production enabled only): reads the sign-state file,
 * raises it from the blocks this key sealed in the store (a crash between a commit and its record), starts the
 * watch window and registers the metrics. Never fails the start: an unusable file only refuses sealing. */
void cj_sign_guard_start(struct cj_node *n);

/* Before cj_chain_produce of height: 1 if the node may seal it now, else 0 (the refusal is logged at error
 * once per reason and counted). */
int cj_sign_guard_may_seal(struct cj_node *n, uint64_t height, int64_t now_ms);

/* Right after cj_chain_produce sealed and committed a block, before cj_node_after_tip_move relays it: records it
 * in the sign-state file (fsynced) and shows its header to the wire-level evidence detector. */
void cj_sign_guard_sealed(struct cj_node *n, const cj_produce_result *res);

/* The tip moved because of blocks from elsewhere: blocks sealed by this node's key among the new ones raise
 * the sign-state, and a recent one this process did not make holds sealing (another instance is live); new
 * chain evidence is gossiped. */
void cj_sign_guard_tip_moved(struct cj_node *n, const cj_tip_move *m);

/* Once a second (housekeeping): retries a pending sign-state write; gossips double signs the chain found between
 * stored blocks (also done after every tip move), on every node. */
void cj_sign_guard_tick(struct cj_node *n);

/* New double-sign evidence: when it names this node's key, sealing is held and the floor raised. */
void cj_sign_guard_on_evidence(struct cj_node *n, const cj_evidence_record *r);

/* For /v1/status: 1 if the node seals (a validator with production enabled and nothing blocking), else 0;
 * why gets the reason a validator is blocked, or "" when there is no refusal (observers, consensus.enabled
 * false). */
int cj_sign_guard_status(struct cj_node *n, char *why, size_t whylen);

#endif /* CJ_NODE_SIGN_GUARD_H */
