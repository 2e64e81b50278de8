/* Store: schema and statements, nested transactions, the data-dir lock, and crash safety: a child process
 * producing blocks is SIGKILLed at random moments; every restart must resume from a committed block with
 * nothing committed lost and the accounts matching the head's state root. */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "node_testutil.h"
#include "store.h"

static void test_store_basics(void **state)
{
    (void)state;
    char *d = nt_tmpdir();
    cj_store *s = NULL;
    char err[256];
    assert_int_equal(cj_store_open(d, 0, &s, err, sizeof err), 0);
    assert_non_null(s);
    /* a second opener is locked out */
    cj_store *s2 = NULL;
    assert_int_equal(cj_store_open(d, 0, &s2, err, sizeof err), -1);
    assert_null(s2);
    assert_non_null(strstr(err, "lock"));

    uint8_t v[16];
    size_t vl = 0;
    assert_int_equal(cj_store_meta_get(s, "nothing", v, sizeof v, &vl), 0);
    assert_int_equal(cj_store_meta_put(s, "k", (const uint8_t *)"abc", 3), 0);
    assert_int_equal(cj_store_meta_get(s, "k", v, sizeof v, &vl), 1);
    assert_int_equal(vl, 3);
    assert_memory_equal(v, "abc", 3);
    assert_int_equal(cj_store_meta_get(s, "k", v, 2, &vl), -1); /* too small */

    /* nested transactions: inner rollback keeps the outer writes */
    assert_int_equal(cj_store_begin(s), 0);
    assert_int_equal(cj_store_meta_put(s, "a", (const uint8_t *)"1", 1), 0);
    assert_int_equal(cj_store_begin(s), 0);
    assert_int_equal(cj_store_meta_put(s, "b", (const uint8_t *)"2", 1), 0);
    cj_store_rollback(s);
    assert_int_equal(cj_store_commit(s), 0);
    assert_int_equal(cj_store_meta_get(s, "a", v, sizeof v, &vl), 1);
    assert_int_equal(cj_store_meta_get(s, "b", v, sizeof v, &vl), 0);
    assert_int_equal(cj_store_commit(s), -1); /* nothing open */
    assert_int_equal(cj_store_begin(s), 0);
    assert_int_equal(cj_store_meta_put(s, "c", (const uint8_t *)"3", 1), 0);
    cj_store_rollback(s);
    assert_int_equal(cj_store_meta_get(s, "c", v, sizeof v, &vl), 0);

    /* blocks, canon, slices, undo */
    cj_store_block_info bi, got;
    memset(&bi, 0, sizeof bi);
    memset(bi.hash, 0x11, 32);
    memset(bi.parent, 0x22, 32);
    memset(bi.state_root, 0x33, 32);
    bi.height = 7;
    bi.cum_weight = 12;
    bi.proposer = 2;
    bi.timestamp = 123456789012;
    uint8_t data[100];
    for (int i = 0; i < 100; i++) data[i] = (uint8_t)i;
    int64_t id = 0;
    assert_int_equal(cj_store_block_put(s, &bi, data, sizeof data, &id), 0);
    assert_true(id > 0);
    assert_int_equal(cj_store_block_put(s, &bi, data, sizeof data, &id), -1); /* hash is unique */
    assert_int_equal(cj_store_block_info_by_hash(s, bi.hash, &got), 1);
    assert_int_equal(got.height, 7);
    assert_int_equal(got.cum_weight, 12);
    assert_int_equal(got.proposer, 2);
    assert_int_equal(got.timestamp, 123456789012);
    assert_memory_equal(got.parent, bi.parent, 32);
    assert_memory_equal(got.state_root, bi.state_root, 32);
    assert_int_equal(cj_store_block_info_by_id(s, id + 100, &got), 0);
    uint8_t slice[10];
    assert_int_equal(cj_store_block_slice(s, id, 40, 10, slice), 0);
    assert_int_equal(slice[0], 40);
    assert_int_equal(slice[9], 49);
    assert_int_equal(cj_store_block_slice(s, id, 95, 10, slice), -1); /* past the end */
    uint8_t *buf;
    size_t bl;
    assert_int_equal(cj_store_block_data(s, id, &buf, &bl), 1);
    assert_int_equal(bl, 100);
    free(buf);
    assert_int_equal(cj_store_undo_get(s, id, &buf, &bl), 1);
    assert_int_equal(bl, 0); /* not applied yet */
    free(buf);
    assert_int_equal(cj_store_undo_put(s, id, (const uint8_t *)"undo", 4), 0);
    assert_int_equal(cj_store_undo_get(s, id, &buf, &bl), 1);
    assert_int_equal(bl, 4);
    free(buf);
    uint64_t th;
    int64_t tid;
    assert_int_equal(cj_store_canon_tip(s, &th, &tid), 0);
    assert_int_equal(cj_store_canon_set(s, 7, id), 0);
    assert_int_equal(cj_store_canon_tip(s, &th, &tid), 1);
    assert_int_equal(th, 7);
    assert_int_equal(tid, id);
    assert_int_equal(cj_store_canon_get(s, 6, &tid), 0);
    assert_int_equal(cj_store_canon_del(s, 7), 0);
    assert_int_equal(cj_store_canon_tip(s, &th, &tid), 0);

    /* same-slot lookup for evidence */
    cj_store_block_info b2 = bi;
    memset(b2.hash, 0x44, 32);
    int64_t id2;
    assert_int_equal(cj_store_block_put(s, &b2, data, 10, &id2), 0);
    uint8_t other[4][32];
    assert_int_equal(cj_store_blocks_same_slot(s, 7, 2, bi.hash, other, 4), 1);
    assert_memory_equal(other[0], b2.hash, 32);
    assert_int_equal(cj_store_blocks_same_slot(s, 7, 1, bi.hash, other, 4), 0);
    assert_int_equal(cj_store_evidence_put(s, 7, bi.parent, bi.hash, b2.hash), 1);
    assert_int_equal(cj_store_evidence_put(s, 7, bi.parent, b2.hash, bi.hash), 0); /* same pair */
    uint64_t eh[2];
    uint8_t ev[2][32], ea[2][32], eb[2][32];
    assert_int_equal(cj_store_evidence_list(s, 2, eh, ev, ea, eb), 1);
    assert_int_equal(eh[0], 7);
    assert_memory_equal(ea[0], bi.hash, 32); /* stored in byte order: 0x11.. < 0x44.. */
    assert_int_equal(cj_store_block_delete(s, id2), 0);
    assert_int_equal(cj_store_block_info_by_hash(s, b2.hash, &got), 0);

    /* tx index */
    uint8_t txh[32];
    memset(txh, 0x55, 32);
    uint32_t idx, off, len;
    assert_int_equal(cj_store_tx_get(s, txh, &th, &idx, &off, &len), 0);
    assert_int_equal(cj_store_tx_put(s, txh, 7, 3, 400, 250), 0);
    assert_int_equal(cj_store_tx_get(s, txh, &th, &idx, &off, &len), 1);
    assert_int_equal(th, 7);
    assert_int_equal(idx, 3);
    assert_int_equal(off, 400);
    assert_int_equal(len, 250);
    assert_int_equal(cj_store_tx_del(s, txh), 0);
    assert_int_equal(cj_store_tx_get(s, txh, &th, &idx, &off, &len), 0);
    cj_store_close(s);
    cj_store_close(NULL);

    /* everything committed survives a reopen; the lock is released by close */
    assert_int_equal(cj_store_open(d, 1, &s, err, sizeof err), 0);
    assert_int_equal(cj_store_meta_get(s, "a", v, sizeof v, &vl), 1);
    assert_int_equal(cj_store_block_info_by_hash(s, bi.hash, &got), 1);
    cj_store_close(s);
    nt_rmdir(d);
    assert_int_equal(cj_store_open("/proc/no/such/dir", 0, &s, err, sizeof err), -1);
}

