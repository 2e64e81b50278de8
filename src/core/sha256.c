/* SHA-256 (FIPS 180-4): the portable reference compression, the streaming context shared by every backend,
 * and the public one-shot / streaming entry points. */
#include <string.h>

#include "sha256_paths.h"

const uint32_t cj_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

const uint32_t cj_sha256_iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

/* Schedule of the block 80 00 .. 00 | 00 00 00 00 00 00 02 00, plus K (tests recompute it). */
const uint32_t cj_sha256_pad64_wk[64] = {
    0xc28a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf374,
    0x649b69c1, 0xf0fe4786, 0x0fe1edc6, 0x240cf254, 0x4fe9346f, 0x6cc984be, 0x61b9411e, 0x16f988fa,
    0xf2c65152, 0xa88e5a6d, 0xb019fc65, 0xb9d99ec7, 0x9a1231c3, 0xe70eeaa0, 0xfdb1232b, 0xc7353eb0,
    0x3069bad5, 0xcb976d5f, 0x5a0f118f, 0xdc1eeefd, 0x0a35b689, 0xde0b7a04, 0x58f4ca9d, 0xe15d5b16,
    0x007f3e86, 0x37088980, 0xa507ea32, 0x6fab9537, 0x17406110, 0x0d8cd6f1, 0xcdaa3b6d, 0xc0bbbe37,
    0x83613bda, 0xdb48a363, 0x0b02e931, 0x6fd15ca7, 0x521afaca, 0x31338431, 0x6ed41a95, 0x6d437890,
    0xc39c91f2, 0x9eccabbd, 0xb5c9a0e6, 0x532fb63c, 0xd2c741c6, 0x07237ea3, 0xa4954b68, 0x4c191d76,
};

/* SHA-256 caps the message at 2^64 - 1 bits; the byte counter refuses to pass this bound. */
#define CJ_SHA256_MAX_BYTES ((UINT64_C(1) << 61) - 1)

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define BS0(x) (ROTR(x, 2) ^ ROTR(x, 13) ^ ROTR(x, 22))
#define BS1(x) (ROTR(x, 6) ^ ROTR(x, 11) ^ ROTR(x, 25))
#define SS0(x) (ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))
#define SS1(x) (ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10))
#define CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
#define MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))
/* One round; the caller rotates the variable names instead of moving values. */
#define RND(a, b, c, d, e, f, g, h, wk)                                                                   \
    do {                                                                                                 \
        uint32_t t1_ = (h) + BS1(e) + CH(e, f, g) + (wk);                                                \
        (d) += t1_;                                                                                      \
        (h) = t1_ + BS0(a) + MAJ(a, b, c);                                                               \
    } while (0)
#define R8(i, WK) CJ_SHA256_ROUNDS8(RND, i, WK)
/* Rounds 0-15 read the block; 16-63 extend the schedule in a 16-word ring. */
#define WK_LOAD(i) (w[i] = cj_load_be32(p + 4 * (i)), w[i] + cj_sha256_k[i])
#define WK_SCHED(i)                                                                                      \
    (w[(i) & 15] += SS1(w[((i) - 2) & 15]) + w[((i) - 7) & 15] + SS0(w[((i) - 15) & 15]),                 \
     w[(i) & 15] + cj_sha256_k[i])
#define WK_CONST(i) (wk[i])

/* Big-endian word load (compiles to a single load + bswap). */
static inline uint32_t cj_load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Big-endian word store, for digests and the length field. */
static inline void cj_store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The digest is the final state written big-endian. */
static inline void cj_sha256_store_digest(const uint32_t st[8], uint8_t out[32])
{
    for (int i = 0; i < 8; i++) cj_store_be32(out + 4 * i, st[i]);
}

/* Portable block function: the definition every other path is tested against. */
void cj_sha256_compress_portable(uint32_t state[8], const uint8_t *blocks, size_t nblocks)
{
    uint32_t w[16];
    for (; nblocks; nblocks--, blocks += 64) {
        const uint8_t *p = blocks;
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        R8(0, WK_LOAD);
        R8(8, WK_LOAD);
        R8(16, WK_SCHED);
        R8(24, WK_SCHED);
        R8(32, WK_SCHED);
        R8(40, WK_SCHED);
        R8(48, WK_SCHED);
        R8(56, WK_SCHED);
        state[0] += a, state[1] += b, state[2] += c, state[3] += d;
        state[4] += e, state[5] += f, state[6] += g, state[7] += h;
    }
}

