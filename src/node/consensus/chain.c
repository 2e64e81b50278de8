/* The chain object: status names, options, the genesis block and its parameter commitment, open/close
 * with recovery, and the read-only queries (interface in chain.h, rules in docs/CHAIN.md). */
#include "chain_impl.h"

/* ------------------------------------------------------------------------------------------------ */
/* small helpers                                                                                     */

static const char *const STATUS_NAMES[] = {
    [CJ_CHAIN_OK] = "ok",
    [CJ_CHAIN_INTERNAL] = "internal",
    [CJ_CHAIN_BAD_ARG] = "bad-argument",
    [CJ_CHAIN_GENESIS_MISMATCH] = "genesis-mismatch",
    [CJ_CHAIN_NOT_FOUND] = "not-found",
    [CJ_CHAIN_NOT_VALIDATOR] = "not-validator",
    [CJ_CHAIN_TOO_LARGE] = "too-large",
    [CJ_CHAIN_DECODE] = "decode",
    [CJ_CHAIN_KNOWN] = "known",
    [CJ_CHAIN_ORPHAN] = "orphan",
    [CJ_CHAIN_BAD_HEADER] = "bad-header",
    [CJ_CHAIN_BAD_HEIGHT] = "bad-height",
    [CJ_CHAIN_BAD_TIMESTAMP] = "bad-timestamp",
    [CJ_CHAIN_FUTURE] = "future",
    [CJ_CHAIN_BAD_PROPOSER] = "bad-proposer",
    [CJ_CHAIN_BAD_SEAL] = "bad-seal",
    [CJ_CHAIN_BAD_MERKLE] = "bad-merkle",
    [CJ_CHAIN_BAD_POW] = "bad-pow",
    [CJ_CHAIN_BAD_TX] = "bad-tx",
    [CJ_CHAIN_BAD_STATE_ROOT] = "bad-state-root",
    [CJ_CHAIN_REORG_TOO_DEEP] = "reorg-too-deep",
    [CJ_CHAIN_BAD_VOTE] = "bad-vote",
    [CJ_CHAIN_SIDE_TOO_DEEP] = "side-too-deep",
    [CJ_CHAIN_SIDE_LIMIT] = "side-limit",
};

/* Stable short names for logs, metrics labels and API errors. */
const char *cj_chain_status_name(cj_chain_status s)
{
    if ((unsigned)s < sizeof STATUS_NAMES / sizeof STATUS_NAMES[0] && STATUS_NAMES[s]) return STATUS_NAMES[s];
    return "unknown";
}

/* Verdicts that mean the block breaks a rule: everything but OK, KNOWN, ORPHAN and FUTURE (may become
 * valid), REORG_TOO_DEEP, SIDE_TOO_DEEP and SIDE_LIMIT (valid blocks this node does not store or switch to;
 * an honest peer may relay them), INTERNAL and BAD_ARG (our side). */
int cj_chain_status_is_invalid(cj_chain_status s)
{
    return s != CJ_CHAIN_OK && s != CJ_CHAIN_KNOWN && s != CJ_CHAIN_ORPHAN && s != CJ_CHAIN_FUTURE &&
           s != CJ_CHAIN_INTERNAL && s != CJ_CHAIN_BAD_ARG && s != CJ_CHAIN_REORG_TOO_DEEP &&
           s != CJ_CHAIN_SIDE_TOO_DEEP && s != CJ_CHAIN_SIDE_LIMIT;
}

/* Writes the reason into the caller's buffer (if any) and returns st, so callers `return cj_chain_fail(...)`. */
cj_chain_status cj_chain_fail(cj_chain_status st, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}


/* Defaults (docs/CHAIN.md "Node parameters"). */
void cj_chain_options_default(cj_chain_options *o)
{
    o->max_future_ms = 15000;
    o->clock_tolerance_ms = 0; /* min(250, block_time / 2) */
    o->max_reorg_depth = 100;
    o->max_block_txs = COINJECTURE_MAX_TX_PER_BLOCK;
    o->sync_full = 1;
}

