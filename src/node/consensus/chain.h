/* The chain: genesis block, block validation, atomic application with undo data, block production,
 * canonical head and fork choice (PoA round-robin, DESIGN.md §4-§5, rules in docs/CHAIN.md).
 *
 * One cj_chain owns the data directory (SQLite store + in-memory account state). It is single-threaded:
 * call every function from the thread that owns the event loop. Time is always passed in (Unix ms), the
 * chain never reads the clock, so tests and replays are deterministic.
 *
 * Error convention: functions that can fail return a cj_chain_status (CJ_CHAIN_OK = 0) and, when err is
 * not NULL, write a one-line reason into err[0..errlen). Outputs are zeroed on failure. */
#ifndef CJ_NODE_CHAIN_H
#define CJ_NODE_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "coinjecture.h"

struct cj_genesis;
struct cj_state;
typedef struct cj_chain cj_chain;

/* Why an operation failed. Block import reports the first rule the block breaks, checked cheapest first
 * (the order below from CJ_CHAIN_TOO_LARGE to CJ_CHAIN_BAD_STATE_ROOT). */
typedef enum {
    CJ_CHAIN_OK = 0,
    CJ_CHAIN_INTERNAL = 1,        /* I/O, SQLite, out of memory, corrupted data dir */
    CJ_CHAIN_BAD_ARG = 2,         /* NULL or malformed argument */
    CJ_CHAIN_GENESIS_MISMATCH = 3,/* the data dir belongs to another genesis, or to other chain rules */
    CJ_CHAIN_NOT_FOUND = 4,       /* block / transaction not in the store */
    CJ_CHAIN_NOT_VALIDATOR = 5,   /* produce: this node has no key in the validator set (observer) */
    /* block import verdicts */
    CJ_CHAIN_TOO_LARGE = 10,      /* encoded size > COINJECTURE_MAX_BLOCK_SIZE */
    CJ_CHAIN_DECODE = 11,         /* not a canonical encoding of a block */
    CJ_CHAIN_KNOWN = 12,          /* already stored (canonical or side chain); not an error for relaying */
    CJ_CHAIN_ORPHAN = 13,         /* parent unknown: buffer it and ask peers for the parent */
    CJ_CHAIN_BAD_HEADER = 14,     /* codec_version, extra_data length, cid, tx count, difficulty, nonce */
    CJ_CHAIN_BAD_HEIGHT = 15,     /* block_index != parent height + 1 */
    CJ_CHAIN_BAD_TIMESTAMP = 16,  /* not after the parent, or before the proposer's earliest slot time */
    CJ_CHAIN_FUTURE = 17,         /* timestamp ahead of now by more than the clock tolerance: not due yet (held
                                   * until cj_import_result.due_ms), or refused beyond max_future_ms */
    CJ_CHAIN_BAD_PROPOSER = 18,   /* miner_address is not a validator at this height */
    CJ_CHAIN_BAD_SEAL = 19,       /* Ed25519 seal does not verify under the proposer's key */
    CJ_CHAIN_BAD_MERKLE = 20,     /* merkle_root != Merkle root of the transaction hashes */
    CJ_CHAIN_BAD_POW = 21,        /* reveal problem not the derived one, solution invalid, commitment */
    CJ_CHAIN_BAD_TX = 22,         /* a transaction fails (signature, type, nonce, fee, balance, overflow) */
    CJ_CHAIN_BAD_STATE_ROOT = 23, /* state root after application != the one in extra_data */
    CJ_CHAIN_REORG_TOO_DEEP = 24, /* heavier side chain forks more than max_reorg_depth below the tip */
    CJ_CHAIN_BAD_VOTE = 25,       /* the block's validator vote is invalid for the set in force (checked right
                                   * after the seal); also: a local vote intention that cannot be cast */
    CJ_CHAIN_SIDE_TOO_DEEP = 26,  /* side block whose parent is more than max_reorg_depth below the tip: not stored */
    CJ_CHAIN_SIDE_LIMIT = 27      /* side block whose proposer has CJ_CHAIN_MAX_SIDE_PER_SLOT blocks at that height
                                   * stored already (double signing beyond evidence): not stored */
} cj_chain_status;

