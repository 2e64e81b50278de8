/* Validator-set votes (docs/CHAIN.md "Validator votes"): the extra_data layout fixed by vectors computed
 * independently (bindings/python/coinjecture/reference.py + the `cryptography` package's RFC 8032 Ed25519),
 * tallies at epoch boundaries (3 -> 4 -> 5 validators, a tie, a removal), invalid votes, local intentions,
 * reorgs across a boundary, and restarts (including a data dir whose set cache was dropped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "node_testutil.h"

/* ---- vectors ----------------------------------------------------------------------------------- */

/* Header of the vector: height 37, ts 1700000037000 ms, parent ab.., merkle 0, miner = H(pk1), commitment
 * cd.., difficulty 2, nonce 5, extra_data = 11 x 32 || action || key || seal by the key of seed 01 x 32. */
static const char PK1[] = "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c";
static const char PK7[] = "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";

typedef struct {
    uint8_t action;
    const char *key;
    const char *seal_hash; /* header hash with extra_data = state_root || vote */
    const char *sig;
    const char *hash;      /* block hash: the full header */
    const char *enc;       /* canonical header encoding */
} vote_vector;

static const vote_vector VECTORS[] = {
    {1, PK7, "f306bc5794148e9219b50221c390a67656c52e32113137917e7e8f0caaf7aed5",
     "621b279717716e4a4ca066692098768010b158e5a79d9673cacf49149fe0e6e36ba6ff86d75a5b400b8d835e477e70ef9e5ab81e8590bb"
     "00bc2ec6c1e1f0fd09",
     "a8a772a0aeb789f5e3eace29e9128cfdec822a07f9f7018405f5472103199d6d",
     "8aad636f6465635f76657273696f6e01ab626c6f636b5f696e64657825a974696d657374616d70cf0000018bcfe5f888ab706172656e74"
     "5f68617368c420ababababababababababababababababababababababababababababababababab6d65726b6c655f726f6f74c4200000"
     "000000000000000000000000000000000000000000000000000000000000ad6d696e65725f61646472657373c42034750f98bd59fcfc94"
     "6da45aaabe933be154a4b5094e1c4abf42866505f3c97eaa636f6d6d69746d656e74c420cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
     "cdcdcdcdcdcdcdcdcdcdcdcdcdb1646966666963756c74795f74617267657402a56e6f6e636505aa65787472615f64617461dc00811111"
     "11111111111111111111111111111111111111111111111111111111111101ccea4a6c63cce2cc9c520accbeccf5507b132eccc5ccf9cc"
     "954776ccaeccbeccbe7bcc92421eccea691446ccd22c621b27cc9717716e4a4ccca0666920cc9876cc8010ccb158cce5cca7cc9dcc9673"
     "cccacccf4914cc9fcce0cce6cce36bcca6ccffcc86ccd75a5b400bcc8dcc835e477e70ccefcc9e5accb81ecc85cc90ccbb00ccbc2eccc6"
     "ccc1cce1ccf0ccfd09"},
    {2, PK1, "ce683a934cca5ce037ea1ba71876033c1d3d143aa62123d5ad23d194f09885f3",
     "4eac252fd4a128c034faf52d317ec6ae17a5af483efd432a93851ad43c8ef79271a5319042f06dfa07b4ee3e79790792799f25ac683290"
     "4b2c982c22178bc10e",
     "e1b730e5518168786b5f6eaaa134580f7ef86bb2436a559fdbfbe6dd3eb31ff3",
     "8aad636f6465635f76657273696f6e01ab626c6f636b5f696e64657825a974696d657374616d70cf0000018bcfe5f888ab706172656e74"
     "5f68617368c420ababababababababababababababababababababababababababababababababab6d65726b6c655f726f6f74c4200000"
     "000000000000000000000000000000000000000000000000000000000000ad6d696e65725f61646472657373c42034750f98bd59fcfc94"
     "6da45aaabe933be154a4b5094e1c4abf42866505f3c97eaa636f6d6d69746d656e74c420cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
     "cdcdcdcdcdcdcdcdcdcdcdcdcdb1646966666963756c74795f74617267657402a56e6f6e636505aa65787472615f64617461dc00811111"
     "11111111111111111111111111111111111111111111111111111111111102cc8acc88cce3ccdd7409ccf1cc95ccfd52ccdb2d3cccba5d"
     "72ccca6709ccbf1dcc94121bccf374cc8801ccb40f6f5c4eccac252fccd4cca128ccc034ccfaccf52d317eccc6ccae17cca5ccaf483ecc"
     "fd432acc93cc851accd43ccc8eccf7cc9271cca531cc9042ccf06dccfa07ccb4ccee3e797907cc9279cc9f25ccac6832cc904b2ccc982c"
     "2217cc8bccc10e"},
};

/* Decodes a hex literal of exactly n bytes. */
static void unhex(const char *hex, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(hex), 2 * n);
    assert_int_equal(coinjecture_hex_decode(hex, out, n), COINJ_OK);
}

static void test_vote_vectors(void **state)
{
    (void)state;
    nt_key k1, k7;
    nt_key_make(&k1, 1);
    nt_key_make(&k7, 7);
    uint8_t pk[32];
    unhex(PK1, pk, 32);
    assert_memory_equal(pk, k1.pk, 32);
    unhex(PK7, pk, 32);
    assert_memory_equal(pk, k7.pk, 32);
    for (size_t v = 0; v < sizeof VECTORS / sizeof VECTORS[0]; v++) {
        const vote_vector *x = &VECTORS[v];
        coinjecture_header h;
        memset(&h, 0, sizeof h);
        h.codec_version = 1;
        h.block_index = 37;
        h.timestamp = 1700000037000;
        memset(h.parent_hash, 0xab, 32);
        assert_int_equal(coinjecture_derive_address(k1.pk, h.miner_address), COINJ_OK);
        memset(h.commitment, 0xcd, 32);
        h.difficulty_target = 2;
        h.nonce = 5;
        memset(h.extra_data, 0x11, 32);
        h.extra_data[32] = x->action;
        unhex(x->key, h.extra_data + 33, 32);
        h.extra_data_len = 32 + CJ_CHAIN_VOTE_LEN;
        uint8_t sh[32], want[64];
        assert_int_equal(coinjecture_header_hash(&h, sh), COINJ_OK);
        unhex(x->seal_hash, want, 32);
        assert_memory_equal(sh, want, 32);
        assert_int_equal(crypto_sign_ed25519_detached(h.extra_data + 65, NULL, sh, 32, k1.sk), 0);
        unhex(x->sig, want, 64);
        assert_memory_equal(h.extra_data + 65, want, 64);
        h.extra_data_len = CJ_CHAIN_EXTRA_VOTE;
        assert_int_equal(coinjecture_header_hash(&h, sh), COINJ_OK);
        unhex(x->hash, want, 32);
        assert_memory_equal(sh, want, 32);
        size_t n = strlen(x->enc) / 2, got = 0;
        uint8_t *enc = malloc(n), *mine = malloc(n);
        assert_non_null(enc);
        assert_non_null(mine);
        unhex(x->enc, enc, n);
        assert_int_equal(coinjecture_header_encode(&h, mine, n, &got), COINJ_OK);
        assert_int_equal(got, n);
        assert_memory_equal(mine, enc, n);
        free(enc);
        free(mine);
        /* the parser */
        cj_vote vt;
        assert_int_equal(cj_chain_header_vote(&h, &vt), 1);
        assert_int_equal(vt.action, x->action);
        assert_memory_equal(vt.key, h.extra_data + 33, 32);
    }
    /* layouts without a vote and malformed lengths */
    coinjecture_header h;
    memset(&h, 0, sizeof h);
    cj_vote vt;
    h.extra_data_len = CJ_CHAIN_EXTRA_PLAIN;
    assert_int_equal(cj_chain_header_vote(&h, &vt), 0);
    assert_int_equal(vt.action, CJ_VOTE_NONE);
    for (uint32_t len = 0; len <= 200; len++) {
        h.extra_data_len = len;
        int want = len == 96 ? 0 : len == 129 ? 1 : -1;
        assert_int_equal(cj_chain_header_vote(&h, &vt), want);
    }
    assert_int_equal(cj_chain_header_vote(NULL, &vt), -1);
    assert_int_equal(cj_chain_header_vote(&h, NULL), -1);
}

