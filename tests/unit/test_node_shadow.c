/* Shadow mode: backend parity (both modes, both active backends, injected divergence), peer parity
 * (match, transient fork, settle by blocks / time, implied settling, restoration, parent commitment,
 * window limits, invalid blocks sealed by the watched validator), the divergence ring, metrics, JSON,
 * alert_command (environment, one run per height, never blocking, concurrency cap, timeout kill), catch-up over a real chain with a reorg, and bad input. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "node_testutil.h"
#include "shadow.h"

/* ---- helpers ---- */

static FILE *g_log;

static int setup(void **state)
{
    (void)state;
    assert_int_equal(cj_metrics_init(), 0);
    g_log = tmpfile();
    assert_non_null(g_log);
    cj_log_set_stream(g_log);
    cj_log_set_level(CJ_LOG_DEBUG);
    assert_int_equal(coinjecture_backend_select("reference"), COINJ_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cj_log_set_stream(stderr);
    fclose(g_log);
    g_log = NULL;
    cj_metrics_reset();
    return coinjecture_backend_select("reference") == COINJ_OK ? 0 : -1;
}

/* Everything logged since setup (heap). */
static char *log_text(void)
{
    fflush(g_log);
    long n = ftell(g_log);
    assert_true(n >= 0);
    char *t = calloc((size_t)n + 1, 1);
    assert_non_null(t);
    rewind(g_log);
    assert_int_equal(fread(t, 1, (size_t)n, g_log), (size_t)n);
    fseek(g_log, 0, SEEK_END);
    return t;
}

/* Sum of every sample of a metric family in the Prometheus text (labeled or not). */
static double metric_sum(const char *family)
{
    char *t = cj_metrics_render(NULL);
    assert_non_null(t);
    double sum = 0;
    size_t fl = strlen(family);
    for (char *line = strtok(t, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (strncmp(line, family, fl) != 0 || (line[fl] != ' ' && line[fl] != '{'))
            continue;
        char *sp = strrchr(line, ' ');
        assert_non_null(sp);
        sum += strtod(sp + 1, NULL);
    }
    free(t);
    return sum;
}

static void hex_of(const uint8_t h[32], char out[65])
{
    assert_int_equal(coinjecture_hex_encode(h, 32, out, 65), COINJ_OK);
}

/* A synthetic block at height with ntx transactions (tx i carries i * 700 bytes of data) and its hash. */
typedef struct {
    coinjecture_block b;
    coinjecture_tx tx[20];
    uint8_t data[20][14000];
    uint8_t hash[32];
} tblock;

static tblock *make_block(uint64_t height, uint32_t ntx, uint8_t seed, const uint8_t miner[32],
                          const uint8_t parent[32])
{
    uint64_t rs = 0x9e3779b97f4a7c15ull ^ seed ^ (height << 8);
    tblock *t = calloc(1, sizeof *t);
    assert_non_null(t);
    assert_true(ntx <= 20);
    coinjecture_header *h = &t->b.header;
    h->codec_version = 1;
    h->block_index = height;
    h->timestamp = NT_T0 + (int64_t)height * 1000 + seed;
    if (parent)
        memcpy(h->parent_hash, parent, 32);
    else
        tu_rand_bytes(&rs, h->parent_hash, 32);
    if (miner)
        memcpy(h->miner_address, miner, 32);
    else
        tu_rand_bytes(&rs, h->miner_address, 32);
    tu_rand_bytes(&rs, h->commitment, 32);
    h->difficulty_target = 1;
    h->nonce = height * 7;
    h->extra_data_len = 96;
    tu_rand_bytes(&rs, h->extra_data, 96);
    for (uint32_t i = 0; i < ntx; i++) {
        coinjecture_tx *tx = &t->tx[i];
        tx->codec_version = 1;
        tx->tx_type = COINJECTURE_TX_TRANSFER;
        tu_rand_bytes(&rs, tx->from, 32);
        tu_rand_bytes(&rs, tx->to, 32);
        tx->amount = tu_rand_u64(&rs);
        tx->nonce = i;
        tx->gas_limit = 21000;
        tx->gas_price = 3;
        tu_rand_bytes(&rs, tx->signature, 64);
        tx->data_len = i * 700;
        tu_rand_bytes(&rs, t->data[i], tx->data_len);
        tx->data = t->data[i];
        tx->timestamp = 1700000000 + i;
    }
    t->b.transactions = ntx ? t->tx : NULL;
    t->b.tx_count = ntx;
    assert_int_equal(coinjecture_block_merkle_root(&t->b, h->merkle_root), COINJ_OK);
    assert_int_equal(coinjecture_header_hash(h, t->hash), COINJ_OK);
    return t;
}

static void hash_of(uint8_t out[32], uint8_t b)
{
    memset(out, b, 32);
}

static cj_shadow *new_shadow(const uint8_t *validator, uint32_t settle_blocks, uint32_t settle_ms)
{
    cj_shadow_options o;
    char err[256] = "";
    cj_shadow_options_default(&o);
    if (validator) {
        o.has_validator = 1;
        memcpy(o.validator, validator, 32);
    }
    o.settle_blocks = settle_blocks;
    o.settle_ms = settle_ms;
    cj_shadow *s = cj_shadow_new(&o, err, sizeof err);
    if (s == NULL)
        fprintf(stderr, "shadow: %s\n", err);
    assert_non_null(s);
    return s;
}

/* ---- options, validator spec, bad input ---- */

static void test_options_and_bad_input(void **state)
{
    (void)state;
    cj_shadow_options o;
    char err[256];
    cj_shadow_options_default(&o);
    assert_int_equal(o.settle_blocks, 2);
    assert_int_equal(o.settle_ms, 30000);
    assert_int_equal(o.window, 4096);
    assert_int_equal(o.alert_on_divergence, 1);
    assert_int_equal(o.validator_index, -1);
    cj_shadow_options_default(NULL); /* no crash */
    assert_null(cj_shadow_new(NULL, err, sizeof err));
    assert_non_null(strstr(err, "NULL"));
    o.window = 15;
    assert_null(cj_shadow_new(&o, err, sizeof err));
    assert_non_null(strstr(err, "window"));
    o.window = (1u << 20) + 1;
    assert_null(cj_shadow_new(&o, NULL, 0));
    o.window = 16;
    o.max_alerts = 0;
    assert_null(cj_shadow_new(&o, err, sizeof err));
    assert_non_null(strstr(err, "max_alerts"));
    o.max_alerts = 65;
    assert_null(cj_shadow_new(&o, err, sizeof err));

    cj_shadow *s = new_shadow(NULL, 2, 0);
    tblock *t = make_block(3, 1, 0, NULL, NULL);
    assert_int_equal(cj_shadow_on_block(NULL, 3, t->hash, &t->b, NULL, 0), -1);
    assert_int_equal(cj_shadow_on_block(s, 3, NULL, &t->b, NULL, 0), -1);
    assert_int_equal(cj_shadow_on_block(s, 3, t->hash, NULL, NULL, 0), -1);
    assert_int_equal(cj_shadow_on_block(s, 4, t->hash, &t->b, NULL, 0), -1); /* height != block_index */
    assert_int_equal(cj_shadow_on_block(s, UINT64_MAX, t->hash, &t->b, NULL, 0), -1);
    assert_int_equal(cj_shadow_on_peer_hash(NULL, 1, t->hash, t->hash, 0), -1);
    assert_int_equal(cj_shadow_on_peer_hash(s, 1, NULL, t->hash, 0), -1);
    assert_int_equal(cj_shadow_on_peer_hash(s, 1, t->hash, NULL, 0), -1);
    assert_int_equal(cj_shadow_on_peer_hash(s, 1, t->hash, t->hash, 0), 0); /* no validator configured */
    assert_int_equal(cj_shadow_tick(NULL, 0), 0);
    assert_int_equal(cj_shadow_catch_up(NULL, NULL, 0), -1);
    assert_int_equal(cj_shadow_catch_up(s, NULL, 0), -1);
    cj_shadow_stats st;
    memset(&st, 0xff, sizeof st);
    cj_shadow_get_stats(NULL, &st);
    assert_int_equal(st.backend_matches, 0);
    cj_shadow_get_stats(s, NULL);
    cj_shadow_divergence d[2];
    assert_int_equal(cj_shadow_divergences(NULL, d, 2), 0);
    assert_int_equal(cj_shadow_divergences(s, NULL, 2), 0);
    assert_string_equal(cj_shadow_backend_mode(NULL), "disabled");
    assert_string_equal(cj_shadow_backend_mode(s), "not-run");

    /* over a consensus limit: not hashable, counted as an error, never as a drift */
    t->b.header.extra_data_len = COINJECTURE_MAX_EXTRA_DATA + 1;
    assert_int_equal(cj_shadow_on_block(s, 3, t->hash, &t->b, NULL, 0), 0);
    t->b.header.extra_data_len = 96;
    t->tx[0].data_len = COINJECTURE_MAX_TX_DATA + 1;
    assert_int_equal(cj_shadow_on_block(s, 3, t->hash, &t->b, NULL, 0), 0);
    t->tx[0].data_len = 0;
    t->b.transactions = NULL;
    assert_int_equal(cj_shadow_on_block(s, 3, t->hash, &t->b, NULL, 0), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.backend_errors, 3);
    assert_int_equal(st.backend_drifts, 0);
    assert_int_equal(st.backend_matches, 0);
    free(t);
    cj_shadow_free(s);
    cj_shadow_free(NULL);
}

static void test_parse_validator(void **state)
{
    (void)state;
    uint8_t vals[3][32], pk[32];
    long idx = 99;
    char err[256], hex[67];
    for (int i = 0; i < 3; i++)
        memset(vals[i], 0x10 + i, 32);
    assert_int_equal(cj_shadow_parse_validator("1", (const uint8_t(*)[32])vals, 3, pk, &idx, err, sizeof err), 0);
    assert_int_equal(idx, 1);
    assert_memory_equal(pk, vals[1], 32);
    hex_of(vals[2], hex);
    assert_int_equal(cj_shadow_parse_validator(hex, NULL, 0, pk, &idx, err, sizeof err), 0);
    assert_int_equal(idx, -1);
    assert_memory_equal(pk, vals[2], 32);
    char pref[70];
    snprintf(pref, sizeof pref, "0x%s", hex);
    assert_int_equal(cj_shadow_parse_validator(pref, NULL, 0, pk, &idx, err, sizeof err), 0);
    assert_int_equal(cj_shadow_parse_validator("3", (const uint8_t(*)[32])vals, 3, pk, &idx, err, sizeof err), -1);
    assert_non_null(strstr(err, "out of range (3 validators)"));
    assert_int_equal(cj_shadow_parse_validator("0", NULL, 0, pk, &idx, err, sizeof err), -1);
    assert_int_equal(cj_shadow_parse_validator("", NULL, 0, pk, &idx, err, sizeof err), -1);
    assert_int_equal(cj_shadow_parse_validator("01", (const uint8_t(*)[32])vals, 3, pk, &idx, err, sizeof err), -1);
    assert_int_equal(cj_shadow_parse_validator("-1", (const uint8_t(*)[32])vals, 3, pk, &idx, err, sizeof err), -1);
    assert_int_equal(cj_shadow_parse_validator("99999999", (const uint8_t(*)[32])vals, 3, pk, &idx, err, sizeof err),
                     -1);
    assert_int_equal(cj_shadow_parse_validator("validator-1", NULL, 0, pk, &idx, err, sizeof err), -1);
    assert_non_null(strstr(err, "expected a validator public key"));
    hex[10] = 'g';
    assert_int_equal(cj_shadow_parse_validator(hex, NULL, 0, pk, &idx, err, sizeof err), -1);
    hex[10] = '0';
    hex[63] = '\0'; /* 63 digits */
    assert_int_equal(cj_shadow_parse_validator(hex, NULL, 0, pk, &idx, err, sizeof err), -1);
    assert_int_equal(cj_shadow_parse_validator(NULL, NULL, 0, pk, &idx, err, sizeof err), -1);
    assert_int_equal(cj_shadow_parse_validator("1", NULL, 0, NULL, &idx, NULL, 0), -1);
    assert_int_equal(cj_shadow_parse_validator("1", NULL, 0, pk, NULL, NULL, 0), -1);
}

/* ---- backend parity ---- */

/* Checks blocks with 0, 1, 3, 17 and 20 transactions (up to 13 KiB of data) and expects matches. */
static void run_backend_matches(cj_shadow *s, uint64_t base)
{
    static const uint32_t counts[] = {0, 1, 3, 17, 20};
    cj_shadow_stats before, after;
    cj_shadow_get_stats(s, &before);
    for (size_t i = 0; i < 5; i++) {
        tblock *t = make_block(base + i, counts[i], (uint8_t)i, NULL, NULL);
        assert_int_equal(cj_shadow_on_block(s, base + i, t->hash, &t->b, NULL, 1000), 0);
        free(t);
    }
    cj_shadow_get_stats(s, &after);
    assert_int_equal(after.backend_matches - before.backend_matches, 5);
    assert_int_equal(after.backend_drifts, before.backend_drifts);
    assert_int_equal(after.blocks_checked - before.blocks_checked, 5);
}

static void test_backend_parity_cross(void **state)
{
    (void)state;
    double m0 = metric_sum("coinjecture_parity_matches_total");
    cj_shadow *s = new_shadow(NULL, 2, 0);
    run_backend_matches(s, 100);
    int accel = coinjecture_backend_query("accelerated", NULL) == COINJ_OK;
    assert_string_equal(cj_shadow_backend_mode(s), accel ? "cross-backend" : "reference-streaming");
    if (accel) {
        assert_non_null(strstr(cj_shadow_backend_other(s), "accelerated"));
        /* with accelerated active, the other side is the reference */
        assert_int_equal(coinjecture_backend_select("accelerated"), COINJ_OK);
        run_backend_matches(s, 200);
        assert_string_equal(cj_shadow_backend_mode(s), "cross-backend");
        assert_non_null(strstr(cj_shadow_backend_other(s), "reference (portable)"));
        assert_int_equal(coinjecture_backend_select("reference"), COINJ_OK);
    } else {
        print_message("accelerated backend unavailable on this CPU: only streaming mode tested\n");
    }
    assert_true(metric_sum("coinjecture_parity_matches_total") >= m0 + 5);
    cj_shadow_free(s);
}

static void test_backend_parity_streaming(void **state)
{
    (void)state;
    cj_shadow_options o;
    cj_shadow_options_default(&o);
    o.force_streaming = 1;
    cj_shadow *s = cj_shadow_new(&o, NULL, 0);
    assert_non_null(s);
    run_backend_matches(s, 300);
    assert_string_equal(cj_shadow_backend_mode(s), "reference-streaming");
    assert_non_null(strstr(cj_shadow_backend_other(s), "streamed"));
    json_t *j = cj_shadow_to_json(s);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "backend"), "mode")),
                        "reference-streaming");
    json_decref(j);
    cj_shadow_free(s);
}

