/* Relay (docs/P2P.md): the recent-hash set that relays each block and transaction once, the queue that
 * admits relayed transactions to the mempool in time slices, and relayed blocks fed to the chain. */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "log.h"
#include "mempool.h"
#include "p2p_impl.h"

#define TXQ_CAP 50000  /* relayed transactions waiting for admission (beyond: dropped) */
#define TXQ_SLICE_MS 10 /* admission work per loop turn, so blocks and the API are not held up */

/* Adds a hash to the bounded recent set; returns 1 if it was new, 0 if already there. */
int cj_relay_seen_add(cj_p2p *p, const uint8_t h[32])
{
    if (cj_hmap_get(&p->seen, h) != NULL)
        return 0;
    uint8_t *slot = p->seen_ring[p->seen_next];
    (void)cj_hmap_del(&p->seen, slot);
    memcpy(slot, h, 32);
    if (cj_hmap_put(&p->seen, slot, slot) != 0)
        return 1; /* OOM: relay anyway, dedup is best effort */
    p->seen_next = (p->seen_next + 1) % SEEN_CAP;
    return 1;
}

/* Sends one block or tx message to every established peer except `except`. */
static void broadcast(cj_p2p *p, const cj_p2p_msg *m, const peer *except)
{
    for (peer *pe = p->peers; pe != NULL; pe = pe->next)
        if (pe != except && pe->st == PS_READY)
            (void)cj_conn_send(pe, m);
}

/* Relays raw block bytes to every peer but the origin. */
void cj_relay_block(cj_p2p *p, const uint8_t *bytes, size_t len, const peer *except)
{
    cj_p2p_msg m;
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_BLOCK;
    m.u.block.bytes = bytes;
    m.u.block.len = len;
    broadcast(p, &m, except);
}

/* Relays raw transaction bytes to every peer but the origin. */
void cj_relay_tx_bytes(cj_p2p *p, const uint8_t *bytes, size_t len, const peer *except)
{
    cj_p2p_msg m;
    memset(&m, 0, sizeof m);
    m.type = CJ_P2P_TX;
    m.u.tx.bytes = bytes;
    m.u.tx.len = len;
    broadcast(p, &m, except);
}

/* A relayed transaction: decode and dedup now (cheap), admission later in time slices. Blocks are
 * handled as they arrive, so a backlog of transactions (each costing a signature check) never delays a
 * block behind it on the same connection; a transaction that a block confirms meanwhile is refused
 * cheaply (nonce too low) before its signature is checked. */
void cj_relay_on_tx(peer *pe, const uint8_t *bytes, size_t len)
{
    cj_p2p *p = pe->p2p;
    coinjecture_tx tx;
    uint8_t h[32];
    if (coinjecture_tx_decode(bytes, len, &tx) != COINJ_OK) {
        cj_score_penalize(pe, CJ_P2P_PENALTY_INVALID_TX, "undecodable transaction");
        return;
    }
    int fresh = coinjecture_tx_hash(&tx, h) == COINJ_OK && cj_relay_seen_add(p, h) && p->mp != NULL;
    coinjecture_tx_free(&tx);
    if (!fresh)
        return;
    txq_item *it = p->txq_n < TXQ_CAP ? malloc(sizeof *it + len) : NULL;
    if (it == NULL) {
        p->txq_dropped++; /* overloaded: the block that confirms it will carry it */
        return;
    }
    it->next = NULL;
    it->from = pe;
    memcpy(it->hash, h, 32);
    it->len = len;
    memcpy(it->bytes, bytes, len);
    if (p->txq_tail != NULL)
        p->txq_tail->next = it;
    else
        p->txq_head = it;
    p->txq_tail = it;
    p->txq_n++;
    cj_p2p_soon(p->txq_ev);
}

