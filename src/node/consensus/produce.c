/* Block production: packing transactions against running state, the subset-sum proof, the vote,
 * the seal and the commit. */
#include "chain_impl.h"

/* ------------------------------------------------------------------------------------------------ */
/* production                                                                                        */

typedef struct {
    cj_chain *c;
    coinjecture_tx *txs;
    uint8_t (*hashes)[32];
    uint32_t n, max;
    size_t bytes, budget;
    uint64_t fees;
    uint32_t dropped;
} pack_ctx;

/* Block building callback: applies the source's next tx to running state; failures are dropped. */
static int pack_pick(void *vctx, const coinjecture_tx *tx, const uint8_t hash[32])
{
    pack_ctx *p = vctx;
    if (p->n >= p->max) return CJ_PICK_STOP;
    size_t sz = 0;
    if (coinjecture_tx_encode(tx, NULL, 0, &sz) != COINJ_ERROR_BUFFER_TOO_SMALL) {
        p->dropped++;
        return CJ_PICK_DROP;
    }
    if (p->bytes + sz > p->budget) return CJ_PICK_SKIP;
    coinjecture_tx_status ts;
    if (cj_apply_tx(p->c, tx, &p->fees, &ts, NULL, 0) != 0) {
        if (ts == COINJECTURE_TX_BAD_NONCE) return CJ_PICK_SKIP;
        p->dropped++;
        return CJ_PICK_DROP;
    }
    p->txs[p->n] = *tx;
    memcpy(p->hashes[p->n], hash, 32);
    p->n++;
    p->bytes += sz;
    return CJ_PICK_TAKE;
}

/* Takes transactions from src into p (running state in the overlay). 0, or -1 on out of memory. */
static int pack(cj_chain *c, const cj_tx_source *src, pack_ctx *p)
{
    memset(p, 0, sizeof *p);
    p->c = c;
    p->max = c->opt.max_block_txs;
    p->budget = COINJECTURE_MAX_BLOCK_SIZE - BLOCK_SIZE_RESERVE;
    size_t cap = src && src->count && src->select ? src->count(src->ctx) : 0;
    if (cap > p->max) cap = p->max;
    p->txs = malloc((cap ? cap : 1) * sizeof *p->txs);
    p->hashes = malloc((cap ? cap : 1) * sizeof *p->hashes);
    if (!p->txs || !p->hashes) return -1;
    if (p->max > cap) p->max = (uint32_t)cap;
    cj_apply_reset(&c->ov);
    if (cap) src->select(src->ctx, c->state, pack_pick, p);
    return 0;
}

/* Fills the header of block h (timestamp ts) over the packed transactions, solves the subset-sum problem,
 * casts a vote if one is due, seals, and encodes. 0 with *bytes (coinjecture_buffer_free), or -1. */
static int build_sealed(cj_chain *c, coinjecture_block *b, uint64_t h, int64_t ts, size_t me, const pack_ctx *p,
                        cj_vote *vote, int *voted, uint8_t hash[32], uint8_t **bytes, size_t *blen)
{
    coinjecture_header *hd = &b->header;
    hd->codec_version = COINJECTURE_CODEC_VERSION;
    hd->block_index = h;
    hd->timestamp = ts;
    memcpy(hd->parent_hash, c->tip.hash, 32);
    memcpy(hd->miner_address, c->reg.addr[c->vs.id[me]], 32);
    hd->difficulty_target = cj_schedule_turn_offset(c->vs.n, h, me) == 0 ? WEIGHT_IN_TURN : WEIGHT_OUT_OF_TURN;
    b->transactions = p->txs;
    b->tx_count = p->n;
    uint8_t es[32], sh[32];
    coinjecture_commitment cm;
    int ok = coinjecture_merkle_root((const uint8_t(*)[32])p->hashes, p->n, hd->merkle_root) == COINJ_OK &&
             coinjecture_epoch_salt(c->tip.hash, h, es) == COINJ_OK;
    ok = ok && cj_pow_search(es, 0, CJ_POW_MAX_TRIES, &b->reveal) == 1;
    ok = ok && coinjecture_miner_salt(c->sk, es, c->tip.hash, h, b->reveal.miner_salt) == COINJ_OK &&
         coinjecture_commitment_create(&b->reveal.problem, &b->reveal.solution, b->reveal.miner_salt, c->tip.hash, h,
                                       &cm) == COINJ_OK &&
         coinjecture_commitment_hash(&cm, hd->commitment) == COINJ_OK;
    hd->nonce = b->reveal.nonce;
    cj_chain_root_at(c, h, hd->extra_data); /* extra_data: state_root [|| vote] || seal */
    hd->extra_data_len = 32;
    *voted = cj_validators_choose_vote(c, vote);
    if (*voted) {
        hd->extra_data[32] = (uint8_t)vote->action;
        memcpy(hd->extra_data + 33, vote->key, 32);
        hd->extra_data_len = 32 + CJ_CHAIN_VOTE_LEN;
    }
    ok = ok && coinjecture_header_hash(hd, sh) == COINJ_OK &&
         crypto_sign_ed25519_detached(hd->extra_data + hd->extra_data_len, NULL, sh, 32, c->sk) == 0;
    hd->extra_data_len += SIG_LEN;
    ok = ok && coinjecture_header_hash(hd, hash) == COINJ_OK;
    ok = ok && coinjecture_block_encode_alloc(b, bytes, blen) == COINJ_OK;
    return ok ? 0 : -1;
}

