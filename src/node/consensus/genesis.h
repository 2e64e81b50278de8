/* The genesis parameters every node must agree on (parsed from the genesis file by daemon/genesis_file.c).
 *
 * Format (every key required but rules_version, no others allowed):
 *   {
 *     "rules_version": 2,                    chain rules (docs/CHAIN.md); optional in the file, absent = 1;
 *                                            this build runs CJ_GENESIS_RULES_VERSION only
 *     "chain_id": 1337,                      u64 (JSON integer or decimal string)
 *     "network": "coinjecture-testnet",      1..64 chars of [A-Za-z0-9._-]
 *     "genesis_time": 1700000000,            unix seconds, >= 0
 *     "block_time_ms": 2000,                 100 .. 3600000
 *     "epoch_length": 100,                   1 .. 1000000 (blocks; validator-set changes apply at boundaries)
 *     "validators": ["<64 hex>", ...],       ordered Ed25519 public keys, 1..CJ_GENESIS_MAX_VALIDATORS, distinct
 *     "allocations": [{"pubkey": "<64 hex>", "balance": 1000000}, ...]
 *                                            0..CJ_GENESIS_MAX_ALLOCATIONS, distinct pubkeys, balances are u64
 *                                            (integer or decimal string), total must fit in u64
 *   }
 * Hex may carry an optional "0x" prefix. Parsing is strict: unknown or missing keys, wrong types,
 * floats, negative numbers, overflow, bad hex and duplicates are refused with a message naming the key.
 * The genesis BLOCK (and so the genesis hash) is built from this struct by the chain module; the file's
 * bytes themselves do not enter consensus, so whitespace and key order in the file do not matter. */
#ifndef CJ_NODE_GENESIS_H
#define CJ_NODE_GENESIS_H

#include <stddef.h>
#include <stdint.h>

#define CJ_GENESIS_RULES_VERSION 2u /* the chain rules this build implements (2: parent-relative schedule) */
#define CJ_GENESIS_MAX_VALIDATORS 1024u
#define CJ_GENESIS_MAX_ALLOCATIONS 1000000u
#define CJ_GENESIS_MAX_NETWORK 64u
#define CJ_GENESIS_MAX_FILE (64u * 1024u * 1024u) /* bytes */

typedef struct {
    uint8_t pubkey[32]; /* raw Ed25519 public key (transactions carry raw keys) */
    uint64_t balance;
} cj_genesis_alloc;

typedef struct cj_genesis {
    uint32_t rules_version; /* committed in the genesis hash; cj_chain_open refuses any but CJ_GENESIS_RULES_VERSION */
    uint64_t chain_id;
    char network[CJ_GENESIS_MAX_NETWORK + 1]; /* NUL-terminated */
    int64_t genesis_time;                     /* unix seconds */
    uint64_t block_time_ms;
    uint64_t epoch_length;
    size_t validator_count;
    uint8_t (*validators)[32]; /* validator_count keys, heap, in file order */
    size_t alloc_count;
    cj_genesis_alloc *allocs;  /* alloc_count entries, heap, in file order */
} cj_genesis;


/* Index of pubkey in g->validators, or -1 if it is not a genesis validator. */
long cj_genesis_validator_index(const cj_genesis *g, const uint8_t pubkey[32]);

/* Releases what g owns and zeroes it. NULL is a no-op. */
void cj_genesis_free(cj_genesis *g);

#endif /* CJ_NODE_GENESIS_H */
