/* Shared by the fuzz harnesses (fuzz/fuzz_*.c), the seed generator (fuzz/make_corpus.c) and the unit test
 * that replays the corpora (tests/unit/test_fuzz_regressions.c):
 *   - CJ_FZ_CHECK: an assertion that aborts under libFuzzer (so the input is saved as a crash) and that the
 *     unit test redirects to cmocka by defining CJ_FZ_FAIL before including this header;
 *   - an input cursor that never reads past the fuzzer's bytes (missing bytes read as zero);
 *   - independent reference code the library is compared against: a naive SHA-256 (straight from FIPS
 *     180-4, one padded block at a time) and a naive canonical MessagePack writer for every consensus type
 *     (written from core.md §4.1, sharing nothing with src/core);
 *   - the byte layouts of the structured harnesses (header_hash, subset_sum, sha256_diff), so the seed
 *     generator writes exactly what the harnesses parse.
 * Everything is static inline: each harness is its own translation unit, and the unit test includes all of
 * them into one. */
#ifndef CJ_FUZZ_COMMON_H
#define CJ_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cj_internal.h"
#include "coinjecture.h"

#if defined(__GNUC__)
#define CJ_FZ_UNUSED __attribute__((unused))
#else
#define CJ_FZ_UNUSED
#endif

/* ---- assertions ---- */

#ifndef CJ_FZ_FAIL
#define CJ_FZ_FAIL(file, line, what)                                                                      \
    (fprintf(stderr, "%s:%d: fuzz check failed: %s (last error: \"%s\")\n", (file), (line), (what),          \
             coinjecture_last_error_message()),                                                          \
     abort())
#endif
#define CJ_FZ_CHECK(cond)                                                                                 \
    do {                                                                                                  \
        if (!(cond)) CJ_FZ_FAIL(__FILE__, __LINE__, #cond);                                               \
    } while (0)

/* Counters the unit test reads to prove the harnesses took both paths (success and failure). */
static struct {
    unsigned long decoded; /* inputs a strict decoder accepted (and that round-tripped) */
    unsigned long rejected; /* inputs a strict decoder refused cleanly */
    unsigned long checks;   /* structured harness runs that compared at least two implementations */
} cj_fz_stats CJ_FZ_UNUSED;

/* Sets the thread's last error to a marker so a later call can be shown to have (not) overwritten it. */
#define CJ_FZ_MARKER "cj-fuzz-marker"
static inline void cj_fz_mark_error(void)
{
    cj_fail(COINJ_ERROR_INTERNAL, "%s", CJ_FZ_MARKER);
}

/* A successful call must leave the message alone (rule 1 of coinjecture.h). */
static inline int cj_fz_error_untouched(void)
{
    return strcmp(coinjecture_last_error_message(), CJ_FZ_MARKER) == 0;
}

/* A failing call must have written its own, non-empty message. */
static inline int cj_fz_error_written(void)
{
    const char *m = coinjecture_last_error_message();
    return m[0] != 0 && strcmp(m, CJ_FZ_MARKER) != 0;
}

/* All size bytes at p are zero (decoders leave their output zeroed on failure). */
static inline int cj_fz_all_zero(const void *p, size_t size)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < size; i++)
        if (b[i]) return 0;
    return 1;
}

/* The failure contract shared by every strict decoder. */
static inline void cj_fz_check_decode_failure(CoinjResult rc, const void *out, size_t out_size)
{
    CJ_FZ_CHECK(rc >= COINJ_ERROR_DECODE_TRUNCATED && rc <= COINJ_ERROR_DECODE_ENUM);
    CJ_FZ_CHECK(strcmp(coinjecture_result_name(rc), "unknown") != 0);
    CJ_FZ_CHECK(cj_fz_error_written());
    CJ_FZ_CHECK(cj_fz_all_zero(out, out_size));
}

/* ---- input cursor ---- */

typedef struct {
    const uint8_t *p;
    size_t n;
} cj_fz_in;

/* Next byte, 0 once the input is exhausted. */
static inline uint8_t cj_fz_u8(cj_fz_in *in)
{
    if (in->n == 0) return 0;
    in->n--;
    return *in->p++;
}

/* Next `bytes` bytes as a little-endian integer (missing bytes are zero). */
static inline uint64_t cj_fz_le(cj_fz_in *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++) v |= (uint64_t)cj_fz_u8(in) << (8 * i);
    return v;
}