/* Blocks stored per proposer per height at most (the canonical one included): two make double-sign evidence,
 * more only fill the store (docs/CHAIN.md). */
#define CJ_CHAIN_MAX_SIDE_PER_SLOT 2

/* Short name of a status ("bad-seal"), for logs, metrics labels and API errors. Never NULL. */
const char *cj_chain_status_name(cj_chain_status s);

/* Tunables (not consensus, except that all honest nodes should use the same max_future_ms and similar
 * clock tolerances). */
typedef struct {
    uint32_t max_future_ms;   /* a block more than this ahead of now is refused (FUTURE, due_ms 0); default 15000 */
    uint32_t clock_tolerance_ms; /* a block is accepted once its timestamp <= now + this; until then it is
                                  * FUTURE with a due time (held by the caller). 0 = min(250, block_time / 2);
                                  * capped at max_future_ms */
    uint32_t max_reorg_depth; /* default 100 */
    uint32_t max_block_txs;   /* production cap, 1..COINJECTURE_MAX_TX_PER_BLOCK; default 10000 */
    int sync_full;            /* 1 (default): fsync each block commit (power-loss safe); 0: process-crash safe */
} cj_chain_options;

void cj_chain_options_default(cj_chain_options *o);

/* Creates the data dir (mode 0700) and the database with the genesis block if it is empty; refuses a dir
 * that holds another genesis (CJ_CHAIN_GENESIS_MISMATCH). cj_chain_open does the same on its own; this
 * is for `coinjectured init`. */
cj_chain_status cj_chain_init_datadir(const char *data_dir, const struct cj_genesis *g, char *err,
                                      size_t errlen);

/* Opens (creating if needed) the chain in data_dir for genesis g. validator_sk64 is the node's libsodium
 * secret key (seed || public key) or NULL for an observer; it is copied into locked memory (the caller
 * may wipe its copy). g is not retained (the caller may free it after open). opt may be NULL (defaults).
 * On restart the head is the last committed block and the account state is rebuilt and checked against
 * its state root.
 * Returns CJ_CHAIN_OK and *out, or an error with *out = NULL. */
cj_chain_status cj_chain_open(const char *data_dir, const struct cj_genesis *g,
                              const uint8_t *validator_sk64, const cj_chain_options *opt, cj_chain **out,
                              char *err, size_t errlen);

/* Closes the store and wipes the key. NULL is a no-op. */
void cj_chain_close(cj_chain *c);

/* ---- head ---- */
uint64_t cj_chain_height(const cj_chain *c);
void cj_chain_tip_hash(const cj_chain *c, uint8_t out[32]);
int64_t cj_chain_tip_timestamp(const cj_chain *c); /* header timestamp, Unix ms */
uint64_t cj_chain_tip_weight(const cj_chain *c);   /* cumulative weight (in-turn 2, out-of-turn 1) */
void cj_chain_genesis_hash(const cj_chain *c, uint8_t out[32]);
void cj_chain_state_root(const cj_chain *c, uint8_t out[32]); /* state root at the tip */

/* ---- blocks ---- */
typedef struct {
    coinjecture_block block; /* decoded; owns its transactions, data and cid */
    uint8_t hash[32];        /* coinjecture_header_hash(&block.header) */
    uint64_t height;
    uint64_t cum_weight;
    int canonical;           /* 1 if on the canonical chain */
    uint8_t *bytes;          /* canonical encoding (as stored and relayed) */
    size_t len;
    int has_proposer;        /* 1 if proposer is known (every block but genesis) */
    uint8_t proposer[32];    /* the sealer's public key (also for validators voted out since) */
} cj_chain_block;

/* Canonical block at height h / any stored block by hash. CJ_CHAIN_NOT_FOUND if absent.
 * Release with cj_chain_block_free. */
cj_chain_status cj_chain_block_by_height(cj_chain *c, uint64_t h, cj_chain_block *out);
cj_chain_status cj_chain_block_by_hash(cj_chain *c, const uint8_t hash[32], cj_chain_block *out);
/* Raw canonical bytes only (cheaper: no decode), for relaying and sync. Release with free(). */
cj_chain_status cj_chain_block_bytes(cj_chain *c, uint64_t h, uint8_t **out, size_t *out_len,
                                     uint8_t out_hash[32]);
