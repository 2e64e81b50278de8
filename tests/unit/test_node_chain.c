/* Chain: genesis determinism, schedule, production and import, every validation verdict with state left
 * untouched (atomicity), undo, reorg (including a failed one), double-sign evidence, rewards, dropped txs. */
#include <sqlite3.h>

#include "node_testutil.h"
#include "rewards.h"

#define BIG 1000000000000ull

/* ---- genesis ---- */

static void genesis_hash_of(const cj_genesis *g, uint8_t out[32])
{
    char *d = nt_tmpdir();
    cj_chain *c = nt_open(d, g, NULL);
    cj_chain_genesis_hash(c, out);
    cj_chain_close(c);
    nt_rmdir(d);
}

static void test_genesis_determinism(void **state)
{
    (void)state;
    nt_key v[2], u;
    nt_key_make(&v[0], 1);
    nt_key_make(&v[1], 2);
    nt_key_make(&u, 9);
    cj_genesis g;
    nt_genesis(&g, 2, v, 1, &u, BIG);

    char *d1 = nt_tmpdir();
    cj_chain *c = nt_open(d1, &g, NULL);
    uint8_t h1[32], h2[32], root[32], tip[32];
    cj_chain_genesis_hash(c, h1);
    cj_chain_tip_hash(c, tip);
    assert_memory_equal(h1, tip, 32);
    assert_int_equal(cj_chain_height(c), 0);
    assert_int_equal(cj_chain_tip_weight(c), 0);
    assert_int_equal(cj_chain_tip_timestamp(c), NT_T0);
    assert_int_equal(nt_balance(c, u.pk), BIG);
    assert_int_equal(cj_chain_account_count(c), 1);
    cj_chain_state_root(c, root);

    cj_chain_block blk;
    assert_int_equal(cj_chain_block_by_height(c, 0, &blk), CJ_CHAIN_OK);
    assert_int_equal(blk.height, 0);
    assert_int_equal(blk.canonical, 1);
    assert_int_equal(blk.block.header.block_index, 0);
    assert_int_equal(blk.block.header.timestamp, NT_T0);
    assert_int_equal(blk.block.tx_count, 0);
    assert_int_equal(blk.block.header.extra_data_len, 32);
    assert_memory_equal(blk.block.header.extra_data, root, 32);
    uint8_t zero[32] = {0}, hh[32];
    assert_memory_equal(blk.block.header.parent_hash, zero, 32);
    assert_memory_equal(blk.hash, h1, 32);
    assert_int_equal(coinjecture_header_hash(&blk.block.header, hh), COINJ_OK);
    assert_memory_equal(hh, h1, 32);
    cj_chain_block_free(&blk);
    cj_chain_block_free(NULL);
    cj_chain_close(c);

    /* vector (docs/CHAIN.md §2): keys of the seeds 01x32 and 02x32, one allocation of 10^12 to the key of 09x32,
     * chain id 1337, "cj-testnet", genesis time 1700000000, 1000 ms blocks, epochs of 100, rules 2; computed
     * independently with Python (hashlib, cryptography's Ed25519, bindings/python reference.header_hash) */
    tu_assert_hash(h1, "f066008936297e60265aa79f9d167d843c30bf18cd3729a87019fc0dbe1c2688");

    /* same parameters elsewhere: same hash; reopen: same tip */
    genesis_hash_of(&g, h2);
    assert_memory_equal(h1, h2, 32);
    c = nt_open(d1, &g, NULL);
    cj_chain_tip_hash(c, tip);
    assert_memory_equal(tip, h1, 32);
    cj_chain_close(c);

    /* every parameter is committed */
    uint8_t seen[9][32];
    memcpy(seen[0], h1, 32);
    for (int variant = 1; variant <= 8; variant++) {
        cj_genesis x;
        nt_genesis(&x, 2, v, 1, &u, BIG);
        switch (variant) {
        case 1: x.chain_id++; break;
        case 2: strcpy(x.network, "cj-testnet2"); break;
        case 3: x.genesis_time++; break;
        case 4: x.block_time_ms++; break;
        case 5: x.epoch_length++; break;
        case 6: memcpy(x.validators[0], v[1].pk, 32); memcpy(x.validators[1], v[0].pk, 32); break;
        case 7: x.allocs[0].balance++; break;
        case 8: x.alloc_count = 0; break;
        }
        genesis_hash_of(&x, seen[variant]);
        for (int j = 0; j < variant; j++) assert_memory_not_equal(seen[variant], seen[j], 32);
        if (variant == 1) { /* a data dir of another genesis is refused */
            cj_chain *o = NULL;
            char err[256] = "";
            assert_int_equal(cj_chain_open(d1, &x, NULL, NULL, &o, err, sizeof err), CJ_CHAIN_GENESIS_MISMATCH);
            assert_null(o);
            assert_non_null(strstr(err, "another chain"));
        }
        cj_genesis_free(&x);
    }

    /* the rules version is committed, and a genesis or a data dir of other rules is refused, saying why */
    {
        cj_genesis x;
        nt_genesis(&x, 2, v, 1, &u, BIG);
        x.rules_version = 1;
        cj_chain *o = NULL;
        char err[512] = "";
        char *d2 = nt_tmpdir();
        assert_int_equal(cj_chain_open(d2, &x, NULL, NULL, &o, err, sizeof err), CJ_CHAIN_GENESIS_MISMATCH);
        assert_null(o);
        assert_non_null(strstr(err, "chain rules 1"));
        assert_non_null(strstr(err, "rules 2 only"));
        /* a data dir made under rules 1 (no "rules" entry in its meta table) */
        cj_chain_close(nt_open(d2, &g, NULL));
        char path[512];
        snprintf(path, sizeof path, "%s/chain.db", d2);
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "DELETE FROM meta WHERE key = 'rules'", NULL, NULL, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_changes(db), 1);
        sqlite3_close(db);
        err[0] = '\0';
        assert_int_equal(cj_chain_open(d2, &g, NULL, NULL, &o, err, sizeof err), CJ_CHAIN_GENESIS_MISMATCH);
        assert_non_null(strstr(err, "was made under chain rules 1"));
        nt_rmdir(d2);
        cj_genesis_free(&x);
    }

    /* argument checks */
    cj_chain *o = (cj_chain *)1;
    char err[256];
    assert_int_equal(cj_chain_open(NULL, &g, NULL, NULL, &o, err, sizeof err), CJ_CHAIN_BAD_ARG);
    assert_null(o);
    assert_int_equal(cj_chain_open(d1, NULL, NULL, NULL, &o, err, sizeof err), CJ_CHAIN_BAD_ARG);
    cj_genesis bad;
    nt_genesis(&bad, 2, v, 0, NULL, 0);
    bad.validator_count = 0;
    assert_int_equal(cj_chain_open(d1, &bad, NULL, NULL, &o, err, sizeof err), CJ_CHAIN_BAD_ARG);
    bad.validator_count = 2;
    bad.block_time_ms = 0;
    assert_int_equal(cj_chain_open(d1, &bad, NULL, NULL, &o, err, sizeof err), CJ_CHAIN_BAD_ARG);
    cj_genesis_free(&bad);
    uint8_t badsk[64];
    memcpy(badsk, v[0].sk, 64);
    badsk[40] ^= 1; /* public half does not match the seed */
    assert_int_equal(cj_chain_open(d1, &g, badsk, NULL, &o, err, sizeof err), CJ_CHAIN_BAD_ARG);
    assert_int_equal(cj_chain_init_datadir(d1, &g, err, sizeof err), CJ_CHAIN_OK);
    assert_int_equal(cj_chain_height(NULL), 0);
    assert_null(cj_chain_validator(NULL, 0));
    cj_chain_close(NULL);
    nt_rmdir(d1);
    cj_genesis_free(&g);
}