static void test_vote_parse(void **state)
{
    (void)state;
    char buf[128];
    cj_vote v;
    snprintf(buf, sizeof buf, "add:%s", PK7);
    assert_int_equal(cj_chain_vote_parse(buf, &v), 0);
    assert_int_equal(v.action, CJ_VOTE_ADD);
    uint8_t pk[32];
    unhex(PK7, pk, 32);
    assert_memory_equal(v.key, pk, 32);
    snprintf(buf, sizeof buf, "remove:0x%s", PK1);
    assert_int_equal(cj_chain_vote_parse(buf, &v), 0);
    assert_int_equal(v.action, CJ_VOTE_REMOVE);
    snprintf(buf, sizeof buf, "drop:%s", PK1);
    assert_int_equal(cj_chain_vote_parse(buf, &v), -1);
    assert_int_equal(v.action, CJ_VOTE_NONE);
    snprintf(buf, sizeof buf, "add:%.63s", PK1);
    assert_int_equal(cj_chain_vote_parse(buf, &v), -1);
    snprintf(buf, sizeof buf, "add:%s0", PK1);
    assert_int_equal(cj_chain_vote_parse(buf, &v), -1);
    snprintf(buf, sizeof buf, "add:%.62szz", PK1);
    assert_int_equal(cj_chain_vote_parse(buf, &v), -1);
    assert_int_equal(cj_chain_vote_parse("add:", &v), -1);
    assert_int_equal(cj_chain_vote_parse(NULL, &v), -1);
    assert_int_equal(cj_chain_vote_parse(buf, NULL), -1);
    assert_string_equal(cj_chain_vote_action_name(CJ_VOTE_ADD), "add");
    assert_string_equal(cj_chain_vote_action_name(CJ_VOTE_REMOVE), "remove");
    assert_string_equal(cj_chain_vote_action_name((cj_vote_action)9), "none");
    assert_string_equal(cj_chain_status_name(CJ_CHAIN_BAD_VOTE), "bad-vote");
}

/* ---- a small network of chains ----------------------------------------------------------------- */

typedef struct {
    cj_chain *c;
    nt_key k;
    char *dir;
    int online;
} vnode;

/* Opens n chains, node i with key seed 1 + i (all of them, also future validators and observers). */
static void net_open(vnode *n, size_t cnt, const cj_genesis *g)
{
    for (size_t i = 0; i < cnt; i++) {
        nt_key_make(&n[i].k, (uint8_t)(1 + i));
        n[i].dir = nt_tmpdir();
        n[i].c = nt_open(n[i].dir, g, &n[i].k);
        n[i].online = 1;
    }
}

static void net_close(vnode *n, size_t cnt)
{
    for (size_t i = 0; i < cnt; i++) {
        cj_chain_close(n[i].c);
        nt_rmdir(n[i].dir);
    }
}

/* The first online node, used as the reference view. */
static vnode *net_ref(vnode *n, size_t cnt)
{
    for (size_t i = 0; i < cnt; i++)
        if (n[i].online) return &n[i];
    fail();
    return NULL;
}

/* Seals the next block by the first online validator in turn order (in turn first) and imports it into
 * every other online node; all tips must agree. Returns the sealer's node index. */
static size_t net_step(vnode *n, size_t cnt)
{
    cj_chain *ref = net_ref(n, cnt)->c;
    uint64_t h = cj_chain_height(ref) + 1;
    size_t N = cj_chain_validator_count(ref);
    for (size_t k = 0; k < N; k++) {
        const uint8_t *pk = cj_chain_validator(ref, (size_t)((h + k) % N));
        for (size_t i = 0; i < cnt; i++) {
            if (!n[i].online || memcmp(n[i].k.pk, pk, 32) != 0) continue;
            assert_true(cj_chain_my_index(n[i].c) >= 0);
            int64_t t = cj_chain_next_production_ms(n[i].c);
            size_t len;
            uint8_t *b = nt_produce(n[i].c, NULL, t, &len, NULL);
            uint8_t tip[32], other[32];
            cj_chain_tip_hash(n[i].c, tip);
            for (size_t j = 0; j < cnt; j++) {
                if (j == i || !n[j].online) continue;
                assert_int_equal(nt_import(n[j].c, b, len, t, NULL), CJ_CHAIN_OK);
                cj_chain_tip_hash(n[j].c, other);
                assert_memory_equal(tip, other, 32);
            }
            free(b);
            return i;
        }
    }
    fail();
    return 0;
}

/* Steps until the reference tip reaches height h. */
static void net_run_to(vnode *n, size_t cnt, uint64_t h)
{
    while (cj_chain_height(net_ref(n, cnt)->c) < h) (void)net_step(n, cnt);
}

/* Imports the canonical blocks dst lacks from src. */
static void net_sync(cj_chain *dst, cj_chain *src)
{
    for (uint64_t h = cj_chain_height(dst) + 1; h <= cj_chain_height(src); h++) {
        uint8_t *b = NULL;
        size_t len = 0;
        assert_int_equal(cj_chain_block_bytes(src, h, &b, &len, NULL), CJ_CHAIN_OK);
        assert_int_equal(nt_import(dst, b, len, NT_T0 + 10000000, NULL), CJ_CHAIN_OK);
        free(b);
    }
}

