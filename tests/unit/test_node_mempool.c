/* Mempool: admission verdicts, pending-balance accounting, block order (fee then nonce), future nonces,
 * per-sender limit, eviction of the lowest fee, expiry, pruning after a block, listing. */
#include "node_testutil.h"

#define FUND 10000000ull

typedef struct {
    cj_chain *c;
    char *dir;
    cj_genesis g;
    nt_key val, u[4], sink;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    nt_key_make(&f->val, 1);
    for (int i = 0; i < 4; i++) nt_key_make(&f->u[i], (uint8_t)(20 + i));
    nt_key_make(&f->sink, 99);
    nt_genesis(&f->g, 1, &f->val, 4, f->u, FUND);
    f->dir = nt_tmpdir();
    f->c = nt_open(f->dir, &f->g, &f->val);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cj_chain_close(f->c);
    nt_rmdir(f->dir);
    cj_genesis_free(&f->g);
    free(f);
    return 0;
}

static cj_mempool *pool(uint32_t max_txs, uint32_t per_sender, uint32_t gap, uint64_t max_age)
{
    cj_mempool_options o;
    cj_mempool_options_default(&o);
    if (max_txs) o.max_txs = max_txs;
    if (per_sender) o.max_per_sender = per_sender;
    if (gap) o.max_future_gap = gap;
    if (max_age) o.max_age_ms = max_age;
    cj_mempool *mp = cj_mempool_new(&o);
    assert_non_null(mp);
    return mp;
}

