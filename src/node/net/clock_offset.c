/* This node's clock offset from the network's, from validators' block timestamps and peers' handshake times
 * (clock_offset.h; docs/P2P.md "Clock offset"): the pure table and median, then what net/ feeds into it and
 * reports (gauges, warn lines, /v1/status). */
#include "clock_offset.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "p2p_impl.h"

#define CLOCK_WARN_EVERY_MS 60000 /* one warn line per minute at most, per subject */

/* The table starts empty; it is large, hence on the heap. */
cj_clock_offset *cj_clock_offset_new(void)
{
    return calloc(1, sizeof(cj_clock_offset));
}

/* Keeps every sample and every difference of samples inside int64 (a peer chooses its time_ms freely). */
static int64_t clock_offset_clamp(int64_t v)
{
    return v > CJ_CLOCK_OFFSET_BOUND_MS ? CJ_CLOCK_OFFSET_BOUND_MS : v < -CJ_CLOCK_OFFSET_BOUND_MS ? -CJ_CLOCK_OFFSET_BOUND_MS : v;
}

/* The peer's reading lies within our hello's round trip, so the midpoint errs by at most half of it. */
int cj_clock_offset_handshake_sample(int64_t recv_wall_ms, int64_t rtt_ms, uint64_t time_ms, int64_t *out)
{
    if (out == NULL || rtt_ms < 0 || rtt_ms > CJ_CLOCK_OFFSET_MAX_RTT_MS)
        return -1;
    const int64_t lim = 4 * CJ_CLOCK_OFFSET_BOUND_MS; /* both readings within [0, lim]: no overflow below */
    int64_t mid = recv_wall_ms - rtt_ms / 2;
    mid = mid < 0 ? 0 : mid > lim ? lim : mid;
    int64_t theirs = time_ms > (uint64_t)lim ? lim : (int64_t)time_ms;
    *out = clock_offset_clamp(mid - theirs);
    return 0;
}

/* The slot of (kind, id): the existing one, a free one, or the least recently heard (closed ones first). */
static cj_clock_offset_source *clock_offset_slot(cj_clock_offset *c, cj_clock_offset_kind kind, const uint8_t id[32])
{
    for (size_t i = 0; i < c->nsrc; i++)
        if (c->src[i].kind == kind && memcmp(c->src[i].id, id, 32) == 0)
            return &c->src[i];
    size_t slot = c->nsrc;
    if (c->nsrc == CJ_CLOCK_OFFSET_SOURCES) {
        slot = 0;
        for (size_t i = 1; i < c->nsrc; i++) {
            const cj_clock_offset_source *a = &c->src[i], *b = &c->src[slot];
            if ((a->open == 0) != (b->open == 0) ? a->open == 0 : a->last_ms < b->last_ms)
                slot = i;
        }
    } else {
        c->nsrc++;
    }
    cj_clock_offset_source *s = &c->src[slot];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    memcpy(s->id, id, 32);
    return s;
}

/* Blocks keep a ring of recent samples (the least delayed wins); a handshake keeps only the latest. */
void cj_clock_offset_add(cj_clock_offset *c, cj_clock_offset_kind kind, const uint8_t id[32], int64_t sample,
                         int64_t now)
{
    if (c == NULL || id == NULL)
        return;
    cj_clock_offset_source *s = clock_offset_slot(c, kind, id);
    sample = clock_offset_clamp(sample);
    if (kind == CJ_CLOCK_OFFSET_HANDSHAKE) {
        s->sample[0] = sample;
        s->n = 1;
        s->open++;
    } else {
        s->sample[s->next] = sample;
        s->next = (s->next + 1) % CJ_CLOCK_OFFSET_SAMPLES;
        if (s->n < CJ_CLOCK_OFFSET_SAMPLES)
            s->n++;
    }
    s->last_ms = now;
}

/* The vote outlives its connection by the TTL, like a sealer that stops sealing. */
void cj_clock_offset_closed(cj_clock_offset *c, const uint8_t node_key[32], int64_t now)
{
    for (size_t i = 0; c != NULL && node_key != NULL && i < c->nsrc; i++) {
        cj_clock_offset_source *s = &c->src[i];
        if (s->kind == CJ_CLOCK_OFFSET_HANDSHAKE && memcmp(s->id, node_key, 32) == 0 && s->open > 0) {
            s->open--;
            s->last_ms = now;
        }
    }
}

