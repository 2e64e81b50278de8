/* Range sync (docs/P2P.md): peers' status, the choice of the peer to sync from, get_blocks requests with
 * timeout and retry elsewhere, serving get_blocks, importing blocks answers a slice at a time, and the
 * production gate while syncing. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "p2p_impl.h"

#define IMPORT_SLICE_MS 50          /* a sync batch yields to the loop after this much import work */
#define MAX_ORPHAN_BACK 256         /* deepest a sync looks back for a common ancestor */
#define SERVE_BUSY (CJ_P2P_MAX_OUTPUT / 4)
#define SERVE_PER_SEC 32            /* get_blocks answered per peer per second (32 x 256 blocks: ample for sync) */

/* Our status: height, best hash and cumulative weight of the tip. */
void cj_sync_send_status(peer *pe)
{
    cj_p2p_msg m;
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_STATUS;
    m.u.status.height = cj_chain_height(pe->p2p->chain);
    cj_chain_tip_hash(pe->p2p->chain, m.u.status.best);
    m.u.status.weight = cj_chain_tip_weight(pe->p2p->chain);
    (void)cj_conn_send(pe, &m);
}

/* A peer's status (its tip): remembered for the choice of a sync peer, which may start a request now. */
void cj_sync_on_status(peer *pe, const cj_p2p_msg *m)
{
    cj_p2p *p = pe->p2p;
    pe->have_status = 1;
    pe->height = m->u.status.height;
    pe->weight = m->u.status.weight;
    memcpy(pe->best, m->u.status.best, 32);
    p->got_status = 1;
    if (p->ev.peer_status)
        p->ev.peer_status(p->ev.ctx, pe->hs.peer_node_pk, pe->height, pe->best);
    cj_sync_kick(p);
}

/* Parks a get_blocks to answer later: an honest syncer has one request outstanding, so it waits a little instead of
 * timing out, while a flood keeps only the newest request (and a second one while parked costs score). */
static void serve_defer(peer *pe, uint64_t from, uint64_t count, int flood)
{
    if (flood && pe->deferred)
        cj_score_penalize(pe, 1, "get_blocks flood");
    pe->deferred = 1;
    pe->deferred_from = from;
    pe->deferred_count = count;
}

/* Serves get_blocks from our canonical chain, capped by count and by the batch byte budget. */
void cj_sync_serve(peer *pe, uint64_t from, uint64_t count)
{
    cj_p2p *p = pe->p2p;
    if (evbuffer_get_length(bufferevent_get_output(pe->bev)) > SERVE_BUSY) {
        serve_defer(pe, from, count, 0); /* still sending earlier answers */
        return;
    }
    /* A flood of requests must not turn into block reads that starve the loop (and the API). */
    int64_t now = cj_clock_mono_ms();
    if (now - pe->serve_window_ms >= 1000) {
        pe->serve_window_ms = now;
        pe->served = 0;
    }
    if (pe->served >= SERVE_PER_SEC) {
        serve_defer(pe, from, count, 1);
        return;
    }
    pe->served++;
    pe->deferred = 0;
    cj_p2p_msg *m = calloc(1, sizeof *m);
    if (m == NULL)
        return;
    m->type = CJ_P2P_BLOCKS;
    m->u.blocks.from = from;
    uint64_t top = cj_chain_height(p->chain);
    size_t total = 0;
    uint8_t *bufs[CJ_P2P_MAX_BATCH];
    uint32_t n = 0;
    for (uint64_t i = 0; i < count && n < CJ_P2P_MAX_BATCH; i++) {
        uint64_t h = from + i;
        if (h < from || h > top)
            break;
        uint8_t *b = NULL, hash[32];
        size_t len = 0;
        if (cj_chain_block_bytes(p->chain, h, &b, &len, hash) != CJ_CHAIN_OK)
            break;
        if (n > 0 && total + len > CJ_P2P_BATCH_BYTES) {
            free(b);
            break;
        }
        bufs[n] = b;
        m->u.blocks.items[n] = b;
        m->u.blocks.lens[n] = len;
        total += len;
        n++;
    }
    m->u.blocks.count = n;
    (void)cj_conn_send(pe, m);
    for (uint32_t i = 0; i < n; i++)
        free(bufs[i]);
    free(m);
}

