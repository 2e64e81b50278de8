/* The chain: genesis, validation, atomic application with undo data, production, fork choice
 * (interface in chain.h, consensus rules in docs/CHAIN.md). */
#include "chain.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genesis.h"
#include "hmap.h"
#include "log.h"
#include "mempool.h"
#include "pow.h"
#include "rewards.h"
#include "sigverify.h"
#include "state.h"
#include "store.h"

#define SIG_LEN 64 /* extra_data ends with the Ed25519 seal; before it: state_root (32) [|| vote (33)] */
#define WEIGHT_IN_TURN 2u
#define WEIGHT_OUT_OF_TURN 1u
#define BLOCK_SIZE_RESERVE 65536u /* room kept for header, reveal and map overhead when packing txs */
#define UNDO_ENTRY 48u            /* pubkey 32 || le64 balance || le64 nonce */
#define MAX_EVIDENCE_SCAN 8

static const uint8_t ZERO32[32];

/* One account touched by the block being applied: value before the block and running value. */
typedef struct {
    uint8_t pk[32];
    coinjecture_account orig, cur;
} ov_entry;

/* Running state of one block: reads fall through to the tree, writes stay here until commit. */
typedef struct {
    cj_hmap map; /* pubkey -> (index + 1) */
    ov_entry *e;
    size_t n, cap;
} overlay;

/* Old value of an account, recorded while a multi-block operation (reorg) may need to be undone. */
typedef struct {
    uint8_t pk[32];
    coinjecture_account old;
} journal_entry;

/* Every key that was ever a validator, under a local id (genesis keys 0..N-1; persisted in validator_keys,
 * referenced by blocks.proposer). Append-only. */
typedef struct {
    uint8_t (*pk)[32];
    uint8_t (*addr)[32];
    uint64_t *blocks; /* canonical blocks sealed since open */
    size_t n, cap;
    cj_hmap map;      /* pubkey -> id + 1 */
} registry;

/* A validator set: registry ids in schedule order. */
typedef struct {
    uint32_t *id;
    size_t n;
} vset;

/* One pending proposal of an epoch and the distinct validators (registry ids) that voted for it. */
typedef struct {
    cj_vote v;
    uint32_t *voters;
    size_t nv, capv;
} proposal;

/* The tally of an epoch: proposals in the order they were first voted. */
typedef struct {
    proposal *p;
    size_t n, cap;
} tally;

struct cj_chain {
    cj_store *st;
    int bulk; /* cj_chain_set_bulk_import: commits without fsync */
    cj_state *state;
    cj_chain_options opt;
    uint64_t chain_id;
    int64_t genesis_ms;
    uint64_t block_time_ms, epoch_length;
    registry reg;
    vset gset;   /* the genesis set (ids 0..N-1) */
    vset vs;     /* the set in force at tip+1 */
    tally tl;    /* votes of the canonical blocks of tip+1's epoch up to the tip */
    cj_vote intents[CJ_CHAIN_MAX_VOTE_INTENTS];
    uint64_t intent_since[CJ_CHAIN_MAX_VOTE_INTENTS]; /* tip+1 when first seen satisfied, 0 = not satisfied */
    size_t n_intents, intent_next;
    uint8_t genesis_hash[32];
    uint8_t *sk; /* sodium_malloc'ed libsodium secret key, NULL for an observer */
    uint8_t my_pk[32];
    long my_index; /* index of my_pk in vs, -1 if absent or no key */
    cj_store_block_info tip;
    cj_chain_stats stats;
    overlay ov;
    journal_entry *jr;
    size_t jr_n, jr_cap;
    int jr_on;
};

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
};

/* Stable short names for logs, metrics labels and API errors. */
const char *cj_chain_status_name(cj_chain_status s)
{
    if ((unsigned)s < sizeof STATUS_NAMES / sizeof STATUS_NAMES[0] && STATUS_NAMES[s]) return STATUS_NAMES[s];
    return "unknown";
}

