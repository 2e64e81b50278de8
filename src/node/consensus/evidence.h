/* Double-sign evidence seen on the wire: two different sealed headers at one height from one validator.
 *
 * The chain already records evidence between blocks it stores (valid up to the seal; cj_chain_evidence,
 * persisted). This pool covers what the chain never stores: a block whose seal verifies but whose body
 * fails later checks (merkle, reveal, transactions, state root), and blocks whose parent is unknown. P2P
 * feeds it every sealed header it receives as a relayed block; it keeps both headers of each pair in
 * memory (bounded), logs at warn and counts in coinjecture_double_sign_evidence_total. Pairs the chain
 * recorded itself are kept (for their headers) but not counted or logged twice.
 * Single-threaded (event-loop thread). */
#ifndef CJ_NODE_EVIDENCE_H
#define CJ_NODE_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "coinjecture.h"

typedef struct cj_chain cj_chain;
typedef struct cj_evidence_pool cj_evidence_pool;

typedef struct {
    uint64_t height;
    uint8_t validator[32]; /* public key */
    uint8_t hash_a[32];    /* first header seen */
    uint8_t hash_b[32];    /* the conflicting one */
    coinjecture_header header_a, header_b;
    int64_t seen_ms;       /* when the conflict was seen (Unix ms) */
    int in_chain;          /* the chain recorded this pair too (counted there) */
} cj_evidence_record;

/* recent: sealed headers remembered (one per height and validator, oldest dropped first), at least 16;
 * max_records: evidence records kept (oldest dropped), at least 1. NULL on OOM. */
cj_evidence_pool *cj_evidence_new(size_t recent, size_t max_records);
void cj_evidence_free(cj_evidence_pool *p);

/* Index of the validator (in the chain's current set) whose address is h->miner_address and whose key
 * verifies the seal (extra_data = state root || Ed25519 signature over the header hash with extra_data cut
 * to the state root), or -1. The current set stands in for the set at h's height (they differ only across
 * a validator-set change). */
long cj_evidence_sealer(const cj_chain *c, const coinjecture_header *h);

/* Records that validator (public key) sealed h. Returns 1 if this makes a new evidence record (another
 * header with a different hash was seen at this height from this key), 0 if not, -1 on bad arguments or
 * OOM. When chain is not NULL the pair is looked up in the chain's evidence first (then in_chain = 1,
 * nothing is logged or counted); otherwise a warn line is logged and the metric counted. */
int cj_evidence_observe(cj_evidence_pool *p, cj_chain *chain, const coinjecture_header *h, const uint8_t validator[32],
                        int64_t now_ms);

/* Records a pair received as evidence from a peer (the caller verified that validator sealed both a and b:
 * same height, different hashes). Returns 1 if it is a new record (logged and counted as by observe), 0 if the
 * pair is held already, -1 on bad arguments (another height, equal headers) or OOM. */
int cj_evidence_add_pair(cj_evidence_pool *p, cj_chain *chain, const coinjecture_header *a, const coinjecture_header *b,
                         const uint8_t validator[32], int64_t now_ms);

/* 1 if the pair of header hashes (either order) is a record of the pool, else 0 (cheap: before any seal check). */
int cj_evidence_has_pair(const cj_evidence_pool *p, const uint8_t a[32], const uint8_t b[32]);

/* Number of records kept, and record i (0 = newest); NULL if out of range. */
size_t cj_evidence_count(const cj_evidence_pool *p);
const cj_evidence_record *cj_evidence_get(const cj_evidence_pool *p, size_t i);

/* Records counted by this pool (not in the chain's evidence), since creation. */
uint64_t cj_evidence_counted(const cj_evidence_pool *p);

#endif /* CJ_NODE_EVIDENCE_H */
