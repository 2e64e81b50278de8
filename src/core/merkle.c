/* Merkle root of 32-byte leaves: parent = SHA-256(left || right) level by level, an odd last node promoted
 * unchanged, no leaves -> 32 zero bytes, one leaf -> itself.
 * Each level is one hash64_many call (a pair of adjacent nodes is exactly one 64-byte message), so the
 * multi-buffer paths see whole levels. Large trees split their lower levels across cores: node j of level
 * L covers leaves [j * 2^L, (j + 1) * 2^L), so the chunk of leaves [i * 2^m, (i + 1) * 2^m) is a subtree
 * whose root is node i of level m, whatever the odd-node promotions elsewhere. Threads are created per
 * call and share nothing but the call's own work counter; the library keeps no global state here. */
#define _GNU_SOURCE /* sched_getaffinity / CPU_COUNT / getloadavg */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "sha256_paths.h"

#define CJ_MERKLE_MAX_THREADS 8u
/* A threaded tree is cut into about this many chunks (dynamic load balancing); the serial top then has
 * about this many nodes. */
#define CJ_MERKLE_CHUNKS 64u

/* One level, in place allowed (dst == src): pairs hashed, an odd last node moved up. Returns the new size. */
static size_t cj_merkle_level(const cj_sha256_impl *impl, uint8_t (*dst)[32], const uint8_t (*src)[32], size_t n)
{
    size_t pairs = n / 2;
    impl->hash64_many(dst, (const uint8_t(*)[64])src, pairs);
    if (n & 1) memmove(dst[pairs], src[n - 1], 32);
    return pairs + (n & 1);
}

/* levels levels over n leaves into dst (which then holds the returned number of nodes). */
static size_t cj_merkle_levels(const cj_sha256_impl *impl, uint8_t (*dst)[32], const uint8_t (*leaves)[32],
                               size_t n, unsigned levels)
{
    n = cj_merkle_level(impl, dst, leaves, n);
    for (unsigned l = 1; l < levels && n > 1; l++) n = cj_merkle_level(impl, dst, (const uint8_t(*)[32])dst, n);
    return n;
}

/* Work shared by the threads of one call (lives on the caller's stack). Chunk i is leaves
 * [i * unit, min((i + 1) * unit, count)); its subtree root goes to roots[i], its scratch is
 * buf[i * unit / 2 ...], so chunks never touch each other's memory. */
typedef struct {
    const cj_sha256_impl *impl;
    const uint8_t (*leaves)[32];
    size_t count, unit, nchunks;
    unsigned levels; /* log2(unit) */
    uint8_t (*buf)[32];
    uint8_t (*roots)[32];
    atomic_size_t next;
} cj_merkle_work;

/* Thread body: takes chunks until none is left, so a thread that gets little CPU time (a busy machine)
 * simply takes fewer chunks instead of holding everybody up. */
static void *cj_merkle_worker(void *arg)
{
    cj_merkle_work *w = arg;
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&w->next, 1, memory_order_relaxed);
        if (i >= w->nchunks) break;
        size_t begin = i * w->unit, n = w->count - begin < w->unit ? w->count - begin : w->unit;
        uint8_t(*dst)[32] = w->buf + begin / 2;
        if (n == 1) memcpy(dst[0], w->leaves[begin], 32);
        else cj_merkle_levels(w->impl, dst, w->leaves + begin, n, w->levels);
        memcpy(w->roots[i], dst[0], 32);
    }
    return NULL;
}

/* Cores this thread may run on (affinity-aware, so containers and taskset are respected). */
static unsigned cj_merkle_cpus(void)
{
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        return n > 0 ? (unsigned)n : 1u;
    }
#endif
    return 1u;
}

/* Helper threads pay only if cores are idle: on an oversubscribed machine a helper waits for CPU time and
 * the join waits for it, which measured 3-6x slower than one thread. The 1-minute load average (which
 * counts the caller itself once it has been busy) estimates the idle cores; unknown load -> all cores. */
static unsigned cj_merkle_auto_threads(void)
{
    unsigned cpus = cj_merkle_cpus();
#if defined(__linux__) || defined(__APPLE__)
    double load;
    if (cpus > 1 && getloadavg(&load, 1) == 1) {
        double spare = (double)cpus - load + 0.5; /* + 0.5: the caller's own share of the load */
        unsigned t = spare < 1.0 ? 1u : 1u + (unsigned)spare;
        return t < cpus ? t : cpus;
    }
#endif
    return cpus;
}

/* Reduces count leaves to one root per chunk of 2^m leaves (about 64 chunks, at least 256 leaves each)
 * with t threads including the caller, into roots (which must hold count / 256 + 1 nodes). Returns the
 * number of chunk roots: the level-m nodes of the tree. */
