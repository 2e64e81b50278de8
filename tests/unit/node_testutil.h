/* Helpers shared by the test_node_* unit tests (header-only: static inline). Keys from fixed seeds,
 * temporary data dirs, genesis structs, signed transfers, block re-sealing. */
#ifndef CJ_NODE_TESTUTIL_H
#define CJ_NODE_TESTUTIL_H

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chain.h"
#include "genesis.h"
#include "mempool.h"
#include "testutil.h"

#define NT_GENESIS_TIME 1700000000
#define NT_BLOCK_MS 1000
#define NT_T0 ((int64_t)NT_GENESIS_TIME * 1000) /* slot(0) */

typedef struct {
    uint8_t pk[32];
    uint8_t sk[64];
} nt_key;

/* Ed25519 key from a seed of 32 copies of b. */
static inline void nt_key_make(nt_key *k, uint8_t b)
{
    uint8_t seed[32];
    memset(seed, b, 32);
    assert_int_equal(sodium_init() >= 0, 1);
    assert_int_equal(crypto_sign_seed_keypair(k->pk, k->sk, seed), 0);
}

/* A fresh temporary directory path (the directory itself is created by the chain). */
static inline char *nt_tmpdir(void)
{
    char tmpl[] = "/tmp/cjnode-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char *d = malloc(strlen(tmpl) + 3);
    assert_non_null(d);
    sprintf(d, "%s/d", tmpl);
    return d;
}

/* Removes what the store writes, then the two directory levels. */
static inline void nt_rmdir(char *d)
{
    static const char *const names[] = {"chain.db", "chain.db-wal", "chain.db-shm", "node.lock"};
    char p[512];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", d, names[i]);
        unlink(p);
    }
    rmdir(d);
    char *slash = strrchr(d, '/');
    if (slash) {
        *slash = 0;
        rmdir(d);
    }
    free(d);
}

/* Genesis with nval validators and every alloc key funded with balance (heap arrays: cj_genesis_free). */
static inline void nt_genesis(cj_genesis *g, size_t nval, const nt_key *vals, size_t nalloc, const nt_key *allocs,
                              uint64_t balance)
{
    memset(g, 0, sizeof *g);
    g->rules_version = CJ_GENESIS_RULES_VERSION;
    g->chain_id = 1337;
    strcpy(g->network, "cj-testnet");
    g->genesis_time = NT_GENESIS_TIME;
    g->block_time_ms = NT_BLOCK_MS;
    g->epoch_length = 100;
    g->validator_count = nval;
    g->validators = malloc(nval * 32);
    assert_non_null(g->validators);
    for (size_t i = 0; i < nval; i++) memcpy(g->validators[i], vals[i].pk, 32);
    g->alloc_count = nalloc;
    g->allocs = nalloc ? calloc(nalloc, sizeof *g->allocs) : NULL;
    for (size_t i = 0; i < nalloc; i++) {
        memcpy(g->allocs[i].pubkey, allocs[i].pk, 32);
        g->allocs[i].balance = balance;
    }
}

/* Opens a chain (fsync off: tests kill processes, not machines). */
static inline cj_chain *nt_open(const char *dir, const cj_genesis *g, const nt_key *k)
{
    cj_chain_options o;
    cj_chain_options_default(&o);
    o.sync_full = 0;
    cj_chain *c = NULL;
    char err[512] = "";
    cj_chain_status st = cj_chain_open(dir, g, k ? k->sk : NULL, &o, &c, err, sizeof err);
    if (st != CJ_CHAIN_OK) fprintf(stderr, "open: %s\n", err);
    assert_int_equal(st, CJ_CHAIN_OK);
    assert_non_null(c);
    return c;
}