/* ---- schedule ---- */

static void test_schedule(void **state)
{
    (void)state;
    nt_key v[3];
    for (int i = 0; i < 3; i++) nt_key_make(&v[i], (uint8_t)(1 + i));
    cj_genesis g;
    nt_genesis(&g, 3, v, 0, NULL, 0);
    char *d = nt_tmpdir();
    cj_chain *c = nt_open(d, &g, &v[2]);
    assert_int_equal(cj_chain_validator_count(c), 3);
    assert_memory_equal(cj_chain_validator(c, 1), v[1].pk, 32);
    assert_null(cj_chain_validator(c, 3));
    assert_int_equal(cj_chain_my_index(c), 2);
    assert_int_equal(cj_chain_block_time_ms(c), NT_BLOCK_MS);
    assert_int_equal(cj_chain_chain_id(c), 1337);
    assert_int_equal(cj_chain_earliest_ms(c, 1, 1), NT_T0 + 1000);        /* in turn: parent + 1 block time */
    assert_int_equal(cj_chain_earliest_ms(c, 1, 2), NT_T0 + 1000 + 1000); /* k = 1 */
    assert_int_equal(cj_chain_earliest_ms(c, 1, 0), NT_T0 + 1000 + 2000); /* k = 2 */
    assert_int_equal(cj_chain_earliest_ms(c, 3, 0), INT64_MAX);           /* only tip + 1 */
    assert_int_equal(cj_chain_earliest_ms(c, 1, 3), INT64_MAX);
    assert_int_equal(cj_chain_turn_offset(c, 1), 0);
    assert_int_equal(cj_chain_turn_offset(c, 2), 1);
    assert_int_equal(cj_chain_turn_offset(c, 0), 2);
    assert_int_equal(cj_chain_turn_offset(c, 3), UINT64_MAX);
    assert_int_equal(cj_chain_next_production_ms(c), NT_T0 + 2000);

    cj_produce_result r;
    char err[128];
    assert_int_equal(cj_chain_produce(c, NULL, NT_T0 + 1999, &r, err, sizeof err), CJ_CHAIN_OK);
    assert_int_equal(r.produced, 0);
    assert_int_equal(cj_chain_height(c), 0);
    assert_int_equal(cj_chain_produce(c, NULL, NT_T0 + 2000, &r, err, sizeof err), CJ_CHAIN_OK);
    assert_int_equal(r.produced, 1);
    assert_int_equal(cj_chain_height(c), 1);
    assert_int_equal(cj_chain_tip_weight(c), 1); /* out of turn */
    assert_int_equal(cj_chain_tip_timestamp(c), NT_T0 + 2000);
    assert_int_equal(cj_chain_validator_blocks(c, 2), 1);
    /* height 2 is v[2]'s own turn: weight 2, one block time after its parent (not at an absolute slot) */
    assert_int_equal(cj_chain_next_production_ms(c), NT_T0 + 3000);
    assert_int_equal(cj_chain_produce(c, NULL, NT_T0 + 2999, &r, err, sizeof err), CJ_CHAIN_OK);
    assert_int_equal(r.produced, 0);
    assert_int_equal(cj_chain_produce(c, NULL, NT_T0 + 3000, &r, err, sizeof err), CJ_CHAIN_OK);
    assert_int_equal(r.produced, 1);
    assert_int_equal(cj_chain_tip_weight(c), 3);
    assert_int_equal(cj_chain_tip_timestamp(c), NT_T0 + 3000);
    /* after an outage of a minute the next block carries the time it is sealed at, and the one after it
     * is a whole block time later again: no backfill */
    assert_int_equal(cj_chain_next_production_ms(c), NT_T0 + 6000); /* height 3: k = 2 */
    assert_int_equal(cj_chain_produce(c, NULL, NT_T0 + 63000, &r, err, sizeof err), CJ_CHAIN_OK);
    assert_int_equal(r.produced, 1);
    assert_int_equal(cj_chain_tip_timestamp(c), NT_T0 + 63000);
    assert_int_equal(cj_chain_next_production_ms(c), NT_T0 + 65000); /* height 4: k = 1 */
    assert_int_equal(cj_chain_produce(c, NULL, NT_T0 + 64999, &r, err, sizeof err), CJ_CHAIN_OK);
    assert_int_equal(r.produced, 0);
    assert_int_equal(cj_chain_height(c), 3);
    cj_chain_close(c);

    /* observer */
    c = nt_open(d, &g, NULL);
    assert_int_equal(cj_chain_height(c), 3);
    assert_int_equal(cj_chain_my_index(c), -1);
    assert_int_equal(cj_chain_next_production_ms(c), INT64_MAX);
    assert_int_equal(cj_chain_produce(c, NULL, NT_T0 + 100000, &r, err, sizeof err), CJ_CHAIN_NOT_VALIDATOR);
    cj_chain_close(c);
    /* a key outside the set is not a validator either */
    nt_key x;
    nt_key_make(&x, 77);
    c = nt_open(d, &g, &x);
    assert_int_equal(cj_chain_my_index(c), -1);
    assert_int_equal(cj_chain_produce(c, NULL, NT_T0 + 100000, &r, err, sizeof err), CJ_CHAIN_NOT_VALIDATOR);
    cj_chain_close(c);
    nt_rmdir(d);
    cj_genesis_free(&g);
}


/* Vectors of the schedule rule (docs/CHAIN.md §3, rules 2): earliest = parent + (1 + k) x block time. */
static void test_schedule_vectors(void **state)
{
    (void)state;
    static const struct {
        int64_t parent;
        uint64_t bt;
        size_t n;
        uint64_t h;
        size_t i;
        int64_t want;
    } v[] = {
        {1700000000000, 500, 3, 1, 1, 1700000000500},         /* in turn (1 mod 3 = 1) */
        {1700000000000, 500, 3, 1, 2, 1700000001000},         /* k = 1 */
        {1700000000000, 500, 3, 1, 0, 1700000001500},         /* k = 2 */
        {1700000123456, 2000, 5, 7, 2, 1700000125456},        /* in turn (7 mod 5 = 2) */
        {1700000123456, 2000, 5, 7, 1, 1700000133456},        /* k = 4: the last of five */
        {1700000123456, 2000, 5, 6, 3, 1700000129456},        /* v1, v2 offline: v3 takes h = 6 at k = 2 */
        {1700000123456, 2000, 5, 7, 5, INT64_MAX},            /* not in the set */
        {1700000123456, 2000, 0, 7, 0, INT64_MAX},            /* empty set */
        {0, 100, 1, 1, 0, 100},                               /* one validator: always in turn */
        {1700000000000, 3600000, 1024, 0, 1023, 1703686400000}, /* k = 1023 at the largest block time */
        {INT64_MAX - 500, 500, 1, 9, 0, INT64_MAX},           /* exactly fits */
        {INT64_MAX - 499, 500, 1, 9, 0, INT64_MAX},           /* saturates */
        {-1, 500, 1, 9, 0, INT64_MAX},                        /* no negative parent time */
        {1700000000000, 0, 3, 1, 1, INT64_MAX},               /* no zero block time */
    };
    for (size_t j = 0; j < sizeof v / sizeof v[0]; j++) {
        int64_t got = cj_chain_schedule_earliest(v[j].parent, v[j].bt, v[j].n, v[j].h, v[j].i);
        if (got != v[j].want) fprintf(stderr, "vector %zu: %lld, expected %lld\n", j, (long long)got, (long long)v[j].want);
        assert_int_equal(got, v[j].want);
    }
}

/* ---- production and import ---- */

