/* Connecting a validated block to the tip (transactions, rewards, state root, commit) and undoing the
 * tip with its undo data; double-sign evidence found on the way. */
#include "chain_impl.h"

/* Records double-sign evidence if this validator already has another block at this height. */
void cj_connect_check_double_sign(cj_chain *c, uint64_t height, uint32_t proposer, const uint8_t hash[32])
{
    uint8_t other[MAX_EVIDENCE_SCAN][32];
    int n = cj_store_blocks_same_slot(c->st, height, (int32_t)proposer, hash, other, MAX_EVIDENCE_SCAN);
    for (int i = 0; i < n; i++) {
        if (cj_store_evidence_put(c->st, height, c->reg.pk[proposer], hash, other[i]) == 1) {
            c->stats.double_signs++;
            char ha[65], hb[65], hv[65];
            (void)coinjecture_hex_encode(hash, 32, ha, sizeof ha);
            (void)coinjecture_hex_encode(other[i], 32, hb, sizeof hb);
            (void)coinjecture_hex_encode(c->reg.pk[proposer], 32, hv, sizeof hv);
            cj_log_warn("double-sign evidence: validator %s sealed %s and %s at height %llu", hv, ha, hb,
                        (unsigned long long)height);
        }
    }
}

/* Stores what a newly stored block adds to the validator bookkeeping: its sealer's registry row and its
 * vote. Inside the caller's transaction. 0 or -1. */
int cj_connect_store_block_vote(cj_chain *c, int64_t id, uint32_t proposer, const coinjecture_header *h)
{
    cj_vote v;
    if (cj_store_vkey_put(c->st, proposer, c->reg.pk[proposer]) != 0) return -1;
    if (cj_chain_header_vote(h, &v) != 1) return 0;
    return cj_store_vote_put(c->st, id, (uint8_t)v.action, v.key, c->reg.pk[proposer]);
}

/* Writes an applied block (row if new, undo, canon entry, tx index, changed accounts) in one store
 * transaction and moves the tip. The overlay holds the block's state changes, already in the tree. */
cj_chain_status cj_connect_commit(cj_chain *c, const coinjecture_block *b, const uint8_t *bytes, size_t len,
                                    const cj_store_block_info *info, int64_t existing_id,
                                    const uint8_t (*tx_hashes)[32], char *err, size_t errlen)
{
    size_t ulen = 0;
    uint8_t *undo = cj_apply_undo(&c->ov, &ulen);
    uint32_t *off = malloc((b->tx_count ? b->tx_count : 1) * sizeof *off);
    uint32_t *sz = malloc((b->tx_count ? b->tx_count : 1) * sizeof *sz);
    cj_chain_status st = CJ_CHAIN_OK;
    vset nvs = {NULL, 0};
    if (!undo || !off || !sz) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
        goto out;
    }
    if (cj_validate_tx_offsets(b, bytes, len, off, sz) != 0) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "unexpected block layout");
        goto out;
    }
    if (cj_store_begin(c->st) != 0) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
        goto out;
    }
    int64_t id = existing_id;
    int bad = 0;
    if (!id) { /* a block undone earlier and made again identically is already stored */
        cj_store_block_info known;
        int r = cj_store_block_info_by_hash(c->st, info->hash, &known);
        if (r == 1) id = existing_id = known.id;
        bad = r < 0;
    }
    if (!bad && !id) bad = cj_store_block_put(c->st, info, bytes, len, &id) != 0;
    bad = bad || cj_store_undo_put(c->st, id, undo, ulen) != 0 || cj_store_canon_set(c->st, info->height, id) != 0;
    for (uint32_t i = 0; !bad && i < b->tx_count; i++)
        bad = cj_store_tx_put(c->st, tx_hashes[i], info->height, i, off[i], sz[i]) != 0;
    for (size_t i = 0; !bad && i < c->ov.n; i++) {
        const ov_entry *e = &c->ov.e[i];
        if (e->cur.balance == e->orig.balance && e->cur.nonce == e->orig.nonce) continue;
        bad = cj_store_account_put(c->st, e->pk, e->cur.balance, e->cur.nonce) != 0;
    }
    uint32_t pid = (uint32_t)info->proposer;
    bad = bad || cj_connect_store_block_vote(c, id, pid, &b->header) != 0;
    if (!bad && !existing_id) cj_connect_check_double_sign(c, info->height, pid, info->hash);
    /* epoch bookkeeping: the vote joins the tally; after an epoch's last block the next set is derived and
     * cached in this same transaction (memory is re-derived from the store if anything fails) */
    cj_vote v;
    int boundary = (info->height + 1) % c->epoch_length == 0;
    if (!bad && cj_chain_header_vote(&b->header, &v) == 1) bad = cj_validators_tally_add(&c->tl, &v, pid) != 0;
    if (!bad && boundary)
        bad = cj_validators_tally_apply(c, &c->tl, &c->vs, &nvs) != 0 || cj_validators_vset_store(c, info->hash, info->height, &nvs) != 0;
    if (bad) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "store: %s", cj_store_error(c->st));
        cj_store_rollback(c->st);
        (void)cj_validators_load_epoch_state(c);
        goto out;
    }
    if (cj_store_commit(c->st) != 0) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "commit: %s", cj_store_error(c->st));
        cj_store_rollback(c->st);
        (void)cj_validators_load_epoch_state(c);
        goto out;
    }
    c->tip = *info;
    c->tip.id = id;
    if (pid < c->reg.n) c->reg.blocks[pid]++;
    c->stats.txs_confirmed += b->tx_count;
    if (boundary) {
        vset old = c->vs;
        c->vs = nvs;
        nvs = old;
        cj_validators_tally_free(&c->tl);
        c->my_index = c->sk ? cj_validators_vset_find(c, &c->vs, c->my_pk) : -1;
        cj_validators_log_new_set(c, &nvs, info->height + 1);
    }
    cj_validators_prune_intents(c);
