/* Shadow mode (DESIGN.md §8, docs/SHADOW.md): two parity checks on every canonical block.
 *
 *  - Backend parity: the block's header hash, every transaction hash and the Merkle root are recomputed
 *    with the crypto backend that is NOT active (named explicitly, coinjecture_backend_*; the global choice is
 *    never switched) and compared with the active backend's results. Where this CPU has no accelerated
 *    implementation the other side is the reference implementation through different code paths
 *    (streamed SHA-256 in odd chunks, pairwise Merkle), and the mode says so.
 *  - Peer parity: our block hash at each height is compared with the hash the named validator announced
 *    for that height (its P2P status, or the parent_hash of a block it sealed). A block it sealed that our
 *    chain rejects as invalid is a drift at its height at once (cj_shadow_on_invalid_block). A mismatch is first
 *    "pending" (transient forks resolve themselves); it becomes a drift once it has outlived
 *    settle_blocks more of our blocks or settle_ms, whichever comes first. Equal hashes at a height prove
 *    equal chains below it (headers chain by parent hash), so a match also settles every older pending
 *    height.
 *
 * A drift logs `HASH DIVERGENCE: block=N ours=<hex> theirs=<hex> kind=backend|peer what=...` at critical
 * level, increments coinjecture_parity_drifts_total{kind}, enters the ring of the last 32 divergences and,
 * with alert_on_divergence and an alert_command, starts `/bin/sh -c alert_command` in the background
 * (environment COINJECTURE_DIVERGENCE_HEIGHT/OURS/THEIRS/KIND/WHAT; at most one run per height; children
 * are reaped by cj_shadow_tick and killed after alert_timeout_ms). Matches increment
 * coinjecture_parity_matches_total{kind}.
 *
 * Pure component: no clock, no event loop, no chain access except in cj_shadow_catch_up (a convenience
 * for node.c). Single-threaded: call everything from the event-loop thread. */
#ifndef CJ_NODE_SHADOW_H
#define CJ_NODE_SHADOW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "coinjecture.h"

typedef struct cj_chain cj_chain;
typedef struct cj_shadow cj_shadow;

typedef enum { CJ_SHADOW_BACKEND = 0, CJ_SHADOW_PEER = 1 } cj_shadow_kind;

#define CJ_SHADOW_RING 32 /* divergences kept for /v1/parity */

typedef struct {
    int has_validator;         /* 0: no peer parity (backend parity only) */
    uint8_t validator[32];     /* public key of the validator compared with */
    long validator_index;      /* its index when configured as one, else -1 (reporting only) */
    int alert_on_divergence;   /* run alert_command on drifts (default 1) */
    int log_all_comparisons;   /* log every match at info level (default 0) */
    const char *alert_command; /* copied; NULL or "" = none */
    uint32_t settle_blocks;    /* peer mismatch becomes a drift after this many more of our blocks (2) */
    uint32_t settle_ms;        /* ... or after this long (30000); both 0 = at once */
    uint32_t alert_timeout_ms; /* alert children running longer are killed (60000) */
    uint32_t max_alerts;       /* alert children running at once at most (4) */
    uint32_t window;           /* heights tracked for peer parity, 16..1048576 (4096) */
    int force_streaming;       /* tests: compare with reference streaming even where accelerated exists */
} cj_shadow_options;

/* Fills o with the defaults above (no validator, no alert command). */
void cj_shadow_options_default(cj_shadow_options *o);

/* Resolves consensus.shadow_mode.compare_with_validator: 64 hex digits (optional 0x) are a public key;
 * a decimal number is an index into validators[0..count). Returns 0 with out_pubkey and *out_index (-1
 * for a key), or -1 with err ("compare_with_validator: index 7 is out of range (3 validators)"). */
int cj_shadow_parse_validator(const char *spec, const uint8_t (*validators)[32], size_t count,
                              uint8_t out_pubkey[32], long *out_index, char *err, size_t errlen);

/* Creates a shadow. NULL with err on bad options or OOM. Registers nothing: it updates the metric
 * families parity_matches_total / parity_drifts_total (label kind) if they exist. */
cj_shadow *cj_shadow_new(const cj_shadow_options *o, char *err, size_t errlen);

/* Frees s. Alert children that already exited are reaped; running ones are left to finish. NULL ok. */
void cj_shadow_free(cj_shadow *s);

