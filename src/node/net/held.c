/* Blocks not due yet on this node's clock (docs/CHAIN.md §3 rule 3 and §13 "Held blocks").
 *
 * A relayed block whose timestamp is ahead of this clock by more than the clock tolerance (but by at most
 * max_future_ms) is held here, bounded per peer and in all, and released by a timer when it is due into
 * the normal import path (net/relay.c); it is not relayed before. A block whose parent is held is held
 * too. (This clock's offset from the network's is estimated in net/clock_offset.c.) */
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

#define CLOCK_WARN_EVERY_MS 60000  /* one warn line per minute at most */

/* One held block: its bytes and what is needed to release it in order. */
typedef struct {
    uint8_t hash[32];
    uint64_t height;
    int64_t due_ms; /* wall clock */
    peer *from;     /* NULL once that connection is gone */
    size_t len;
    uint8_t *bytes;
} held_block;

struct cj_held {
    struct event *timer;
    held_block *v;
    size_t n;
    size_t bytes;
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

/* 1 when a block refused as too far ahead should be logged at warn (once a minute; the others at debug). */
int cj_held_refused_warn(cj_p2p *p)
{
    int64_t now = cj_clock_wall_ms();
    if (p->held == NULL || (p->held->refused_warned_ms != 0 && now - p->held->refused_warned_ms < CLOCK_WARN_EVERY_MS))
        return 0;
    p->held->refused_warned_ms = now;
    return 1;
}

/* Blocks held right now (for /v1/status). */
size_t cj_held_count(const cj_p2p *p)
{
    return p->held != NULL ? p->held->n : 0;
}