static void test_produce_import_roundtrip(void **state)
{
    (void)state;
    nt_key a, u, w;
    nt_key_make(&a, 1);
    nt_key_make(&u, 9);
    nt_key_make(&w, 10);
    cj_genesis g;
    nt_genesis(&g, 1, &a, 1, &u, BIG);
    char *da = nt_tmpdir(), *db = nt_tmpdir();
    cj_chain *ca = nt_open(da, &g, &a), *cb = nt_open(db, &g, NULL);
    cj_mempool *mp = cj_mempool_new(NULL);
    uint64_t supply0 = nt_balance(ca, u.pk);

    coinjecture_tx txs[5];
    uint8_t hashes[5][32];
    for (int i = 0; i < 5; i++) {
        txs[i] = nt_tx(&u, w.pk, 1000 + (uint64_t)i, (uint64_t)i, 2);
        assert_int_equal(cj_mempool_add(mp, cj_chain_state(ca), &txs[i], NT_T0, hashes[i], NULL, 0), CJ_MEMPOOL_OK);
    }
    size_t len;
    cj_produce_result r;
    uint8_t *b1 = nt_produce(ca, mp, NT_T0 + 1000, &len, &r);
    assert_int_equal(r.tx_count, 5);
    assert_int_equal(r.dropped_txs, 0);
    assert_int_equal(cj_mempool_size(mp), 0);
    assert_int_equal(cj_chain_tip_weight(ca), 2);

    /* rewards: single validator = proposer and treasury; the burn share disappears */
    uint64_t fees = 5 * 21000 * 2;
    cj_fee_split sp;
    cj_rewards_split(fees, &sp);
    assert_int_equal(sp.proposer + sp.treasury + sp.burn, fees);
    assert_int_equal(nt_balance(ca, a.pk), cj_rewards_block(1) + fees - sp.burn);
    assert_int_equal(nt_balance(ca, w.pk), 5 * 1000 + 10);
    assert_int_equal(nt_balance(ca, u.pk), supply0 - (5 * 1000 + 10) - fees);
    assert_int_equal(nt_balance(ca, u.pk) + nt_balance(ca, w.pk) + nt_balance(ca, a.pk),
                     supply0 + cj_rewards_block(1) - sp.burn);

    cj_import_result ir;
    assert_int_equal(nt_import(cb, b1, len, NT_T0 + 1000, &ir), CJ_CHAIN_OK);
    assert_int_equal(ir.extended, 1);
    assert_int_equal(ir.reorged, 0);
    assert_int_equal(ir.height, 1);
    assert_memory_equal(ir.hash, r.hash, 32);
    uint8_t ta[32], tb[32];
    cj_chain_tip_hash(ca, ta);
    cj_chain_tip_hash(cb, tb);
    assert_memory_equal(ta, tb, 32);
    cj_chain_state_root(ca, ta);
    cj_chain_state_root(cb, tb);
    assert_memory_equal(ta, tb, 32);
    coinjecture_account acc;
    assert_int_equal(cj_chain_account(cb, u.pk, &acc), 1);
    assert_int_equal(acc.nonce, 5);
    assert_int_equal(nt_import(cb, b1, len, NT_T0 + 1000, &ir), CJ_CHAIN_KNOWN);

    /* lookups */
    for (int i = 0; i < 5; i++) {
        cj_chain_tx t;
        assert_int_equal(cj_chain_tx_by_hash(cb, hashes[i], &t), CJ_CHAIN_OK);
        assert_int_equal(t.height, 1);
        assert_memory_equal(t.block_hash, r.hash, 32);
        assert_int_equal(t.block_timestamp, NT_T0 + 1000);
        assert_int_equal(t.tx.nonce, t.index); /* one sender: block order = nonce order */
        assert_int_equal(t.tx.amount, 1000 + t.tx.nonce);
        assert_memory_equal(t.tx.signature, txs[t.tx.nonce].signature, 64);
        cj_chain_tx_free(&t);
    }
    cj_chain_tx t;
    uint8_t nohash[32] = {1};
    assert_int_equal(cj_chain_tx_by_hash(cb, nohash, &t), CJ_CHAIN_NOT_FOUND);
    assert_int_equal(cj_chain_tx_by_hash(cb, NULL, &t), CJ_CHAIN_BAD_ARG);
    cj_chain_block blk;
    assert_int_equal(cj_chain_block_by_hash(cb, r.hash, &blk), CJ_CHAIN_OK);
    assert_int_equal(blk.len, len);
    assert_memory_equal(blk.bytes, b1, len);
    assert_int_equal(blk.block.tx_count, 5);
    assert_int_equal(blk.cum_weight, 2);
    cj_chain_block_free(&blk);
    assert_int_equal(cj_chain_block_by_height(cb, 2, &blk), CJ_CHAIN_NOT_FOUND);
    assert_int_equal(cj_chain_block_by_hash(cb, nohash, &blk), CJ_CHAIN_NOT_FOUND);
    free(b1);

    /* more blocks, and an orphan that becomes valid once its parent arrives */
    size_t l2, l3;
    coinjecture_tx tx5 = nt_tx(&u, w.pk, 7, 5, 1);
    nt_add(mp, ca, &tx5, CJ_MEMPOOL_OK);
    uint8_t *b2 = nt_produce(ca, mp, NT_T0 + 2000, &l2, NULL);
    uint8_t *b3 = nt_produce(ca, mp, NT_T0 + 3000, &l3, NULL);
    assert_int_equal(nt_import(cb, b3, l3, NT_T0 + 3000, &ir), CJ_CHAIN_ORPHAN);
    assert_int_equal(nt_import(cb, b2, l2, NT_T0 + 3000, &ir), CJ_CHAIN_OK);
    assert_int_equal(nt_import(cb, b3, l3, NT_T0 + 3000, &ir), CJ_CHAIN_OK);
    assert_int_equal(cj_chain_height(cb), 3);
    cj_chain_state_root(ca, ta);
    cj_chain_state_root(cb, tb);
    assert_memory_equal(ta, tb, 32);
    cj_chain_stats st;
    cj_chain_get_stats(cb, &st);
    assert_int_equal(st.blocks_imported, 3);
    assert_int_equal(st.blocks_rejected, 0);
    assert_int_equal(st.txs_confirmed, 6);
    cj_chain_get_stats(ca, &st);
    assert_int_equal(st.blocks_produced, 3);
    free(b2);
    free(b3);

    /* restart: the head and state come back from disk */
    cj_chain_close(cb);
    cb = nt_open(db, &g, NULL);
    assert_int_equal(cj_chain_height(cb), 3);
    cj_chain_state_root(cb, tb);
    assert_memory_equal(ta, tb, 32);
    cj_chain_close(ca);
    cj_chain_close(cb);
    cj_mempool_free(mp);
    nt_rmdir(da);
    nt_rmdir(db);
    cj_genesis_free(&g);
}

/* ---- every verdict, and the state untouched after each ---- */

typedef struct {
    cj_chain *cb;
    uint8_t root[32], tip[32];
    uint64_t bal_u, bal_w;
    const nt_key *u, *w;
} snap;

/* Asserts that B's head and state did not move. */
static void same_state(const snap *s)
{
    uint8_t root[32], tip[32];
    cj_chain_state_root(s->cb, root);
    cj_chain_tip_hash(s->cb, tip);
    assert_memory_equal(root, s->root, 32);
    assert_memory_equal(tip, s->tip, 32);
    assert_int_equal(cj_chain_height(s->cb), 0);
    assert_int_equal(nt_balance(s->cb, s->u->pk), s->bal_u);
    assert_int_equal(nt_balance(s->cb, s->w->pk), s->bal_w);
}