/* From the tick: answers a get_blocks parked by the rate limit or a busy output queue. */
void cj_sync_serve_deferred(peer *pe)
{
    if (pe->deferred && pe->st == PS_READY)
        cj_sync_serve(pe, pe->deferred_from, pe->deferred_count);
}

/* Hands the batch's tip move to the follow-up and starts a new one. */
static void flush_move(cj_p2p *p)
{
    cj_tip_move m = p->sync.move;
    memset(&p->sync.move, 0, sizeof p->sync.move);
    if (m.moved)
        cj_relay_tip_moved(p, &m);
}

/* Adds one import's move to the batch's: the old tip is the batch's first; any sender may have moved. A
 * reorg is handed over at once, on its own: its undone blocks are the chain's only until the next import. */
static void note_move(cj_p2p *p, const cj_tip_move *m)
{
    if (!m->moved)
        return;
    if (m->undone > 0) {
        flush_move(p);
        cj_relay_tip_moved(p, m);
        return;
    }
    if (!p->sync.move.moved)
        memcpy(p->sync.move.old_tip, m->old_tip, 32);
    p->sync.move.moved = 1;
    p->sync.move.senders = NULL;
    p->sync.move.n_senders += m->n_senders ? m->n_senders : 1;
}

/* Ends the current batch (if any) and releases its buffers. */
static void sync_batch_done(cj_p2p *p)
{
    free(p->sync.msg);
    free(p->sync.buf);
    p->sync.msg = NULL;
    p->sync.buf = NULL;
    p->sync.next = 0;
    p->sync.peer = NULL;
    p->sync.deadline = 0;
    if (p->sync.progress)
        p->sync.back = 0;
    p->sync.progress = 0;
    flush_move(p);
}

/* Puts a peer aside for sync for ms milliseconds. */
static void cooldown(peer *pe, int64_t ms)
{
    if (pe != NULL)
        pe->cooldown_until = cj_clock_mono_ms() + ms;
}

/* Leaves bulk-import durability once no batch is being imported and no request is outstanding. */
void cj_sync_bulk_import_end_if_idle(cj_p2p *p)
{
    if (p->sync.msg == NULL && p->sync.deadline == 0)
        cj_chain_set_bulk_import(p->chain, 0);
}

