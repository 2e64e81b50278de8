/* Parallel signature checks for block import (see sigverify.h). Threads are started per call and take
 * chunks of transactions from a counter local to the call; each writes only its own verdict bytes, and
 * the caller reads them in order after joining, so the result is deterministic. */
#include "sigverify.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define CHUNK 16 /* transactions per grab: small enough that a preempted thread delays the join little */

typedef struct {
    const coinjecture_tx *txs;
    const uint8_t *need;
    uint8_t *bad; /* 1 = signature fails */
    size_t n;
    atomic_size_t next;
} job;

/* Takes chunks until the work runs out, verifying the transactions that need it. */
static void *work(void *arg)
{
    job *j = arg;
    for (;;) {
        size_t lo = atomic_fetch_add_explicit(&j->next, CHUNK, memory_order_relaxed);
        if (lo >= j->n)
            return NULL;
        size_t hi = lo + CHUNK < j->n ? lo + CHUNK : j->n;
        for (size_t i = lo; i < hi; i++)
            if (j->need == NULL || j->need[i])
                j->bad[i] = coinjecture_tx_verify_signature(&j->txs[i]) != COINJ_OK;
    }
}

/* Thread count for this call: the requested one, or the online CPUs, never more than useful. */
static unsigned pick_threads(unsigned threads, size_t todo)
{
    if (threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus < 1 ? 1u : (unsigned)cpus;
    }
    if (threads > CJ_SIGVERIFY_MAX_THREADS)
        threads = CJ_SIGVERIFY_MAX_THREADS;
    if (todo < CJ_SIGVERIFY_PARALLEL_MIN)
        threads = 1;
    return threads;
}

/* Splits the checks over threads, then scans the verdicts in order for the first failure. */
size_t cj_sigverify_first_bad(const coinjecture_tx *txs, size_t n, const uint8_t *need, unsigned threads)
{
    if (n == 0)
        return 0;
    if (txs == NULL)
        return (size_t)-1;
    size_t todo = 0;
    for (size_t i = 0; i < n; i++)
        todo += need == NULL || need[i];
    threads = pick_threads(threads, todo);
    if (threads == 1) { /* no allocation, no threads: stop at the first failure */
        for (size_t i = 0; i < n; i++)
            if ((need == NULL || need[i]) && coinjecture_tx_verify_signature(&txs[i]) != COINJ_OK)
                return i;
        return n;
    }
    job j = {txs, need, calloc(n, 1), n, 0};
    if (j.bad == NULL)
        return cj_sigverify_first_bad(txs, n, need, 1);
    pthread_t tid[CJ_SIGVERIFY_MAX_THREADS];
    unsigned started = 0;
    for (unsigned t = 1; t < threads; t++)
        if (pthread_create(&tid[started], NULL, work, &j) == 0)
            started++;
    (void)work(&j);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    size_t first = n;
    for (size_t i = 0; i < n; i++)
        if (j.bad[i]) {
            first = i;
            break;
        }
    free(j.bad);
    return first;
}
