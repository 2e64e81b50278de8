/* Parallel Ed25519 verification of the transactions of one block (block import: ~80% of its time is
 * signature checks). The verdict is the same as checking the transactions one by one in order: the index
 * of the first transaction whose signature fails, whatever the threads' timing. */
#ifndef CJ_NODE_SIGVERIFY_H
#define CJ_NODE_SIGVERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "coinjecture.h"

/* Below this many signatures to check the caller's thread does them alone (threads cost ~50 us). */
#define CJ_SIGVERIFY_PARALLEL_MIN 64u
/* At most this many threads (the caller included). */
#define CJ_SIGVERIFY_MAX_THREADS 8u

/* Checks the signature of every txs[i] with need[i] != 0 (need may be NULL: all). threads = 0 picks
 * min(online CPUs, CJ_SIGVERIFY_MAX_THREADS); 1 forces the caller's thread only. Returns n if every
 * checked signature verifies, else the lowest index whose signature fails (also for a transaction that
 * cannot be encoded); n on n = 0. Returns (size_t)-1 only for NULL txs with n > 0. If a thread cannot be
 * started, the remaining work is done by the others (the answer does not change). */
size_t cj_sigverify_first_bad(const coinjecture_tx *txs, size_t n, const uint8_t *need, unsigned threads);

#endif /* CJ_NODE_SIGVERIFY_H */
