/* Block application: the per-block account overlay, state writes, the reorg journal and undo records
 * (docs/CHAIN.md "Block application"). */
#include "chain_impl.h"

/* ------------------------------------------------------------------------------------------------ */
/* state writes, journal, overlay                                                                    */

/* Every in-memory account write goes through here so a reorg can be rolled back from the journal. */
int cj_apply_state_write(cj_chain *c, const uint8_t pk[32], const coinjecture_account *a)
{
    if (c->jr_on) {
        if (c->jr_n == c->jr_cap) {
            size_t cap = c->jr_cap ? c->jr_cap * 2 : 256;
            journal_entry *t = realloc(c->jr, cap * sizeof *t);
            if (!t) return -1;
            c->jr = t;
            c->jr_cap = cap;
        }
        journal_entry *j = &c->jr[c->jr_n];
        memcpy(j->pk, pk, 32);
        cj_state_get(c->state, pk, &j->old);
        if (cj_state_set(c->state, pk, a) != 0) return -1;
        c->jr_n++;
        return 0;
    }
    return cj_state_set(c->state, pk, a);
}

/* Replaces the in-memory state with the accounts table (the store is the source of truth). */
static int load_account(void *ctx, const uint8_t pk[32], uint64_t balance, uint64_t nonce)
{
    coinjecture_account a = {balance, nonce};
    return cj_state_set(ctx, pk, &a) == 0 ? 0 : -1;
}

/* Builds the tree from the accounts table: used at open and if an in-memory rollback ran out of memory. */
int cj_apply_rebuild_state(cj_chain *c)
{
    cj_state *s = cj_state_new();
    if (!s) return -1;
    if (cj_store_accounts_each(c->st, load_account, s) != 0) {
        cj_state_free(s);
        return -1;
    }
    cj_state_free(c->state);
    c->state = s;
    return 0;
}

/* Undoes journaled writes newest first; falls back to a rebuild if memory runs out. */
void cj_apply_journal_revert(cj_chain *c)
{
    int broken = 0;
    for (size_t i = c->jr_n; i-- > 0;)
        if (cj_state_set(c->state, c->jr[i].pk, &c->jr[i].old) != 0) broken = 1;
    c->jr_n = 0;
    if (broken && cj_apply_rebuild_state(c) != 0)
        cj_log_critical("chain: cannot restore the account state after a failed reorg");
}

/* Starts a fresh overlay for the next block. */
void cj_apply_reset(overlay *o)
{
    cj_hmap_clear(&o->map);
    o->n = 0;
}

/* Index of pk in the overlay, loading it from the tree on first touch; -1 on OOM. */
static long ov_get(cj_chain *c, const uint8_t pk[32])
{
    overlay *o = &c->ov;
    void *v = cj_hmap_get(&o->map, pk);
    if (v) return (long)((uintptr_t)v - 1);
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 256;
        ov_entry *t = realloc(o->e, cap * sizeof *t);
        if (!t) return -1;
        o->e = t;
        o->cap = cap;
    }
    ov_entry *e = &o->e[o->n];
    memcpy(e->pk, pk, 32);
    cj_state_get(c->state, pk, &e->orig);
    e->cur = e->orig;
    if (cj_hmap_put(&o->map, pk, (void *)(uintptr_t)(o->n + 1)) != 0) return -1;
    return (long)o->n++;
}

/* Saturating credit (rewards: minting can never make a block invalid). */
static void credit_sat(coinjecture_account *a, uint64_t v)
{
    a->balance = a->balance > UINT64_MAX - v ? UINT64_MAX : a->balance + v;
}

/* Applies one transfer to the overlay, or leaves it untouched and says why it is invalid. The signature
 * is checked by the caller (once). Returns 0 or -1 with err set. */