/* Writes the reason into the caller's buffer (if any) and returns st, so callers `return fail(...)`. */
static cj_chain_status fail(cj_chain_status st, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static cj_chain_status fail(cj_chain_status st, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* Little-endian stores/loads for the genesis commitment and undo records. */
static void le64_put(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t le64_get(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static void le32_put(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Defaults (docs/CHAIN.md "Node parameters"). */
void cj_chain_options_default(cj_chain_options *o)
{
    o->max_future_ms = 15000;
    o->max_reorg_depth = 100;
    o->max_block_txs = COINJECTURE_MAX_TX_PER_BLOCK;
    o->sync_full = 1;
}

/* ------------------------------------------------------------------------------------------------ */
/* state writes, journal, overlay                                                                    */

/* Every in-memory account write goes through here so a reorg can be rolled back from the journal. */
static int state_write(cj_chain *c, const uint8_t pk[32], const coinjecture_account *a)
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
static int rebuild_state(cj_chain *c)
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
static void journal_revert(cj_chain *c)
{
    int broken = 0;
    for (size_t i = c->jr_n; i-- > 0;)
        if (cj_state_set(c->state, c->jr[i].pk, &c->jr[i].old) != 0) broken = 1;
    c->jr_n = 0;
    if (broken && rebuild_state(c) != 0)
        cj_log_critical("chain: cannot restore the account state after a failed reorg");
}

/* Starts a fresh overlay for the next block. */
static void ov_reset(overlay *o)
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
static int ov_apply_tx(cj_chain *c, const coinjecture_tx *tx, uint64_t *fees, coinjecture_tx_status *st, char *err,
                       size_t errlen)
{
    *st = COINJECTURE_TX_OK;
    if (tx->codec_version != COINJECTURE_CODEC_VERSION || tx->tx_type != COINJECTURE_TX_TRANSFER) {
        fail(CJ_CHAIN_BAD_TX, err, errlen, "codec_version %u / tx_type %u not allowed (only Transfer, codec 1)",
             tx->codec_version, tx->tx_type);
        *st = COINJECTURE_TX_BAD_SIGNATURE; /* any non-nonce verdict: the caller drops it */
        return -1;
    }
    long si = ov_get(c, tx->from);
    long ri = si < 0 ? -1 : ov_get(c, tx->to);
    if (si < 0 || ri < 0) {
        fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
        *st = COINJECTURE_TX_BAD_SIGNATURE;
        return -1;
    }
    ov_entry *s = &c->ov.e[si], *r = &c->ov.e[ri];
    coinjecture_tx_result res;
    if (coinjecture_tx_check_rules(tx, &s->cur, &res) != COINJ_OK) {
        *st = res.status;
        fail(CJ_CHAIN_BAD_TX, err, errlen, "%s", coinjecture_last_error_message());
        return -1;
    }
    if (s->cur.nonce == UINT64_MAX) {
        *st = COINJECTURE_TX_AMOUNT_OVERFLOW;
        fail(CJ_CHAIN_BAD_TX, err, errlen, "sender nonce cannot be incremented");
        return -1;
    }
    if (si != ri && r->cur.balance > UINT64_MAX - tx->amount) {
        *st = COINJECTURE_TX_AMOUNT_OVERFLOW;
        fail(CJ_CHAIN_BAD_TX, err, errlen, "recipient balance would overflow");
        return -1;
    }
    if (*fees > UINT64_MAX - res.fee) {
        *st = COINJECTURE_TX_AMOUNT_OVERFLOW;
        fail(CJ_CHAIN_BAD_TX, err, errlen, "block fee total would overflow");
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
static int ov_rewards(cj_chain *c, uint64_t height, uint32_t proposer, uint64_t fees)
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
static int ov_to_state(cj_chain *c)
{
    for (size_t i = 0; i < c->ov.n; i++) {
        ov_entry *e = &c->ov.e[i];
        if (e->cur.balance == e->orig.balance && e->cur.nonce == e->orig.nonce) continue;
        if (state_write(c, e->pk, &e->cur) != 0) {
            for (size_t j = i; j-- > 0;) {
                ov_entry *u = &c->ov.e[j];
                if (state_write(c, u->pk, &u->orig) != 0) (void)rebuild_state(c);
            }
            return -1;
        }
    }
    return 0;
}

/* Puts the pre-block values back into the tree (invalid state root, failed commit). */
static void ov_revert_state(cj_chain *c)
{
    for (size_t i = 0; i < c->ov.n; i++) {
        ov_entry *e = &c->ov.e[i];
        if (e->cur.balance == e->orig.balance && e->cur.nonce == e->orig.nonce) continue;
        if (state_write(c, e->pk, &e->orig) != 0) {
            if (rebuild_state(c) != 0) cj_log_critical("chain: cannot restore the account state");
            return;
        }
    }
}

/* Undo record: u32 count, then per changed account pubkey || le64 old balance || le64 old nonce. */
static uint8_t *ov_undo(const overlay *o, size_t *len)
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

/* ------------------------------------------------------------------------------------------------ */
/* schedule                                                                                          */

/* slot(h) = genesis_time * 1000 + h * block_time_ms, saturating at INT64_MAX. */
int64_t cj_chain_slot_ms(const cj_chain *c, uint64_t h)
{
    if (!c) return INT64_MAX;
    uint64_t room = (uint64_t)(INT64_MAX - c->genesis_ms);
    if (h > room / c->block_time_ms) return INT64_MAX;
    return c->genesis_ms + (int64_t)(h * c->block_time_ms);
}

/* Position of validator i of an n-validator set after the in-turn one for height h: 0 in turn, 1..n-1 out
 * of turn. */
static uint64_t turn_offset(size_t n, uint64_t h, size_t i)
{
    return ((uint64_t)i + n - h % n) % n;
}

/* Earliest seal time of validator i of an n-validator set at height h: slot(h) + k * block_time. */
static int64_t earliest_in(const cj_chain *c, size_t n, uint64_t h, size_t i)
{
    if (i >= n) return INT64_MAX;
    int64_t slot = cj_chain_slot_ms(c, h);
    uint64_t delay = turn_offset(n, h, i) * c->block_time_ms;
    if (slot == INT64_MAX || delay > (uint64_t)(INT64_MAX - slot)) return INT64_MAX;
    return slot + (int64_t)delay;
}

/* Earliest seal time of validator i of the set in force at tip+1. */
int64_t cj_chain_earliest_ms(const cj_chain *c, uint64_t h, size_t i)
{
    if (!c) return INT64_MAX;
    return earliest_in(c, c->vs.n, h, i);
}

/* When this node may produce on the current tip. */
int64_t cj_chain_next_production_ms(const cj_chain *c)
{
    if (!c || !c->sk || c->my_index < 0) return INT64_MAX;
    int64_t e = cj_chain_earliest_ms(c, c->tip.height + 1, (size_t)c->my_index);
    int64_t after_parent = c->tip.timestamp == INT64_MAX ? INT64_MAX : c->tip.timestamp + 1;
    return e > after_parent ? e : after_parent;
}

/* ------------------------------------------------------------------------------------------------ */
/* validator registry, sets, votes and tallies (docs/CHAIN.md "Validator votes")                     */

/* Id of a key in the registry; registers it (memory only: callers persist ids they store) if new.
 * Returns the id or -1 on OOM. */
static long reg_id(cj_chain *c, const uint8_t pk[32])
{
    registry *r = &c->reg;
    void *v = cj_hmap_get(&r->map, pk);
    if (v) return (long)((uintptr_t)v - 1);
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        uint8_t (*npk)[32] = realloc(r->pk, cap * 32);
        if (!npk) return -1;
        r->pk = npk;
        uint8_t (*nad)[32] = realloc(r->addr, cap * 32);
        if (!nad) return -1;
        r->addr = nad;
        uint64_t *nb = realloc(r->blocks, cap * sizeof *nb);
        if (!nb) return -1;
        r->blocks = nb;
        r->cap = cap;
    }
    if (r->n >= UINT32_MAX || cj_hmap_put(&r->map, pk, (void *)(uintptr_t)(r->n + 1)) != 0) return -1;
    memcpy(r->pk[r->n], pk, 32);
    (void)coinjecture_derive_address(pk, r->addr[r->n]);
    r->blocks[r->n] = 0;
    return (long)r->n++;
}

/* Registry callback at open (rows in id order): ids come back exactly as stored. Ids of rows that were
 * rolled back leave gaps, filled with all-zero placeholders that no lookup can reach. */
static int load_vkey(void *ctx, uint32_t id, const uint8_t pk[32])
{
    cj_chain *c = ctx;
    static const uint8_t ZERO_KEY[32];
    if (id < c->reg.n || cj_hmap_get(&c->reg.map, pk)) return -1; /* duplicate id or key: corrupted */
    while (c->reg.n < id) {
        if (reg_id(c, ZERO_KEY) < 0) return -1;
        (void)cj_hmap_del(&c->reg.map, ZERO_KEY); /* placeholders stay out of the map */
    }
    return reg_id(c, pk) == (long)id ? 0 : -1;
}

/* Releases a set. */
static void vset_free(vset *s)
{
    free(s->id);
    s->id = NULL;
    s->n = 0;
}

/* dst = copy of src (dst released first). 0 or -1 on OOM. */
static int vset_copy(vset *dst, const vset *src)
{
    uint32_t *id = malloc((src->n ? src->n : 1) * sizeof *id);
    if (!id) return -1;
    if (src->n) memcpy(id, src->id, src->n * sizeof *id);
    vset_free(dst);
    dst->id = id;
    dst->n = src->n;
    return 0;
}

/* Index of registry id in s, or -1. */
static long vset_index(const vset *s, uint32_t id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->id[i] == id) return (long)i;
    return -1;
}

/* Index of a public key in s, or -1. */
static long vset_find(const cj_chain *c, const vset *s, const uint8_t pk[32])
{
    void *v = cj_hmap_get(&c->reg.map, pk);
    return v ? vset_index(s, (uint32_t)((uintptr_t)v - 1)) : -1;
}

/* Set from n concatenated keys (registering new ones). 0 or -1. */
static int vset_from_keys(cj_chain *c, const uint8_t *keys, size_t n, vset *out)
{
    vset s = {malloc((n ? n : 1) * sizeof(uint32_t)), n};
    if (!s.id) return -1;
    for (size_t i = 0; i < n; i++) {
        long id = reg_id(c, keys + 32 * i);
        if (id < 0) {
            free(s.id);
            return -1;
        }
        s.id[i] = (uint32_t)id;
    }
    vset_free(out);
    *out = s;
    return 0;
}

/* Persists the set that follows anchor, with registry rows for its keys, in the caller's transaction. */
static int vset_store(cj_chain *c, const uint8_t anchor[32], uint64_t anchor_height, const vset *s)
{
    uint8_t *keys = malloc((s->n ? s->n : 1) * 32);
    if (!keys) return -1;
    int bad = 0;
    for (size_t i = 0; i < s->n && !bad; i++) {
        memcpy(keys + 32 * i, c->reg.pk[s->id[i]], 32);
        bad = cj_store_vkey_put(c->st, s->id[i], c->reg.pk[s->id[i]]) != 0;
    }
    bad = bad || cj_store_vset_put(c->st, anchor, anchor_height, keys, s->n) != 0;
    free(keys);
    return bad ? -1 : 0;
}

/* Releases a tally. */
static void tally_free(tally *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->p[i].voters);
    free(t->p);
    memset(t, 0, sizeof *t);
}

/* Counts voter's vote once per (action, key). 0 or -1 on OOM. */
static int tally_add(tally *t, const cj_vote *v, uint32_t voter)
{
    proposal *p = NULL;
    for (size_t i = 0; i < t->n && !p; i++)
        if (t->p[i].v.action == v->action && memcmp(t->p[i].v.key, v->key, 32) == 0) p = &t->p[i];
    if (!p) {
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 8;
            proposal *np = realloc(t->p, cap * sizeof *np);
            if (!np) return -1;
            t->p = np;
            t->cap = cap;
        }
        p = &t->p[t->n++];
        memset(p, 0, sizeof *p);
        p->v = *v;
    }
    for (size_t j = 0; j < p->nv; j++)
        if (p->voters[j] == voter) return 0;
    if (p->nv == p->capv) {
        size_t cap = p->capv ? p->capv * 2 : 4;
        uint32_t *nv = realloc(p->voters, cap * sizeof *nv);
        if (!nv) return -1;
        p->voters = nv;
        p->capv = cap;
    }
    p->voters[p->nv++] = voter;
    return 0;
}

/* Orders proposals by key bytes (the order in which passing changes are applied). */
static int cmp_prop_key(const void *a, const void *b)
{
    return memcmp((*(const proposal *const *)a)->v.key, (*(const proposal *const *)b)->v.key, 32);
}

/* The set of the next epoch: passing adds (key order, appended) then passing removes (key order; never the
 * last validator). A proposal passes with more than half of s's validators. 0 or -1 on OOM. */
static int tally_apply(cj_chain *c, const tally *t, const vset *s, vset *out)
{
    size_t cap = s->n + t->n;
    vset r = {malloc((cap ? cap : 1) * sizeof(uint32_t)), s->n};
    const proposal **pass = malloc((t->n ? t->n : 1) * sizeof *pass);
    int bad = !r.id || !pass;
    if (!bad && s->n) memcpy(r.id, s->id, s->n * sizeof *r.id);
    for (int action = CJ_VOTE_ADD; !bad && action <= CJ_VOTE_REMOVE; action++) {
        size_t np = 0;
        for (size_t i = 0; i < t->n; i++)
            if ((int)t->p[i].v.action == action && 2 * t->p[i].nv > s->n) pass[np++] = &t->p[i];
        qsort(pass, np, sizeof *pass, cmp_prop_key);
        for (size_t i = 0; i < np && !bad; i++) {
            long id = reg_id(c, pass[i]->v.key);
            if (id < 0) {
                bad = 1;
                break;
            }
            long at = vset_index(&r, (uint32_t)id);
            if (action == CJ_VOTE_ADD && at < 0 && r.n < CJ_GENESIS_MAX_VALIDATORS) {
                r.id[r.n++] = (uint32_t)id;
            } else if (action == CJ_VOTE_REMOVE && at >= 0 && r.n > 1) {
                memmove(r.id + at, r.id + at + 1, (r.n - (size_t)at - 1) * sizeof *r.id);
                r.n--;
            }
        }
    }
    free(pass);
    if (bad) {
        free(r.id);
        return -1;
    }
    vset_free(out);
    *out = r;
    return 0;
}

/* Whether vote v may be cast under set s: 0, or -1 with the reason in why. */
static int vote_check(const cj_chain *c, const vset *s, const cj_vote *v, char *why, size_t whylen)
{
    long at = vset_find(c, s, v->key);
    if (v->action == CJ_VOTE_ADD) {
        if (at >= 0) return fail(CJ_CHAIN_BAD_VOTE, why, whylen, "add: the key is already a validator"), -1;
        if (!crypto_core_ed25519_is_valid_point(v->key))
            return fail(CJ_CHAIN_BAD_VOTE, why, whylen, "add: the key is not a valid Ed25519 public key"), -1;
        return 0;
    }
    if (v->action == CJ_VOTE_REMOVE) {
        if (at < 0) return fail(CJ_CHAIN_BAD_VOTE, why, whylen, "remove: the key is not a validator"), -1;
        if (s->n == 1) return fail(CJ_CHAIN_BAD_VOTE, why, whylen, "remove: cannot remove the last validator"), -1;
        return 0;
    }
    return fail(CJ_CHAIN_BAD_VOTE, why, whylen, "unknown vote action 0x%02x", (unsigned)v->action), -1;
}

/* extra_data layout (public: P2P and tools parse it too). */
int cj_chain_header_vote(const coinjecture_header *h, cj_vote *out)
{
    if (!h || !out) return -1;
    memset(out, 0, sizeof *out);
    if (h->extra_data_len == CJ_CHAIN_EXTRA_PLAIN) return 0;
    if (h->extra_data_len != CJ_CHAIN_EXTRA_VOTE) return -1;
    out->action = (cj_vote_action)h->extra_data[32];
    memcpy(out->key, h->extra_data + 33, 32);
    return 1;
}

/* Parses the config / CLI form of a vote. */
int cj_chain_vote_parse(const char *text, cj_vote *out)
{
    if (!text || !out) return -1;
    memset(out, 0, sizeof *out);
    const char *hex;
    if (strncmp(text, "add:", 4) == 0) {
        out->action = CJ_VOTE_ADD;
        hex = text + 4;
    } else if (strncmp(text, "remove:", 7) == 0) {
        out->action = CJ_VOTE_REMOVE;
        hex = text + 7;
    } else {
        return -1;
    }
    if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex += 2;
    if (strlen(hex) != 64 || coinjecture_hex_decode(hex, out->key, 32) != COINJ_OK) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
}

/* Names for logs and JSON. */
const char *cj_chain_vote_action_name(cj_vote_action a)
{
    return a == CJ_VOTE_ADD ? "add" : a == CJ_VOTE_REMOVE ? "remove" : "none";
}

/* Whether block info b is on the canonical chain (1), not (0), or the store failed (-1). */
static int is_canonical(cj_chain *c, const cj_store_block_info *b)
{
    int64_t cid = 0;
    int r = cj_store_canon_get(c->st, b->height, &cid);
    if (r < 0) return -1;
    return r == 1 && cid == b->id;
}

/* The ancestor at height h (<= from->height) of a stored block: parent links while off the canonical
 * chain, then the canonical index. 0 or -1. */
static int ancestor(cj_chain *c, const cj_store_block_info *from, uint64_t h, cj_store_block_info *out)
{
    cj_store_block_info cur = *from;
    while (cur.height > h) {
        int canon = is_canonical(c, &cur);
        if (canon < 0) return -1;
        if (canon) {
            int64_t id = 0;
            if (cj_store_canon_get(c->st, h, &id) != 1) return -1;
            return cj_store_block_info_by_id(c->st, id, out) == 1 ? 0 : -1;
        }
        if (cj_store_block_info_by_hash(c->st, cur.parent, &cur) != 1) return -1;
    }
    *out = cur;
    return 0;
}

/* Adds stored votes to a tally (the voter is registered: it sealed a block, so it was a validator). */
typedef struct {
    cj_chain *c;
    tally *t;
} tally_ctx;

/* Adds one stored vote (canonical-range callback and side-block path of branch_tally). */
static int tally_row(void *vctx, uint64_t height, uint8_t action, const uint8_t key[32], const uint8_t voter[32])
{
    tally_ctx *x = vctx;
    cj_vote v;
    (void)height;
    v.action = (cj_vote_action)action;
    memcpy(v.key, key, 32);
    long id = reg_id(x->c, voter);
    return id < 0 || tally_add(x->t, &v, (uint32_t)id) != 0 ? -1 : 0;
}

/* The tally of the blocks at heights [lo, top->height] on the branch ending at top, in height order:
 * off-canonical blocks one by one, the canonical part with one range query. 0 or -1. */
static int branch_tally(cj_chain *c, const cj_store_block_info *top, uint64_t lo, tally *out)
{
    tally t;
    memset(&t, 0, sizeof t);
    tally_ctx x = {c, &t};
    int64_t *side = NULL;
    size_t ns = 0, caps = 0;
    int bad = 0, have_canon = 0;
    cj_store_block_info cur = *top;
    while (!bad && cur.height >= lo) {
        int canon = is_canonical(c, &cur);
        if (canon != 0) {
            bad = canon < 0;
            have_canon = canon > 0;
            break;
        }
        if (ns == caps) {
            caps = caps ? caps * 2 : 16;
            int64_t *n2 = realloc(side, caps * sizeof *n2);
            if (!n2) {
                bad = 1;
                break;
            }
            side = n2;
        }
        side[ns++] = cur.id;
        if (cur.height == lo) break;
        if (cj_store_block_info_by_hash(c->st, cur.parent, &cur) != 1) bad = 1;
    }
    if (!bad && have_canon && cj_store_votes_canon(c->st, lo, cur.height, tally_row, &x) != 0) bad = 1;
    for (size_t i = ns; !bad && i-- > 0;) {
        uint8_t action, key[32], voter[32];
        int r = cj_store_vote_get(c->st, side[i], &action, key, voter);
        if (r < 0 || (r == 1 && tally_row(&x, 0, action, key, voter) != 0)) bad = 1;
    }
    free(side);
    if (bad) {
        tally_free(&t);
        return -1;
    }
    tally_free(out);
    *out = t;
    return 0;
}

/* The set of the epoch that follows anchor a (the last block of the previous epoch, height k*L - 1) on a's
 * branch: from the cache (vsets), else computed forward from the newest cached anchor below it (or
 * genesis) and cached. Iterative, so an old data dir without cache rows is fine. 0 or -1. */
static int anchor_set(cj_chain *c, const cj_store_block_info *a, vset *out)
{
    const uint64_t L = c->epoch_length;
    cj_store_block_info *todo = NULL, cur = *a;
    size_t n = 0, cap = 0;
    vset base = {NULL, 0}, next = {NULL, 0};
    int bad = 0;
    for (;;) {
        uint8_t *keys = NULL;
        size_t nk = 0;
        int r = cj_store_vset_get(c->st, cur.hash, &keys, &nk);
        if (r != 0) {
            bad = r < 0 || vset_from_keys(c, keys, nk, &base) != 0;
            free(keys);
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            cj_store_block_info *t2 = realloc(todo, cap * sizeof *t2);
            if (!t2) {
                bad = 1;
                break;
            }
            todo = t2;
        }
        todo[n++] = cur;
        if (cur.height + 1 <= L) { /* the first epoch's last block: the set before it is genesis's */
            bad = vset_copy(&base, &c->gset) != 0;
            break;
        }
        if (ancestor(c, &cur, cur.height - L, &cur) != 0) {
            bad = 1;
            break;
        }
    }
    tally t;
    memset(&t, 0, sizeof t);
    for (size_t i = n; !bad && i-- > 0;) {
        const cj_store_block_info *p = &todo[i];
        bad = branch_tally(c, p, p->height + 1 - L, &t) != 0 || tally_apply(c, &t, &base, &next) != 0;
        if (!bad) {
            bad = cj_store_begin(c->st) != 0;
            if (!bad && vset_store(c, p->hash, p->height, &next) != 0) {
                cj_store_rollback(c->st);
                bad = 1;
            } else if (!bad) {
                bad = cj_store_commit(c->st) != 0;
            }
        }
        vset tmp = base;
        base = next;
        next = tmp;
    }
    tally_free(&t);
    vset_free(&next);
    free(todo);
    if (bad) {
        vset_free(&base);
        return -1;
    }
    vset_free(out);
    *out = base;
    return 0;
}

/* The set in force at height h on the branch through top (a stored block at height >= h - 1). 0 or -1. */
static int set_for_height(cj_chain *c, const cj_store_block_info *top, uint64_t h, vset *out)
{
    const uint64_t L = c->epoch_length;
    if (h < L) return vset_copy(out, &c->gset);
    cj_store_block_info a;
    uint64_t ah = (h / L) * L - 1;
    if (top->height < ah || ancestor(c, top, ah, &a) != 0) return -1;
    return anchor_set(c, &a, out);
}

/* Called at every tip change: an intention the set in force satisfies is dropped once it has been satisfied
 * for max_reorg_depth blocks (a reorg can no longer undo the change); a reorg that undoes it re-arms it. */
static void prune_intents(cj_chain *c)
{
    size_t w = 0;
    uint64_t next = c->tip.height + 1;
    for (size_t i = 0; i < c->n_intents; i++) {
        long at = vset_find(c, &c->vs, c->intents[i].key);
        int done = c->intents[i].action == CJ_VOTE_ADD ? at >= 0 : at < 0;
        uint64_t since = c->intent_since[i];
        if (!done) {
            since = 0;
        } else if (since == 0 || since > next) {
            since = next;
        } else if (next - since >= c->opt.max_reorg_depth) {
            char hx[65];
            (void)coinjecture_hex_encode(c->intents[i].key, 32, hx, sizeof hx);
            cj_log_info("vote intention %s %s is satisfied and final: dropped",
                        cj_chain_vote_action_name(c->intents[i].action), hx);
            continue;
        }
        c->intents[w] = c->intents[i];
        c->intent_since[w++] = since;
    }
    c->n_intents = w;
    if (c->intent_next >= w) c->intent_next = 0;
}

/* Recomputes the set for tip+1, the current epoch's tally and my index from the store (at open, after an
 * undo, after a failed commit or reorg). 0 or -1. */
static int load_epoch_state(cj_chain *c)
{
    uint64_t h = c->tip.height + 1;
    vset s = {NULL, 0};
    tally t;
    memset(&t, 0, sizeof t);
    if (set_for_height(c, &c->tip, h, &s) != 0 || branch_tally(c, &c->tip, (h / c->epoch_length) * c->epoch_length,
                                                                  &t) != 0) {
        vset_free(&s);
        cj_log_critical("chain: cannot derive the validator set at height %llu: %s", (unsigned long long)h,
                        cj_store_error(c->st));
        return -1;
    }
    vset_free(&c->vs);
    c->vs = s;
    tally_free(&c->tl);
    c->tl = t;
    c->my_index = c->sk ? vset_find(c, &c->vs, c->my_pk) : -1;
    prune_intents(c);
    return 0;
}

/* Logs a new validator set at an epoch boundary. */
static void log_new_set(const cj_chain *c, const vset *old, uint64_t height)
{
    char hx[65];
    for (size_t i = 0; i < c->vs.n; i++)
        if (vset_index(old, c->vs.id[i]) < 0) {
            (void)coinjecture_hex_encode(c->reg.pk[c->vs.id[i]], 32, hx, sizeof hx);
            cj_log_info("validator set: %s added from height %llu", hx, (unsigned long long)height);
        }
    for (size_t i = 0; i < old->n; i++)
        if (vset_index(&c->vs, old->id[i]) < 0) {
            (void)coinjecture_hex_encode(c->reg.pk[old->id[i]], 32, hx, sizeof hx);
            cj_log_info("validator set: %s removed from height %llu", hx, (unsigned long long)height);
        }
}

/* The producer's vote: the first intention (round robin) valid under the set and not yet cast by me in this
 * epoch. 1 with *out, or 0. */
static int choose_vote(cj_chain *c, cj_vote *out)
{
    for (size_t k = 0; k < c->n_intents; k++) {
        size_t i = (c->intent_next + k) % c->n_intents;
        const cj_vote *v = &c->intents[i];
        if (vote_check(c, &c->vs, v, NULL, 0) != 0 || cj_chain_vote_cast(c, v)) continue;
        *out = *v;
        c->intent_next = (i + 1) % c->n_intents;
        return 1;
    }
    return 0;
}

/* ---- public views of sets, proposals and intentions ---- */

uint64_t cj_chain_epoch_length(const cj_chain *c) { return c ? c->epoch_length : 0; }
size_t cj_chain_votes_needed(const cj_chain *c) { return c ? c->vs.n / 2 + 1 : 0; }
size_t cj_chain_proposal_count(const cj_chain *c) { return c ? c->tl.n : 0; }

/* First height of the epoch after tip+1's epoch. */
uint64_t cj_chain_epoch_end(const cj_chain *c)
{
    if (!c) return 0;
    return ((c->tip.height + 1) / c->epoch_length + 1) * c->epoch_length;
}

/* Proposal i of the current tally. */
int cj_chain_proposal(const cj_chain *c, size_t i, cj_vote *vote, size_t *votes)
{
    if (!c || i >= c->tl.n) return -1;
    if (vote) *vote = c->tl.p[i].v;
    if (votes) *votes = c->tl.p[i].nv;
    return 0;
}

/* Voter j of proposal i. */
const uint8_t *cj_chain_proposal_voter(const cj_chain *c, size_t i, size_t j)
{
    if (!c || i >= c->tl.n || j >= c->tl.p[i].nv) return NULL;
    return c->reg.pk[c->tl.p[i].voters[j]];
}

/* Whether my key's vote for v is in the current tally. */
int cj_chain_vote_cast(const cj_chain *c, const cj_vote *v)
{
    if (!c || !v || !c->sk) return 0;
    void *mine = cj_hmap_get(&c->reg.map, c->my_pk);
    if (!mine) return 0;
    uint32_t me = (uint32_t)((uintptr_t)mine - 1);
    for (size_t i = 0; i < c->tl.n; i++) {
        const proposal *p = &c->tl.p[i];
        if (p->v.action != v->action || memcmp(p->v.key, v->key, 32) != 0) continue;
        for (size_t j = 0; j < p->nv; j++)
            if (p->voters[j] == me) return 1;
    }
    return 0;
}

/* The set in force at canonical height h. */
size_t cj_chain_validators_at(cj_chain *c, uint64_t h, uint8_t (*out)[32], size_t max)
{
    if (!c || h > c->tip.height + 1 || (max && !out)) return 0;
    vset s = {NULL, 0};
    if (h == c->tip.height + 1) {
        if (vset_copy(&s, &c->vs) != 0) return 0;
    } else if (h == 0) {
        if (vset_copy(&s, &c->gset) != 0) return 0;
    } else {
        int64_t id = 0;
        cj_store_block_info top;
        if (cj_store_canon_get(c->st, h - 1, &id) != 1 || cj_store_block_info_by_id(c->st, id, &top) != 1 ||
            set_for_height(c, &top, h, &s) != 0)
            return 0;
    }
    for (size_t i = 0; i < s.n && i < max; i++) memcpy(out[i], c->reg.pk[s.id[i]], 32);
    size_t n = s.n;
    vset_free(&s);
    return n;
}

/* Canonical rows collected for cj_chain_validator_activity. */
typedef struct {
    uint64_t *h;
    int32_t *p;
    int64_t *ts;
    size_t n, cap;
} act_rows;

/* Collects one canonical row. */
static int act_row(void *vctx, uint64_t height, int32_t proposer, int64_t timestamp)
{
    act_rows *r = vctx;
    if (r->n == r->cap) return -1;
    r->h[r->n] = height;
    r->p[r->n] = proposer;
    r->ts[r->n] = timestamp;
    r->n++;
    return 0;
}

/* Per-validator activity over the last window canonical blocks, using the set in force at each height. */
size_t cj_chain_validator_activity(cj_chain *c, uint64_t window, cj_validator_activity *out, size_t max)
{
    if (!c || !out || max == 0 || window == 0 || window > 100000) return 0;
    size_t n = max < c->vs.n ? max : c->vs.n;
    memset(out, 0, n * sizeof *out);
    if (c->tip.height == 0) return n;
    uint64_t lo = c->tip.height >= window ? c->tip.height - window + 1 : 1;
    act_rows r = {malloc(window * sizeof(uint64_t)), malloc(window * sizeof(int32_t)), malloc(window * sizeof(int64_t)),
                  0, (size_t)window};
    vset s = {NULL, 0};
    uint64_t s_epoch = UINT64_MAX;
    size_t ret = n;
    if (!r.h || !r.p || !r.ts || cj_store_canon_each(c->st, lo, c->tip.height, act_row, &r) != 0) ret = 0;
    for (size_t k = 0; ret && k < r.n; k++) {
        uint64_t h = r.h[k], e = h / c->epoch_length;
        if (e != s_epoch) {
            int64_t id = 0;
            cj_store_block_info top;
            if (cj_store_canon_get(c->st, h - 1, &id) != 1 || cj_store_block_info_by_id(c->st, id, &top) != 1 ||
                set_for_height(c, &top, h, &s) != 0) {
                ret = 0;
                break;
            }
            s_epoch = e;
        }
        uint32_t in_turn = s.n ? s.id[h % s.n] : UINT32_MAX;
        for (size_t i = 0; i < n; i++) {
            uint32_t id = c->vs.id[i];
            if (r.p[k] >= 0 && (uint32_t)r.p[k] == id) {
                out[i].blocks++;
                out[i].last_height = h;
                out[i].last_ms = r.ts[k];
            }
            if (in_turn == id) {
                out[i].in_turn++;
                if (r.p[k] < 0 || (uint32_t)r.p[k] != id) out[i].missed++;
            }
        }
    }
    vset_free(&s);
    free(r.h);
    free(r.p);
    free(r.ts);
    if (!ret) memset(out, 0, n * sizeof *out);
    return ret;
}

/* Registers a local vote intention after checking it against the set in force. */
cj_chain_status cj_chain_vote_intent_add(cj_chain *c, const cj_vote *v, char *err, size_t errlen)
{
    if (!c || !v) return fail(CJ_CHAIN_BAD_ARG, err, errlen, "NULL argument");
    if (v->action != CJ_VOTE_ADD && v->action != CJ_VOTE_REMOVE)
        return fail(CJ_CHAIN_BAD_ARG, err, errlen, "action must be add or remove");
    if (v->action == CJ_VOTE_ADD && !crypto_core_ed25519_is_valid_point(v->key))
        return fail(CJ_CHAIN_BAD_ARG, err, errlen, "the key is not a valid Ed25519 public key");
    for (size_t i = 0; i < c->n_intents; i++)
        if (c->intents[i].action == v->action && memcmp(c->intents[i].key, v->key, 32) == 0) return CJ_CHAIN_OK;
    char why[128];
    if (vote_check(c, &c->vs, v, why, sizeof why) != 0) return fail(CJ_CHAIN_BAD_VOTE, err, errlen, "%s", why);
    if (c->n_intents == CJ_CHAIN_MAX_VOTE_INTENTS)
        return fail(CJ_CHAIN_BAD_ARG, err, errlen, "at most %u vote intentions", CJ_CHAIN_MAX_VOTE_INTENTS);
    c->intent_since[c->n_intents] = 0;
    c->intents[c->n_intents++] = *v;
    return CJ_CHAIN_OK;
}

/* Withdraws a local vote intention. */
int cj_chain_vote_intent_del(cj_chain *c, const cj_vote *v)
{
    if (!c || !v) return 0;
    for (size_t i = 0; i < c->n_intents; i++)
        if (c->intents[i].action == v->action && memcmp(c->intents[i].key, v->key, 32) == 0) {
            memmove(&c->intents[i], &c->intents[i + 1], (c->n_intents - i - 1) * sizeof c->intents[0]);
            memmove(&c->intent_since[i], &c->intent_since[i + 1], (c->n_intents - i - 1) * sizeof c->intent_since[0]);
            c->n_intents--;
            if (c->intent_next >= c->n_intents) c->intent_next = 0;
            return 1;
        }
    return 0;
}

/* Copies the intentions. */
size_t cj_chain_vote_intents(const cj_chain *c, cj_vote *out, size_t max)
{
    if (!c) return 0;
    for (size_t i = 0; out && i < c->n_intents && i < max; i++) out[i] = c->intents[i];
    return c->n_intents;
}

/* ------------------------------------------------------------------------------------------------ */
/* genesis                                                                                           */

/* The genesis commitment: SHA-256 of the canonical encoding of every genesis parameter (docs/CHAIN.md). */
static void genesis_params_hash(const cj_genesis *g, uint8_t out[32])
{
    static const char tag[] = "coinjecture-genesis-v1";
    coinjecture_sha256_ctx ctx;
    uint8_t b[8];
    (void)coinjecture_sha256_init(&ctx);
    (void)coinjecture_sha256_update(&ctx, (const uint8_t *)tag, sizeof tag - 1);
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
    if (!g) return fail(CJ_CHAIN_BAD_ARG, err, errlen, "genesis is NULL");
    if (g->validator_count == 0 || g->validator_count > CJ_GENESIS_MAX_VALIDATORS || !g->validators)
        return fail(CJ_CHAIN_BAD_ARG, err, errlen, "genesis needs 1..%u validators", CJ_GENESIS_MAX_VALIDATORS);
    if (g->alloc_count > CJ_GENESIS_MAX_ALLOCATIONS || (g->alloc_count && !g->allocs))
        return fail(CJ_CHAIN_BAD_ARG, err, errlen, "genesis allocations malformed");
    if (g->block_time_ms == 0 || g->block_time_ms > 86400000u)
        return fail(CJ_CHAIN_BAD_ARG, err, errlen, "block_time_ms out of range");
    if (g->epoch_length == 0 || g->epoch_length > (UINT64_C(1) << 40))
        return fail(CJ_CHAIN_BAD_ARG, err, errlen, "epoch_length must be 1..2^40");
    for (size_t i = 0; i < g->validator_count; i++)
        for (size_t j = i + 1; j < g->validator_count; j++)
            if (memcmp(g->validators[i], g->validators[j], 32) == 0)
                return fail(CJ_CHAIN_BAD_ARG, err, errlen, "genesis validators %zu and %zu are the same key", i, j);
    if (g->genesis_time < 0 || g->genesis_time > INT64_MAX / 2000)
        return fail(CJ_CHAIN_BAD_ARG, err, errlen, "genesis_time out of range");
    size_t nl = strnlen(g->network, sizeof g->network);
    if (nl == 0 || nl > CJ_GENESIS_MAX_NETWORK) return fail(CJ_CHAIN_BAD_ARG, err, errlen, "network name length");
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
            return fail(CJ_CHAIN_BAD_ARG, err, errlen, "allocation %zu overflows a balance", i);
        a.balance += g->allocs[i].balance;
        if (cj_state_set(state, g->allocs[i].pubkey, &a) != 0)
            return fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
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
        return fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot encode genesis: %s", coinjecture_last_error_message());
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
    free(c->reg.pk);
    free(c->reg.addr);
    free(c->reg.blocks);
    cj_hmap_free(&c->reg.map);
    vset_free(&c->gset);
    vset_free(&c->vs);
    tally_free(&c->tl);
    if (c->sk) sodium_free(c->sk);
    free(c);
}

/* Creates or checks the genesis rows, loads the head, rebuilds and verifies the state. */
cj_chain_status cj_chain_open(const char *data_dir, const cj_genesis *g, const uint8_t *validator_sk64,
                              const cj_chain_options *opt, cj_chain **out, char *err, size_t errlen)
{
    if (out) *out = NULL;
    if (!data_dir || !out) return fail(CJ_CHAIN_BAD_ARG, err, errlen, "NULL argument");
    cj_chain_status st = genesis_check(g, err, errlen);
    if (st != CJ_CHAIN_OK) return st;
    if (sodium_init() < 0) return fail(CJ_CHAIN_INTERNAL, err, errlen, "libsodium init failed");
    cj_chain *c = calloc(1, sizeof *c);
    if (!c) return fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
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
    c->my_index = -1;
    c->gset.n = g->validator_count;
    c->gset.id = malloc(c->gset.n * sizeof *c->gset.id);
    if (!c->gset.id || cj_hmap_init(&c->ov.map, 1024) != 0 || cj_hmap_init(&c->reg.map, 64) != 0) {
        cj_chain_close(c);
        return fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    }
    for (size_t i = 0; i < c->gset.n; i++) c->gset.id[i] = (uint32_t)i;
    if (validator_sk64) {
        c->sk = sodium_malloc(64);
        if (!c->sk) {
            cj_chain_close(c);
            return fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
        }
        memcpy(c->sk, validator_sk64, 64);
        uint8_t pk[32], sk2[64];
        crypto_sign_ed25519_seed_keypair(pk, sk2, c->sk); /* the seed is the first half */
        sodium_memzero(sk2, sizeof sk2);
        if (memcmp(pk, c->sk + 32, 32) != 0) {
            cj_chain_close(c);
            return fail(CJ_CHAIN_BAD_ARG, err, errlen, "validator secret key is inconsistent (seed vs public key)");
        }
        memcpy(c->my_pk, pk, 32);
        (void)sodium_mprotect_readonly(c->sk);
    }

    /* genesis block from the parameters */
    uint8_t *gbytes = NULL, ghash[32], groot[32];
    size_t glen = 0;
    cj_state *gstate = cj_state_new();
    if (!gstate) {
        cj_chain_close(c);
        return fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    }
    st = genesis_build(g, gstate, &gbytes, &glen, ghash, groot, err, errlen);
    if (st != CJ_CHAIN_OK) {
        cj_state_free(gstate);
        cj_chain_close(c);
        return st;
    }
    memcpy(c->genesis_hash, ghash, 32);

    char serr[512];
    if (cj_store_open(data_dir, c->opt.sync_full, &c->st, serr, sizeof serr) != 0) {
        coinjecture_buffer_free(gbytes);
        cj_state_free(gstate);
        cj_chain_close(c);
        return fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", serr);
    }
    uint8_t stored[32];
    size_t slen = 0;
    int have = cj_store_meta_get(c->st, "genesis", stored, sizeof stored, &slen);
    if (have < 0) {
        coinjecture_buffer_free(gbytes);
        cj_state_free(gstate);
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
        cj_chain_close(c);
        return st;
    }
    if (have == 1 && (slen != 32 || memcmp(stored, ghash, 32) != 0)) {
        coinjecture_buffer_free(gbytes);
        cj_state_free(gstate);
        cj_chain_close(c);
        return fail(CJ_CHAIN_GENESIS_MISMATCH, err, errlen,
                    "data dir %s holds another chain (its genesis hash differs from this genesis file)", data_dir);
    }
    if (have == 0) {
        cj_store_block_info gi;
        memset(&gi, 0, sizeof gi);
        memcpy(gi.hash, ghash, 32);
        gi.proposer = -1;
        gi.timestamp = c->genesis_ms;
        memcpy(gi.state_root, groot, 32);
        int64_t id = 0;
        int bad = cj_store_begin(c->st) != 0;
        if (!bad) {
            bad = cj_store_block_put(c->st, &gi, gbytes, glen, &id) != 0 || cj_store_canon_set(c->st, 0, id) != 0 ||
                  cj_store_undo_put(c->st, id, (const uint8_t *)"\0\0\0\0", 4) != 0 ||
                  cj_store_meta_put(c->st, "genesis", ghash, 32) != 0;
            uint8_t cid[8];
            le64_put(cid, c->chain_id);
            bad = bad || cj_store_meta_put(c->st, "chain_id", cid, 8) != 0;
            for (size_t i = 0; !bad && i < g->alloc_count; i++) {
                coinjecture_account a; /* duplicates were summed in the genesis state: write the sum */
                cj_state_get(gstate, g->allocs[i].pubkey, &a);
                bad = cj_store_account_put(c->st, g->allocs[i].pubkey, a.balance, a.nonce) != 0;
            }
            if (bad)
                cj_store_rollback(c->st);
            else
                bad = cj_store_commit(c->st) != 0;
        }
        if (bad) {
            coinjecture_buffer_free(gbytes);
            cj_state_free(gstate);
            st = fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot write genesis: %s", cj_store_error(c->st));
            cj_chain_close(c);
            return st;
        }
    }
    coinjecture_buffer_free(gbytes);
    cj_state_free(gstate);

    int64_t tip_id = 0;
    uint64_t tip_h = 0;
    if (cj_store_canon_tip(c->st, &tip_h, &tip_id) != 1 || cj_store_block_info_by_id(c->st, tip_id, &c->tip) != 1) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot load the head: %s", cj_store_error(c->st));
        cj_chain_close(c);
        return st;
    }
    if (rebuild_state(c) != 0) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot load accounts: %s", cj_store_error(c->st));
        cj_chain_close(c);
        return st;
    }
    uint8_t root[32];
    cj_state_root(c->state, root);
    if (memcmp(root, c->tip.state_root, 32) != 0) {
        cj_chain_close(c);
        return fail(CJ_CHAIN_INTERNAL, err, errlen,
                    "accounts do not match the state root of head %llu (corrupted data dir)",
                    (unsigned long long)tip_h);
    }
    /* validator key registry: genesis keys are ids 0..N-1 (data dirs from before votes have no rows) */
    int bad = cj_store_vkeys_each(c->st, load_vkey, c) != 0;
    for (size_t i = 0; !bad && i < g->validator_count; i++) bad = reg_id(c, g->validators[i]) != (long)i;
    if (!bad && cj_store_begin(c->st) == 0) {
        for (size_t i = 0; !bad && i < g->validator_count; i++)
            bad = cj_store_vkey_put(c->st, (uint32_t)i, g->validators[i]) != 0;
        if (bad)
            cj_store_rollback(c->st);
        else
            bad = cj_store_commit(c->st) != 0;
    } else {
        bad = 1;
    }
    if (bad || load_epoch_state(c) != 0) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot load the validator sets: %s", cj_store_error(c->st));
        cj_chain_close(c);
        return st;
    }
    *out = c;
    return CJ_CHAIN_OK;
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
    if (r <= 0) return r == 0 ? CJ_CHAIN_NOT_FOUND : fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
    if (cj_store_block_data(c->st, id, &out->bytes, &out->len) != 1)
        return fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
    if (coinjecture_block_decode(out->bytes, out->len, &out->block) != COINJ_OK) {
        free(out->bytes);
        memset(out, 0, sizeof *out);
        return fail(CJ_CHAIN_INTERNAL, err, errlen, "stored block %lld does not decode", (long long)id);
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

/* ------------------------------------------------------------------------------------------------ */
/* validation                                                                                        */

/* Header-level facts of a block established by check_static. */
typedef struct {
    size_t proposer;      /* index in the set in force at the block's height */
    uint32_t proposer_id; /* registry id */
    uint64_t weight;
    int has_vote;
    cj_vote vote;
    uint8_t (*tx_hashes)[32]; /* heap, tx_count entries */
} block_facts;

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
 * "Validation" steps 5-15), under `set`, the validator set in force at the block's height on its branch.
 * now_ms = INT64_MAX skips the clock rule (re-validation during a reorg). */
static cj_chain_status check_static(cj_chain *c, const coinjecture_block *b, const cj_store_block_info *parent,
                                    const vset *set, int64_t now_ms, block_facts *f, char *err, size_t errlen)
{
    const coinjecture_header *h = &b->header;
    memset(f, 0, sizeof *f);
    if (h->codec_version != COINJECTURE_CODEC_VERSION)
        return fail(CJ_CHAIN_BAD_HEADER, err, errlen, "codec_version %u", h->codec_version);
    if (h->extra_data_len != CJ_CHAIN_EXTRA_PLAIN && h->extra_data_len != CJ_CHAIN_EXTRA_VOTE)
        return fail(CJ_CHAIN_BAD_HEADER, err, errlen,
                    "extra_data is %u bytes, a sealed block has %u (%u with a validator vote)", h->extra_data_len,
                    CJ_CHAIN_EXTRA_PLAIN, CJ_CHAIN_EXTRA_VOTE);
    if (b->cid) return fail(CJ_CHAIN_BAD_HEADER, err, errlen, "cid must be None");
    if (b->tx_count > COINJECTURE_MAX_TX_PER_BLOCK)
        return fail(CJ_CHAIN_BAD_HEADER, err, errlen, "%u transactions", b->tx_count);
    if (h->block_index != parent->height + 1)
        return fail(CJ_CHAIN_BAD_HEIGHT, err, errlen, "height %llu on a parent at %llu",
                    (unsigned long long)h->block_index, (unsigned long long)parent->height);
    if (h->timestamp <= parent->timestamp)
        return fail(CJ_CHAIN_BAD_TIMESTAMP, err, errlen, "timestamp %lld not after the parent's %lld",
                    (long long)h->timestamp, (long long)parent->timestamp);
    if (now_ms != INT64_MAX && h->timestamp > now_ms && (uint64_t)(h->timestamp - now_ms) > c->opt.max_future_ms)
        return fail(CJ_CHAIN_FUTURE, err, errlen, "timestamp %lld is %lld ms in the future", (long long)h->timestamp,
                    (long long)(h->timestamp - now_ms));
    size_t p = set->n;
    for (size_t i = 0; i < set->n; i++)
        if (memcmp(c->reg.addr[set->id[i]], h->miner_address, 32) == 0) {
            p = i;
            break;
        }
    if (p == set->n)
        return fail(CJ_CHAIN_BAD_PROPOSER, err, errlen, "miner_address is not the address of a validator at height %llu",
                    (unsigned long long)h->block_index);
    int64_t earliest = earliest_in(c, set->n, h->block_index, p);
    if (h->timestamp < earliest)
        return fail(CJ_CHAIN_BAD_TIMESTAMP, err, errlen,
                    "validator %zu may seal height %llu from %lld, block says %lld", p,
                    (unsigned long long)h->block_index, (long long)earliest, (long long)h->timestamp);
    uint64_t weight = turn_offset(set->n, h->block_index, p) == 0 ? WEIGHT_IN_TURN : WEIGHT_OUT_OF_TURN;
    if (h->difficulty_target != weight)
        return fail(CJ_CHAIN_BAD_HEADER, err, errlen, "difficulty_target %llu, expected weight %llu",
                    (unsigned long long)h->difficulty_target, (unsigned long long)weight);
    if (h->nonce != b->reveal.nonce) return fail(CJ_CHAIN_BAD_HEADER, err, errlen, "header nonce != reveal nonce");

    if (!cj_chain_seal_ok(h, c->reg.pk[set->id[p]]))
        return fail(CJ_CHAIN_BAD_SEAL, err, errlen, "seal does not verify under validator %zu", p);
    f->has_vote = cj_chain_header_vote(h, &f->vote) == 1;
    char why[128];
    if (f->has_vote && vote_check(c, set, &f->vote, why, sizeof why) != 0)
        return fail(CJ_CHAIN_BAD_VOTE, err, errlen, "%s", why);

    f->tx_hashes = malloc((b->tx_count ? b->tx_count : 1) * sizeof *f->tx_hashes);
    if (!f->tx_hashes) return fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    for (uint32_t i = 0; i < b->tx_count; i++)
        if (coinjecture_tx_hash(&b->transactions[i], f->tx_hashes[i]) != COINJ_OK) {
            free(f->tx_hashes);
            f->tx_hashes = NULL;
            return fail(CJ_CHAIN_DECODE, err, errlen, "tx %u cannot be hashed", i);
        }
    uint8_t mr[32];
    if (coinjecture_merkle_root((const uint8_t(*)[32])f->tx_hashes, b->tx_count, mr) != COINJ_OK ||
        memcmp(mr, h->merkle_root, 32) != 0) {
        free(f->tx_hashes);
        f->tx_hashes = NULL;
        return fail(CJ_CHAIN_BAD_MERKLE, err, errlen, "merkle_root does not match the transactions");
    }

    uint8_t es[32], ch[32];
    coinjecture_commitment cm;
    char perr[256];
    if (coinjecture_epoch_salt(h->parent_hash, h->block_index, es) != COINJ_OK ||
        cj_pow_check(es, &b->reveal, perr, sizeof perr) != 0) {
        free(f->tx_hashes);
        f->tx_hashes = NULL;
        return fail(CJ_CHAIN_BAD_POW, err, errlen, "%s", perr);
    }
    if (coinjecture_commitment_create(&b->reveal.problem, &b->reveal.solution, b->reveal.miner_salt, h->parent_hash,
                                      h->block_index, &cm) != COINJ_OK ||
        coinjecture_commitment_hash(&cm, ch) != COINJ_OK || memcmp(ch, h->commitment, 32) != 0) {
        free(f->tx_hashes);
        f->tx_hashes = NULL;
        return fail(CJ_CHAIN_BAD_POW, err, errlen, "header commitment does not bind the reveal");
    }
    f->proposer = p;
    f->proposer_id = set->id[p];
    f->weight = weight;
    return CJ_CHAIN_OK;
}

/* Byte offsets of each transaction inside the canonical block encoding (for the tx index); checks the
 * layout {header, transactions, reveal, cid} against the bytes. */
static int tx_offsets(const coinjecture_block *b, const uint8_t *bytes, size_t len, uint32_t *off, uint32_t *sz)
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

/* Records double-sign evidence if this validator already has another block at this height. */
static void check_double_sign(cj_chain *c, uint64_t height, uint32_t proposer, const uint8_t hash[32])
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
static int store_block_vote(cj_chain *c, int64_t id, uint32_t proposer, const coinjecture_header *h)
{
    cj_vote v;
    if (cj_store_vkey_put(c->st, proposer, c->reg.pk[proposer]) != 0) return -1;
    if (cj_chain_header_vote(h, &v) != 1) return 0;
    return cj_store_vote_put(c->st, id, (uint8_t)v.action, v.key, c->reg.pk[proposer]);
}

/* Writes an applied block (row if new, undo, canon entry, tx index, changed accounts) in one store
 * transaction and moves the tip. The overlay holds the block's state changes, already in the tree. */
static cj_chain_status commit_block(cj_chain *c, const coinjecture_block *b, const uint8_t *bytes, size_t len,
                                    const cj_store_block_info *info, int64_t existing_id,
                                    const uint8_t (*tx_hashes)[32], char *err, size_t errlen)
{
    size_t ulen = 0;
    uint8_t *undo = ov_undo(&c->ov, &ulen);
    uint32_t *off = malloc((b->tx_count ? b->tx_count : 1) * sizeof *off);
    uint32_t *sz = malloc((b->tx_count ? b->tx_count : 1) * sizeof *sz);
    cj_chain_status st = CJ_CHAIN_OK;
    vset nvs = {NULL, 0};
    if (!undo || !off || !sz) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
        goto out;
    }
    if (tx_offsets(b, bytes, len, off, sz) != 0) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "unexpected block layout");
        goto out;
    }
    if (cj_store_begin(c->st) != 0) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
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
    bad = bad || store_block_vote(c, id, pid, &b->header) != 0;
    if (!bad && !existing_id) check_double_sign(c, info->height, pid, info->hash);
    /* epoch bookkeeping: the vote joins the tally; after an epoch's last block the next set is derived and
     * cached in this same transaction (memory is re-derived from the store if anything fails) */
    cj_vote v;
    int boundary = (info->height + 1) % c->epoch_length == 0;
    if (!bad && cj_chain_header_vote(&b->header, &v) == 1) bad = tally_add(&c->tl, &v, pid) != 0;
    if (!bad && boundary)
        bad = tally_apply(c, &c->tl, &c->vs, &nvs) != 0 || vset_store(c, info->hash, info->height, &nvs) != 0;
    if (bad) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "store: %s", cj_store_error(c->st));
        cj_store_rollback(c->st);
        (void)load_epoch_state(c);
        goto out;
    }
    if (cj_store_commit(c->st) != 0) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "commit: %s", cj_store_error(c->st));
        cj_store_rollback(c->st);
        (void)load_epoch_state(c);
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
        tally_free(&c->tl);
        c->my_index = c->sk ? vset_find(c, &c->vs, c->my_pk) : -1;
        log_new_set(c, &nvs, info->height + 1);
    }
    prune_intents(c);