out:
    cj_validators_vset_free(&nvs);
    free(undo);
    free(off);
    free(sz);
    return st;
}

/* Applies a block whose static checks passed on top of the tip: transactions against running state
 * (signatures verified once: skipped when the pool already verified that exact tx), rewards, state root,
 * then commit. All or nothing. */
cj_chain_status cj_connect_block(cj_chain *c, const coinjecture_block *b, const uint8_t hash[32],
                                     const uint8_t *bytes, size_t len, const block_facts *f, int64_t existing_id,
                                     const cj_tx_source *src, long *bad_tx, char *err, size_t errlen)
{
    *bad_tx = -1;
    cj_apply_reset(&c->ov);
    uint64_t fees = 0;
    char terr[256];
    /* signatures first, in parallel, skipping the ones the pool verified (pending or recently confirmed:
     * a reorg re-applies the same transactions); the verdict is still the first failure in block order */
    uint8_t *need = b->tx_count ? malloc(b->tx_count) : NULL;
    if (b->tx_count && !need) return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    for (uint32_t i = 0; i < b->tx_count; i++)
        need[i] = !(src && src->sig_verified && src->sig_verified(src->ctx, f->tx_hashes[i]));
    size_t first_bad = cj_sigverify_first_bad(b->transactions, b->tx_count, need, 0);
    free(need);
    for (uint32_t i = 0; i < b->tx_count; i++) {
        const coinjecture_tx *tx = &b->transactions[i];
        if (i == first_bad) {
            *bad_tx = i;
            return cj_chain_fail(CJ_CHAIN_BAD_TX, err, errlen, "tx %u: bad signature", i);
        }
        coinjecture_tx_status ts;
        if (cj_apply_tx(c, tx, &fees, &ts, terr, sizeof terr) != 0) {
            *bad_tx = i;
            return cj_chain_fail(CJ_CHAIN_BAD_TX, err, errlen, "tx %u: %s", i, terr);
        }
    }
    if (cj_apply_rewards(c, b->header.block_index, f->proposer_id, fees) != 0 || cj_apply_to_state(c) != 0)
        return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    uint8_t root[32];
    cj_chain_root_at(c, b->header.block_index, root);
    if (memcmp(root, b->header.extra_data, 32) != 0) {
        cj_apply_revert_state(c);
        return cj_chain_fail(CJ_CHAIN_BAD_STATE_ROOT, err, errlen, "state root after the block differs from the sealed one");
    }
    cj_store_block_info info;
    memset(&info, 0, sizeof info);
    memcpy(info.hash, hash, 32);
    memcpy(info.parent, b->header.parent_hash, 32);
    info.height = b->header.block_index;
    info.cum_weight = c->tip.cum_weight + f->weight;
    info.proposer = (int32_t)f->proposer_id;
    info.timestamp = b->header.timestamp;
    memcpy(info.state_root, root, 32);
    cj_chain_status st =
        cj_connect_commit(c, b, bytes, len, &info, existing_id, (const uint8_t(*)[32])f->tx_hashes, err, errlen);
    if (st != CJ_CHAIN_OK) cj_apply_revert_state(c);
    return st;
}