/* ------------------------------------------------------------------------------------------------ */
/* genesis                                                                                           */

/* The genesis commitment: SHA-256 of the canonical encoding of every genesis parameter, the rules version
 * first (docs/CHAIN.md "Genesis"). */
static void genesis_params_hash(const cj_genesis *g, uint8_t out[32])
{
    static const char tag[] = "coinjecture-genesis-v2";
    coinjecture_sha256_ctx ctx;
    uint8_t b[8];
    (void)coinjecture_sha256_init(&ctx);
    (void)coinjecture_sha256_update(&ctx, (const uint8_t *)tag, sizeof tag - 1);
    le32_put(b, g->rules_version);
    (void)coinjecture_sha256_update(&ctx, b, 4);
    le64_put(b, g->chain_id);
    (void)coinjecture_sha256_update(&ctx, b, 8);
    size_t nl = strlen(g->network);
    uint8_t l = (uint8_t)nl;
    (void)coinjecture_sha256_update(&ctx, &l, 1);
    (void)coinjecture_sha256_update(&ctx, (const uint8_t *)g->network, nl);
    le64_put(b, (uint64_t)g->genesis_time);
    (void)coinjecture_sha256_update(&ctx, b, 8);
    le64_put(b, g->block_time_ms);
    (void)coinjecture_sha256_update(&ctx, b, 8);
    le64_put(b, g->epoch_length);
    (void)coinjecture_sha256_update(&ctx, b, 8);
    le32_put(b, (uint32_t)g->validator_count);
    (void)coinjecture_sha256_update(&ctx, b, 4);
    for (size_t i = 0; i < g->validator_count; i++) (void)coinjecture_sha256_update(&ctx, g->validators[i], 32);
    le32_put(b, (uint32_t)g->alloc_count);
    (void)coinjecture_sha256_update(&ctx, b, 4);
    for (size_t i = 0; i < g->alloc_count; i++) {
        (void)coinjecture_sha256_update(&ctx, g->allocs[i].pubkey, 32);
        le64_put(b, g->allocs[i].balance);
        (void)coinjecture_sha256_update(&ctx, b, 8);
    }
    (void)coinjecture_sha256_final(&ctx, out);
}

/* Sanity limits on a genesis struct (the parser enforces them too; the chain must not trust callers). */
static cj_chain_status genesis_check(const cj_genesis *g, char *err, size_t errlen)
{
    if (!g) return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "genesis is NULL");
    if (g->rules_version != CJ_GENESIS_RULES_VERSION)
        return cj_chain_fail(CJ_CHAIN_GENESIS_MISMATCH, err, errlen,
                             "the genesis is of chain rules %u (%s); this build implements rules %u only (docs/CHAIN.md: "
                             "the schedule counts from the parent block's time): write a new genesis file "
                             "(coinjecture-cli genesis) and init a new data dir", g->rules_version,
                             g->rules_version == 1 ? "no rules_version key" : "rules_version",
                             CJ_GENESIS_RULES_VERSION);
    if (g->validator_count == 0 || g->validator_count > CJ_GENESIS_MAX_VALIDATORS || !g->validators)
        return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "genesis needs 1..%u validators", CJ_GENESIS_MAX_VALIDATORS);
    if (g->alloc_count > CJ_GENESIS_MAX_ALLOCATIONS || (g->alloc_count && !g->allocs))
        return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "genesis allocations malformed");
    if (g->block_time_ms == 0 || g->block_time_ms > 86400000u)
        return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "block_time_ms out of range");
    if (g->epoch_length == 0 || g->epoch_length > (UINT64_C(1) << 40))
        return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "epoch_length must be 1..2^40");
    for (size_t i = 0; i < g->validator_count; i++)
        for (size_t j = i + 1; j < g->validator_count; j++)
            if (memcmp(g->validators[i], g->validators[j], 32) == 0)
                return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "genesis validators %zu and %zu are the same key", i, j);
    if (g->genesis_time < 0 || g->genesis_time > INT64_MAX / 2000)
        return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "genesis_time out of range");
    size_t nl = strnlen(g->network, sizeof g->network);
    if (nl == 0 || nl > CJ_GENESIS_MAX_NETWORK) return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "network name length");
    return CJ_CHAIN_OK;
}

