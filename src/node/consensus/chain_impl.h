/* Private to src/node/consensus: the chain object's layout and the helpers its files share. Nothing
 * outside this folder includes it; the interface is chain.h. */
#ifndef CJ_NODE_CHAIN_IMPL_H
#define CJ_NODE_CHAIN_IMPL_H

#include "chain.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genesis.h"
#include "hmap.h"
#include "log.h"
#include "pow.h"
#include "rewards.h"
#include "sigverify.h"
#include "state.h"
#include "store.h"

#define SIG_LEN 64 /* extra_data ends with the Ed25519 seal; before it: state_root (32) [|| vote (33)] */
#define WEIGHT_IN_TURN 2u
#define WEIGHT_OUT_OF_TURN 1u
#define BLOCK_SIZE_RESERVE 65536u /* room kept for header, reveal and map overhead when packing txs */
#define UNDO_ENTRY 48u            /* pubkey 32 || le64 balance || le64 nonce */
#define MAX_EVIDENCE_SCAN 8

static const uint8_t ZERO32[32];

/* One account touched by the block being applied: value before the block and running value. */
typedef struct {
    uint8_t pk[32];
    coinjecture_account orig, cur;
} ov_entry;

/* Running state of one block: reads fall through to the tree, writes stay here until commit. */
typedef struct {
    cj_hmap map; /* pubkey -> (index + 1) */
    ov_entry *e;
    size_t n, cap;
} overlay;

/* Old value of an account, recorded while a multi-block operation (reorg) may need to be undone. */
typedef struct {
    uint8_t pk[32];
    coinjecture_account old;
} journal_entry;

/* Every key that was ever a validator, under a local id (genesis keys 0..N-1; persisted in validator_keys,
 * referenced by blocks.proposer). Append-only. */
typedef struct {
    uint8_t (*pk)[32];
    uint8_t (*addr)[32];
    uint64_t *blocks; /* canonical blocks sealed since open */
    size_t n, cap;
    cj_hmap map;      /* pubkey -> id + 1 */
} registry;

/* A validator set: registry ids in schedule order. */
typedef struct {
    uint32_t *id;
    size_t n;
} vset;

/* One pending proposal of an epoch and the distinct validators (registry ids) that voted for it. */
typedef struct {
    cj_vote v;
    uint32_t *voters;
    size_t nv, capv;
} proposal;

/* The tally of an epoch: proposals in the order they were first voted. */
typedef struct {
    proposal *p;
    size_t n, cap;
} tally;

struct cj_chain {
    cj_store *st;
    int bulk; /* cj_chain_set_bulk_import: commits without fsync */
    cj_state *state;
    cj_chain_options opt;
    uint64_t chain_id;
    int64_t genesis_ms;
    uint64_t block_time_ms, epoch_length;
    uint32_t clock_tolerance_ms; /* opt.clock_tolerance_ms after its default */
    registry reg;
    vset gset;   /* the genesis set (ids 0..N-1) */
    vset vs;     /* the set in force at tip+1 */
    tally tl;    /* votes of the canonical blocks of tip+1's epoch up to the tip */
    cj_vote intents[CJ_CHAIN_MAX_VOTE_INTENTS];
    uint64_t intent_since[CJ_CHAIN_MAX_VOTE_INTENTS]; /* tip+1 when first seen satisfied, 0 = not satisfied */
    size_t n_intents, intent_next;
    uint8_t genesis_hash[32];
    uint8_t *sk; /* sodium_malloc'ed libsodium secret key, NULL for an observer */
    uint8_t my_pk[32];
    long my_index; /* index of my_pk in vs, -1 if absent or no key */
    cj_store_block_info tip;
    cj_chain_stats stats;
    overlay ov;
    journal_entry *jr;
    size_t jr_n, jr_cap;
    int jr_on;
    uint8_t (*moved)[32]; /* cj_tip_move.senders of the last call */
    coinjecture_block *undone_blocks; /* cj_tip_move.undone_blocks of the last reorg */
    size_t n_undone_blocks;
    size_t moved_cap;
#ifdef COINJECTURE_TEST_FAULTS
    uint64_t fault_root_from; /* fault.c (test-only build): wrong state root from this height, 0 = off */
#endif
};

/* Header-level facts of a block established by check_static. */
typedef struct {
    size_t proposer;      /* index in the set in force at the block's height */
    uint32_t proposer_id; /* registry id */
    uint64_t weight;
    int has_vote;
    cj_vote vote;
    uint8_t (*tx_hashes)[32]; /* heap, tx_count entries */
} block_facts;

