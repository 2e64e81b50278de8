/* Transaction pool: admission (signature verified once, rules against the sender's state with its
 * pending transactions taken into account), several pending transactions per sender ordered by nonce
 * (future nonces held, bounded), block order by fee then nonce, size and per-sender limits, eviction of
 * the lowest fee when full, expiry by age. Single-threaded (the event-loop thread). */
#ifndef CJ_NODE_MEMPOOL_H
#define CJ_NODE_MEMPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "chain.h" /* types only: cj_tx_source, cj_tip_move (the pool calls nothing of the chain) */
#include "state.h"
#include "coinjecture.h"

typedef struct cj_mempool cj_mempool;

typedef struct {
    uint32_t max_txs;         /* pool capacity; default 50000 */
    uint32_t max_per_sender;  /* pending txs per sender (including future ones); default 256 */
    uint32_t max_future_gap;  /* nonce may be at most account nonce + pending + this; default 64 */
    uint64_t max_age_ms;      /* expiry; default 3600000 (1 h) */
    uint64_t min_gas_price;   /* local policy on top of the consensus fee rule; default 0 */
} cj_mempool_options;

void cj_mempool_options_default(cj_mempool_options *o);

/* Why a transaction was refused. */
typedef enum {
    CJ_MEMPOOL_OK = 0,
    CJ_MEMPOOL_DUPLICATE = 1,      /* same hash already pending (or already confirmed: nonce too low) */
    CJ_MEMPOOL_MALFORMED = 2,      /* codec_version != 1, tx_type not Transfer, data too long */
    CJ_MEMPOOL_BAD_SIGNATURE = 3,
    CJ_MEMPOOL_NONCE_TOO_LOW = 4,  /* nonce < account nonce */
    CJ_MEMPOOL_NONCE_EXISTS = 5,   /* another pending tx of this sender has this nonce */
    CJ_MEMPOOL_NONCE_TOO_HIGH = 6, /* beyond the future window */
    CJ_MEMPOOL_FEE_TOO_LOW = 7,    /* consensus minimum fee or local min_gas_price */
    CJ_MEMPOOL_GAS_TOO_LOW = 8,
    CJ_MEMPOOL_OVERFLOW = 9,       /* gas_limit * gas_price or amount + fee overflows */
    CJ_MEMPOOL_INSUFFICIENT_BALANCE = 10, /* balance < this tx + the sender's other pending txs */
    CJ_MEMPOOL_SENDER_LIMIT = 11,  /* sender has max_per_sender pending */
    CJ_MEMPOOL_FULL = 12,          /* pool full and the fee is not above the lowest pending fee */
    CJ_MEMPOOL_INTERNAL = 13       /* out of memory, bad argument */
} cj_mempool_status;

/* Short name ("bad-signature"). Never NULL. */
const char *cj_mempool_status_name(cj_mempool_status s);

/* A pending transaction. Pointers stay valid until the next call that changes the pool. */
typedef struct {
    coinjecture_tx tx;   /* owns tx.data */
    uint8_t hash[32];    /* coinjecture_tx_hash */
    uint64_t fee;        /* gas_limit * gas_price */
    uint64_t total_cost; /* amount + fee */
    int64_t added_ms;
    int sig_ok;          /* signature verified on admission (always 1 for pooled txs) */
} cj_mempool_entry;

cj_mempool *cj_mempool_new(const cj_mempool_options *opt); /* opt NULL = defaults; NULL on OOM */
void cj_mempool_free(cj_mempool *mp);

/* Admits tx (copied, data included) checked against the sender's account in state (the tip's).
 * out_hash (may be NULL) receives the tx hash even when refused. err (may be NULL) gets a reason. */
cj_mempool_status cj_mempool_add(cj_mempool *mp, const cj_state *state, const coinjecture_tx *tx,
                                 int64_t now_ms, uint8_t out_hash[32], char *err, size_t errlen);

