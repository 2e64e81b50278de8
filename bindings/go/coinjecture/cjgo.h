/*
 * cjgo.h - C side of the Go binding (included by the cgo preambles; not part of the library).
 *
 * Why wrappers: coinjecture_last_error_message() is per OS thread, and a goroutine may move to another
 * thread between two cgo calls. Every wrapper therefore makes the library call AND copies the message in
 * the same C call, returning everything in a struct by value (a return value lives in the cgo call frame,
 * so the Go side needs no heap allocation on the success path). The copy is heap memory (malloc) that
 * the Go side frees after reading it; it is only made on failure.
 */
#ifndef CJGO_H
#define CJGO_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <coinjecture.h>

/* A result code plus, on failure, a malloc'ed copy of the library's message (NULL if none). */
typedef struct {
    CoinjResult rc;
    char *msg;
} cjgo_ret;

/* A 32-byte output plus the result. */
typedef struct {
    CoinjResult rc;
    char *msg;
    uint8_t out[32];
} cjgo_ret32;

/* Subset-sum verdict plus the result. */
typedef struct {
    CoinjResult rc;
    char *msg;
    coinjecture_ss_status status;
} cjgo_ret_ss;

/* Transaction verdict plus the result. */
typedef struct {
    CoinjResult rc;
    char *msg;
    coinjecture_tx_result res;
} cjgo_ret_tx;

/* A malloc'ed copy of m (NULL if m is NULL or memory is short). */
static inline char *cjgo_dup_msg(const char *m)
{
    size_t n;
    char *c;
    if (m == NULL) return NULL;
    n = strlen(m);
    c = (char *)malloc(n + 1);
    if (c != NULL) memcpy(c, m, n + 1);
    return c;
}

/* Copies this thread's last error message when rc is a failure (must run in the failing C call). */
static inline char *cjgo_take_msg(CoinjResult rc)
{
    if (rc == COINJ_OK) return NULL;
    return cjgo_dup_msg(coinjecture_last_error_message());
}

/* A Go nil is refused here with the library's code: pointer arguments of the extended API are non-NULL
 * by contract (coinjecture.h rule 9, COINJECTURE_ARG_NONNULL), so the binding never passes NULL on. */
#define CJGO_REFUSE_NULL(r, what)                                                                         \
    do {                                                                                                  \
        (r).rc = COINJ_ERROR_INVALID_INPUT;                                                               \
        (r).msg = cjgo_dup_msg(what ": NULL argument");                                                   \
        return (r);                                                                                       \
    } while (0)

/* SHA-256 with a size_t length (extended API; (NULL, 0) is the empty string). */
static inline cjgo_ret32 cjgo_sha256(const uint8_t *in, size_t len)
{
    cjgo_ret32 r;
    memset(&r, 0, sizeof r);
    r.rc = coinjecture_sha256(in, len, r.out);
    r.msg = cjgo_take_msg(r.rc);
    return r;
}

/* Merkle root over count contiguous 32-byte leaves: one call, no copies. */
static inline cjgo_ret32 cjgo_merkle(const uint8_t *leaves, size_t count)
{
    cjgo_ret32 r;
    memset(&r, 0, sizeof r);
    r.rc = coinjecture_merkle_root((const uint8_t(*)[32])leaves, count, r.out);
    r.msg = cjgo_take_msg(r.rc);
    return r;
}

/* Full-width header hash. h carries everything but the extra data, which arrives separately: up to
 * COINJECTURE_MAX_EXTRA_DATA bytes it is copied inline and coinjecture_header_hash hashes it; a longer one
 * (never valid in a block, but hashable by the original) goes through the original
 * coinjecture_compute_header_hash when block_index and difficulty_target fit its 32-bit fields. */
static inline cjgo_ret32 cjgo_header_hash(const coinjecture_header *h, const uint8_t *extra,
                                          size_t extra_len)
{
    cjgo_ret32 r;
    memset(&r, 0, sizeof r);
    if (h == NULL) {
        CJGO_REFUSE_NULL(r, "header_hash");
    } else if (extra_len <= COINJECTURE_MAX_EXTRA_DATA) {
        coinjecture_header c = *h;
        c.extra_data_len = (uint32_t)extra_len;
        if (extra_len > 0) memcpy(c.extra_data, extra, extra_len);
        r.rc = coinjecture_header_hash(&c, r.out);
    } else if (h->block_index <= UINT32_MAX && h->difficulty_target <= UINT32_MAX &&
               extra_len <= UINT32_MAX) {
        BlockHeaderFFI f;
        memset(&f, 0, sizeof f);
        f.codec_version = h->codec_version;
        f.block_index = (uint32_t)h->block_index;
        f.timestamp = h->timestamp;
        memcpy(f.parent_hash, h->parent_hash, 32);
        memcpy(f.merkle_root, h->merkle_root, 32);
        memcpy(f.miner_address, h->miner_address, 32);
        memcpy(f.commitment, h->commitment, 32);
        f.difficulty_target = (uint32_t)h->difficulty_target;
        f.nonce = h->nonce;
        f.extra_data_len = (uint32_t)extra_len;
        f.extra_data = extra;
        r.rc = coinjecture_compute_header_hash(&f, r.out);
    } else {
        /* Let the extended API refuse it with its own code and message (no bytes are read past the
         * inline array: the length check comes first). */
        coinjecture_header c = *h;
        c.extra_data_len = extra_len > UINT32_MAX ? UINT32_MAX : (uint32_t)extra_len;
        r.rc = coinjecture_header_hash(&c, r.out);
    }
    r.msg = cjgo_take_msg(r.rc);
    return r;
}