void cj_chain_block_free(cj_chain_block *b);

/* ---- transactions ---- */
typedef struct {
    coinjecture_tx tx;      /* owns tx.data; release with cj_chain_tx_free */
    uint8_t hash[32];       /* coinjecture_tx_hash */
    uint64_t height;        /* block height */
    uint32_t index;         /* position in the block */
    uint8_t block_hash[32];
    int64_t block_timestamp;/* Unix ms */
} cj_chain_tx;

/* A confirmed (canonical chain) transaction by hash; CJ_CHAIN_NOT_FOUND if not confirmed (look in the
 * mempool next). */
cj_chain_status cj_chain_tx_by_hash(cj_chain *c, const uint8_t hash[32], cj_chain_tx *out);
void cj_chain_tx_free(cj_chain_tx *t);

/* ---- accounts ---- */
/* Balance and nonce of a raw Ed25519 public key at the tip; unknown accounts read as zeros.
 * Returns 1 if the account exists in the state, 0 if not (out zeroed). */
int cj_chain_account(const cj_chain *c, const uint8_t pubkey[32], coinjecture_account *out);
/* The accounts at the tip, read-only: all the mempool reads of the chain (state.h). Valid while c is open;
 * it follows the tip. */
const struct cj_state *cj_chain_state(const cj_chain *c);
/* Number of accounts in the state. */
uint64_t cj_chain_account_count(const cj_chain *c);

/* ---- validators and schedule (docs/CHAIN.md "Proposers", "Validator votes") ----
 * "The set" below is the validator set in force at height tip+1 (the next block); it changes only at
 * epoch boundaries (heights that are multiples of the genesis epoch_length), after votes. */
size_t cj_chain_validator_count(const cj_chain *c);
/* i-th validator public key of the set (NULL if out of range). */
const uint8_t *cj_chain_validator(const cj_chain *c, size_t i);
/* Index of this node's key in the set, or -1 (observer or not a validator). */
long cj_chain_my_index(const cj_chain *c);
/* Blocks by validator i of the set on the canonical chain counted since open (0 if out of range). */
uint64_t cj_chain_validator_blocks(const cj_chain *c, size_t i);
/* The schedule rule of chain rules 2 (docs/CHAIN.md "Proposers"), pure: the earliest timestamp at which
 * validator i of an n-validator set may seal height h on a parent with timestamp parent_ts is
 * parent_ts + (1 + k) * block_time_ms, with turn offset k = (i - h) mod n (0 in turn). INT64_MAX when i >= n,
 * n = 0, parent_ts < 0 or on overflow. */
int64_t cj_chain_schedule_earliest(int64_t parent_ts, uint64_t block_time_ms, size_t n, uint64_t h, size_t i);
/* Earliest timestamp (Unix ms) at which validator i of the set may seal height h on the current tip
 * (cj_chain_schedule_earliest with the tip's timestamp); h must be tip+1, other heights give INT64_MAX, as
 * does an i out of range. */
int64_t cj_chain_earliest_ms(const cj_chain *c, uint64_t h, size_t i);
/* Turn offset k of validator i of the set at tip+1 (0 = in turn), UINT64_MAX if i is out of range. */
uint64_t cj_chain_turn_offset(const cj_chain *c, size_t i);
/* When this node may next produce (earliest_ms for tip+1), or INT64_MAX for an observer. The event loop
 * arms its timer for max(this, now) and calls cj_chain_produce then. */
int64_t cj_chain_next_production_ms(const cj_chain *c);
/* Chain parameters. */
uint64_t cj_chain_block_time_ms(const cj_chain *c);
/* The clock tolerance in force (cj_chain_options.clock_tolerance_ms after defaults) and max_future_ms. */
uint32_t cj_chain_clock_tolerance_ms(const cj_chain *c);
uint32_t cj_chain_max_future_ms(const cj_chain *c);
uint64_t cj_chain_chain_id(const cj_chain *c);