/* A vote intention on node n. */
static void intend(vnode *n, cj_vote_action a, const nt_key *k, cj_chain_status want)
{
    cj_vote v = {a, {0}};
    memcpy(v.key, k->pk, 32);
    char err[256] = "";
    cj_chain_status st = cj_chain_vote_intent_add(n->c, &v, err, sizeof err);
    if (st != want) fprintf(stderr, "intent: %s (%s)\n", cj_chain_status_name(st), err);
    assert_int_equal(st, want);
}

/* The set at canonical height h on c equals keys[0..cnt) in order. */
static void set_is(cj_chain *c, uint64_t h, const nt_key *const *keys, size_t cnt)
{
    uint8_t got[8][32];
    assert_int_equal(cj_chain_validators_at(c, h, got, 8), cnt);
    for (size_t i = 0; i < cnt; i++) assert_memory_equal(got[i], keys[i]->pk, 32);
}

/* Every node derives the same current set (count and order). */
static void sets_agree(vnode *n, size_t cnt)
{
    cj_chain *ref = net_ref(n, cnt)->c;
    for (size_t i = 0; i < cnt; i++) {
        if (!n[i].online) continue;
        assert_int_equal(cj_chain_validator_count(n[i].c), cj_chain_validator_count(ref));
        for (size_t j = 0; j < cj_chain_validator_count(ref); j++)
            assert_memory_equal(cj_chain_validator(n[i].c, j), cj_chain_validator(ref, j), 32);
        long me = -1;
        for (size_t j = 0; j < cj_chain_validator_count(ref); j++)
            if (memcmp(cj_chain_validator(ref, j), n[i].k.pk, 32) == 0) me = (long)j;
        assert_int_equal(cj_chain_my_index(n[i].c), me);
    }
}

/* ---- 3 -> 4 -> 5, a tie, a removal, restarts ---------------------------------------------------- */

