/* Import of a block received from elsewhere: decode, checks, extend the tip or store a side block and
 * let fork choice decide; bulk-import durability. */
#include "chain_impl.h"

/* Toggles fsync-per-commit for bulk import; failures only cost speed, so they are logged, not returned. */
void cj_chain_set_bulk_import(cj_chain *c, int on)
{
    if (!c || c->bulk == !!on) return;
    if (!c->opt.sync_full) { /* already NORMAL: nothing to switch */
        c->bulk = !!on;
        return;
    }
    if (cj_store_set_sync(c->st, !on) != 0) {
        cj_log_warn("chain: cannot switch the commit durability: %s", cj_store_error(c->st));
        return;
    }
    c->bulk = !!on;
}

/* A FUTURE verdict: within max_future_ms the block is due once this clock reaches its timestamp minus the
 * tolerance (the caller holds it until then); beyond, it is refused and counted as rejected. */
static void note_future(cj_chain *c, const coinjecture_header *h, int64_t now_ms, cj_import_result *out)
{
    if ((uint64_t)(h->timestamp - now_ms) <= c->opt.max_future_ms) {
        out->due_ms = h->timestamp - (int64_t)c->clock_tolerance_ms;
        return;
    }
    out->due_ms = 0;
    c->stats.blocks_rejected++;
    c->stats.future_rejected++;
}

/* Decode, cheap checks, then either extend the tip, or store a side block and reorg if it is heavier. */
cj_chain_status cj_chain_import(cj_chain *c, const uint8_t *bytes, size_t len, const coinjecture_block *block,
                                int64_t now_ms, const cj_tx_source *src, cj_import_result *out, char *err,
                                size_t errlen)
{
    cj_import_result dummy;
    if (!out) out = &dummy;
    memset(out, 0, sizeof *out);
    out->bad_tx = -1;
    if (!c || (!bytes && len)) return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "NULL argument");
    cj_chain_release_move(c);
    if (len > COINJECTURE_MAX_BLOCK_SIZE) {
        c->stats.blocks_rejected++;
        return cj_chain_fail(CJ_CHAIN_TOO_LARGE, err, errlen, "%zu bytes > %u", len, COINJECTURE_MAX_BLOCK_SIZE);
    }
    coinjecture_block own;
    memset(&own, 0, sizeof own);
    if (!block && coinjecture_block_decode(bytes, len, &own) != COINJ_OK) {
        c->stats.blocks_rejected++;
        return cj_chain_fail(CJ_CHAIN_DECODE, err, errlen, "%s", coinjecture_last_error_message());
    }
    const coinjecture_block *bp = block ? block : &own;