/* ---- validator votes (docs/CHAIN.md "Validator votes") ---- */
typedef enum { CJ_VOTE_NONE = 0, CJ_VOTE_ADD = 1, CJ_VOTE_REMOVE = 2 } cj_vote_action;

typedef struct {
    cj_vote_action action; /* CJ_VOTE_ADD or CJ_VOTE_REMOVE */
    uint8_t key[32];       /* the Ed25519 public key to add or remove */
} cj_vote;

#define CJ_CHAIN_VOTE_LEN 33u         /* action byte || key */
#define CJ_CHAIN_EXTRA_PLAIN 96u      /* extra_data without a vote: state_root || seal */
#define CJ_CHAIN_EXTRA_VOTE 129u      /* with a vote: state_root || vote || seal */
#define CJ_CHAIN_MAX_VOTE_INTENTS 64u /* local intentions a node keeps */

/* Layout of a sealed header's extra_data: returns 1 and *out if it carries a vote (action byte copied as
 * is, even if invalid), 0 if it carries none (96 bytes), -1 if its length is neither 96 nor 129 or an
 * argument is NULL. Pure: no chain needed. */
int cj_chain_header_vote(const coinjecture_header *h, cj_vote *out);
/* 1 if h carries a valid seal by pubkey (extra_data of 96 or 129 bytes, the signature over the header hash
 * with extra_data minus its last 64 bytes), else 0. Pure: no chain needed. */
int cj_chain_seal_ok(const coinjecture_header *h, const uint8_t pubkey[32]);
/* "add:<64 hex>" / "remove:<64 hex>" (hex may carry 0x) -> vote. 0 or -1. */
int cj_chain_vote_parse(const char *text, cj_vote *out);
/* "add" / "remove" / "none". Never NULL. */
const char *cj_chain_vote_action_name(cj_vote_action a);

uint64_t cj_chain_epoch_length(const cj_chain *c);
/* First height of the epoch after the one height tip+1 belongs to: where the pending proposals apply. */
uint64_t cj_chain_epoch_end(const cj_chain *c);
/* Votes a proposal needs to pass: floor(N/2) + 1 with N = the set's size. */
size_t cj_chain_votes_needed(const cj_chain *c);

/* Pending proposals: the tally of the canonical blocks of the current epoch (from its first height to the
 * tip), in the order they were first voted. Views stay valid until the tip changes. */
size_t cj_chain_proposal_count(const cj_chain *c);
/* Proposal i: its vote and how many distinct validators voted for it. -1 if i is out of range. */
int cj_chain_proposal(const cj_chain *c, size_t i, cj_vote *vote, size_t *votes);
/* Public key of the j-th voter of proposal i (in the order their votes were sealed), or NULL. */
const uint8_t *cj_chain_proposal_voter(const cj_chain *c, size_t i, size_t j);

/* The set in force at canonical height h (h <= tip + 1): copies up to max keys into out (may be NULL with
 * max 0) and returns the set's size, or 0 if h is above tip + 1 or the store fails. */
size_t cj_chain_validators_at(cj_chain *c, uint64_t h, uint8_t (*out)[32], size_t max);

/* Recent activity of each validator of the set over the last `window` canonical blocks (1..100000). */
typedef struct {
    uint64_t last_height;  /* height of its most recent block in the window, 0 if none */
    int64_t last_ms;       /* that block's timestamp (Unix ms), 0 if none */
    uint64_t blocks;       /* blocks it sealed in the window */
    uint64_t in_turn;      /* heights in the window where it was the in-turn proposer */
    uint64_t missed;       /* ... of which another validator sealed the block */
} cj_validator_activity;
/* Fills out[0..min(max, N)) in set order; returns how many, or 0 for NULL, max 0, a window outside
 * 1..100000 or a store error. */
size_t cj_chain_validator_activity(cj_chain *c, uint64_t window, cj_validator_activity *out, size_t max);