/* Copies len bytes out of the input, zero-filling what is missing. */
static inline void cj_fz_take(cj_fz_in *in, uint8_t *out, size_t len)
{
    size_t k = len < in->n ? len : in->n;
    if (k) {
        memcpy(out, in->p, k);
        in->p += k;
        in->n -= k;
    }
    if (len > k) memset(out + k, 0, len - k);
}

/* ---- growable byte buffer (the naive encoders and the seed generator write into it) ---- */

typedef struct {
    uint8_t *p;
    size_t n, cap;
} cj_fz_buf;

static inline void cj_fz_put(cj_fz_buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n) cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q) abort();
        b->p = q;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, d, n);
    b->n += n;
}

static inline void cj_fz_put_u8(cj_fz_buf *b, uint8_t v)
{
    cj_fz_put(b, &v, 1);
}

static inline void cj_fz_put_be(cj_fz_buf *b, uint64_t v, unsigned bytes)
{
    for (unsigned i = bytes; i-- > 0;) cj_fz_put_u8(b, (uint8_t)(v >> (8 * i)));
}

static inline void cj_fz_put_le(cj_fz_buf *b, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) cj_fz_put_u8(b, (uint8_t)(v >> (8 * i)));
}

static inline void cj_fz_buf_free(cj_fz_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

/* ---- naive SHA-256 (FIPS 180-4 §6.2, no buffering tricks: the padded message is built block by block) ---- */

static inline uint32_t cj_fz_rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static inline void cj_fz_sha256(const uint8_t *msg, size_t len, uint8_t out[32])
{
    static const uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const size_t nblocks = (len + 9 + 63) / 64, total = nblocks * 64;
    const uint64_t bits = (uint64_t)len * 8;
    for (size_t blk = 0; blk < nblocks; blk++) {
        uint32_t w[64];
        uint8_t m[64];
        for (size_t i = 0; i < 64; i++) {
            size_t pos = blk * 64 + i;
            if (pos < len) m[i] = msg[pos];
            else if (pos == len) m[i] = 0x80;
            else if (pos >= total - 8) m[i] = (uint8_t)(bits >> (8 * (total - 1 - pos)));
            else m[i] = 0;
        }
        for (int t = 0; t < 16; t++)
            w[t] = (uint32_t)m[4 * t] << 24 | (uint32_t)m[4 * t + 1] << 16 | (uint32_t)m[4 * t + 2] << 8 |
                   m[4 * t + 3];
        for (int t = 16; t < 64; t++) {
            uint32_t s0 = cj_fz_rotr(w[t - 15], 7) ^ cj_fz_rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint32_t s1 = cj_fz_rotr(w[t - 2], 17) ^ cj_fz_rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int t = 0; t < 64; t++) {
            uint32_t t1 = hh + (cj_fz_rotr(e, 6) ^ cj_fz_rotr(e, 11) ^ cj_fz_rotr(e, 25)) + ((e & f) ^ (~e & g)) +
                          k[t] + w[t];
            uint32_t t2 = (cj_fz_rotr(a, 2) ^ cj_fz_rotr(a, 13) ^ cj_fz_rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
    }
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}

/* Naive Merkle root (core.md §5.2) over the naive SHA-256: the tree is rebuilt level by level in a copy. */
static inline void cj_fz_merkle(const uint8_t (*leaves)[32], size_t n, uint8_t out[32])
{
    if (n == 0) {
        memset(out, 0, 32);
        return;
    }
    uint8_t (*lvl)[32] = malloc(n * 32);
    if (!lvl) abort();
    memcpy(lvl, leaves, n * 32);
    while (n > 1) {
        size_t m = 0;
        for (size_t i = 0; i + 1 < n; i += 2) {
            uint8_t pair[64];
            memcpy(pair, lvl[i], 32);
            memcpy(pair + 32, lvl[i + 1], 32);
            cj_fz_sha256(pair, 64, lvl[m++]);
        }
        if (n % 2) memmove(lvl[m++], lvl[n - 1], 32);
        n = m;
    }
    memcpy(out, lvl[0], 32);
    free(lvl);
}

/* ---- naive canonical MessagePack writer (core.md §4.1) ---- */

static inline void cj_fz_mp_uint(cj_fz_buf *b, uint64_t v)
{
    if (v < 0x80) cj_fz_put_u8(b, (uint8_t)v);
    else if (v <= 0xff) cj_fz_put_u8(b, 0xcc), cj_fz_put_be(b, v, 1);
    else if (v <= 0xffff) cj_fz_put_u8(b, 0xcd), cj_fz_put_be(b, v, 2);
    else if (v <= 0xffffffffu) cj_fz_put_u8(b, 0xce), cj_fz_put_be(b, v, 4);
    else cj_fz_put_u8(b, 0xcf), cj_fz_put_be(b, v, 8);
}

static inline void cj_fz_mp_int(cj_fz_buf *b, int64_t v)
{
    if (v >= 0) cj_fz_mp_uint(b, (uint64_t)v);
    else if (v >= -32) cj_fz_put_u8(b, (uint8_t)(0x100 + v));
    else if (v >= INT8_MIN) cj_fz_put_u8(b, 0xd0), cj_fz_put_be(b, (uint64_t)v, 1);
    else if (v >= INT16_MIN) cj_fz_put_u8(b, 0xd1), cj_fz_put_be(b, (uint64_t)v, 2);
    else if (v >= INT32_MIN) cj_fz_put_u8(b, 0xd2), cj_fz_put_be(b, (uint64_t)v, 4);
    else cj_fz_put_u8(b, 0xd3), cj_fz_put_be(b, (uint64_t)v, 8);
}

static inline void cj_fz_mp_str(cj_fz_buf *b, const char *s, size_t n)
{
    if (n < 32) cj_fz_put_u8(b, (uint8_t)(0xa0 | n));
    else if (n <= 0xff) cj_fz_put_u8(b, 0xd9), cj_fz_put_be(b, n, 1);
    else if (n <= 0xffff) cj_fz_put_u8(b, 0xda), cj_fz_put_be(b, n, 2);
    else cj_fz_put_u8(b, 0xdb), cj_fz_put_be(b, n, 4);
    cj_fz_put(b, s, n);
}

static inline void cj_fz_mp_key(cj_fz_buf *b, const char *name)
{
    cj_fz_mp_str(b, name, strlen(name));
}

static inline void cj_fz_mp_bin(cj_fz_buf *b, const uint8_t *d, size_t n)
{
    cj_fz_put_u8(b, 0xc4);
    cj_fz_put_u8(b, (uint8_t)n);
    cj_fz_put(b, d, n);
}

static inline void cj_fz_mp_array(cj_fz_buf *b, size_t n)
{
    if (n < 16) cj_fz_put_u8(b, (uint8_t)(0x90 | n));
    else if (n <= 0xffff) cj_fz_put_u8(b, 0xdc), cj_fz_put_be(b, n, 2);
    else cj_fz_put_u8(b, 0xdd), cj_fz_put_be(b, n, 4);
}

/* Vec<u8>: an array with one uint per byte. */
static inline void cj_fz_mp_byte_vec(cj_fz_buf *b, const uint8_t *d, size_t n)
{
    cj_fz_mp_array(b, n);
    for (size_t i = 0; i < n; i++) cj_fz_mp_uint(b, d[i]);
}

/* Wire names (core.md §1); NULL for a value outside the enum. */
static inline const char *cj_fz_tx_type_name(unsigned v)
{
    static const char *const names[] = {"Transfer", "ProblemSubmission", "BountyPayment"};
    return v >= 1 && v <= 3 ? names[v - 1] : NULL;
}
static inline const char *cj_fz_problem_type_name(unsigned v)
{
    static const char *const names[] = {"SubsetSum", "Knapsack", "GraphColoring", "SAT",
                                        "TSP",       "Factorization", "LatticeProblems"};
    return v >= 1 && v <= 7 ? names[v - 1] : NULL;
}
static inline const char *cj_fz_tier_name(unsigned v)
{
    static const char *const names[] = {"Mobile", "Desktop", "Workstation", "Server", "Cluster"};
    return v >= 1 && v <= 5 ? names[v - 1] : NULL;
}

/* Header with extra_data of any length (the original ABI hashes any length). */
static inline void cj_fz_mp_header_fields(cj_fz_buf *b, uint8_t codec_version, uint64_t block_index,
                                          int64_t timestamp, const uint8_t *parent, const uint8_t *merkle,
                                          const uint8_t *miner, const uint8_t *commitment, uint64_t difficulty,
                                          uint64_t nonce, const uint8_t *extra, size_t extra_len)
{
    cj_fz_put_u8(b, 0x8a);
    cj_fz_mp_key(b, "codec_version"), cj_fz_mp_uint(b, codec_version);
    cj_fz_mp_key(b, "block_index"), cj_fz_mp_uint(b, block_index);
    cj_fz_mp_key(b, "timestamp"), cj_fz_mp_int(b, timestamp);
    cj_fz_mp_key(b, "parent_hash"), cj_fz_mp_bin(b, parent, 32);
    cj_fz_mp_key(b, "merkle_root"), cj_fz_mp_bin(b, merkle, 32);
    cj_fz_mp_key(b, "miner_address"), cj_fz_mp_bin(b, miner, 32);
    cj_fz_mp_key(b, "commitment"), cj_fz_mp_bin(b, commitment, 32);
    cj_fz_mp_key(b, "difficulty_target"), cj_fz_mp_uint(b, difficulty);
    cj_fz_mp_key(b, "nonce"), cj_fz_mp_uint(b, nonce);
    cj_fz_mp_key(b, "extra_data"), cj_fz_mp_byte_vec(b, extra, extra_len);
}

static inline void cj_fz_mp_header(cj_fz_buf *b, const coinjecture_header *h)
{
    cj_fz_mp_header_fields(b, h->codec_version, h->block_index, h->timestamp, h->parent_hash, h->merkle_root,
                           h->miner_address, h->commitment, h->difficulty_target, h->nonce, h->extra_data,
                           h->extra_data_len);
}

/* Returns 0 when the value is not encodable (bad enum); the caller then expects the library to refuse it. */
static inline int cj_fz_mp_tx(cj_fz_buf *b, const coinjecture_tx *tx)
{
    const char *type = cj_fz_tx_type_name(tx->tx_type);
    if (!type || tx->data_len > COINJECTURE_MAX_TX_DATA) return 0;
    cj_fz_put_u8(b, 0x8b);
    cj_fz_mp_key(b, "codec_version"), cj_fz_mp_uint(b, tx->codec_version);
    cj_fz_mp_key(b, "tx_type"), cj_fz_mp_key(b, type);
    cj_fz_mp_key(b, "from"), cj_fz_mp_bin(b, tx->from, 32);
    cj_fz_mp_key(b, "to"), cj_fz_mp_bin(b, tx->to, 32);
    cj_fz_mp_key(b, "amount"), cj_fz_mp_uint(b, tx->amount);
    cj_fz_mp_key(b, "nonce"), cj_fz_mp_uint(b, tx->nonce);
    cj_fz_mp_key(b, "gas_limit"), cj_fz_mp_uint(b, tx->gas_limit);
    cj_fz_mp_key(b, "gas_price"), cj_fz_mp_uint(b, tx->gas_price);
    cj_fz_mp_key(b, "signature"), cj_fz_mp_bin(b, tx->signature, 64);
    cj_fz_mp_key(b, "data"), cj_fz_mp_byte_vec(b, tx->data, tx->data_len);
    cj_fz_mp_key(b, "timestamp"), cj_fz_mp_int(b, tx->timestamp);
    return 1;
}

static inline int cj_fz_mp_problem(cj_fz_buf *b, const coinjecture_problem *p)
{
    const char *type = cj_fz_problem_type_name(p->problem_type), *tier = cj_fz_tier_name(p->tier);
    if (!type || !tier || p->elements_len > COINJECTURE_MAX_ELEMENTS) return 0;
    cj_fz_put_u8(b, 0x85);
    cj_fz_mp_key(b, "problem_type"), cj_fz_mp_key(b, type);
    cj_fz_mp_key(b, "tier"), cj_fz_mp_key(b, tier);
    cj_fz_mp_key(b, "elements"), cj_fz_mp_array(b, p->elements_len);
    for (uint32_t i = 0; i < p->elements_len; i++) cj_fz_mp_int(b, p->elements[i]);
    cj_fz_mp_key(b, "target"), cj_fz_mp_int(b, p->target);
    cj_fz_mp_key(b, "timestamp"), cj_fz_mp_int(b, p->timestamp);
    return 1;
}

static inline int cj_fz_mp_solution(cj_fz_buf *b, const coinjecture_solution *s)
{
    if (s->indices_len > COINJECTURE_MAX_ELEMENTS) return 0;
    cj_fz_put_u8(b, 0x82);
    cj_fz_mp_key(b, "indices"), cj_fz_mp_array(b, s->indices_len);
    for (uint32_t i = 0; i < s->indices_len; i++) cj_fz_mp_uint(b, s->indices[i]);
    cj_fz_mp_key(b, "timestamp"), cj_fz_mp_int(b, s->timestamp);
    return 1;
}

static inline int cj_fz_mp_reveal(cj_fz_buf *b, const coinjecture_reveal *r)
{
    cj_fz_put_u8(b, 0x84);
    cj_fz_mp_key(b, "problem");
    if (!cj_fz_mp_problem(b, &r->problem)) return 0;
    cj_fz_mp_key(b, "solution");
    if (!cj_fz_mp_solution(b, &r->solution)) return 0;
    cj_fz_mp_key(b, "miner_salt"), cj_fz_mp_bin(b, r->miner_salt, 32);
    cj_fz_mp_key(b, "nonce"), cj_fz_mp_uint(b, r->nonce);
    return 1;
}

static inline void cj_fz_mp_commitment(cj_fz_buf *b, const coinjecture_commitment *c)
{
    cj_fz_put_u8(b, 0x84);
    cj_fz_mp_key(b, "epoch_salt"), cj_fz_mp_bin(b, c->epoch_salt, 32);
    cj_fz_mp_key(b, "problem_hash"), cj_fz_mp_bin(b, c->problem_hash, 32);
    cj_fz_mp_key(b, "solution_hash"), cj_fz_mp_bin(b, c->solution_hash, 32);
    cj_fz_mp_key(b, "miner_salt"), cj_fz_mp_bin(b, c->miner_salt, 32);
}

static inline int cj_fz_mp_block(cj_fz_buf *b, const coinjecture_block *blk)
{
    if (blk->header.extra_data_len > COINJECTURE_MAX_EXTRA_DATA || blk->tx_count > COINJECTURE_MAX_TX_PER_BLOCK)
        return 0;
    cj_fz_put_u8(b, 0x84);
    cj_fz_mp_key(b, "header"), cj_fz_mp_header(b, &blk->header);
    cj_fz_mp_key(b, "transactions"), cj_fz_mp_array(b, blk->tx_count);
    for (uint32_t i = 0; i < blk->tx_count; i++)
        if (!cj_fz_mp_tx(b, &blk->transactions[i])) return 0;
    cj_fz_mp_key(b, "reveal");
    if (!cj_fz_mp_reveal(b, &blk->reveal)) return 0;
    cj_fz_mp_key(b, "cid");
    if (!blk->cid) cj_fz_put_u8(b, 0xc0);
    else if (strlen(blk->cid) > COINJECTURE_MAX_CID) return 0;
    else cj_fz_mp_str(b, blk->cid, strlen(blk->cid));
    return 1;
}

/* ---- independent models of the consensus rules ---- */

/* Subset-sum verdict from core.md §6, reformulated: pass 1 fails on the first duplicate only if the budget
 * still allows that step, the budget of pass 2 is k + i + 1 operations at step i, and the running sum is
 * tracked exactly in 128 bits. tier is 1..5 and elements_len/indices_len may exceed 32 (FFI callers). */
static inline coinjecture_ss_status cj_fz_subset_sum_model(const int64_t *elements, size_t n, unsigned tier,
                                                           int64_t target, const uint32_t *indices, size_t k,
                                                           uint64_t max_ops, uint64_t max_memory)
{
    static const uint32_t lo[5] = {8, 12, 16, 20, 24}, hi[5] = {12, 16, 20, 24, 32};
    if (n < lo[tier - 1] || n > hi[tier - 1]) return COINJECTURE_SS_TIER_SIZE;
    if (k > n) return COINJECTURE_SS_PROOF_SIZE;
    size_t dup = k;
    for (size_t i = 0; i < k && dup == k; i++)
        for (size_t j = 0; j < i; j++)
            if (indices[i] == indices[j]) {
                dup = i;
                break;
            }
    if (dup < k && dup < max_ops) return COINJECTURE_SS_DUPLICATE_INDEX;
    if (k > max_ops) return COINJECTURE_SS_BUDGET_OPS;
    __int128 sum = 0;
    for (size_t i = 0; i < k; i++) {
        if ((uint64_t)k + i + 1 > max_ops) return COINJECTURE_SS_BUDGET_OPS;
        if (indices[i] >= n) return COINJECTURE_SS_INDEX_RANGE;
        sum += elements[indices[i]];
        if (sum > INT64_MAX || sum < INT64_MIN) return COINJECTURE_SS_OVERFLOW;
    }
    if (sum != target) return COINJECTURE_SS_WRONG_SUM;
    if ((uint64_t)k * 8 > max_memory) return COINJECTURE_SS_BUDGET_MEMORY;
    return COINJECTURE_SS_OK;
}

/* Transaction rules without the signature (core.md §7 steps 2-6), in exact 128-bit arithmetic. */
static inline coinjecture_tx_status cj_fz_tx_rules_model(const coinjecture_tx *tx, const coinjecture_account *a,
                                                         uint64_t *fee_out, uint64_t *total_out)
{
    if (tx->nonce != a->nonce) return COINJECTURE_TX_BAD_NONCE;
    unsigned __int128 fee = (unsigned __int128)tx->gas_limit * tx->gas_price;
    if (fee > UINT64_MAX) return COINJECTURE_TX_AMOUNT_OVERFLOW;
    unsigned __int128 min_fee = tx->amount / 10000 > 1000 ? tx->amount / 10000 : 1000;
    if (fee < min_fee) return COINJECTURE_TX_FEE_TOO_LOW;
    unsigned __int128 total = fee + tx->amount;
    if (total > UINT64_MAX) return COINJECTURE_TX_AMOUNT_OVERFLOW;
    if (a->balance < total) return COINJECTURE_TX_INSUFFICIENT_BALANCE;
    if (tx->gas_limit < (tx->tx_type == COINJECTURE_TX_TRANSFER ? 21000u : 50000u))
        return COINJECTURE_TX_GAS_TOO_LOW;
    *fee_out = (uint64_t)fee;
    *total_out = (uint64_t)total;
    return COINJECTURE_TX_OK;
}

/* ---- input layouts of the structured harnesses (the seed generator writes these) ----
 *
 * fuzz_header_hash:
 *   [0] flags: bit0 start on the accelerated backend; bit1 mask block_index and difficulty_target to 32
 *       bits; bit2 mask codec_version to 8 bits
 *   [1..4] codec_version u32 LE   [5..12] block_index u64   [13..20] timestamp i64
 *   [21..148] parent_hash, merkle_root, miner_address, commitment   [149..156] difficulty_target u64
 *   [157..164] nonce u64   [165..] extra_data (all remaining bytes; any length)
 *
 * fuzz_subset_sum:
 *   [0] flags: bits0-2 FFI tier (0..7; 5..7 invalid); bit3 problem_type is not SubsetSum; bit4 budget from
 *       the input (else the tier's); bit5 elements are int8 (else i64 LE); bit6 target = sum of the indexed
 *       elements + int8 delta (else i64 LE); bit7 indices are one byte modulo n + 1 (else u32 LE)
 *   [1] n = byte % 41 elements   [2] k = byte % 41 indices
 *   elements, indices, then the target (1 or 8 bytes), then if bit4: max_ops, max_duration_ms,
 *   max_memory_bytes (u32 LE each), then one byte of NULL-pointer flags: bit0 FFI indices NULL, bit1 FFI
 *   elements NULL
 *
 * fuzz_sha256_diff:
 *   [0] flags: bit0 hash the data (one-shot and streaming); bit1 Merkle; bit2 64-byte batches (hash64_many);
 *       no bit set = bit0; bits3-5 Merkle threads - 1; bit6 leaf count is u16 LE % 4097 (else one byte:
 *       large trees are slow, so they take a flag)
 *   [1..4] seed of the split points (u32 LE)   then the leaf count (if bit1)   then the data */
#define CJ_FZ_HH_FIXED 165u
#define CJ_FZ_HH_ACCEL 0x01u
#define CJ_FZ_HH_NARROW 0x02u
#define CJ_FZ_HH_CODEC8 0x04u

#define CJ_FZ_SS_MAXLEN 41u
#define CJ_FZ_SS_OTHER_TYPE 0x08u
#define CJ_FZ_SS_BUDGET 0x10u
#define CJ_FZ_SS_SMALL 0x20u
#define CJ_FZ_SS_SUM 0x40u
#define CJ_FZ_SS_COMPACT 0x80u

#define CJ_FZ_SHA_HASH 0x01u
#define CJ_FZ_SHA_MERKLE 0x02u
#define CJ_FZ_SHA_MANY 0x04u
#define CJ_FZ_SHA_LARGE_COUNT 0x40u
#define CJ_FZ_SHA_MAX_LEAVES 4096u

#endif /* CJ_FUZZ_COMMON_H */