out:
    vset_free(&nvs);
    free(undo);
    free(off);
    free(sz);
    return st;
}

/* Applies a block whose static checks passed on top of the tip: transactions against running state
 * (signatures verified once: skipped when the pool already verified that exact tx), rewards, state root,
 * then commit. All or nothing. */
static cj_chain_status connect_block(cj_chain *c, const coinjecture_block *b, const uint8_t hash[32],
                                     const uint8_t *bytes, size_t len, const block_facts *f, int64_t existing_id,
                                     cj_mempool *mp, long *bad_tx, char *err, size_t errlen)
{
    *bad_tx = -1;
    ov_reset(&c->ov);
    uint64_t fees = 0;
    char terr[256];
    /* signatures first, in parallel, skipping the ones the pool verified (pending or recently confirmed:
     * a reorg re-applies the same transactions); the verdict is still the first failure in block order */
    uint8_t *need = b->tx_count ? malloc(b->tx_count) : NULL;
    if (b->tx_count && !need) return fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    for (uint32_t i = 0; i < b->tx_count; i++) need[i] = !cj_mempool_sig_verified(mp, f->tx_hashes[i]);
    size_t first_bad = cj_sigverify_first_bad(b->transactions, b->tx_count, need, 0);
    free(need);
    for (uint32_t i = 0; i < b->tx_count; i++) {
        const coinjecture_tx *tx = &b->transactions[i];
        if (i == first_bad) {
            *bad_tx = i;
            return fail(CJ_CHAIN_BAD_TX, err, errlen, "tx %u: bad signature", i);
        }
        coinjecture_tx_status ts;
        if (ov_apply_tx(c, tx, &fees, &ts, terr, sizeof terr) != 0) {
            *bad_tx = i;
            return fail(CJ_CHAIN_BAD_TX, err, errlen, "tx %u: %s", i, terr);
        }
    }
    if (ov_rewards(c, b->header.block_index, f->proposer_id, fees) != 0 || ov_to_state(c) != 0)
        return fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    uint8_t root[32];
    cj_state_root(c->state, root);
    if (memcmp(root, b->header.extra_data, 32) != 0) {
        ov_revert_state(c);
        return fail(CJ_CHAIN_BAD_STATE_ROOT, err, errlen, "state root after the block differs from the sealed one");
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
        commit_block(c, b, bytes, len, &info, existing_id, (const uint8_t(*)[32])f->tx_hashes, err, errlen);
    if (st != CJ_CHAIN_OK) ov_revert_state(c);
    return st;
}

/* Tells the pool which senders' nonces moved so it drops their confirmed txs. */
static void mempool_after_block(cj_chain *c, cj_mempool *mp, const coinjecture_block *b)
{
    if (!mp || b->tx_count == 0) return;
    uint8_t (*senders)[32] = malloc(b->tx_count * sizeof *senders);
    if (!senders) {
        cj_mempool_prune(mp, c, NULL, 0);
        return;
    }
    for (uint32_t i = 0; i < b->tx_count; i++) memcpy(senders[i], b->transactions[i].from, 32);
    cj_mempool_prune(mp, c, (const uint8_t(*)[32])senders, b->tx_count);
    free(senders);
}

/* Undoes the tip inside an open store transaction: accounts from the undo record, tx index, canon. */
static cj_chain_status undo_tip_inner(cj_chain *c, char *err, size_t errlen)
{
    if (c->tip.height == 0) return fail(CJ_CHAIN_BAD_ARG, err, errlen, "cannot undo genesis");
    uint8_t *undo = NULL, *data = NULL;
    size_t ulen = 0, dlen = 0;
    coinjecture_block b;
    memset(&b, 0, sizeof b);
    cj_chain_status st = CJ_CHAIN_OK;
    if (cj_store_undo_get(c->st, c->tip.id, &undo, &ulen) != 1 || ulen < 4 ||
        cj_store_block_data(c->st, c->tip.id, &data, &dlen) != 1 ||
        coinjecture_block_decode(data, dlen, &b) != COINJ_OK) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "undo data of block %llu unavailable",
                  (unsigned long long)c->tip.height);
        goto out;
    }
    uint32_t n = (uint32_t)undo[0] | (uint32_t)undo[1] << 8 | (uint32_t)undo[2] << 16 | (uint32_t)undo[3] << 24;
    if ((size_t)n * UNDO_ENTRY + 4 != ulen) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "undo data of block %llu malformed",
                  (unsigned long long)c->tip.height);
        goto out;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *p = undo + 4 + (size_t)i * UNDO_ENTRY;
        coinjecture_account a = {le64_get(p + 32), le64_get(p + 40)};
        if (state_write(c, p, &a) != 0 || cj_store_account_put(c->st, p, a.balance, a.nonce) != 0) {
            st = fail(CJ_CHAIN_INTERNAL, err, errlen, "undo: %s", cj_store_error(c->st));
            goto out;
        }
    }
    for (uint32_t i = 0; i < b.tx_count; i++) {
        uint8_t th[32];
        if (coinjecture_tx_hash(&b.transactions[i], th) != COINJ_OK || cj_store_tx_del(c->st, th) != 0) {
            st = fail(CJ_CHAIN_INTERNAL, err, errlen, "undo: tx index");
            goto out;
        }
    }
    cj_store_block_info parent;
    if (cj_store_canon_del(c->st, c->tip.height) != 0 ||
        cj_store_block_info_by_hash(c->st, c->tip.parent, &parent) != 1) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "undo: parent of block %llu missing",
                  (unsigned long long)c->tip.height);
        goto out;
    }
    uint8_t root[32];
    cj_state_root(c->state, root);
    if (memcmp(root, parent.state_root, 32) != 0) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "undo of block %llu does not restore the parent state root",
                  (unsigned long long)c->tip.height);
        goto out;
    }
    if (c->tip.proposer >= 0 && (size_t)c->tip.proposer < c->reg.n && c->reg.blocks[c->tip.proposer] > 0)
        c->reg.blocks[c->tip.proposer]--;
    c->tip = parent;
    if (load_epoch_state(c) != 0)
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "undo: cannot derive the validator set: %s", cj_store_error(c->st));
out:
    coinjecture_block_free(&b);
    free(undo);
    free(data);
    return st;
}

