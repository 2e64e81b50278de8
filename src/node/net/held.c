/* Blocks not due yet on this node's clock, and the estimate of this clock's offset from the network
 * (docs/CHAIN.md §3 rule 3 and §13 "Held blocks").
 *
 * A relayed block whose timestamp is ahead of this clock by more than the clock tolerance (but by at most
 * max_future_ms) is held here, bounded per peer and in all, and released by a timer when it is due into
 * the normal import path (net/relay.c); it is not relayed before. A block whose parent is held is held
 * too. The offset estimate compares the timestamps of fresh sealed blocks with this clock: per sealer the
 * smallest (arrival - timestamp) of its last blocks (the least-delayed sample, as NTP filters), then the
 * median over sealers (with an even count, the middle value nearer to zero, so one bad clock among two
 * sealers does not tilt it). */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "p2p_impl.h"

#define HELD_MAX_TOTAL 512u
#define HELD_MAX_BYTES (128u * 1024u * 1024u)
#define HELD_MAX_PEER 64u
#define HELD_MAX_PEER_BYTES (32u * 1024u * 1024u)
#define HELD_RECHECK_MS 1000 /* the timer looks again at least this often (wall-clock jumps) */

#define CLOCK_SOURCES 64u       /* sealers tracked */
#define CLOCK_SAMPLES 16u       /* recent samples per sealer */
#define CLOCK_SOURCE_TTL_MS 600000 /* a sealer not heard from for 10 minutes no longer counts */
#define CLOCK_WARN_EVERY_MS 60000  /* one warn line per minute at most, per subject */

/* One held block: its bytes and what is needed to release it in order. */
typedef struct {
    uint8_t hash[32];
    uint64_t height;
    int64_t due_ms; /* wall clock */
    peer *from;     /* NULL once that connection is gone */
    size_t len;
    uint8_t *bytes;
} held_block;

/* What one sealer's blocks tell about this clock. */
typedef struct {
    uint8_t addr[32]; /* miner_address */
    int64_t sample[CLOCK_SAMPLES];
    unsigned n, next;
    int64_t last_ms;  /* wall time of the last sample */
    int64_t warned_ms;
} clock_source;

struct cj_held {
    struct event *timer;
    held_block *v;
    size_t n;
    size_t bytes;
    clock_source src[CLOCK_SOURCES];
    size_t nsrc;
    int have_offset;
    int64_t offset_ms;
    size_t offset_sources;
    int64_t warned_ms;
    int warned;
    int64_t refused_warned_ms; /* last warn line for a block refused as too far ahead */
};

static void held_on_timer(evutil_socket_t fd, short what, void *arg);

/* Creates the buffer (its timer on p's loop) and registers its metrics; NULL on OOM. */
cj_held *cj_held_new(cj_p2p *p)
{
    cj_held *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->v = calloc(HELD_MAX_TOTAL, sizeof *h->v);
    h->timer = evtimer_new(p->base, held_on_timer, p);
    if (h->v == NULL || h->timer == NULL) {
        free(h->v);
        if (h->timer != NULL)
            event_free(h->timer);
        free(h);
        return NULL;
    }
    cj_metrics_register("blocks_held_future_total", CJ_METRIC_COUNTER,
                        "Blocks held because their timestamp was not yet due on this node's clock.", NULL, NULL, 0);
    cj_metrics_register("blocks_held_dropped_total", CJ_METRIC_COUNTER,
                        "Not-yet-due blocks dropped because the held-block bounds were reached.", NULL, NULL, 0);
    cj_metrics_register("blocks_held", CJ_METRIC_GAUGE, "Blocks held until due right now.", NULL, NULL, 0);
    cj_metrics_register("clock_offset_ms", CJ_METRIC_GAUGE,
                        "Estimated offset of this node's clock from the network's (positive: ahead), from block "
                        "timestamps.", NULL, NULL, 0);
    cj_metrics_register("clock_offset_sources", CJ_METRIC_GAUGE, "Validators whose blocks the clock estimate uses.",
                        NULL, NULL, 0);
    return h;
}