/* Builds, solves, seals and commits the next block if this validator may seal it now. */
cj_chain_status cj_chain_produce(cj_chain *c, const cj_tx_source *src, int64_t now_ms, cj_produce_result *out, char *err,
                                 size_t errlen)
{
    cj_produce_result dummy;
    if (!out) out = &dummy;
    memset(out, 0, sizeof *out);
    if (!c) return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "NULL chain");
    cj_chain_release_move(c);
    if (!c->sk || c->my_index < 0)
        return cj_chain_fail(CJ_CHAIN_NOT_VALIDATOR, err, errlen, "this node has no validator key in the set");
    if (c->bulk) cj_chain_set_bulk_import(c, 0); /* a sealed block is committed as configured */
    uint64_t h = c->tip.height + 1;
    size_t me = (size_t)c->my_index;
    /* the block carries the time it is sealed at, never an earlier allowed one: after an outage the
     * chain resumes at now and goes on one block per block time (no backfill) */
    if (now_ms < cj_chain_earliest_ms(c, h, me)) return CJ_CHAIN_OK;
    int64_t ts = now_ms;

    pack_ctx p;
    coinjecture_block b;
    memset(&b, 0, sizeof b);
    uint8_t hash[32], *bytes = NULL;
    size_t blen = 0;
    cj_vote vote;
    int voted = 0;
    cj_chain_status st = CJ_CHAIN_OK;
    if (pack(c, src, &p) != 0) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
        goto out;
    }
    if (cj_apply_rewards(c, h, c->vs.id[me], p.fees) != 0 || cj_apply_to_state(c) != 0) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
        goto out;
    }
    if (build_sealed(c, &b, h, ts, me, &p, &vote, &voted, hash, &bytes, &blen) != 0) {
        cj_apply_revert_state(c);
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot build block %llu: %s", (unsigned long long)h,
                           coinjecture_last_error_message());
        goto out;
    }
    cj_store_block_info info;
    memset(&info, 0, sizeof info);
    memcpy(info.hash, hash, 32);
    memcpy(info.parent, c->tip.hash, 32);
    info.height = h;
    info.cum_weight = c->tip.cum_weight + b.header.difficulty_target;
    info.proposer = (int32_t)c->vs.id[me];
    info.timestamp = ts;
    memcpy(info.state_root, b.header.extra_data, 32);
    st = cj_connect_commit(c, &b, bytes, blen, &info, 0, (const uint8_t(*)[32])p.hashes, err, errlen);
    if (st != CJ_CHAIN_OK) {
        cj_apply_revert_state(c);
        goto out;
    }
    c->stats.blocks_produced++;
    out->produced = 1;
    memcpy(out->hash, hash, 32);
    out->height = h;
    out->tx_count = p.n;
    out->dropped_txs = p.dropped;
    out->nonce = b.reveal.nonce;
    out->voted = voted;
    if (voted) {
        out->vote = vote;
        char hx[65];
        (void)coinjecture_hex_encode(vote.key, 32, hx, sizeof hx);
        cj_log_info("block %llu carries my vote: %s %s", (unsigned long long)h, cj_chain_vote_action_name(vote.action),
                    hx);
    }
    cj_connect_note_move(c, b.header.parent_hash, &b, &out->move);
out:
    coinjecture_buffer_free(bytes);
    free(p.txs);
    free(p.hashes);
    return st;
}
