/* Double-sign protection in the running daemon: the sign-state guard (sign_state.c) fed from production, the
 * chain and evidence, and shown in logs, metrics and /v1/status. */
#include "sign_guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "node.h"
#include "p2p.h"
#include "sign_state.h"

#define MIN_WINDOW_MS 1000
#define SCAN_MAX 1024 /* blocks examined per tip move at most (a range-sync batch is 256) */

/* The watch window: configured, or one full round of turns plus one block time (at least 1 s). */
static int64_t sign_guard_window(const cj_node *n)
{
    if (n->cfg.double_sign_window_ms > 0)
        return (int64_t)n->cfg.double_sign_window_ms;
    uint64_t w = (cj_chain_validator_count(n->chain) + 1) * cj_chain_block_time_ms(n->chain);
    return w < MIN_WINDOW_MS ? MIN_WINDOW_MS : (int64_t)w;
}

/* Reports the outcome of a sign-state write: an error line when writes start failing (and the counter each
 * time), an info line when they work again. */
static void sign_guard_write_result(cj_node *n, int rc, const char *err)
{
    if (rc != 0) {
        cj_metrics_inc("sign_state_write_errors_total");
        if (!n->sign_write_failing)
            cj_log_error("sign-state: %s: the sealed blocks are committed, so a restart raises the sign-state from "
                         "the store; retrying with every block and every second",
                         err);
        n->sign_write_failing = 1;
    } else if (n->sign_write_failing) {
        cj_log_info("sign-state: written again (height %llu)", (unsigned long long)n->sign->rec.height);
        n->sign_write_failing = 0;
    }
}

/* Writes a pending record, if any. */
static void sign_guard_flush(cj_node *n)
{
    char err[600];
    if (!n->sign->dirty)
        return;
    sign_guard_write_result(n, cj_sign_state_flush(n->sign, err, sizeof err), err);
}

/* The highest block sealed by this node's key among the last `window` canonical blocks, shown to the guard;
 * returns what cj_sign_state_observe says (1: another instance is live). `trusted` blocks (our own store at
 * start) only raise the floor. */
static int sign_guard_scan(cj_node *n, uint64_t window, int trusted)
{
    long me = cj_chain_my_index(n->chain);
    size_t nv = cj_chain_validator_count(n->chain);
    if (me < 0 || window == 0 || nv == 0)
        return 0;
    cj_validator_activity *act = calloc(nv, sizeof *act);
    if (act == NULL)
        return 0;
    uint64_t tip = cj_chain_height(n->chain);
    int rc = 0;
    if (window > SCAN_MAX)
        window = SCAN_MAX;
    if (cj_chain_validator_activity(n->chain, window, act, nv) > (size_t)me && act[me].last_height > 0 &&
        act[me].last_height + window > tip) {
        cj_chain_block b;
        if (cj_chain_block_by_height(n->chain, act[me].last_height, &b) == CJ_CHAIN_OK) {
            int64_t now = cj_clock_wall_ms();
            rc = cj_sign_state_observe(n->sign, b.height, b.hash, trusted ? 0 : b.block.header.timestamp, now);
            if (rc == 1) {
                char hex[65];
                coinjecture_hex_encode(b.hash, 32, hex, sizeof hex);
                cj_metrics_inc("foreign_blocks_total");
                cj_log_error("block %llu %s is sealed by THIS node's validator key but was not made by this process: "
                             "another instance is live; sealing is held (docs/OPERATIONS.md, procedure F)",
                             (unsigned long long)b.height, hex);
            }
            cj_chain_block_free(&b);
        }
    }
    free(act);
    sign_guard_flush(n);
    return rc;
}

