/* Transaction pool (rules in mempool.h and docs/CHAIN.md "Mempool"). */
#include "mempool.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h" /* types only (cj_tx_source, cj_tip_move): the pool reads accounts through state.h */
#include "hmap.h"
#include "log.h"

typedef struct mp_sender mp_sender;

typedef struct {
    cj_mempool_entry pub; /* first: the public view is a pointer to this */
    mp_sender *sender;
    size_t heap_pos;      /* index in the eviction heap */
    uint8_t *data;        /* owned copy of tx.data */
} mp_entry;

struct mp_sender {
    uint8_t pk[32];
    mp_entry **txs; /* ascending nonce */
    size_t n, cap;
    uint64_t pending_cost; /* sum of total_cost of txs (saturating) */
};

struct cj_mempool {
    cj_mempool_options opt;
    cj_hmap by_hash; /* tx hash -> mp_entry */
    cj_hmap senders; /* pubkey -> mp_sender */
    mp_entry **heap; /* min-heap: the eviction candidate (lowest fee) on top */
    size_t heap_n, heap_cap;
    cj_mempool_stats stats;
    cj_hmap recent;           /* hashes of txs that left the pool confirmed (signature verified) */
    uint8_t (*recent_ring)[32]; /* insertion order, for eviction; RECENT_CAP entries */
    size_t recent_next;
};

/* Confirmed txs whose verified signature is remembered: a reorg re-applies the same transactions in
 * the other branch's blocks within seconds, so this covers several blocks at full load. */
#define RECENT_CAP 32768

/* Defaults sized for the 5,000 tx/s target (several blocks of backlog). */
void cj_mempool_options_default(cj_mempool_options *o)
{
    o->max_txs = 50000;
    o->max_per_sender = 256;
    o->max_future_gap = 64;
    o->max_age_ms = 3600000;
    o->min_gas_price = 0;
}

static const char *const STATUS_NAMES[] = {
    "ok", "duplicate", "malformed", "bad-signature", "nonce-too-low", "nonce-exists", "nonce-too-high",
    "fee-too-low", "gas-too-low", "overflow", "insufficient-balance", "sender-limit", "full", "internal",
};

/* Stable short names for API errors and metrics labels. */
const char *cj_mempool_status_name(cj_mempool_status s)
{
    if ((unsigned)s < sizeof STATUS_NAMES / sizeof STATUS_NAMES[0]) return STATUS_NAMES[s];
    return "unknown";
}

/* Writes a formatted reason if the caller gave a buffer. */
static cj_mempool_status mp_reject(cj_mempool *mp, cj_mempool_status st, char *err, size_t errlen, const char *fmt,
                                   ...) __attribute__((format(printf, 5, 6)));