/* Admits one queued transaction: mempool, relay to the others, penalty for an invalid one. */
static void admit_queued(cj_p2p *p, const txq_item *it)
{
    coinjecture_tx tx;
    char err[256];
    if (coinjecture_tx_decode(it->bytes, it->len, &tx) != COINJ_OK)
        return; /* decoded once already */
    err[0] = '\0';
    cj_mempool_status st = cj_mempool_add(p->mp, cj_chain_state(p->chain), &tx, cj_clock_wall_ms(), NULL, err, sizeof err);
    if (st == CJ_MEMPOOL_OK) {
        cj_relay_tx_bytes(p, it->bytes, it->len, it->from);
        if (p->ev.tx_accepted)
            p->ev.tx_accepted(p->ev.ctx, &tx, it->hash);
    } else if (it->from != NULL &&
               (st == CJ_MEMPOOL_BAD_SIGNATURE || st == CJ_MEMPOOL_MALFORMED || st == CJ_MEMPOOL_OVERFLOW)) {
        char why[320];
        snprintf(why, sizeof why, "invalid transaction: %s %s", cj_mempool_status_name(st), err);
        cj_score_penalize(it->from, CJ_P2P_PENALTY_INVALID_TX, why);
    }
    coinjecture_tx_free(&tx);
}

/* Works through the admission queue for up to TXQ_SLICE_MS, then yields to the loop. */
void cj_relay_on_txq(evutil_socket_t fd, short what, void *arg)
{
    cj_p2p *p = arg;
    (void)fd, (void)what;
    int64_t t0 = cj_clock_mono_ms();
    for (unsigned k = 1; p->txq_head != NULL; k++) {
        txq_item *it = p->txq_head;
        p->txq_head = it->next;
        if (p->txq_head == NULL)
            p->txq_tail = NULL;
        p->txq_n--;
        admit_queued(p, it);
        free(it);
        if (k % 32 == 0 && p->txq_head != NULL && cj_clock_mono_ms() - t0 >= TXQ_SLICE_MS) {
            cj_p2p_soon(p->txq_ev);
            return;
        }
    }
}

/* Drops everything still queued (shutdown). */
void cj_relay_txq_clear(cj_p2p *p)
{
    while (p->txq_head != NULL) {
        txq_item *it = p->txq_head;
        p->txq_head = it->next;
        free(it);
    }
    p->txq_tail = NULL;
    p->txq_n = 0;
}

/* A connection is being freed: its queued transactions and held blocks stay but are no longer charged to it. */
void cj_relay_peer_freed(cj_p2p *p, const peer *pe)
{
    for (txq_item *it = p->txq_head; it != NULL; it = it->next)
        if (it->from == pe)
            it->from = NULL;
    cj_held_peer_freed(p, pe);
}

/* The tip moved because of an import: the tip hash is marked seen first so it is not relayed back, then
 * the daemon's follow-up runs (it calls cj_p2p_on_new_tip); without one, net announces the tip itself. */
void cj_relay_tip_moved(cj_p2p *p, const cj_tip_move *m)
{
    uint8_t tip[32];
    cj_chain_tip_hash(p->chain, tip);
    (void)cj_relay_seen_add(p, tip);
    if (p->ev.tip_moved)
        p->ev.tip_moved(p->ev.ctx, m);
    else
        cj_p2p_on_new_tip(p);
}

/* cj_chain_import with the pool vouching for the signatures it verified; b is the caller's decoding of
 * bytes, or NULL. The follow-up of a moved tip is the daemon's (cj_relay_tip_moved). */
cj_chain_status cj_relay_import_block(cj_p2p *p, const uint8_t *bytes, size_t len, const coinjecture_block *b,
                                      cj_import_result *res, char *err, size_t errlen)
{
    cj_tx_source src;
    cj_mempool_source(p->mp, &src);
    cj_chain_status st = cj_chain_import(p->chain, bytes, len, b, cj_clock_wall_ms(), &src, res, err, errlen);
    if (b != NULL && cj_chain_status_is_invalid(st) && p->ev.block_invalid)
        p->ev.block_invalid(p->ev.ctx, &b->header, st, err != NULL ? err : "");
    return st;
}

