/* Crypto backend registry: which SHA-256 implementation the library uses.
 *
 * Threading model. The choice is one atomic pointer, cj_backend_current. Readers do a single acquire load
 * (cj_backend_fast in sha256_paths.h) and keep the pointer for the whole call, so a concurrent
 * coinjecture_backend_select never splits a hash: calls already running finish on the implementation they
 * loaded. The pointer starts NULL; the first reader runs cj_backend_env_init once (pthread_once), which
 * reads COINJECTURE_CRYPTO_BACKEND and publishes the result. coinjecture_backend_select runs that same
 * once-routine first, so the environment can never overwrite an explicit selection.
 * CPU detection (and the timing that picks the fastest multi-buffer path) also runs once, on the first
 * request for the accelerated implementation. Every implementation is a static const table, so the only
 * mutable state is these pointers and the copy of an unknown environment value. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sha256_paths.h"

_Atomic(const cj_sha256_impl *) cj_backend_current = NULL;
static _Atomic(const char *) cj_backend_requested_name = NULL;
static pthread_once_t cj_backend_env_once = PTHREAD_ONCE_INIT;
static pthread_once_t cj_backend_detect_once = PTHREAD_ONCE_INIT;
static const cj_sha256_impl *cj_backend_accel; /* written once under cj_backend_detect_once */
static char cj_backend_env_value[64];          /* an unknown environment value, for _requested() */

static const char *const cj_backend_names[] = {"reference", "accelerated"};

#if defined(CJ_SHA256_HAVE_X86)
/* AVX-512 for every full group of 16, SHA-NI (two interleaved) for the rest of the level. */
static void cj_backend_shani_avx512_many(uint8_t (*out)[32], const uint8_t (*in)[64], size_t n)
{
    size_t done = cj_sha256_x86_avx512_hash64_x16(out, in, n);
    if (done < n) cj_sha256_x86_shani_hash64_many(out + done, in + done, n - done);
}

/* AVX2 for every full group of 8, SHA-NI for the rest. */
static void cj_backend_shani_avx2_many(uint8_t (*out)[32], const uint8_t (*in)[64], size_t n)
{
    size_t done = cj_sha256_x86_avx2_hash64_x8(out, in, n);
    if (done < n) cj_sha256_x86_shani_hash64_many(out + done, in + done, n - done);
}

/* Without SHA-NI: AVX-512 groups of 16, then AVX2 groups of 8 (AVX-512 here implies AVX2), then portable. */
static void cj_backend_avx512_many(uint8_t (*out)[32], const uint8_t (*in)[64], size_t n)
{
    size_t done = cj_sha256_x86_avx512_hash64_x16(out, in, n);
    done += cj_sha256_x86_avx2_hash64_x8(out + done, in + done, n - done);
    if (done < n) cj_sha256_hash64_many_portable(out + done, in + done, n - done);
}

/* Without SHA-NI: AVX2 groups of 8, then portable. */
static void cj_backend_avx2_many(uint8_t (*out)[32], const uint8_t (*in)[64], size_t n)
{
    size_t done = cj_sha256_x86_avx2_hash64_x8(out, in, n);
    if (done < n) cj_sha256_hash64_many_portable(out + done, in + done, n - done);
}

static const cj_sha256_impl cj_backend_shani = {"accelerated", "sha-ni", cj_sha256_x86_shani_compress,
                                                cj_sha256_x86_shani_hash64_many, cj_sha256_x86_shani_oneshot};
static const cj_sha256_impl cj_backend_shani_avx512 = {"accelerated", "sha-ni+avx512",
                                                       cj_sha256_x86_shani_compress, cj_backend_shani_avx512_many,
                                                       cj_sha256_x86_shani_oneshot};
static const cj_sha256_impl cj_backend_shani_avx2 = {"accelerated", "sha-ni+avx2", cj_sha256_x86_shani_compress,
                                                     cj_backend_shani_avx2_many, cj_sha256_x86_shani_oneshot};
