/* SHA-256 with the ARMv8 cryptography extension (SHA256H / SHA256H2 / SHA256SU0 / SHA256SU1), built with
 * -march=armv8-a+crypto on aarch64 and called only after cj_cpu_features() reports CJ_CPU_ARMSHA2.
 * The state is two vectors {a, b, c, d} and {e, f, g, h}. */
#include "sha256_paths.h"

#if defined(__aarch64__) && (defined(__ARM_FEATURE_SHA2) || defined(__ARM_FEATURE_CRYPTO))
#include <arm_neon.h>

#define CJ_INLINE static inline __attribute__((always_inline))

/* Four rounds with W+K in wk. */
#define RNDS4(abcd, efgh, wk)                                                                            \
    do {                                                                                                 \
        uint32x4_t prev_ = (abcd);                                                                       \
        (abcd) = vsha256hq_u32((abcd), (efgh), (wk));                                                    \
        (efgh) = vsha256h2q_u32((efgh), prev_, (wk));                                                    \
    } while (0)

/* Rounds 4g..4g+3 with the schedule ring m[0..3]; W(g+4) is computed in place of W(g). */
#define QROUND(abcd, efgh, m, g)                                                                         \
    do {                                                                                                 \
        uint32x4_t wk_ = vaddq_u32(m[(g) & 3], vld1q_u32(cj_sha256_k + 4 * (g)));                        \
        if ((g) < 12)                                                                                    \
            m[(g) & 3] = vsha256su1q_u32(vsha256su0q_u32(m[(g) & 3], m[((g) + 1) & 3]), m[((g) + 2) & 3], \
                                         m[((g) + 3) & 3]);                                              \
        RNDS4(abcd, efgh, wk_);                                                                          \
    } while (0)

/* Message words are big-endian. */
CJ_INLINE uint32x4_t cj_arm_load(const uint8_t *p)
{
    return vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(p)));
}

/* One data block, feed-forward included. */
CJ_INLINE void cj_arm_block(uint32x4_t *abcdp, uint32x4_t *efghp, const uint8_t *p)
{
    uint32x4_t abcd = *abcdp, efgh = *efghp, m[4];
    for (int i = 0; i < 4; i++) m[i] = cj_arm_load(p + 16 * i);
    QROUND(abcd, efgh, m, 0);
    QROUND(abcd, efgh, m, 1);
    QROUND(abcd, efgh, m, 2);
    QROUND(abcd, efgh, m, 3);
    QROUND(abcd, efgh, m, 4);
    QROUND(abcd, efgh, m, 5);
    QROUND(abcd, efgh, m, 6);
    QROUND(abcd, efgh, m, 7);
    QROUND(abcd, efgh, m, 8);
    QROUND(abcd, efgh, m, 9);
    QROUND(abcd, efgh, m, 10);
    QROUND(abcd, efgh, m, 11);
    QROUND(abcd, efgh, m, 12);
    QROUND(abcd, efgh, m, 13);
    QROUND(abcd, efgh, m, 14);
    QROUND(abcd, efgh, m, 15);
    *abcdp = vaddq_u32(abcd, *abcdp);
    *efghp = vaddq_u32(efgh, *efghp);
}

/* The constant padding block of a 64-byte message (precomputed W+K). */
CJ_INLINE void cj_arm_pad64(uint32x4_t *abcdp, uint32x4_t *efghp)
{
    uint32x4_t abcd = *abcdp, efgh = *efghp;
    for (int g = 0; g < 16; g++) RNDS4(abcd, efgh, vld1q_u32(cj_sha256_pad64_wk + 4 * g));
    *abcdp = vaddq_u32(abcd, *abcdp);
    *efghp = vaddq_u32(efgh, *efghp);
}

/* State to big-endian digest bytes. */
CJ_INLINE void cj_arm_store_digest(uint32x4_t abcd, uint32x4_t efgh, uint8_t out[32])
{
    vst1q_u8(out, vrev32q_u8(vreinterpretq_u8_u32(abcd)));
    vst1q_u8(out + 16, vrev32q_u8(vreinterpretq_u8_u32(efgh)));
}