/* Decodes the valid block, lets mutate() change it, re-seals with sk (if given), imports into B. */
static cj_chain_status import_mutated(const snap *s, const uint8_t *bytes, size_t len, const uint8_t *sk, int what,
                                      long *bad_tx)
{
    coinjecture_block b;
    assert_int_equal(coinjecture_block_decode(bytes, len, &b), COINJ_OK);
    coinjecture_tx extra;
    switch (what) {
    case 0: b.header.block_index = 2; break;
    case 1: b.header.timestamp = NT_T0; break;                /* not after the parent */
    case 2: b.header.timestamp = NT_T0 + 999; break;          /* before parent + one block time */
    case 3: b.header.difficulty_target = 1; break;            /* in turn must weigh 2 */
    case 4: b.header.extra_data_len = 64; break;
    case 5: b.header.codec_version = 2; break;
    case 6: b.header.nonce ^= 1; break;
    case 7: {
        coinjecture_tx t = b.transactions[0];
        b.transactions[0] = b.transactions[1];
        b.transactions[1] = t;
    } break;
    case 8: b.reveal.problem.elements[0] += 1; break;
    case 9: b.header.commitment[0] ^= 1; break;
    case 10: b.reveal.miner_salt[0] ^= 1; break;
    case 11: /* tx 1 replaced by a well-signed tx with the wrong nonce; merkle fixed */
        coinjecture_tx_free(&b.transactions[1]);
        extra = nt_tx(s->u, s->w->pk, 5, 7, 1);
        b.transactions[1] = extra;
        assert_int_equal(coinjecture_block_merkle_root(&b, b.header.merkle_root), COINJ_OK);
        break;
    case 12: /* tx 2 with a broken signature; merkle fixed */
        b.transactions[2].signature[0] ^= 1;
        assert_int_equal(coinjecture_block_merkle_root(&b, b.header.merkle_root), COINJ_OK);
        break;
    case 13: b.header.extra_data[0] ^= 1; break; /* sealed wrong state root */
    case 14: b.header.extra_data[40] ^= 1; break; /* signature byte, not re-sealed */
    case 15: b.transactions[0].amount += 1; /* tx content changed: merkle and signature */
        assert_int_equal(coinjecture_block_merkle_root(&b, b.header.merkle_root), COINJ_OK);
        break;
    }
    if (sk) nt_reseal(&b, sk);
    size_t l;
    uint8_t *enc = nt_encode(&b, &l);
    cj_import_result r;
    char err[256] = "";
    cj_chain_status st = cj_chain_import(s->cb, enc, l, NULL, NT_T0 + 1000, NULL, &r, err, sizeof err);
    if (bad_tx) *bad_tx = r.bad_tx;
    coinjecture_buffer_free(enc);
    coinjecture_block_free(&b);
    return st;
}

static void test_invalid_blocks_leave_state(void **state)
{
    (void)state;
    nt_key a, u, w, x;
    nt_key_make(&a, 1);
    nt_key_make(&u, 9);
    nt_key_make(&w, 10);
    nt_key_make(&x, 66);
    cj_genesis g;
    nt_genesis(&g, 1, &a, 1, &u, BIG);
    char *da = nt_tmpdir(), *db = nt_tmpdir();
    cj_chain *ca = nt_open(da, &g, &a);
    snap s;
    s.cb = nt_open(db, &g, NULL);
    s.u = &u;
    s.w = &w;
    cj_chain_state_root(s.cb, s.root);
    cj_chain_tip_hash(s.cb, s.tip);
    s.bal_u = nt_balance(s.cb, u.pk);
    s.bal_w = 0;
    cj_mempool *mp = cj_mempool_new(NULL);
    for (uint64_t i = 0; i < 3; i++) {
        coinjecture_tx tx = nt_tx(&u, w.pk, 100 + i, i, 1);
        nt_add(mp, ca, &tx, CJ_MEMPOOL_OK);
    }
    size_t len;
    uint8_t *v = nt_produce(ca, mp, NT_T0 + 1000, &len, NULL);
    int rejected = 0;

    /* size and decoding */
    uint8_t *huge = calloc(1, COINJECTURE_MAX_BLOCK_SIZE + 1);
    assert_int_equal(nt_import(s.cb, huge, COINJECTURE_MAX_BLOCK_SIZE + 1, NT_T0 + 1000, NULL), CJ_CHAIN_TOO_LARGE);
    free(huge);
    assert_int_equal(nt_import(s.cb, v, len - 1, NT_T0 + 1000, NULL), CJ_CHAIN_DECODE);
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, v, len);
    longer[len] = 0;
    assert_int_equal(nt_import(s.cb, longer, len + 1, NT_T0 + 1000, NULL), CJ_CHAIN_DECODE);
    free(longer);
    assert_int_equal(nt_import(s.cb, NULL, 0, NT_T0 + 1000, NULL), CJ_CHAIN_DECODE);
    assert_int_equal(nt_import(s.cb, NULL, 5, NT_T0 + 1000, NULL), CJ_CHAIN_BAD_ARG);
    rejected += 4;
    same_state(&s);

    /* clock: ahead of this node's clock by more than the tolerance (min(250, block time / 2)) is "future"
     * with a due time (held by the caller, not rejected); beyond max_future_ms (15 s) it is refused and
     * counted as rejected */
    assert_int_equal(cj_chain_clock_tolerance_ms(s.cb), 250);
    assert_int_equal(cj_chain_max_future_ms(s.cb), 15000);
    cj_import_result fr;
    assert_int_equal(nt_import(s.cb, v, len, NT_T0 + 1000 - 20000, &fr), CJ_CHAIN_FUTURE);
    assert_int_equal(fr.due_ms, 0);
    rejected++;
    assert_int_equal(nt_import(s.cb, v, len, NT_T0 + 749, &fr), CJ_CHAIN_FUTURE);
    assert_int_equal(fr.due_ms, NT_T0 + 750);
    assert_int_equal(nt_import(s.cb, v, len, NT_T0 + 1000 - 15000, &fr), CJ_CHAIN_FUTURE);
    assert_int_equal(fr.due_ms, NT_T0 + 750); /* exactly 15 s ahead: still held */
    same_state(&s);
    cj_chain_stats fs;
    cj_chain_get_stats(s.cb, &fs);
    assert_int_equal(fs.future_rejected, 1);

    static const struct {
        int what;
        int reseal; /* 0 none, 1 proposer key, 2 outsider key */
        cj_chain_status want;
    } cases[] = {
        {0, 1, CJ_CHAIN_BAD_HEIGHT},     {1, 1, CJ_CHAIN_BAD_TIMESTAMP},  {2, 1, CJ_CHAIN_BAD_TIMESTAMP},
        {3, 1, CJ_CHAIN_BAD_HEADER},     {4, 0, CJ_CHAIN_BAD_HEADER},     {5, 1, CJ_CHAIN_BAD_HEADER},
        {6, 1, CJ_CHAIN_BAD_HEADER},     {7, 1, CJ_CHAIN_BAD_MERKLE},     {8, 1, CJ_CHAIN_BAD_POW},
        {9, 1, CJ_CHAIN_BAD_POW},        {10, 1, CJ_CHAIN_BAD_POW},       {11, 1, CJ_CHAIN_BAD_TX},
        {12, 1, CJ_CHAIN_BAD_TX},        {13, 1, CJ_CHAIN_BAD_STATE_ROOT}, {14, 0, CJ_CHAIN_BAD_SEAL},
        {13, 2, CJ_CHAIN_BAD_SEAL},      {15, 1, CJ_CHAIN_BAD_TX},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long bad_tx = -2;
        cj_chain_status st = import_mutated(&s, v, len,
                                            cases[i].reseal == 1   ? a.sk
                                            : cases[i].reseal == 2 ? x.sk
                                                                   : NULL,
                                            cases[i].what, &bad_tx);
        if (st != cases[i].want)
            fprintf(stderr, "case %zu (mutation %d): got %s\n", i, cases[i].what, cj_chain_status_name(st));
        assert_int_equal(st, cases[i].want);
        if (cases[i].what == 11) assert_int_equal(bad_tx, 1);
        if (cases[i].what == 12) assert_int_equal(bad_tx, 2);
        if (cases[i].what == 15) assert_int_equal(bad_tx, 0);
        rejected++;
        same_state(&s);
    }

    /* a proposer outside the set */
    coinjecture_block b;
    assert_int_equal(coinjecture_block_decode(v, len, &b), COINJ_OK);
    assert_int_equal(coinjecture_derive_address(x.pk, b.header.miner_address), COINJ_OK);
    nt_reseal(&b, x.sk);
    size_t l;
    uint8_t *enc = nt_encode(&b, &l);
    assert_int_equal(nt_import(s.cb, enc, l, NT_T0 + 1000, NULL), CJ_CHAIN_BAD_PROPOSER);
    rejected++;
    coinjecture_buffer_free(enc);
    coinjecture_block_free(&b);
    same_state(&s);

    cj_chain_stats stats;
    cj_chain_get_stats(s.cb, &stats);
    assert_int_equal(stats.blocks_rejected, (uint64_t)rejected);
    assert_int_equal(stats.blocks_imported, 0);

    /* the original still imports, and the state is the producer's */
    assert_int_equal(nt_import(s.cb, v, len, NT_T0 + 1000, NULL), CJ_CHAIN_OK);
    uint8_t r1[32], r2[32];
    cj_chain_state_root(ca, r1);
    cj_chain_state_root(s.cb, r2);
    assert_memory_equal(r1, r2, 32);
    assert_int_equal(nt_balance(s.cb, w.pk), 303);
    /* and the rejected state-root block did not poison a restart */
    cj_chain_close(s.cb);
    s.cb = nt_open(db, &g, NULL);
    assert_int_equal(cj_chain_height(s.cb), 1);
    free(v);
    cj_mempool_free(mp);
    cj_chain_close(ca);
    cj_chain_close(s.cb);
    nt_rmdir(da);
    nt_rmdir(db);
    cj_genesis_free(&g);
}