/* Feeds a relayed block's header to the double-sign detector when its seal verifies; a new record is an
 * event for the daemon. */
static void observe_header(cj_p2p *p, const coinjecture_header *h)
{
    if (p->evidence == NULL)
        return;
    long v = cj_evidence_sealer(p->chain, h);
    if (v >= 0 &&
        cj_evidence_observe(p->evidence, p->chain, h, cj_chain_validator(p->chain, (size_t)v), cj_clock_wall_ms()) ==
            1 &&
        p->ev.evidence)
        p->ev.evidence(p->ev.ctx, cj_evidence_get(p->evidence, 0));
}

/* What a relayed block's verdict calls for: relay once and follow up when accepted, sync when its parent is
 * unknown, a penalty when it breaks a rule. pe is NULL for a held block whose sender has gone. */
static void on_block_verdict(cj_p2p *p, peer *pe, const uint8_t *bytes, size_t len, cj_chain_status st,
                             cj_import_result *res, const char *err)
{
    char hex[65], why[400];
    const char *from = pe != NULL ? pe->addr : "a peer (held until due)";
    coinjecture_hex_encode(res->hash, 32, hex, sizeof hex);
    if (st == CJ_CHAIN_OK) {
        if (cj_relay_seen_add(p, res->hash))
            cj_relay_block(p, bytes, len, pe);
        cj_log_info("p2p: block %llu %.16s from %s: %s", (unsigned long long)res->height, hex, from,
                    res->reorged ? "reorg" : res->extended ? "new tip" : "side branch");
        if (res->extended || res->reorged) {
            cj_sync_delivered(pe); /* it backs its claims: a sync source again */
            cj_relay_tip_moved(p, &res->move);
        }
        return;
    }
    if (st == CJ_CHAIN_KNOWN) {
        (void)cj_relay_seen_add(p, res->hash);
        (void)cj_score_charge(pe, CJ_COST_BLOCK); /* every peer relays each block once: more is a flood */
        return;
    }
    if (st == CJ_CHAIN_FUTURE && res->due_ms == 0) { /* a clock far off: one warn line a minute */
        cj_log(cj_held_refused_warn(p) ? CJ_LOG_WARN : CJ_LOG_DEBUG,
               "p2p: block %llu %.16s from %s: refused, more than %u ms ahead of this node's clock: %s",
               (unsigned long long)res->height, hex, from, (unsigned)cj_chain_max_future_ms(p->chain), err);
        return;
    }
    if (st == CJ_CHAIN_ORPHAN || st == CJ_CHAIN_FUTURE) {
        cj_log_debug("p2p: block %llu %.16s from %s: %s", (unsigned long long)res->height, hex, from,
                     cj_chain_status_name(st));
        if (pe != NULL && cj_score_charge(pe, CJ_COST_BLOCK) != 0)
            return; /* a flood of orphans: no sync request for each */
        if (pe != NULL && st == CJ_CHAIN_ORPHAN && res->height > pe->height) {
            /* the peer is ahead of what it last told us; its status follows, but ask now */
            pe->have_status = 1;
            pe->height = res->height;
            if (pe->weight <= cj_chain_tip_weight(p->chain))
                pe->weight = cj_chain_tip_weight(p->chain) + 1;
        }
        cj_sync_kick(p);
        return;
    }
    if (cj_chain_status_is_invalid(st)) {
        snprintf(why, sizeof why, "invalid block %llu: %s: %s", (unsigned long long)res->height,
                 cj_chain_status_name(st), err);
        if (pe != NULL)
            cj_score_penalize(pe, CJ_P2P_PENALTY_INVALID_BLOCK, why);
        else
            cj_log_warn("p2p: %s", why);
        return;
    }
    if (st == CJ_CHAIN_SIDE_TOO_DEEP || st == CJ_CHAIN_SIDE_LIMIT) { /* valid, declined: no penalty, a cost */
        cj_log_debug("p2p: block from %s not stored: %s: %s", from, cj_chain_status_name(st), err);
        if (pe != NULL)
            (void)cj_score_charge(pe, CJ_COST_BLOCK);
    } else
        cj_log_warn("p2p: block from %s not imported: %s: %s", from, cj_chain_status_name(st), err);
}