/* Block function on the portable state layout (the streaming context). */
void cj_sha256_arm_compress(uint32_t state[8], const uint8_t *blocks, size_t nblocks)
{
    uint32x4_t abcd = vld1q_u32(state), efgh = vld1q_u32(state + 4);
    for (; nblocks; nblocks--, blocks += 64) cj_arm_block(&abcd, &efgh, blocks);
    vst1q_u32(state, abcd);
    vst1q_u32(state + 4, efgh);
}

/* One-shot: blocks straight from data, tail padded on the stack. */
void cj_sha256_arm_oneshot(const uint8_t *data, size_t len, uint8_t out[32])
{
    uint32x4_t abcd = vld1q_u32(cj_sha256_iv), efgh = vld1q_u32(cj_sha256_iv + 4);
    if (len == 64) {
        cj_arm_block(&abcd, &efgh, data);
        cj_arm_pad64(&abcd, &efgh);
        cj_arm_store_digest(abcd, efgh, out);
        return;
    }
    size_t full = len / 64, rest = len % 64;
    for (size_t i = 0; i < full; i++) cj_arm_block(&abcd, &efgh, data + 64 * i);
    uint8_t tail[128];
    size_t nb = rest < 56 ? 1 : 2;
    if (rest) __builtin_memcpy(tail, data + full * 64, rest);
    tail[rest] = 0x80;
    __builtin_memset(tail + rest + 1, 0, nb * 64 - 8 - rest - 1);
    uint64_t bits = (uint64_t)len << 3;
    for (int i = 0; i < 8; i++) tail[nb * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
    cj_arm_block(&abcd, &efgh, tail);
    if (nb == 2) cj_arm_block(&abcd, &efgh, tail + 64);
    cj_arm_store_digest(abcd, efgh, out);
}

/* A Merkle level, two messages interleaved to cover the SHA256H latency (inputs read before outputs). */
void cj_sha256_arm_hash64_many(uint8_t (*out)[32], const uint8_t (*in)[64], size_t n)
{
    const uint32x4_t iv0 = vld1q_u32(cj_sha256_iv), iv1 = vld1q_u32(cj_sha256_iv + 4);
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        uint32x4_t a0 = iv0, a1 = iv1, b0 = iv0, b1 = iv1, ma[4], mb[4];
        for (int j = 0; j < 4; j++) {
            ma[j] = cj_arm_load(in[i] + 16 * j);
            mb[j] = cj_arm_load(in[i + 1] + 16 * j);
        }
#define QROUND2(g)                                                                                       \
    do {                                                                                                 \
        QROUND(a0, a1, ma, g);                                                                           \
        QROUND(b0, b1, mb, g);                                                                           \
    } while (0)
        QROUND2(0);
        QROUND2(1);
        QROUND2(2);
        QROUND2(3);
        QROUND2(4);
        QROUND2(5);
        QROUND2(6);
        QROUND2(7);
        QROUND2(8);
        QROUND2(9);
        QROUND2(10);
        QROUND2(11);
        QROUND2(12);
        QROUND2(13);
        QROUND2(14);
        QROUND2(15);
#undef QROUND2
        a0 = vaddq_u32(a0, iv0), a1 = vaddq_u32(a1, iv1), b0 = vaddq_u32(b0, iv0), b1 = vaddq_u32(b1, iv1);
        uint32x4_t sa0 = a0, sa1 = a1, sb0 = b0, sb1 = b1;
        for (int g = 0; g < 16; g++) {
            uint32x4_t wk = vld1q_u32(cj_sha256_pad64_wk + 4 * g);
            RNDS4(a0, a1, wk);
            RNDS4(b0, b1, wk);
        }
        cj_arm_store_digest(vaddq_u32(a0, sa0), vaddq_u32(a1, sa1), out[i]);
        cj_arm_store_digest(vaddq_u32(b0, sb0), vaddq_u32(b1, sb1), out[i + 1]);
    }
    if (i < n) {
        uint32x4_t abcd = iv0, efgh = iv1;
        cj_arm_block(&abcd, &efgh, in[i]);
        cj_arm_pad64(&abcd, &efgh);
        cj_arm_store_digest(abcd, efgh, out[i]);
    }
}

#else
typedef int cj_sha256_arm_empty; /* not an aarch64 build with the crypto extension */
#endif
