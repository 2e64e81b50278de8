/* The estimate of this node's clock offset from the network's (docs/P2P.md "Clock offset", docs/OPERATIONS.md
 * "Clocks"): informational only, never a validity rule. Two kinds of sources, each one vote:
 *   block      per sealer (miner address): the smallest (arrival - timestamp) of its last fresh sealed blocks;
 *   handshake  per peer (node key): the latest sample from the signed time_ms of its auth, taken at the
 *              midpoint of our hello's round trip (error at most RTT/2).
 * The estimate is the median over the live sources (even count: the middle value nearer to zero), so fewer
 * liars than honest sources cannot move it outside the honest values.
 * The table and the median are pure (unit-tested); cj_clock_offset_update adds the gauges and warn lines. */
#ifndef CJ_NODE_CLOCK_OFFSET_H
#define CJ_NODE_CLOCK_OFFSET_H

#include <stddef.h>
#include <stdint.h>

#define CJ_CLOCK_OFFSET_SOURCES 128u        /* sealers and peers tracked together */
#define CJ_CLOCK_OFFSET_SAMPLES 16u         /* recent block samples per sealer */
#define CJ_CLOCK_OFFSET_TTL_MS 600000       /* a source not heard from (or disconnected) for 10 min no longer counts */
#define CJ_CLOCK_OFFSET_MAX_RTT_MS 2000     /* a handshake sample with a longer round trip is not taken */
#define CJ_CLOCK_OFFSET_BOUND_MS 1000000000000LL /* samples are clamped to +-10^12 ms (~31 years) */

typedef enum { CJ_CLOCK_OFFSET_BLOCK = 0, CJ_CLOCK_OFFSET_HANDSHAKE = 1 } cj_clock_offset_kind;

/* One source: a sealer's blocks or one peer's handshakes. */
typedef struct {
    cj_clock_offset_kind kind;
    uint8_t id[32];          /* miner address (block) or node key (handshake) */
    int64_t sample[CJ_CLOCK_OFFSET_SAMPLES];
    unsigned n, next;
    int64_t last_ms;         /* wall time of the last sample, or of its last connection closing */
    unsigned open;           /* handshake: authenticated connections open with this key (never expires while > 0) */
    int64_t warned_ms;
} cj_clock_offset_source;

typedef struct cj_clock_offset {
    cj_clock_offset_source src[CJ_CLOCK_OFFSET_SOURCES];
    size_t nsrc;
    /* the last estimate */
    int have;
    int64_t offset_ms;       /* positive: this clock is ahead */
    size_t sources, block_sources, handshake_sources;
    int64_t warned_ms;
    int warned;
} cj_clock_offset;

/* Zeroed table on the heap (free()), NULL on OOM. */
cj_clock_offset *cj_clock_offset_new(void);

/* The (local - peer) sample of one handshake: the peer signed time_ms after it received our hello (sent
 * rtt_ms before recv_wall_ms, measured on the monotonic clock), so it lies within that round trip: the
 * sample is the round trip's midpoint on our wall clock minus time_ms, clamped to +-CJ_CLOCK_OFFSET_BOUND_MS.
 * Returns 0, or -1 (no sample) when rtt_ms is negative or above CJ_CLOCK_OFFSET_MAX_RTT_MS. */
int cj_clock_offset_handshake_sample(int64_t recv_wall_ms, int64_t rtt_ms, uint64_t time_ms, int64_t *out);

/* Adds a sample (local - source, ms; clamped) of a source at wall time now. A handshake sample replaces the
 * peer's previous one and counts one more open connection. A full table replaces the source heard from least
 * recently, preferring one without an open connection. */
void cj_clock_offset_add(cj_clock_offset *c, cj_clock_offset_kind kind, const uint8_t id[32], int64_t sample,
                         int64_t now);

/* A connection whose handshake gave a sample closed: the peer's vote lasts CJ_CLOCK_OFFSET_TTL_MS more. */
void cj_clock_offset_closed(cj_clock_offset *c, const uint8_t node_key[32], int64_t now);

/* Median of v[0..n) (sorts v); with an even n the middle value nearer to zero. n > 0. */
int64_t cj_clock_offset_median(int64_t *v, size_t n);

/* A source's vote: the smallest sample (block: the least-delayed, as NTP filters; handshake: its one sample). */
int64_t cj_clock_offset_vote(const cj_clock_offset_source *s);

/* Whether a source still counts at now. */
int cj_clock_offset_live(const cj_clock_offset_source *s, int64_t now);

/* Recomputes the estimate over the live sources into c (have, offset_ms, the source counts); returns have. */
int cj_clock_offset_estimate(cj_clock_offset *c, int64_t now);

#endif /* CJ_NODE_CLOCK_OFFSET_H */