static const cj_sha256_impl cj_backend_avx512 = {"accelerated", "avx512", cj_sha256_compress_portable,
                                                 cj_backend_avx512_many, cj_sha256_oneshot_portable};
static const cj_sha256_impl cj_backend_avx2 = {"accelerated", "avx2", cj_sha256_compress_portable,
                                               cj_backend_avx2_many, cj_sha256_oneshot_portable};
#endif
#if defined(CJ_SHA256_HAVE_ARM)
static const cj_sha256_impl cj_backend_arm = {"accelerated", "armv8-crypto", cj_sha256_arm_compress,
                                              cj_sha256_arm_hash64_many, cj_sha256_arm_oneshot};
#endif

/* Every compiled path with the CPU features it needs; index 0 is the portable reference. Within one
 * family (same single-message code) the detection times the candidates and keeps the fastest. */
static const struct {
    const cj_sha256_impl *impl;
    unsigned needs;
    unsigned family; /* 0 portable, 1 SHA-NI single-message code, 2 portable single-message code, 3 ARM */
} cj_backend_paths[] = {
    {&cj_sha256_reference, 0, 0},
#if defined(CJ_SHA256_HAVE_X86)
    {&cj_backend_shani, CJ_CPU_SHANI, 1},
    {&cj_backend_shani_avx2, CJ_CPU_SHANI | CJ_CPU_AVX2, 1},
    {&cj_backend_shani_avx512, CJ_CPU_SHANI | CJ_CPU_AVX2 | CJ_CPU_AVX512, 1},
    {&cj_backend_avx2, CJ_CPU_AVX2, 2},
    {&cj_backend_avx512, CJ_CPU_AVX2 | CJ_CPU_AVX512, 2},
#endif
#if defined(CJ_SHA256_HAVE_ARM)
    {&cj_backend_arm, CJ_CPU_ARMSHA2, 3},
#endif
};
#define CJ_BACKEND_NPATHS (sizeof cj_backend_paths / sizeof cj_backend_paths[0])

/* Runnable paths are listed by the tests and the bench so that every one of them gets exercised. */
size_t cj_backend_variant_count(void)
{
    unsigned f = cj_cpu_features();
    size_t n = 0;
    for (size_t i = 0; i < CJ_BACKEND_NPATHS; i++) n += (cj_backend_paths[i].needs & ~f) == 0;
    return n;
}

/* The i-th runnable path in table order (so index 0 is the reference). */
const cj_sha256_impl *cj_backend_variant(size_t i)
{
    unsigned f = cj_cpu_features();
    for (size_t k = 0; k < CJ_BACKEND_NPATHS; k++) {
        if ((cj_backend_paths[k].needs & ~f) != 0) continue;
        if (i-- == 0) return cj_backend_paths[k].impl;
    }
    return NULL;
}

/* Lookup by detail string, restricted to what this CPU can run. */
const cj_sha256_impl *cj_backend_by_detail(const char *name)
{
    if (!name) return NULL;
    const cj_sha256_impl *p;
    for (size_t i = 0; (p = cj_backend_variant(i)) != NULL; i++)
        if (strcmp(p->detail, name) == 0) return p;
    return NULL;
}

/* Monotonic nanoseconds for the calibration. */
static uint64_t cj_backend_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Best-of-7 time for one Merkle-level-sized batch: noise only ever adds time, so the minimum is robust on
 * a busy machine. */
static uint64_t cj_backend_time_many(const cj_sha256_impl *impl)
{
    static const size_t n = 128;
    uint8_t in[128][64], out[128][32];
    memset(in, 0x5a, sizeof in);
    impl->hash64_many(out, (const uint8_t(*)[64])in, n); /* warm-up */
    uint64_t best = UINT64_MAX;
    for (int r = 0; r < 7; r++) {
        uint64_t t0 = cj_backend_now_ns();
        impl->hash64_many(out, (const uint8_t(*)[64])in, n);
        uint64_t dt = cj_backend_now_ns() - t0;
        if (dt < best) best = dt;
        in[r][0] ^= out[0][0]; /* keeps the compiler from treating the runs as identical */
    }
    return best;
}