/* Local vote intentions (not consensus, not persisted): what this validator puts into the blocks it seals.
 * At each block it seals, the producer casts the first intention (round robin) that is valid for the set
 * in force and that it has not already cast in the current epoch. An intention the set satisfies (the key
 * was added / removed) is skipped, and dropped once that has held for max_reorg_depth blocks (a reorg
 * can no longer undo it; a reorg that does undo it earlier makes it active again).
 * add: CJ_CHAIN_OK if added or already present; CJ_CHAIN_BAD_ARG for NULL, an unknown action, a key that
 * is not a valid Ed25519 point (add) or a full list; CJ_CHAIN_BAD_VOTE if it is already satisfied (adding a
 * member, removing a non-member) or would remove the last validator. */
cj_chain_status cj_chain_vote_intent_add(cj_chain *c, const cj_vote *v, char *err, size_t errlen);
/* Withdraws an intention (a vote already sealed in this epoch keeps counting). 1 removed, 0 absent. */
int cj_chain_vote_intent_del(cj_chain *c, const cj_vote *v);
/* Copies up to max intentions in order; returns how many there are. */
size_t cj_chain_vote_intents(const cj_chain *c, cj_vote *out, size_t max);
/* 1 if this node's key sealed a vote for v in the current epoch (it counts in the tally), else 0. */
int cj_chain_vote_cast(const cj_chain *c, const cj_vote *v);

/* ---- producing and importing ---- */

/* What the chain asks of whoever holds pending transactions; the daemon wires the mempool in
 * (cj_mempool_source), the chain itself knows no pool. Every member may be NULL. */
enum { CJ_PICK_TAKE = 0, CJ_PICK_SKIP = 1, CJ_PICK_DROP = 2, CJ_PICK_STOP = 3 };
typedef int (*cj_chain_pick_fn)(void *pick_ctx, const coinjecture_tx *tx, const uint8_t hash[32]);
typedef struct {
    void *ctx;
    /* 1 if the signature of the tx with this hash was verified already (the hash covers the signature). */
    int (*sig_verified)(void *ctx, const uint8_t hash[32]);
    /* How many candidates select may offer at most. */
    size_t (*count)(void *ctx);
    /* Offers candidates in block order for the accounts of state (the tip's) to pick (CJ_PICK_*: take, skip
     * this sender, drop it, stop); the offered tx stays valid until the source changes. */
    void (*select)(void *ctx, const struct cj_state *state, cj_chain_pick_fn pick, void *pick_ctx);
} cj_tx_source;

/* How the tip moved in one produce or import call: the follow-up (mempool pruning and re-admission, relay,
 * metrics) needs nothing else. Pointers stay valid until the next call that changes the chain. */
typedef struct {
    int moved;                    /* 1 if the tip changed */
    uint32_t undone;              /* blocks of the old branch undone (reorg depth); 0 for an extension */
    uint8_t old_tip[32];          /* the tip before the call */
    const uint8_t (*senders)[32]; /* senders of the transactions of the one connected block (extension);
                                   * NULL with n_senders > 0 when they could not be listed: all moved */
    uint32_t n_senders;
    const coinjecture_block *undone_blocks; /* the `undone` blocks of the old branch, lowest first, for their
                                             * transactions to be pending again; NULL if unavailable */
} cj_tip_move;
typedef struct {
    int produced;        /* 1 if a block was sealed and committed */
    uint8_t hash[32];
    uint64_t height;
    uint32_t tx_count;
    uint32_t dropped_txs;/* mempool txs that failed against running state and were removed */
    uint64_t nonce;      /* subset-sum search: the reveal nonce found */
    int voted;           /* 1 if the block carries a validator vote (then vote says which) */
    cj_vote vote;
    cj_tip_move move;    /* the tip move, when produced */
} cj_produce_result;

/* Produces the next block if this node may seal height tip+1 at now_ms (from the tip's timestamp + one
 * block time in turn, k more block times out of turn), with timestamp now_ms: takes transactions from src (may be NULL: empty block) in its order, skips the
 * ones failing against running state (CJ_PICK_DROP tells the source), credits rewards and fees, solves the
 * subset-sum problem, casts at most one vote intention, seals, and commits atomically. out->move says
 * which senders' nonces moved, for the source's follow-up.
 * Returns CJ_CHAIN_OK (out->produced says whether a block was made; 0 = not our time yet),
 * CJ_CHAIN_NOT_VALIDATOR, or CJ_CHAIN_INTERNAL. */