/* Little-endian stores/loads for the genesis commitment and undo records. */
static inline void le64_put(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint64_t le64_get(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static inline void le32_put(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- chain.c ---- */

/* Releases what the last call's cj_tip_move pointed to (the undone blocks); each changing call starts so. */
void cj_chain_release_move(cj_chain *c);

/* Writes the reason into the caller's buffer (if any) and returns st, so callers `return cj_chain_fail(...)`. */
cj_chain_status cj_chain_fail(cj_chain_status st, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The state root of the current state as the state after block `height`: every root the chain seals or
 * checks comes from here, the one place a test-only fault build (fault.c) bends it. */
void cj_chain_root_at(const cj_chain *c, uint64_t height, uint8_t out[32]);

#ifdef COINJECTURE_TEST_FAULTS
/* ---- fault.c (only in a -DCOINJECTURE_TEST_FAULTS=ON build) ---- */

/* Reads COINJECTURE_TEST_FAULT at open; a malformed value fails the open (CJ_CHAIN_BAD_ARG). */
cj_chain_status cj_fault_init(cj_chain *c, char *err, size_t errlen);

/* Replaces root by a wrong one when the switch covers `height`. */
void cj_fault_state_root(const cj_chain *c, uint64_t height, uint8_t root[32]);
#endif

/* ---- apply.c ---- */

/* Every in-memory account write goes through here so a reorg can be rolled back from the journal. */
int cj_apply_state_write(cj_chain *c, const uint8_t pk[32], const coinjecture_account *a);

/* Builds the tree from the accounts table: used at open and if an in-memory rollback ran out of memory. */
int cj_apply_rebuild_state(cj_chain *c);

/* Undoes journaled writes newest first; falls back to a rebuild if memory runs out. */
void cj_apply_journal_revert(cj_chain *c);

/* Starts a fresh overlay for the next block. */
void cj_apply_reset(overlay *o);

/* Applies one transfer to the overlay, or leaves it untouched and says why it is invalid. The signature
 * is checked by the caller (once). Returns 0 or -1 with err set. */
int cj_apply_tx(cj_chain *c, const coinjecture_tx *tx, uint64_t *fees, coinjecture_tx_status *st, char *err,
                       size_t errlen);

/* Mints the block reward and splits the fees (proposer = registry id, treasury = genesis validators[0],
 * burn = nobody). */
int cj_apply_rewards(cj_chain *c, uint64_t height, uint32_t proposer, uint64_t fees);

/* Writes the overlay into the tree; on OOM undoes what it wrote. */
int cj_apply_to_state(cj_chain *c);

/* Puts the pre-block values back into the tree (invalid state root, failed commit). */
void cj_apply_revert_state(cj_chain *c);

/* Undo record: u32 count, then per changed account pubkey || le64 old balance || le64 old nonce. */
uint8_t *cj_apply_undo(const overlay *o, size_t *len);

/* ---- schedule.c ---- */

/* Position of validator i of an n-validator set after the in-turn one for height h: 0 in turn, 1..n-1 out
 * of turn. */
uint64_t cj_schedule_turn_offset(size_t n, uint64_t h, size_t i);


/* ---- validators.c ---- */

/* Id of a key in the registry; registers it (memory only: callers persist ids they store) if new.
 * Returns the id or -1 on OOM. */
long cj_validators_reg_id(cj_chain *c, const uint8_t pk[32]);

/* Registry callback at open (rows in id order): ids come back exactly as stored. Ids of rows that were
 * rolled back leave gaps, filled with all-zero placeholders that no lookup can reach. */
int cj_validators_load_vkey(void *ctx, uint32_t id, const uint8_t pk[32]);

/* Releases a set. */
void cj_validators_vset_free(vset *s);

/* Index of a public key in s, or -1. */
long cj_validators_vset_find(const cj_chain *c, const vset *s, const uint8_t pk[32]);

/* Persists the set that follows anchor, with registry rows for its keys, in the caller's transaction. */
int cj_validators_vset_store(cj_chain *c, const uint8_t anchor[32], uint64_t anchor_height, const vset *s);

/* Releases a tally. */
void cj_validators_tally_free(tally *t);

/* Counts voter's vote once per (action, key). 0 or -1 on OOM. */
int cj_validators_tally_add(tally *t, const cj_vote *v, uint32_t voter);

/* The set of the next epoch: passing adds (key order, appended) then passing removes (key order; never the
 * last validator). A proposal passes with more than half of s's validators. 0 or -1 on OOM. */
int cj_validators_tally_apply(cj_chain *c, const tally *t, const vset *s, vset *out);

/* Whether vote v may be cast under set s: 0, or -1 with the reason in why. */
int cj_validators_vote_check(const cj_chain *c, const vset *s, const cj_vote *v, char *why, size_t whylen);

/* The set in force at height h on the branch through top (a stored block at height >= h - 1). 0 or -1. */
int cj_validators_set_for_height(cj_chain *c, const cj_store_block_info *top, uint64_t h, vset *out);

/* Called at every tip change: an intention the set in force satisfies is dropped once it has been satisfied
 * for max_reorg_depth blocks (a reorg can no longer undo the change); a reorg that undoes it re-arms it. */
void cj_validators_prune_intents(cj_chain *c);

/* Recomputes the set for tip+1, the current epoch's tally and my index from the store (at open, after an
 * undo, after a failed commit or reorg). 0 or -1. */
int cj_validators_load_epoch_state(cj_chain *c);

/* Logs a new validator set at an epoch boundary. */
void cj_validators_log_new_set(const cj_chain *c, const vset *old, uint64_t height);

/* The producer's vote: the first intention (round robin) valid under the set and not yet cast by me in this
 * epoch. 1 with *out, or 0. */
int cj_validators_choose_vote(cj_chain *c, cj_vote *out);

/* ---- validate.c ---- */

/* Every rule that needs only the block and its parent's header, cheapest first (docs/CHAIN.md
 * "Validation" steps 5-15), under `set`, the validator set in force at the block's height on its branch,
 * then the local clock rule (step 16). now_ms = INT64_MAX skips the clock rule (re-validation during a
 * reorg). */
cj_chain_status cj_validate_header(cj_chain *c, const coinjecture_block *b, const cj_store_block_info *parent,
                                    const vset *set, int64_t now_ms, block_facts *f, char *err, size_t errlen);

/* Byte offsets of each transaction inside the canonical block encoding (for the tx index); checks the
 * layout {header, transactions, reveal, cid} against the bytes. */
int cj_validate_tx_offsets(const coinjecture_block *b, const uint8_t *bytes, size_t len, uint32_t *off, uint32_t *sz);

/* ---- connect.c ---- */

/* Records double-sign evidence if this validator already has another block at this height. */
void cj_connect_check_double_sign(cj_chain *c, uint64_t height, uint32_t proposer, const uint8_t hash[32]);

/* Stores what a newly stored block adds to the validator bookkeeping: its sealer's registry row and its
 * vote. Inside the caller's transaction. 0 or -1. */
int cj_connect_store_block_vote(cj_chain *c, int64_t id, uint32_t proposer, const coinjecture_header *h);

/* Writes an applied block (row if new, undo, canon entry, tx index, changed accounts) in one store
 * transaction and moves the tip. The overlay holds the block's state changes, already in the tree. */
cj_chain_status cj_connect_commit(cj_chain *c, const coinjecture_block *b, const uint8_t *bytes, size_t len,
                                    const cj_store_block_info *info, int64_t existing_id,
                                    const uint8_t (*tx_hashes)[32], char *err, size_t errlen);

/* Applies a block whose static checks passed on top of the tip: transactions against running state
 * (signatures verified once: skipped when the pool already verified that exact tx), rewards, state root,
 * then commit. All or nothing. */
cj_chain_status cj_connect_block(cj_chain *c, const coinjecture_block *b, const uint8_t hash[32],
                                     const uint8_t *bytes, size_t len, const block_facts *f, int64_t existing_id,
                                     const cj_tx_source *src, long *bad_tx, char *err, size_t errlen);

/* Fills *m for a tip extended by block b: the old tip and the senders whose nonces moved (kept in a
 * chain-owned buffer until the next call; without memory senders is NULL with n_senders > 0, and the
 * follow-up prunes every sender). */
void cj_connect_note_move(cj_chain *c, const uint8_t old_tip[32], const coinjecture_block *b, cj_tip_move *m);

/* Undoes the tip inside an open store transaction: accounts from the undo record, tx index, canon. */
cj_chain_status cj_connect_undo_tip(cj_chain *c, char *err, size_t errlen);

/* ---- reorg.c ---- */

/* Moves the canonical chain to the branch ending at new_id (heavier than the tip): undo down to the fork
 * point, apply the branch, all in one outer store transaction. On failure everything is rolled back, the
 * offending block is deleted and the old tip stays. */
cj_chain_status cj_reorg_to(cj_chain *c, const cj_store_block_info *newtip, const cj_tx_source *src, cj_import_result *res,
                                char *err, size_t errlen);

/* Loads the depth blocks below old_tip (the undone branch) into c->undone_blocks, lowest first, for the
 * tip move. Best effort: on failure the move has no undone blocks. */
void cj_reorg_keep_undone(cj_chain *c, const uint8_t old_tip[32], uint64_t depth, cj_tip_move *m);

/* ---- fork_choice.c ---- */

/* Fork choice: greater cumulative weight, then the lower hash. */
int cj_fork_choice_better(const cj_chain *c, uint64_t weight, const uint8_t hash[32]);

#endif /* CJ_NODE_CHAIN_IMPL_H */