/* A chain hash that differs from what the other backend computes is a backend drift. */
static void test_backend_divergence(void **state)
{
    (void)state;
    double d0 = metric_sum("coinjecture_parity_drifts_total");
    cj_shadow *s = new_shadow(NULL, 2, 0);
    tblock *t = make_block(5, 3, 9, NULL, NULL);
    uint8_t wrong[32], right[32];
    memcpy(right, t->hash, 32);
    memcpy(wrong, t->hash, 32);
    wrong[31] ^= 1;
    assert_int_equal(cj_shadow_on_block(s, 5, wrong, &t->b, NULL, 4242), 1);
    cj_shadow_stats st;
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.backend_drifts, 1);
    assert_int_equal(st.backend_matches, 0);
    cj_shadow_divergence d[4];
    assert_int_equal(cj_shadow_divergences(s, d, 4), 1);
    assert_int_equal(d[0].height, 5);
    assert_int_equal(d[0].kind, CJ_SHADOW_BACKEND);
    assert_string_equal(d[0].what, "header");
    assert_memory_equal(d[0].ours, wrong, 32);
    assert_memory_equal(d[0].theirs, right, 32);
    assert_int_equal(d[0].time_ms, 4242);
    char ho[65], ht[65], line[300];
    hex_of(wrong, ho);
    hex_of(right, ht);
    snprintf(line, sizeof line, "HASH DIVERGENCE: block=5 ours=%s theirs=%s kind=backend what=header", ho, ht);
    char *log = log_text();
    assert_non_null(strstr(log, line));
    assert_non_null(strstr(log, "critical"));
    free(log);
    assert_true(metric_sum("coinjecture_parity_drifts_total") == d0 + 1);
    cj_shadow_free(s);
    free(t);
}

