/* Internal interfaces of libcoinjecture_core (hidden visibility; never installed). */
#ifndef CJ_INTERNAL_H
#define CJ_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "coinjecture.h"

#if defined(__GNUC__)
#define CJ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CJ_PRINTF(a, b)
#endif

/* ---- error.c: thread-local last error ---- */

/* Records a formatted message for the calling thread and returns rc (so callers write
 * `return cj_fail(COINJ_ERROR_INVALID_INPUT, "...")`). */
CoinjResult cj_fail(CoinjResult rc, const char *fmt, ...) CJ_PRINTF(2, 3);

/* ---- sha256*.c / backend.c: hashing backends ---- */

/* One implementation of the SHA-256 primitives. Every backend is byte-identical to "reference". */
typedef struct cj_sha256_impl {
    const char *backend; /* "reference" or "accelerated" */
    const char *detail;  /* code path, e.g. "portable", "sha-ni+avx512" */
    /* Compresses nblocks consecutive 64-byte blocks into state. */
    void (*compress)(uint32_t state[8], const uint8_t *blocks, size_t nblocks);
    /* out[i] = SHA-256(in[i]) for n independent 64-byte messages (one Merkle level). */
    void (*hash64_many)(uint8_t (*out)[32], const uint8_t (*in)[64], size_t n);
    /* out = SHA-256(data[0..len)); the one-shot fast path. */
    void (*oneshot)(const uint8_t *data, size_t len, uint8_t out[32]);
} cj_sha256_impl;

/* The portable implementation (always available). */
extern const cj_sha256_impl cj_sha256_reference;

/* The accelerated implementation for this CPU, or NULL if the CPU/build has none (detected once). */
const cj_sha256_impl *cj_sha256_accelerated(void);

/* The active implementation; the first call reads COINJECTURE_CRYPTO_BACKEND. Never NULL. */
const cj_sha256_impl *cj_backend(void);

/* The implementation an API caller names explicitly ("reference", or "accelerated" where this CPU has it):
 * COINJ_OK with *out, COINJ_ERROR_UNSUPPORTED (unknown or unavailable) or COINJ_ERROR_INVALID_INPUT (NULL
 * name), the failure recorded under fn. Never a silent fallback to another implementation. */
CoinjResult cj_backend_named(const char *name, const char *fn, const cj_sha256_impl **out);

/* Streaming helpers on an explicit implementation (no argument checks; used by codec and ffi). */
void cj_sha256_init(coinjecture_sha256_ctx *ctx, const cj_sha256_impl *impl);
void cj_sha256_update(coinjecture_sha256_ctx *ctx, const uint8_t *data, size_t len);
void cj_sha256_final(coinjecture_sha256_ctx *ctx, uint8_t out[32]);

/* One-shot on the active backend. */
void cj_sha256(const uint8_t *data, size_t len, uint8_t out[32]);

/* Merkle root on a given implementation (impl NULL = active). leaves may be NULL only when count == 0.
 * Returns COINJ_OK or COINJ_ERROR_OUT_OF_MEMORY. */
CoinjResult cj_merkle_root_impl(const cj_sha256_impl *impl, const uint8_t (*leaves)[32], size_t count,
                                uint8_t out[32]);

/* ---- codec.c: canonical header hash over a borrowed view (any extra_data length) ---- */
typedef struct {
    uint8_t codec_version;
    uint64_t block_index;
    int64_t timestamp;
    const uint8_t *parent_hash, *merkle_root, *miner_address, *commitment; /* 32 bytes each */
    uint64_t difficulty_target;
    uint64_t nonce;
    const uint8_t *extra_data; /* may be NULL when extra_data_len == 0 */
    size_t extra_data_len;
} cj_header_view;

/* The view of a full-width header (borrows its arrays). */
static inline cj_header_view cj_header_view_of(const coinjecture_header *h)
{
    cj_header_view v = {.codec_version = h->codec_version,
                        .block_index = h->block_index,
                        .timestamp = h->timestamp,
                        .parent_hash = h->parent_hash,
                        .merkle_root = h->merkle_root,
                        .miner_address = h->miner_address,
                        .commitment = h->commitment,
                        .difficulty_target = h->difficulty_target,
                        .nonce = h->nonce,
                        .extra_data = h->extra_data,
                        .extra_data_len = h->extra_data_len};
    return v;
}

/* SHA-256 of the canonical encoding of v, streamed into the hash state (no allocation). */
void cj_header_view_hash(const cj_header_view *v, const cj_sha256_impl *impl, uint8_t out[32]);

/* ---- verify.c: subset-sum rules over borrowed arrays (any length) ---- */
/* tier must be 1..5; sets the last error when the verdict is not OK. */
coinjecture_ss_status cj_subset_sum_check(const int64_t *elements, size_t n, uint8_t tier, int64_t target,
                                          const uint32_t *indices, size_t k,
                                          const coinjecture_budget *budget);

/* ---- tx.c ---- */
/* Signature check and rule check on the full-width type; tx.data may be NULL iff data_len == 0. */
coinjecture_tx_status cj_tx_rules(const coinjecture_tx *tx, const coinjecture_account *sender,
                                  coinjecture_tx_result *out);
int cj_tx_signature_ok(const coinjecture_tx *tx);

/* ---- escrow.c ---- */
CoinjResult cj_escrow_release(uint32_t state, const uint8_t recipient[32]);
CoinjResult cj_escrow_refund(uint32_t state, uint64_t expiry_block, uint64_t current_block);

/* Little-endian stores shared by the hash preimages. */
static inline void cj_store_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void cj_store_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

#endif /* CJ_INTERNAL_H */