/* ---- undo ---- */

static void test_undo_tip(void **state)
{
    (void)state;
    nt_key a, u, w;
    nt_key_make(&a, 1);
    nt_key_make(&u, 9);
    nt_key_make(&w, 10);
    cj_genesis g;
    nt_genesis(&g, 1, &a, 1, &u, BIG);
    char *d = nt_tmpdir();
    cj_chain *c = nt_open(d, &g, &a);
    cj_mempool *mp = cj_mempool_new(NULL);
    uint8_t roots[4][32], tips[4][32], txh[4][32];
    uint64_t bal_u[4], bal_a[4];
    cj_chain_state_root(c, roots[0]);
    cj_chain_tip_hash(c, tips[0]);
    bal_u[0] = nt_balance(c, u.pk);
    bal_a[0] = nt_balance(c, a.pk);
    for (int h = 1; h <= 3; h++) {
        coinjecture_tx tx = nt_tx(&u, w.pk, 1000, (uint64_t)h - 1, 1);
        assert_int_equal(cj_mempool_add(mp, cj_chain_state(c), &tx, NT_T0, txh[h], NULL, 0), CJ_MEMPOOL_OK);
        size_t len;
        free(nt_produce(c, mp, NT_T0 + 1000 * h, &len, NULL));
        cj_chain_state_root(c, roots[h]);
        cj_chain_tip_hash(c, tips[h]);
        bal_u[h] = nt_balance(c, u.pk);
        bal_a[h] = nt_balance(c, a.pk);
    }
    char err[256];
    for (int h = 3; h >= 1; h--) {
        assert_int_equal(cj_chain_undo_tip(c, err, sizeof err), CJ_CHAIN_OK);
        assert_int_equal(cj_chain_height(c), (uint64_t)h - 1);
        uint8_t r[32], t[32];
        cj_chain_state_root(c, r);
        cj_chain_tip_hash(c, t);
        assert_memory_equal(r, roots[h - 1], 32);
        assert_memory_equal(t, tips[h - 1], 32);
        assert_int_equal(nt_balance(c, u.pk), bal_u[h - 1]);
        assert_int_equal(nt_balance(c, a.pk), bal_a[h - 1]);
        cj_chain_tx tx;
        assert_int_equal(cj_chain_tx_by_hash(c, txh[h], &tx), CJ_CHAIN_NOT_FOUND);
        cj_chain_block blk; /* still stored, no longer canonical */
        assert_int_equal(cj_chain_block_by_hash(c, tips[h], &blk), CJ_CHAIN_OK);
        assert_int_equal(blk.canonical, 0);
        cj_chain_block_free(&blk);
    }
    assert_int_equal(cj_chain_undo_tip(c, err, sizeof err), CJ_CHAIN_BAD_ARG);
    assert_int_equal(cj_chain_undo_tip(NULL, err, sizeof err), CJ_CHAIN_BAD_ARG);
    assert_int_equal(nt_balance(c, w.pk), 0);
    assert_int_equal(cj_chain_account_count(c), 1);
    /* the accounts table was undone too: a restart agrees with the state root */
    cj_chain_close(c);
    c = nt_open(d, &g, &a);
    assert_int_equal(cj_chain_height(c), 0);
    /* the same block made again (same time, empty pool) is the stored one: re-used, not duplicated */
    cj_produce_result r;
    assert_int_equal(cj_chain_produce(c, NULL, NT_T0 + 5000, &r, err, sizeof err), CJ_CHAIN_OK);
    assert_int_equal(cj_chain_undo_tip(c, err, sizeof err), CJ_CHAIN_OK);
    assert_int_equal(cj_chain_produce(c, NULL, NT_T0 + 5000, &r, err, sizeof err), CJ_CHAIN_OK);
    assert_int_equal(r.produced, 1);
    assert_int_equal(cj_chain_height(c), 1);
    cj_chain_close(c);
    cj_mempool_free(mp);
    nt_rmdir(d);
    cj_genesis_free(&g);
}

/* ---- fork choice, reorgs, evidence ---- */

static void tips_equal(cj_chain *x, cj_chain *y)
{
    uint8_t a[32], b[32];
    cj_chain_tip_hash(x, a);
    cj_chain_tip_hash(y, b);
    assert_memory_equal(a, b, 32);
    cj_chain_state_root(x, a);
    cj_chain_state_root(y, b);
    assert_memory_equal(a, b, 32);
}