static cj_mempool_status mp_reject(cj_mempool *mp, cj_mempool_status st, char *err, size_t errlen, const char *fmt,
                                   ...)
{
    if (mp) mp->stats.rejected++;
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* Allocates an empty pool. */
cj_mempool *cj_mempool_new(const cj_mempool_options *opt)
{
    cj_mempool *mp = calloc(1, sizeof *mp);
    if (!mp) return NULL;
    if (opt)
        mp->opt = *opt;
    else
        cj_mempool_options_default(&mp->opt);
    if (mp->opt.max_txs == 0) mp->opt.max_txs = 1;
    if (mp->opt.max_per_sender == 0) mp->opt.max_per_sender = 1;
    mp->recent_ring = calloc(RECENT_CAP, sizeof *mp->recent_ring);
    if (!mp->recent_ring || cj_hmap_init(&mp->by_hash, 1024) != 0 || cj_hmap_init(&mp->senders, 1024) != 0 ||
        cj_hmap_init(&mp->recent, RECENT_CAP) != 0) {
        cj_hmap_free(&mp->by_hash);
        cj_hmap_free(&mp->senders);
        free(mp->recent_ring);
        free(mp);
        return NULL;
    }
    return mp;
}

/* Remembers that a tx with this hash (hence these signed bytes) had a valid signature; the oldest of
 * RECENT_CAP remembered hashes is forgotten. Best effort: on OOM the tx is just not remembered. */
static void recent_add(cj_mempool *mp, const uint8_t hash[32])
{
    if (cj_hmap_get(&mp->recent, hash)) return;
    uint8_t *slot = mp->recent_ring[mp->recent_next];
    (void)cj_hmap_del(&mp->recent, slot);
    memcpy(slot, hash, 32);
    if (cj_hmap_put(&mp->recent, slot, slot) != 0) return;
    mp->recent_next = (mp->recent_next + 1) % RECENT_CAP;
}

/* Whether the signature of the tx with this hash was verified by this pool: pending (verified on
 * admission) or recently confirmed. */
int cj_mempool_sig_verified(const cj_mempool *mp, const uint8_t hash[32])
{
    if (!mp || !hash) return 0;
    const mp_entry *e = cj_hmap_get(&mp->by_hash, hash);
    if (e) return e->pub.sig_ok;
    return cj_hmap_get(&mp->recent, hash) != NULL;
}

/* Frees every entry and sender. */
void cj_mempool_free(cj_mempool *mp)
{
    if (!mp) return;
    for (size_t i = 0; i < mp->heap_n; i++) {
        free(mp->heap[i]->data);
        free(mp->heap[i]);
    }
    for (size_t i = 0; i < mp->senders.cap; i++) {
        mp_sender *s = mp->senders.slots[i].val;
        if (!s) continue;
        free(s->txs);
        free(s);
    }
    cj_hmap_free(&mp->by_hash);
    cj_hmap_free(&mp->senders);
    cj_hmap_free(&mp->recent);
    free(mp->recent_ring);
    free(mp->heap);
    free(mp);
}

/* Eviction order: lower fee first, then the newer tx, then the larger hash (total order). */
static int evict_before(const mp_entry *a, const mp_entry *b)
{
    if (a->pub.fee != b->pub.fee) return a->pub.fee < b->pub.fee;
    if (a->pub.added_ms != b->pub.added_ms) return a->pub.added_ms > b->pub.added_ms;
    return memcmp(a->pub.hash, b->pub.hash, 32) > 0;
}

/* Swaps two heap slots, keeping the back-pointers right. */
static void heap_swap(cj_mempool *mp, size_t i, size_t j)
{
    mp_entry *t = mp->heap[i];
    mp->heap[i] = mp->heap[j];
    mp->heap[j] = t;
    mp->heap[i]->heap_pos = i;
    mp->heap[j]->heap_pos = j;
}

/* Restores the heap property around slot i (up, then down). */
static void heap_fix(cj_mempool *mp, size_t i)
{
    while (i > 0 && evict_before(mp->heap[i], mp->heap[(i - 1) / 2])) {
        heap_swap(mp, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < mp->heap_n && evict_before(mp->heap[l], mp->heap[m])) m = l;
        if (r < mp->heap_n && evict_before(mp->heap[r], mp->heap[m])) m = r;
        if (m == i) break;
        heap_swap(mp, i, m);
        i = m;
    }
}

/* Unlinks an entry from every index and frees it. */
static void entry_remove(cj_mempool *mp, mp_entry *e)
{
    size_t pos = e->heap_pos;
    mp->heap_n--;
    if (pos != mp->heap_n) {
        mp->heap[pos] = mp->heap[mp->heap_n];
        mp->heap[pos]->heap_pos = pos;
        heap_fix(mp, pos);
    }
    mp_sender *s = e->sender;
    for (size_t i = 0; i < s->n; i++) {
        if (s->txs[i] != e) continue;
        memmove(&s->txs[i], &s->txs[i + 1], (s->n - i - 1) * sizeof *s->txs);
        s->n--;
        break;
    }
    s->pending_cost = 0;
    for (size_t i = 0; i < s->n; i++) {
        uint64_t c = s->txs[i]->pub.total_cost;
        s->pending_cost = s->pending_cost > UINT64_MAX - c ? UINT64_MAX : s->pending_cost + c;
    }
    if (s->n == 0) {
        cj_hmap_del(&mp->senders, s->pk);
        free(s->txs);
        free(s);
    }
    cj_hmap_del(&mp->by_hash, e->pub.hash);
    free(e->data);
    free(e);
}

/* Maps a core rule failure to the pool's reason. */
static cj_mempool_status map_rule(coinjecture_tx_status st)
{
    switch (st) {
    case COINJECTURE_TX_FEE_TOO_LOW: return CJ_MEMPOOL_FEE_TOO_LOW;
    case COINJECTURE_TX_GAS_TOO_LOW: return CJ_MEMPOOL_GAS_TOO_LOW;
    case COINJECTURE_TX_AMOUNT_OVERFLOW: return CJ_MEMPOOL_OVERFLOW;
    case COINJECTURE_TX_INSUFFICIENT_BALANCE: return CJ_MEMPOOL_INSUFFICIENT_BALANCE;
    case COINJECTURE_TX_BAD_NONCE: return CJ_MEMPOOL_NONCE_TOO_LOW;
    case COINJECTURE_TX_BAD_SIGNATURE: return CJ_MEMPOOL_BAD_SIGNATURE;
    default: return CJ_MEMPOOL_INTERNAL;
    }
}

/* Admission: cheap checks first, the signature (the expensive one) last, then eviction if full. A re-added
 * transaction (readd = 1: taken from a block a reorg undid) skips the signature, the per-sender limit and
 * the capacity limit: refusing it would strand the sender's later nonces, and the overshoot is bounded by
 * the undone blocks. */
static cj_mempool_status mp_add(cj_mempool *mp, const cj_state *state, const coinjecture_tx *tx, int64_t now_ms,
                                uint8_t out_hash[32], char *err, size_t errlen, int readd)
{
    uint8_t hash[32];
    if (out_hash) memset(out_hash, 0, 32);
    if (!mp || !state || !tx) return mp_reject(mp, CJ_MEMPOOL_INTERNAL, err, errlen, "NULL argument");
    if (tx->data_len > COINJECTURE_MAX_TX_DATA || (tx->data_len && !tx->data))
        return mp_reject(mp, CJ_MEMPOOL_MALFORMED, err, errlen, "data too long or missing");
    if (coinjecture_tx_hash(tx, hash) != COINJ_OK)
        return mp_reject(mp, CJ_MEMPOOL_MALFORMED, err, errlen, "cannot encode: %s", coinjecture_last_error_message());
    if (out_hash) memcpy(out_hash, hash, 32);
    if (cj_hmap_get(&mp->by_hash, hash)) return mp_reject(mp, CJ_MEMPOOL_DUPLICATE, err, errlen, "already pending");
    if (tx->codec_version != COINJECTURE_CODEC_VERSION)
        return mp_reject(mp, CJ_MEMPOOL_MALFORMED, err, errlen, "codec_version %u, expected 1", tx->codec_version);
    if (tx->tx_type != COINJECTURE_TX_TRANSFER)
        return mp_reject(mp, CJ_MEMPOOL_MALFORMED, err, errlen, "tx_type %u is reserved (only Transfer is valid)",
                         tx->tx_type);

    coinjecture_account acct;
    cj_state_get(state, tx->from, &acct);
    if (tx->nonce < acct.nonce)
        return mp_reject(mp, CJ_MEMPOOL_NONCE_TOO_LOW, err, errlen, "nonce %llu < account nonce %llu",
                         (unsigned long long)tx->nonce, (unsigned long long)acct.nonce);
    mp_sender *s = cj_hmap_get(&mp->senders, tx->from);
    size_t pending = s ? s->n : 0;
    if (s)
        for (size_t i = 0; i < s->n; i++)
            if (s->txs[i]->pub.tx.nonce == tx->nonce)
                return mp_reject(mp, CJ_MEMPOOL_NONCE_EXISTS, err, errlen, "nonce %llu already pending",
                                 (unsigned long long)tx->nonce);
    if (tx->nonce - acct.nonce > (uint64_t)pending + mp->opt.max_future_gap)
        return mp_reject(mp, CJ_MEMPOOL_NONCE_TOO_HIGH, err, errlen, "nonce %llu too far ahead of account nonce %llu",
                         (unsigned long long)tx->nonce, (unsigned long long)acct.nonce);
    if (!readd && pending >= mp->opt.max_per_sender)
        return mp_reject(mp, CJ_MEMPOOL_SENDER_LIMIT, err, errlen, "sender has %zu pending txs", pending);

    uint64_t committed = s ? s->pending_cost : 0;
    coinjecture_account avail = {acct.balance > committed ? acct.balance - committed : 0, tx->nonce};
    coinjecture_tx_result res;
    if (coinjecture_tx_check_rules(tx, &avail, &res) != COINJ_OK)
        return mp_reject(mp, map_rule(res.status), err, errlen, "%s (balance %llu, pending cost %llu)",
                         coinjecture_last_error_message(), (unsigned long long)acct.balance,
                         (unsigned long long)committed);
    if (tx->gas_price < mp->opt.min_gas_price)
        return mp_reject(mp, CJ_MEMPOOL_FEE_TOO_LOW, err, errlen, "gas_price %llu below node minimum %llu",
                         (unsigned long long)tx->gas_price, (unsigned long long)mp->opt.min_gas_price);
    if (!readd && coinjecture_tx_verify_signature(tx) != COINJ_OK)
        return mp_reject(mp, CJ_MEMPOOL_BAD_SIGNATURE, err, errlen, "signature does not verify under tx.from");

    if (!readd && mp->heap_n >= mp->opt.max_txs) {
        mp_entry *low = mp->heap[0];
        if (res.fee <= low->pub.fee)
            return mp_reject(mp, CJ_MEMPOOL_FULL, err, errlen, "pool full; fee %llu not above lowest %llu",
                             (unsigned long long)res.fee, (unsigned long long)low->pub.fee);
        /* evict the cheapest tx and its sender's later nonces (they cannot execute without it) */
        mp_sender *ls = low->sender;
        uint64_t from_nonce = low->pub.tx.nonce;
        int same_sender = ls == s;
        for (size_t i = ls->n; i-- > 0;) {
            if (ls->txs[i]->pub.tx.nonce < from_nonce) continue;
            int last = ls->n == 1;
            entry_remove(mp, ls->txs[i]);
            mp->stats.evicted++;
            if (last) break; /* ls was freed */
        }
        if (same_sender) s = cj_hmap_get(&mp->senders, tx->from);
    }

    mp_entry *e = calloc(1, sizeof *e);
    uint8_t *data = tx->data_len ? malloc(tx->data_len) : NULL;
    int new_sender = 0;
    if (!e || (tx->data_len && !data)) goto oom;
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s) goto oom;
        memcpy(s->pk, tx->from, 32);
        new_sender = 1;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4;
        mp_entry **t = realloc(s->txs, cap * sizeof *t);
        if (!t) goto oom;
        s->txs = t;
        s->cap = cap;
    }
    if (mp->heap_n == mp->heap_cap) {
        size_t cap = mp->heap_cap ? mp->heap_cap * 2 : 1024;
        mp_entry **t = realloc(mp->heap, cap * sizeof *t);
        if (!t) goto oom;
        mp->heap = t;
        mp->heap_cap = cap;
    }
    if (cj_hmap_put(&mp->by_hash, hash, e) != 0) goto oom;
    if (new_sender && cj_hmap_put(&mp->senders, s->pk, s) != 0) {
        cj_hmap_del(&mp->by_hash, hash);
        goto oom;
    }
    e->pub.tx = *tx;
    if (data) memcpy(data, tx->data, tx->data_len);
    e->data = data;
    e->pub.tx.data = data;
    memcpy(e->pub.hash, hash, 32);
    e->pub.fee = res.fee;
    e->pub.total_cost = res.total_cost;
    e->pub.added_ms = now_ms;
    e->pub.sig_ok = 1;
    e->sender = s;
    size_t at = s->n;
    while (at > 0 && s->txs[at - 1]->pub.tx.nonce > tx->nonce) at--;
    memmove(&s->txs[at + 1], &s->txs[at], (s->n - at) * sizeof *s->txs);
    s->txs[at] = e;
    s->n++;
    s->pending_cost = s->pending_cost > UINT64_MAX - res.total_cost ? UINT64_MAX : s->pending_cost + res.total_cost;
    e->heap_pos = mp->heap_n;
    mp->heap[mp->heap_n++] = e;
    heap_fix(mp, e->heap_pos);
    mp->stats.admitted++;
    return CJ_MEMPOOL_OK;
