/* Multi-buffer SHA-256 of 16 independent 64-byte messages (one Merkle level) with AVX-512F/VL: lane j of
 * every vector belongs to message j. Built with -mavx512f -mavx512vl -mavx2; called only after
 * cj_cpu_features() reports CJ_CPU_AVX512 (CPU support and OS-enabled ZMM state). */
#include "sha256_paths.h"

#if defined(__x86_64__) && defined(__AVX512F__) && defined(__AVX512VL__)
#include <immintrin.h>

typedef __m512i V;

#define ADD(a, b) _mm512_add_epi32((a), (b))
#define ROR(x, n) _mm512_ror_epi32((x), (n))
#define XOR3(a, b, c) _mm512_ternarylogic_epi32((a), (b), (c), 0x96)
#define CH(e, f, g) _mm512_ternarylogic_epi32((e), (f), (g), 0xCA)  /* e ? f : g */
#define MAJ(a, b, c) _mm512_ternarylogic_epi32((a), (b), (c), 0xE8) /* majority */
#define BS0(x) XOR3(ROR(x, 2), ROR(x, 13), ROR(x, 22))
#define BS1(x) XOR3(ROR(x, 6), ROR(x, 11), ROR(x, 25))
#define SS0(x) XOR3(ROR(x, 7), ROR(x, 18), _mm512_srli_epi32((x), 3))
#define SS1(x) XOR3(ROR(x, 17), ROR(x, 19), _mm512_srli_epi32((x), 10))
#define SET1(k) _mm512_set1_epi32((int)(k))

#define RND(a, b, c, d, e, f, g, h, wk)                                                                   \
    do {                                                                                                 \
        V t1_ = ADD(ADD((h), BS1(e)), ADD(CH(e, f, g), (wk)));                                           \
        (d) = ADD((d), t1_);                                                                             \
        (h) = ADD(t1_, ADD(BS0(a), MAJ(a, b, c)));                                                       \
    } while (0)
#define R8(i, WK) CJ_SHA256_ROUNDS8(RND, i, WK)
#define WK_DATA(i) ADD(w[i], SET1(cj_sha256_k[i]))
#define WK_SCHED(i)                                                                                      \
    (w[(i) & 15] = ADD(ADD(w[(i) & 15], SS0(w[((i) - 15) & 15])), ADD(w[((i) - 7) & 15], SS1(w[((i) - 2) & 15]))), \
     ADD(w[(i) & 15], SET1(cj_sha256_k[i])))
#define WK_PAD(i) SET1(cj_sha256_pad64_wk[i])

/* Byte swap of every 32-bit lane without AVX-512BW: rotate both ways and pick bytes with a mask. */
static inline __attribute__((always_inline)) V cj_avx512_bswap(V x)
{
    return _mm512_ternarylogic_epi32(_mm512_ror_epi32(x, 8), _mm512_rol_epi32(x, 8), SET1(0xFF00FF00u), 0xE4);
}

/* 16x16 transpose of 32-bit words: r[i] = message i in, r[j] = word j of every message out. */
static inline __attribute__((always_inline)) void cj_avx512_transpose16(V r[16])
{
    V t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    /* u[4G + j] holds, in 128-bit lane k, word 4k + j of rows 4G .. 4G + 3. */
    for (int G = 0; G < 4; G++) {
        V *tg = t + 4 * G;
        u[4 * G + 0] = _mm512_unpacklo_epi64(tg[0], tg[2]);
        u[4 * G + 1] = _mm512_unpackhi_epi64(tg[0], tg[2]);
        u[4 * G + 2] = _mm512_unpacklo_epi64(tg[1], tg[3]);
        u[4 * G + 3] = _mm512_unpackhi_epi64(tg[1], tg[3]);
    }
    /* Word 4k + j = lanes k of u[j], u[4 + j], u[8 + j], u[12 + j]: a 4x4 transpose of 128-bit lanes. */
    for (int j = 0; j < 4; j++) {
        V x0 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0x44), x1 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0xEE);
        V y0 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0x44), y1 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0xEE);
        r[j] = _mm512_shuffle_i32x4(x0, y0, 0x88);
        r[4 + j] = _mm512_shuffle_i32x4(x0, y0, 0xDD);
        r[8 + j] = _mm512_shuffle_i32x4(x1, y1, 0x88);
        r[12 + j] = _mm512_shuffle_i32x4(x1, y1, 0xDD);
    }
}

/* Sixteen messages: data block with full schedule, then the precomputed padding block, then a transpose
 * of the eight state vectors into sixteen 32-byte digests. */