static void test_grow_and_shrink(void **state)
{
    (void)state;
    enum { A, B, C, D, E, CNT };
    vnode n[CNT];
    nt_key keys[3];
    for (int i = 0; i < 3; i++) nt_key_make(&keys[i], (uint8_t)(1 + i));
    cj_genesis g;
    nt_genesis(&g, 3, keys, 0, NULL, 0);
    g.epoch_length = 6;
    net_open(n, CNT, &g);
    const nt_key *abc[] = {&n[A].k, &n[B].k, &n[C].k}, *abcd[] = {&n[A].k, &n[B].k, &n[C].k, &n[D].k},
                 *abcde[] = {&n[A].k, &n[B].k, &n[C].k, &n[D].k, &n[E].k},
                 *bcde[] = {&n[B].k, &n[C].k, &n[D].k, &n[E].k};
    assert_int_equal(cj_chain_epoch_length(n[A].c), 6);
    assert_int_equal(cj_chain_epoch_end(n[A].c), 6);
    assert_int_equal(cj_chain_my_index(n[D].c), -1);
    char err[256];
    cj_produce_result pr;
    assert_int_equal(cj_chain_produce(n[D].c, NULL, NT_T0 + 100000, &pr, err, sizeof err), CJ_CHAIN_NOT_VALIDATOR);

    /* epoch 0 (heights 1..5): A and B vote to add D (2 of 3 > 3/2) */
    intend(&n[A], CJ_VOTE_ADD, &n[D].k, CJ_CHAIN_OK);
    intend(&n[B], CJ_VOTE_ADD, &n[D].k, CJ_CHAIN_OK);
    intend(&n[B], CJ_VOTE_ADD, &n[D].k, CJ_CHAIN_OK); /* idempotent */
    assert_int_equal(cj_chain_vote_intents(n[B].c, NULL, 0), 1);
    net_run_to(n, CNT, 4); /* B seals 1 and 4, C 2, A 3 */
    for (size_t i = 0; i < CNT; i++) {
        cj_chain *c = n[i].c;
        assert_int_equal(cj_chain_proposal_count(c), 1);
        cj_vote v;
        size_t votes = 0;
        assert_int_equal(cj_chain_proposal(c, 0, &v, &votes), 0);
        assert_int_equal(v.action, CJ_VOTE_ADD);
        assert_memory_equal(v.key, n[D].k.pk, 32);
        assert_int_equal(votes, 2);
        assert_memory_equal(cj_chain_proposal_voter(c, 0, 0), n[B].k.pk, 32); /* height 1 */
        assert_memory_equal(cj_chain_proposal_voter(c, 0, 1), n[A].k.pk, 32); /* height 3 */
        assert_null(cj_chain_proposal_voter(c, 0, 2));
        assert_null(cj_chain_proposal_voter(c, 1, 0));
        assert_int_equal(cj_chain_proposal(c, 1, &v, &votes), -1);
        assert_int_equal(cj_chain_votes_needed(c), 2);
        assert_int_equal(cj_chain_validator_count(c), 3);
    }
    cj_vote vd = {CJ_VOTE_ADD, {0}};
    memcpy(vd.key, n[D].k.pk, 32);
    assert_int_equal(cj_chain_vote_cast(n[A].c, &vd), 1);
    assert_int_equal(cj_chain_vote_cast(n[B].c, &vd), 1);
    assert_int_equal(cj_chain_vote_cast(n[C].c, &vd), 0);
    /* B seals 4 again without repeating its vote (it already counts): the block has no vote */
    cj_chain_block blk;
    assert_int_equal(cj_chain_block_by_height(n[A].c, 4, &blk), CJ_CHAIN_OK);
    assert_int_equal(blk.block.header.extra_data_len, CJ_CHAIN_EXTRA_PLAIN);
    assert_int_equal(blk.has_proposer, 1);
    assert_memory_equal(blk.proposer, n[B].k.pk, 32);
    cj_chain_block_free(&blk);
    assert_int_equal(cj_chain_block_by_height(n[A].c, 3, &blk), CJ_CHAIN_OK);
    assert_int_equal(blk.block.header.extra_data_len, CJ_CHAIN_EXTRA_VOTE);
    /* the seal covers the header with extra_data = state_root || vote (documented rule, checked here) */
    coinjecture_header tmp = blk.block.header;
    uint8_t sh[32];
    tmp.extra_data_len = 65;
    assert_int_equal(coinjecture_header_hash(&tmp, sh), COINJ_OK);
    assert_int_equal(crypto_sign_ed25519_verify_detached(blk.block.header.extra_data + 65, sh, 32, n[A].k.pk), 0);
    cj_chain_block_free(&blk);

    net_run_to(n, CNT, 5); /* the epoch's last block: the new set is in force from height 6 */
    sets_agree(n, CNT);
    assert_int_equal(cj_chain_validator_count(n[A].c), 4);
    assert_int_equal(cj_chain_my_index(n[D].c), 3);
    assert_int_equal(cj_chain_proposal_count(n[A].c), 0);
    assert_int_equal(cj_chain_vote_intents(n[A].c, NULL, 0), 1); /* satisfied: skipped, dropped once final */
    assert_int_equal(cj_chain_vote_intents(n[B].c, NULL, 0), 1);
    assert_int_equal(cj_chain_epoch_end(n[A].c), 12);
    assert_int_equal(cj_chain_votes_needed(n[A].c), 3);
    set_is(n[A].c, 0, abc, 3);
    set_is(n[A].c, 5, abc, 3);
    set_is(n[E].c, 6, abcd, 4);
    assert_int_equal(cj_chain_validators_at(n[A].c, 7, NULL, 0), 0); /* above tip + 1 */

    /* epoch 1 (6..11): only A and B vote to add E: 2 of 4 is a tie, not a majority */
    intend(&n[A], CJ_VOTE_ADD, &n[E].k, CJ_CHAIN_OK);
    intend(&n[B], CJ_VOTE_ADD, &n[E].k, CJ_CHAIN_OK);
    net_run_to(n, CNT, 10);
    size_t votes = 0;
    assert_int_equal(cj_chain_proposal(n[C].c, 0, NULL, &votes), 0);
    assert_int_equal(votes, 2);
    net_run_to(n, CNT, 11);
    sets_agree(n, CNT);
    assert_int_equal(cj_chain_validator_count(n[A].c), 4);
    set_is(n[A].c, 12, abcd, 4);
    assert_int_equal(cj_chain_proposal_count(n[A].c), 0); /* reset at the boundary, even though A and B... */
    /* ... still intend it: they vote again in epoch 2 (12..17), and C joins: 3 of 4 */
    intend(&n[C], CJ_VOTE_ADD, &n[E].k, CJ_CHAIN_OK);
    net_run_to(n, CNT, 16);
    assert_int_equal(cj_chain_proposal(n[D].c, 0, NULL, &votes), 0);
    assert_int_equal(votes, 3);
    net_run_to(n, CNT, 17);
    sets_agree(n, CNT);
    set_is(n[A].c, 18, abcde, 5);
    assert_int_equal(cj_chain_my_index(n[E].c), 4);
    net_run_to(n, CNT, 20);
    assert_int_equal(cj_chain_block_by_height(n[A].c, 19, &blk), CJ_CHAIN_OK); /* 19 mod 5 = 4: E in turn */
    assert_memory_equal(blk.proposer, n[E].k.pk, 32);
    assert_int_equal(blk.block.header.difficulty_target, 2);
    cj_chain_block_free(&blk);

    /* epoch 3 (18..23): B, C, D vote to remove A (3 of 5); A keeps sealing its turns until then */
    intend(&n[B], CJ_VOTE_REMOVE, &n[A].k, CJ_CHAIN_OK);
    intend(&n[C], CJ_VOTE_REMOVE, &n[A].k, CJ_CHAIN_OK);
    intend(&n[D], CJ_VOTE_REMOVE, &n[A].k, CJ_CHAIN_OK);
    net_run_to(n, CNT, 22);
    /* restart everybody mid-epoch: pending tallies come back from the store */
    size_t before = cj_chain_proposal_count(n[A].c);
    assert_int_equal(before, 1);
    assert_int_equal(cj_chain_proposal(n[A].c, 0, NULL, &votes), 0);
    for (size_t i = 0; i < CNT; i++) {
        cj_chain_close(n[i].c);
        n[i].c = nt_open(n[i].dir, &g, &n[i].k);
    }
    size_t votes2 = 0;
    assert_int_equal(cj_chain_proposal_count(n[C].c), 1);
    assert_int_equal(cj_chain_proposal(n[C].c, 0, NULL, &votes2), 0);
    assert_int_equal(votes2, votes);
    sets_agree(n, CNT);
    /* intentions are local and not persisted: re-register them */
    intend(&n[B], CJ_VOTE_REMOVE, &n[A].k, CJ_CHAIN_OK);
    intend(&n[C], CJ_VOTE_REMOVE, &n[A].k, CJ_CHAIN_OK);
    intend(&n[D], CJ_VOTE_REMOVE, &n[A].k, CJ_CHAIN_OK);
    net_run_to(n, CNT, 23);
    sets_agree(n, CNT);
    set_is(n[B].c, 24, bcde, 4);
    assert_int_equal(cj_chain_my_index(n[A].c), -1);
    assert_int_equal(cj_chain_next_production_ms(n[A].c), INT64_MAX);
    assert_int_equal(cj_chain_produce(n[A].c, NULL, NT_T0 + 1000000, &pr, err, sizeof err), CJ_CHAIN_NOT_VALIDATOR);
    /* A is gone from the schedule; the chain goes on, and A's old blocks still name it */
    net_run_to(n, CNT, 30);
    assert_int_equal(cj_chain_block_by_height(n[B].c, 3, &blk), CJ_CHAIN_OK);
    assert_memory_equal(blk.proposer, n[A].k.pk, 32);
    cj_chain_block_free(&blk);
    for (uint64_t h = 24; h <= 30; h++) {
        assert_int_equal(cj_chain_block_by_height(n[B].c, h, &blk), CJ_CHAIN_OK);
        assert_memory_not_equal(blk.proposer, n[A].k.pk, 32);
        cj_chain_block_free(&blk);
    }
    /* activity over the last 12 blocks (heights 19..30): E sealed 19 and 27 */
    cj_validator_activity act[8];
    assert_int_equal(cj_chain_validator_activity(n[B].c, 12, act, 8), 4);
    assert_int_equal(act[3].blocks, 2);
    assert_int_equal(act[3].last_height, 27);
    assert_int_equal(act[3].missed, 0);
    uint64_t total = 0;
    for (int i = 0; i < 4; i++) total += act[i].blocks;
    assert_int_equal(total, 11); /* A (no longer in the set) sealed 20, in turn at 20 mod 5 = 0 */

    /* history stays derivable: every height's set, on every node */
    for (size_t i = 0; i < CNT; i++) {
        set_is(n[i].c, 1, abc, 3);
        set_is(n[i].c, 11, abcd, 4);
        set_is(n[i].c, 17, abcd, 4);
        set_is(n[i].c, 18, abcde, 5);
        set_is(n[i].c, 23, abcde, 5);
        set_is(n[i].c, 24, bcde, 4);
    }
    net_close(n, CNT);
    cj_genesis_free(&g);
}

/* Drops the validator-set cache of a closed data dir (the rows are derivable from the blocks). */
static void drop_vset_cache(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/chain.db", dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DELETE FROM vsets", NULL, NULL, NULL), SQLITE_OK);
    assert_true(sqlite3_total_changes(db) > 0);
    sqlite3_close(db);
}

