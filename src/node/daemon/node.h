/* coinjectured process: command line, configuration, logging, crypto backend, data directory, and the
 * libevent loop that drives block production, mempool expiry and the HTTP API. */
#ifndef CJ_NODE_NODE_H
#define CJ_NODE_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "clock.h"
#include "config.h"
#include "evidence.h"
#include "genesis_file.h"
#include "mempool.h"
#include "prio.h"
#include "sign_state.h"

struct event_base;
struct event;
struct cj_api;
struct cj_p2p;
struct cj_shadow;

#define CJ_NODE_VERSION_FALLBACK "1.2.0"

/* Everything one running node owns. Single-threaded: only the event-loop thread touches it. */
typedef struct cj_node {
    cj_config cfg;
    cj_genesis genesis;
    cj_chain *chain;
    cj_mempool *mempool;
    struct event_base *base;
    struct cj_api *api;
    struct cj_p2p *p2p;          /* peer-to-peer layer (p2p.c) */
    struct cj_shadow *shadow;    /* shadow mode (shadow.c), NULL when consensus.shadow_mode.enabled is false */
    struct event *sig_int, *sig_term;
    struct event *produce_timer, *housekeeping_timer;
    int has_key;
    uint8_t pubkey[32];
    int64_t started_ms;          /* Unix ms */
    int64_t tip_changed_ms;      /* Unix ms when the tip last changed (out-of-turn grace) */
    cj_chain_stats last_stats;   /* chain counters already mirrored into metrics */
    cj_mempool_stats last_mp_stats;
    cj_sign_state *sign;         /* double-sign protection (sign_guard.c), NULL unless a validator may seal */
    uint64_t sign_examined;      /* highest height the guard has examined for blocks of our key */
    int sign_logged;             /* last refusal logged (cj_sign_verdict) */
    uint64_t sign_logged_height;
    int sign_write_failing;      /* the last sign-state write failed (logged once) */
    uint64_t chain_ev_seen;      /* chain double signs already gossiped (cj_chain_stats.double_signs) */
    int stopping;
} cj_node;


/* Version string of coinjectured. */
const char *cj_node_version(void);

/* The whole program: `coinjectured [run|init] [options]`. Returns the process exit code. */
int cj_node_main(int argc, char **argv);

/* Copies the chain and mempool counters into the metrics registry (called before /metrics renders and
 * on the housekeeping timer). */
void cj_node_refresh_metrics(cj_node *n);

/* The daemon's side of the events of net and rpc (daemon/p2p_setup.c and api_setup.c wire them). */

/* A transaction was admitted to the mempool (API or peer): relay it once. */
void cj_node_on_tx_accepted(cj_node *n, const coinjecture_tx *tx, const uint8_t hash[32]);

/* The one follow-up after the tip moved (produced here or imported from peers; m from the chain): pool
 * pruning and re-admission, tip announcement, shadow check, metrics, production re-armed. */
void cj_node_after_tip_move(cj_node *n, const cj_tip_move *m);

/* A peer (authenticated as node_key) reported its tip: shadow mode compares it when the key is the
 * validator it watches. */
void cj_node_on_peer_status(cj_node *n, const uint8_t node_key[32], uint64_t height, const uint8_t best[32]);

/* A block from a peer was refused by a rule (cj_chain_status_is_invalid(st)): shadow mode records a divergence
 * when the watched validator sealed it. */
void cj_node_on_block_invalid(cj_node *n, const coinjecture_header *h, cj_chain_status st, const char *err);

/* A new wire-level double-sign evidence record (a critical log line when it names our own key). */
void cj_node_on_evidence(cj_node *n, const cj_evidence_record *r);

#endif /* CJ_NODE_NODE_H */