/* Puts back a transaction of a block that a reorg undid (the chain applied that block, so its signature
 * was verified then): the rules of cj_mempool_add except the signature check, max_per_sender and max_txs
 * (refusing it would strand the sender's later nonces; the pool may exceed max_txs by the undone blocks'
 * transactions until the next blocks take them). Transactions the new branch already holds are refused as
 * nonce-too-low. Only for transactions taken from blocks this node validated; never for outside input. */
cj_mempool_status cj_mempool_readd(cj_mempool *mp, const cj_state *state, const coinjecture_tx *tx, int64_t now_ms,
                                   char *err, size_t errlen);

/* 1 if this pool verified the signature of the tx with this hash (the hash covers the signature): it is
 * pending, or it left the pool confirmed recently (the last 32,768 such txs). Block import uses it so a
 * reorg re-applying the same transactions in other blocks does not verify them again. */
int cj_mempool_sig_verified(const cj_mempool *mp, const uint8_t hash[32]);

size_t cj_mempool_size(const cj_mempool *mp);
/* Pending tx by hash or NULL. */
const cj_mempool_entry *cj_mempool_get(const cj_mempool *mp, const uint8_t hash[32]);
/* Up to max entries, highest fee first (ties: sender, then nonce ascending); returns how many were
 * written. Includes future-nonce txs. */
size_t cj_mempool_list(const cj_mempool *mp, const cj_mempool_entry **out, size_t max);
/* Number of pending txs of a sender. */
size_t cj_mempool_sender_count(const cj_mempool *mp, const uint8_t pubkey[32]);

/* Removes one tx (no-op if absent). Returns 1 if removed. */
int cj_mempool_remove(cj_mempool *mp, const uint8_t hash[32]);
/* Drops txs older than max_age_ms. Returns how many were dropped. */
size_t cj_mempool_expire(cj_mempool *mp, int64_t now_ms);
/* After the tip changed: drops txs whose nonce is below their sender's account nonce at the tip (they
 * were confirmed or can never confirm) for the given senders (or all senders when senders == NULL). */
size_t cj_mempool_prune(cj_mempool *mp, const cj_state *state, const uint8_t (*senders)[32], size_t n);

/* Block building (cj_chain_produce through cj_mempool_source): calls fn on executable txs in block order: among the
 * senders' next txs (nonce = account nonce in state (the tip's), then +1, ...) the highest fee first,
 * ties by hash. fn returns CJ_PICK_TAKE (the sender's next nonce becomes eligible), CJ_PICK_SKIP (skip
 * the rest of this sender for this block), CJ_PICK_DROP (remove the tx from the pool after the walk and
 * skip the sender) or CJ_PICK_STOP. Returns the number of txs taken. */
size_t cj_mempool_select(cj_mempool *mp, const cj_state *state, cj_chain_pick_fn fn, void *ctx);

/* The pool as the chain's transaction source (select, count, signatures verified on admission). *out
 * refers to mp, which must outlive its use. */
void cj_mempool_source(cj_mempool *mp, cj_tx_source *out);

/* The pool's part of the follow-up after the tip moved (m from cj_chain_produce / cj_chain_import): drops
 * what the moved senders' nonces confirmed (every sender after a reorg or when m lists none), then, after a
 * reorg, takes back the transactions of the m->undone blocks below m->old_tip, lowest block first (their
 * signatures were verified when the chain applied them; those the new branch holds are refused as
 * nonce-too-low). The pool reads only the accounts in state (cj_chain_state). Returns how many were
 * dropped. */
size_t cj_mempool_on_tip(cj_mempool *mp, const cj_state *state, const cj_tip_move *m, int64_t now_ms);

/* Counters since creation. */
typedef struct {
    uint64_t admitted, rejected, evicted, expired, confirmed, dropped_invalid;
} cj_mempool_stats;
void cj_mempool_get_stats(const cj_mempool *mp, cj_mempool_stats *out);

#endif /* CJ_NODE_MEMPOOL_H */