static void test_restart_without_cache(void **state)
{
    (void)state;
    enum { A, B, C, D, CNT };
    vnode n[CNT];
    nt_key keys[3];
    for (int i = 0; i < 3; i++) nt_key_make(&keys[i], (uint8_t)(1 + i));
    cj_genesis g;
    nt_genesis(&g, 3, keys, 0, NULL, 0);
    g.epoch_length = 3;
    net_open(n, CNT, &g);
    intend(&n[A], CJ_VOTE_ADD, &n[D].k, CJ_CHAIN_OK);
    intend(&n[C], CJ_VOTE_ADD, &n[D].k, CJ_CHAIN_OK);
    net_run_to(n, CNT, 5); /* epoch 0 = 0..2: C sealed 2 (vote), A only 3: not yet; epoch 1 = 3..5: A 3, C 5 */
    sets_agree(n, CNT);
    assert_int_equal(cj_chain_validator_count(n[B].c), 4);
    uint8_t before[4][32];
    assert_int_equal(cj_chain_validators_at(n[B].c, 6, before, 4), 4);
    intend(&n[B], CJ_VOTE_REMOVE, &n[C].k, CJ_CHAIN_OK);
    net_run_to(n, CNT, 9); /* B (in turn at 9 mod 4 = 1) casts the only vote of epoch 3 (9..11) */
    assert_int_equal(cj_chain_proposal_count(n[B].c), 1);
    cj_chain_close(n[B].c);
    drop_vset_cache(n[B].dir);
    n[B].c = nt_open(n[B].dir, &g, &n[B].k);
    uint8_t after[4][32];
    assert_int_equal(cj_chain_validators_at(n[B].c, 6, after, 4), 4);
    assert_memory_equal(before, after, sizeof before);
    assert_int_equal(cj_chain_validators_at(n[B].c, 2, after, 4), 3);
    assert_int_equal(cj_chain_proposal_count(n[B].c), 1);
    sets_agree(n, CNT);
    /* B goes offline across a boundary (its turns are taken out of turn), drops its cache again, and
     * catches up by importing what it missed */
    n[B].online = 0;
    net_run_to(n, CNT, 13);
    cj_chain_close(n[B].c);
    drop_vset_cache(n[B].dir);
    n[B].c = nt_open(n[B].dir, &g, &n[B].k);
    net_sync(n[B].c, n[A].c);
    n[B].online = 1;
    sets_agree(n, CNT);
    net_run_to(n, CNT, 16);
    sets_agree(n, CNT);
    assert_int_equal(cj_chain_validator_count(n[B].c), 4);
    net_close(n, CNT);
    cj_genesis_free(&g);
}

/* ---- invalid votes ------------------------------------------------------------------------------ */

/* Re-seals b by sk with extra_data = its state root || (action || key if action != 0) || seal. */
static uint8_t *reseal_vote(coinjecture_block *b, uint8_t action, const uint8_t key[32], const uint8_t sk[64],
                            size_t *len)
{
    coinjecture_header *h = &b->header;
    uint8_t sh[32];
    h->extra_data_len = 32;
    if (action) {
        h->extra_data[32] = action;
        memcpy(h->extra_data + 33, key, 32);
        h->extra_data_len = 32 + CJ_CHAIN_VOTE_LEN;
    }
    assert_int_equal(coinjecture_header_hash(h, sh), COINJ_OK);
    assert_int_equal(crypto_sign_ed25519_detached(h->extra_data + h->extra_data_len, NULL, sh, 32, sk), 0);
    h->extra_data_len += 64;
    return nt_encode(b, len);
}

static void test_invalid_votes(void **state)
{
    (void)state;
    enum { A, B, C, D, CNT };
    vnode n[CNT];
    nt_key keys[3];
    for (int i = 0; i < 3; i++) nt_key_make(&keys[i], (uint8_t)(1 + i));
    cj_genesis g;
    nt_genesis(&g, 3, keys, 0, NULL, 0);
    g.epoch_length = 4;
    net_open(n, CNT, &g);
    int64_t t = cj_chain_next_production_ms(n[B].c);
    size_t len;
    uint8_t *raw = nt_produce(n[B].c, NULL, t, &len, NULL);
    coinjecture_block b;
    assert_int_equal(coinjecture_block_decode(raw, len, &b), COINJ_OK);
    static const uint8_t zero[32];
    struct {
        uint8_t action;
        const uint8_t *key;
        cj_chain_status want;
    } cases[] = {
        {CJ_VOTE_ADD, n[A].k.pk, CJ_CHAIN_BAD_VOTE},    /* add a member */
        {CJ_VOTE_REMOVE, n[D].k.pk, CJ_CHAIN_BAD_VOTE}, /* remove a non-member */
        {3, n[D].k.pk, CJ_CHAIN_BAD_VOTE},              /* unknown action */
        {0xff, n[D].k.pk, CJ_CHAIN_BAD_VOTE},
        {CJ_VOTE_ADD, zero, CJ_CHAIN_BAD_VOTE},         /* not a valid Ed25519 point */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t l;
        uint8_t *enc = reseal_vote(&b, cases[i].action, cases[i].key, n[B].k.sk, &l);
        assert_int_equal(nt_import(n[A].c, enc, l, t, NULL), cases[i].want);
        assert_int_equal(cj_chain_height(n[A].c), 0);
        coinjecture_buffer_free(enc);
    }
    /* the action byte 0 inside a 129-byte extra_data is not "no vote" */
    size_t l;
    uint8_t *enc = reseal_vote(&b, CJ_VOTE_ADD, n[D].k.pk, n[B].k.sk, &l);
    coinjecture_buffer_free(enc);
    b.header.extra_data_len = 65;
    b.header.extra_data[32] = 0;
    uint8_t sh[32];
    assert_int_equal(coinjecture_header_hash(&b.header, sh), COINJ_OK);
    assert_int_equal(crypto_sign_ed25519_detached(b.header.extra_data + 65, NULL, sh, 32, n[B].k.sk), 0);
    b.header.extra_data_len = 129;
    enc = nt_encode(&b, &l);
    assert_int_equal(nt_import(n[A].c, enc, l, t, NULL), CJ_CHAIN_BAD_VOTE);
    coinjecture_buffer_free(enc);
    /* other lengths are malformed headers */
    enc = reseal_vote(&b, 0, NULL, n[B].k.sk, &l);
    coinjecture_buffer_free(enc);
    b.header.extra_data_len = 97;
    enc = nt_encode(&b, &l);
    assert_int_equal(nt_import(n[A].c, enc, l, t, NULL), CJ_CHAIN_BAD_HEADER);
    coinjecture_buffer_free(enc);
    /* a vote changed after sealing breaks the seal */
    enc = reseal_vote(&b, CJ_VOTE_ADD, n[D].k.pk, n[B].k.sk, &l);
    coinjecture_buffer_free(enc);
    b.header.extra_data[40] ^= 1;
    enc = nt_encode(&b, &l);
    assert_int_equal(nt_import(n[A].c, enc, l, t, NULL), CJ_CHAIN_BAD_SEAL);
    coinjecture_buffer_free(enc);
    /* and a valid vote is accepted: the re-sealing above is right */
    enc = reseal_vote(&b, CJ_VOTE_ADD, n[D].k.pk, n[B].k.sk, &l);
    assert_int_equal(nt_import(n[A].c, enc, l, t, NULL), CJ_CHAIN_OK);
    assert_int_equal(cj_chain_height(n[A].c), 1);
    assert_int_equal(cj_chain_proposal_count(n[A].c), 1);
    assert_memory_equal(cj_chain_proposal_voter(n[A].c, 0, 0), n[B].k.pk, 32);
    /* the same height sealed by B without the vote is a different block: double-sign evidence */
    assert_int_equal(nt_import(n[A].c, raw, len, t, NULL), CJ_CHAIN_OK);
    cj_evidence ev[2];
    assert_int_equal(cj_chain_evidence(n[A].c, ev, 2), 1);
    assert_memory_equal(ev[0].validator, n[B].k.pk, 32);
    coinjecture_buffer_free(enc);
    coinjecture_block_free(&b);
    free(raw);
    net_close(n, CNT);
    cj_genesis_free(&g);

    /* a single validator: it can add a key alone (1 > 1/2) but never remove itself */
    vnode x[2];
    nt_key k9;
    nt_key_make(&k9, 1);
    nt_genesis(&g, 1, &k9, 0, NULL, 0);
    g.epoch_length = 2;
    net_open(x, 2, &g);
    intend(&x[0], CJ_VOTE_REMOVE, &x[0].k, CJ_CHAIN_BAD_VOTE);
    t = cj_chain_next_production_ms(x[0].c);
    raw = nt_produce(x[0].c, NULL, t, &len, NULL);
    assert_int_equal(coinjecture_block_decode(raw, len, &b), COINJ_OK);
    enc = reseal_vote(&b, CJ_VOTE_REMOVE, x[0].k.pk, x[0].k.sk, &l);
    assert_int_equal(nt_import(x[1].c, enc, l, t, NULL), CJ_CHAIN_BAD_VOTE);
    coinjecture_buffer_free(enc);
    coinjecture_block_free(&b);
    assert_int_equal(nt_import(x[1].c, raw, len, t, NULL), CJ_CHAIN_OK);
    free(raw);
    intend(&x[0], CJ_VOTE_ADD, &x[1].k, CJ_CHAIN_OK);
    net_run_to(x, 2, 1); /* no-op: already at 1 */
    assert_int_equal(cj_chain_validator_count(x[0].c), 1);
    net_run_to(x, 2, 3); /* 2 carries the vote (epoch 1 = 2..3), the set changes at 4 */
    sets_agree(x, 2);
    assert_int_equal(cj_chain_validator_count(x[1].c), 2);
    net_run_to(x, 2, 8);
    sets_agree(x, 2);
    net_close(x, 2);
    cj_genesis_free(&g);
}

