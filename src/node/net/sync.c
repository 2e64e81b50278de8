/* Range sync (docs/P2P.md): peers' status, serving get_blocks, and fetching: requests to the peers that claim a
 * better chain (the one that delivers keeps the stream, the unproven are asked in parallel so liars cost no
 * waiting), answers imported a slice at a time and judged by progress (a peer is a source only while it
 * delivers new valid blocks), and the production gate while syncing. */
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
#define PENDING_CAP (3u * CJ_P2P_MAX_FRAME) /* answers waiting for the import, all peers together */
#define COOL_EMPTY_MS 3000          /* pauses after an answer (see docs/P2P.md, Sync) */
#define COOL_TIMEOUT_MS 10000
#define COOL_USELESS_MS 30000
#define COOL_DEEP_MS 60000
#define SERVE_BUSY (CJ_P2P_MAX_OUTPUT / 4)
#define SERVE_PER_SEC 32            /* get_blocks answered per peer per second */
#define SERVE_BLOCKS_PER_SEC 2048   /* blocks served per peer per second (8 full batches: more than an import takes) */
#define SERVE_FLOOD_PENALTY 2       /* a get_blocks while one is parked: a syncer has one request outstanding */

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
        cj_score_penalize(pe, SERVE_FLOOD_PENALTY, "get_blocks flood");
    pe->deferred = 1;
    pe->deferred_from = from;
    pe->deferred_count = count;
}

/* Serves get_blocks from our canonical chain, capped by count and by the batch byte budget, unless a limit parks
 * it (rate per peer, output still busy). */
static void serve(peer *pe, uint64_t from, uint64_t count)
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
        pe->served_blocks = 0;
    }
    if (pe->served >= SERVE_PER_SEC || pe->served_blocks >= SERVE_BLOCKS_PER_SEC) {
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
    pe->served_blocks += n;
    (void)cj_conn_send(pe, m);
    pe->answer_end = pe->out_added; /* the answer has left once out_drained reaches this */
    for (uint32_t i = 0; i < n; i++)
        free(bufs[i]);
    free(m);
}

/* A get_blocks from a peer. One that arrives before our previous answer to it has even left our output buffer
 * cannot come from a syncer that read that answer (a syncer has one request outstanding): it is parked, and a
 * further one while parked costs score, so pipelined floods are banned however slowly they are read. */
void cj_sync_serve(peer *pe, uint64_t from, uint64_t count)
{
    if (pe->out_drained < pe->answer_end) {
        serve_defer(pe, from, count, 1);
        return;
    }
    serve(pe, from, count);
}