/* Builds the genesis block: allocations into state (sums duplicates, overflow refused), commitment over
 * the parameters, extra_data = state root, encoded. */
static cj_chain_status genesis_build(const cj_genesis *g, cj_state *state, uint8_t **bytes, size_t *len,
                                    uint8_t hash[32], uint8_t root[32], char *err, size_t errlen)
{
    for (size_t i = 0; i < g->alloc_count; i++) {
        coinjecture_account a;
        cj_state_get(state, g->allocs[i].pubkey, &a);
        if (a.balance > UINT64_MAX - g->allocs[i].balance)
            return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "allocation %zu overflows a balance", i);
        a.balance += g->allocs[i].balance;
        if (cj_state_set(state, g->allocs[i].pubkey, &a) != 0)
            return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    }
    cj_state_root(state, root);
    coinjecture_block b;
    memset(&b, 0, sizeof b);
    b.header.codec_version = COINJECTURE_CODEC_VERSION;
    b.header.block_index = 0;
    b.header.timestamp = g->genesis_time * 1000;
    genesis_params_hash(g, b.header.commitment);
    b.header.extra_data_len = 32;
    memcpy(b.header.extra_data, root, 32);
    b.reveal.problem.problem_type = COINJECTURE_PROBLEM_SUBSET_SUM;
    b.reveal.problem.tier = CJ_POW_TIER;
    if (coinjecture_header_hash(&b.header, hash) != COINJ_OK ||
        coinjecture_block_encode_alloc(&b, bytes, len) != COINJ_OK)
        return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot encode genesis: %s", coinjecture_last_error_message());
    return CJ_CHAIN_OK;
}

/* ------------------------------------------------------------------------------------------------ */
/* open / close                                                                                      */

/* Frees everything the chain owns. */
void cj_chain_close(cj_chain *c)
{
    if (!c) return;
    cj_store_close(c->st);
    cj_state_free(c->state);
    cj_hmap_free(&c->ov.map);
    free(c->ov.e);
    free(c->jr);
    free(c->moved);
    cj_chain_release_move(c);
    free(c->reg.pk);
    free(c->reg.addr);
    free(c->reg.blocks);
    cj_hmap_free(&c->reg.map);
    cj_validators_vset_free(&c->gset);
    cj_validators_vset_free(&c->vs);
    cj_validators_tally_free(&c->tl);
    if (c->sk) sodium_free(c->sk);
    free(c);
}