static void test_admission_verdicts(void **state)
{
    fixture *f = *state;
    cj_mempool *mp = pool(0, 0, 0, 0);
    const nt_key *u = &f->u[0];
    char err[256];
    uint8_t h[32], h2[32];

    coinjecture_tx t0 = nt_tx(u, f->sink.pk, 1000, 0, 1);
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &t0, NT_T0, h, err, sizeof err), CJ_MEMPOOL_OK);
    uint8_t want[32];
    assert_int_equal(coinjecture_tx_hash(&t0, want), COINJ_OK);
    assert_memory_equal(h, want, 32);
    const cj_mempool_entry *e = cj_mempool_get(mp, h);
    assert_non_null(e);
    assert_int_equal(e->fee, 21000);
    assert_int_equal(e->total_cost, 22000);
    assert_int_equal(e->sig_ok, 1);
    assert_int_equal(e->added_ms, NT_T0);
    assert_memory_equal(e->tx.signature, t0.signature, 64);

    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &t0, NT_T0, h2, err, sizeof err), CJ_MEMPOOL_DUPLICATE);
    assert_memory_equal(h2, h, 32); /* hash reported even when refused */

    coinjecture_tx x = nt_tx(u, f->sink.pk, 1000, 1, 1);
    x.signature[5] ^= 1;
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_BAD_SIGNATURE);
    x = nt_tx(u, f->sink.pk, 999, 0, 1); /* same nonce as t0, different tx */
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_NONCE_EXISTS);
    x = nt_tx(u, f->sink.pk, 1000, 1 + 1 + 64, 1); /* pending 1, gap 64: nonce 66 is one too far */
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_NONCE_TOO_HIGH);
    x = nt_tx(u, f->sink.pk, 1000, 1 + 64, 1); /* the furthest allowed future nonce is held */
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_OK);
    x = nt_tx(u, f->sink.pk, 500000000, 1, 1); /* fee 21000 < amount / 10000 = 50000 */
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_FEE_TOO_LOW);
    x = nt_tx(u, f->sink.pk, 1000, 1, 0); /* zero gas price */
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_FEE_TOO_LOW);
    x = nt_tx(u, f->sink.pk, 1000, 1, 1);
    x.gas_limit = 20000;
    x.gas_price = 1;
    assert_int_equal(coinjecture_tx_sign(&x, u->sk), COINJ_OK);
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_GAS_TOO_LOW);
    x = nt_tx(u, f->sink.pk, 1000, 1, UINT64_MAX / 1000); /* gas_limit * gas_price overflows */
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_OVERFLOW);
    x = nt_tx(u, f->sink.pk, 1000, 1, 1);
    x.tx_type = COINJECTURE_TX_PROBLEM_SUBMISSION;
    x.gas_limit = 50000;
    assert_int_equal(coinjecture_tx_sign(&x, u->sk), COINJ_OK);
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_MALFORMED);
    x = nt_tx(u, f->sink.pk, 1000, 1, 1);
    x.codec_version = 2;
    assert_int_equal(coinjecture_tx_sign(&x, u->sk), COINJ_OK);
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_MALFORMED);
    x = nt_tx(u, f->sink.pk, 1000, 1, 1);
    x.data_len = 4; /* data pointer missing */
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_MALFORMED);

    /* balance counts every pending tx of the sender: pending cost is 2 * 22000 now */
    x = nt_tx(u, f->sink.pk, FUND - 2 * 22000 - 21000 + 1, 1, 1);
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_INSUFFICIENT_BALANCE);
    assert_non_null(strstr(err, "pending"));
    x = nt_tx(u, f->sink.pk, FUND - 2 * 22000 - 21000, 1, 1); /* exactly affordable; fee >= amount/10000 */
    x.gas_price = 50;
    x.amount = FUND - 2 * 22000 - 21000 * 50;
    assert_int_equal(coinjecture_tx_sign(&x, u->sk), COINJ_OK);
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_OK);
    assert_int_equal(cj_mempool_size(mp), 3);
    assert_int_equal(cj_mempool_sender_count(mp, u->pk), 3);

    /* an unfunded sender cannot pay the fee */
    nt_key poor;
    nt_key_make(&poor, 55);
    x = nt_tx(&poor, f->sink.pk, 0, 0, 1);
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_INSUFFICIENT_BALANCE);

    /* local minimum gas price */
    cj_mempool_options o;
    cj_mempool_options_default(&o);
    o.min_gas_price = 5;
    cj_mempool *strict = cj_mempool_new(&o);
    x = nt_tx(&f->u[1], f->sink.pk, 10, 0, 4);
    assert_int_equal(cj_mempool_add(strict, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_FEE_TOO_LOW);
    x = nt_tx(&f->u[1], f->sink.pk, 10, 0, 5);
    assert_int_equal(cj_mempool_add(strict, cj_chain_state(f->c), &x, NT_T0, NULL, err, sizeof err), CJ_MEMPOOL_OK);
    cj_mempool_free(strict);

    /* argument checks */
    assert_int_equal(cj_mempool_add(NULL, cj_chain_state(f->c), &t0, NT_T0, NULL, NULL, 0), CJ_MEMPOOL_INTERNAL);
    assert_int_equal(cj_mempool_add(mp, NULL, &t0, NT_T0, NULL, NULL, 0), CJ_MEMPOOL_INTERNAL);
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), NULL, NT_T0, NULL, NULL, 0), CJ_MEMPOOL_INTERNAL);
    assert_null(cj_mempool_get(mp, NULL));
    assert_null(cj_mempool_get(NULL, h));
    assert_int_equal(cj_mempool_size(NULL), 0);
    assert_int_equal(cj_mempool_remove(mp, NULL), 0);
    assert_int_equal(cj_mempool_sender_count(NULL, u->pk), 0);
    cj_mempool_stats st;
    cj_mempool_get_stats(mp, &st);
    assert_int_equal(st.admitted, 3);
    assert_true(st.rejected >= 14);
    assert_string_equal(cj_mempool_status_name(CJ_MEMPOOL_INSUFFICIENT_BALANCE), "insufficient-balance");
    assert_string_equal(cj_mempool_status_name((cj_mempool_status)1000), "unknown");

    assert_int_equal(cj_mempool_remove(mp, h), 1);
    assert_int_equal(cj_mempool_remove(mp, h), 0);
    assert_null(cj_mempool_get(mp, h));
    assert_int_equal(cj_mempool_size(mp), 2);
    cj_mempool_free(mp);
    cj_mempool_free(NULL);
}

typedef struct {
    int n;
    uint8_t from[32][32];
    uint64_t nonce[32], fee[32];
    int stop_after;
    int skip_sender_of; /* index into fixture keys + 1, or 0 */
    const uint8_t *skip_pk;
    const cj_mempool *mp; /* the pool offering the txs: each offered tx is a pooled entry */
} recorder;