/* Orders int64 values (qsort). */
static int clock_offset_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* With two middle values the one nearer to zero: one bad clock among two sources does not tilt it. */
int64_t cj_clock_offset_median(int64_t *v, size_t n)
{
    qsort(v, n, sizeof v[0], clock_offset_cmp);
    int64_t est = v[n / 2];
    if (n % 2 == 0 && llabs(v[n / 2 - 1]) < llabs(est))
        est = v[n / 2 - 1];
    return est;
}

/* The smallest sample is the one least inflated by delay. */
int64_t cj_clock_offset_vote(const cj_clock_offset_source *s)
{
    int64_t m = INT64_MAX;
    for (unsigned i = 0; i < s->n; i++)
        if (s->sample[i] < m)
            m = s->sample[i];
    return m;
}

/* An open connection keeps a handshake vote; anything else expires after the TTL. */
int cj_clock_offset_live(const cj_clock_offset_source *s, int64_t now)
{
    return s->n > 0 && (s->open > 0 || now - s->last_ms <= CJ_CLOCK_OFFSET_TTL_MS);
}

/* One vote per live source, then the median. */
int cj_clock_offset_estimate(cj_clock_offset *c, int64_t now)
{
    int64_t v[CJ_CLOCK_OFFSET_SOURCES];
    size_t n = 0, nb = 0, nh = 0;
    for (size_t i = 0; i < c->nsrc; i++) {
        if (!cj_clock_offset_live(&c->src[i], now))
            continue;
        v[n++] = cj_clock_offset_vote(&c->src[i]);
        if (c->src[i].kind == CJ_CLOCK_OFFSET_BLOCK)
            nb++;
        else
            nh++;
    }
    c->sources = n;
    c->block_sources = nb;
    c->handshake_sources = nh;
    c->have = n > 0;
    if (n > 0)
        c->offset_ms = cj_clock_offset_median(v, n);
    return c->have;
}

/* ------------------------------------------------------------------------------------------------ */
/* net/: samples in, gauges and warn lines out                                                       */

/* The gauges /metrics shows; registered once when P2P starts. */
void cj_clock_offset_register_metrics(void)
{
    cj_metrics_register("clock_offset_ms", CJ_METRIC_GAUGE,
                        "Estimated offset of this node's clock from the network's (positive: ahead), from block "
                        "timestamps and peers' handshake times.", NULL, NULL, 0);
    cj_metrics_register("clock_offset_sources", CJ_METRIC_GAUGE,
                        "Sources the clock estimate uses: validators whose blocks arrived plus peers whose handshake "
                        "time was sampled.", NULL, NULL, 0);
}

/* Recomputes the estimate, updates the gauges and writes the warn lines: this clock off the network's by
 * more than the tolerance, or one source far off this clock while this clock agrees with the others. */
static void clock_offset_update(cj_p2p *p, int64_t now)
{
    cj_clock_offset *c = p->clock;
    cj_clock_offset_estimate(c, now);
    cj_metrics_set("clock_offset_sources", (double)c->sources);
    if (!c->have)
        return;
    int64_t est = c->offset_ms;
    cj_metrics_set("clock_offset_ms", (double)est);
    int64_t tol = (int64_t)cj_chain_clock_tolerance_ms(p->chain);
    if (llabs(est) > tol) {
        if (!c->warned || now - c->warned_ms >= CLOCK_WARN_EVERY_MS) {
            cj_log_warn("clock: this node's clock is about %lld ms %s the network's (block timestamps of %zu "
                        "validator%s, handshake times of %zu peer%s; tolerance %lld ms): blocks and turns are "
                        "judged on this clock, keep it synchronised (chrony, systemd-timesyncd)%s",
                        (long long)llabs(est), est > 0 ? "ahead of" : "behind", c->block_sources,
                        c->block_sources == 1 ? "" : "s", c->handshake_sources, c->handshake_sources == 1 ? "" : "s",
                        (long long)tol,
                        c->sources < 3 ? "; measured against fewer than 3 sources, the clock that is off may be theirs"
                                       : "");
            c->warned_ms = now;
        }
        c->warned = 1;
        return;
    }
    if (c->warned)
        cj_log_info("clock: back within %lld ms of the network's (%+lld ms)", (long long)tol, (long long)est);
    c->warned = 0;
    for (size_t i = 0; i < c->nsrc; i++) {
        cj_clock_offset_source *s = &c->src[i];
        if (!cj_clock_offset_live(s, now))
            continue;
        int64_t so = cj_clock_offset_vote(s);
        if (llabs(so - est) <= tol || (s->warned_ms != 0 && now - s->warned_ms < CLOCK_WARN_EVERY_MS))
            continue;
        char a[17];
        cj_p2p_short_hex(s->id, a);
        if (s->kind == CJ_CLOCK_OFFSET_BLOCK)
            cj_log_warn("clock: blocks of the validator with address %s… carry timestamps about %lld ms %s this "
                        "clock (which agrees with the other validators): its clock is off, its blocks %s",
                        a, (long long)llabs(so - est), so < est ? "ahead of" : "behind",
                        so < est ? "wait here until due (refused beyond the 15 s future bound)" : "come late");
        else
            cj_log_warn("clock: the peer with node key %s… reported a time about %lld ms %s this clock in its "
                        "handshake (this clock agrees with the other sources): its clock is off",
                        a, (long long)llabs(so - est), so < est ? "ahead of" : "behind");
        s->warned_ms = now;
    }
}

