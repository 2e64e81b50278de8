/* Merkle root of 32-byte leaves: parent = SHA-256(left || right) level by level, an odd last node promoted
 * unchanged, no leaves -> 32 zero bytes, one leaf -> itself.
 * Each level is one hash64_many call (a pair of adjacent nodes is exactly one 64-byte message), so the
 * multi-buffer paths see whole levels. Large trees split their lower levels across cores: node j of level
 * L covers leaves [j * 2^L, (j + 1) * 2^L), so a chunk of leaves starting at a multiple of 2^m is an
 * independent forest for its first m levels. Threads are created per call; nothing is global. */
#define _GNU_SOURCE /* sched_getaffinity / CPU_COUNT */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "sha256_paths.h"

#define CJ_MERKLE_MAX_THREADS 8u
/* The serial top of a split tree is at most about this many nodes. */
#define CJ_MERKLE_TOP_NODES 256u

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

typedef struct {
    const cj_sha256_impl *impl;
    const uint8_t (*leaves)[32];
    size_t n;
    uint8_t (*dst)[32];
    unsigned levels;
    size_t result;
} cj_merkle_job;

/* Thread body: the lower levels of one chunk. */
static void *cj_merkle_worker(void *arg)
{
    cj_merkle_job *job = arg;
    job->result = cj_merkle_levels(job->impl, job->dst, job->leaves, job->n, job->levels);
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

/* Splits levels 1..m of count leaves over t threads (the caller runs chunk 0), then compacts the chunk
 * results to the front of buf. Returns the node count at level m. */
static size_t cj_merkle_parallel(const cj_sha256_impl *impl, const uint8_t (*leaves)[32], size_t count,
                                 uint8_t (*buf)[32], unsigned t)
{
    unsigned m = 1;
    while ((count >> m) > CJ_MERKLE_TOP_NODES) m++;
    size_t unit = (size_t)1 << m;
    cj_merkle_job jobs[CJ_MERKLE_MAX_THREADS];
    pthread_t tid[CJ_MERKLE_MAX_THREADS];
    int started[CJ_MERKLE_MAX_THREADS] = {0};
    size_t begin = 0;
    for (unsigned i = 0; i < t; i++) {
        size_t end = i + 1 == t ? count : (count / t * (i + 1)) / unit * unit;
        jobs[i] = (cj_merkle_job){impl, leaves + begin, end - begin, buf + begin / 2, m, 0};
        begin = end;
    }
    for (unsigned i = 1; i < t; i++) started[i] = pthread_create(&tid[i], NULL, cj_merkle_worker, &jobs[i]) == 0;
    cj_merkle_worker(&jobs[0]);
    for (unsigned i = 1; i < t; i++) {
        if (started[i]) pthread_join(tid[i], NULL);
        else cj_merkle_worker(&jobs[i]); /* no thread available: do it here, same result */
    }
    size_t n = 0;
    for (unsigned i = 0; i < t; i++) {
        if (jobs[i].n == 0) continue;
        memmove(buf[n], jobs[i].dst, jobs[i].result * 32);
        n += jobs[i].result;
    }
    return n;
}

/* The tree on impl with max_threads threads (0 = automatic: every allowed core from
 * CJ_MERKLE_PARALLEL_MIN leaves on; n > 1 = exactly n, capped at 8, from 512 leaves on). Chunk boundaries are multiples of
 * 2^m, so every chunk but the last has no odd node in its m levels and the result equals the serial one. */
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
    uint8_t(*buf)[32] = malloc((count / 2 + 1) * 32);
    if (!buf) return cj_fail(COINJ_ERROR_OUT_OF_MEMORY, "merkle root: cannot allocate %zu nodes", count / 2 + 1);

    unsigned t = 1;
    if (max_threads == 0 && count >= CJ_MERKLE_PARALLEL_MIN) t = cj_merkle_cpus();
    else if (max_threads > 1 && count >= 2u * CJ_MERKLE_TOP_NODES) t = max_threads;
    if (t > CJ_MERKLE_MAX_THREADS) t = CJ_MERKLE_MAX_THREADS;
    size_t n = t > 1 ? cj_merkle_parallel(impl, leaves, count, buf, t)
                     : cj_merkle_level(impl, buf, leaves, count);
    while (n > 1) n = cj_merkle_level(impl, buf, (const uint8_t(*)[32])buf, n);
    memcpy(out, buf[0], 32);
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