/* A signed transfer (gas 21000 x gas_price). */
static inline coinjecture_tx nt_tx(const nt_key *from, const uint8_t to[32], uint64_t amount, uint64_t nonce,
                                   uint64_t gas_price)
{
    coinjecture_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.codec_version = 1;
    tx.tx_type = COINJECTURE_TX_TRANSFER;
    memcpy(tx.from, from->pk, 32);
    memcpy(tx.to, to, 32);
    tx.amount = amount;
    tx.nonce = nonce;
    tx.gas_limit = 21000;
    tx.gas_price = gas_price;
    tx.timestamp = NT_GENESIS_TIME;
    assert_int_equal(coinjecture_tx_sign(&tx, from->sk), COINJ_OK);
    return tx;
}

/* Adds a tx to a pool and asserts the verdict. */
static inline void nt_add(cj_mempool *mp, const cj_chain *c, const coinjecture_tx *tx, cj_mempool_status want)
{
    char err[256] = "";
    cj_mempool_status st = cj_mempool_add(mp, cj_chain_state(c), tx, NT_T0, NULL, err, sizeof err);
    if (st != want) fprintf(stderr, "mempool add: %s (%s)\n", cj_mempool_status_name(st), err);
    assert_int_equal(st, want);
}

/* Produces at now (must produce) from mp (may be NULL), prunes mp as the daemon's follow-up does, and
 * returns the new block's canonical bytes (free()). */
static inline uint8_t *nt_produce(cj_chain *c, cj_mempool *mp, int64_t now, size_t *len, cj_produce_result *res)
{
    cj_produce_result r;
    char err[256] = "";
    cj_tx_source src;
    cj_mempool_source(mp, &src);
    cj_chain_status st = cj_chain_produce(c, &src, now, &r, err, sizeof err);
    if (st == CJ_CHAIN_OK) (void)cj_mempool_on_tip(mp, cj_chain_state(c), &r.move, now);
    if (st != CJ_CHAIN_OK) fprintf(stderr, "produce: %s\n", err);
    assert_int_equal(st, CJ_CHAIN_OK);
    assert_int_equal(r.produced, 1);
    uint8_t *bytes = NULL, hash[32];
    assert_int_equal(cj_chain_block_bytes(c, r.height, &bytes, len, hash), CJ_CHAIN_OK);
    assert_memory_equal(hash, r.hash, 32);
    if (res) *res = r;
    return bytes;
}

/* Imports and returns the verdict (err printed on unexpected failures by the caller's assert). */
static inline cj_chain_status nt_import(cj_chain *c, const uint8_t *bytes, size_t len, int64_t now, cj_import_result *r)
{
    char err[256] = "";
    cj_import_result tmp;
    cj_chain_status st = cj_chain_import(c, bytes, len, NULL, now, NULL, r ? r : &tmp, err, sizeof err);
    if (getenv("NT_VERBOSE")) fprintf(stderr, "import: %s (%s)\n", cj_chain_status_name(st), err);
    return st;
}

/* Re-signs a (mutated) header: the seal covers the header with extra_data cut to the state root. */
static inline void nt_reseal(coinjecture_block *b, const uint8_t sk[64])
{
    uint8_t h[32];
    b->header.extra_data_len = 32;
    assert_int_equal(coinjecture_header_hash(&b->header, h), COINJ_OK);
    assert_int_equal(crypto_sign_ed25519_detached(b->header.extra_data + 32, NULL, h, 32, sk), 0);
    b->header.extra_data_len = 96;
}

/* Encodes a block into a heap buffer (coinjecture_buffer_free). */
static inline uint8_t *nt_encode(const coinjecture_block *b, size_t *len)
{
    uint8_t *out = NULL;
    assert_int_equal(coinjecture_block_encode_alloc(b, &out, len), COINJ_OK);
    return out;
}

/* Balance of an account at the tip. */
static inline uint64_t nt_balance(const cj_chain *c, const uint8_t pk[32])
{
    coinjecture_account a;
    cj_chain_account(c, pk, &a);
    return a.balance;
}

#endif /* CJ_NODE_TESTUTIL_H */