/* One fresh sealed block (its seal verified: it was accepted or is not due yet) as a clock sample. */
void cj_clock_offset_block(cj_p2p *p, const coinjecture_header *hd, int64_t now)
{
    if (p->clock == NULL || hd == NULL)
        return;
    long me = cj_chain_my_index(p->chain);
    uint8_t my_addr[32];
    if (me >= 0 && coinjecture_derive_address(cj_chain_validator(p->chain, (size_t)me), my_addr) == COINJ_OK &&
        memcmp(my_addr, hd->miner_address, 32) == 0)
        return; /* our own key (a twin): not a measure of anyone else's clock */
    cj_clock_offset_add(p->clock, CJ_CLOCK_OFFSET_BLOCK, hd->miner_address, now - hd->timestamp, now);
    clock_offset_update(p, now);
}

/* A verified auth: its signed time_ms against our hello's round trip (sent at pe->hello_mono_ms). */
void cj_clock_offset_handshake(peer *pe, uint64_t time_ms)
{
    cj_p2p *p = pe->p2p;
    int64_t now = cj_clock_wall_ms(), sample;
    int64_t rtt = cj_clock_mono_ms() - pe->hello_mono_ms;
    if (p->clock == NULL || pe->hello_mono_ms == 0 ||
        cj_clock_offset_handshake_sample(now, rtt, time_ms, &sample) != 0) {
        cj_log_debug("p2p: %s: no clock sample from its handshake (round trip %lld ms)", pe->addr, (long long)rtt);
        return;
    }
    cj_log_debug("p2p: %s: handshake clock sample %+lld ms (round trip %lld ms)", pe->addr, (long long)sample,
                 (long long)rtt);
    cj_clock_offset_add(p->clock, CJ_CLOCK_OFFSET_HANDSHAKE, pe->hs.peer_node_pk, sample, now);
    pe->clock_sampled = 1;
    clock_offset_update(p, now);
}

/* A connection that gave a handshake sample is closing. */
void cj_clock_offset_peer_closed(peer *pe)
{
    if (!pe->clock_sampled || pe->p2p->clock == NULL)
        return;
    pe->clock_sampled = 0;
    int64_t now = cj_clock_wall_ms();
    cj_clock_offset_closed(pe->p2p->clock, pe->hs.peer_node_pk, now);
    clock_offset_update(pe->p2p, now);
}

/* The clock estimate and the held-block count, for /v1/status and the metrics. */
void cj_p2p_clock(const cj_p2p *p, cj_p2p_clock_info *out)
{
    memset(out, 0, sizeof *out);
    if (p == NULL)
        return;
    out->tolerance_ms = cj_chain_clock_tolerance_ms(p->chain);
    out->held = cj_held_count(p);
    if (p->clock == NULL)
        return;
    out->have_offset = p->clock->have && p->clock->sources > 0;
    out->offset_ms = p->clock->offset_ms;
    out->sources = p->clock->sources;
}