static int record(void *ctx, const coinjecture_tx *tx, const uint8_t hash[32])
{
    recorder *r = ctx;
    const cj_mempool_entry *e = cj_mempool_get(r->mp, hash);
    assert_non_null(e);
    assert_ptr_equal(&e->tx, tx);
    if (r->stop_after && r->n == r->stop_after) return CJ_PICK_STOP;
    if (r->skip_pk && memcmp(e->tx.from, r->skip_pk, 32) == 0) return CJ_PICK_SKIP;
    memcpy(r->from[r->n], e->tx.from, 32);
    r->nonce[r->n] = e->tx.nonce;
    r->fee[r->n] = e->fee;
    r->n++;
    return CJ_PICK_TAKE;
}

static void test_block_order(void **state)
{
    fixture *f = *state;
    cj_mempool *mp = pool(0, 0, 0, 0);
    const nt_key *a = &f->u[0], *b = &f->u[1], *c = &f->u[2];
    /* A: nonce 0 cheap, nonce 1 expensive; B: nonce 0 medium; C: nonce 1 only (future, gap) */
    coinjecture_tx txs[] = {
        nt_tx(a, f->sink.pk, 1, 1, 10), nt_tx(a, f->sink.pk, 1, 0, 1), nt_tx(b, f->sink.pk, 1, 0, 5),
        nt_tx(c, f->sink.pk, 1, 1, 100), nt_tx(b, f->sink.pk, 1, 1, 2),
    };
    for (size_t i = 0; i < sizeof txs / sizeof txs[0]; i++) nt_add(mp, f->c, &txs[i], CJ_MEMPOOL_OK);
    recorder r;
    memset(&r, 0, sizeof r);
    r.mp = mp;
    assert_int_equal(cj_mempool_select(mp, cj_chain_state(f->c), record, &r), 4);
    /* B0 (5) first; then B1 (2) vs A0 (1): B1; then A0, then A1 (10) which had to wait for A0 */
    assert_int_equal(r.n, 4);
    assert_memory_equal(r.from[0], b->pk, 32);
    assert_int_equal(r.nonce[0], 0);
    assert_memory_equal(r.from[1], b->pk, 32);
    assert_int_equal(r.nonce[1], 1);
    assert_memory_equal(r.from[2], a->pk, 32);
    assert_int_equal(r.nonce[2], 0);
    assert_memory_equal(r.from[3], a->pk, 32);
    assert_int_equal(r.nonce[3], 1);
    assert_int_equal(cj_mempool_size(mp), 5); /* select does not remove taken txs */

    /* STOP and SKIP */
    memset(&r, 0, sizeof r);
    r.mp = mp;
    r.stop_after = 1;
    assert_int_equal(cj_mempool_select(mp, cj_chain_state(f->c), record, &r), 1);
    memset(&r, 0, sizeof r);
    r.mp = mp;
    r.skip_pk = b->pk;
    assert_int_equal(cj_mempool_select(mp, cj_chain_state(f->c), record, &r), 2);
    assert_memory_equal(r.from[0], a->pk, 32);

    /* listing: fee order over everything, future txs included */
    const cj_mempool_entry *list[8];
    assert_int_equal(cj_mempool_list(mp, list, 8), 5);
    assert_int_equal(list[0]->fee, 21000 * 100);
    for (int i = 1; i < 5; i++) assert_true(list[i - 1]->fee >= list[i]->fee);
    assert_int_equal(cj_mempool_list(mp, list, 2), 2);
    assert_int_equal(cj_mempool_list(mp, list, 0), 0);
    assert_int_equal(cj_mempool_list(NULL, list, 2), 0);

    /* production takes them in that order and the pool forgets the included ones */
    cj_produce_result pr;
    free(nt_produce(f->c, mp, NT_T0 + 1000, &(size_t){0}, &pr));
    assert_int_equal(pr.tx_count, 4);
    assert_int_equal(cj_mempool_size(mp), 1); /* C's future tx stays */
    cj_chain_tx t;
    uint8_t hb0[32];
    assert_int_equal(coinjecture_tx_hash(&txs[2], hb0), COINJ_OK);
    assert_int_equal(cj_chain_tx_by_hash(f->c, hb0, &t), CJ_CHAIN_OK);
    assert_int_equal(t.index, 0);
    cj_chain_tx_free(&t);
    cj_mempool_stats st;
    cj_mempool_get_stats(mp, &st);
    assert_int_equal(st.confirmed, 4);
    /* once C's nonce 0 arrives, both become executable in order */
    coinjecture_tx c0 = nt_tx(c, f->sink.pk, 1, 0, 1);
    nt_add(mp, f->c, &c0, CJ_MEMPOOL_OK);
    memset(&r, 0, sizeof r);
    r.mp = mp;
    assert_int_equal(cj_mempool_select(mp, cj_chain_state(f->c), record, &r), 2);
    assert_int_equal(r.nonce[0], 0);
    assert_int_equal(r.nonce[1], 1);
    /* a confirmed nonce is too low now */
    coinjecture_tx again = nt_tx(a, f->sink.pk, 7, 0, 1);
    nt_add(mp, f->c, &again, CJ_MEMPOOL_NONCE_TOO_LOW);
    cj_mempool_free(mp);
}