/* Allocates the chain for g with its options and the validator key; nothing on disk yet. */
static cj_chain_status chain_new(const cj_genesis *g, const uint8_t *validator_sk64, const cj_chain_options *opt,
                                 cj_chain **out, char *err, size_t errlen)
{
    cj_chain *c = calloc(1, sizeof *c);
    if (!c) return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    *out = c;
    if (opt)
        c->opt = *opt;
    else
        cj_chain_options_default(&c->opt);
    if (c->opt.max_block_txs == 0 || c->opt.max_block_txs > COINJECTURE_MAX_TX_PER_BLOCK)
        c->opt.max_block_txs = COINJECTURE_MAX_TX_PER_BLOCK;
    c->chain_id = g->chain_id;
    c->genesis_ms = g->genesis_time * 1000;
    c->block_time_ms = g->block_time_ms;
    c->epoch_length = g->epoch_length;
    c->clock_tolerance_ms = c->opt.clock_tolerance_ms;
    if (c->clock_tolerance_ms == 0) c->clock_tolerance_ms = g->block_time_ms / 2 < 250 ? (uint32_t)(g->block_time_ms / 2) : 250;
    if (c->clock_tolerance_ms > c->opt.max_future_ms) c->clock_tolerance_ms = c->opt.max_future_ms;
    c->my_index = -1;
    c->gset.n = g->validator_count;
    c->gset.id = malloc(c->gset.n * sizeof *c->gset.id);
    if (!c->gset.id || cj_hmap_init(&c->ov.map, 1024) != 0 || cj_hmap_init(&c->reg.map, 64) != 0)
        return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    for (size_t i = 0; i < c->gset.n; i++) c->gset.id[i] = (uint32_t)i;
    if (!validator_sk64) return CJ_CHAIN_OK;
    if (!(c->sk = sodium_malloc(64))) return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    memcpy(c->sk, validator_sk64, 64);
    uint8_t pk[32], sk2[64];
    crypto_sign_ed25519_seed_keypair(pk, sk2, c->sk); /* the seed is the first half */
    sodium_memzero(sk2, sizeof sk2);
    if (memcmp(pk, c->sk + 32, 32) != 0)
        return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "validator secret key is inconsistent (seed vs public key)");
    memcpy(c->my_pk, pk, 32);
    (void)sodium_mprotect_readonly(c->sk);
    return CJ_CHAIN_OK;
}

/* Writes the genesis rows (block, canon, meta, allocations) into an empty store in one transaction. */
static int write_genesis(cj_chain *c, const cj_genesis *g, const cj_state *gstate, const uint8_t *gbytes,
                         size_t glen, const uint8_t groot[32])
{
    cj_store_block_info gi;
    memset(&gi, 0, sizeof gi);
    memcpy(gi.hash, c->genesis_hash, 32);
    gi.proposer = -1;
    gi.timestamp = c->genesis_ms;
    memcpy(gi.state_root, groot, 32);
    int64_t id = 0;
    uint8_t cid[8], rules[4];
    le64_put(cid, c->chain_id);
    le32_put(rules, g->rules_version);
    if (cj_store_begin(c->st) != 0) return -1;
    int bad = cj_store_block_put(c->st, &gi, gbytes, glen, &id) != 0 || cj_store_canon_set(c->st, 0, id) != 0 ||
              cj_store_undo_put(c->st, id, (const uint8_t *)"\0\0\0\0", 4) != 0 ||
              cj_store_meta_put(c->st, "genesis", c->genesis_hash, 32) != 0 ||
              cj_store_meta_put(c->st, "chain_id", cid, 8) != 0 || cj_store_meta_put(c->st, "rules", rules, 4) != 0;
    for (size_t i = 0; !bad && i < g->alloc_count; i++) {
        coinjecture_account a; /* duplicates were summed in the genesis state: write the sum */
        cj_state_get(gstate, g->allocs[i].pubkey, &a);
        bad = cj_store_account_put(c->st, g->allocs[i].pubkey, a.balance, a.nonce) != 0;
    }
    if (bad) {
        cj_store_rollback(c->st);
        return -1;
    }
    return cj_store_commit(c->st) != 0 ? -1 : 0;
}

/* Chain rules a data dir was made under: its meta "rules" (data dirs of rules 1 have none), 0 on a store
 * error; have says whether it holds a genesis at all. */