/* ---- peer parity ---- */

static const uint8_t VAL[32] = {0xaa, 0xbb, 0xcc, 1, 2, 3};
static const uint8_t OTHER_PEER[32] = {0x11};

static void test_peer_match_and_filter(void **state)
{
    (void)state;
    cj_shadow *s = new_shadow(VAL, 2, 0);
    tblock *t = make_block(10, 2, 3, NULL, NULL);
    assert_int_equal(cj_shadow_on_block(s, 10, t->hash, &t->b, NULL, 0), 0);
    assert_int_equal(cj_shadow_on_peer_hash(s, 10, OTHER_PEER, OTHER_PEER, 0), 0); /* not the validator */
    cj_shadow_stats st;
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_announcements, 0);
    assert_int_equal(st.peer_pending, 0);
    assert_int_equal(cj_shadow_on_peer_hash(s, 10, t->hash, VAL, 0), 0);
    /* theirs first, then ours */
    tblock *u = make_block(11, 0, 4, NULL, t->hash);
    assert_int_equal(cj_shadow_on_peer_hash(s, 11, u->hash, VAL, 0), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_matches, 1);
    assert_int_equal(cj_shadow_on_block(s, 11, u->hash, &u->b, NULL, 0), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_matches, 2);
    assert_int_equal(st.peer_drifts, 0);
    assert_int_equal(st.peer_announcements, 2);
    assert_int_equal(st.last_peer_height, 11);
    /* repeating an agreeing announcement does not count twice */
    assert_int_equal(cj_shadow_on_peer_hash(s, 11, u->hash, VAL, 0), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_matches, 2);
    free(t);
    free(u);
    cj_shadow_free(s);
}