static void test_limits_and_eviction(void **state)
{
    fixture *f = *state;
    /* per-sender limit */
    cj_mempool *mp = pool(0, 3, 0, 0);
    for (uint64_t n = 0; n < 3; n++) {
        coinjecture_tx t = nt_tx(&f->u[0], f->sink.pk, 1, n, 1);
        nt_add(mp, f->c, &t, CJ_MEMPOOL_OK);
    }
    coinjecture_tx t = nt_tx(&f->u[0], f->sink.pk, 1, 3, 1);
    nt_add(mp, f->c, &t, CJ_MEMPOOL_SENDER_LIMIT);
    cj_mempool_free(mp);

    /* capacity 3: a cheaper or equal tx is refused, a dearer one evicts the cheapest */
    mp = pool(3, 0, 0, 0);
    coinjecture_tx a = nt_tx(&f->u[0], f->sink.pk, 1, 0, 2), b = nt_tx(&f->u[1], f->sink.pk, 1, 0, 3),
                   c = nt_tx(&f->u[2], f->sink.pk, 1, 0, 4);
    nt_add(mp, f->c, &a, CJ_MEMPOOL_OK);
    nt_add(mp, f->c, &b, CJ_MEMPOOL_OK);
    nt_add(mp, f->c, &c, CJ_MEMPOOL_OK);
    coinjecture_tx cheap = nt_tx(&f->u[3], f->sink.pk, 1, 0, 2);
    nt_add(mp, f->c, &cheap, CJ_MEMPOOL_FULL);
    coinjecture_tx dear = nt_tx(&f->u[3], f->sink.pk, 1, 0, 9);
    nt_add(mp, f->c, &dear, CJ_MEMPOOL_OK);
    uint8_t ha[32], hb[32];
    assert_int_equal(coinjecture_tx_hash(&a, ha), COINJ_OK);
    assert_int_equal(coinjecture_tx_hash(&b, hb), COINJ_OK);
    assert_null(cj_mempool_get(mp, ha));
    assert_non_null(cj_mempool_get(mp, hb));
    assert_int_equal(cj_mempool_size(mp), 3);
    assert_int_equal(cj_mempool_sender_count(mp, f->u[0].pk), 0);
    cj_mempool_stats st;
    cj_mempool_get_stats(mp, &st);
    assert_int_equal(st.evicted, 1);
    cj_mempool_free(mp);

    /* evicting a sender's cheap tx also evicts its later nonces (they could not execute) */
    mp = pool(3, 0, 0, 0);
    coinjecture_tx s0 = nt_tx(&f->u[0], f->sink.pk, 1, 0, 1), s1 = nt_tx(&f->u[0], f->sink.pk, 1, 1, 20),
                   o = nt_tx(&f->u[1], f->sink.pk, 1, 0, 5), n = nt_tx(&f->u[2], f->sink.pk, 1, 0, 6);
    nt_add(mp, f->c, &s0, CJ_MEMPOOL_OK);
    nt_add(mp, f->c, &s1, CJ_MEMPOOL_OK);
    nt_add(mp, f->c, &o, CJ_MEMPOOL_OK);
    nt_add(mp, f->c, &n, CJ_MEMPOOL_OK);
    assert_int_equal(cj_mempool_size(mp), 2);
    assert_int_equal(cj_mempool_sender_count(mp, f->u[0].pk), 0);
    cj_mempool_get_stats(mp, &st);
    assert_int_equal(st.evicted, 2);
    cj_mempool_free(mp);
}