/* Import of a relayed block, decoded once, then evidence, the clock sample and what the verdict calls for;
 * a block that is not due yet on this clock goes to the held buffer (net/held.c) instead. `released`: a
 * held block now due (its header was observed and sampled when it arrived). */
static void relay_block(cj_p2p *p, peer *pe, const uint8_t *bytes, size_t len, int released)
{
    cj_import_result res;
    coinjecture_block b;
    char err[256];
    memset(&res, 0, sizeof res);
    err[0] = '\0';
    /* an undecodable block gets the chain's own decode verdict (and message) */
    int decoded = len <= COINJECTURE_MAX_BLOCK_SIZE && coinjecture_block_decode(bytes, len, &b) == COINJ_OK;
    int64_t now = cj_clock_wall_ms();
    cj_chain_status st = cj_relay_import_block(p, bytes, len, decoded ? &b : NULL, &res, err, sizeof err);
    if (st != CJ_CHAIN_KNOWN && decoded && !released)
        observe_header(p, &b.header);
    /* fresh sealed blocks (a new tip, or not due yet: every header rule passed) measure this clock */
    if (decoded && !released && ((st == CJ_CHAIN_OK && (res.extended || res.reorged)) || st == CJ_CHAIN_FUTURE))
        cj_clock_offset_block(p, &b.header, now);
    int held = decoded && cj_held_take(p, pe, bytes, len, &b.header, st, &res);
    if (decoded)
        coinjecture_block_free(&b);
    if (!held)
        on_block_verdict(p, pe, bytes, len, st, &res, err);
}

/* A relayed block from a peer. */
void cj_relay_on_block(peer *pe, const uint8_t *bytes, size_t len)
{
    relay_block(pe->p2p, pe, bytes, len, 0);
}

/* A held block that is now due (from: its sender, or NULL if that connection has gone): the normal path. */
void cj_relay_on_held_block(cj_p2p *p, peer *from, const uint8_t *bytes, size_t len)
{
    relay_block(p, from, bytes, len, 1);
}

/* Size of the relayed-transaction admission queue. */
size_t cj_p2p_tx_backlog(const cj_p2p *p)
{
    return p ? p->txq_n : 0;
}

/* Relays a newly admitted transaction once. */
void cj_p2p_relay_tx(cj_p2p *p, const coinjecture_tx *tx, const uint8_t hash[32])
{
    if (p == NULL || tx == NULL || hash == NULL || !cj_relay_seen_add(p, hash))
        return;
    size_t n = 0;
    if (coinjecture_tx_encode(tx, NULL, 0, &n) != COINJ_ERROR_BUFFER_TOO_SMALL || n == 0)
        return;
    uint8_t *b = malloc(n);
    if (b == NULL)
        return;
    if (coinjecture_tx_encode(tx, b, n, &n) == COINJ_OK)
        cj_relay_tx_bytes(p, b, n, NULL);
    free(b);
}

/* New tip: relay the block if nobody sent it to us, then tell everyone our status. */
void cj_p2p_on_new_tip(cj_p2p *p)
{
    if (p == NULL)
        return;
    uint8_t tip[32], h[32];
    cj_chain_tip_hash(p->chain, tip);
    if (cj_relay_seen_add(p, tip)) {
        uint8_t *b = NULL;
        size_t len = 0;
        if (cj_chain_block_bytes(p->chain, cj_chain_height(p->chain), &b, &len, h) == CJ_CHAIN_OK) {
            cj_relay_block(p, b, len, NULL);
            free(b);
        }
    }
    for (peer *pe = p->peers; pe != NULL; pe = pe->next)
        if (pe->st == PS_READY)
            cj_sync_send_status(pe);
}