#define b (*bp)
    cj_chain_status st;
    block_facts f;
    memset(&f, 0, sizeof f);
    vset side_set = {NULL, 0};
    const vset *set = &side_set;
    uint8_t hash[32];
    if (coinjecture_header_hash(&b.header, hash) != COINJ_OK) {
        st = cj_chain_fail(CJ_CHAIN_DECODE, err, errlen, "header cannot be hashed");
        goto done;
    }
    memcpy(out->hash, hash, 32);
    out->height = b.header.block_index;
    cj_store_block_info parent, known;
    int r = cj_store_block_info_by_hash(c->st, hash, &known);
    if (r != 0) {
        st = r < 0 ? cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st))
                   : cj_chain_fail(CJ_CHAIN_KNOWN, err, errlen, "block already stored");
        goto done;
    }
    r = cj_store_block_info_by_hash(c->st, b.header.parent_hash, &parent);
    if (r != 1) {
        st = r < 0 ? cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st))
                   : cj_chain_fail(CJ_CHAIN_ORPHAN, err, errlen, "parent unknown");
        goto done;
    }
    if (memcmp(parent.hash, c->tip.hash, 32) != 0 && c->tip.height > parent.height &&
        c->tip.height - parent.height > c->opt.max_reorg_depth) {
        /* a branch we could never switch to: not stored (a byzantine key could fill the store with old heights) */
        st = cj_chain_fail(CJ_CHAIN_SIDE_TOO_DEEP, err, errlen, "parent %llu is %llu blocks below the tip (max %u)",
                           (unsigned long long)parent.height, (unsigned long long)(c->tip.height - parent.height),
                           c->opt.max_reorg_depth);
        goto done;
    }
    if (memcmp(parent.hash, c->tip.hash, 32) == 0) {
        set = &c->vs;
    } else if (cj_validators_set_for_height(c, &parent, parent.height + 1, &side_set) != 0) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot derive the validator set of a side branch: %s",
                  cj_store_error(c->st));
        goto done;
    }
    st = cj_validate_header(c, &b, &parent, set, now_ms, &f, err, errlen);
    if (st != CJ_CHAIN_OK) goto done;

    if (memcmp(parent.hash, c->tip.hash, 32) == 0) {
        uint8_t old_tip[32];
        memcpy(old_tip, c->tip.hash, 32);
        st = cj_connect_block(c, &b, hash, bytes, len, &f, 0, src, &out->bad_tx, err, errlen);
        if (st == CJ_CHAIN_OK) {
            out->extended = 1;
            c->stats.blocks_imported++;
            cj_connect_note_move(c, old_tip, &b, &out->move);
        }
        goto done;
    }
    /* side branch: store it (header checks passed) unless its proposer has enough blocks at this height for
     * evidence already, then let fork choice decide */
    uint8_t same[CJ_CHAIN_MAX_SIDE_PER_SLOT][32];
    int nsame = cj_store_blocks_same_slot(c->st, b.header.block_index, (int32_t)f.proposer_id, hash, same,
                                          CJ_CHAIN_MAX_SIDE_PER_SLOT);
    if (nsame < 0) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
        goto done;
    }
    if (nsame >= CJ_CHAIN_MAX_SIDE_PER_SLOT) {
        st = cj_chain_fail(CJ_CHAIN_SIDE_LIMIT, err, errlen, "proposer %u has %d blocks at height %llu already",
                           (unsigned)f.proposer_id, nsame, (unsigned long long)b.header.block_index);
        goto done;
    }
    cj_store_block_info si;
    memset(&si, 0, sizeof si);
    memcpy(si.hash, hash, 32);
    memcpy(si.parent, parent.hash, 32);
    si.height = b.header.block_index;
    si.cum_weight = parent.cum_weight + f.weight;
    si.proposer = (int32_t)f.proposer_id;
    si.timestamp = b.header.timestamp;
    memcpy(si.state_root, b.header.extra_data, 32);
    if (cj_store_begin(c->st) != 0 || cj_store_block_put(c->st, &si, bytes, len, &si.id) != 0 ||
        cj_connect_store_block_vote(c, si.id, f.proposer_id, &b.header) != 0) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
        cj_store_rollback(c->st);
        goto done;
    }
    cj_connect_check_double_sign(c, si.height, f.proposer_id, hash);
    if (cj_store_commit(c->st) != 0) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
        cj_store_rollback(c->st);
        goto done;
    }
    if (!cj_fork_choice_better(c, si.cum_weight, hash)) {
        out->side = 1;
        st = CJ_CHAIN_OK;
        goto done;
    }
    st = cj_reorg_to(c, &si, src, out, err, errlen);
    if (st == CJ_CHAIN_OK) c->stats.blocks_imported++;
done:
    if (st == CJ_CHAIN_FUTURE) note_future(c, &b.header, now_ms, out);
    if (cj_chain_status_is_invalid(st) || st == CJ_CHAIN_REORG_TOO_DEEP || st == CJ_CHAIN_SIDE_TOO_DEEP ||
        st == CJ_CHAIN_SIDE_LIMIT)
        c->stats.blocks_rejected++;
    free(f.tx_hashes);
    cj_validators_vset_free(&side_set);
    coinjecture_block_free(&own);
    return st;
#undef b
}