oom:
    if (new_sender && s) {
        free(s->txs);
        free(s);
    }
    free(data);
    free(e);
    return mp_reject(mp, CJ_MEMPOOL_INTERNAL, err, errlen, "out of memory");
}

/* Admission of a transaction from outside (API, peers): every rule, signature included. */
cj_mempool_status cj_mempool_add(cj_mempool *mp, const cj_state *state, const coinjecture_tx *tx, int64_t now_ms,
                                 uint8_t out_hash[32], char *err, size_t errlen)
{
    return mp_add(mp, state, tx, now_ms, out_hash, err, errlen, 0);
}

/* Re-admission of a transaction of a block a reorg undid: its signature was verified when the block was
 * applied, so only the state rules run again (no per-sender or capacity limit either). */
cj_mempool_status cj_mempool_readd(cj_mempool *mp, const cj_state *state, const coinjecture_tx *tx, int64_t now_ms,
                                   char *err, size_t errlen)
{
    return mp_add(mp, state, tx, now_ms, NULL, err, errlen, 1);
}

/* Number of pending txs. */
size_t cj_mempool_size(const cj_mempool *mp)
{
    return mp ? mp->heap_n : 0;
}

/* Lookup by hash. */
const cj_mempool_entry *cj_mempool_get(const cj_mempool *mp, const uint8_t hash[32])
{
    if (!mp || !hash) return NULL;
    mp_entry *e = cj_hmap_get(&mp->by_hash, hash);
    return e ? &e->pub : NULL;
}