static size_t cj_merkle_parallel(const cj_sha256_impl *impl, const uint8_t (*leaves)[32], size_t count,
                                 uint8_t (*buf)[32], uint8_t (*roots)[32], unsigned t)
{
    cj_merkle_work w = {impl, leaves, count, 256, 0, 8, buf, roots, 0};
    while (w.unit < count / CJ_MERKLE_CHUNKS) w.unit *= 2, w.levels++;
    w.nchunks = (count + w.unit - 1) / w.unit;
    atomic_init(&w.next, 0);
    pthread_t tid[CJ_MERKLE_MAX_THREADS];
    unsigned started = 0;
    for (unsigned i = 1; i < t; i++) {
        if (pthread_create(&tid[started], NULL, cj_merkle_worker, &w) != 0) break; /* fewer helpers is fine */
        started++;
    }
    cj_merkle_worker(&w);
    for (unsigned i = 0; i < started; i++) pthread_join(tid[i], NULL);
    return w.nchunks;
}

/* The tree on impl with max_threads threads (0 = automatic: from CJ_MERKLE_PARALLEL_MIN leaves on, one
 * thread per allowed core that looks idle; n > 1 = exactly n, capped at 8, from 512 leaves on). The threaded result equals the serial
 * one because chunk roots are exactly the level-m nodes (see the top of this file). */
CoinjResult cj_merkle_root_threads(const cj_sha256_impl *impl, const uint8_t (*leaves)[32], size_t count,
                                   uint8_t out[32], unsigned max_threads)
{
    if (!impl) impl = cj_backend_fast();
    if (count == 0) {
        memset(out, 0, 32);
        return COINJ_OK;
    }
    if (count == 1) {
        memmove(out, leaves[0], 32);
        return COINJ_OK;
    }
    if (count > SIZE_MAX / 32)
        return cj_fail(COINJ_ERROR_OUT_OF_MEMORY, "merkle root: %zu leaves cannot be addressed", count);
    unsigned t = 1;
    if (max_threads == 0 && count >= CJ_MERKLE_PARALLEL_MIN) t = cj_merkle_auto_threads();
    else if (max_threads > 1 && count >= 512) t = max_threads;
    if (t > CJ_MERKLE_MAX_THREADS) t = CJ_MERKLE_MAX_THREADS;
    /* Level-1 nodes, plus (threaded) one root per chunk of at least 256 leaves after them. */
    size_t nodes = count / 2 + 1, extra = t > 1 ? count / 256 + 1 : 0;
    uint8_t(*buf)[32] = malloc((nodes + extra) * 32);
    if (!buf) return cj_fail(COINJ_ERROR_OUT_OF_MEMORY, "merkle root: cannot allocate %zu nodes", nodes + extra);
    uint8_t(*top)[32] = buf;
    size_t n;
    if (t > 1) {
        top = buf + nodes;
        n = cj_merkle_parallel(impl, leaves, count, buf, top, t);
    } else {
        n = cj_merkle_level(impl, buf, leaves, count);
    }
    while (n > 1) n = cj_merkle_level(impl, top, (const uint8_t(*)[32])top, n);
    memcpy(out, top[0], 32);
    free(buf);
    return COINJ_OK;
}

/* Internal entry used by the Part I wrapper and the block code (impl NULL = active backend). */
CoinjResult cj_merkle_root_impl(const cj_sha256_impl *impl, const uint8_t (*leaves)[32], size_t count,
                                uint8_t out[32])
{
    return cj_merkle_root_threads(impl, leaves, count, out, 0);
}

/* Public Merkle root with a size_t count. */
COINJECTURE_API CoinjResult coinjecture_merkle_root(const uint8_t (*leaves)[32], size_t count,
                                                    uint8_t out_root[32])
{
    if (!out_root) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_merkle_root: out_root is NULL");
    if (!leaves && count) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_merkle_root: leaves is NULL");
    return cj_merkle_root_threads(NULL, leaves, count, out_root, 0);
}

/* Merkle root on an explicitly named backend (backend comparisons). */
COINJECTURE_API CoinjResult coinjecture_backend_merkle_root(const char *backend, const uint8_t (*leaves)[32],
                                                            size_t count, uint8_t out_root[32])
{
    const cj_sha256_impl *impl;
    if (!out_root) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_backend_merkle_root: out_root is NULL");
    if (!leaves && count)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_backend_merkle_root: leaves is NULL");
    CoinjResult rc = cj_backend_named(backend, "coinjecture_backend_merkle_root", &impl);
    if (rc != COINJ_OK) return rc;
    return cj_merkle_root_threads(impl, leaves, count, out_root, 0);
}
