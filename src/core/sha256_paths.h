/* Internal to the SHA-256 modules (sha256*.c, backend.c, merkle.c, cpu.c) and their tests and the bench:
 * the shared constants, the per-ISA primitives, and the registry of every code path this CPU can run. */
#ifndef CJ_SHA256_PATHS_H
#define CJ_SHA256_PATHS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "cj_internal.h"

/* FIPS 180-4 round constants and initial hash value. */
extern const uint32_t cj_sha256_k[64];
extern const uint32_t cj_sha256_iv[8];

/* W[i] + K[i] for the second block of every 64-byte message: that block is the constant padding
 * 0x80 00..00 | 64-bit length 512, so its whole message schedule is a constant. */
extern const uint32_t cj_sha256_pad64_wk[64];

/* ---- sha256.c: portable primitives, reusable by the accelerated paths for their tails ---- */
void cj_sha256_compress_portable(uint32_t state[8], const uint8_t *blocks, size_t nblocks);
void cj_sha256_hash64_many_portable(uint8_t (*out)[32], const uint8_t (*in)[64], size_t n);
void cj_sha256_oneshot_portable(const uint8_t *data, size_t len, uint8_t out[32]);

/* ---- cpu.c: run-time CPU features (instruction set AND operating-system register support) ---- */
enum {
    CJ_CPU_SHANI = 1u << 0,  /* x86 SHA extensions with SSSE3 + SSE4.1 */
    CJ_CPU_AVX2 = 1u << 1,   /* AVX2, YMM state enabled by the OS (XCR0) */
    CJ_CPU_AVX512 = 1u << 2, /* AVX-512F + VL, ZMM/opmask state enabled by the OS (XCR0) */
    CJ_CPU_ARMSHA2 = 1u << 3 /* ARMv8 SHA-256 instructions */
};
/* Features of the running CPU (queried each call: cpuid is cheap and this is not on a hot path). */
unsigned cj_cpu_features(void);

/* ---- sha256_x86_*.c / sha256_arm.c: accelerated primitives (call only when the feature is present).
 * Every hash64_many below accepts out == (void *)in: each batch reads all its inputs before it writes. */
#if defined(__x86_64__) || defined(_M_X64)
#define CJ_SHA256_HAVE_X86 1
void cj_sha256_x86_shani_compress(uint32_t state[8], const uint8_t *blocks, size_t nblocks);
void cj_sha256_x86_shani_oneshot(const uint8_t *data, size_t len, uint8_t out[32]);
/* Four (then two, then one) messages interleaved per step (hides the SHA256RNDS2 latency). */
void cj_sha256_x86_shani_hash64_many(uint8_t (*out)[32], const uint8_t (*in)[64], size_t n);
/* Multi-buffer SIMD: hash n - n % lanes messages and return that count; the caller hashes the rest. */
size_t cj_sha256_x86_avx2_hash64_x8(uint8_t (*out)[32], const uint8_t (*in)[64], size_t n);
size_t cj_sha256_x86_avx512_hash64_x16(uint8_t (*out)[32], const uint8_t (*in)[64], size_t n);
#endif
#if defined(__aarch64__)
#define CJ_SHA256_HAVE_ARM 1
void cj_sha256_arm_compress(uint32_t state[8], const uint8_t *blocks, size_t nblocks);
void cj_sha256_arm_oneshot(const uint8_t *data, size_t len, uint8_t out[32]);
void cj_sha256_arm_hash64_many(uint8_t (*out)[32], const uint8_t (*in)[64], size_t n);
#endif

/* ---- backend.c: every code path compiled in and runnable on this CPU ---- */
/* Number of runnable paths; index 0 is always the portable reference. */
size_t cj_backend_variant_count(void);
/* The i-th runnable path (NULL when out of range). Used by the differential tests and the bench. */
const cj_sha256_impl *cj_backend_variant(size_t i);
/* The runnable path whose detail string equals name ("portable", "sha-ni", "sha-ni+avx512", ...), or NULL. */
const cj_sha256_impl *cj_backend_by_detail(const char *name);
/* The accelerated path the detection picks for a feature set (NULL = none: fall back to portable).
 * Pure apart from the optional timing of candidates, which only runs when calibrate != 0. */
const cj_sha256_impl *cj_backend_pick(unsigned features, int calibrate);
/* What selecting backend name gives when the accelerated path is accel (NULL = this CPU has none):
 * COINJ_OK with *out set, or COINJ_ERROR_UNSUPPORTED for an unknown name (*out untouched). */
CoinjResult cj_backend_resolve(const char *name, const cj_sha256_impl *accel, const cj_sha256_impl **out);

/* The selected implementation (NULL until the first use reads the environment). The only global mutable
 * state of the hashing code; see backend.c. */
extern _Atomic(const cj_sha256_impl *) cj_backend_current;