static uint32_t data_dir_rules(cj_chain *c, int have)
{
    uint8_t v[4];
    size_t len = 0;
    if (have != 1) return CJ_GENESIS_RULES_VERSION;
    int r = cj_store_meta_get(c->st, "rules", v, sizeof v, &len);
    if (r < 0) return 0;
    if (r == 0 || len != 4) return 1;
    return (uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 24;
}

/* Builds the genesis block from g, then writes it into a new store or checks that the store holds it. */
static cj_chain_status open_genesis(cj_chain *c, const cj_genesis *g, const char *data_dir, char *err,
                                    size_t errlen)
{
    uint8_t *gbytes = NULL, groot[32], stored[32];
    size_t glen = 0, slen = 0;
    cj_state *gstate = cj_state_new();
    cj_chain_status st = CJ_CHAIN_OK;
    if (!gstate) return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    st = genesis_build(g, gstate, &gbytes, &glen, c->genesis_hash, groot, err, errlen);
    if (st != CJ_CHAIN_OK) goto out;
    int have = cj_store_meta_get(c->st, "genesis", stored, sizeof stored, &slen);
    uint32_t rules = data_dir_rules(c, have);
    if (have < 0 || rules == 0)
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
    else if (have == 1 && rules != CJ_GENESIS_RULES_VERSION)
        st = cj_chain_fail(CJ_CHAIN_GENESIS_MISMATCH, err, errlen,
                           "data dir %s was made under chain rules %u; this build implements rules %u only "
                           "(docs/CHAIN.md): init a new data dir from a genesis file of rules %u and let it sync",
                           data_dir, rules, CJ_GENESIS_RULES_VERSION, CJ_GENESIS_RULES_VERSION);
    else if (have == 1 && (slen != 32 || memcmp(stored, c->genesis_hash, 32) != 0))
        st = cj_chain_fail(CJ_CHAIN_GENESIS_MISMATCH, err, errlen,
                           "data dir %s holds another chain (its genesis hash differs from this genesis file)",
                           data_dir);
    else if (have == 0 && write_genesis(c, g, gstate, gbytes, glen, groot) != 0)
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot write genesis: %s", cj_store_error(c->st));
out:
    coinjecture_buffer_free(gbytes);
    cj_state_free(gstate);
    return st;
}

/* Registers the genesis validators as ids 0..N-1 (data dirs from before votes have no rows). 0 or -1. */
static int load_registry(cj_chain *c, const cj_genesis *g)
{
    int bad = cj_store_vkeys_each(c->st, cj_validators_load_vkey, c) != 0;
    for (size_t i = 0; !bad && i < g->validator_count; i++) bad = cj_validators_reg_id(c, g->validators[i]) != (long)i;
    if (bad || cj_store_begin(c->st) != 0) return -1;
    for (size_t i = 0; !bad && i < g->validator_count; i++)
        bad = cj_store_vkey_put(c->st, (uint32_t)i, g->validators[i]) != 0;
    if (bad) {
        cj_store_rollback(c->st);
        return -1;
    }
    return cj_store_commit(c->st) != 0 ? -1 : 0;
}

/* The state root of the current state as the state after block `height`: every root the chain seals or
 * checks comes from here, the one place a test-only fault build (fault.c) bends it. */
void cj_chain_root_at(const cj_chain *c, uint64_t height, uint8_t out[32])
{
    cj_state_root(c->state, out);
#ifdef COINJECTURE_TEST_FAULTS
    cj_fault_state_root(c, height, out);
#else
    (void)height;
#endif
}

/* Loads the head, the accounts (checked against the head's state root) and the validator sets. */
static cj_chain_status load_head(cj_chain *c, const cj_genesis *g, char *err, size_t errlen)
{
    int64_t tip_id = 0;
    uint64_t tip_h = 0;
    if (cj_store_canon_tip(c->st, &tip_h, &tip_id) != 1 || cj_store_block_info_by_id(c->st, tip_id, &c->tip) != 1)
        return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot load the head: %s", cj_store_error(c->st));
    if (cj_apply_rebuild_state(c) != 0)
        return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot load accounts: %s", cj_store_error(c->st));
    uint8_t root[32];
    cj_chain_root_at(c, tip_h, root);
    if (memcmp(root, c->tip.state_root, 32) != 0)
        return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen,
                             "accounts do not match the state root of head %llu (corrupted data dir)",
                             (unsigned long long)tip_h);
    if (load_registry(c, g) != 0 || cj_validators_load_epoch_state(c) != 0)
        return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot load the validator sets: %s",
                             cj_store_error(c->st));
    return CJ_CHAIN_OK;
}

