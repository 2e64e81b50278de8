/* The validator registry, validator sets, votes, tallies, epochs and local vote intentions
 * (docs/CHAIN.md "Validator votes"). */
#include "chain_impl.h"

/* ------------------------------------------------------------------------------------------------ */
/* validator registry, sets, votes and tallies (docs/CHAIN.md "Validator votes")                     */

/* Id of a key in the registry; registers it (memory only: callers persist ids they store) if new.
 * Returns the id or -1 on OOM. */
long cj_validators_reg_id(cj_chain *c, const uint8_t pk[32])
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
int cj_validators_load_vkey(void *ctx, uint32_t id, const uint8_t pk[32])
{
    cj_chain *c = ctx;
    static const uint8_t ZERO_KEY[32];
    if (id < c->reg.n || cj_hmap_get(&c->reg.map, pk)) return -1; /* duplicate id or key: corrupted */
    while (c->reg.n < id) {
        if (cj_validators_reg_id(c, ZERO_KEY) < 0) return -1;
        (void)cj_hmap_del(&c->reg.map, ZERO_KEY); /* placeholders stay out of the map */
    }
    return cj_validators_reg_id(c, pk) == (long)id ? 0 : -1;
}

/* Releases a set. */
void cj_validators_vset_free(vset *s)
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
    cj_validators_vset_free(dst);
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
long cj_validators_vset_find(const cj_chain *c, const vset *s, const uint8_t pk[32])
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
        long id = cj_validators_reg_id(c, keys + 32 * i);
        if (id < 0) {
            free(s.id);
            return -1;
        }
        s.id[i] = (uint32_t)id;
    }
    cj_validators_vset_free(out);
    *out = s;
    return 0;
}

/* Persists the set that follows anchor, with registry rows for its keys, in the caller's transaction. */
int cj_validators_vset_store(cj_chain *c, const uint8_t anchor[32], uint64_t anchor_height, const vset *s)
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
void cj_validators_tally_free(tally *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->p[i].voters);
    free(t->p);
    memset(t, 0, sizeof *t);
}

/* Counts voter's vote once per (action, key). 0 or -1 on OOM. */
int cj_validators_tally_add(tally *t, const cj_vote *v, uint32_t voter)
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
int cj_validators_tally_apply(cj_chain *c, const tally *t, const vset *s, vset *out)
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
            long id = cj_validators_reg_id(c, pass[i]->v.key);
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
    cj_validators_vset_free(out);
    *out = r;
    return 0;
}

