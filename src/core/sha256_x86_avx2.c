/* Multi-buffer SHA-256 of 8 independent 64-byte messages (one Merkle level) with AVX2: lane j of every
 * vector belongs to message j. Built with -mavx2; called only after cj_cpu_features() reports CJ_CPU_AVX2
 * (CPU support and OS-enabled YMM state). */
#include "sha256_paths.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>

typedef __m256i V;

#define ADD(a, b) _mm256_add_epi32((a), (b))
#define XOR(a, b) _mm256_xor_si256((a), (b))
#define ROR(x, n) _mm256_or_si256(_mm256_srli_epi32((x), (n)), _mm256_slli_epi32((x), 32 - (n)))
#define BS0(x) XOR(XOR(ROR(x, 2), ROR(x, 13)), ROR(x, 22))
#define BS1(x) XOR(XOR(ROR(x, 6), ROR(x, 11)), ROR(x, 25))
#define SS0(x) XOR(XOR(ROR(x, 7), ROR(x, 18)), _mm256_srli_epi32((x), 3))
#define SS1(x) XOR(XOR(ROR(x, 17), ROR(x, 19)), _mm256_srli_epi32((x), 10))
#define CH(e, f, g) XOR((g), _mm256_and_si256((e), XOR((f), (g))))
#define MAJ(a, b, c) _mm256_or_si256(_mm256_and_si256((a), (b)), _mm256_and_si256((c), _mm256_or_si256((a), (b))))
#define SET1(k) _mm256_set1_epi32((int)(k))

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

/* 8x8 transpose of 32-bit words: r[i] = row i in, r[j] = column j out. */
static inline __attribute__((always_inline)) void cj_avx2_transpose8(V r[8])
{
    V t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);
    }
    /* u[4G + j] holds, in 128-bit lane k, element 4k + j of rows 4G .. 4G + 3. */
    for (int G = 0; G < 2; G++) {
        V *tg = t + 4 * G;
        u[4 * G + 0] = _mm256_unpacklo_epi64(tg[0], tg[2]);
        u[4 * G + 1] = _mm256_unpackhi_epi64(tg[0], tg[2]);
        u[4 * G + 2] = _mm256_unpacklo_epi64(tg[1], tg[3]);
        u[4 * G + 3] = _mm256_unpackhi_epi64(tg[1], tg[3]);
    }
    for (int j = 0; j < 4; j++) {
        r[j] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x20);
        r[4 + j] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x31);
    }
}

/* Eight messages: data block with full schedule, precomputed padding block, transpose back to digests. */
static inline __attribute__((always_inline)) void cj_avx2_hash8(uint8_t (*out)[32], const uint8_t (*in)[64])
{
    const V mask = _mm256_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL, 0x0c0d0e0f08090a0bLL,
                                     0x0405060700010203LL);
    V w[16];
    for (int i = 0; i < 8; i++) {
        w[i] = _mm256_loadu_si256((const __m256i *)in[i]);
        w[8 + i] = _mm256_loadu_si256((const __m256i *)(in[i] + 32));
    }
    cj_avx2_transpose8(w);
    cj_avx2_transpose8(w + 8);
    for (int i = 0; i < 16; i++) w[i] = _mm256_shuffle_epi8(w[i], mask);

    V a = SET1(cj_sha256_iv[0]), b = SET1(cj_sha256_iv[1]), c = SET1(cj_sha256_iv[2]), d = SET1(cj_sha256_iv[3]);
    V e = SET1(cj_sha256_iv[4]), f = SET1(cj_sha256_iv[5]), g = SET1(cj_sha256_iv[6]), h = SET1(cj_sha256_iv[7]);
    R8(0, WK_DATA);
    R8(8, WK_DATA);
    R8(16, WK_SCHED);
    R8(24, WK_SCHED);
    R8(32, WK_SCHED);
    R8(40, WK_SCHED);
    R8(48, WK_SCHED);
    R8(56, WK_SCHED);
    a = ADD(a, SET1(cj_sha256_iv[0])), b = ADD(b, SET1(cj_sha256_iv[1]));
    c = ADD(c, SET1(cj_sha256_iv[2])), d = ADD(d, SET1(cj_sha256_iv[3]));
    e = ADD(e, SET1(cj_sha256_iv[4])), f = ADD(f, SET1(cj_sha256_iv[5]));
    g = ADD(g, SET1(cj_sha256_iv[6])), h = ADD(h, SET1(cj_sha256_iv[7]));

    V s[8] = {a, b, c, d, e, f, g, h};
    R8(0, WK_PAD);
    R8(8, WK_PAD);
    R8(16, WK_PAD);
    R8(24, WK_PAD);
    R8(32, WK_PAD);
    R8(40, WK_PAD);
    R8(48, WK_PAD);
    R8(56, WK_PAD);
    s[0] = ADD(s[0], a), s[1] = ADD(s[1], b), s[2] = ADD(s[2], c), s[3] = ADD(s[3], d);
    s[4] = ADD(s[4], e), s[5] = ADD(s[5], f), s[6] = ADD(s[6], g), s[7] = ADD(s[7], h);
    cj_avx2_transpose8(s);
    for (int i = 0; i < 8; i++) _mm256_storeu_si256((__m256i *)out[i], _mm256_shuffle_epi8(s[i], mask));
}

/* Hashes the largest multiple of 8 messages; the caller finishes the remainder on another path. */
size_t cj_sha256_x86_avx2_hash64_x8(uint8_t (*out)[32], const uint8_t (*in)[64], size_t n)
{
    size_t done = n - n % 8;
    for (size_t i = 0; i < done; i += 8) cj_avx2_hash8(out + i, in + i);
    return done;
}

#else
typedef int cj_sha256_x86_avx2_empty; /* not an x86-64 AVX2 build */
#endif