/* Subset-sum verification under a 64-bit budget; budget NULL means the tier's own budget. */
static inline cjgo_ret_ss cjgo_subset_sum(const coinjecture_problem *p, const coinjecture_solution *s,
                                          const coinjecture_budget *budget)
{
    cjgo_ret_ss r;
    coinjecture_budget tb;
    memset(&r, 0, sizeof r);
    r.status = COINJECTURE_SS_OK;
    if (p == NULL || s == NULL) CJGO_REFUSE_NULL(r, "subset_sum_verify");
    if (budget == NULL) {
        r.rc = coinjecture_tier_budget(p->tier, &tb);
        if (r.rc != COINJ_OK) {
            r.msg = cjgo_take_msg(r.rc);
            return r;
        }
        budget = &tb;
    }
    r.rc = coinjecture_subset_sum_verify(p, s, budget, &r.status);
    r.msg = cjgo_take_msg(r.rc);
    return r;
}

/* Transaction verification (signature then rules). tx arrives without its data pointer (Go memory may
 * not hold Go pointers when passed to C); the data is attached to a local copy here. */
static inline cjgo_ret_tx cjgo_tx_verify(const coinjecture_tx *tx, const uint8_t *data, uint32_t data_len,
                                         const coinjecture_account *sender)
{
    cjgo_ret_tx r;
    memset(&r, 0, sizeof r);
    if (tx == NULL || sender == NULL) {
        CJGO_REFUSE_NULL(r, "tx_verify");
    } else {
        coinjecture_tx c = *tx;
        c.data = data;
        c.data_len = data_len;
        r.rc = coinjecture_tx_verify(&c, sender, &r.res);
    }
    r.msg = cjgo_take_msg(r.rc);
    return r;
}

/* The message a transaction signature covers, into out (sizing protocol of the library). */
static inline cjgo_ret cjgo_tx_signing_message(const coinjecture_tx *tx, const uint8_t *data,
                                               uint32_t data_len, uint8_t *out, size_t out_cap,
                                               size_t *out_len)
{
    cjgo_ret r;
    coinjecture_tx c;
    memset(&r, 0, sizeof r);
    if (tx == NULL || out_len == NULL) {
        CJGO_REFUSE_NULL(r, "tx_signing_message");
    } else {
        c = *tx;
        c.data = data;
        c.data_len = data_len;
        r.rc = coinjecture_tx_signing_message(&c, out, out_cap, out_len);
    }
    r.msg = cjgo_take_msg(r.rc);
    return r;
}

/* Escrow id = SHA-256(submitter || problem_hash || u64 LE created_block). */
static inline cjgo_ret32 cjgo_escrow_id(const uint8_t *submitter, const uint8_t *problem_hash,
                                        uint64_t created_block)
{
    cjgo_ret32 r;
    memset(&r, 0, sizeof r);
    r.rc = coinjecture_compute_escrow_id(submitter, problem_hash, created_block, r.out);
    r.msg = cjgo_take_msg(r.rc);
    return r;
}

/* Escrow creation rule. */
static inline cjgo_ret cjgo_escrow_creation(uint64_t amount, uint64_t created_block, uint64_t expiry_block)
{
    cjgo_ret r;
    r.rc = coinjecture_validate_escrow_creation(amount, created_block, expiry_block);
    r.msg = cjgo_take_msg(r.rc);
    return r;
}

/* Escrow release rule (full-width escrow). */
static inline cjgo_ret cjgo_escrow_release(const coinjecture_escrow *e, const uint8_t *recipient)
{
    cjgo_ret r;
    if (e == NULL || recipient == NULL) CJGO_REFUSE_NULL(r, "escrow_check_release");
    r.rc = coinjecture_escrow_check_release(e, recipient);
    r.msg = cjgo_take_msg(r.rc);
    return r;
}

/* Escrow refund rule (full-width escrow). */
static inline cjgo_ret cjgo_escrow_refund(const coinjecture_escrow *e, uint64_t current_block)
{
    cjgo_ret r;
    if (e == NULL) CJGO_REFUSE_NULL(r, "escrow_check_refund");
    r.rc = coinjecture_escrow_check_refund(e, current_block);
    r.msg = cjgo_take_msg(r.rc);
    return r;
}

/* Process-wide backend selection. */
static inline cjgo_ret cjgo_backend_select(const char *name)
{
    cjgo_ret r;
    if (name == NULL) CJGO_REFUSE_NULL(r, "backend_select");
    r.rc = coinjecture_backend_select(name);
    r.msg = cjgo_take_msg(r.rc);
    return r;
}

/* Budget of a tier (1..5). */
static inline cjgo_ret cjgo_tier_budget(uint8_t tier, coinjecture_budget *out)
{
    cjgo_ret r;
    if (out == NULL) CJGO_REFUSE_NULL(r, "tier_budget");
    r.rc = coinjecture_tier_budget(tier, out);
    r.msg = cjgo_take_msg(r.rc);
    return r;
}

/* Inclusive element-count range of a tier (1..5). */
static inline cjgo_ret cjgo_tier_elements(uint8_t tier, uint32_t *out_min, uint32_t *out_max)
{
    cjgo_ret r;
    if (out_min == NULL || out_max == NULL) CJGO_REFUSE_NULL(r, "tier_elements");
    r.rc = coinjecture_tier_elements(tier, out_min, out_max);
    r.msg = cjgo_take_msg(r.rc);
    return r;
}

#endif /* CJGO_H */