static void test_reorg(void **state)
{
    (void)state;
    nt_key v[3], u, w1, w2;
    for (int i = 0; i < 3; i++) nt_key_make(&v[i], (uint8_t)(1 + i));
    nt_key_make(&u, 9);
    nt_key_make(&w1, 10);
    nt_key_make(&w2, 11);
    cj_genesis g;
    nt_genesis(&g, 3, v, 1, &u, BIG);
    char *dirs[4];
    cj_chain *A, *B, *C, *D;
    for (int i = 0; i < 4; i++) dirs[i] = nt_tmpdir();
    A = nt_open(dirs[0], &g, &v[0]);
    B = nt_open(dirs[1], &g, &v[1]);
    C = nt_open(dirs[2], &g, &v[2]);
    D = nt_open(dirs[3], &g, NULL);
    cj_mempool *mpa = cj_mempool_new(NULL), *mpb = cj_mempool_new(NULL);
    /* conflicting spends of U's nonce 0 on the two branches */
    coinjecture_tx ta = nt_tx(&u, w1.pk, 100, 0, 1), tb = nt_tx(&u, w2.pk, 200, 0, 1);
    nt_add(mpa, A, &ta, CJ_MEMPOOL_OK);
    nt_add(mpb, B, &tb, CJ_MEMPOOL_OK);

    /* branch Y: B1 (in turn, w2) then C2 (in turn, w2): cumulative 4 */
    size_t lb1, lc2, la[4];
    uint8_t *b1 = nt_produce(B, mpb, NT_T0 + 1000, &lb1, NULL);
    assert_int_equal(nt_import(C, b1, lb1, NT_T0 + 1000, NULL), CJ_CHAIN_OK);
    uint8_t *c2 = nt_produce(C, NULL, NT_T0 + 2000, &lc2, NULL);
    assert_int_equal(cj_chain_tip_weight(C), 4);
    /* branch X: A1 (k=2, w1), A2 (k=1, w1), A3 (in turn, w2), A4 (k=2, w1): cumulative 5 */
    uint8_t *ab[4];
    /* each at its earliest: parent + (1 + k) block times: T0 + 3000, 5000, 6000, 9000 */
    ab[0] = nt_produce(A, mpa, cj_chain_next_production_ms(A), &la[0], NULL);
    ab[1] = nt_produce(A, NULL, cj_chain_next_production_ms(A), &la[1], NULL);
    ab[2] = nt_produce(A, NULL, cj_chain_next_production_ms(A), &la[2], NULL);
    ab[3] = nt_produce(A, NULL, cj_chain_next_production_ms(A), &la[3], NULL);
    assert_int_equal(cj_chain_tip_timestamp(A), NT_T0 + 9000);
    assert_int_equal(cj_chain_tip_weight(A), 5);

    /* D follows Y first */
    cj_import_result r;
    assert_int_equal(nt_import(D, b1, lb1, NT_T0 + 30000, &r), CJ_CHAIN_OK);
    assert_int_equal(cj_chain_tip_weight(D), 2);
    assert_int_equal(nt_import(D, c2, lc2, NT_T0 + 30000, &r), CJ_CHAIN_OK);
    tips_equal(C, D);
    assert_int_equal(nt_balance(D, w2.pk), 200);
    /* X arrives: lighter prefixes are kept as side blocks, the heavier tip wins */
    assert_int_equal(nt_import(D, ab[0], la[0], NT_T0 + 30000, &r), CJ_CHAIN_OK);
    assert_int_equal(r.side, 1);
    assert_int_equal(r.extended, 0);
    tips_equal(C, D);
    assert_int_equal(nt_import(D, ab[1], la[1], NT_T0 + 30000, &r), CJ_CHAIN_OK);
    assert_int_equal(r.side, 1);
    assert_int_equal(nt_import(D, ab[2], la[2], NT_T0 + 30000, &r), CJ_CHAIN_OK); /* tie 4 = 4: lower hash */
    int tie_reorged = r.reorged;
    assert_int_equal(nt_import(D, ab[3], la[3], NT_T0 + 30000, &r), CJ_CHAIN_OK);
    assert_int_equal(r.extended, 1);
    if (!tie_reorged) {
        assert_int_equal(r.reorged, 1);
        assert_int_equal(r.reorg_depth, 2);
    }
    tips_equal(A, D);
    assert_int_equal(cj_chain_tip_weight(D), 5);
    assert_int_equal(nt_balance(D, w1.pk), 100);
    assert_int_equal(nt_balance(D, w2.pk), 0);
    cj_chain_stats st;
    cj_chain_get_stats(D, &st);
    assert_int_equal(st.reorgs, 1);
    cj_chain_tx t;
    uint8_t hb[32], ha[32];
    assert_int_equal(coinjecture_tx_hash(&tb, hb), COINJ_OK);
    assert_int_equal(coinjecture_tx_hash(&ta, ha), COINJ_OK);
    assert_int_equal(cj_chain_tx_by_hash(D, hb, &t), CJ_CHAIN_NOT_FOUND);
    assert_int_equal(cj_chain_tx_by_hash(D, ha, &t), CJ_CHAIN_OK);
    assert_int_equal(t.height, 1);
    cj_chain_tx_free(&t);

    /* Y grows heavier: C3 (k=2, w1) -> 5, C4 (k=1, w1) -> 6. A C4 with a wrong sealed state root triggers
     * a reorg that must fail and leave D exactly where it was; the real C4 then wins. */
    size_t lc3, lc4;
    uint8_t *c3 = nt_produce(C, NULL, NT_T0 + 7000, &lc3, NULL);
    uint8_t *c4 = nt_produce(C, NULL, cj_chain_next_production_ms(C), &lc4, NULL);
    assert_int_equal(cj_chain_tip_weight(C), 6);
    assert_int_equal(nt_import(D, c3, lc3, NT_T0 + 30000, &r), CJ_CHAIN_OK);
    int c3_reorged = r.reorged;
    uint8_t root_before[32], tip_before[32];
    cj_chain_state_root(D, root_before);
    cj_chain_tip_hash(D, tip_before);
    coinjecture_block bad;
    assert_int_equal(coinjecture_block_decode(c4, lc4, &bad), COINJ_OK);
    bad.header.extra_data[5] ^= 1;
    nt_reseal(&bad, v[2].sk);
    size_t lbad;
    uint8_t *benc = nt_encode(&bad, &lbad);
    coinjecture_block_free(&bad);
    if (!c3_reorged) {
        assert_int_equal(nt_import(D, benc, lbad, NT_T0 + 30000, &r), CJ_CHAIN_BAD_STATE_ROOT);
        uint8_t x[32];
        cj_chain_state_root(D, x);
        assert_memory_equal(x, root_before, 32);
        cj_chain_tip_hash(D, x);
        assert_memory_equal(x, tip_before, 32);
        assert_int_equal(nt_balance(D, w1.pk), 100);
        /* the bad block was dropped: a resend is validated again, not "known" */
        assert_int_equal(nt_import(D, benc, lbad, NT_T0 + 30000, &r), CJ_CHAIN_BAD_STATE_ROOT);
    } else { /* D already moved to C3 on the tie: the bad C4 extends the tip and fails there */
        assert_int_equal(nt_import(D, benc, lbad, NT_T0 + 30000, &r), CJ_CHAIN_BAD_STATE_ROOT);
    }
    coinjecture_buffer_free(benc);
    assert_int_equal(nt_import(D, c4, lc4, NT_T0 + 30000, &r), CJ_CHAIN_OK);
    tips_equal(C, D);
    assert_int_equal(nt_balance(D, w2.pk), 200);
    assert_int_equal(nt_balance(D, w1.pk), 0);
    /* restart keeps the reorged head */
    cj_chain_close(D);
    D = nt_open(dirs[3], &g, NULL);
    tips_equal(C, D);

    /* a fork deeper than max_reorg_depth is refused */
    cj_chain_close(D);
    cj_chain_options o;
    cj_chain_options_default(&o);
    o.sync_full = 0;
    o.max_reorg_depth = 1;
    char err[256];
    assert_int_equal(cj_chain_open(dirs[3], &g, NULL, &o, &D, err, sizeof err), CJ_CHAIN_OK);
    /* A keeps building: A5 (k=1, w1) -> 6, A6 (in turn, w2) -> 8 > 6, forking at height 0 */
    size_t la5, la6;
    uint8_t *a5 = nt_produce(A, NULL, cj_chain_next_production_ms(A), &la5, NULL);
    uint8_t *a6 = nt_produce(A, NULL, cj_chain_next_production_ms(A), &la6, NULL);
    assert_true(cj_chain_tip_weight(A) > cj_chain_tip_weight(C));
    cj_chain_status s5 = nt_import(D, a5, la5, NT_T0 + 30000, &r); /* tie: refused or kept aside */
    assert_true(s5 == CJ_CHAIN_OK || s5 == CJ_CHAIN_REORG_TOO_DEEP);
    assert_int_equal(nt_import(D, a6, la6, NT_T0 + 30000, &r), CJ_CHAIN_REORG_TOO_DEEP);
    tips_equal(C, D);
    free(a5);
    free(a6);

    free(b1);
    free(c2);
    free(c3);
    free(c4);
    for (int i = 0; i < 4; i++) free(ab[i]);
    cj_mempool_free(mpa);
    cj_mempool_free(mpb);
    cj_chain_close(A);
    cj_chain_close(B);
    cj_chain_close(C);
    cj_chain_close(D);
    for (int i = 0; i < 4; i++) nt_rmdir(dirs[i]);
    cj_genesis_free(&g);
}