static void test_expiry_and_prune(void **state)
{
    fixture *f = *state;
    cj_mempool *mp = pool(0, 0, 0, 1000);
    coinjecture_tx a = nt_tx(&f->u[0], f->sink.pk, 1, 0, 1), b = nt_tx(&f->u[1], f->sink.pk, 1, 0, 1);
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &a, 0, NULL, NULL, 0), CJ_MEMPOOL_OK);
    assert_int_equal(cj_mempool_add(mp, cj_chain_state(f->c), &b, 600, NULL, NULL, 0), CJ_MEMPOOL_OK);
    assert_int_equal(cj_mempool_expire(mp, 500), 0);
    assert_int_equal(cj_mempool_expire(mp, 1000), 0); /* exactly max age: kept */
    assert_int_equal(cj_mempool_expire(mp, 1001), 1);
    assert_int_equal(cj_mempool_size(mp), 1);
    assert_int_equal(cj_mempool_expire(mp, 5000), 1);
    assert_int_equal(cj_mempool_size(mp), 0);
    assert_int_equal(cj_mempool_expire(NULL, 5000), 0);
    cj_mempool_stats st;
    cj_mempool_get_stats(mp, &st);
    assert_int_equal(st.expired, 2);

    /* prune: a block from elsewhere confirmed nonce 0 and 1 of u[2] */
    coinjecture_tx p0 = nt_tx(&f->u[2], f->sink.pk, 1, 0, 1), p1 = nt_tx(&f->u[2], f->sink.pk, 2, 1, 1),
                   p2 = nt_tx(&f->u[2], f->sink.pk, 3, 2, 1);
    nt_add(mp, f->c, &p0, CJ_MEMPOOL_OK);
    nt_add(mp, f->c, &p1, CJ_MEMPOOL_OK);
    cj_mempool *other = pool(0, 0, 0, 0);
    coinjecture_tx q0 = nt_tx(&f->u[2], f->sink.pk, 9, 0, 1), q1 = nt_tx(&f->u[2], f->sink.pk, 9, 1, 1);
    nt_add(other, f->c, &q0, CJ_MEMPOOL_OK);
    nt_add(other, f->c, &q1, CJ_MEMPOOL_OK);
    free(nt_produce(f->c, other, NT_T0 + 1000, &(size_t){0}, NULL));
    nt_add(mp, f->c, &p2, CJ_MEMPOOL_OK); /* nonce 2 is now the next one */
    assert_int_equal(cj_mempool_prune(mp, cj_chain_state(f->c), NULL, 0), 2);
    assert_int_equal(cj_mempool_size(mp), 1);
    assert_int_equal(cj_mempool_prune(mp, cj_chain_state(f->c), (const uint8_t(*)[32])f->u[2].pk, 1), 0);
    assert_int_equal(cj_mempool_prune(NULL, cj_chain_state(f->c), NULL, 0), 0);
    cj_mempool_free(other);
    cj_mempool_free(mp);
}

/* A large pool stays consistent through admission, selection and removal (exercises the heaps). */
static void test_many_senders(void **state)
{
    fixture *f = *state;
    enum { SENDERS = 4, PER = 40 };
    cj_mempool *mp = pool(100, 0, 0, 0);
    uint64_t rng = 99;
    int ok = 0;
    for (int i = 0; i < PER; i++)
        for (int s = 0; s < SENDERS; s++) {
            coinjecture_tx t = nt_tx(&f->u[s], f->sink.pk, 1, (uint64_t)i, 1 + tu_rand_u64(&rng) % 5);
            cj_mempool_status st = cj_mempool_add(mp, cj_chain_state(f->c), &t, NT_T0, NULL, NULL, 0);
            assert_true(st == CJ_MEMPOOL_OK || st == CJ_MEMPOOL_FULL || st == CJ_MEMPOOL_NONCE_TOO_HIGH);
            ok += st == CJ_MEMPOOL_OK;
        }
    assert_true(cj_mempool_size(mp) <= 100);
    recorder r;
    memset(&r, 0, sizeof r);
    r.mp = mp;
    r.stop_after = 32;
    size_t taken = cj_mempool_select(mp, cj_chain_state(f->c), record, &r);
    assert_int_equal(taken, (size_t)r.n);
    /* per sender the taken nonces are consecutive from 0 */
    for (int s = 0; s < SENDERS; s++) {
        uint64_t next = 0;
        for (int i = 0; i < r.n; i++)
            if (memcmp(r.from[i], f->u[s].pk, 32) == 0) assert_int_equal(r.nonce[i], next++);
    }
    cj_mempool_free(mp);
    assert_true(ok >= 100);
}