static inline __attribute__((always_inline)) void cj_avx512_hash16(uint8_t (*out)[32], const uint8_t (*in)[64])
{
    V w[16];
    for (int i = 0; i < 16; i++) w[i] = _mm512_loadu_si512((const void *)in[i]);
    cj_avx512_transpose16(w);
    for (int i = 0; i < 16; i++) w[i] = cj_avx512_bswap(w[i]);

    const V iv0 = SET1(cj_sha256_iv[0]), iv1 = SET1(cj_sha256_iv[1]), iv2 = SET1(cj_sha256_iv[2]),
            iv3 = SET1(cj_sha256_iv[3]), iv4 = SET1(cj_sha256_iv[4]), iv5 = SET1(cj_sha256_iv[5]),
            iv6 = SET1(cj_sha256_iv[6]), iv7 = SET1(cj_sha256_iv[7]);
    V a = iv0, b = iv1, c = iv2, d = iv3, e = iv4, f = iv5, g = iv6, h = iv7;
    R8(0, WK_DATA);
    R8(8, WK_DATA);
    R8(16, WK_SCHED);
    R8(24, WK_SCHED);
    R8(32, WK_SCHED);
    R8(40, WK_SCHED);
    R8(48, WK_SCHED);
    R8(56, WK_SCHED);
    a = ADD(a, iv0), b = ADD(b, iv1), c = ADD(c, iv2), d = ADD(d, iv3);
    e = ADD(e, iv4), f = ADD(f, iv5), g = ADD(g, iv6), h = ADD(h, iv7);

    V s[8] = {a, b, c, d, e, f, g, h};
    R8(0, WK_PAD);
    R8(8, WK_PAD);
    R8(16, WK_PAD);
    R8(24, WK_PAD);
    R8(32, WK_PAD);
    R8(40, WK_PAD);
    R8(48, WK_PAD);
    R8(56, WK_PAD);
    s[0] = cj_avx512_bswap(ADD(s[0], a)), s[1] = cj_avx512_bswap(ADD(s[1], b));
    s[2] = cj_avx512_bswap(ADD(s[2], c)), s[3] = cj_avx512_bswap(ADD(s[3], d));
    s[4] = cj_avx512_bswap(ADD(s[4], e)), s[5] = cj_avx512_bswap(ADD(s[5], f));
    s[6] = cj_avx512_bswap(ADD(s[6], g)), s[7] = cj_avx512_bswap(ADD(s[7], h));

    /* 8x16 transpose: after two unpack stages u[4G + j] lane k = word group G of message 4k + j. */
    V t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm512_unpacklo_epi32(s[i], s[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(s[i], s[i + 1]);
    }
    for (int G = 0; G < 2; G++) {
        V *tg = t + 4 * G;
        u[4 * G + 0] = _mm512_unpacklo_epi64(tg[0], tg[2]);
        u[4 * G + 1] = _mm512_unpackhi_epi64(tg[0], tg[2]);
        u[4 * G + 2] = _mm512_unpacklo_epi64(tg[1], tg[3]);
        u[4 * G + 3] = _mm512_unpackhi_epi64(tg[1], tg[3]);
    }
    for (int j = 0; j < 4; j++) {
        /* {lo lane 0, hi lane 0, lo lane 1, hi lane 1} and the same for lanes 2, 3. */
        V p01 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0x44), p23 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0xEE);
        p01 = _mm512_shuffle_i32x4(p01, p01, 0xD8);
        p23 = _mm512_shuffle_i32x4(p23, p23, 0xD8);
        _mm256_storeu_si256((__m256i *)out[j], _mm512_castsi512_si256(p01));
        _mm256_storeu_si256((__m256i *)out[4 + j], _mm512_extracti64x4_epi64(p01, 1));
        _mm256_storeu_si256((__m256i *)out[8 + j], _mm512_castsi512_si256(p23));
        _mm256_storeu_si256((__m256i *)out[12 + j], _mm512_extracti64x4_epi64(p23, 1));
    }
}

/* Hashes the largest multiple of 16 messages; the caller finishes the remainder on another path. */
size_t cj_sha256_x86_avx512_hash64_x16(uint8_t (*out)[32], const uint8_t (*in)[64], size_t n)
{
    size_t done = n - n % 16;
    for (size_t i = 0; i < done; i += 16) cj_avx512_hash16(out + i, in + i);
    return done;
}

#else
typedef int cj_sha256_x86_avx512_empty; /* not an x86-64 AVX-512 build */
#endif