/* Deferred import of the pending batch, a time slice at a time so the loop keeps serving. */
void cj_sync_on_import(evutil_socket_t fd, short what, void *arg)
{
    cj_p2p *p = arg;
    char err[256], why[400];
    (void)fd, (void)what;
    if (p->sync.msg == NULL)
        return;
    int64_t t0 = cj_clock_mono_ms();
    peer *src = p->sync.peer; /* NULL if it disconnected meanwhile */
    const cj_p2p_msg *m = p->sync.msg;
    int stopped = 0;
    while (p->sync.next < m->u.blocks.count) {
        uint32_t i = p->sync.next++;
        cj_import_result res;
        memset(&res, 0, sizeof res);
        err[0] = '\0';
        cj_chain_status st =
            cj_relay_import_block(p, m->u.blocks.items[i], m->u.blocks.lens[i], NULL, &res, err, sizeof err);
        if (st == CJ_CHAIN_OK || st == CJ_CHAIN_KNOWN) {
            (void)cj_relay_seen_add(p, res.hash);
            if (st == CJ_CHAIN_OK) {
                p->sync.progress = 1;
                note_move(p, &res.move);
            }
        } else if (st == CJ_CHAIN_ORPHAN && i == 0) {
            /* our tip is on another branch: look further back for the common ancestor */
            p->sync.back = p->sync.back ? p->sync.back * 2 : 8;
            if (p->sync.back > MAX_ORPHAN_BACK || m->u.blocks.from <= 1) {
                cj_log_warn("p2p: no common ancestor with %s within %u blocks", src ? src->addr : "a peer",
                            MAX_ORPHAN_BACK);
                p->sync.back = 0;
                cooldown(src, 60000);
            }
            stopped = 1;
            break;
        } else if (st == CJ_CHAIN_FUTURE) {
            cooldown(src, 2000);
            stopped = 1;
            break;
        } else if (cj_chain_status_is_invalid(st) || st == CJ_CHAIN_ORPHAN) {
            snprintf(why, sizeof why, "sync: invalid block %llu: %s: %s", (unsigned long long)(m->u.blocks.from + i),
                     cj_chain_status_name(st), err);
            if (src != NULL)
                cj_score_penalize(src, CJ_P2P_PENALTY_INVALID_BLOCK, why);
            else
                cj_log_warn("p2p: %s", why);
            cooldown(src, 30000);
            stopped = 1;
            break;
        } else {
            cj_log_warn("p2p: sync: block %llu not imported: %s: %s", (unsigned long long)(m->u.blocks.from + i),
                        cj_chain_status_name(st), err);
            cooldown(src, st == CJ_CHAIN_REORG_TOO_DEEP ? 60000 : 5000);
            stopped = 1;
            break;
        }
        if (p->sync.next < m->u.blocks.count && cj_clock_mono_ms() - t0 >= IMPORT_SLICE_MS) {
            cj_p2p_soon(p->import_ev);
            return;
        }
    }
    int complete = !stopped;
    p->sync.cont = 0;
    p->sync.cont_peer = NULL;
    if (complete && m->u.blocks.count == p->sync.count) {
        p->sync.cont = m->u.blocks.from + m->u.blocks.count; /* the peer has more: go on from there */
        p->sync.cont_peer = src;
    } else if (complete && !p->sync.progress) {
        cooldown(src, 3000); /* nothing new although it claims a better chain */
    }
    if (p->sync.progress)
        cj_log_info("p2p: synced to height %llu", (unsigned long long)cj_chain_height(p->chain));
    sync_batch_done(p);
    cj_sync_kick(p);
    cj_sync_bulk_import_end_if_idle(p); /* nothing more to fetch: durable commits again */
}

/* A blocks answer: must match our outstanding request to this peer. */
void cj_sync_on_blocks(peer *pe, uint8_t *buf, cj_p2p_msg *m)
{
    cj_p2p *p = pe->p2p;
    if (p->sync.peer != pe || p->sync.msg != NULL || p->sync.deadline == 0 || m->u.blocks.from != p->sync.from ||
        m->u.blocks.count > p->sync.count) {
        free(m);
        free(buf);
        cj_score_penalize(pe, CJ_P2P_PENALTY_UNREQUESTED, "unrequested blocks");
        return;
    }
    p->sync.deadline = 0;
    if (m->u.blocks.count == 0) {
        /* nothing there (its chain moved, or our hint from an orphan was wrong): ask elsewhere for a while */
        free(m);
        free(buf);
        p->sync.peer = NULL;
        cooldown(pe, 3000);
        cj_sync_kick(p);
        return;
    }
    p->sync.msg = m;
    p->sync.buf = buf;
    p->sync.next = 0;
    p->sync.progress = 0;
    cj_chain_set_bulk_import(p->chain, 1); /* until the sync is over: no fsync per block (refetchable) */
    cj_p2p_soon(p->import_ev);
}

/* Picks the heaviest peer that is better than our tip (fork choice: weight, then lower hash). */
static peer *sync_candidate(cj_p2p *p, int64_t now)
{
    uint64_t w = cj_chain_tip_weight(p->chain);
    uint8_t tip[32];
    cj_chain_tip_hash(p->chain, tip);
    peer *best = NULL;
    for (peer *pe = p->peers; pe != NULL; pe = pe->next) {
        if (pe->st != PS_READY || !pe->have_status || now < pe->cooldown_until)
            continue;
        int better = pe->weight > w || (pe->weight == w && memcmp(pe->best, tip, 32) < 0);
        if (better && (best == NULL || pe->weight > best->weight))
            best = pe;
    }
    return best;
}