static void test_intentions(void **state)
{
    (void)state;
    enum { A, B, C, D, E, CNT };
    vnode n[CNT];
    nt_key keys[3];
    for (int i = 0; i < 3; i++) nt_key_make(&keys[i], (uint8_t)(1 + i));
    cj_genesis g;
    nt_genesis(&g, 3, keys, 0, NULL, 0);
    g.epoch_length = 100;
    net_open(n, CNT, &g);
    cj_chain *c = n[B].c;
    char err[256];
    cj_vote v = {CJ_VOTE_ADD, {0}};
    assert_int_equal(cj_chain_vote_intent_add(NULL, &v, err, sizeof err), CJ_CHAIN_BAD_ARG);
    assert_int_equal(cj_chain_vote_intent_add(c, NULL, err, sizeof err), CJ_CHAIN_BAD_ARG);
    v.action = CJ_VOTE_NONE;
    memcpy(v.key, n[D].k.pk, 32);
    assert_int_equal(cj_chain_vote_intent_add(c, &v, err, sizeof err), CJ_CHAIN_BAD_ARG);
    v.action = CJ_VOTE_ADD;
    memset(v.key, 0, 32);
    assert_int_equal(cj_chain_vote_intent_add(c, &v, err, sizeof err), CJ_CHAIN_BAD_ARG);
    assert_non_null(strstr(err, "Ed25519"));
    intend(&n[B], CJ_VOTE_ADD, &n[A].k, CJ_CHAIN_BAD_VOTE);
    intend(&n[B], CJ_VOTE_REMOVE, &n[D].k, CJ_CHAIN_BAD_VOTE);
    assert_int_equal(cj_chain_vote_intents(c, NULL, 0), 0);
    intend(&n[B], CJ_VOTE_ADD, &n[D].k, CJ_CHAIN_OK);
    intend(&n[B], CJ_VOTE_ADD, &n[E].k, CJ_CHAIN_OK);
    intend(&n[B], CJ_VOTE_REMOVE, &n[C].k, CJ_CHAIN_OK);
    cj_vote list[4];
    assert_int_equal(cj_chain_vote_intents(c, list, 1), 3);
    assert_int_equal(list[0].action, CJ_VOTE_ADD);
    assert_memory_equal(list[0].key, n[D].k.pk, 32);
    assert_int_equal(cj_chain_vote_intents(NULL, list, 4), 0);
    /* B casts them round robin, one per block it seals, each once per epoch */
    cj_chain_block blk;
    cj_vote got[4];
    size_t ngot = 0;
    while (ngot < 4) {
        size_t who = net_step(n, CNT);
        if (who != B) continue;
        assert_int_equal(cj_chain_block_by_height(c, cj_chain_height(c), &blk), CJ_CHAIN_OK);
        int hv = cj_chain_header_vote(&blk.block.header, &got[ngot]);
        cj_chain_block_free(&blk);
        assert_true(hv >= 0);
        if (hv == 0) got[ngot].action = CJ_VOTE_NONE;
        ngot++;
    }
    assert_int_equal(got[0].action, CJ_VOTE_ADD);
    assert_memory_equal(got[0].key, n[D].k.pk, 32);
    assert_int_equal(got[1].action, CJ_VOTE_ADD);
    assert_memory_equal(got[1].key, n[E].k.pk, 32);
    assert_int_equal(got[2].action, CJ_VOTE_REMOVE);
    assert_memory_equal(got[2].key, n[C].k.pk, 32);
    assert_int_equal(got[3].action, CJ_VOTE_NONE); /* all cast in this epoch */
    assert_int_equal(cj_chain_proposal_count(n[A].c), 3);
    v.action = CJ_VOTE_REMOVE;
    memcpy(v.key, n[C].k.pk, 32);
    assert_int_equal(cj_chain_vote_cast(c, &v), 1);
    assert_int_equal(cj_chain_vote_cast(n[A].c, &v), 0);
    assert_int_equal(cj_chain_vote_cast(NULL, &v), 0);
    /* withdrawing stops future votes; the sealed one keeps counting */
    assert_int_equal(cj_chain_vote_intent_del(c, &v), 1);
    assert_int_equal(cj_chain_vote_intent_del(c, &v), 0);
    assert_int_equal(cj_chain_vote_intent_del(c, NULL), 0);
    assert_int_equal(cj_chain_vote_intents(c, NULL, 0), 2);
    size_t votes = 0;
    assert_int_equal(cj_chain_proposal(n[A].c, 2, &v, &votes), 0);
    assert_int_equal(votes, 1);
    /* the list is bounded */
    for (uint8_t s = 100; cj_chain_vote_intents(c, NULL, 0) < CJ_CHAIN_MAX_VOTE_INTENTS; s++) {
        nt_key k;
        nt_key_make(&k, s);
        intend(&n[B], CJ_VOTE_ADD, &k, CJ_CHAIN_OK);
    }
    nt_key extra;
    nt_key_make(&extra, 250);
    intend(&n[B], CJ_VOTE_ADD, &extra, CJ_CHAIN_BAD_ARG);
    net_close(n, CNT);
    cj_genesis_free(&g);

    /* a satisfied intention is skipped, then dropped max_reorg_depth blocks later */
    nt_genesis(&g, 3, keys, 0, NULL, 0);
    g.epoch_length = 2;
    net_open(n, CNT, &g);
    cj_chain_options o;
    cj_chain_options_default(&o);
    o.sync_full = 0;
    o.max_reorg_depth = 5;
    for (size_t i = 0; i < CNT; i++) {
        cj_chain_close(n[i].c);
        assert_int_equal(cj_chain_open(n[i].dir, &g, n[i].k.sk, &o, &n[i].c, err, sizeof err), CJ_CHAIN_OK);
    }
    intend(&n[A], CJ_VOTE_ADD, &n[D].k, CJ_CHAIN_OK);
    intend(&n[C], CJ_VOTE_ADD, &n[D].k, CJ_CHAIN_OK);
    net_run_to(n, CNT, 3); /* epoch 1 = 2..3: C sealed 2, A 3: D is in from 4 */
    assert_int_equal(cj_chain_validator_count(n[A].c), 4);
    assert_int_equal(cj_chain_vote_intents(n[A].c, NULL, 0), 1);
    net_run_to(n, CNT, 7);
    assert_int_equal(cj_chain_vote_intents(n[A].c, NULL, 0), 1);
    net_run_to(n, CNT, 8); /* satisfied since 4, now tip + 1 = 9: 5 blocks */
    assert_int_equal(cj_chain_vote_intents(n[A].c, NULL, 0), 0);
    assert_int_equal(cj_chain_vote_intents(n[C].c, NULL, 0), 0);
    for (uint64_t h = 4; h <= 8; h++) { /* nobody voted for the satisfied intention */
        cj_chain_block blk2;
        assert_int_equal(cj_chain_block_by_height(n[A].c, h, &blk2), CJ_CHAIN_OK);
        assert_int_equal(blk2.block.header.extra_data_len, CJ_CHAIN_EXTRA_PLAIN);
        cj_chain_block_free(&blk2);
    }
    net_close(n, CNT);
    cj_genesis_free(&g);
}