/* A block whose W+K is already known (the constant padding block of a 64-byte message): rounds only. */
static void cj_sha256_compress_wk(uint32_t state[8], const uint32_t wk[64])
{
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    R8(0, WK_CONST);
    R8(8, WK_CONST);
    R8(16, WK_CONST);
    R8(24, WK_CONST);
    R8(32, WK_CONST);
    R8(40, WK_CONST);
    R8(48, WK_CONST);
    R8(56, WK_CONST);
    state[0] += a, state[1] += b, state[2] += c, state[3] += d;
    state[4] += e, state[5] += f, state[6] += g, state[7] += h;
}

/* One Merkle level on the portable path: data block, then the precomputed padding block. */
void cj_sha256_hash64_many_portable(uint8_t (*out)[32], const uint8_t (*in)[64], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t st[8];
        memcpy(st, cj_sha256_iv, sizeof st);
        cj_sha256_compress_portable(st, in[i], 1);
        cj_sha256_compress_wk(st, cj_sha256_pad64_wk);
        cj_sha256_store_digest(st, out[i]);
    }
}

/* One-shot without the streaming buffer: whole blocks straight from data, then one or two tail blocks. */
void cj_sha256_oneshot_portable(const uint8_t *data, size_t len, uint8_t out[32])
{
    uint32_t st[8];
    memcpy(st, cj_sha256_iv, sizeof st);
    if (len == 64) {
        cj_sha256_compress_portable(st, data, 1);
        cj_sha256_compress_wk(st, cj_sha256_pad64_wk);
        cj_sha256_store_digest(st, out);
        return;
    }
    size_t full = len / 64, rest = len % 64;
    if (full) cj_sha256_compress_portable(st, data, full);
    uint8_t tail[128];
    size_t nb = rest < 56 ? 1 : 2;
    if (rest) memcpy(tail, data + full * 64, rest);
    tail[rest] = 0x80;
    memset(tail + rest + 1, 0, nb * 64 - 8 - rest - 1);
    uint64_t bits = (uint64_t)len << 3;
    cj_store_be32(tail + nb * 64 - 8, (uint32_t)(bits >> 32));
    cj_store_be32(tail + nb * 64 - 4, (uint32_t)bits);
    cj_sha256_compress_portable(st, tail, nb);
    cj_sha256_store_digest(st, out);
}

const cj_sha256_impl cj_sha256_reference = {
    "reference", "portable", cj_sha256_compress_portable, cj_sha256_hash64_many_portable,
    cj_sha256_oneshot_portable,
};

/* The codec streams a header field by field through here, so it takes an explicit, already-checked impl. */
void cj_sha256_init(coinjecture_sha256_ctx *ctx, const cj_sha256_impl *impl)
{
    memcpy(ctx->state, cj_sha256_iv, sizeof ctx->state);
    ctx->bytes = 0;
    ctx->impl = impl ? impl : cj_backend_fast();
}

/* Buffers only a partial block; whole blocks go straight from data to the compression function. */
void cj_sha256_update(coinjecture_sha256_ctx *ctx, const uint8_t *data, size_t len)
{
    if (len == 0) return;
    const cj_sha256_impl *impl = ctx->impl;
    size_t used = (size_t)(ctx->bytes & 63);
    ctx->bytes += len;
    if (used) {
        size_t room = 64 - used;
        if (len < room) {
            memcpy(ctx->buf + used, data, len);
            return;
        }
        memcpy(ctx->buf + used, data, room);
        impl->compress(ctx->state, ctx->buf, 1);
        data += room;
        len -= room;
    }
    if (len >= 64) {
        impl->compress(ctx->state, data, len / 64);
        data += len & ~(size_t)63;
        len &= 63;
    }
    if (len) memcpy(ctx->buf, data, len);
}

/* Clears a context so no message bytes linger; the barrier keeps the compiler from dropping the store. */
static void cj_sha256_wipe(coinjecture_sha256_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
#if defined(__GNUC__)
    __asm__ __volatile__("" : : "r"(ctx) : "memory");
#endif
}