/* Our block at height with a random body; returns its hash in out. */
static void our_block(cj_shadow *s, uint64_t h, uint8_t seed, uint8_t out[32], int64_t now, int want)
{
    tblock *t = make_block(h, 1, seed, NULL, NULL);
    memcpy(out, t->hash, 32);
    assert_int_equal(cj_shadow_on_block(s, h, t->hash, &t->b, NULL, now), want);
    free(t);
}

static void test_peer_drift_after_settle_blocks(void **state)
{
    (void)state;
    double d0 = metric_sum("coinjecture_parity_drifts_total");
    cj_shadow *s = new_shadow(VAL, 2, 0);
    uint8_t a[32], theirs[32], x[32];
    our_block(s, 20, 1, a, 0, 0);
    hash_of(theirs, 0xbe);
    assert_int_equal(cj_shadow_on_peer_hash(s, 20, theirs, VAL, 0), 0);
    cj_shadow_stats st;
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_pending, 1);
    assert_int_equal(st.peer_drifts, 0);
    our_block(s, 21, 1, x, 0, 0); /* one block later: still pending */
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_pending, 1);
    our_block(s, 22, 1, x, 0, 1); /* two: a drift */
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_pending, 0);
    assert_int_equal(st.peer_drifts, 1);
    assert_int_equal(st.peer_matches, 0);
    char ho[65], ht[65], line[300];
    hex_of(a, ho);
    hex_of(theirs, ht);
    snprintf(line, sizeof line, "HASH DIVERGENCE: block=20 ours=%s theirs=%s kind=peer", ho, ht);
    char *log = log_text();
    assert_non_null(strstr(log, line));
    free(log);
    cj_shadow_divergence d[2];
    assert_int_equal(cj_shadow_divergences(s, d, 2), 1);
    assert_int_equal(d[0].kind, CJ_SHADOW_PEER);
    assert_string_equal(d[0].what, "block_hash");
    assert_memory_equal(d[0].theirs, theirs, 32);
    assert_int_equal(d[0].resolved, 0);
    /* the same announcement again does not count again */
    assert_int_equal(cj_shadow_on_peer_hash(s, 20, theirs, VAL, 0), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_drifts, 1);
    assert_true(metric_sum("coinjecture_parity_drifts_total") == d0 + 1);
    /* a later agreeing height proves the chains agree again: the drift is marked resolved */
    uint8_t h23[32];
    our_block(s, 23, 1, h23, 0, 0);
    assert_int_equal(cj_shadow_on_peer_hash(s, 23, h23, VAL, 0), 0);
    assert_int_equal(cj_shadow_divergences(s, d, 2), 1);
    assert_int_equal(d[0].resolved, 1);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_drifts, 1); /* history is kept */
    json_t *j = cj_shadow_to_json(s);
    assert_true(json_is_true(json_object_get(json_array_get(json_object_get(j, "last_divergences"), 0), "resolved")));
    json_decref(j);
    cj_shadow_free(s);
}

static void test_peer_transient_fork_and_implied(void **state)
{
    (void)state;
    cj_shadow *s = new_shadow(VAL, 2, 0);
    uint8_t a[32], b[32], c[32];
    our_block(s, 30, 1, a, 0, 0);
    hash_of(b, 0x33);
    assert_int_equal(cj_shadow_on_peer_hash(s, 30, b, VAL, 0), 0); /* fork: pending */
    assert_int_equal(cj_shadow_on_peer_hash(s, 30, a, VAL, 0), 0); /* the validator took our block */
    cj_shadow_stats st;
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_pending, 0);
    assert_int_equal(st.peer_matches, 1);
    assert_int_equal(st.peer_drifts, 0);
    /* pending at 31; the validator's status at 32 agrees with ours: 31 is settled as a match */
    our_block(s, 31, 1, a, 0, 0);
    assert_int_equal(cj_shadow_on_peer_hash(s, 31, b, VAL, 0), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_pending, 1);
    our_block(s, 32, 1, c, 0, 0);
    assert_int_equal(cj_shadow_on_peer_hash(s, 32, c, VAL, 0), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_pending, 0);
    assert_int_equal(st.peer_matches, 3);
    assert_int_equal(st.peer_drifts, 0);
    /* our reorg at a matched height re-opens the comparison */
    our_block(s, 32, 2, c, 0, 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_pending, 1);
    cj_shadow_free(s);
}

