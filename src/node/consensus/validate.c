/* Validation of a block's header-level rules, cheapest first, and its byte layout (docs/CHAIN.md
 * "Validation"). */
#include "chain_impl.h"

/* ------------------------------------------------------------------------------------------------ */
/* validation                                                                                        */


/* The header hash the seal signs: the header with extra_data without its last 64 bytes (the signature). */
static int seal_hash(const coinjecture_header *h, uint8_t out[32])
{
    coinjecture_header tmp = *h;
    if (tmp.extra_data_len < 32 + SIG_LEN) return -1;
    tmp.extra_data_len -= SIG_LEN;
    return coinjecture_header_hash(&tmp, out) == COINJ_OK ? 0 : -1;
}

/* The one seal rule, shared by block validation and the P2P double-sign detector. */
int cj_chain_seal_ok(const coinjecture_header *h, const uint8_t pubkey[32])
{
    uint8_t sh[32];
    if (h == NULL || pubkey == NULL ||
        (h->extra_data_len != CJ_CHAIN_EXTRA_PLAIN && h->extra_data_len != CJ_CHAIN_EXTRA_VOTE))
        return 0;
    return seal_hash(h, sh) == 0 &&
           crypto_sign_ed25519_verify_detached(h->extra_data + h->extra_data_len - SIG_LEN, sh, 32, pubkey) == 0;
}

/* Every rule that needs only the block and its parent's header, cheapest first (docs/CHAIN.md
 * "Validation" steps 5-15), under `set`, the validator set in force at the block's height on its branch,
 * then the local clock rule (step 16). now_ms = INT64_MAX skips the clock rule (re-validation during a
 * reorg). */