/* cj_backend() with the common case inlined: one acquire load (a plain load on x86 and a load-acquire on
 * arm64) and a predictable branch. */
static inline const cj_sha256_impl *cj_backend_fast(void)
{
    const cj_sha256_impl *p = atomic_load_explicit(&cj_backend_current, memory_order_acquire);
    return p ? p : cj_backend();
}

/* ---- merkle.c ---- */
/* cj_merkle_root_impl with an explicit thread count (0 = automatic, 1 = calling thread only, n = n threads
 * for trees of 512 leaves or more; at most 8). */
CoinjResult cj_merkle_root_threads(const cj_sha256_impl *impl, const uint8_t (*leaves)[32], size_t count,
                                   uint8_t out[32], unsigned max_threads);
/* Leaf count from which the automatic mode splits the lower levels across cores. */
#define CJ_MERKLE_PARALLEL_MIN 16384u

/* Eight SHA-256 rounds starting at round i with the working variables rotated in place, shared by every
 * scalar and multi-lane path: RND(a..h, wk) is the path's one-round macro, WK(i) yields W[i] + K[i]. */
#define CJ_SHA256_ROUNDS8(RND, i, WK)                                                                    \
    RND(a, b, c, d, e, f, g, h, WK(i));                                                                  \
    RND(h, a, b, c, d, e, f, g, WK((i) + 1));                                                            \
    RND(g, h, a, b, c, d, e, f, WK((i) + 2));                                                            \
    RND(f, g, h, a, b, c, d, e, WK((i) + 3));                                                            \
    RND(e, f, g, h, a, b, c, d, WK((i) + 4));                                                            \
    RND(d, e, f, g, h, a, b, c, WK((i) + 5));                                                            \
    RND(c, d, e, f, g, h, a, b, WK((i) + 6));                                                            \
    RND(b, c, d, e, f, g, h, a, WK((i) + 7))

/* ---- SHA-NI building blocks, inlinable into any x86-64 file (opt in with CJ_SHA256_SHANI_INLINE) ----
 * Compiled through target attributes, so a caller needs no -msha: only functions carrying CJ_SHANI_TARGET may
 * use them, and only after cj_cpu_features() reports CJ_CPU_SHANI. The state lives in two registers as the
 * instructions want it: ABEF = {f, e, b, a} and CDGH = {h, g, d, c} (element 0 first). */
#if defined(CJ_SHA256_SHANI_INLINE) && defined(CJ_SHA256_HAVE_X86) && (defined(__GNUC__) || defined(__clang__))
#define CJ_SHA256_HAVE_SHANI_INLINE 1
#include <immintrin.h>

#define CJ_SHANI_TARGET __attribute__((target("sha,sse4.1,ssse3")))
#define CJ_SHANI_INLINE static inline __attribute__((always_inline, target("sha,sse4.1,ssse3")))

/* Byte order within each 32-bit word: message words are big-endian. */
#define CJ_SHANI_BSWAP _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL)
#define CJ_SHANI_KV(g) _mm_loadu_si128((const __m128i *)(cj_sha256_k + 4 * (g)))
#define CJ_SHANI_PADV(g) _mm_loadu_si128((const __m128i *)(cj_sha256_pad64_wk + 4 * (g)))
/* The initial hash value in ABEF / CDGH order. */
#define CJ_SHANI_IV_ABEF _mm_set_epi32(0x6a09e667, (int)0xbb67ae85, 0x510e527f, (int)0x9b05688c)
#define CJ_SHANI_IV_CDGH _mm_set_epi32(0x3c6ef372, (int)0xa54ff53a, 0x1f83d9ab, 0x5be0cd19)

/* Four rounds with W+K in wk (two SHA256RNDS2, each consuming two words). */
#define CJ_SHANI_RNDS4(s0, s1, wk)                                                                       \
    do {                                                                                                 \
        __m128i t_ = (wk);                                                                               \
        (s1) = _mm_sha256rnds2_epu32((s1), (s0), t_);                                                    \
        (s0) = _mm_sha256rnds2_epu32((s0), (s1), _mm_shuffle_epi32(t_, 0x0E));                           \
    } while (0)

/* Rounds 4g..4g+3 of a data block with the schedule kept in the ring m[0..3] (m[g % 4] = W words 4g..4g+3).
 * During group g it finishes W(g+1) (msg2) and starts W(g+3) (msg1), so each value is ready in time. */