static void test_peer_settle_by_time_and_immediate(void **state)
{
    (void)state;
    cj_shadow *s = new_shadow(VAL, 0, 1000);
    uint8_t a[32], b[32];
    hash_of(b, 0x44);
    our_block(s, 40, 1, a, 5000, 0);
    assert_int_equal(cj_shadow_on_peer_hash(s, 40, b, VAL, 5000), 0);
    our_block(s, 41, 1, a, 5100, 0);
    our_block(s, 42, 1, a, 5200, 0);
    our_block(s, 43, 1, a, 5300, 0); /* blocks do not settle it with settle_blocks = 0 */
    assert_int_equal(cj_shadow_tick(s, 5999), 0);
    cj_shadow_stats st;
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_pending, 1);
    assert_int_equal(cj_shadow_tick(s, 6000), 1);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_drifts, 1);
    assert_int_equal(st.peer_pending, 0);
    cj_shadow_free(s);

    s = new_shadow(VAL, 0, 0); /* both zero: at once */
    our_block(s, 50, 1, a, 0, 0);
    assert_int_equal(cj_shadow_on_peer_hash(s, 50, b, VAL, 0), 1);
    cj_shadow_free(s);
}

static void test_parent_commitment(void **state)
{
    (void)state;
    uint8_t addr[32];
    assert_int_equal(coinjecture_derive_address(VAL, addr), COINJ_OK);
    cj_shadow *s = new_shadow(VAL, 2, 0);
    tblock *p = make_block(60, 0, 1, NULL, NULL);
    assert_int_equal(cj_shadow_on_block(s, 60, p->hash, &p->b, NULL, 0), 0);
    tblock *c = make_block(61, 2, 1, addr, p->hash); /* sealed by the validator: parent is its hash of 60 */
    assert_int_equal(cj_shadow_on_block(s, 61, c->hash, &c->b, NULL, 0), 0);
    cj_shadow_stats st;
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_matches, 1);
    assert_int_equal(st.peer_announcements, 1);
    /* explicit proposer key, and a block by someone else (no announcement) */
    tblock *d = make_block(62, 0, 1, NULL, c->hash);
    assert_int_equal(cj_shadow_on_block(s, 62, d->hash, &d->b, VAL, 0), 0);
    tblock *e = make_block(63, 0, 1, addr, d->hash);
    assert_int_equal(cj_shadow_on_block(s, 63, e->hash, &e->b, OTHER_PEER, 0), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_matches, 2);
    assert_int_equal(st.peer_announcements, 2);
    free(p), free(c), free(d), free(e);
    cj_shadow_free(s);
}

static void test_window_limits_and_ring(void **state)
{
    (void)state;
    cj_shadow_options o;
    cj_shadow_options_default(&o);
    o.window = 16;
    o.has_validator = 1;
    o.settle_blocks = 0;
    o.settle_ms = 0;
    memcpy(o.validator, VAL, 32);
    cj_shadow *s = cj_shadow_new(&o, NULL, 0);
    assert_non_null(s);
    uint8_t h[32], x[32];
    our_block(s, 100, 1, h, 0, 0);
    hash_of(x, 0x77);
    assert_int_equal(cj_shadow_on_peer_hash(s, 109, x, VAL, 0), 0); /* > tip + window/2: ignored */
    assert_int_equal(cj_shadow_on_peer_hash(s, 91, x, VAL, 0), 0);  /* < tip - window/2: ignored */
    cj_shadow_stats st;
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_announcements, 0);
    assert_int_equal(cj_shadow_on_peer_hash(s, 108, x, VAL, 0), 0); /* in range, waits for our block */
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_announcements, 1);
    /* 40 immediate drifts: the ring keeps the newest 32, newest first */
    for (uint64_t i = 0; i < 40; i++) {
        int early = 101 + i == 108; /* its announcement came first: the drift shows when our block does */
        our_block(s, 101 + i, 1, h, 0, early);
        assert_int_equal(cj_shadow_on_peer_hash(s, 101 + i, x, VAL, 0), early ? 0 : 1);
    }
    cj_shadow_divergence d[40];
    assert_int_equal(cj_shadow_divergences(s, d, 40), CJ_SHADOW_RING);
    assert_int_equal(d[0].height, 140);
    assert_int_equal(d[CJ_SHADOW_RING - 1].height, 140 - CJ_SHADOW_RING + 1);
    assert_int_equal(cj_shadow_divergences(s, d, 3), 3);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_drifts, 40);
    json_t *j = cj_shadow_to_json(s);
    assert_int_equal(json_array_size(json_object_get(j, "last_divergences")), CJ_SHADOW_RING);
    assert_int_equal(json_integer_value(json_object_get(j, "drifts")), 40);
    json_decref(j);
    cj_shadow_free(s);
}

/* ---- JSON ---- */

static void test_json(void **state)
{
    (void)state;
    json_t *j = cj_shadow_to_json(NULL);
    assert_non_null(j);
    assert_true(json_is_false(json_object_get(j, "enabled")));
    assert_true(json_is_null(json_object_get(j, "compare_with_validator")));
    assert_int_equal(json_integer_value(json_object_get(j, "matches")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "last_divergences")), 0);
    json_decref(j);

    cj_shadow_options o;
    cj_shadow_options_default(&o);
    o.has_validator = 1;
    o.validator_index = 2;
    memcpy(o.validator, VAL, 32);
    o.alert_command = "true";
    cj_shadow *s = cj_shadow_new(&o, NULL, 0);
    uint8_t h[32];
    our_block(s, 7, 1, h, 0, 0);
    assert_int_equal(cj_shadow_on_peer_hash(s, 7, h, VAL, 0), 0);
    j = cj_shadow_to_json(s);
    char hex[65];
    hex_of(VAL, hex);
    json_t *v = json_object_get(j, "compare_with_validator");
    assert_string_equal(json_string_value(json_object_get(v, "pubkey")), hex);
    assert_int_equal(json_integer_value(json_object_get(v, "index")), 2);
    assert_true(json_is_true(json_object_get(j, "enabled")));
    assert_int_equal(json_integer_value(json_object_get(j, "matches")), 2); /* backend 1 + peer 1 */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "peer"), "matches")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "backend"), "matches")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "peer"), "validator_height")), 7);
    assert_true(json_is_true(json_object_get(json_object_get(j, "alerts"), "command_set")));
    char *text = json_dumps(j, 0);
    assert_non_null(text);
    assert_null(strstr(text, "\"true\"")); /* the command itself is not published */
    free(text);
    json_decref(j);
    cj_shadow_free(s);
}