/* Listing order: fee desc, then sender, then nonce asc. */
static int list_cmp(const void *pa, const void *pb)
{
    const cj_mempool_entry *a = *(const cj_mempool_entry *const *)pa, *b = *(const cj_mempool_entry *const *)pb;
    if (a->fee != b->fee) return a->fee > b->fee ? -1 : 1;
    int c = memcmp(a->tx.from, b->tx.from, 32);
    if (c) return c;
    return a->tx.nonce < b->tx.nonce ? -1 : a->tx.nonce > b->tx.nonce;
}

/* Snapshot of the pool for the API, best fee first. */
size_t cj_mempool_list(const cj_mempool *mp, const cj_mempool_entry **out, size_t max)
{
    if (!mp || !out || max == 0 || mp->heap_n == 0) return 0;
    const cj_mempool_entry **all = malloc(mp->heap_n * sizeof *all);
    if (!all) return 0;
    for (size_t i = 0; i < mp->heap_n; i++) all[i] = &mp->heap[i]->pub;
    qsort(all, mp->heap_n, sizeof *all, list_cmp);
    size_t n = mp->heap_n < max ? mp->heap_n : max;
    memcpy(out, all, n * sizeof *out);
    free(all);
    return n;
}

/* Pending count of one sender. */
size_t cj_mempool_sender_count(const cj_mempool *mp, const uint8_t pubkey[32])
{
    if (!mp || !pubkey) return 0;
    mp_sender *s = cj_hmap_get(&mp->senders, pubkey);
    return s ? s->n : 0;
}