/* Preference: a hardware SHA family over the portable-core one; within the family the fastest
 * hash64_many when calibrating, else the widest SIMD available (the table order). */
const cj_sha256_impl *cj_backend_pick(unsigned features, int calibrate)
{
    static const unsigned family_order[] = {3, 1, 2};
    for (size_t fo = 0; fo < sizeof family_order / sizeof family_order[0]; fo++) {
        const cj_sha256_impl *best = NULL;
        uint64_t best_ns = UINT64_MAX;
        for (size_t i = 0; i < CJ_BACKEND_NPATHS; i++) {
            if (cj_backend_paths[i].family != family_order[fo]) continue;
            if ((cj_backend_paths[i].needs & ~features) != 0) continue;
            if (!calibrate) {
                best = cj_backend_paths[i].impl;
                continue;
            }
            uint64_t ns = cj_backend_time_many(cj_backend_paths[i].impl);
            if (ns < best_ns) best_ns = ns, best = cj_backend_paths[i].impl;
        }
        if (best) return best;
    }
    return NULL;
}

/* Runs once: CPU detection plus the timing of the candidate multi-buffer paths. */
static void cj_backend_detect(void)
{
    cj_backend_accel = cj_backend_pick(cj_cpu_features(), 1);
}

/* The accelerated implementation for this CPU, or NULL (then "accelerated" falls back to portable code). */
const cj_sha256_impl *cj_sha256_accelerated(void)
{
    pthread_once(&cj_backend_detect_once, cj_backend_detect);
    return cj_backend_accel;
}

/* Name -> implementation, the single place that knows the backend names. */
CoinjResult cj_backend_resolve(const char *name, const cj_sha256_impl *accel, const cj_sha256_impl **out)
{
    if (strcmp(name, "reference") == 0) {
        *out = &cj_sha256_reference;
    } else if (strcmp(name, "accelerated") == 0) {
        *out = accel ? accel : &cj_sha256_reference; /* reported fallback: active() says "reference" */
    } else {
        return COINJ_ERROR_UNSUPPORTED;
    }
    return COINJ_OK;
}

/* Runs once, before any selection is visible: unset or "" -> reference; a known name -> that backend; an
 * unknown name -> reference, with the bad name kept for coinjecture_backend_requested(). */
static void cj_backend_env_init(void)
{
    const char *env = getenv("COINJECTURE_CRYPTO_BACKEND");
    const char *requested = cj_backend_names[0];
    const cj_sha256_impl *impl = &cj_sha256_reference;
    if (env && *env) {
        int accel_wanted = strcmp(env, "accelerated") == 0;
        if (cj_backend_resolve(env, accel_wanted ? cj_sha256_accelerated() : NULL, &impl) == COINJ_OK) {
            requested = accel_wanted ? cj_backend_names[1] : cj_backend_names[0];
        } else {
            size_t n = strlen(env);
            if (n >= sizeof cj_backend_env_value) n = sizeof cj_backend_env_value - 1;
            memcpy(cj_backend_env_value, env, n);
            cj_backend_env_value[n] = '\0';
            requested = cj_backend_env_value;
            impl = &cj_sha256_reference;
        }
    }
    atomic_store_explicit(&cj_backend_requested_name, requested, memory_order_release);
    atomic_store_explicit(&cj_backend_current, impl, memory_order_release);
}