/* ---- alert_command ---- */

/* Ticks until no alert child runs (at most ~10 s). */
static void wait_alerts(cj_shadow *s, int64_t now)
{
    cj_shadow_stats st;
    for (int i = 0; i < 1000; i++) {
        cj_shadow_tick(s, now);
        cj_shadow_get_stats(s, &st);
        if (st.alerts_running == 0)
            return;
        usleep(10000);
    }
    fail_msg("alert child still running");
}

static cj_shadow *alert_shadow(const char *cmd, uint32_t max_alerts, uint32_t timeout_ms)
{
    cj_shadow_options o;
    cj_shadow_options_default(&o);
    o.has_validator = 1;
    memcpy(o.validator, VAL, 32);
    o.settle_blocks = 0;
    o.settle_ms = 0;
    o.alert_command = cmd;
    o.max_alerts = max_alerts;
    o.alert_timeout_ms = timeout_ms;
    cj_shadow *s = cj_shadow_new(&o, NULL, 0);
    assert_non_null(s);
    return s;
}

static void test_alert_command(void **state)
{
    (void)state;
    char dir[] = "/tmp/cjshadow-XXXXXX", out[128], cmd[512], done[128];
    assert_non_null(mkdtemp(dir));
    snprintf(out, sizeof out, "%s/alert.txt", dir);
    snprintf(done, sizeof done, "%s/done", dir);
    snprintf(cmd, sizeof cmd,
             "sleep 0.3; printf '%%s|%%s|%%s|%%s|%%s\\n' \"$COINJECTURE_DIVERGENCE_HEIGHT\" \"$COINJECTURE_DIVERGENCE_KIND\" "
             "\"$COINJECTURE_DIVERGENCE_WHAT\" \"$COINJECTURE_DIVERGENCE_OURS\" \"$COINJECTURE_DIVERGENCE_THEIRS\" >> %s",
             out);
    setenv("COINJECTURE_DIVERGENCE_KIND", "stale-value-from-the-parent", 1);
    cj_shadow *s = alert_shadow(cmd, 4, 60000);
    uint8_t ours[32], theirs[32];
    hash_of(theirs, 0x5a);
    our_block(s, 77, 1, ours, 0, 0);
    assert_int_equal(cj_shadow_on_peer_hash(s, 77, theirs, VAL, 0), 1);
    /* the call returned while the command still sleeps: nothing written yet, one child running */
    cj_shadow_stats st;
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.alerts_started, 1);
    assert_int_equal(st.alerts_running, 1);
    assert_int_equal(access(out, F_OK), -1);
    /* a second divergence at the same height (backend kind) does not alert again */
    tblock *t = make_block(77, 0, 1, NULL, NULL);
    uint8_t wrong[32];
    memcpy(wrong, t->hash, 32);
    wrong[0] ^= 0x80;
    assert_int_equal(cj_shadow_on_block(s, 77, wrong, &t->b, NULL, 0), 1);
    free(t);
    wait_alerts(s, 10);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.alerts_started, 1);
    assert_int_equal(st.alerts_failed, 0);
    size_t len;
    char *text = tu_read_file(out, &len);
    char ho[65], ht[65], want[300];
    hex_of(ours, ho);
    hex_of(theirs, ht);
    snprintf(want, sizeof want, "77|peer|block_hash|%s|%s\n", ho, ht);
    assert_string_equal(text, want);
    free(text);
    unsetenv("COINJECTURE_DIVERGENCE_KIND");
    cj_shadow_free(s);

    /* alert_on_divergence: false keeps the log and counters but runs nothing */
    cj_shadow_options o;
    cj_shadow_options_default(&o);
    o.alert_command = "exit 3";
    o.alert_on_divergence = 0;
    s = cj_shadow_new(&o, NULL, 0);
    t = make_block(78, 0, 1, NULL, NULL);
    assert_int_equal(cj_shadow_on_block(s, 78, wrong, &t->b, NULL, 0), 1);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.alerts_started, 0);
    assert_int_equal(st.backend_drifts, 1);
    cj_shadow_free(s);

    /* a failing command is reaped and logged */
    s = alert_shadow("exit 3", 4, 60000);
    assert_int_equal(cj_shadow_on_block(s, 78, wrong, &t->b, NULL, 0), 1);
    free(t);
    wait_alerts(s, 0);
    char *log = log_text();
    assert_non_null(strstr(log, "alert_command for block 78 exited with status 3"));
    free(log);
    cj_shadow_free(s);
    unlink(out);
    unlink(done);
    rmdir(dir);
}

static void test_alert_cap_and_timeout(void **state)
{
    (void)state;
    cj_shadow *s = alert_shadow("sleep 30", 1, 200);
    uint8_t ours[32], x[32];
    hash_of(x, 0x99);
    our_block(s, 1, 1, ours, 1000, 0);
    assert_int_equal(cj_shadow_on_peer_hash(s, 1, x, VAL, 1000), 1);
    our_block(s, 2, 1, ours, 1000, 0);
    assert_int_equal(cj_shadow_on_peer_hash(s, 2, x, VAL, 1000), 1); /* cap of 1 child: skipped */
    cj_shadow_stats st;
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.alerts_started, 1);
    assert_int_equal(st.alerts_skipped, 1);
    assert_int_equal(st.alerts_running, 1);
    assert_int_equal(cj_shadow_tick(s, 1100), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.alerts_killed, 0);
    cj_shadow_tick(s, 1200); /* past the timeout: killed, then reaped */
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.alerts_killed, 1);
    wait_alerts(s, 1300);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.alerts_running, 0);
    json_t *j = cj_shadow_to_json(s);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "alerts"), "killed")), 1);
    json_decref(j);
    cj_shadow_free(s);
}

