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

#endif /* CJ_SHA256_PATHS_H */
