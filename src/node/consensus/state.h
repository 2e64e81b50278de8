/* Account state and its root: every account (raw Ed25519 public key -> balance, nonce) as a leaf of a
 * sparse binary Merkle tree over key = SHA-256(pubkey), with single-leaf subtrees collapsed into the
 * leaf (docs/CHAIN.md "State root"):
 *
 *   node(prefix P) = 32 zero bytes                        if no key starts with P
 *                  = SHA-256(pubkey || le64 balance || le64 nonce)   if exactly one key does (48-byte preimage)
 *                  = SHA-256(node(P||0) || node(P||1))    otherwise (64-byte preimage)
 *   state root     = node(empty prefix)
 *
 * The shape depends only on the set of keys, so the root is independent of insertion order. An account
 * with balance 0 and nonce 0 is absent (setting it deletes the leaf). The whole tree lives in memory;
 * hashes are recomputed lazily for the paths that changed, so a block costs O(accounts touched * depth).
 * Not thread-safe. */
#ifndef CJ_NODE_STATE_H
#define CJ_NODE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "coinjecture.h"

typedef struct cj_state cj_state;

cj_state *cj_state_new(void); /* NULL on OOM */
void cj_state_free(cj_state *s);

/* Balance and nonce of pubkey; returns 1 if present, 0 if absent or on NULL arguments (out zeroed). */
int cj_state_get(const cj_state *s, const uint8_t pubkey[32], coinjecture_account *out);
/* Sets an account; {0, 0} removes it. Returns 0, or -1 on OOM or NULL arguments (state unchanged). */
int cj_state_set(cj_state *s, const uint8_t pubkey[32], const coinjecture_account *a);
/* The root (recomputes dirty paths). The empty state has the all-zero root. */
void cj_state_root(cj_state *s, uint8_t out[32]);
/* Number of accounts present. */
uint64_t cj_state_count(const cj_state *s);

/* Leaf hash of an account (exposed for proofs and tests). */
void cj_state_leaf_hash(const uint8_t pubkey[32], uint64_t balance, uint64_t nonce, uint8_t out[32]);

/* Proof that pubkey has (balance, nonce) or is absent. siblings[i] is the hash of the other child at
 * depth i on the way from the root (i < depth). The walk ended at: an empty subtree (kind 0), the
 * account's own leaf (kind 1), or another account's leaf sharing the first `depth` key bits (kind 2,
 * described by other_*). */
typedef struct {
    uint32_t depth;
    uint8_t kind;
    uint8_t siblings[256][32];
    uint8_t other_pubkey[32];
    uint64_t other_balance, other_nonce;
} cj_state_proof;

/* Builds the proof for pubkey against the current root. Returns 0, or -1 on NULL arguments. */
int cj_state_prove(cj_state *s, const uint8_t pubkey[32], cj_state_proof *out);
/* Checks a proof: a = the claimed account ({0,0} or NULL = absent). Returns 1 if it proves the claim
 * under root, else 0. */
int cj_state_verify_proof(const uint8_t root[32], const uint8_t pubkey[32], const coinjecture_account *a,
                          const cj_state_proof *p);

#endif /* CJ_NODE_STATE_H */