/* ---- invalid blocks sealed by the watched validator ---- */

/* A block at height sealed with signer's key; miner_address is miner's address (the signer's by default). */
static tblock *sealed_block(uint64_t height, uint8_t seed, const nt_key *miner, const nt_key *signer)
{
    uint8_t addr[32];
    assert_int_equal(coinjecture_derive_address(miner->pk, addr), COINJ_OK);
    tblock *t = make_block(height, 1, seed, addr, NULL);
    nt_reseal(&t->b, signer->sk);
    assert_int_equal(coinjecture_header_hash(&t->b.header, t->hash), COINJ_OK);
    return t;
}

/* Path of a fresh temporary file name (heap); the file does not exist yet. */
static char *tmp_file_path(void)
{
    char *dir = nt_tmpdir();
    char *p = malloc(strlen(dir) + 16);
    assert_non_null(p);
    assert_int_equal(mkdir(dir, 0700), 0);
    sprintf(p, "%s/out", dir);
    free(dir);
    return p;
}

static void test_invalid_block_of_validator(void **state)
{
    (void)state;
    static const uint8_t zeros[32];
    nt_key v, other;
    nt_key_make(&v, 21);
    nt_key_make(&other, 22);
    char *out = tmp_file_path(), cmd[512];
    snprintf(cmd, sizeof cmd,
             "echo \"$COINJECTURE_DIVERGENCE_HEIGHT $COINJECTURE_DIVERGENCE_KIND $COINJECTURE_DIVERGENCE_WHAT "
             "$COINJECTURE_DIVERGENCE_OURS $COINJECTURE_DIVERGENCE_THEIRS\" >> %s",
             out);
    cj_shadow_options o;
    cj_shadow_options_default(&o);
    o.has_validator = 1;
    memcpy(o.validator, v.pk, 32);
    o.alert_command = cmd;
    cj_shadow *s = cj_shadow_new(&o, NULL, 0); /* default settling: 2 blocks / 30 s */
    assert_non_null(s);
    double d0 = metric_sum("coinjecture_parity_drifts_total");
    cj_shadow_stats st;
    uint8_t x[32];
    our_block(s, 69, 1, x, 1000, 0);

    /* not the validator's: a forged seal (its miner address, another key), another sealer, a broken seal */
    tblock *forged = sealed_block(70, 1, &v, &other), *foreign = sealed_block(70, 2, &other, &other);
    tblock *broken = sealed_block(70, 3, &v, &v);
    broken->b.header.extra_data[40] ^= 1;
    assert_int_equal(cj_shadow_on_invalid_block(s, &forged->b.header, "bad-seal: x", 1000), 0);
    assert_int_equal(cj_shadow_on_invalid_block(s, &foreign->b.header, "bad-state-root: x", 1000), 0);
    assert_int_equal(cj_shadow_on_invalid_block(s, &broken->b.header, "bad-seal: x", 1000), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_drifts, 0);
    assert_int_equal(st.peer_announcements, 0);

    /* the validator's block at 70, before we have one: a drift at once, ours not known yet */
    tblock *bad = sealed_block(70, 4, &v, &v);
    assert_int_equal(cj_shadow_on_invalid_block(s, &bad->b.header, "bad-state-root: mismatch", 1000), 1);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_drifts, 1);
    assert_int_equal(st.peer_pending, 0);
    assert_int_equal(st.peer_announcements, 1);
    assert_int_equal(st.last_peer_height, 70);
    assert_true(metric_sum("coinjecture_parity_drifts_total") == d0 + 1);
    char ht[65], ho[65], line[400];
    hex_of(bad->hash, ht);
    snprintf(line, sizeof line,
             "HASH DIVERGENCE: block=70 ours=%064d theirs=%s kind=peer what=invalid_block", 0, ht);
    char *log = log_text();
    assert_non_null(strstr(log, line));
    snprintf(line, sizeof line, "shadow: block 70 %s sealed by the watched validator is invalid here: bad-state-root",
             ht);
    assert_non_null(strstr(log, line));
    free(log);
    cj_shadow_divergence d[4];
    assert_int_equal(cj_shadow_divergences(s, d, 4), 1);
    assert_int_equal(d[0].kind, CJ_SHADOW_PEER);
    assert_string_equal(d[0].what, "invalid_block");
    assert_memory_equal(d[0].theirs, bad->hash, 32);
    assert_memory_equal(d[0].ours, zeros, 32);

    /* one drift per height: the same block again, its status, another invalid block there */
    tblock *bad2 = sealed_block(70, 5, &v, &v);
    assert_int_equal(cj_shadow_on_invalid_block(s, &bad->b.header, "bad-state-root: mismatch", 1100), 0);
    assert_int_equal(cj_shadow_on_peer_hash(s, 70, bad->hash, v.pk, 1100), 0);
    assert_int_equal(cj_shadow_on_invalid_block(s, &bad2->b.header, "bad-tx: x", 1100), 0);
    /* our block at 70 completes the entry, without a second drift */
    uint8_t ours70[32];
    our_block(s, 70, 7, ours70, 1200, 0);
    our_block(s, 71, 7, x, 1300, 0);
    our_block(s, 72, 7, x, 1400, 0);
    assert_int_equal(cj_shadow_tick(s, 40000), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_drifts, 1);
    assert_int_equal(st.peer_pending, 0);
    assert_int_equal(cj_shadow_divergences(s, d, 4), 1);
    assert_memory_equal(d[0].ours, ours70, 32);
    assert_memory_equal(d[0].theirs, bad->hash, 32);
    hex_of(ours70, ho);
    snprintf(line, sizeof line, "parity: block=70 ours=%s completes the divergence", ho);
    log = log_text();
    assert_non_null(strstr(log, line));
    free(log);
    json_t *j = cj_shadow_to_json(s);
    json_t *e = json_array_get(json_object_get(j, "last_divergences"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "what")), "invalid_block");
    assert_string_equal(json_string_value(json_object_get(e, "ours")), ho);
    json_decref(j);

    /* ours known first: the entry carries it at once */
    tblock *bad72 = sealed_block(72, 6, &v, &v);
    assert_int_equal(cj_shadow_on_invalid_block(s, &bad72->b.header, "bad-tx: x", 1500), 1);
    assert_int_equal(cj_shadow_divergences(s, d, 4), 2);
    assert_int_equal(d[0].height, 72);
    assert_memory_equal(d[0].ours, x, 32);

    /* a pending status mismatch at a height becomes the invalid block's drift at once */
    uint8_t y[32], theirs[32];
    our_block(s, 73, 8, y, 1600, 0);
    hash_of(theirs, 0x5a);
    assert_int_equal(cj_shadow_on_peer_hash(s, 73, theirs, v.pk, 1600), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_pending, 1);
    tblock *bad73 = sealed_block(73, 9, &v, &v);
    assert_int_equal(cj_shadow_on_invalid_block(s, &bad73->b.header, "bad-merkle: x", 1700), 1);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_pending, 0);
    assert_int_equal(st.peer_drifts, 3);
    our_block(s, 74, 8, y, 1800, 0);
    our_block(s, 75, 8, y, 1900, 0);
    assert_int_equal(cj_shadow_tick(s, 45000), 0); /* settling does not count it again */
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_drifts, 3);
    assert_true(metric_sum("coinjecture_parity_drifts_total") == d0 + 3);

    /* far from our tip: ignored; bad input */
    tblock *far = sealed_block(75 + 4096, 1, &v, &v);
    assert_int_equal(cj_shadow_on_invalid_block(s, &far->b.header, "bad-tx: x", 2000), 0);
    assert_int_equal(cj_shadow_on_invalid_block(NULL, &bad->b.header, "x", 0), -1);
    assert_int_equal(cj_shadow_on_invalid_block(s, NULL, "x", 0), -1);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_drifts, 3);

    /* the alert ran once per height, with ours = zeros for the first (not known yet) */
    wait_alerts(s, 45000); /* the children started at 1000..1700: not past their 60 s */
    FILE *f = fopen(out, "r");
    assert_non_null(f);
    char buf[2048] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    snprintf(line, sizeof line, "70 peer invalid_block %064d %s\n", 0, ht);
    assert_non_null(strstr(buf, line));
    int lines = 0;
    for (char *c = buf; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 3); /* 70, 72, 73 */
    cj_shadow_free(s);

    /* without a watched validator nothing counts */
    s = new_shadow(NULL, 2, 0);
    assert_int_equal(cj_shadow_on_invalid_block(s, &bad->b.header, "bad-tx: x", 0), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.peer_drifts, 0);
    cj_shadow_free(s);
    unlink(out);
    *strrchr(out, '/') = '\0';
    rmdir(out); /* .../d */
    *strrchr(out, '/') = '\0';
    rmdir(out);
    free(out);
    free(forged), free(foreign), free(broken), free(bad), free(bad2), free(bad72), free(bad73), free(far);
}