/* Public undo of the tip: one store transaction, in-memory state journaled so a failure leaves nothing. */
cj_chain_status cj_chain_undo_tip(cj_chain *c, char *err, size_t errlen)
{
    if (!c) return fail(CJ_CHAIN_BAD_ARG, err, errlen, "NULL chain");
    if (c->tip.height == 0) return fail(CJ_CHAIN_BAD_ARG, err, errlen, "cannot undo genesis");
    cj_store_block_info saved = c->tip;
    if (cj_store_begin(c->st) != 0) return fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
    c->jr_on = 1;
    c->jr_n = 0;
    cj_chain_status st = undo_tip_inner(c, err, errlen);
    if (st == CJ_CHAIN_OK && cj_store_commit(c->st) != 0)
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
    if (st != CJ_CHAIN_OK) {
        cj_store_rollback(c->st);
        journal_revert(c);
        if (c->tip.height != saved.height && saved.proposer >= 0 && (size_t)saved.proposer < c->reg.n)
            c->reg.blocks[saved.proposer]++;
        c->tip = saved;
        (void)load_epoch_state(c);
    }
    c->jr_on = 0;
    c->jr_n = 0;
    return st;
}

/* Moves the canonical chain to the branch ending at new_id (heavier than the tip): undo down to the fork
 * point, apply the branch, all in one outer store transaction. On failure everything is rolled back, the
 * offending block is deleted and the old tip stays. */
