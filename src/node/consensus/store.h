/* Persistent chain store: one SQLite database (WAL) in the data dir, data_dir/chain.db, guarded by an
 * exclusive lock on data_dir/node.lock (util/dirlock.h, shared with the daemon). Tables (docs/CHAIN.md "Storage"):
 *   meta(key, value)                           schema version, genesis hash, chain id
 *   blocks(id, hash, parent, height, cum_weight, proposer, timestamp, state_root, data, undo)
 *                                              every stored block (canonical and side), canonical bytes,
 *                                              undo data once it has been applied
 *   canon(height, block_id)                    the canonical chain; the head is its highest row
 *   txs(hash, height, idx, off, len)           canonical transactions: position of the tx bytes in data
 *   accounts(pubkey, balance, nonce)           state at the head (u64 stored as the same 64-bit pattern)
 *   evidence(id, height, validator, hash_a, hash_b)
 *   validator_keys(id, pubkey)                 local ids of every key that was ever a validator (genesis
 *                                              keys are 0..N-1); blocks.proposer holds these ids
 *   votes(block_id, action, pubkey, voter)     the validator vote a stored block carries (if any)
 *   vsets(anchor, height, validators)          cache: the validator set of the epoch that follows the block
 *                                              `anchor` (the last block of the previous epoch) on its branch
 * Writes happen inside cj_store_begin/commit (SQLite savepoints, so they nest: a reorg wraps several
 * block commits in one outer transaction). Every statement is prepared once and cached.
 * Functions return 0 on success and -1 on error (message in cj_store_error); lookups return 1 found /
 * 0 absent / -1 error. */
#ifndef CJ_NODE_STORE_H
#define CJ_NODE_STORE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cj_store cj_store;

typedef struct {
    int64_t id;
    uint8_t hash[32];
    uint8_t parent[32];
    uint64_t height;
    uint64_t cum_weight;
    int32_t proposer; /* sealer's id in validator_keys (= genesis index for genesis keys), -1 for genesis */
    int64_t timestamp;
    uint8_t state_root[32];
} cj_store_block_info;

/* Opens or creates data_dir (0700), takes the lock, opens/creates the schema. sync_full: fsync every
 * commit (synchronous=FULL) instead of NORMAL. */
int cj_store_open(const char *data_dir, int sync_full, cj_store **out, char *err, size_t errlen);
/* Switches between fsync on every commit (full = 1) and WAL "NORMAL" (0: durable at checkpoints, still
 * crash-consistent). Only outside a transaction. 0 or -1. */
int cj_store_set_sync(cj_store *s, int full);
void cj_store_close(cj_store *s);
const char *cj_store_error(const cj_store *s);

/* Transactions (nestable). rollback undoes everything since the matching begin. */
int cj_store_begin(cj_store *s);
int cj_store_commit(cj_store *s);
void cj_store_rollback(cj_store *s);

int cj_store_meta_get(cj_store *s, const char *key, uint8_t *buf, size_t cap, size_t *len);
int cj_store_meta_put(cj_store *s, const char *key, const uint8_t *v, size_t len);

/* Inserts a block row (info->id ignored) and returns its id. */
int cj_store_block_put(cj_store *s, const cj_store_block_info *info, const uint8_t *data, size_t len,
                       int64_t *out_id);
int cj_store_block_info_by_hash(cj_store *s, const uint8_t hash[32], cj_store_block_info *out);
int cj_store_block_info_by_id(cj_store *s, int64_t id, cj_store_block_info *out);
/* Block bytes (malloc'ed; caller frees). */
int cj_store_block_data(cj_store *s, int64_t id, uint8_t **data, size_t *len);
/* len bytes at offset off of the block's bytes, read incrementally (no full-blob load). */
int cj_store_block_slice(cj_store *s, int64_t id, uint32_t off, uint32_t len, uint8_t *out);
int cj_store_block_delete(cj_store *s, int64_t id);
int cj_store_undo_put(cj_store *s, int64_t id, const uint8_t *undo, size_t len);
int cj_store_undo_get(cj_store *s, int64_t id, uint8_t **undo, size_t *len);
/* Hashes of other stored blocks at height by the same proposer (for double-sign evidence). Writes at
 * most max hashes; returns the count or -1. */
int cj_store_blocks_same_slot(cj_store *s, uint64_t height, int32_t proposer, const uint8_t exclude[32],
                              uint8_t (*out)[32], int max);

int cj_store_canon_set(cj_store *s, uint64_t height, int64_t id);
int cj_store_canon_del(cj_store *s, uint64_t height);
int cj_store_canon_get(cj_store *s, uint64_t height, int64_t *id);
int cj_store_canon_tip(cj_store *s, uint64_t *height, int64_t *id);

int cj_store_tx_put(cj_store *s, const uint8_t hash[32], uint64_t height, uint32_t idx, uint32_t off, uint32_t len);
int cj_store_tx_del(cj_store *s, const uint8_t hash[32]);
int cj_store_tx_get(cj_store *s, const uint8_t hash[32], uint64_t *height, uint32_t *idx, uint32_t *off,
                    uint32_t *len);

/* Upserts an account; {0, 0} deletes the row. */
int cj_store_account_put(cj_store *s, const uint8_t pk[32], uint64_t balance, uint64_t nonce);
/* Calls fn for every account (stops early if fn returns non-zero, which is then returned). */
int cj_store_accounts_each(cj_store *s, int (*fn)(void *ctx, const uint8_t pk[32], uint64_t balance, uint64_t nonce),
                           void *ctx);

/* Returns 1 if the record is new, 0 if already stored, -1 on error. */
int cj_store_evidence_put(cj_store *s, uint64_t height, const uint8_t validator[32], const uint8_t a[32],
                          const uint8_t b[32]);
/* Most recent first; rows: height, validator, a, b. Returns the count or -1. */
int cj_store_evidence_list(cj_store *s, int max, uint64_t *heights, uint8_t (*validators)[32], uint8_t (*a)[32],
                           uint8_t (*b)[32]);

/* ---- validator sets (docs/CHAIN.md "Validator votes") ---- */
int cj_store_vkey_put(cj_store *s, uint32_t id, const uint8_t pk[32]);
int cj_store_vkeys_each(cj_store *s, int (*fn)(void *ctx, uint32_t id, const uint8_t pk[32]), void *ctx);
int cj_store_vote_put(cj_store *s, int64_t block_id, uint8_t action, const uint8_t key[32], const uint8_t voter[32]);
int cj_store_vote_get(cj_store *s, int64_t block_id, uint8_t *action, uint8_t key[32], uint8_t voter[32]);
int cj_store_votes_canon(cj_store *s, uint64_t lo, uint64_t hi,
                         int (*fn)(void *ctx, uint64_t height, uint8_t action, const uint8_t key[32],
                                   const uint8_t voter[32]),
                         void *ctx);
int cj_store_vset_put(cj_store *s, const uint8_t anchor[32], uint64_t height, const uint8_t *keys, size_t n);
int cj_store_vset_get(cj_store *s, const uint8_t anchor[32], uint8_t **keys, size_t *n);
int cj_store_canon_each(cj_store *s, uint64_t lo, uint64_t hi,
                        int (*fn)(void *ctx, uint64_t height, int32_t proposer, int64_t timestamp), void *ctx);

#endif /* CJ_NODE_STORE_H */