/* Creates or checks the genesis rows, loads the head, rebuilds and verifies the state. */
cj_chain_status cj_chain_open(const char *data_dir, const cj_genesis *g, const uint8_t *validator_sk64,
                              const cj_chain_options *opt, cj_chain **out, char *err, size_t errlen)
{
    if (out) *out = NULL;
    if (!data_dir || !out) return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "NULL argument");
    cj_chain_status st = genesis_check(g, err, errlen);
    if (st != CJ_CHAIN_OK) return st;
    if (sodium_init() < 0) return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "libsodium init failed");
    cj_chain *c = NULL;
    char serr[512];
    if ((st = chain_new(g, validator_sk64, opt, &c, err, errlen)) != CJ_CHAIN_OK) goto fail;
#ifdef COINJECTURE_TEST_FAULTS
    if ((st = cj_fault_init(c, err, errlen)) != CJ_CHAIN_OK) goto fail;
#endif
    if (cj_store_open(data_dir, c->opt.sync_full, &c->st, serr, sizeof serr) != 0) {
        st = cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", serr);
        goto fail;
    }
    if ((st = open_genesis(c, g, data_dir, err, errlen)) != CJ_CHAIN_OK) goto fail;
    if ((st = load_head(c, g, err, errlen)) != CJ_CHAIN_OK) goto fail;
    *out = c;
    return CJ_CHAIN_OK;
fail:
    cj_chain_close(c);
    return st;
}

/* open + close: creates the data dir with its genesis block. */
cj_chain_status cj_chain_init_datadir(const char *data_dir, const cj_genesis *g, char *err, size_t errlen)
{
    cj_chain *c = NULL;
    cj_chain_status st = cj_chain_open(data_dir, g, NULL, NULL, &c, err, errlen);
    cj_chain_close(c);
    return st;
}

/* ------------------------------------------------------------------------------------------------ */
/* accessors                                                                                         */

uint64_t cj_chain_height(const cj_chain *c) { return c ? c->tip.height : 0; }
int64_t cj_chain_tip_timestamp(const cj_chain *c) { return c ? c->tip.timestamp : 0; }
uint64_t cj_chain_tip_weight(const cj_chain *c) { return c ? c->tip.cum_weight : 0; }
size_t cj_chain_validator_count(const cj_chain *c) { return c ? c->vs.n : 0; }
long cj_chain_my_index(const cj_chain *c) { return c ? c->my_index : -1; }
uint64_t cj_chain_block_time_ms(const cj_chain *c) { return c ? c->block_time_ms : 0; }
uint32_t cj_chain_clock_tolerance_ms(const cj_chain *c) { return c ? c->clock_tolerance_ms : 0; }
uint32_t cj_chain_max_future_ms(const cj_chain *c) { return c ? c->opt.max_future_ms : 0; }
uint64_t cj_chain_chain_id(const cj_chain *c) { return c ? c->chain_id : 0; }
uint64_t cj_chain_account_count(const cj_chain *c) { return c ? cj_state_count(c->state) : 0; }

/* Tip hash (zeros without a chain). */
void cj_chain_tip_hash(const cj_chain *c, uint8_t out[32])
{
    memcpy(out, c ? c->tip.hash : ZERO32, 32);
}

/* Genesis hash (zeros without a chain). */
void cj_chain_genesis_hash(const cj_chain *c, uint8_t out[32])
{
    memcpy(out, c ? c->genesis_hash : ZERO32, 32);
}

/* State root committed by the tip block. */
void cj_chain_state_root(const cj_chain *c, uint8_t out[32])
{
    memcpy(out, c ? c->tip.state_root : ZERO32, 32);
}

/* Validator public key i. */
const uint8_t *cj_chain_validator(const cj_chain *c, size_t i)
{
    return c && i < c->vs.n ? c->reg.pk[c->vs.id[i]] : NULL;
}

/* Canonical blocks sealed by validator i since open. */
uint64_t cj_chain_validator_blocks(const cj_chain *c, size_t i)
{
    return c && i < c->vs.n ? c->reg.blocks[c->vs.id[i]] : 0;
}