/* Frees every held block and the timer. NULL is a no-op. */
void cj_held_free(cj_held *h)
{
    if (h == NULL)
        return;
    for (size_t i = 0; i < h->n; i++)
        free(h->v[i].bytes);
    if (h->timer != NULL)
        event_free(h->timer);
    free(h->v);
    free(h);
}

/* Index of a held block by hash, or -1. */
static long held_find(const cj_held *h, const uint8_t hash[32])
{
    for (size_t i = 0; h != NULL && i < h->n; i++)
        if (memcmp(h->v[i].hash, hash, 32) == 0)
            return (long)i;
    return -1;
}

/* Arms the timer for the earliest due block (at most HELD_RECHECK_MS ahead), or stops it when none is held. */
static void held_arm(cj_held *h)
{
    cj_metrics_set("blocks_held", (double)h->n);
    if (h->n == 0) {
        evtimer_del(h->timer);
        return;
    }
    int64_t due = INT64_MAX;
    for (size_t i = 0; i < h->n; i++)
        if (h->v[i].due_ms < due)
            due = h->v[i].due_ms;
    int64_t delay = due - cj_clock_wall_ms();
    if (delay < 1)
        delay = 1;
    if (delay > HELD_RECHECK_MS)
        delay = HELD_RECHECK_MS;
    struct timeval tv = {(time_t)(delay / 1000), (suseconds_t)((delay % 1000) * 1000)};
    evtimer_add(h->timer, &tv);
}

/* Whether one more block of len bytes from `from` fits the bounds. */
static int held_fits(const cj_held *h, const peer *from, size_t len)
{
    if (h->n >= HELD_MAX_TOTAL || h->bytes + len > HELD_MAX_BYTES)
        return 0;
    size_t n = 0, bytes = 0;
    for (size_t i = 0; from != NULL && i < h->n; i++)
        if (h->v[i].from == from) {
            n++;
            bytes += h->v[i].len;
        }
    return n < HELD_MAX_PEER && bytes + len <= HELD_MAX_PEER_BYTES;
}

/* Holds a copy of a block until due_ms. 1 if held, 0 if already held or over a bound (dropped, counted). */
static int held_add(cj_p2p *p, peer *from, const uint8_t *bytes, size_t len, const uint8_t hash[32], uint64_t height,
                    int64_t due_ms)
{
    cj_held *h = p->held;
    if (held_find(h, hash) >= 0)
        return 0;
    uint8_t *copy = held_fits(h, from, len) ? malloc(len) : NULL;
    if (copy == NULL) {
        cj_metrics_inc("blocks_held_dropped_total");
        cj_log_debug("p2p: held-block bounds reached: block %llu from %s dropped", (unsigned long long)height,
                     from != NULL ? from->addr : "?");
        return 0;
    }
    memcpy(copy, bytes, len);
    held_block *b = &h->v[h->n++];
    memcpy(b->hash, hash, 32);
    b->height = height;
    b->due_ms = due_ms;
    b->from = from;
    b->len = len;
    b->bytes = copy;
    h->bytes += len;
    cj_metrics_inc("blocks_held_future_total");
    held_arm(h);
    return 1;
}

/* Takes a relayed block over when its verdict says it is not due yet (FUTURE within max_future_ms) or when
 * its parent is held (ORPHAN): 1 if the block is now held or was a duplicate or over a bound (the caller
 * does nothing more with it), 0 if the verdict is the caller's to handle. */
int cj_held_take(cj_p2p *p, peer *from, const uint8_t *bytes, size_t len, const coinjecture_header *hd,
                 cj_chain_status st, const cj_import_result *res)
{
    if (p->held == NULL || hd == NULL)
        return 0;
    int64_t due;
    if (st == CJ_CHAIN_FUTURE && res->due_ms > 0) {
        due = res->due_ms;
    } else if (st == CJ_CHAIN_ORPHAN) {
        long parent = held_find(p->held, hd->parent_hash);
        if (parent < 0)
            return 0;
        int64_t own = hd->timestamp - (int64_t)cj_chain_clock_tolerance_ms(p->chain);
        due = own > p->held->v[parent].due_ms ? own : p->held->v[parent].due_ms;
        if (due - cj_clock_wall_ms() > (int64_t)cj_chain_max_future_ms(p->chain))
            return 0; /* further ahead than any block may be held: the caller's verdict */
    } else {
        return 0;
    }
    char hex[65];
    coinjecture_hex_encode(res->hash, 32, hex, sizeof hex);
    if (held_add(p, from, bytes, len, res->hash, hd->block_index, due))
        cj_log_debug("p2p: block %llu %.16s from %s is due in %lld ms on this clock: held",
                     (unsigned long long)hd->block_index, hex, from != NULL ? from->addr : "?",
                     (long long)(due - cj_clock_wall_ms()));
    return 1;
}