/* After a reorg the transactions of the undone blocks are pending again: the tip move carries the undone blocks
 * (lowest first) and cj_mempool_on_tip, the daemon's follow-up, puts them back into the pool. */
static void test_reorg_readds_undone_txs(void **state)
{
    (void)state;
    nt_key v[3], u, w1;
    for (int i = 0; i < 3; i++) nt_key_make(&v[i], (uint8_t)(1 + i));
    nt_key_make(&u, 9);
    nt_key_make(&w1, 10);
    cj_genesis g;
    nt_genesis(&g, 3, v, 1, &u, BIG);
    char *dirs[3];
    for (int i = 0; i < 3; i++) dirs[i] = nt_tmpdir();
    cj_chain *A = nt_open(dirs[0], &g, &v[0]), *B = nt_open(dirs[1], &g, &v[1]), *D = nt_open(dirs[2], &g, NULL);
    cj_mempool *mpb = cj_mempool_new(NULL), *mpd = cj_mempool_new(NULL);
    coinjecture_tx t = nt_tx(&u, w1.pk, 100, 0, 1);
    uint8_t th[32];
    assert_int_equal(coinjecture_tx_hash(&t, th), COINJ_OK);
    nt_add(mpb, B, &t, CJ_MEMPOOL_OK);
    size_t lb1, la[3];
    uint8_t *b1 = nt_produce(B, mpb, NT_T0 + 1000, &lb1, NULL); /* Y: B1 in turn, carries t: weight 2 */
    uint8_t *ab[3];
    for (int i = 0; i < 3; i++) /* X: 1 + 1 + 2 */
        ab[i] = nt_produce(A, NULL, cj_chain_next_production_ms(A), &la[i], NULL);
    cj_import_result r;
    assert_int_equal(nt_import(D, b1, lb1, NT_T0 + 30000, &r), CJ_CHAIN_OK);
    assert_int_equal(r.move.moved, 1);
    assert_int_equal(r.move.undone, 0);
    (void)cj_mempool_on_tip(mpd, cj_chain_state(D), &r.move, NT_T0 + 30000);
    uint32_t undone = 0;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(nt_import(D, ab[i], la[i], NT_T0 + 30000, &r), CJ_CHAIN_OK);
        if (r.move.undone > 0) {
            assert_non_null(r.move.undone_blocks);
            assert_int_equal(r.move.undone_blocks[0].header.block_index, 1); /* lowest first: B1 */
            assert_int_equal(r.move.undone_blocks[0].tx_count, 1);
            undone += r.move.undone;
        }
        (void)cj_mempool_on_tip(mpd, cj_chain_state(D), &r.move, NT_T0 + 30000);
    }
    tips_equal(A, D);
    assert_int_equal(undone, 1);
    assert_int_equal(cj_mempool_size(mpd), 1);
    assert_non_null(cj_mempool_get(mpd, th));
    free(b1);
    for (int i = 0; i < 3; i++) free(ab[i]);
    coinjecture_tx_free(&t);
    cj_mempool_free(mpb);
    cj_mempool_free(mpd);
    cj_chain_close(A);
    cj_chain_close(B);
    cj_chain_close(D);
    for (int i = 0; i < 3; i++) nt_rmdir(dirs[i]);
    cj_genesis_free(&g);
}

static void test_double_sign_evidence(void **state)
{
    (void)state;
    nt_key a;
    nt_key_make(&a, 1);
    cj_genesis g;
    nt_genesis(&g, 1, &a, 0, NULL, 0);
    char *da = nt_tmpdir(), *dd = nt_tmpdir();
    cj_chain *A = nt_open(da, &g, &a), *D = nt_open(dd, &g, NULL);
    size_t l1, l2;
    cj_produce_result r1, r2;
    uint8_t *x1 = nt_produce(A, NULL, NT_T0 + 1000, &l1, &r1);
    char err[128];
    assert_int_equal(cj_chain_undo_tip(A, err, sizeof err), CJ_CHAIN_OK);
    uint8_t *x2 = nt_produce(A, NULL, NT_T0 + 1500, &l2, &r2); /* same height, other header */
    assert_memory_not_equal(r1.hash, r2.hash, 32);
    cj_evidence ev[4];
    assert_int_equal(cj_chain_evidence(D, ev, 4), 0);
    assert_int_equal(nt_import(D, x1, l1, NT_T0 + 2000, NULL), CJ_CHAIN_OK);
    assert_int_equal(nt_import(D, x2, l2, NT_T0 + 2000, NULL), CJ_CHAIN_OK); /* equal weight: lower hash tip */
    assert_int_equal(cj_chain_evidence(D, ev, 4), 1);
    assert_int_equal(ev[0].height, 1);
    assert_memory_equal(ev[0].validator, a.pk, 32);
    int ab = memcmp(ev[0].hash_a, r1.hash, 32) == 0 && memcmp(ev[0].hash_b, r2.hash, 32) == 0;
    int ba = memcmp(ev[0].hash_a, r2.hash, 32) == 0 && memcmp(ev[0].hash_b, r1.hash, 32) == 0;
    assert_true(ab || ba);
    cj_chain_stats st;
    cj_chain_get_stats(D, &st);
    assert_int_equal(st.double_signs, 1);
    /* the tip is the lower of the two hashes */
    uint8_t tip[32];
    cj_chain_tip_hash(D, tip);
    assert_memory_equal(tip, memcmp(r1.hash, r2.hash, 32) < 0 ? r1.hash : r2.hash, 32);
    assert_int_equal(cj_chain_evidence(NULL, ev, 4), 0);
    assert_int_equal(cj_chain_evidence(D, ev, 0), 0);
    free(x1);
    free(x2);
    cj_chain_close(A);
    cj_chain_close(D);
    nt_rmdir(da);
    nt_rmdir(dd);
    cj_genesis_free(&g);
}

/* Side blocks are bounded: a third block of one proposer at one height is not stored (SIDE_LIMIT), nor a side
 * block whose parent is deeper than max_reorg_depth below the tip (SIDE_TOO_DEEP); neither is a rule break. */