static cj_chain_status reorg_to(cj_chain *c, const cj_store_block_info *newtip, cj_mempool *mp, cj_import_result *res,
                                char *err, size_t errlen)
{
    size_t maxb = (size_t)c->opt.max_reorg_depth + 2, nb = 0;
    int64_t *branch = malloc(maxb * sizeof *branch);
    if (!branch) return fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    cj_store_block_info cur = *newtip;
    for (;;) {
        int64_t cid = 0;
        int r = cj_store_canon_get(c->st, cur.height, &cid);
        if (r < 0) {
            free(branch);
            return fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
        }
        if (r == 1 && cid == cur.id) break; /* fork point */
        if (nb == maxb) {
            free(branch);
            return fail(CJ_CHAIN_REORG_TOO_DEEP, err, errlen, "side branch longer than %u blocks",
                        c->opt.max_reorg_depth);
        }
        branch[nb++] = cur.id;
        if (cj_store_block_info_by_hash(c->st, cur.parent, &cur) != 1) {
            free(branch);
            return fail(CJ_CHAIN_INTERNAL, err, errlen, "side branch parent missing");
        }
    }
    uint64_t depth = c->tip.height - cur.height;
    if (depth > c->opt.max_reorg_depth) {
        free(branch);
        return fail(CJ_CHAIN_REORG_TOO_DEEP, err, errlen, "fork point %llu is %llu blocks below the tip",
                    (unsigned long long)cur.height, (unsigned long long)depth);
    }
    cj_store_block_info saved_tip = c->tip;
    cj_chain_stats saved_stats = c->stats;
    size_t saved_n = c->reg.n;
    uint64_t *saved_vb = malloc((saved_n ? saved_n : 1) * sizeof *saved_vb);
    if (!saved_vb || cj_store_begin(c->st) != 0) {
        free(branch);
        free(saved_vb);
        return fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot start reorg");
    }
    memcpy(saved_vb, c->reg.blocks, saved_n * sizeof *saved_vb);
    c->jr_on = 1;
    c->jr_n = 0;
    cj_chain_status st = CJ_CHAIN_OK;
    int64_t failed_id = 0;
    while (st == CJ_CHAIN_OK && c->tip.height > cur.height) st = undo_tip_inner(c, err, errlen);
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
            st = fail(CJ_CHAIN_INTERNAL, err, errlen, "side block unavailable");
        } else {
            st = check_static(c, &b, &c->tip, &c->vs, INT64_MAX, &f, err, errlen);
            if (st == CJ_CHAIN_OK)
                st = connect_block(c, &b, bi.hash, data, dlen, &f, branch[i], mp, &res->bad_tx, err, errlen);
            if (st != CJ_CHAIN_OK && st != CJ_CHAIN_INTERNAL) failed_id = branch[i];
        }
        free(f.tx_hashes);
        coinjecture_block_free(&b);
        free(data);
    }
    if (st == CJ_CHAIN_OK && cj_store_commit(c->st) != 0)
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
    if (st != CJ_CHAIN_OK) {
        cj_store_rollback(c->st);
        journal_revert(c);
        c->tip = saved_tip;
        c->stats = saved_stats;
        memcpy(c->reg.blocks, saved_vb, saved_n * sizeof *saved_vb);
        for (size_t i = saved_n; i < c->reg.n; i++) c->reg.blocks[i] = 0;
        if (load_epoch_state(c) != 0) cj_log_critical("chain: validator set unavailable after a failed reorg");
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
        if (mp) cj_mempool_prune(mp, c, NULL, 0);
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

/* Fork choice: greater cumulative weight, then the lower hash. */
static int better_than_tip(const cj_chain *c, uint64_t weight, const uint8_t hash[32])
{
    if (weight != c->tip.cum_weight) return weight > c->tip.cum_weight;
    return memcmp(hash, c->tip.hash, 32) < 0;
}

/* Decode, cheap checks, then either extend the tip, or store a side block and reorg if it is heavier. */
cj_chain_status cj_chain_import(cj_chain *c, const uint8_t *bytes, size_t len, int64_t now_ms, cj_mempool *mp,
                                cj_import_result *out, char *err, size_t errlen)
{
    cj_import_result dummy;
    if (!out) out = &dummy;
    memset(out, 0, sizeof *out);
    out->bad_tx = -1;
    if (!c || (!bytes && len)) return fail(CJ_CHAIN_BAD_ARG, err, errlen, "NULL argument");
    if (len > COINJECTURE_MAX_BLOCK_SIZE) {
        c->stats.blocks_rejected++;
        return fail(CJ_CHAIN_TOO_LARGE, err, errlen, "%zu bytes > %u", len, COINJECTURE_MAX_BLOCK_SIZE);
    }
    coinjecture_block b;
    if (coinjecture_block_decode(bytes, len, &b) != COINJ_OK) {
        c->stats.blocks_rejected++;
        return fail(CJ_CHAIN_DECODE, err, errlen, "%s", coinjecture_last_error_message());
    }
    cj_chain_status st;
    block_facts f;
    memset(&f, 0, sizeof f);
    vset side_set = {NULL, 0};
    const vset *set = &side_set;
    uint8_t hash[32];
    if (coinjecture_header_hash(&b.header, hash) != COINJ_OK) {
        st = fail(CJ_CHAIN_DECODE, err, errlen, "header cannot be hashed");
        goto done;
    }
    memcpy(out->hash, hash, 32);
    out->height = b.header.block_index;
    cj_store_block_info parent, known;
    int r = cj_store_block_info_by_hash(c->st, hash, &known);
    if (r != 0) {
        st = r < 0 ? fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st))
                   : fail(CJ_CHAIN_KNOWN, err, errlen, "block already stored");
        goto done;
    }
    r = cj_store_block_info_by_hash(c->st, b.header.parent_hash, &parent);
    if (r != 1) {
        st = r < 0 ? fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st))
                   : fail(CJ_CHAIN_ORPHAN, err, errlen, "parent unknown");
        goto done;
    }
    if (memcmp(parent.hash, c->tip.hash, 32) == 0) {
        set = &c->vs;
    } else if (set_for_height(c, &parent, parent.height + 1, &side_set) != 0) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot derive the validator set of a side branch: %s",
                  cj_store_error(c->st));
        goto done;
    }
    st = check_static(c, &b, &parent, set, now_ms, &f, err, errlen);
    if (st != CJ_CHAIN_OK) goto done;

    if (memcmp(parent.hash, c->tip.hash, 32) == 0) {
        st = connect_block(c, &b, hash, bytes, len, &f, 0, mp, &out->bad_tx, err, errlen);
        if (st == CJ_CHAIN_OK) {
            out->extended = 1;
            c->stats.blocks_imported++;
            mempool_after_block(c, mp, &b);
        }
        goto done;
    }
    /* side branch: store it (header checks passed), then let fork choice decide */
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
        store_block_vote(c, si.id, f.proposer_id, &b.header) != 0) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
        cj_store_rollback(c->st);
        goto done;
    }
    check_double_sign(c, si.height, f.proposer_id, hash);
    if (cj_store_commit(c->st) != 0) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "%s", cj_store_error(c->st));
        cj_store_rollback(c->st);
        goto done;
    }
    if (!better_than_tip(c, si.cum_weight, hash)) {
        out->side = 1;
        st = CJ_CHAIN_OK;
        goto done;
    }
    st = reorg_to(c, &si, mp, out, err, errlen);
    if (st == CJ_CHAIN_OK) c->stats.blocks_imported++;
