/* Private to the codec (codec.c: encoders and hashes; codec_decode.c: strict decoders): the one schema of
 * the consensus types, key order and variant names, shared so that what is written and what is accepted
 * cannot drift apart (docs/spec/core.md §3, §4). */
#ifndef CJ_CODEC_SCHEMA_H
#define CJ_CODEC_SCHEMA_H

#include "msgpack.h"

#define CJ_KEY(s) {s, (uint8_t)(sizeof(s) - 1)}

static const cj_msgpack_key cj_codec_header_keys[10] = {
    CJ_KEY("codec_version"), CJ_KEY("block_index"),   CJ_KEY("timestamp"),  CJ_KEY("parent_hash"),
    CJ_KEY("merkle_root"),   CJ_KEY("miner_address"), CJ_KEY("commitment"), CJ_KEY("difficulty_target"),
    CJ_KEY("nonce"),         CJ_KEY("extra_data")};
static const cj_msgpack_key cj_codec_tx_keys[11] = {
    CJ_KEY("codec_version"), CJ_KEY("tx_type"),   CJ_KEY("from"),      CJ_KEY("to"),
    CJ_KEY("amount"),        CJ_KEY("nonce"),     CJ_KEY("gas_limit"), CJ_KEY("gas_price"),
    CJ_KEY("signature"),     CJ_KEY("data"),      CJ_KEY("timestamp")};
static const cj_msgpack_key cj_codec_problem_keys[5] = {
    CJ_KEY("problem_type"), CJ_KEY("tier"), CJ_KEY("elements"), CJ_KEY("target"), CJ_KEY("timestamp")};
static const cj_msgpack_key cj_codec_solution_keys[2] = {CJ_KEY("indices"), CJ_KEY("timestamp")};
static const cj_msgpack_key cj_codec_reveal_keys[4] = {CJ_KEY("problem"), CJ_KEY("solution"),
                                                       CJ_KEY("miner_salt"), CJ_KEY("nonce")};
static const cj_msgpack_key cj_codec_commitment_keys[4] = {CJ_KEY("epoch_salt"), CJ_KEY("problem_hash"),
                                                           CJ_KEY("solution_hash"), CJ_KEY("miner_salt")};
static const cj_msgpack_key cj_codec_block_keys[4] = {CJ_KEY("header"), CJ_KEY("transactions"),
                                                      CJ_KEY("reveal"), CJ_KEY("cid")};

/* Variant names, indexed by the C enum value minus one. */
static const char *const cj_codec_tx_types[3] = {"Transfer", "ProblemSubmission", "BountyPayment"};
static const char *const cj_codec_problem_types[7] = {"SubsetSum", "Knapsack",      "GraphColoring",
                                                      "SAT",       "TSP",           "Factorization",
                                                      "LatticeProblems"};
static const char *const cj_codec_tiers[5] = {"Mobile", "Desktop", "Workstation", "Server", "Cluster"};

/* Upper bounds of the straight-line pieces (computed from the longest value of every field). */
#define CJ_HEADER_HEAD_MAX 304 /* header up to and including the extra_data array header */
#define CJ_TX_HEAD_MAX 288     /* tx up to and including the data array header */
#define CJ_TX_TAIL_MAX 19      /* "timestamp" key and an i64 */
/* Smallest possible encoded transaction (Transfer, zero integers, no data): caps the tx array allocation. */
#define CJ_TX_MIN_SIZE 239
#define CJ_NO_INDEX CJ_MSGPACK_NO_INDEX

#define CJ_TRY(expr)                                                                                      \
    do {                                                                                                  \
        CoinjResult cj_try_rc_ = (expr);                                                                  \
        if (cj_try_rc_ != COINJ_OK) return cj_try_rc_;                                                    \
    } while (0)

#endif /* CJ_CODEC_SCHEMA_H */