typedef struct {
    uint8_t pk[32];
    uint64_t balance, nonce;
} acct_row;

static int count_account(void *ctx, const uint8_t pk[32], uint64_t balance, uint64_t nonce)
{
    (void)pk;
    uint64_t *n = ctx;
    (*n)++;
    return balance == 0 && nonce == 0 ? 1 : 0; /* zero accounts are never stored */
}

static void test_accounts_table(void **state)
{
    (void)state;
    char *d = nt_tmpdir();
    cj_store *s = NULL;
    char err[256];
    assert_int_equal(cj_store_open(d, 0, &s, err, sizeof err), 0);
    uint8_t pk[32];
    memset(pk, 1, 32);
    assert_int_equal(cj_store_account_put(s, pk, UINT64_MAX, 5), 0); /* full u64 range */
    pk[0] = 2;
    assert_int_equal(cj_store_account_put(s, pk, 10, 0), 0);
    uint64_t n = 0;
    assert_int_equal(cj_store_accounts_each(s, count_account, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(cj_store_account_put(s, pk, 0, 0), 0); /* deletes */
    n = 0;
    assert_int_equal(cj_store_accounts_each(s, count_account, &n), 0);
    assert_int_equal(n, 1);
    cj_store_close(s);
    nt_rmdir(d);
}

/* ---- crash safety ---- */

#define USERS 4

/* Child: produce blocks with transfers forever, reporting each committed height on fd. Never returns. */
static void crash_child(const char *dir, const cj_genesis *g, const nt_key *val, const nt_key *users, int fd,
                        uint64_t seed)
{
    cj_chain_options o;
    cj_chain_options_default(&o);
    o.sync_full = (int)(seed & 1);
    cj_chain *c = NULL;
    char err[256];
    if (cj_chain_open(dir, g, val->sk, &o, &c, err, sizeof err) != CJ_CHAIN_OK) _exit(3);
    cj_mempool *mp = cj_mempool_new(NULL);
    uint64_t rng = seed;
    for (;;) {
        for (int u = 0; u < USERS; u++) {
            coinjecture_account a;
            cj_chain_account(c, users[u].pk, &a);
            int k = (int)(tu_rand_u64(&rng) % 8);
            for (int i = 0; i < k; i++) {
                uint8_t to[32];
                tu_rand_bytes(&rng, to, 32);
                coinjecture_tx tx;
                memset(&tx, 0, sizeof tx);
                tx.codec_version = 1;
                tx.tx_type = COINJECTURE_TX_TRANSFER;
                memcpy(tx.from, users[u].pk, 32);
                memcpy(tx.to, i % 2 ? users[(u + 1) % USERS].pk : to, 32);
                tx.amount = 1 + tu_rand_u64(&rng) % 5000;
                tx.nonce = a.nonce + (uint64_t)i;
                tx.gas_limit = 21000;
                tx.gas_price = 1 + tu_rand_u64(&rng) % 3;
                if (coinjecture_tx_sign(&tx, users[u].sk) != COINJ_OK) _exit(4);
                (void)cj_mempool_add(mp, cj_chain_state(c), &tx, 0, NULL, NULL, 0);
            }
        }
        cj_produce_result r;
        cj_tx_source src;
        cj_mempool_source(mp, &src);
        if (cj_chain_produce(c, &src, cj_chain_next_production_ms(c), &r, err, sizeof err) != CJ_CHAIN_OK || !r.produced)
            _exit(5);
        (void)cj_mempool_on_tip(mp, cj_chain_state(c), &r.move, 0);
        uint64_t h = r.height;
        if (write(fd, &h, sizeof h) != (ssize_t)sizeof h) _exit(6);
    }
}

static void test_crash_safety(void **state)
{
    (void)state;
    nt_key val, users[USERS];
    nt_key_make(&val, 1);
    for (int i = 0; i < USERS; i++) nt_key_make(&users[i], (uint8_t)(30 + i));
    cj_genesis g;
    nt_genesis(&g, 1, &val, USERS, users, 1000000000000ull);
    char *d = nt_tmpdir();
    uint64_t rng = (uint64_t)time(NULL) ^ 0x9e3779b97f4a7c15ull;
    uint64_t last_reported = 0;
    int rounds = 20;
    for (int round = 0; round < rounds; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            crash_child(d, &g, &val, users, fds[1], tu_rand_u64(&rng) | (uint64_t)round);
        }
        close(fds[1]);
        /* wait for a random number of committed blocks, then a random extra delay, then SIGKILL */
        int want = 1 + (int)(tu_rand_u64(&rng) % 12);
        uint64_t h = 0;
        for (int got = 0; got < want; got++) {
            ssize_t n = read(fds[0], &h, sizeof h);
            if (n != (ssize_t)sizeof h) break;
            last_reported = h;
        }
        struct timespec ts = {0, (long)(tu_rand_u64(&rng) % 4000000)};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        /* drain what the child reported before it died: all of it was committed */
        ssize_t n;
        while ((n = read(fds[0], &h, sizeof h)) == (ssize_t)sizeof h) last_reported = h;
        close(fds[0]);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        /* reopen: open() itself rebuilds the state and checks it against the head's state root */
        cj_chain *c = nt_open(d, &g, NULL);
        uint64_t height = cj_chain_height(c);
        if (getenv("NT_VERBOSE"))
            fprintf(stderr, "round %d: last reported %llu, head after restart %llu\n", round,
                    (unsigned long long)last_reported, (unsigned long long)height);
        assert_true(height >= last_reported);
        assert_true(height <= last_reported + 1); /* at most the block whose report was cut off */
        cj_chain_block blk;
        assert_int_equal(cj_chain_block_by_height(c, height, &blk), CJ_CHAIN_OK);
        uint8_t root[32];
        cj_chain_state_root(c, root);
        assert_memory_equal(blk.block.header.extra_data, root, 32);
        for (uint32_t i = 0; i < blk.block.tx_count; i++) {
            uint8_t th[32];
            cj_chain_tx t;
            assert_int_equal(coinjecture_tx_hash(&blk.block.transactions[i], th), COINJ_OK);
            assert_int_equal(cj_chain_tx_by_hash(c, th, &t), CJ_CHAIN_OK);
            assert_int_equal(t.height, height);
            assert_int_equal(t.index, i);
            cj_chain_tx_free(&t);
        }
        cj_chain_block_free(&blk);
        /* the chain is continuous: every height up to the head is there and links to its parent */
        uint8_t prev[32];
        cj_chain_genesis_hash(c, prev);
        for (uint64_t hh = 1; hh <= height; hh++) {
            assert_int_equal(cj_chain_block_by_height(c, hh, &blk), CJ_CHAIN_OK);
            assert_memory_equal(blk.block.header.parent_hash, prev, 32);
            memcpy(prev, blk.hash, 32);
            cj_chain_block_free(&blk);
        }
        last_reported = height;
        cj_chain_close(c);
    }
    assert_true(last_reported >= (uint64_t)rounds);
    /* and it still produces */
    cj_chain *c = nt_open(d, &g, &val);
    cj_produce_result r;
    char err[128];
    assert_int_equal(cj_chain_produce(c, NULL, cj_chain_next_production_ms(c), &r, err, sizeof err), CJ_CHAIN_OK);
    assert_int_equal(r.produced, 1);
    cj_chain_close(c);
    nt_rmdir(d);
    cj_genesis_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_basics),
        cmocka_unit_test(test_accounts_table),
        cmocka_unit_test(test_crash_safety),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