int cj_apply_tx(cj_chain *c, const coinjecture_tx *tx, uint64_t *fees, coinjecture_tx_status *st, char *err,
                       size_t errlen)
{
    *st = COINJECTURE_TX_OK;
    if (tx->codec_version != COINJECTURE_CODEC_VERSION || tx->tx_type != COINJECTURE_TX_TRANSFER) {
        cj_chain_fail(CJ_CHAIN_BAD_TX, err, errlen, "codec_version %u / tx_type %u not allowed (only Transfer, codec 1)",
             tx->codec_version, tx->tx_type);
        *st = COINJECTURE_TX_BAD_SIGNATURE; /* any non-nonce verdict: the caller drops it */
        return -1;
    }
    long si = ov_get(c, tx->from);
    long ri = si < 0 ? -1 : ov_get(c, tx->to);
    if (si < 0 || ri < 0) {
        cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
        *st = COINJECTURE_TX_BAD_SIGNATURE;
        return -1;
    }
    ov_entry *s = &c->ov.e[si], *r = &c->ov.e[ri];
    coinjecture_tx_result res;
    if (coinjecture_tx_check_rules(tx, &s->cur, &res) != COINJ_OK) {
        *st = res.status;
        cj_chain_fail(CJ_CHAIN_BAD_TX, err, errlen, "%s", coinjecture_last_error_message());
        return -1;
    }
    if (s->cur.nonce == UINT64_MAX) {
        *st = COINJECTURE_TX_AMOUNT_OVERFLOW;
        cj_chain_fail(CJ_CHAIN_BAD_TX, err, errlen, "sender nonce cannot be incremented");
        return -1;
    }
    if (si != ri && r->cur.balance > UINT64_MAX - tx->amount) {
        *st = COINJECTURE_TX_AMOUNT_OVERFLOW;
        cj_chain_fail(CJ_CHAIN_BAD_TX, err, errlen, "recipient balance would overflow");
        return -1;
    }
    if (*fees > UINT64_MAX - res.fee) {
        *st = COINJECTURE_TX_AMOUNT_OVERFLOW;
        cj_chain_fail(CJ_CHAIN_BAD_TX, err, errlen, "block fee total would overflow");
        return -1;
    }
    s->cur.balance -= res.total_cost;
    s->cur.nonce += 1;
    r->cur.balance += tx->amount; /* same entry when from == to: cannot overflow after the debit */
    *fees += res.fee;
    return 0;
}

/* Mints the block reward and splits the fees (proposer = registry id, treasury = genesis validators[0],
 * burn = nobody). */
int cj_apply_rewards(cj_chain *c, uint64_t height, uint32_t proposer, uint64_t fees)
{
    cj_fee_split split;
    cj_rewards_split(fees, &split);
    long pi = ov_get(c, c->reg.pk[proposer]);
    if (pi < 0) return -1;
    uint64_t mint = cj_rewards_block(height);
    credit_sat(&c->ov.e[pi].cur, mint);
    credit_sat(&c->ov.e[pi].cur, split.proposer);
    long ti = ov_get(c, c->reg.pk[0]);
    if (ti < 0) return -1;
    credit_sat(&c->ov.e[ti].cur, split.treasury);
    return 0;
}

/* Writes the overlay into the tree; on OOM undoes what it wrote. */
int cj_apply_to_state(cj_chain *c)
{
    for (size_t i = 0; i < c->ov.n; i++) {
        ov_entry *e = &c->ov.e[i];
        if (e->cur.balance == e->orig.balance && e->cur.nonce == e->orig.nonce) continue;
        if (cj_apply_state_write(c, e->pk, &e->cur) != 0) {
            for (size_t j = i; j-- > 0;) {
                ov_entry *u = &c->ov.e[j];
                if (cj_apply_state_write(c, u->pk, &u->orig) != 0) (void)cj_apply_rebuild_state(c);
            }
            return -1;
        }
    }
    return 0;
}

/* Puts the pre-block values back into the tree (invalid state root, failed commit). */
void cj_apply_revert_state(cj_chain *c)
{
    for (size_t i = 0; i < c->ov.n; i++) {
        ov_entry *e = &c->ov.e[i];
        if (e->cur.balance == e->orig.balance && e->cur.nonce == e->orig.nonce) continue;
        if (cj_apply_state_write(c, e->pk, &e->orig) != 0) {
            if (cj_apply_rebuild_state(c) != 0) cj_log_critical("chain: cannot restore the account state");
            return;
        }
    }
}

/* Undo record: u32 count, then per changed account pubkey || le64 old balance || le64 old nonce. */
uint8_t *cj_apply_undo(const overlay *o, size_t *len)
{
    size_t n = 0;
    for (size_t i = 0; i < o->n; i++)
        if (o->e[i].cur.balance != o->e[i].orig.balance || o->e[i].cur.nonce != o->e[i].orig.nonce) n++;
    uint8_t *buf = malloc(4 + n * UNDO_ENTRY);
    if (!buf) return NULL;
    le32_put(buf, (uint32_t)n);
    uint8_t *p = buf + 4;
    for (size_t i = 0; i < o->n; i++) {
        const ov_entry *e = &o->e[i];
        if (e->cur.balance == e->orig.balance && e->cur.nonce == e->orig.nonce) continue;
        memcpy(p, e->pk, 32);
        le64_put(p + 32, e->orig.balance);
        le64_put(p + 40, e->orig.nonce);
        p += UNDO_ENTRY;
    }
    *len = 4 + n * UNDO_ENTRY;
    return buf;
}