/* Whether vote v may be cast under set s: 0, or -1 with the reason in why. */
int cj_validators_vote_check(const cj_chain *c, const vset *s, const cj_vote *v, char *why, size_t whylen)
{
    long at = cj_validators_vset_find(c, s, v->key);
    if (v->action == CJ_VOTE_ADD) {
        if (at >= 0) return cj_chain_fail(CJ_CHAIN_BAD_VOTE, why, whylen, "add: the key is already a validator"), -1;
        if (!crypto_core_ed25519_is_valid_point(v->key))
            return cj_chain_fail(CJ_CHAIN_BAD_VOTE, why, whylen, "add: the key is not a valid Ed25519 public key"), -1;
        return 0;
    }
    if (v->action == CJ_VOTE_REMOVE) {
        if (at < 0) return cj_chain_fail(CJ_CHAIN_BAD_VOTE, why, whylen, "remove: the key is not a validator"), -1;
        if (s->n == 1) return cj_chain_fail(CJ_CHAIN_BAD_VOTE, why, whylen, "remove: cannot remove the last validator"), -1;
        return 0;
    }
    return cj_chain_fail(CJ_CHAIN_BAD_VOTE, why, whylen, "unknown vote action 0x%02x", (unsigned)v->action), -1;
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
    long id = cj_validators_reg_id(x->c, voter);
    return id < 0 || cj_validators_tally_add(x->t, &v, (uint32_t)id) != 0 ? -1 : 0;
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
        cj_validators_tally_free(&t);
        return -1;
    }
    cj_validators_tally_free(out);
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
        bad = branch_tally(c, p, p->height + 1 - L, &t) != 0 || cj_validators_tally_apply(c, &t, &base, &next) != 0;
        if (!bad) {
            bad = cj_store_begin(c->st) != 0;
            if (!bad && cj_validators_vset_store(c, p->hash, p->height, &next) != 0) {
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
    cj_validators_tally_free(&t);
    cj_validators_vset_free(&next);
    free(todo);
    if (bad) {
        cj_validators_vset_free(&base);
        return -1;
    }
    cj_validators_vset_free(out);
    *out = base;
    return 0;
}

/* The set in force at height h on the branch through top (a stored block at height >= h - 1). 0 or -1. */
int cj_validators_set_for_height(cj_chain *c, const cj_store_block_info *top, uint64_t h, vset *out)
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
void cj_validators_prune_intents(cj_chain *c)
{
    size_t w = 0;
    uint64_t next = c->tip.height + 1;
    for (size_t i = 0; i < c->n_intents; i++) {
        long at = cj_validators_vset_find(c, &c->vs, c->intents[i].key);
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
int cj_validators_load_epoch_state(cj_chain *c)
{
    uint64_t h = c->tip.height + 1;
    vset s = {NULL, 0};
    tally t;
    memset(&t, 0, sizeof t);
    if (cj_validators_set_for_height(c, &c->tip, h, &s) != 0 || branch_tally(c, &c->tip, (h / c->epoch_length) * c->epoch_length,
                                                                  &t) != 0) {
        cj_validators_vset_free(&s);
        cj_log_critical("chain: cannot derive the validator set at height %llu: %s", (unsigned long long)h,
                        cj_store_error(c->st));
        return -1;
    }
    cj_validators_vset_free(&c->vs);
    c->vs = s;
    cj_validators_tally_free(&c->tl);
    c->tl = t;
    c->my_index = c->sk ? cj_validators_vset_find(c, &c->vs, c->my_pk) : -1;
    cj_validators_prune_intents(c);
    return 0;
}

/* Logs a new validator set at an epoch boundary. */
void cj_validators_log_new_set(const cj_chain *c, const vset *old, uint64_t height)
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
int cj_validators_choose_vote(cj_chain *c, cj_vote *out)
{
    for (size_t k = 0; k < c->n_intents; k++) {
        size_t i = (c->intent_next + k) % c->n_intents;
        const cj_vote *v = &c->intents[i];
        if (cj_validators_vote_check(c, &c->vs, v, NULL, 0) != 0 || cj_chain_vote_cast(c, v)) continue;
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
            cj_validators_set_for_height(c, &top, h, &s) != 0)
            return 0;
    }
    for (size_t i = 0; i < s.n && i < max; i++) memcpy(out[i], c->reg.pk[s.id[i]], 32);
    size_t n = s.n;
    cj_validators_vset_free(&s);
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
                cj_validators_set_for_height(c, &top, h, &s) != 0) {
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
    cj_validators_vset_free(&s);
    free(r.h);
    free(r.p);
    free(r.ts);
    if (!ret) memset(out, 0, n * sizeof *out);
    return ret;
}

/* Registers a local vote intention after checking it against the set in force. */
cj_chain_status cj_chain_vote_intent_add(cj_chain *c, const cj_vote *v, char *err, size_t errlen)
{
    if (!c || !v) return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "NULL argument");
    if (v->action != CJ_VOTE_ADD && v->action != CJ_VOTE_REMOVE)
        return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "action must be add or remove");
    if (v->action == CJ_VOTE_ADD && !crypto_core_ed25519_is_valid_point(v->key))
        return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "the key is not a valid Ed25519 public key");
    for (size_t i = 0; i < c->n_intents; i++)
        if (c->intents[i].action == v->action && memcmp(c->intents[i].key, v->key, 32) == 0) return CJ_CHAIN_OK;
    char why[128];
    if (cj_validators_vote_check(c, &c->vs, v, why, sizeof why) != 0) return cj_chain_fail(CJ_CHAIN_BAD_VOTE, err, errlen, "%s", why);
    if (c->n_intents == CJ_CHAIN_MAX_VOTE_INTENTS)
        return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "at most %u vote intentions", CJ_CHAIN_MAX_VOTE_INTENTS);
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