#define CJ_SHANI_QROUND(s0, s1, m, g)                                                                    \
    do {                                                                                                 \
        __m128i t_ = _mm_add_epi32(m[(g) & 3], CJ_SHANI_KV(g));                                          \
        (s1) = _mm_sha256rnds2_epu32((s1), (s0), t_);                                                    \
        if ((g) >= 3 && (g) <= 14) {                                                                     \
            m[((g) + 1) & 3] =                                                                           \
                _mm_add_epi32(m[((g) + 1) & 3], _mm_alignr_epi8(m[(g) & 3], m[((g) + 3) & 3], 4));      \
            m[((g) + 1) & 3] = _mm_sha256msg2_epu32(m[((g) + 1) & 3], m[(g) & 3]);                       \
        }                                                                                                \
        (s0) = _mm_sha256rnds2_epu32((s0), (s1), _mm_shuffle_epi32(t_, 0x0E));                           \
        if ((g) >= 1 && (g) <= 12) m[((g) + 3) & 3] = _mm_sha256msg1_epu32(m[((g) + 3) & 3], m[(g) & 3]); \
    } while (0)

/* One 64-byte data block given as four registers in memory byte order into (s0, s1), feed-forward
 * included (for blocks assembled in registers, which never wait on a store-to-load round trip). */
CJ_SHANI_INLINE void cj_shani_block_v(__m128i *s0p, __m128i *s1p, __m128i b0, __m128i b1, __m128i b2, __m128i b3)
{
    const __m128i mask = CJ_SHANI_BSWAP;
    __m128i s0 = *s0p, s1 = *s1p, m[4];
    m[0] = _mm_shuffle_epi8(b0, mask);
    m[1] = _mm_shuffle_epi8(b1, mask);
    m[2] = _mm_shuffle_epi8(b2, mask);
    m[3] = _mm_shuffle_epi8(b3, mask);
    CJ_SHANI_QROUND(s0, s1, m, 0);
    CJ_SHANI_QROUND(s0, s1, m, 1);
    CJ_SHANI_QROUND(s0, s1, m, 2);
    CJ_SHANI_QROUND(s0, s1, m, 3);
    CJ_SHANI_QROUND(s0, s1, m, 4);
    CJ_SHANI_QROUND(s0, s1, m, 5);
    CJ_SHANI_QROUND(s0, s1, m, 6);
    CJ_SHANI_QROUND(s0, s1, m, 7);
    CJ_SHANI_QROUND(s0, s1, m, 8);
    CJ_SHANI_QROUND(s0, s1, m, 9);
    CJ_SHANI_QROUND(s0, s1, m, 10);
    CJ_SHANI_QROUND(s0, s1, m, 11);
    CJ_SHANI_QROUND(s0, s1, m, 12);
    CJ_SHANI_QROUND(s0, s1, m, 13);
    CJ_SHANI_QROUND(s0, s1, m, 14);
    CJ_SHANI_QROUND(s0, s1, m, 15);
    *s0p = _mm_add_epi32(s0, *s0p);
    *s1p = _mm_add_epi32(s1, *s1p);
}

/* One 64-byte data block from memory into (s0, s1), feed-forward included. */
CJ_SHANI_INLINE void cj_shani_block(__m128i *s0p, __m128i *s1p, const uint8_t *p)
{
    cj_shani_block_v(s0p, s1p, _mm_loadu_si128((const __m128i *)(const void *)(p + 0)),
                     _mm_loadu_si128((const __m128i *)(const void *)(p + 16)),
                     _mm_loadu_si128((const __m128i *)(const void *)(p + 32)),
                     _mm_loadu_si128((const __m128i *)(const void *)(p + 48)));
}

/* The constant padding block of a 64-byte message: precomputed W+K, rounds only. */
CJ_SHANI_INLINE void cj_shani_pad64(__m128i *s0p, __m128i *s1p)
{
    __m128i s0 = *s0p, s1 = *s1p;
    for (int g = 0; g < 16; g++) CJ_SHANI_RNDS4(s0, s1, CJ_SHANI_PADV(g));
    *s0p = _mm_add_epi32(s0, *s0p);
    *s1p = _mm_add_epi32(s1, *s1p);
}

/* Writes ABEF / CDGH as the 32-byte big-endian digest. */
CJ_SHANI_INLINE void cj_shani_store_digest(__m128i s0, __m128i s1, uint8_t out[32])
{
    const __m128i mask = CJ_SHANI_BSWAP;
    __m128i feba = _mm_shuffle_epi32(s0, 0x1B);       /* {a, b, e, f} */
    __m128i dchg = _mm_shuffle_epi32(s1, 0xB1);       /* {g, h, c, d} */
    __m128i abcd = _mm_blend_epi16(feba, dchg, 0xF0); /* {a, b, c, d} */
    __m128i efgh = _mm_alignr_epi8(dchg, feba, 8);    /* {e, f, g, h} */
    _mm_storeu_si128((__m128i *)(void *)out, _mm_shuffle_epi8(abcd, mask));
    _mm_storeu_si128((__m128i *)(void *)(out + 16), _mm_shuffle_epi8(efgh, mask));
}
#endif /* CJ_SHA256_SHANI_INLINE */

#endif /* CJ_SHA256_PATHS_H */