/* A block became canonical at height (produced, imported, or re-applied by a reorg). our_hash is its
 * header hash as the chain computed it. Runs backend parity on b and records our hash for peer parity.
 * proposer_pubkey (may be NULL) is the sealer's key; when it is the named validator (else: when the
 * block's miner_address is the validator's address), the block's parent_hash is the validator's hash
 * of height - 1 and is compared as such. Returns the number of new drifts (0 or more), or -1 for NULL
 * arguments or a height that does not match b->header.block_index. */
int cj_shadow_on_block(cj_shadow *s, uint64_t height, const uint8_t our_hash[32], const coinjecture_block *b,
                       const uint8_t proposer_pubkey[32], int64_t now_ms);

/* A peer announced hash as its block at height (status "best" or a relayed block). Ignored (returns 0)
 * unless announcer_pubkey is the named validator; a later announcement for a height replaces the
 * earlier one. Returns new drifts, or -1 for NULL arguments. */
int cj_shadow_on_peer_hash(cj_shadow *s, uint64_t height, const uint8_t hash[32],
                           const uint8_t announcer_pubkey[32], int64_t now_ms);

/* The chain refused a block from a peer with a verdict that says the block itself breaks a rule
 * (cj_chain_status_is_invalid; verdict is its name plus detail, for the log). When h's miner_address is the
 * named validator's address and its seal verifies under the validator's key (checked here: a forged seal
 * never counts), it is a drift at h->block_index at once: theirs = h's hash, ours = our block there or 64
 * zeros until we have one (the ring entry is completed then), what "invalid_block". At most one drift per
 * height. Returns new drifts (0 or more), or -1 for NULL arguments. */
int cj_shadow_on_invalid_block(cj_shadow *s, const coinjecture_header *h, const char *verdict, int64_t now_ms);

/* Periodic work (call about once a second): settles pending peer mismatches older than settle_ms,
 * reaps finished alert children and kills those past alert_timeout_ms. Returns new drifts. NULL ok. */
int cj_shadow_tick(cj_shadow *s, int64_t now_ms);

/* Node convenience: feeds cj_shadow_on_block with every canonical block it has not seen yet, walking
 * back from the tip until a height whose hash it already recorded (so a reorg re-checks the new branch),
 * at most 1024 blocks per call; the first call only checks the tip. Returns new drifts, or -1 when a
 * block cannot be read. */
int cj_shadow_catch_up(cj_shadow *s, cj_chain *chain, int64_t now_ms);

typedef struct {
    uint64_t backend_matches, backend_drifts;
    uint64_t peer_matches, peer_drifts;
    uint64_t peer_pending;       /* mismatches waiting to settle */
    uint64_t peer_announcements; /* hashes accepted from the named validator */
    uint64_t blocks_checked;     /* cj_shadow_on_block calls that ran backend parity */
    uint64_t backend_errors;     /* blocks that could not be hashed at all (not counted as drifts) */
    uint64_t alerts_started, alerts_failed, alerts_skipped, alerts_killed;
    uint32_t alerts_running;
    uint64_t last_block_height;  /* height of the last on_block */
    uint64_t last_peer_height;   /* highest height the validator announced */
    int have_block, have_peer;
} cj_shadow_stats;

void cj_shadow_get_stats(const cj_shadow *s, cj_shadow_stats *out);

typedef struct {
    uint64_t height;
    cj_shadow_kind kind;
    char what[24];     /* "block_hash", "invalid_block", "header", "merkle_root", "tx[12]" */
    uint8_t ours[32];  /* peer: our block hash (zeros: not known yet); backend: the active backend's value */
    uint8_t theirs[32];/* peer: the validator's; backend: the other backend's value */
    int64_t time_ms;
    int resolved;      /* peer: the chains agreed again later */
} cj_shadow_divergence;

/* Copies up to max of the last CJ_SHADOW_RING divergences, newest first; returns how many. */
size_t cj_shadow_divergences(const cj_shadow *s, cj_shadow_divergence *out, size_t max);

/* "cross-backend" (active vs the other backend) or "reference-streaming" (no accelerated path here),
 * and the other side's description, e.g. "accelerated (sha-ni+avx512)". */
const char *cj_shadow_backend_mode(const cj_shadow *s);
const char *cj_shadow_backend_other(const cj_shadow *s);

/* GET /v1/parity body (docs/SHADOW.md). s == NULL gives {"enabled": false, ...} with zero counters.
 * New reference, NULL on OOM. */
json_t *cj_shadow_to_json(const cj_shadow *s);

#endif /* CJ_NODE_SHADOW_H */