/* Slow path of cj_backend_fast: the first use in the process reads the environment. */
const cj_sha256_impl *cj_backend(void)
{
    const cj_sha256_impl *p = atomic_load_explicit(&cj_backend_current, memory_order_acquire);
    if (p) return p;
    pthread_once(&cj_backend_env_once, cj_backend_env_init);
    return atomic_load_explicit(&cj_backend_current, memory_order_acquire);
}

/* Process-wide switch; an unknown name leaves the current choice untouched. */
COINJECTURE_API CoinjResult coinjecture_backend_select(const char *name)
{
    if (!name) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_backend_select: name is NULL");
    pthread_once(&cj_backend_env_once, cj_backend_env_init);
    int accel_wanted = strcmp(name, "accelerated") == 0;
    const cj_sha256_impl *impl;
    if (cj_backend_resolve(name, accel_wanted ? cj_sha256_accelerated() : NULL, &impl) != COINJ_OK)
        return cj_fail(COINJ_ERROR_UNSUPPORTED,
                       "coinjecture_backend_select: unknown backend \"%.64s\" (known: reference, accelerated)",
                       name);
    atomic_store_explicit(&cj_backend_requested_name, accel_wanted ? cj_backend_names[1] : cj_backend_names[0],
                          memory_order_release);
    atomic_store_explicit(&cj_backend_current, impl, memory_order_release);
    return COINJ_OK;
}

/* What the caller (or the environment) asked for, which may differ from what runs. */
COINJECTURE_API const char *coinjecture_backend_requested(void)
{
    pthread_once(&cj_backend_env_once, cj_backend_env_init);
    return atomic_load_explicit(&cj_backend_requested_name, memory_order_acquire);
}

/* The backend actually running ("reference" when accelerated code is missing on this CPU). */
COINJECTURE_API const char *coinjecture_backend_active(void)
{
    return cj_backend_fast()->backend;
}

/* The code path of the running backend, e.g. "sha-ni+avx512". */
COINJECTURE_API const char *coinjecture_backend_detail(void)
{
    return cj_backend_fast()->detail;
}

/* Names known to this build: both always exist (accelerated may run portable code). */
COINJECTURE_API size_t coinjecture_backend_count(void)
{
    return sizeof cj_backend_names / sizeof cj_backend_names[0];
}

/* The i-th known backend name, NULL past the end. */
COINJECTURE_API const char *coinjecture_backend_name(size_t i)
{
    return i < coinjecture_backend_count() ? cj_backend_names[i] : NULL;
}

/* Explicitly named implementation for the coinjecture_backend_* hash functions: unlike selection, a name
 * this CPU cannot run is refused, so a comparison between backends never compares portable with itself. */
CoinjResult cj_backend_named(const char *name, const char *fn, const cj_sha256_impl **out)
{
    *out = NULL; /* defined on every path, whatever cj_fail returns */
    if (!name) return cj_fail(COINJ_ERROR_INVALID_INPUT, "%s: backend name is NULL", fn);
    if (strcmp(name, "reference") == 0) {
        *out = &cj_sha256_reference;
        return COINJ_OK;
    }
    if (strcmp(name, "accelerated") == 0) {
        const cj_sha256_impl *accel = cj_sha256_accelerated();
        if (!accel)
            return cj_fail(COINJ_ERROR_UNSUPPORTED, "%s: this CPU/build has no accelerated SHA-256 path", fn);
        *out = accel;
        return COINJ_OK;
    }
    return cj_fail(COINJ_ERROR_UNSUPPORTED, "%s: unknown backend \"%.64s\" (known: reference, accelerated)", fn,
                   name);
}

/* Availability and code path of a named backend, independent of the selection. */
COINJECTURE_API CoinjResult coinjecture_backend_query(const char *name, const char **out_detail)
{
    const cj_sha256_impl *impl;
    CoinjResult rc = cj_backend_named(name, "coinjecture_backend_query", &impl);
    if (rc != COINJ_OK) return rc;
    if (out_detail) *out_detail = impl->detail;
    return COINJ_OK;
}