/* Removes one tx by hash. */
int cj_mempool_remove(cj_mempool *mp, const uint8_t hash[32])
{
    if (!mp || !hash) return 0;
    mp_entry *e = cj_hmap_get(&mp->by_hash, hash);
    if (!e) return 0;
    entry_remove(mp, e);
    return 1;
}

/* Collects the expired entries first (removal reshuffles the hash map), then removes them. */
size_t cj_mempool_expire(cj_mempool *mp, int64_t now_ms)
{
    if (!mp || mp->heap_n == 0) return 0;
    mp_entry **old = malloc(mp->heap_n * sizeof *old);
    if (!old) return 0;
    size_t n = 0;
    for (size_t i = 0; i < mp->heap_n; i++) {
        mp_entry *e = mp->heap[i];
        if (now_ms > e->pub.added_ms && (uint64_t)(now_ms - e->pub.added_ms) > mp->opt.max_age_ms) old[n++] = e;
    }
    for (size_t i = 0; i < n; i++) entry_remove(mp, old[i]);
    free(old);
    mp->stats.expired += n;
    return n;
}

/* Removes a sender's txs below its account nonce; returns how many. */
static size_t prune_sender(cj_mempool *mp, const cj_state *state, const uint8_t pk[32])
{
    mp_sender *s = cj_hmap_get(&mp->senders, pk);
    if (!s) return 0;
    coinjecture_account acct;
    cj_state_get(state, pk, &acct);
    size_t n = 0;
    while (s && s->n > 0 && s->txs[0]->pub.tx.nonce < acct.nonce) {
        int last = s->n == 1;
        recent_add(mp, s->txs[0]->pub.hash);
        entry_remove(mp, s->txs[0]);
        n++;
        if (last) s = NULL;
    }
    return n;
}