/* The held block due first (lowest due time, then lowest height) if it is due at now, removed from the
 * buffer into *out (the caller frees out->bytes); 0 if none is due. */
static int held_pop_due(cj_held *h, int64_t now, held_block *out)
{
    long best = -1;
    for (size_t i = 0; i < h->n; i++)
        if (h->v[i].due_ms <= now &&
            (best < 0 || h->v[i].due_ms < h->v[best].due_ms ||
             (h->v[i].due_ms == h->v[best].due_ms && h->v[i].height < h->v[best].height)))
            best = (long)i;
    if (best < 0)
        return 0;
    *out = h->v[best];
    h->bytes -= out->len;
    h->v[best] = h->v[--h->n];
    return 1;
}

/* Timer: imports every block that is due now through the normal path, then re-arms. */
static void held_on_timer(evutil_socket_t fd, short what, void *arg)
{
    cj_p2p *p = arg;
    held_block b;
    (void)fd, (void)what;
    while (held_pop_due(p->held, cj_clock_wall_ms(), &b)) {
        cj_relay_on_held_block(p, b.from, b.bytes, b.len);
        free(b.bytes);
    }
    held_arm(p->held);
}

/* A connection is being freed: its held blocks stay held but are no longer charged to it. */
void cj_held_peer_freed(cj_p2p *p, const peer *pe)
{
    for (size_t i = 0; p->held != NULL && i < p->held->n; i++)
        if (p->held->v[i].from == pe)
            p->held->v[i].from = NULL;
}

/* ------------------------------------------------------------------------------------------------ */
/* clock offset                                                                                      */

/* Orders int64 values (qsort). */
static int held_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* A sealer's estimate: the smallest of its recent (arrival - timestamp) samples. */
static int64_t held_source_offset(const clock_source *s)
{
    int64_t m = INT64_MAX;
    for (unsigned i = 0; i < s->n; i++)
        if (s->sample[i] < m)
            m = s->sample[i];
    return m;
}

/* Short hex of a sealer's address for log lines. */
static void held_short(const uint8_t a[32], char out[17])
{
    coinjecture_hex_encode(a, 8, out, 17);
}

/* Recomputes the estimate over the sealers heard from recently, updates the gauges and writes the warn
 * lines: this clock off the network's by more than the tolerance, or one sealer's blocks far off this
 * clock while this clock agrees with the others. */