/* Records the extension for the follow-up; the senders list lives in the chain until the next call. */
void cj_connect_note_move(cj_chain *c, const uint8_t old_tip[32], const coinjecture_block *b, cj_tip_move *m)
{
    memset(m, 0, sizeof *m);
    m->moved = 1;
    memcpy(m->old_tip, old_tip, 32);
    m->n_senders = b->tx_count;
    if (b->tx_count > c->moved_cap) {
        uint8_t(*grown)[32] = realloc(c->moved, b->tx_count * sizeof *grown);
        if (!grown) return; /* senders NULL: the follow-up prunes every sender */
        c->moved = grown;
        c->moved_cap = b->tx_count;
    }
    for (uint32_t i = 0; i < b->tx_count; i++) memcpy(c->moved[i], b->transactions[i].from, 32);
    m->senders = (const uint8_t(*)[32])c->moved;
}

/* Undoes the tip inside an open store transaction: accounts from the undo record, tx index, canon. */
cj_chain_status cj_connect_undo_tip(cj_chain *c, char *err, size_t errlen)
{
    if (c->tip.height == 0) return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "cannot undo genesis");
    uint8_t *undo = NULL, *data = NULL;
    size_t ulen = 0, dlen = 0;
    coinjecture_block b;
    memset(&b, 0, sizeof b);
    cj_chain_status st = CJ_CHAIN_OK;
    if (cj_store_undo_get(c->st, c->tip.id, &undo, &ulen) != 1 || ulen < 4 ||
        cj_store_block_data(c->st, c->tip.id, &data, &dlen) != 1 ||
        coinjecture_block_decode(data, dlen, &b) != COINJ_OK) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "undo data of block %llu unavailable",
                  (unsigned long long)c->tip.height);
        goto out;
    }
    uint32_t n = (uint32_t)undo[0] | (uint32_t)undo[1] << 8 | (uint32_t)undo[2] << 16 | (uint32_t)undo[3] << 24;
    if ((size_t)n * UNDO_ENTRY + 4 != ulen) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "undo data of block %llu malformed",
                  (unsigned long long)c->tip.height);
        goto out;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *p = undo + 4 + (size_t)i * UNDO_ENTRY;
        coinjecture_account a = {le64_get(p + 32), le64_get(p + 40)};
        if (cj_apply_state_write(c, p, &a) != 0 || cj_store_account_put(c->st, p, a.balance, a.nonce) != 0) {
            st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "undo: %s", cj_store_error(c->st));
            goto out;
        }
    }
    for (uint32_t i = 0; i < b.tx_count; i++) {
        uint8_t th[32];
        if (coinjecture_tx_hash(&b.transactions[i], th) != COINJ_OK || cj_store_tx_del(c->st, th) != 0) {
            st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "undo: tx index");
            goto out;
        }
    }
    cj_store_block_info parent;
    if (cj_store_canon_del(c->st, c->tip.height) != 0 ||
        cj_store_block_info_by_hash(c->st, c->tip.parent, &parent) != 1) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "undo: parent of block %llu missing",
                  (unsigned long long)c->tip.height);
        goto out;
    }
    uint8_t root[32];
    cj_chain_root_at(c, parent.height, root);
    if (memcmp(root, parent.state_root, 32) != 0) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "undo of block %llu does not restore the parent state root",
                  (unsigned long long)c->tip.height);
        goto out;
    }
    if (c->tip.proposer >= 0 && (size_t)c->tip.proposer < c->reg.n && c->reg.blocks[c->tip.proposer] > 0)
        c->reg.blocks[c->tip.proposer]--;
    c->tip = parent;
    if (cj_validators_load_epoch_state(c) != 0)
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "undo: cannot derive the validator set: %s", cj_store_error(c->st));
out:
    coinjecture_block_free(&b);
    free(undo);
    free(data);
    return st;
}

/* Public undo of the tip: one store transaction, in-memory state journaled so a failure leaves nothing. */
cj_chain_status cj_chain_undo_tip(cj_chain *c, char *err, size_t errlen)
{
    if (!c) return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "NULL chain");
    if (c->tip.height == 0) return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "cannot undo genesis");
    cj_store_block_info saved = c->tip;
    if (cj_store_begin(c->st) != 0) return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
    c->jr_on = 1;
    c->jr_n = 0;
    cj_chain_status st = cj_connect_undo_tip(c, err, errlen);
    if (st == CJ_CHAIN_OK && cj_store_commit(c->st) != 0)
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
    if (st != CJ_CHAIN_OK) {
        cj_store_rollback(c->st);
        cj_apply_journal_revert(c);
        if (c->tip.height != saved.height && saved.proposer >= 0 && (size_t)saved.proposer < c->reg.n)
            c->reg.blocks[saved.proposer]++;
        c->tip = saved;
        (void)cj_validators_load_epoch_state(c);
    }
    c->jr_on = 0;
    c->jr_n = 0;
    return st;
}