/* Drops confirmed / superseded txs after the tip moved. */
size_t cj_mempool_prune(cj_mempool *mp, const cj_state *state, const uint8_t (*senders)[32], size_t n)
{
    if (!mp || !state) return 0;
    size_t removed = 0;
    if (senders) {
        for (size_t i = 0; i < n; i++) removed += prune_sender(mp, state, senders[i]);
    } else {
        size_t cnt = mp->senders.count, k = 0;
        uint8_t (*pks)[32] = malloc((cnt ? cnt : 1) * sizeof *pks);
        if (!pks) return 0;
        for (size_t i = 0; i < mp->senders.cap && k < cnt; i++)
            if (mp->senders.slots[i].val) memcpy(pks[k++], mp->senders.slots[i].key, 32);
        for (size_t i = 0; i < k; i++) removed += prune_sender(mp, state, pks[i]);
        free(pks);
    }
    mp->stats.confirmed += removed;
    return removed;
}

typedef struct {
    mp_sender *s;
    size_t next; /* index into s->txs of the sender's next candidate */
} pick_cursor;

/* Block-order priority between two senders' next txs: higher fee, then smaller hash. */
static int pick_before(const pick_cursor *a, const pick_cursor *b)
{
    const cj_mempool_entry *x = &a->s->txs[a->next]->pub, *y = &b->s->txs[b->next]->pub;
    if (x->fee != y->fee) return x->fee > y->fee;
    return memcmp(x->hash, y->hash, 32) < 0;
}

/* Sift-down for the max-heap of sender cursors. */
static void pick_down(pick_cursor *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && pick_before(&h[l], &h[m])) m = l;
        if (r < n && pick_before(&h[r], &h[m])) m = r;
        if (m == i) return;
        pick_cursor t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* Merges the senders' nonce-ordered queues by fee: a max-heap keyed by each sender's next executable tx. */
size_t cj_mempool_select(cj_mempool *mp, const cj_state *state, cj_chain_pick_fn fn, void *ctx)
{
    if (!mp || !state || !fn || mp->heap_n == 0) return 0;
    size_t ns = mp->senders.count;
    pick_cursor *h = malloc(ns * sizeof *h);
    mp_entry **drop = malloc(mp->heap_n * sizeof *drop);
    if (!h || !drop) {
        free(h);
        free(drop);
        return 0;
    }
    size_t n = 0, ndrop = 0, taken = 0;
    for (size_t i = 0; i < mp->senders.cap; i++) {
        mp_sender *s = mp->senders.slots[i].val;
        if (!s) continue;
        coinjecture_account acct;
        cj_state_get(state, s->pk, &acct);
        size_t j = 0;
        while (j < s->n && s->txs[j]->pub.tx.nonce < acct.nonce) drop[ndrop++] = s->txs[j++]; /* stale */
        if (j < s->n && s->txs[j]->pub.tx.nonce == acct.nonce) h[n++] = (pick_cursor){s, j};
    }
    size_t stale = ndrop;
    for (size_t i = n / 2; i-- > 0;) pick_down(h, n, i);
    while (n > 0) {
        pick_cursor *top = &h[0];
        mp_entry *e = top->s->txs[top->next];
        int verdict = fn(ctx, &e->pub.tx, e->pub.hash);
        if (verdict == CJ_PICK_STOP) break;
        int keep = 0;
        if (verdict == CJ_PICK_TAKE) {
            taken++;
            size_t nx = top->next + 1;
            if (nx < top->s->n && top->s->txs[nx]->pub.tx.nonce == e->pub.tx.nonce + 1) {
                top->next = nx;
                keep = 1;
            }
        } else if (verdict == CJ_PICK_DROP) {
            drop[ndrop++] = e;
        }
        if (!keep) h[0] = h[--n];
        pick_down(h, n, 0);
    }
    for (size_t i = 0; i < ndrop; i++) {
        if (i < stale) recent_add(mp, drop[i]->pub.hash);
        entry_remove(mp, drop[i]);
    }
    mp->stats.confirmed += stale;
    mp->stats.dropped_invalid += ndrop - stale;
    free(h);
    free(drop);
    return taken;
}