/* ---- reorg across an epoch boundary -------------------------------------------------------------- */

/* Produces on c at its next allowed time and returns the bytes. */
static uint8_t *make(cj_chain *c, size_t *len)
{
    return nt_produce(c, NULL, cj_chain_next_production_ms(c), len, NULL);
}

static void test_reorg_across_boundary(void **state)
{
    (void)state;
    enum { A, B, C, D, O, CNT };
    vnode n[CNT];
    nt_key keys[3];
    for (int i = 0; i < 3; i++) nt_key_make(&keys[i], (uint8_t)(1 + i));
    cj_genesis g;
    nt_genesis(&g, 3, keys, 0, NULL, 0);
    g.epoch_length = 4;
    net_open(n, CNT, &g);
    const nt_key *abc[] = {&n[A].k, &n[B].k, &n[C].k}, *abcd[] = {&n[A].k, &n[B].k, &n[C].k, &n[D].k};
    const int64_t NOW = NT_T0 + 100000;
    /* branch X (A and B): B1 in turn + vote, A2 out of turn + vote, A3 in turn, A4 in turn under {A,B,C,D} */
    intend(&n[A], CJ_VOTE_ADD, &n[D].k, CJ_CHAIN_OK);
    intend(&n[B], CJ_VOTE_ADD, &n[D].k, CJ_CHAIN_OK);
    uint8_t *x[4];
    size_t xl[4];
    x[0] = make(n[B].c, &xl[0]);
    assert_int_equal(nt_import(n[A].c, x[0], xl[0], NOW, NULL), CJ_CHAIN_OK);
    x[1] = make(n[A].c, &xl[1]);
    x[2] = make(n[A].c, &xl[2]);
    assert_int_equal(cj_chain_validator_count(n[A].c), 4);
    x[3] = make(n[A].c, &xl[3]);
    assert_int_equal(cj_chain_tip_weight(n[A].c), 7);
    /* branch Y (C alone, no votes): weights 1, 2, 1, 1 */
    uint8_t *y[6];
    size_t yl[6];
    for (int i = 0; i < 4; i++) y[i] = make(n[C].c, &yl[i]);
    assert_int_equal(cj_chain_tip_weight(n[C].c), 5);
    assert_int_equal(cj_chain_validator_count(n[C].c), 3);
    /* O and D follow Y, then X arrives and wins: the set across the boundary follows the branch */
    cj_chain *obs[2] = {n[O].c, n[D].c};
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 4; i++) assert_int_equal(nt_import(obs[k], y[i], yl[i], NOW, NULL), CJ_CHAIN_OK);
        set_is(obs[k], 4, abc, 3);
        assert_int_equal(cj_chain_validator_count(obs[k]), 3);
        for (int i = 0; i < 4; i++) assert_int_equal(nt_import(obs[k], x[i], xl[i], NOW, NULL), CJ_CHAIN_OK);
        assert_int_equal(cj_chain_tip_weight(obs[k]), 7);
        set_is(obs[k], 4, abcd, 4);
        set_is(obs[k], 5, abcd, 4);
        assert_int_equal(cj_chain_proposal_count(obs[k]), 0);
    }
    assert_int_equal(cj_chain_my_index(n[D].c), 3);
    cj_chain_stats st;
    cj_chain_get_stats(n[O].c, &st);
    assert_true(st.reorgs >= 1);
    /* Y grows heavier (Y5 in turn under {A,B,C}: 7, Y6: 8): everybody goes back to 3 validators */
    y[4] = make(n[C].c, &yl[4]);
    y[5] = make(n[C].c, &yl[5]);
    assert_int_equal(cj_chain_tip_weight(n[C].c), 8);
    cj_chain *all[4] = {n[O].c, n[D].c, n[A].c, n[B].c};
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i < 6; i++) {
            cj_chain_status s = nt_import(all[k], y[i], yl[i], NOW, NULL);
            assert_true(s == CJ_CHAIN_OK || s == CJ_CHAIN_KNOWN);
        }
        uint8_t t1[32], t2[32];
        cj_chain_tip_hash(all[k], t1);
        cj_chain_tip_hash(n[C].c, t2);
        assert_memory_equal(t1, t2, 32);
        set_is(all[k], 4, abc, 3);
        set_is(all[k], 7, abc, 3);
        assert_int_equal(cj_chain_validator_count(all[k]), 3);
    }
    assert_int_equal(cj_chain_my_index(n[D].c), -1);
    /* X's intentions were not satisfied on the winning branch: A and B still hold them and vote again */
    assert_int_equal(cj_chain_vote_intents(n[A].c, NULL, 0), 1);
    assert_int_equal(cj_chain_vote_intents(n[B].c, NULL, 0), 1);
    /* a restart after the reorgs derives the same sets */
    cj_chain_close(n[O].c);
    n[O].c = nt_open(n[O].dir, &g, &n[O].k);
    set_is(n[O].c, 4, abc, 3);
    set_is(n[O].c, 7, abc, 3);
    assert_int_equal(cj_chain_validator_count(n[O].c), 3);
    /* the whole network continues: epoch 1 (4..7) on Y has only B's vote (at 7), in epoch 2 (8..11) A (9)
     * and B (10) vote again and D joins at 12 */
    net_run_to(n, CNT, 7);
    sets_agree(n, CNT);
    set_is(n[O].c, 8, abc, 3);
    net_run_to(n, CNT, 11);
    set_is(n[O].c, 12, abcd, 4);
    net_run_to(n, CNT, 14);
    sets_agree(n, CNT);
    for (int i = 0; i < 4; i++) free(x[i]);
    for (int i = 0; i < 6; i++) free(y[i]);
    net_close(n, CNT);
    cj_genesis_free(&g);
}