/* Opens the guard, raises it from the store, starts the watch. */
void cj_sign_guard_start(cj_node *n)
{
    if (!n->has_key || !n->cfg.consensus_enabled || n->sign != NULL)
        return;
    cj_metrics_register("sealing_blocked", CJ_METRIC_GAUGE,
                        "1 while this validator refuses to seal (sign-state, start-up watch, another instance).",
                        NULL, NULL, 0);
    cj_metrics_register("sign_refusals_total", CJ_METRIC_COUNTER,
                        "Refusals to seal by the double-sign protection, by reason.", "reason", NULL, 0);
    cj_metrics_register("sign_state_write_errors_total", CJ_METRIC_COUNTER,
                        "Failed writes of the sign-state file (retried; the store covers the gap).", NULL, NULL, 0);
    cj_metrics_register("foreign_blocks_total", CJ_METRIC_COUNTER,
                        "Recent blocks sealed by this node's validator key that this process did not make.", NULL,
                        NULL, 0);
    n->sign = calloc(1, sizeof *n->sign);
    if (n->sign == NULL) {
        cj_log_critical("sign-state: out of memory: this node will not seal");
        return;
    }
    int64_t now = cj_clock_wall_ms(), window = sign_guard_window(n);
    if (cj_sign_state_open(n->sign, n->cfg.data_dir, window, now) != 0) {
        cj_log_error("sign-state: %s: this node follows the chain but does not seal until the file is fixed or "
                     "reset (coinjectured reset-sign-state --data-dir %s --height H)",
                     n->sign->fault, n->cfg.data_dir);
        return;
    }
    uint64_t before = n->sign->rec.height;
    (void)sign_guard_scan(n, cj_chain_height(n->chain), 1);
    if (n->sign->rec.height > before)
        cj_log_info("sign-state: raised from %llu to %llu from the blocks this key sealed in the store",
                    (unsigned long long)before, (unsigned long long)n->sign->rec.height);
    n->sign_examined = cj_chain_height(n->chain);
    cj_log_info("sign-state: last signed height %llu; watching the network for another instance of this key for "
                "%lld ms before sealing",
                (unsigned long long)n->sign->rec.height, (long long)window);
}

/* The guard's verdict for height, logged once per reason and counted. */
int cj_sign_guard_may_seal(cj_node *n, uint64_t height, int64_t now_ms)
{
    static const char *const names[] = {"ok", "sign-state-unusable", "start-up-watch", "another-instance",
                                        "height-already-signed"};
    char why[900];
    if (n->sign == NULL)
        return n->has_key ? 0 : 1;
    cj_sign_verdict v = cj_sign_state_blocked(n->sign, height, now_ms, why, sizeof why);
    cj_metrics_set("sealing_blocked", v == CJ_SIGN_OK ? 0 : 1);
    if (v == CJ_SIGN_OK) {
        if (n->sign_logged != CJ_SIGN_OK && n->sign_logged != CJ_SIGN_WATCH)
            cj_log_info("sealing resumed at height %llu", (unsigned long long)height);
        n->sign_logged = CJ_SIGN_OK;
        return 1;
    }
    if ((int)v != n->sign_logged || (v == CJ_SIGN_FLOOR && height != n->sign_logged_height)) {
        const char *label[1] = {names[v]};
        cj_metrics_add_l("sign_refusals_total", label, 1);
        if (v == CJ_SIGN_WATCH)
            cj_log_info("not sealing yet: %s", why);
        else
            cj_log_error("sealing refused: %s", why);
        n->sign_logged = (int)v;
        n->sign_logged_height = height;
    }
    return 0;
}

/* Record first (durably), then the evidence detector; only then may the block leave the node. */
void cj_sign_guard_sealed(cj_node *n, const cj_produce_result *res)
{
    char err[600];
    if (n->sign == NULL || !res->produced)
        return;
    int rc = cj_sign_state_record(n->sign, res->height, res->hash, err, sizeof err);
    if (rc == -1)
        cj_log_critical("sign-state: %s (block %llu is committed)", err, (unsigned long long)res->height);
    else
        sign_guard_write_result(n, rc, err); /* -2: a failed write, pending and retried */
    n->sign_examined = res->height;
    cj_evidence_pool *pool = cj_p2p_evidence(n->p2p);
    cj_chain_block b;
    if (pool != NULL && cj_chain_block_by_height(n->chain, res->height, &b) == CJ_CHAIN_OK) {
        int rec = cj_evidence_observe(pool, n->chain, &b.block.header, n->pubkey, cj_clock_wall_ms());
        cj_chain_block_free(&b);
        if (rec == 1) /* another header of our key at this height was seen before: evidence, gossiped */
            cj_node_on_evidence(n, cj_evidence_get(pool, 0));
    }
}