cj_chain_status cj_chain_produce(cj_chain *c, const cj_tx_source *src, int64_t now_ms, cj_produce_result *out,
                                 char *err, size_t errlen);

typedef struct {
    uint8_t hash[32];     /* the block's hash (valid when it decoded) */
    uint64_t height;      /* its height (valid when it decoded) */
    int extended;         /* 1 if the block became the new tip */
    int reorged;          /* 1 if the tip moved to another branch (then reorg_depth blocks were undone) */
    uint32_t reorg_depth;
    int side;             /* 1 if stored on a lighter side branch */
    long bad_tx;          /* index of the failing transaction for CJ_CHAIN_BAD_TX, else -1 */
    int64_t due_ms;       /* CJ_CHAIN_FUTURE: the local time (Unix ms) from which the block is accepted
                           * (timestamp - clock tolerance): hold it until then; 0 when it is more than
                           * max_future_ms ahead (refused, counted in blocks_rejected) */
    cj_tip_move move;     /* how the tip moved (move.moved = extended) */
} cj_import_result;

/* Imports a block received from elsewhere (bytes = canonical encoding): validates it fully, cheapest
 * checks first, and applies it atomically (all or nothing) if it extends the best chain; a heavier side
 * branch triggers a reorg through undo data. block, when not NULL, is the caller's decoding of bytes (a
 * received block is decoded once); src may be NULL: signatures it vouches for are not verified again.
 * out->move says how the tip moved.
 * Returns CJ_CHAIN_OK, CJ_CHAIN_KNOWN, or a verdict naming the broken rule; state is unchanged on error. */
cj_chain_status cj_chain_import(cj_chain *c, const uint8_t *bytes, size_t len, const coinjecture_block *block,
                                int64_t now_ms, const cj_tx_source *src, cj_import_result *out, char *err,
                                size_t errlen);

/* 1 if an import verdict means the sender broke a rule (penalise, count as rejected); 0 for OK, KNOWN,
 * ORPHAN, FUTURE (may become valid) and INTERNAL (our fault). The one place that decides. */
int cj_chain_status_is_invalid(cj_chain_status s);

/* Bulk import (range sync): on = 1 commits imported blocks without an fsync each (SQLite WAL NORMAL: a
 * power loss may lose the last ones, never corrupts; peers send them again), 2x faster on small blocks;
 * 0 restores the configured durability (cj_chain_options.sync_full). cj_chain_produce always commits
 * its block with the configured durability (it leaves bulk mode first). No-op on NULL. */
void cj_chain_set_bulk_import(cj_chain *c, int on);

/* Undoes the tip block (it stays stored as a side block) using its undo data. For reorgs and tests;
 * refuses to undo genesis. */
cj_chain_status cj_chain_undo_tip(cj_chain *c, char *err, size_t errlen);

/* ---- counters (since open) ---- */
typedef struct {
    uint64_t blocks_produced;
    uint64_t blocks_imported;   /* accepted from elsewhere */
    uint64_t blocks_rejected;   /* import verdicts other than OK / KNOWN / ORPHAN, and FUTURE beyond max_future_ms */
    uint64_t future_rejected;   /* ... of which FUTURE beyond max_future_ms */
    uint64_t reorgs;
    uint64_t txs_confirmed;
    uint64_t double_signs;      /* evidence records seen */
} cj_chain_stats;
void cj_chain_get_stats(const cj_chain *c, cj_chain_stats *out);

/* ---- double-sign evidence: two different sealed headers at one height from one validator ---- */
typedef struct {
    uint64_t height;
    uint8_t validator[32]; /* public key */
    uint8_t hash_a[32];
    uint8_t hash_b[32];
} cj_evidence;
/* Copies up to max most recent evidence records into out; returns how many. */
size_t cj_chain_evidence(cj_chain *c, cj_evidence *out, size_t max);

#endif /* CJ_NODE_CHAIN_H */
