/* Reorganisation to a heavier branch: undo to the fork point, connect the branch, all or nothing,
 * bounded by max_reorg_depth. */
#include "chain_impl.h"

/* Moves the canonical chain to the branch ending at new_id (heavier than the tip): undo down to the fork
 * point, apply the branch, all in one outer store transaction. On failure everything is rolled back, the
 * offending block is deleted and the old tip stays. */
cj_chain_status cj_reorg_to(cj_chain *c, const cj_store_block_info *newtip, const cj_tx_source *src, cj_import_result *res,
                                char *err, size_t errlen)
{
    size_t maxb = (size_t)c->opt.max_reorg_depth + 2, nb = 0;
    int64_t *branch = malloc(maxb * sizeof *branch);
    if (!branch) return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    cj_store_block_info cur = *newtip;
    for (;;) {
        int64_t cid = 0;
        int r = cj_store_canon_get(c->st, cur.height, &cid);
        if (r < 0) {
            free(branch);
            return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
        }
        if (r == 1 && cid == cur.id) break; /* fork point */
        if (nb == maxb) {
            free(branch);
            return cj_chain_fail(CJ_CHAIN_REORG_TOO_DEEP, err, errlen, "side branch longer than %u blocks",
                        c->opt.max_reorg_depth);
        }
        branch[nb++] = cur.id;
        if (cj_store_block_info_by_hash(c->st, cur.parent, &cur) != 1) {
            free(branch);
            return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "side branch parent missing");
        }
    }
    uint64_t depth = c->tip.height - cur.height;
    if (depth > c->opt.max_reorg_depth) {
        free(branch);
        return cj_chain_fail(CJ_CHAIN_REORG_TOO_DEEP, err, errlen, "fork point %llu is %llu blocks below the tip",
                    (unsigned long long)cur.height, (unsigned long long)depth);
    }
    cj_store_block_info saved_tip = c->tip;
    cj_chain_stats saved_stats = c->stats;
    size_t saved_n = c->reg.n;
    uint64_t *saved_vb = malloc((saved_n ? saved_n : 1) * sizeof *saved_vb);
    if (!saved_vb || cj_store_begin(c->st) != 0) {
        free(branch);
        free(saved_vb);
        return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot start reorg");
    }
    memcpy(saved_vb, c->reg.blocks, saved_n * sizeof *saved_vb);
    c->jr_on = 1;
    c->jr_n = 0;
    cj_chain_status st = CJ_CHAIN_OK;
    int64_t failed_id = 0;
    while (st == CJ_CHAIN_OK && c->tip.height > cur.height) st = cj_connect_undo_tip(c, err, errlen);
    for (size_t i = nb; st == CJ_CHAIN_OK && i-- > 0;) {
        coinjecture_block b;
        block_facts f;
        uint8_t *data = NULL;
        size_t dlen = 0;
        cj_store_block_info bi;
        memset(&b, 0, sizeof b);
        memset(&f, 0, sizeof f);
        if (cj_store_block_info_by_id(c->st, branch[i], &bi) != 1 ||
            cj_store_block_data(c->st, branch[i], &data, &dlen) != 1 ||
            coinjecture_block_decode(data, dlen, &b) != COINJ_OK) {
            st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "side block unavailable");
        } else {
            st = cj_validate_header(c, &b, &c->tip, &c->vs, INT64_MAX, &f, err, errlen);
            if (st == CJ_CHAIN_OK)
                st = cj_connect_block(c, &b, bi.hash, data, dlen, &f, branch[i], src, &res->bad_tx, err, errlen);
            if (st != CJ_CHAIN_OK && st != CJ_CHAIN_INTERNAL) failed_id = branch[i];
        }
        free(f.tx_hashes);
        coinjecture_block_free(&b);
        free(data);
    }
    if (st == CJ_CHAIN_OK && cj_store_commit(c->st) != 0)
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
    if (st != CJ_CHAIN_OK) {
        cj_store_rollback(c->st);
        cj_apply_journal_revert(c);
        c->tip = saved_tip;
        c->stats = saved_stats;
        memcpy(c->reg.blocks, saved_vb, saved_n * sizeof *saved_vb);
        for (size_t i = saved_n; i < c->reg.n; i++) c->reg.blocks[i] = 0;
        if (cj_validators_load_epoch_state(c) != 0) cj_log_critical("chain: validator set unavailable after a failed reorg");
        if (failed_id && cj_store_begin(c->st) == 0) {
            if (cj_store_block_delete(c->st, failed_id) == 0)
                (void)cj_store_commit(c->st);
            else
                cj_store_rollback(c->st);
        }
    } else {
        c->stats.reorgs++;
        res->reorged = 1;
        res->reorg_depth = (uint32_t)depth;
        res->extended = 1;
        res->move.moved = 1;
        res->move.undone = (uint32_t)depth;
        memcpy(res->move.old_tip, saved_tip.hash, 32);
        cj_reorg_keep_undone(c, saved_tip.hash, depth, &res->move);
        char hx[65];
        (void)coinjecture_hex_encode(c->tip.hash, 32, hx, sizeof hx);
        cj_log_info("reorg: undid %llu blocks, new tip %llu %s", (unsigned long long)depth,
                    (unsigned long long)c->tip.height, hx);
    }
    c->jr_on = 0;
    c->jr_n = 0;
    free(branch);
    free(saved_vb);
    return st;
}

/* Walks the old branch down from its tip and keeps its blocks, decoded, lowest first. */
void cj_reorg_keep_undone(cj_chain *c, const uint8_t old_tip[32], uint64_t depth, cj_tip_move *m)
{
    cj_chain_release_move(c);
    if (depth == 0 || (c->undone_blocks = calloc(depth, sizeof *c->undone_blocks)) == NULL) return;
    uint8_t h[32];
    memcpy(h, old_tip, 32);
    for (uint64_t k = depth; k-- > 0;) { /* fill from the top: index depth-1 is the old tip */
        cj_store_block_info bi;
        uint8_t *data = NULL;
        size_t dlen = 0;
        int ok = cj_store_block_info_by_hash(c->st, h, &bi) == 1 && cj_store_block_data(c->st, bi.id, &data, &dlen) == 1 &&
                 coinjecture_block_decode(data, dlen, &c->undone_blocks[k]) == COINJ_OK;
        free(data);
        if (!ok) {
            c->n_undone_blocks = depth; /* the zeroed entries free as empty blocks */
            cj_chain_release_move(c);
            return;
        }
        memcpy(h, bi.parent, 32);
    }
    c->n_undone_blocks = depth;
    m->undone_blocks = c->undone_blocks;
}