/* Double signs the chain found between stored blocks (connect.c) travel like the wire's: each new one enters the
 * pool with both headers from the store, which makes it a record to report and gossip once. For every node. */
static void sign_guard_chain_evidence(cj_node *n)
{
    enum { MAXNEW = 64 };
    cj_chain_stats st;
    cj_chain_get_stats(n->chain, &st);
    uint64_t fresh = st.double_signs > n->chain_ev_seen ? st.double_signs - n->chain_ev_seen : 0;
    n->chain_ev_seen = st.double_signs;
    cj_evidence_pool *pool = cj_p2p_evidence(n->p2p);
    if (fresh == 0 || pool == NULL)
        return;
    cj_evidence *ev = calloc(MAXNEW, sizeof *ev);
    if (ev == NULL)
        return;
    size_t cnt = cj_chain_evidence(n->chain, ev, fresh < MAXNEW ? (size_t)fresh : MAXNEW);
    for (size_t i = cnt; i-- > 0;) { /* oldest first */
        cj_chain_block a, b;
        if (cj_chain_block_by_hash(n->chain, ev[i].hash_a, &a) != CJ_CHAIN_OK)
            continue;
        if (cj_chain_block_by_hash(n->chain, ev[i].hash_b, &b) == CJ_CHAIN_OK) {
            if (cj_evidence_add_pair(pool, n->chain, &a.block.header, &b.block.header, ev[i].validator,
                                     cj_clock_wall_ms()) == 1)
                cj_node_on_evidence(n, cj_evidence_get(pool, 0));
            cj_chain_block_free(&b);
        }
        cj_chain_block_free(&a);
    }
    free(ev);
}

/* Once a second: a pending sign-state write is retried, new chain evidence is gossiped. */
void cj_sign_guard_tick(cj_node *n)
{
    if (n->sign != NULL)
        sign_guard_flush(n);
    sign_guard_chain_evidence(n);
}

/* Examines the blocks the move brought (each once). */
void cj_sign_guard_tip_moved(cj_node *n, const cj_tip_move *m)
{
    sign_guard_chain_evidence(n);
    if (n->sign == NULL || m == NULL || !m->moved)
        return;
    uint64_t tip = cj_chain_height(n->chain);
    uint64_t window = tip > n->sign_examined ? tip - n->sign_examined : 0;
    if (m->undone > 0)
        window += (uint64_t)m->undone + 1; /* a reorg: the new branch's blocks below the old tip too */
    (void)sign_guard_scan(n, window, 0);
    n->sign_examined = tip;
}

/* Evidence against our own key holds sealing. */
void cj_sign_guard_on_evidence(cj_node *n, const cj_evidence_record *r)
{
    if (n->sign == NULL || memcmp(r->validator, n->pubkey, 32) != 0)
        return;
    cj_sign_state_conflict(n->sign, r->height, cj_clock_wall_ms());
    sign_guard_flush(n);
}

/* What /v1/status shows as "sealing" and "sealing_blocked". */
int cj_sign_guard_status(cj_node *n, char *why, size_t whylen)
{
    why[0] = '\0';
    if (!n->has_key || !n->cfg.consensus_enabled || cj_chain_my_index(n->chain) < 0)
        return 0;
    if (n->sign == NULL) {
        snprintf(why, whylen, "the sign-state guard could not start (out of memory)");
        return 0;
    }
    return cj_sign_state_blocked(n->sign, cj_chain_height(n->chain) + 1, cj_clock_wall_ms(), why, whylen) ==
           CJ_SIGN_OK;
}