done:
    if (st != CJ_CHAIN_OK && st != CJ_CHAIN_KNOWN && st != CJ_CHAIN_ORPHAN && st != CJ_CHAIN_FUTURE &&
        st != CJ_CHAIN_INTERNAL)
        c->stats.blocks_rejected++;
    free(f.tx_hashes);
    vset_free(&side_set);
    coinjecture_block_free(&b);
    return st;
}

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

/* Block building callback: applies the pool's next tx to running state; failures are dropped. */
static int pack_pick(void *vctx, const cj_mempool_entry *e)
{
    pack_ctx *p = vctx;
    if (p->n >= p->max) return CJ_PICK_STOP;
    size_t sz = 0;
    if (coinjecture_tx_encode(&e->tx, NULL, 0, &sz) != COINJ_ERROR_BUFFER_TOO_SMALL) {
        p->dropped++;
        return CJ_PICK_DROP;
    }
    if (p->bytes + sz > p->budget) return CJ_PICK_SKIP;
    coinjecture_tx_status ts;
    if (ov_apply_tx(p->c, &e->tx, &p->fees, &ts, NULL, 0) != 0) {
        if (ts == COINJECTURE_TX_BAD_NONCE) return CJ_PICK_SKIP;
        p->dropped++;
        return CJ_PICK_DROP;
    }
    p->txs[p->n] = e->tx;
    memcpy(p->hashes[p->n], e->hash, 32);
    p->n++;
    p->bytes += sz;
    return CJ_PICK_TAKE;
}