static void test_null_and_bounds(void **state)
{
    (void)state;
    nt_key k;
    nt_key_make(&k, 1);
    cj_genesis g;
    nt_genesis(&g, 1, &k, 0, NULL, 0);
    g.epoch_length = 5;
    char *dir = nt_tmpdir();
    cj_chain *c = nt_open(dir, &g, &k);
    cj_vote v;
    size_t votes = 7;
    uint8_t keys[2][32];
    cj_validator_activity act[2];
    assert_int_equal(cj_chain_epoch_length(NULL), 0);
    assert_int_equal(cj_chain_epoch_end(NULL), 0);
    assert_int_equal(cj_chain_votes_needed(NULL), 0);
    assert_int_equal(cj_chain_proposal_count(NULL), 0);
    assert_int_equal(cj_chain_proposal(NULL, 0, &v, &votes), -1);
    assert_int_equal(cj_chain_proposal(c, 0, &v, &votes), -1);
    assert_int_equal(votes, 7);
    assert_null(cj_chain_proposal_voter(NULL, 0, 0));
    assert_null(cj_chain_proposal_voter(c, 0, 0));
    assert_int_equal(cj_chain_validators_at(NULL, 0, keys, 2), 0);
    assert_int_equal(cj_chain_validators_at(c, 0, NULL, 2), 0);
    assert_int_equal(cj_chain_validators_at(c, 0, NULL, 0), 1);
    assert_int_equal(cj_chain_validators_at(c, 1, keys, 2), 1);
    assert_memory_equal(keys[0], k.pk, 32);
    assert_int_equal(cj_chain_validators_at(c, 2, keys, 2), 0);
    assert_int_equal(cj_chain_validators_at(c, UINT64_MAX, keys, 2), 0);
    assert_int_equal(cj_chain_validator_activity(NULL, 64, act, 2), 0);
    assert_int_equal(cj_chain_validator_activity(c, 64, NULL, 2), 0);
    assert_int_equal(cj_chain_validator_activity(c, 64, act, 0), 0);
    assert_int_equal(cj_chain_validator_activity(c, 0, act, 2), 0);
    assert_int_equal(cj_chain_validator_activity(c, 100001, act, 2), 0);
    assert_int_equal(cj_chain_validator_activity(c, 64, act, 2), 1); /* genesis only: zeros */
    assert_int_equal(act[0].blocks, 0);
    assert_int_equal(cj_chain_vote_intents(NULL, NULL, 0), 0);
    assert_int_equal(cj_chain_vote_cast(c, NULL), 0);
    assert_int_equal(cj_chain_epoch_end(c), 5);
    assert_int_equal(cj_chain_votes_needed(c), 1);
    assert_null(cj_chain_validator(c, 1));
    assert_int_equal(cj_chain_validator_blocks(c, 1), 0);
    assert_int_equal(cj_chain_earliest_ms(c, 1, 1), INT64_MAX);
    /* in-range activity after a few blocks: one validator seals everything, in turn */
    for (int i = 0; i < 7; i++) {
        size_t len;
        free(nt_produce(c, NULL, cj_chain_next_production_ms(c), &len, NULL));
    }
    assert_int_equal(cj_chain_validator_activity(c, 3, act, 2), 1);
    assert_int_equal(act[0].blocks, 3);
    assert_int_equal(act[0].in_turn, 3);
    assert_int_equal(act[0].missed, 0);
    assert_int_equal(act[0].last_height, 7);
    assert_int_equal(cj_chain_validator_activity(c, 100000, act, 2), 1);
    assert_int_equal(act[0].blocks, 7);
    assert_int_equal(cj_chain_epoch_end(c), 10);
    cj_chain_close(c);
    nt_rmdir(dir);
    cj_genesis_free(&g);
    /* a genesis listing one key twice is refused */
    nt_key two[2] = {k, k};
    nt_genesis(&g, 2, two, 0, NULL, 0);
    dir = nt_tmpdir();
    char err[256] = "";
    assert_int_equal(cj_chain_open(dir, &g, NULL, NULL, &c, err, sizeof err), CJ_CHAIN_BAD_ARG);
    assert_null(c);
    assert_non_null(strstr(err, "same key"));
    nt_rmdir(dir);
    cj_genesis_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vote_vectors),
        cmocka_unit_test(test_vote_parse),
        cmocka_unit_test(test_grow_and_shrink),
        cmocka_unit_test(test_restart_without_cache),
        cmocka_unit_test(test_invalid_votes),
        cmocka_unit_test(test_intentions),
        cmocka_unit_test(test_reorg_across_boundary),
        cmocka_unit_test(test_null_and_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