/* Account at the tip from the in-memory tree. */
/* The tip's accounts, for readers that must not reach anything else of the chain. */
const cj_state *cj_chain_state(const cj_chain *c)
{
    return c ? c->state : NULL;
}

/* Frees the undone blocks the last tip move pointed to. */
void cj_chain_release_move(cj_chain *c)
{
    for (size_t i = 0; i < c->n_undone_blocks; i++) coinjecture_block_free(&c->undone_blocks[i]);
    free(c->undone_blocks);
    c->undone_blocks = NULL;
    c->n_undone_blocks = 0;
}

int cj_chain_account(const cj_chain *c, const uint8_t pubkey[32], coinjecture_account *out)
{
    if (!out) return 0;
    if (!c || !pubkey) {
        out->balance = out->nonce = 0;
        return 0;
    }
    return cj_state_get(c->state, pubkey, out);
}

/* Counters. */
void cj_chain_get_stats(const cj_chain *c, cj_chain_stats *out)
{
    if (!out) return;
    if (!c)
        memset(out, 0, sizeof *out);
    else
        *out = c->stats;
}

/* Loads and decodes a stored block by row id. */
static cj_chain_status load_block(cj_chain *c, int64_t id, cj_chain_block *out, char *err, size_t errlen)
{
    cj_store_block_info info;
    int r = cj_store_block_info_by_id(c->st, id, &info);
    if (r <= 0) return r == 0 ? CJ_CHAIN_NOT_FOUND : cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
    if (cj_store_block_data(c->st, id, &out->bytes, &out->len) != 1)
        return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
    if (coinjecture_block_decode(out->bytes, out->len, &out->block) != COINJ_OK) {
        free(out->bytes);
        memset(out, 0, sizeof *out);
        return cj_chain_fail(CJ_CHAIN_INTERNAL, err, errlen, "stored block %lld does not decode", (long long)id);
    }
    memcpy(out->hash, info.hash, 32);
    out->height = info.height;
    out->cum_weight = info.cum_weight;
    if (info.proposer >= 0 && (size_t)info.proposer < c->reg.n) {
        out->has_proposer = 1;
        memcpy(out->proposer, c->reg.pk[info.proposer], 32);
    }
    int64_t cid = 0;
    out->canonical = cj_store_canon_get(c->st, info.height, &cid) == 1 && cid == id;
    return CJ_CHAIN_OK;
}

/* Canonical block at height h. */
cj_chain_status cj_chain_block_by_height(cj_chain *c, uint64_t h, cj_chain_block *out)
{
    if (!out) return CJ_CHAIN_BAD_ARG;
    memset(out, 0, sizeof *out);
    if (!c) return CJ_CHAIN_BAD_ARG;
    int64_t id;
    int r = cj_store_canon_get(c->st, h, &id);
    if (r <= 0) return r == 0 ? CJ_CHAIN_NOT_FOUND : CJ_CHAIN_INTERNAL;
    return load_block(c, id, out, NULL, 0);
}

/* Any stored block by hash. */
cj_chain_status cj_chain_block_by_hash(cj_chain *c, const uint8_t hash[32], cj_chain_block *out)
{
    if (!out) return CJ_CHAIN_BAD_ARG;
    memset(out, 0, sizeof *out);
    if (!c || !hash) return CJ_CHAIN_BAD_ARG;
    cj_store_block_info info;
    int r = cj_store_block_info_by_hash(c->st, hash, &info);
    if (r <= 0) return r == 0 ? CJ_CHAIN_NOT_FOUND : CJ_CHAIN_INTERNAL;
    return load_block(c, info.id, out, NULL, 0);
}