/* From the tick: answers a get_blocks parked by the rate limit or a busy output queue. */
void cj_sync_serve_deferred(peer *pe)
{
    if (pe->deferred && pe->st == PS_READY)
        serve(pe, pe->deferred_from, pe->deferred_count);
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

/* Puts a peer aside for sync for ms milliseconds. */
static void cooldown(peer *pe, int64_t ms)
{
    if (pe != NULL)
        pe->cooldown_until = cj_clock_mono_ms() + ms;
}

/* A peer failed to back its claim (timeout, empty or useless answer, invalid block): it is no source until it
 * delivers again, pays `penalty` and is put aside; five failures get it banned (within about two minutes). */
static void sync_fail(peer *pe, int penalty, int64_t cool_ms, const char *why)
{
    if (pe == NULL)
        return;
    pe->proven = 0;
    cooldown(pe, cool_ms);
    if (penalty > 0)
        cj_score_penalize(pe, penalty, why);
    else
        cj_log_info("p2p: peer %s: %s", pe->addr, why);
}

/* The peer delivered (a batch or a relayed block advanced our chain): it is a source again. */
void cj_sync_delivered(peer *pe)
{
    pe->proven = 1;
    pe->back = 0;
}

/* A request to pe is over (answered, timed out, or the peer is closing); req_* stay for its answer. */
static void request_done(peer *pe)
{
    pe->req_deadline = 0;
}

/* Whether a request to pe may hold production (briefly): it delivered before, or it is a configured peer. */
static int trusted(const cj_p2p *p, const peer *pe)
{
    if (pe->proven || pe->sp != NULL)
        return 1;
    for (size_t i = 0; i < p->nstatic; i++)
        if (p->statics[i].have_key && memcmp(p->statics[i].key, pe->hs.peer_node_pk, 32) == 0)
            return 1;
    return 0;
}

/* Leaves bulk-import durability once nothing is imported or waiting and no trusted request is outstanding. */
void cj_sync_bulk_import_end_if_idle(cj_p2p *p)
{
    if (p->sync.msg != NULL || p->sync.pending > 0)
        return;
    for (const peer *pe = p->peers; pe != NULL; pe = pe->next)
        if (pe->req_deadline != 0 && trusted(p, pe))
            return;
    cj_chain_set_bulk_import(p->chain, 0);
}

/* Drops an answer waiting for the import. */
static void drop_answer(cj_p2p *p, peer *pe)
{
    if (pe->ans_msg == NULL)
        return;
    free(pe->ans_msg);
    free(pe->ans_buf);
    pe->ans_msg = NULL;
    pe->ans_buf = NULL;
    p->sync.pending -= pe->ans_bytes;
    pe->ans_bytes = 0;
}

/* Starts importing an answer (takes buf and m); the request it answers is pe's req_*. */
static void batch_start(cj_p2p *p, peer *pe, uint8_t *buf, cj_p2p_msg *m)
{
    p->sync.peer = pe;
    p->sync.from = pe->req_from;
    p->sync.count = pe->req_count;
    p->sync.req_height = pe->req_height;
    p->sync.msg = m;
    p->sync.buf = buf;
    p->sync.next = 0;
    p->sync.progress = 0;
    memset(p->sync.prev, 0, 32);
    cj_chain_set_bulk_import(p->chain, 1); /* until the sync is over: no fsync per block (refetchable) */
    cj_p2p_soon(p->import_ev);
}

/* Ends the current batch and releases its buffers. */
static void batch_done(cj_p2p *p)
{
    free(p->sync.msg);
    free(p->sync.buf);
    p->sync.msg = NULL;
    p->sync.buf = NULL;
    p->sync.next = 0;
    p->sync.peer = NULL;
    p->sync.progress = 0;
    flush_move(p);
}

/* One block of the batch must be the next height and link to the previous one: a peer that repeats blocks or
 * sends them out of order breaks the protocol. Returns 0, or -1 with why. */
static int batch_links(cj_p2p *p, uint32_t i, const coinjecture_block *b, char *why, size_t whylen)
{
    uint64_t want = p->sync.from + i;
    if (b->header.block_index != want) {
        snprintf(why, whylen, "blocks answer: block %u has height %llu, not %llu (repeated or out of order)", i,
                 (unsigned long long)b->header.block_index, (unsigned long long)want);
        return -1;
    }
    if (i > 0 && memcmp(b->header.parent_hash, p->sync.prev, 32) != 0) {
        snprintf(why, whylen, "blocks answer: block %u does not link to block %u", i, i - 1);
        return -1;
    }
    return 0;
}

/* Imports block i of the batch: 0 to go on, 1 when the batch stops here (the verdict is dealt with). */
static int batch_block(cj_p2p *p, uint32_t i)
{
    const cj_p2p_msg *m = p->sync.msg;
    peer *src = p->sync.peer; /* NULL if it disconnected meanwhile */
    char err[256], why[400];
    coinjecture_block b;
    int decoded = m->u.blocks.lens[i] <= COINJECTURE_MAX_BLOCK_SIZE &&
                  coinjecture_block_decode(m->u.blocks.items[i], m->u.blocks.lens[i], &b) == COINJ_OK;
    if (decoded && batch_links(p, i, &b, why, sizeof why) != 0) {
        coinjecture_block_free(&b);
        sync_fail(src, CJ_P2P_PENALTY_BAD_BATCH, COOL_USELESS_MS, why); /* no honest server sends that */
        return 1;
    }
    cj_import_result res;
    memset(&res, 0, sizeof res);
    err[0] = '\0';
    cj_chain_status st = cj_relay_import_block(p, m->u.blocks.items[i], m->u.blocks.lens[i], decoded ? &b : NULL,
                                               &res, err, sizeof err);
    if (decoded)
        coinjecture_block_free(&b);
    memcpy(p->sync.prev, res.hash, 32);
    if (st == CJ_CHAIN_OK || st == CJ_CHAIN_KNOWN) {
        (void)cj_relay_seen_add(p, res.hash);
        if (st == CJ_CHAIN_OK) {
            p->sync.progress = 1;
            note_move(p, &res.move);
        }
        return 0;
    }
    if (st == CJ_CHAIN_ORPHAN && i == 0 && src != NULL) {
        /* our tip is on another branch: look further back for the common ancestor */
        src->back = src->back ? src->back * 2 : 8;
        if (src->back > MAX_ORPHAN_BACK || p->sync.from <= 1) {
            cj_log_warn("p2p: no common ancestor with %s within %u blocks", src->addr, MAX_ORPHAN_BACK);
            src->back = 0;
            sync_fail(src, 0, COOL_DEEP_MS, "no common ancestor");
        }
        return 1;
    }
    if (st == CJ_CHAIN_FUTURE) {
        cooldown(src, 2000);
        return 1;
    }
    if (cj_chain_status_is_invalid(st) || st == CJ_CHAIN_ORPHAN) {
        snprintf(why, sizeof why, "sync: invalid block %llu: %s: %s", (unsigned long long)(p->sync.from + i),
                 cj_chain_status_name(st), err);
        if (src != NULL)
            sync_fail(src, CJ_P2P_PENALTY_INVALID_BLOCK, COOL_USELESS_MS, why);
        else
            cj_log_warn("p2p: %s", why);
        return 1;
    }
    cj_log_warn("p2p: sync: block %llu not imported: %s: %s", (unsigned long long)(p->sync.from + i),
                cj_chain_status_name(st), err);
    int deep = st == CJ_CHAIN_REORG_TOO_DEEP || st == CJ_CHAIN_SIDE_TOO_DEEP || st == CJ_CHAIN_SIDE_LIMIT;
    cooldown(src, deep ? COOL_DEEP_MS : 5000);
    return 1;
}

/* A batch imported to its end (or stopped): progress keeps the peer a source (a full batch continues at once);
 * nothing new costs score, unless its blocks were new when asked and came from another peer meanwhile. */
static void batch_judge(cj_p2p *p, int stopped)
{
    peer *src = p->sync.peer;
    uint32_t n = p->sync.msg->u.blocks.count;
    p->sync.cont = 0;
    p->sync.cont_peer = NULL;
    if (p->sync.progress) {
        if (src != NULL)
            cj_sync_delivered(src);
        if (!stopped && n == p->sync.count) {
            p->sync.cont = p->sync.from + n; /* the peer has more: go on from there */
            p->sync.cont_peer = src;
        }
        cj_log_info("p2p: synced to height %llu", (unsigned long long)cj_chain_height(p->chain));
        return;
    }
    if (stopped || src == NULL)
        return; /* the verdict that stopped it was dealt with */
    if (p->sync.from + n - 1 > p->sync.req_height) {
        cooldown(src, 1000); /* blocks we did not have when we asked: another peer was faster */
        return;
    }
    char why[160];
    snprintf(why, sizeof why, "blocks answer %llu..%llu adds nothing (claims weight %llu)",
             (unsigned long long)p->sync.from, (unsigned long long)(p->sync.from + n - 1),
             (unsigned long long)src->weight);
    sync_fail(src, CJ_P2P_PENALTY_NO_PROGRESS, COOL_USELESS_MS, why);
}

/* Deferred import of the pending batch, a time slice at a time so the loop keeps serving. */
void cj_sync_on_import(evutil_socket_t fd, short what, void *arg)
{
    cj_p2p *p = arg;
    (void)fd, (void)what;
    if (p->sync.msg == NULL)
        return;
    int64_t t0 = cj_clock_mono_ms();
    int stopped = 0;
    while (p->sync.next < p->sync.msg->u.blocks.count) {
        if (batch_block(p, p->sync.next++)) {
            stopped = 1;
            break;
        }
        if (p->sync.next < p->sync.msg->u.blocks.count && cj_clock_mono_ms() - t0 >= IMPORT_SLICE_MS) {
            cj_p2p_soon(p->import_ev);
            return;
        }
    }
    batch_judge(p, stopped);
    batch_done(p);
    cj_sync_kick(p);
    cj_sync_bulk_import_end_if_idle(p); /* nothing more to fetch: durable commits again */
}

/* A blocks answer: must match our outstanding request to this peer; imported now, or when the batch being
 * imported is done (bounded: beyond PENDING_CAP it is dropped and the peer asked again later). */
void cj_sync_on_blocks(peer *pe, uint8_t *buf, cj_p2p_msg *m)
{
    cj_p2p *p = pe->p2p;
    if (pe->req_deadline == 0 || pe->ans_msg != NULL || m->u.blocks.from != pe->req_from ||
        m->u.blocks.count > pe->req_count) {
        free(m);
        free(buf);
        cj_score_penalize(pe, CJ_P2P_PENALTY_UNREQUESTED, "unrequested blocks");
        return;
    }
    request_done(pe);
    if (m->u.blocks.count == 0) {
        /* nothing there although it claimed a better chain: ask elsewhere for a while */
        free(m);
        free(buf);
        if (pe->height >= pe->req_from)
            sync_fail(pe, CJ_P2P_PENALTY_EMPTY, COOL_EMPTY_MS, "empty blocks answer to a range it claims");
        else
            cooldown(pe, COOL_EMPTY_MS);
        cj_sync_kick(p);
        return;
    }
    if (p->sync.msg == NULL) {
        batch_start(p, pe, buf, m);
        return;
    }
    size_t bytes = sizeof *m;
    for (uint32_t i = 0; i < m->u.blocks.count; i++)
        bytes += m->u.blocks.lens[i];
    if (p->sync.pending + bytes > PENDING_CAP) {
        free(m);
        free(buf);
        cooldown(pe, 1000);
        return;
    }
    pe->ans_buf = buf;
    pe->ans_msg = m;
    pe->ans_bytes = bytes;
    p->sync.pending += bytes;
}

/* Starts the import of a waiting answer, if any (the oldest request first). Returns 1 if one started. */
static int start_waiting(cj_p2p *p)
{
    peer *first = NULL;
    for (peer *pe = p->peers; pe != NULL; pe = pe->next)
        if (pe->ans_msg != NULL && pe->st == PS_READY && (first == NULL || pe->req_sent_ms < first->req_sent_ms))
            first = pe;
    if (first == NULL)
        return 0;
    uint8_t *buf = first->ans_buf;
    cj_p2p_msg *m = first->ans_msg;
    p->sync.pending -= first->ans_bytes;
    first->ans_buf = NULL;
    first->ans_msg = NULL;
    first->ans_bytes = 0;
    batch_start(p, first, buf, m);
    return 1;
}

/* Whether pe may be asked now: it claims a chain better than our tip (fork choice: weight, then lower hash),
 * is not paused, and has no request outstanding or answer waiting. */
static int candidate(const peer *pe, uint64_t w, const uint8_t tip[32], int64_t now)
{
    if (pe->st != PS_READY || !pe->have_status || now < pe->cooldown_until || pe->req_deadline != 0 ||
        pe->ans_msg != NULL)
        return 0;
    return pe->weight > w || (pe->weight == w && memcmp(pe->best, tip, 32) < 0);
}

/* Sends get_blocks to pe: from our height + 1, the continuation of its last full batch, or below the common
 * height while looking for the fork point. */
static void request(cj_p2p *p, peer *pe, int64_t now)
{
    uint64_t ours = cj_chain_height(p->chain);
    uint64_t base = pe->height < ours ? pe->height : ours;
    uint64_t back = pe->back;
    if (pe->height <= ours && back < 8)
        back = 8; /* same height, other branch: start below the fork */
    uint64_t from = base + 1 > back ? base + 1 - back : 1;
    if (p->sync.cont_peer == pe && p->sync.cont > 0 && pe->back == 0)
        from = p->sync.cont;
    if (p->sync.cont_peer == pe) {
        p->sync.cont = 0;
        p->sync.cont_peer = NULL;
    }
    cj_p2p_msg m;
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_GET_BLOCKS;
    m.u.get_blocks.from = from;
    m.u.get_blocks.count = CJ_P2P_MAX_BATCH;
    pe->req_from = from;
    pe->req_count = CJ_P2P_MAX_BATCH;
    pe->req_height = ours;
    pe->req_sent_ms = now;
    pe->req_deadline = now + CJ_P2P_SYNC_TIMEOUT_MS;
    cj_log_debug("p2p: asking %s for blocks %llu.. (its height %llu, ours %llu%s)", pe->addr, (unsigned long long)from,
                 (unsigned long long)pe->height, (unsigned long long)ours, pe->proven ? "" : ", unproven");
    if (cj_conn_send(pe, &m) != 0)
        request_done(pe);
}

/* Imports a waiting answer, else asks: the peer that delivered last keeps the stream alone (one request at a
 * time); while none has, every candidate is asked at once, so liars that claim a heavier chain and answer
 * nothing (or nothing useful) delay no honest peer. */
void cj_sync_kick(cj_p2p *p)
{
    if (p->sync.msg != NULL || start_waiting(p))
        return;
    int64_t now = cj_clock_mono_ms();
    uint64_t w = cj_chain_tip_weight(p->chain);
    uint8_t tip[32];
    cj_chain_tip_hash(p->chain, tip);
    peer *best = NULL;
    for (peer *pe = p->peers; pe != NULL; pe = pe->next) {
        if (pe->st != PS_READY || !pe->proven || !pe->have_status)
            continue;
        if (pe->req_deadline != 0 || pe->ans_msg != NULL)
            return; /* the stream from a proven peer is under way */
        if (candidate(pe, w, tip, now) && (best == NULL || pe->weight > best->weight))
            best = pe;
    }
    if (best != NULL) {
        request(p, best, now);
        return;
    }
    for (peer *pe = p->peers; pe != NULL; pe = pe->next)
        if (candidate(pe, w, tip, now))
            request(p, pe, now);
}

/* Production gate: do not seal on a tip we are about to replace. */
int cj_p2p_syncing(const cj_p2p *p, int64_t now_ms)
{
    (void)now_ms;
    if (p == NULL)
        return 0;
    if (p->sync.msg != NULL)
        return 1;
    /* a request holds production only briefly, and only a request to a peer that delivered before (or a
     * configured one): a peer that announces a heavier chain and never delivers must not stall the validator */
    int64_t now = cj_clock_mono_ms();
    for (const peer *pe = p->peers; pe != NULL; pe = pe->next)
        if (pe->req_deadline != 0 && now < pe->req_sent_ms + CJ_P2P_SYNC_GATE_MS && trusted(p, pe))
            return 1;
    return p->nstatic > 0 && !p->got_status && now - p->started_ms < CJ_P2P_STARTUP_GRACE_MS;
}

/* From the tick: a get_blocks unanswered past its deadline costs score and puts the peer aside; then the
 * next requests start. */
void cj_sync_tick(cj_p2p *p, int64_t now)
{
    for (peer *pe = p->peers; pe != NULL; pe = pe->next) {
        if (pe->st != PS_READY || pe->req_deadline == 0 || now <= pe->req_deadline)
            continue;
        request_done(pe);
        sync_fail(pe, CJ_P2P_PENALTY_SYNC_TIMEOUT, COOL_TIMEOUT_MS, "get_blocks timed out");
    }
    cj_sync_kick(p);
}

/* A connection is closing: its outstanding request and waiting answer are over. */
void cj_sync_peer_closing(cj_p2p *p, peer *pe)
{
    request_done(pe);
    drop_answer(p, pe);
}

/* A connection is being freed: its waiting answer goes, and the sync state must not point at it. */
void cj_sync_peer_freed(cj_p2p *p, peer *pe)
{
    drop_answer(p, pe);
    if (p->sync.peer == pe)
        p->sync.peer = NULL;
    if (p->sync.cont_peer == pe)
        p->sync.cont_peer = NULL;
}