static void test_side_blocks_bounded(void **state)
{
    (void)state;
    nt_key a;
    nt_key_make(&a, 1);
    cj_genesis g;
    nt_genesis(&g, 1, &a, 0, NULL, 0);
    char *da = nt_tmpdir(), *dd = nt_tmpdir(), *de = nt_tmpdir();
    cj_chain *A = nt_open(da, &g, &a), *D = nt_open(dd, &g, NULL);
    char err[160];
    size_t lx[3], ly[4];
    uint8_t *x[3], *y[4];
    for (int i = 0; i < 3; i++) { /* three twins at height 1 */
        x[i] = nt_produce(A, NULL, NT_T0 + 1000 + 200 * i, &lx[i], NULL);
        assert_int_equal(cj_chain_undo_tip(A, err, sizeof err), CJ_CHAIN_OK);
    }
    for (int i = 0; i < 4; i++) /* and a chain of 4 */
        y[i] = nt_produce(A, NULL, cj_chain_next_production_ms(A) + 1, &ly[i], NULL);
    assert_int_equal(nt_import(D, x[0], lx[0], NT_T0 + 60000, NULL), CJ_CHAIN_OK);
    assert_int_equal(nt_import(D, x[1], lx[1], NT_T0 + 60000, NULL), CJ_CHAIN_OK);
    cj_chain_stats st0, st1;
    cj_chain_get_stats(D, &st0);
    assert_int_equal(nt_import(D, x[2], lx[2], NT_T0 + 60000, NULL), CJ_CHAIN_SIDE_LIMIT);
    assert_int_equal(nt_import(D, x[2], lx[2], NT_T0 + 60000, NULL), CJ_CHAIN_SIDE_LIMIT); /* not stored */
    cj_chain_get_stats(D, &st1);
    assert_int_equal(st1.blocks_rejected, st0.blocks_rejected + 2);
    assert_false(cj_chain_status_is_invalid(CJ_CHAIN_SIDE_LIMIT));
    assert_false(cj_chain_status_is_invalid(CJ_CHAIN_SIDE_TOO_DEEP));
    assert_string_equal(cj_chain_status_name(CJ_CHAIN_SIDE_LIMIT), "side-limit");
    assert_string_equal(cj_chain_status_name(CJ_CHAIN_SIDE_TOO_DEEP), "side-too-deep");
    /* depth: E follows y to height 4 with max_reorg_depth 2; a twin whose parent is genesis is 4 below */
    cj_chain_options o;
    cj_chain_options_default(&o);
    o.sync_full = 0;
    o.max_reorg_depth = 2;
    cj_chain *E = NULL;
    assert_int_equal(cj_chain_open(de, &g, NULL, &o, &E, err, sizeof err), CJ_CHAIN_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(nt_import(E, y[i], ly[i], NT_T0 + 60000, NULL), CJ_CHAIN_OK);
    assert_int_equal(cj_chain_height(E), 4);
    assert_int_equal(nt_import(E, x[0], lx[0], NT_T0 + 60000, NULL), CJ_CHAIN_SIDE_TOO_DEEP);
    assert_int_equal(cj_chain_height(E), 4);
    for (int i = 0; i < 3; i++) free(x[i]);
    for (int i = 0; i < 4; i++) free(y[i]);
    cj_chain_close(A);
    cj_chain_close(D);
    cj_chain_close(E);
    nt_rmdir(da);
    nt_rmdir(dd);
    nt_rmdir(de);
    cj_genesis_free(&g);
}

/* A pooled tx that became invalid against running state is dropped by production (and from the pool). */
static void test_production_drops_invalid(void **state)
{
    (void)state;
    nt_key v[2], u, w;
    nt_key_make(&v[0], 1);
    nt_key_make(&v[1], 2);
    nt_key_make(&u, 9);
    nt_key_make(&w, 10);
    cj_genesis g;
    nt_genesis(&g, 2, v, 1, &u, 1000000);
    char *da = nt_tmpdir(), *db = nt_tmpdir();
    cj_chain *A = nt_open(da, &g, &v[0]), *B = nt_open(db, &g, &v[1]);
    cj_mempool *mpa = cj_mempool_new(NULL), *mpb = cj_mempool_new(NULL);
    coinjecture_tx t0 = nt_tx(&u, w.pk, 1000, 0, 1), t1 = nt_tx(&u, w.pk, 1000, 1, 1);
    nt_add(mpa, A, &t0, CJ_MEMPOOL_OK);
    nt_add(mpa, A, &t1, CJ_MEMPOOL_OK);
    /* B confirms a different nonce-0 spend of almost everything */
    coinjecture_tx big = nt_tx(&u, w.pk, 1000000 - 21000 - 10, 0, 1);
    nt_add(mpb, B, &big, CJ_MEMPOOL_OK);
    size_t l;
    uint8_t *b1 = nt_produce(B, mpb, NT_T0 + 1000, &l, NULL); /* height 1 is B's turn */
    cj_import_result r;
    char err[256];
    cj_tx_source src;
    cj_mempool_source(mpa, &src);
    assert_int_equal(cj_chain_import(A, b1, l, NULL, NT_T0 + 1000, &src, &r, err, sizeof err), CJ_CHAIN_OK);
    assert_int_equal(r.move.moved, 1);
    assert_int_equal(r.move.n_senders, 1);
    (void)cj_mempool_on_tip(mpa, cj_chain_state(A), &r.move, NT_T0 + 1000); /* the daemon's follow-up */
    assert_int_equal(cj_mempool_size(mpa), 1); /* t0 pruned (nonce used), t1 left */
    cj_produce_result pr;
    free(nt_produce(A, mpa, NT_T0 + 2000, &l, &pr));
    assert_int_equal(pr.tx_count, 0);
    assert_int_equal(pr.dropped_txs, 1);
    assert_int_equal(cj_mempool_size(mpa), 0);
    cj_mempool_stats ms;
    cj_mempool_get_stats(mpa, &ms);
    assert_int_equal(ms.dropped_invalid, 1);
    assert_int_equal(ms.confirmed, 1);
    free(b1);
    cj_mempool_free(mpa);
    cj_mempool_free(mpb);
    cj_chain_close(A);
    cj_chain_close(B);
    nt_rmdir(da);
    nt_rmdir(db);
    cj_genesis_free(&g);
}

static void test_rewards_schedule(void **state)
{
    (void)state;
    assert_int_equal(cj_rewards_block(0), 0);
    assert_int_equal(cj_rewards_block(1), 3125000000ull);
    assert_int_equal(cj_rewards_block(1051199), 3125000000ull);
    assert_int_equal(cj_rewards_block(1051200), 1562500000ull);
    assert_int_equal(cj_rewards_block(4 * 1051200), 195312500ull);
    assert_int_equal(cj_rewards_block(5 * 1051200), 100000000ull); /* 97,656,250 < floor */
    assert_int_equal(cj_rewards_block(UINT64_MAX), 100000000ull);
    cj_fee_split s;
    cj_rewards_split(0, &s);
    assert_int_equal(s.proposer + s.treasury + s.burn, 0);
    cj_rewards_split(10000, &s);
    assert_int_equal(s.treasury, 2929);
    assert_int_equal(s.burn, 2929);
    assert_int_equal(s.proposer, 4142);
    cj_rewards_split(9999, &s);
    assert_int_equal(s.treasury, 2928); /* floor(9999 * 0.2929) = 2928.7 */
    assert_int_equal(s.proposer, 9999 - 2 * 2928);
    cj_rewards_split(UINT64_MAX, &s);
    assert_int_equal(s.proposer + s.treasury + s.burn, UINT64_MAX);
    assert_int_equal(s.burn, (UINT64_MAX / 10000) * 2929 + (UINT64_MAX % 10000) * 2929 / 10000);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(cj_chain_status_name(CJ_CHAIN_OK), "ok");
    assert_string_equal(cj_chain_status_name(CJ_CHAIN_BAD_SEAL), "bad-seal");
    assert_string_equal(cj_chain_status_name(CJ_CHAIN_REORG_TOO_DEEP), "reorg-too-deep");
    assert_string_equal(cj_chain_status_name((cj_chain_status)7), "unknown");
    assert_string_equal(cj_chain_status_name((cj_chain_status)999), "unknown");
    cj_chain_options o;
    cj_chain_options_default(&o);
    assert_int_equal(o.max_reorg_depth, 100);
    assert_int_equal(o.max_block_txs, COINJECTURE_MAX_TX_PER_BLOCK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genesis_determinism),
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_schedule_vectors),
        cmocka_unit_test(test_produce_import_roundtrip),
        cmocka_unit_test(test_invalid_blocks_leave_state),
        cmocka_unit_test(test_undo_tip),
        cmocka_unit_test(test_reorg),
        cmocka_unit_test(test_reorg_readds_undone_txs),
        cmocka_unit_test(test_double_sign_evidence),
        cmocka_unit_test(test_side_blocks_bounded),
        cmocka_unit_test(test_production_drops_invalid),
        cmocka_unit_test(test_rewards_schedule),
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