/* Raw bytes of the canonical block at h. */
cj_chain_status cj_chain_block_bytes(cj_chain *c, uint64_t h, uint8_t **out, size_t *out_len, uint8_t out_hash[32])
{
    if (!out || !out_len) return CJ_CHAIN_BAD_ARG;
    *out = NULL;
    *out_len = 0;
    if (!c) return CJ_CHAIN_BAD_ARG;
    int64_t id;
    int r = cj_store_canon_get(c->st, h, &id);
    if (r <= 0) return r == 0 ? CJ_CHAIN_NOT_FOUND : CJ_CHAIN_INTERNAL;
    if (out_hash) {
        cj_store_block_info info;
        if (cj_store_block_info_by_id(c->st, id, &info) != 1) return CJ_CHAIN_INTERNAL;
        memcpy(out_hash, info.hash, 32);
    }
    return cj_store_block_data(c->st, id, out, out_len) == 1 ? CJ_CHAIN_OK : CJ_CHAIN_INTERNAL;
}

/* Releases a block from the lookups. */
void cj_chain_block_free(cj_chain_block *b)
{
    if (!b) return;
    coinjecture_block_free(&b->block);
    free(b->bytes);
    memset(b, 0, sizeof *b);
}

/* Confirmed tx: index row, then only its bytes are read from the block blob and decoded. */
cj_chain_status cj_chain_tx_by_hash(cj_chain *c, const uint8_t hash[32], cj_chain_tx *out)
{
    if (!out) return CJ_CHAIN_BAD_ARG;
    memset(out, 0, sizeof *out);
    if (!c || !hash) return CJ_CHAIN_BAD_ARG;
    uint64_t h;
    uint32_t idx, off, len;
    int r = cj_store_tx_get(c->st, hash, &h, &idx, &off, &len);
    if (r <= 0) return r == 0 ? CJ_CHAIN_NOT_FOUND : CJ_CHAIN_INTERNAL;
    int64_t id;
    cj_store_block_info info;
    if (cj_store_canon_get(c->st, h, &id) != 1 || cj_store_block_info_by_id(c->st, id, &info) != 1)
        return CJ_CHAIN_INTERNAL;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return CJ_CHAIN_INTERNAL;
    if (cj_store_block_slice(c->st, id, off, len, buf) != 0 || coinjecture_tx_decode(buf, len, &out->tx) != COINJ_OK) {
        free(buf);
        memset(out, 0, sizeof *out);
        return CJ_CHAIN_INTERNAL;
    }
    free(buf);
    uint8_t check[32];
    if (coinjecture_tx_hash(&out->tx, check) != COINJ_OK || memcmp(check, hash, 32) != 0) {
        coinjecture_tx_free(&out->tx);
        memset(out, 0, sizeof *out);
        return CJ_CHAIN_INTERNAL;
    }
    memcpy(out->hash, hash, 32);
    out->height = h;
    out->index = idx;
    memcpy(out->block_hash, info.hash, 32);
    out->block_timestamp = info.timestamp;
    return CJ_CHAIN_OK;
}

/* Releases a tx lookup. */
void cj_chain_tx_free(cj_chain_tx *t)
{
    if (!t) return;
    coinjecture_tx_free(&t->tx);
    memset(t, 0, sizeof *t);
}

/* Double-sign evidence, newest first. */
size_t cj_chain_evidence(cj_chain *c, cj_evidence *out, size_t max)
{
    if (!c || !out || max == 0) return 0;
    if (max > 1024) max = 1024;
    uint64_t *h = malloc(max * sizeof *h);
    uint8_t (*v)[32] = malloc(max * 32), (*a)[32] = malloc(max * 32), (*b)[32] = malloc(max * 32);
    int n = (h && v && a && b) ? cj_store_evidence_list(c->st, (int)max, h, v, a, b) : -1;
    for (int i = 0; i < n; i++) {
        out[i].height = h[i];
        memcpy(out[i].validator, v[i], 32);
        memcpy(out[i].hash_a, a[i], 32);
        memcpy(out[i].hash_b, b[i], 32);
    }
    free(h);
    free(v);
    free(a);
    free(b);
    return n > 0 ? (size_t)n : 0;
}