/* Starts a range request when idle and some peer is ahead of us. */
void cj_sync_kick(cj_p2p *p)
{
    if (p->sync.msg != NULL || p->sync.deadline != 0)
        return;
    int64_t now = cj_clock_mono_ms();
    peer *pe = sync_candidate(p, now);
    if (pe == NULL) {
        p->sync.back = 0;
        return;
    }
    uint64_t ours = cj_chain_height(p->chain);
    uint64_t base = pe->height < ours ? pe->height : ours;
    uint64_t back = p->sync.back;
    if (pe->height <= ours && back < 8)
        back = 8; /* same height, other branch: start below the fork */
    uint64_t from = base + 1 > back ? base + 1 - back : 1;
    if (p->sync.cont_peer == pe && p->sync.cont > 0 && back == 0)
        from = p->sync.cont;
    p->sync.cont = 0;
    p->sync.cont_peer = NULL;
    cj_p2p_msg m;
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_GET_BLOCKS;
    m.u.get_blocks.from = from;
    m.u.get_blocks.count = CJ_P2P_MAX_BATCH;
    p->sync.peer = pe;
    p->sync.from = from;
    p->sync.count = CJ_P2P_MAX_BATCH;
    p->sync.deadline = now + CJ_P2P_SYNC_TIMEOUT_MS;
    cj_log_debug("p2p: asking %s for blocks %llu.. (its height %llu, ours %llu)", pe->addr, (unsigned long long)from,
                 (unsigned long long)pe->height, (unsigned long long)ours);
    if (cj_conn_send(pe, &m) != 0) {
        p->sync.peer = NULL;
        p->sync.deadline = 0;
    }
}

/* Production gate: do not seal on a tip we are about to replace. */
int cj_p2p_syncing(const cj_p2p *p, int64_t now_ms)
{
    (void)now_ms;
    if (p == NULL)
        return 0;
    if (p->sync.msg != NULL)
        return 1;
    /* a request only holds production for a short while: a peer that announces a heavier chain and never
     * answers must not stall the validator for the whole 10 s timeout (again and again) */
    if (p->sync.deadline != 0 && cj_clock_mono_ms() < p->sync.deadline - CJ_P2P_SYNC_TIMEOUT_MS + CJ_P2P_SYNC_GATE_MS)
        return 1;
    return p->nstatic > 0 && !p->got_status && cj_clock_mono_ms() - p->started_ms < CJ_P2P_STARTUP_GRACE_MS;
}

/* From the tick: a get_blocks unanswered past its deadline costs score and puts the peer aside, then the
 * next request (possibly to another peer) starts. */
void cj_sync_tick(cj_p2p *p, int64_t now)
{
    if (p->sync.peer != NULL && p->sync.deadline != 0 && now > p->sync.deadline) {
        peer *pe = p->sync.peer;
        p->sync.peer = NULL;
        p->sync.deadline = 0;
        cooldown(pe, 10000);
        cj_score_penalize(pe, CJ_P2P_PENALTY_TIMEOUT, "get_blocks timed out");
    }
    cj_sync_kick(p);
}

/* A connection is closing: an outstanding request to it is over (the next one may go elsewhere). */
void cj_sync_peer_closing(cj_p2p *p, const peer *pe)
{
    if (p->sync.peer == pe) {
        p->sync.peer = NULL;
        p->sync.deadline = 0;
    }
}

/* A connection is being freed: the sync state must not point at it. */
void cj_sync_peer_freed(cj_p2p *p, const peer *pe)
{
    if (p->sync.peer == pe)
        p->sync.peer = NULL;
    if (p->sync.cont_peer == pe)
        p->sync.cont_peer = NULL;
}