/* Pads (0x80, zeros, 64-bit bit length), writes the digest, wipes the context. */
void cj_sha256_final(coinjecture_sha256_ctx *ctx, uint8_t out[32])
{
    const cj_sha256_impl *impl = ctx->impl;
    size_t used = (size_t)(ctx->bytes & 63);
    uint64_t bits = ctx->bytes << 3;
    ctx->buf[used++] = 0x80;
    if (used > 56) {
        memset(ctx->buf + used, 0, 64 - used);
        impl->compress(ctx->state, ctx->buf, 1);
        used = 0;
    }
    memset(ctx->buf + used, 0, 56 - used);
    cj_store_be32(ctx->buf + 56, (uint32_t)(bits >> 32));
    cj_store_be32(ctx->buf + 60, (uint32_t)bits);
    impl->compress(ctx->state, ctx->buf, 1);
    cj_sha256_store_digest(ctx->state, out);
    cj_sha256_wipe(ctx);
}

/* The hot one-shot path: one atomic load of the backend pointer, one indirect call. */
void cj_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
    cj_backend_fast()->oneshot(data, len, out);
}

/* Public streaming start: captures the active backend so a later backend switch cannot split a hash. */
COINJECTURE_API CoinjResult coinjecture_sha256_init(coinjecture_sha256_ctx *ctx)
{
    if (!ctx) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_sha256_init: ctx is NULL");
    cj_sha256_init(ctx, cj_backend_fast());
    return COINJ_OK;
}

/* Public streaming update: refuses NULL misuse, contexts never initialised or already finalised, and
 * messages past the 2^64-bit limit. */
COINJECTURE_API CoinjResult coinjecture_sha256_update(coinjecture_sha256_ctx *ctx, const uint8_t *data,
                                                      size_t len)
{
    if (!ctx) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_sha256_update: ctx is NULL");
    if (!data && len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_sha256_update: data is NULL");
    if (!ctx->impl)
        return cj_fail(COINJ_ERROR_INVALID_INPUT,
                       "coinjecture_sha256_update: context not initialised (or already finalised)");
    if (ctx->bytes > CJ_SHA256_MAX_BYTES || (uint64_t)len > CJ_SHA256_MAX_BYTES - ctx->bytes)
        return cj_fail(COINJ_ERROR_INVALID_INPUT,
                       "coinjecture_sha256_update: message longer than 2^64 - 1 bits");
    cj_sha256_update(ctx, data, len);
    return COINJ_OK;
}

/* Public streaming finish: digest out, context wiped (it must be re-initialised before reuse). */
COINJECTURE_API CoinjResult coinjecture_sha256_final(coinjecture_sha256_ctx *ctx, uint8_t out[32])
{
    if (!ctx || !out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_sha256_final: NULL argument");
    if (!ctx->impl)
        return cj_fail(COINJ_ERROR_INVALID_INPUT,
                       "coinjecture_sha256_final: context not initialised (or already finalised)");
    cj_sha256_final(ctx, out);
    return COINJ_OK;
}

/* Public one-shot with a size_t length (NULL data allowed only with len 0). */
COINJECTURE_API CoinjResult coinjecture_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
    if (!out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_sha256: out is NULL");
    if (!data && len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_sha256: data is NULL");
    cj_sha256(data, len, out);
    return COINJ_OK;
}

/* One-shot on an explicitly named backend (backend comparisons). */
COINJECTURE_API CoinjResult coinjecture_backend_sha256(const char *backend, const uint8_t *data, size_t len,
                                                       uint8_t out[32])
{
    const cj_sha256_impl *impl;
    if (!out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_backend_sha256: out is NULL");
    if (!data && len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_backend_sha256: data is NULL");
    CoinjResult rc = cj_backend_named(backend, "coinjecture_backend_sha256", &impl);
    if (rc != COINJ_OK) return rc;
    impl->oneshot(data, len, out);
    return COINJ_OK;
}

/* Streaming start on an explicitly named backend; update and final are the ordinary ones. */
COINJECTURE_API CoinjResult coinjecture_backend_sha256_init(const char *backend, coinjecture_sha256_ctx *ctx)
{
    const cj_sha256_impl *impl;
    if (!ctx) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_backend_sha256_init: ctx is NULL");
    CoinjResult rc = cj_backend_named(backend, "coinjecture_backend_sha256_init", &impl);
    if (rc != COINJ_OK) return rc;
    cj_sha256_init(ctx, impl);
    return COINJ_OK;
}