cj_chain_status cj_validate_header(cj_chain *c, const coinjecture_block *b, const cj_store_block_info *parent,
                                    const vset *set, int64_t now_ms, block_facts *f, char *err, size_t errlen)
{
    const coinjecture_header *h = &b->header;
    memset(f, 0, sizeof *f);
    if (h->codec_version != COINJECTURE_CODEC_VERSION)
        return cj_chain_fail(CJ_CHAIN_BAD_HEADER, err, errlen, "codec_version %u", h->codec_version);
    if (h->extra_data_len != CJ_CHAIN_EXTRA_PLAIN && h->extra_data_len != CJ_CHAIN_EXTRA_VOTE)
        return cj_chain_fail(CJ_CHAIN_BAD_HEADER, err, errlen,
                    "extra_data is %u bytes, a sealed block has %u (%u with a validator vote)", h->extra_data_len,
                    CJ_CHAIN_EXTRA_PLAIN, CJ_CHAIN_EXTRA_VOTE);
    if (b->cid) return cj_chain_fail(CJ_CHAIN_BAD_HEADER, err, errlen, "cid must be None");
    if (b->tx_count > COINJECTURE_MAX_TX_PER_BLOCK)
        return cj_chain_fail(CJ_CHAIN_BAD_HEADER, err, errlen, "%u transactions", b->tx_count);
    if (h->block_index != parent->height + 1)
        return cj_chain_fail(CJ_CHAIN_BAD_HEIGHT, err, errlen, "height %llu on a parent at %llu",
                    (unsigned long long)h->block_index, (unsigned long long)parent->height);
    if (h->timestamp <= parent->timestamp)
        return cj_chain_fail(CJ_CHAIN_BAD_TIMESTAMP, err, errlen, "timestamp %lld not after the parent's %lld",
                    (long long)h->timestamp, (long long)parent->timestamp);
    size_t p = set->n;
    for (size_t i = 0; i < set->n; i++)
        if (memcmp(c->reg.addr[set->id[i]], h->miner_address, 32) == 0) {
            p = i;
            break;
        }
    if (p == set->n)
        return cj_chain_fail(CJ_CHAIN_BAD_PROPOSER, err, errlen, "miner_address is not the address of a validator at height %llu",
                    (unsigned long long)h->block_index);
    int64_t earliest = cj_chain_schedule_earliest(parent->timestamp, c->block_time_ms, set->n, h->block_index, p);
    if (h->timestamp < earliest)
        return cj_chain_fail(CJ_CHAIN_BAD_TIMESTAMP, err, errlen,
                    "validator %zu may seal height %llu from %lld (parent %lld), block says %lld", p,
                    (unsigned long long)h->block_index, (long long)earliest, (long long)parent->timestamp,
                    (long long)h->timestamp);
    uint64_t weight = cj_schedule_turn_offset(set->n, h->block_index, p) == 0 ? WEIGHT_IN_TURN : WEIGHT_OUT_OF_TURN;
    if (h->difficulty_target != weight)
        return cj_chain_fail(CJ_CHAIN_BAD_HEADER, err, errlen, "difficulty_target %llu, expected weight %llu",
                    (unsigned long long)h->difficulty_target, (unsigned long long)weight);
    if (h->nonce != b->reveal.nonce) return cj_chain_fail(CJ_CHAIN_BAD_HEADER, err, errlen, "header nonce != reveal nonce");

    if (!cj_chain_seal_ok(h, c->reg.pk[set->id[p]]))
        return cj_chain_fail(CJ_CHAIN_BAD_SEAL, err, errlen, "seal does not verify under validator %zu", p);
    f->has_vote = cj_chain_header_vote(h, &f->vote) == 1;
    char why[128];
    if (f->has_vote && cj_validators_vote_check(c, set, &f->vote, why, sizeof why) != 0)
        return cj_chain_fail(CJ_CHAIN_BAD_VOTE, err, errlen, "%s", why);

    f->tx_hashes = malloc((b->tx_count ? b->tx_count : 1) * sizeof *f->tx_hashes);
    if (!f->tx_hashes) return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    for (uint32_t i = 0; i < b->tx_count; i++)
        if (coinjecture_tx_hash(&b->transactions[i], f->tx_hashes[i]) != COINJ_OK) {
            free(f->tx_hashes);
            f->tx_hashes = NULL;
            return cj_chain_fail(CJ_CHAIN_DECODE, err, errlen, "tx %u cannot be hashed", i);
        }
    uint8_t mr[32];
    if (coinjecture_merkle_root((const uint8_t(*)[32])f->tx_hashes, b->tx_count, mr) != COINJ_OK ||
        memcmp(mr, h->merkle_root, 32) != 0) {
        free(f->tx_hashes);
        f->tx_hashes = NULL;
        return cj_chain_fail(CJ_CHAIN_BAD_MERKLE, err, errlen, "merkle_root does not match the transactions");
    }

    uint8_t es[32], ch[32];
    coinjecture_commitment cm;
    char perr[256];
    if (coinjecture_epoch_salt(h->parent_hash, h->block_index, es) != COINJ_OK ||
        cj_pow_check(es, &b->reveal, perr, sizeof perr) != 0) {
        free(f->tx_hashes);
        f->tx_hashes = NULL;
        return cj_chain_fail(CJ_CHAIN_BAD_POW, err, errlen, "%s", perr);
    }
    if (coinjecture_commitment_create(&b->reveal.problem, &b->reveal.solution, b->reveal.miner_salt, h->parent_hash,
                                      h->block_index, &cm) != COINJ_OK ||
        coinjecture_commitment_hash(&cm, ch) != COINJ_OK || memcmp(ch, h->commitment, 32) != 0) {
        free(f->tx_hashes);
        f->tx_hashes = NULL;
        return cj_chain_fail(CJ_CHAIN_BAD_POW, err, errlen, "header commitment does not bind the reveal");
    }
    f->proposer = p;
    f->proposer_id = set->id[p];
    f->weight = weight;
    /* local rule, last of the header checks: the turn is judged on this node's clock, so a block that
     * is not due yet has passed every other header rule when it is held */
    if (now_ms != INT64_MAX && h->timestamp > now_ms && (uint64_t)(h->timestamp - now_ms) > c->clock_tolerance_ms) {
        free(f->tx_hashes);
        f->tx_hashes = NULL;
        return cj_chain_fail(CJ_CHAIN_FUTURE, err, errlen, "timestamp %lld is %lld ms ahead of this node's clock",
                             (long long)h->timestamp, (long long)(h->timestamp - now_ms));
    }
    return CJ_CHAIN_OK;
}

/* Byte offsets of each transaction inside the canonical block encoding (for the tx index); checks the
 * layout {header, transactions, reveal, cid} against the bytes. */
int cj_validate_tx_offsets(const coinjecture_block *b, const uint8_t *bytes, size_t len, uint32_t *off, uint32_t *sz)
{
    size_t hl = 0, tl = 0;
    if (coinjecture_header_encode(&b->header, NULL, 0, &hl) != COINJ_ERROR_BUFFER_TOO_SMALL) return -1;
    size_t pos = 1 + 7 + hl + 13;
    pos += b->tx_count < 16 ? 1 : b->tx_count < 65536 ? 3 : 5;
    for (uint32_t i = 0; i < b->tx_count; i++) {
        if (coinjecture_tx_encode(&b->transactions[i], NULL, 0, &tl) != COINJ_ERROR_BUFFER_TOO_SMALL) return -1;
        off[i] = (uint32_t)pos;
        sz[i] = (uint32_t)tl;
        pos += tl;
    }
    if (len < 8 || memcmp(bytes, "\x84\xa6header", 8) != 0 || pos + 7 > len ||
        memcmp(bytes + pos, "\xa6reveal", 7) != 0)
        return -1;
    return 0;
}