/* Re-adding a reorged-out tx: no signature check, no per-sender or capacity limit, state rules still. */
static void test_readd(void **state)
{
    fixture *f = *state;
    cj_mempool *mp = pool(2, 1, 0, 0);
    coinjecture_tx a = nt_tx(&f->u[0], f->sink.pk, 1, 0, 1), b = nt_tx(&f->u[0], f->sink.pk, 1, 1, 1),
                   c = nt_tx(&f->u[1], f->sink.pk, 1, 0, 1);
    coinjecture_tx forged = nt_tx(&f->u[2], f->sink.pk, 1, 0, 1);
    forged.signature[3] ^= 1;
    nt_add(mp, f->c, &a, CJ_MEMPOOL_OK);
    nt_add(mp, f->c, &b, CJ_MEMPOOL_SENDER_LIMIT);
    nt_add(mp, f->c, &forged, CJ_MEMPOOL_BAD_SIGNATURE);
    char err[128];
    assert_int_equal(cj_mempool_readd(mp, cj_chain_state(f->c), &b, 0, err, sizeof err), CJ_MEMPOOL_OK); /* past the sender limit */
    assert_int_equal(cj_mempool_readd(mp, cj_chain_state(f->c), &c, 0, NULL, 0), CJ_MEMPOOL_OK);         /* past capacity (2) */
    assert_int_equal(cj_mempool_size(mp), 3);
    assert_int_equal(cj_mempool_readd(mp, cj_chain_state(f->c), &forged, 0, NULL, 0), CJ_MEMPOOL_OK); /* trusted: from a block */
    assert_int_equal(cj_mempool_readd(mp, cj_chain_state(f->c), &a, 0, NULL, 0), CJ_MEMPOOL_DUPLICATE);
    coinjecture_tx poor = nt_tx(&f->u[3], f->sink.pk, FUND, 0, 1);
    assert_int_equal(cj_mempool_readd(mp, cj_chain_state(f->c), &poor, 0, err, sizeof err), CJ_MEMPOOL_INSUFFICIENT_BALANCE);
    assert_true(strlen(err) > 0);
    assert_int_equal(cj_mempool_readd(NULL, cj_chain_state(f->c), &a, 0, NULL, 0), CJ_MEMPOOL_INTERNAL);
    cj_mempool_free(mp);
}

/* Verified signatures are remembered while pending and after the tx left the pool confirmed. */
static void test_sig_verified(void **state)
{
    fixture *f = *state;
    cj_mempool *mp = pool(0, 0, 0, 0);
    coinjecture_tx a = nt_tx(&f->u[0], f->sink.pk, 1, 0, 1), b = nt_tx(&f->u[1], f->sink.pk, 1, 0, 1);
    uint8_t ha[32], hb[32];
    assert_int_equal(coinjecture_tx_hash(&a, ha), COINJ_OK);
    assert_int_equal(coinjecture_tx_hash(&b, hb), COINJ_OK);
    assert_int_equal(cj_mempool_sig_verified(mp, ha), 0);
    nt_add(mp, f->c, &a, CJ_MEMPOOL_OK);
    assert_int_equal(cj_mempool_sig_verified(mp, ha), 1);
    assert_int_equal(cj_mempool_sig_verified(mp, hb), 0);
    free(nt_produce(f->c, mp, NT_T0 + 1000, &(size_t){0}, NULL)); /* a is confirmed and leaves the pool */
    assert_null(cj_mempool_get(mp, ha));
    assert_int_equal(cj_mempool_sig_verified(mp, ha), 1);
    assert_int_equal(cj_mempool_sig_verified(NULL, ha), 0);
    assert_int_equal(cj_mempool_sig_verified(mp, NULL), 0);
    /* a tx removed without being confirmed (expired) is not remembered */
    nt_add(mp, f->c, &b, CJ_MEMPOOL_OK);
    assert_int_equal(cj_mempool_remove(mp, hb), 1);
    assert_int_equal(cj_mempool_sig_verified(mp, hb), 0);
    cj_mempool_free(mp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_admission_verdicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits_and_eviction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry_and_prune, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_senders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sig_verified, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