static void held_clock_update(cj_p2p *p, int64_t now)
{
    cj_held *h = p->held;
    int64_t off[CLOCK_SOURCES];
    size_t n = 0;
    for (size_t i = 0; i < h->nsrc; i++)
        if (now - h->src[i].last_ms <= CLOCK_SOURCE_TTL_MS)
            off[n++] = held_source_offset(&h->src[i]);
    h->offset_sources = n;
    cj_metrics_set("clock_offset_sources", (double)n);
    if (n == 0)
        return;
    qsort(off, n, sizeof off[0], held_cmp_i64);
    int64_t est = off[n / 2];
    if (n % 2 == 0 && llabs(off[n / 2 - 1]) < llabs(est))
        est = off[n / 2 - 1];
    h->have_offset = 1;
    h->offset_ms = est;
    cj_metrics_set("clock_offset_ms", (double)est);
    int64_t tol = (int64_t)cj_chain_clock_tolerance_ms(p->chain);
    if (llabs(est) > tol) {
        if (!h->warned || now - h->warned_ms >= CLOCK_WARN_EVERY_MS) {
            cj_log_warn("clock: this node's clock is about %lld ms %s the network's (block timestamps of %zu "
                        "validator%s; tolerance %lld ms): blocks and turns are judged on this clock, keep it "
                        "synchronised (chrony, systemd-timesyncd)%s",
                        (long long)llabs(est), est > 0 ? "ahead of" : "behind", n, n == 1 ? "" : "s", (long long)tol,
                        n < 3 ? "; measured against fewer than 3 validators, the clock that is off may be theirs" : "");
            h->warned_ms = now;
        }
        h->warned = 1;
        return;
    }
    if (h->warned)
        cj_log_info("clock: back within %lld ms of the network's (%+lld ms)", (long long)tol, (long long)est);
    h->warned = 0;
    for (size_t i = 0; i < h->nsrc; i++) {
        clock_source *s = &h->src[i];
        int64_t so = held_source_offset(s);
        if (now - s->last_ms > CLOCK_SOURCE_TTL_MS || llabs(so - est) <= tol ||
            (s->warned_ms != 0 && now - s->warned_ms < CLOCK_WARN_EVERY_MS))
            continue;
        char a[17];
        held_short(s->addr, a);
        cj_log_warn("clock: blocks of the validator with address %s… carry timestamps about %lld ms %s this "
                    "clock (which agrees with the other validators): its clock is off, its blocks %s",
                    a, (long long)llabs(so - est), so < est ? "ahead of" : "behind",
                    so < est ? "wait here until due (refused beyond the 15 s future bound)" : "come late");
        s->warned_ms = now;
    }
}

/* One fresh sealed block (its seal verified: it was accepted or is not due yet) as a clock sample. */
void cj_held_clock_sample(cj_p2p *p, const coinjecture_header *hd, int64_t now)
{
    cj_held *h = p->held;
    if (h == NULL || hd == NULL)
        return;
    long me = cj_chain_my_index(p->chain);
    uint8_t my_addr[32];
    if (me >= 0 && coinjecture_derive_address(cj_chain_validator(p->chain, (size_t)me), my_addr) == COINJ_OK &&
        memcmp(my_addr, hd->miner_address, 32) == 0)
        return; /* our own key (a twin): not a measure of anyone else's clock */
    clock_source *s = NULL;
    for (size_t i = 0; i < h->nsrc && s == NULL; i++)
        if (memcmp(h->src[i].addr, hd->miner_address, 32) == 0)
            s = &h->src[i];
    if (s == NULL) {
        size_t slot = h->nsrc;
        if (h->nsrc == CLOCK_SOURCES) { /* replace the sealer heard from least recently */
            slot = 0;
            for (size_t i = 1; i < h->nsrc; i++)
                if (h->src[i].last_ms < h->src[slot].last_ms)
                    slot = i;
        } else {
            h->nsrc++;
        }
        s = &h->src[slot];
        memset(s, 0, sizeof *s);
        memcpy(s->addr, hd->miner_address, 32);
    }
    s->sample[s->next] = now - hd->timestamp;
    s->next = (s->next + 1) % CLOCK_SAMPLES;
    if (s->n < CLOCK_SAMPLES)
        s->n++;
    s->last_ms = now;
    held_clock_update(p, now);
}

/* 1 when a block refused as too far ahead should be logged at warn (once a minute; the others at debug). */
int cj_held_refused_warn(cj_p2p *p)
{
    int64_t now = cj_clock_wall_ms();
    if (p->held == NULL || (p->held->refused_warned_ms != 0 && now - p->held->refused_warned_ms < CLOCK_WARN_EVERY_MS))
        return 0;
    p->held->refused_warned_ms = now;
    return 1;
}

/* The clock estimate and the held-block state, for /v1/status and the metrics. */
void cj_p2p_clock(const cj_p2p *p, cj_p2p_clock_info *out)
{
    memset(out, 0, sizeof *out);
    if (p == NULL)
        return;
    out->tolerance_ms = cj_chain_clock_tolerance_ms(p->chain);
    if (p->held == NULL)
        return;
    out->have_offset = p->held->have_offset && p->held->offset_sources > 0;
    out->offset_ms = p->held->offset_ms;
    out->sources = p->held->offset_sources;
    out->held = p->held->n;
}