/* Builds, solves, seals and commits the next block if this validator may seal it now. */
cj_chain_status cj_chain_produce(cj_chain *c, cj_mempool *mp, int64_t now_ms, cj_produce_result *out, char *err,
                                 size_t errlen)
{
    cj_produce_result dummy;
    if (!out) out = &dummy;
    memset(out, 0, sizeof *out);
    if (!c) return fail(CJ_CHAIN_BAD_ARG, err, errlen, "NULL chain");
    if (!c->sk || c->my_index < 0)
        return fail(CJ_CHAIN_NOT_VALIDATOR, err, errlen, "this node has no validator key in the set");
    if (c->bulk) cj_chain_set_bulk_import(c, 0); /* a sealed block is committed as configured */
    uint64_t h = c->tip.height + 1;
    size_t me = (size_t)c->my_index;
    uint32_t me_id = c->vs.id[me];
    int64_t earliest = earliest_in(c, c->vs.n, h, me);
    if (now_ms < earliest) return CJ_CHAIN_OK;
    int64_t ts = now_ms;
    if (ts <= c->tip.timestamp) ts = c->tip.timestamp + 1;
    if (ts > now_ms && (uint64_t)(ts - now_ms) > c->opt.max_future_ms) return CJ_CHAIN_OK;

    pack_ctx p;
    memset(&p, 0, sizeof p);
    p.c = c;
    p.max = c->opt.max_block_txs;
    p.budget = COINJECTURE_MAX_BLOCK_SIZE - BLOCK_SIZE_RESERVE;
    size_t cap = mp ? cj_mempool_size(mp) : 0;
    if (cap > p.max) cap = p.max;
    p.txs = malloc((cap ? cap : 1) * sizeof *p.txs);
    p.hashes = malloc((cap ? cap : 1) * sizeof *p.hashes);
    if (!p.txs || !p.hashes) {
        free(p.txs);
        free(p.hashes);
        return fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
    }
    if (p.max > cap) p.max = (uint32_t)cap;
    ov_reset(&c->ov);
    if (mp && cap) cj_mempool_select(mp, c, pack_pick, &p);
    cj_chain_status st = CJ_CHAIN_OK;
    if (ov_rewards(c, h, me_id, p.fees) != 0 || ov_to_state(c) != 0) {
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "out of memory");
        goto out;
    }
    coinjecture_block b;
    memset(&b, 0, sizeof b);
    coinjecture_header *hd = &b.header;
    hd->codec_version = COINJECTURE_CODEC_VERSION;
    hd->block_index = h;
    hd->timestamp = ts;
    memcpy(hd->parent_hash, c->tip.hash, 32);
    memcpy(hd->miner_address, c->reg.addr[me_id], 32);
    hd->difficulty_target = turn_offset(c->vs.n, h, me) == 0 ? WEIGHT_IN_TURN : WEIGHT_OUT_OF_TURN;
    b.transactions = p.txs;
    b.tx_count = p.n;
    uint8_t es[32], root[32], sh[32], hash[32];
    coinjecture_commitment cm;
    int ok = coinjecture_merkle_root((const uint8_t(*)[32])p.hashes, p.n, hd->merkle_root) == COINJ_OK &&
             coinjecture_epoch_salt(c->tip.hash, h, es) == COINJ_OK;
    ok = ok && cj_pow_search(es, 0, CJ_POW_MAX_TRIES, &b.reveal) == 1;
    ok = ok && coinjecture_miner_salt(c->sk, es, c->tip.hash, h, b.reveal.miner_salt) == COINJ_OK &&
         coinjecture_commitment_create(&b.reveal.problem, &b.reveal.solution, b.reveal.miner_salt, c->tip.hash, h,
                                       &cm) == COINJ_OK &&
         coinjecture_commitment_hash(&cm, hd->commitment) == COINJ_OK;
    hd->nonce = b.reveal.nonce;
    cj_state_root(c->state, root);
    cj_vote vote;
    int voted = choose_vote(c, &vote);
    hd->extra_data_len = 32;
    memcpy(hd->extra_data, root, 32);
    if (voted) {
        hd->extra_data[32] = (uint8_t)vote.action;
        memcpy(hd->extra_data + 33, vote.key, 32);
        hd->extra_data_len = 32 + CJ_CHAIN_VOTE_LEN;
    }
    ok = ok && coinjecture_header_hash(hd, sh) == COINJ_OK &&
         crypto_sign_ed25519_detached(hd->extra_data + hd->extra_data_len, NULL, sh, 32, c->sk) == 0;
    hd->extra_data_len += SIG_LEN;
    ok = ok && coinjecture_header_hash(hd, hash) == COINJ_OK;
    uint8_t *bytes = NULL;
    size_t blen = 0;
    ok = ok && coinjecture_block_encode_alloc(&b, &bytes, &blen) == COINJ_OK;
    if (!ok) {
        ov_revert_state(c);
        st = fail(CJ_CHAIN_INTERNAL, err, errlen, "cannot build block %llu: %s", (unsigned long long)h,
                  coinjecture_last_error_message());
        goto out;
    }
    cj_store_block_info info;
    memset(&info, 0, sizeof info);
    memcpy(info.hash, hash, 32);
    memcpy(info.parent, c->tip.hash, 32);
    info.height = h;
    info.cum_weight = c->tip.cum_weight + hd->difficulty_target;
    info.proposer = (int32_t)me_id;
    info.timestamp = ts;
    memcpy(info.state_root, root, 32);
    st = commit_block(c, &b, bytes, blen, &info, 0, (const uint8_t(*)[32])p.hashes, err, errlen);
    coinjecture_buffer_free(bytes);
    if (st != CJ_CHAIN_OK) {
        ov_revert_state(c);
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
    mempool_after_block(c, mp, &b); /* b.transactions point into pool entries: prune last */
out:
    free(p.txs);
    free(p.hashes);
    return st;
}