/* ---- catch-up over a real chain ---- */

static void test_catch_up_chain(void **state)
{
    (void)state;
    nt_key v;
    nt_key_make(&v, 7);
    cj_genesis g;
    nt_genesis(&g, 1, &v, 0, NULL, 0);
    char *dir = nt_tmpdir();
    cj_chain *c = nt_open(dir, &g, &v);
    cj_mempool *mp = cj_mempool_new(NULL);
    assert_non_null(mp);
    size_t len;
    for (int h = 1; h <= 3; h++)
        free(nt_produce(c, mp, NT_T0 + h * NT_BLOCK_MS, &len, NULL));
    cj_shadow *s = new_shadow(v.pk, 2, 0);
    cj_shadow_stats st;
    assert_int_equal(cj_shadow_catch_up(s, c, 0), 0); /* first call: the tip only */
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.blocks_checked, 1);
    assert_int_equal(st.last_block_height, 3);
    for (int h = 4; h <= 5; h++)
        free(nt_produce(c, mp, NT_T0 + h * NT_BLOCK_MS, &len, NULL));
    assert_int_equal(cj_shadow_catch_up(s, c, 0), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.blocks_checked, 3);
    assert_int_equal(st.backend_matches, 3);
    assert_int_equal(st.backend_drifts, 0);
    assert_int_equal(st.peer_matches, 2); /* blocks 4 and 5 commit to our 3 and 4 */
    assert_int_equal(cj_shadow_catch_up(s, c, 0), 0); /* nothing new */
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.blocks_checked, 3);
    /* reorg: another block at height 5 is checked, and recorded as ours */
    char err[256];
    uint8_t old5[32], new5[32];
    cj_chain_tip_hash(c, old5);
    assert_int_equal(cj_chain_undo_tip(c, err, sizeof err), CJ_CHAIN_OK);
    free(nt_produce(c, mp, NT_T0 + 5 * NT_BLOCK_MS + 1, &len, NULL));
    cj_chain_tip_hash(c, new5);
    assert_memory_not_equal(old5, new5, 32);
    assert_int_equal(cj_shadow_catch_up(s, c, 0), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.blocks_checked, 4);
    assert_int_equal(st.backend_drifts + st.peer_drifts, 0);
    assert_int_equal(cj_shadow_catch_up(s, c, 0), 0);
    cj_shadow_get_stats(s, &st);
    assert_int_equal(st.blocks_checked, 4);
    cj_shadow_free(s);
    cj_mempool_free(mp);
    cj_chain_close(c);
    cj_genesis_free(&g);
    nt_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_options_and_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_validator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backend_parity_cross, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backend_parity_streaming, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backend_divergence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_match_and_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_drift_after_settle_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_transient_fork_and_implied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_settle_by_time_and_immediate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parent_commitment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_limits_and_ring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alert_cap_and_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_block_of_validator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catch_up_chain, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