/* Counters. */
void cj_mempool_get_stats(const cj_mempool *mp, cj_mempool_stats *out)
{
    if (!out) return;
    if (!mp) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = mp->stats;
}

/* cj_tx_source adapters: the chain calls through these and never sees the pool. */
static int source_sig_verified(void *ctx, const uint8_t hash[32])
{
    return cj_mempool_sig_verified(ctx, hash);
}

/* Upper bound of the candidates select offers. */
static size_t source_count(void *ctx)
{
    return cj_mempool_size(ctx);
}

/* Offers the executable transactions in block order. */
static void source_select(void *ctx, const cj_state *state, cj_chain_pick_fn pick, void *pick_ctx)
{
    (void)cj_mempool_select(ctx, state, pick, pick_ctx);
}

/* The pool as a transaction source for cj_chain_produce and cj_chain_import. */
void cj_mempool_source(cj_mempool *mp, cj_tx_source *out)
{
    memset(out, 0, sizeof *out);
    if (mp == NULL)
        return;
    out->ctx = mp;
    out->sig_verified = source_sig_verified;
    out->count = source_count;
    out->select = source_select;
}

/* After a reorg: the transactions of the undone blocks back into the pool, lowest block first so each
 * sender's nonces come in order. */
static void readd_undone(cj_mempool *mp, const cj_state *state, const cj_tip_move *m, int64_t now)
{
    uint32_t back = 0, lost = 0;
    char err[200], first[240] = "";
    for (uint32_t i = 0; i < m->undone; i++) {
        const coinjecture_block *b = &m->undone_blocks[i];
        for (uint32_t t = 0; t < b->tx_count; t++) {
            err[0] = '\0';
            cj_mempool_status st = cj_mempool_readd(mp, state, &b->transactions[t], now, err, sizeof err);
            back += st == CJ_MEMPOOL_OK;
            if (st != CJ_MEMPOOL_OK && st != CJ_MEMPOOL_NONCE_TOO_LOW && st != CJ_MEMPOOL_DUPLICATE && lost++ == 0)
                snprintf(first, sizeof first, "%.30s: %.199s", cj_mempool_status_name(st), err);
        }
    }
    if (back > 0)
        cj_log_info("mempool: reorg: %u transactions of %u undone block(s) are pending again", back, m->undone);
    if (lost > 0)
        cj_log_warn("mempool: reorg: %u transactions of the undone blocks cannot be pending again (first: %s)", lost,
                    first);
}

/* Prunes by the moved senders (every sender when the move lists none), then re-admits what a reorg undid. */
size_t cj_mempool_on_tip(cj_mempool *mp, const cj_state *state, const cj_tip_move *m, int64_t now_ms)
{
    if (mp == NULL || m == NULL || !m->moved)
        return 0;
    size_t dropped = 0;
    if (m->undone > 0 || (m->senders == NULL && m->n_senders > 0))
        dropped = cj_mempool_prune(mp, state, NULL, 0);
    else if (m->n_senders > 0)
        dropped = cj_mempool_prune(mp, state, m->senders, m->n_senders);
    if (m->undone > 0 && m->undone_blocks != NULL)
        readd_undone(mp, state, m, now_ms);
    return dropped;
}
