/* The clock offset estimator (net/clock_offset.c, docs/P2P.md "Clock offset"): the handshake sample and its
 * bounds, the median over one vote per source, liars, expiry and the table bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock_offset.h"

#define MIN_MS 60000LL

/* A 32-byte id whose first byte is b. */
static const uint8_t *id(uint8_t b)
{
    static uint8_t ids[256][32];
    memset(ids[b], 0, 32);
    ids[b][0] = b;
    ids[b][1] = 0xc1;
    return ids[b];
}

static void test_handshake_sample(void **state)
{
    (void)state;
    int64_t s = 0;
    /* our hello left at 9900 (wall), their auth came back at 10000 signed 9000: midpoint 9950, we are 950 ahead */
    assert_int_equal(cj_clock_offset_handshake_sample(10000, 100, 9000, &s), 0);
    assert_true(s == 950);
    /* a peer 2 minutes ahead, loopback round trip */
    assert_int_equal(cj_clock_offset_handshake_sample(1765000000000LL, 1, 1765000120000ULL, &s), 0);
    assert_true(s == -120000);
    /* round trips that are negative or longer than the bound give no sample (error would exceed RTT/2) */
    s = 7;
    assert_int_equal(cj_clock_offset_handshake_sample(10000, -1, 9000, &s), -1);
    assert_int_equal(cj_clock_offset_handshake_sample(10000, CJ_CLOCK_OFFSET_MAX_RTT_MS + 1, 9000, &s), -1);
    assert_true(s == 7);
    assert_int_equal(cj_clock_offset_handshake_sample(10000, CJ_CLOCK_OFFSET_MAX_RTT_MS, 9000, &s), 0);
    assert_int_equal(cj_clock_offset_handshake_sample(10000, 0, 9000, NULL), -1);
    /* any u64 a peer sends stays bounded */
    assert_int_equal(cj_clock_offset_handshake_sample(1765000000000LL, 1, UINT64_MAX, &s), 0);
    assert_true(s == -CJ_CLOCK_OFFSET_BOUND_MS);
    assert_int_equal(cj_clock_offset_handshake_sample(4 * CJ_CLOCK_OFFSET_BOUND_MS + 5, 0, 0, &s), 0);
    assert_true(s == CJ_CLOCK_OFFSET_BOUND_MS);
}

static void test_median(void **state)
{
    (void)state;
    int64_t a[] = {5, -3, 100};
    assert_true(cj_clock_offset_median(a, 3) == 5);
    int64_t one[] = {-120000};
    assert_true(cj_clock_offset_median(one, 1) == -120000);
    /* even count: the middle value nearer to zero, on either side */
    int64_t b[] = {-120000, 10, 0, 120000};
    assert_true(cj_clock_offset_median(b, 4) == 0);
    int64_t c[] = {-50, 120000};
    assert_true(cj_clock_offset_median(c, 2) == -50);
    int64_t d[] = {-120000, 30};
    assert_true(cj_clock_offset_median(d, 2) == 30);
}

static void test_one_liar_cannot_move_it(void **state)
{
    (void)state;
    cj_clock_offset *c = cj_clock_offset_new();
    assert_non_null(c);
    int64_t now = 1765000000000LL;
    assert_int_equal(cj_clock_offset_estimate(c, now), 0);
    /* two honest validators: their blocks and their handshakes say we are 3..12 ms off */
    cj_clock_offset_add(c, CJ_CLOCK_OFFSET_BLOCK, id(1), 12, now);
    cj_clock_offset_add(c, CJ_CLOCK_OFFSET_BLOCK, id(2), 9, now);
    cj_clock_offset_add(c, CJ_CLOCK_OFFSET_HANDSHAKE, id(11), 3, now);
    cj_clock_offset_add(c, CJ_CLOCK_OFFSET_HANDSHAKE, id(12), -4, now);
    assert_int_equal(cj_clock_offset_estimate(c, now), 1);
    assert_true(c->offset_ms == 3); /* middles 3 and 9: the one nearer to zero */
    /* a liar claims to be 2 minutes ahead, reconnecting 50 times: still one vote, the estimate stays honest */
    for (int i = 0; i < 50; i++)
        cj_clock_offset_add(c, CJ_CLOCK_OFFSET_HANDSHAKE, id(66), -120000, now);
    cj_clock_offset_estimate(c, now);
    assert_int_equal(c->sources, 5);
    assert_int_equal(c->handshake_sources, 3);
    assert_int_equal(c->block_sources, 2);
    assert_true(c->offset_ms >= -4 && c->offset_ms <= 12);
    /* ... and it also seals blocks with lying timestamps: two votes of six, still inside the honest values */
    cj_clock_offset_add(c, CJ_CLOCK_OFFSET_BLOCK, id(67), -120000, now);
    cj_clock_offset_estimate(c, now);
    assert_true(c->offset_ms >= -4 && c->offset_ms <= 12);
    /* the most extreme time a liar can send is bounded, and changes nothing either */
    int64_t s;
    assert_int_equal(cj_clock_offset_handshake_sample(now, 1, UINT64_MAX, &s), 0);
    cj_clock_offset_add(c, CJ_CLOCK_OFFSET_HANDSHAKE, id(66), s, now);
    cj_clock_offset_estimate(c, now);
    assert_true(c->offset_ms >= -4 && c->offset_ms <= 12);
    /* a block source keeps its least-delayed sample: a late block does not raise it */
    cj_clock_offset_add(c, CJ_CLOCK_OFFSET_BLOCK, id(1), 900, now);
    cj_clock_offset_source *s1 = NULL;
    for (size_t i = 0; i < c->nsrc; i++)
        if (c->src[i].kind == CJ_CLOCK_OFFSET_BLOCK && c->src[i].id[0] == 1)
            s1 = &c->src[i];
    assert_non_null(s1);
    assert_true(cj_clock_offset_vote(s1) == 12);
    free(c);
}

static void test_no_blocks_handshakes_only(void **state)
{
    (void)state;
    /* a validator 2 minutes behind that never accepts a block: its peers' handshakes alone tell it */
    cj_clock_offset *c = cj_clock_offset_new();
    int64_t now = 1765000000000LL;
    cj_clock_offset_add(c, CJ_CLOCK_OFFSET_HANDSHAKE, id(1), -120003, now);
    cj_clock_offset_add(c, CJ_CLOCK_OFFSET_HANDSHAKE, id(2), -119998, now);
    cj_clock_offset_add(c, CJ_CLOCK_OFFSET_HANDSHAKE, id(3), 1, now); /* a peer as far behind as we are */
    assert_int_equal(cj_clock_offset_estimate(c, now), 1);
    assert_true(c->offset_ms == -119998);
    assert_int_equal(c->block_sources, 0);
    free(c);
}

static void test_expiry(void **state)
{
    (void)state;
    cj_clock_offset *c = cj_clock_offset_new();
    int64_t t0 = 1765000000000LL;
    cj_clock_offset_add(c, CJ_CLOCK_OFFSET_BLOCK, id(1), 500, t0);
    cj_clock_offset_add(c, CJ_CLOCK_OFFSET_HANDSHAKE, id(2), 700, t0);
    /* the block source expires after the TTL; an open connection keeps its handshake vote */
    cj_clock_offset_estimate(c, t0 + CJ_CLOCK_OFFSET_TTL_MS + 1);
    assert_int_equal(c->sources, 1);
    assert_true(c->offset_ms == 700);
    cj_clock_offset_estimate(c, t0 + 60 * MIN_MS);
    assert_int_equal(c->sources, 1);
    /* closed: it lasts the TTL from then, then no estimate at all */
    int64_t closed = t0 + 60 * MIN_MS;
    cj_clock_offset_closed(c, id(2), closed);
    cj_clock_offset_closed(c, id(2), closed); /* closing more than was opened is ignored */
    assert_int_equal(cj_clock_offset_estimate(c, closed + CJ_CLOCK_OFFSET_TTL_MS), 1);
    assert_int_equal(cj_clock_offset_estimate(c, closed + CJ_CLOCK_OFFSET_TTL_MS + 1), 0);
    assert_int_equal(c->sources, 0);
    /* two connections with one key (twins): the vote lasts while either is open */
    cj_clock_offset_add(c, CJ_CLOCK_OFFSET_HANDSHAKE, id(3), 40, t0);
    cj_clock_offset_add(c, CJ_CLOCK_OFFSET_HANDSHAKE, id(3), 41, t0);
    cj_clock_offset_closed(c, id(3), t0);
    assert_int_equal(cj_clock_offset_estimate(c, t0 + 2 * CJ_CLOCK_OFFSET_TTL_MS), 1);
    assert_true(c->offset_ms == 41);
    free(c);
}

static void test_table_bound(void **state)
{
    (void)state;
    cj_clock_offset *c = cj_clock_offset_new();
    int64_t t = 1765000000000LL;
    /* the table is full of closed handshake sources; an open one is never the one replaced */
    cj_clock_offset_add(c, CJ_CLOCK_OFFSET_HANDSHAKE, id(0), 5, t);
    for (unsigned i = 1; i < CJ_CLOCK_OFFSET_SOURCES; i++) {
        cj_clock_offset_add(c, CJ_CLOCK_OFFSET_HANDSHAKE, id((uint8_t)i), 5, t + i);
        cj_clock_offset_closed(c, id((uint8_t)i), t + i);
    }
    assert_int_equal(c->nsrc, CJ_CLOCK_OFFSET_SOURCES);
    for (unsigned i = CJ_CLOCK_OFFSET_SOURCES; i < 200; i++)
        cj_clock_offset_add(c, CJ_CLOCK_OFFSET_BLOCK, id((uint8_t)i), 5, t + 1000 + i);
    assert_int_equal(c->nsrc, CJ_CLOCK_OFFSET_SOURCES);
    int found = 0;
    for (size_t i = 0; i < c->nsrc; i++)
        found |= c->src[i].kind == CJ_CLOCK_OFFSET_HANDSHAKE && c->src[i].id[0] == 0 && c->src[i].open == 1;
    assert_true(found);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_sample),       cmocka_unit_test(test_median),
        cmocka_unit_test(test_one_liar_cannot_move_it), cmocka_unit_test(test_no_blocks_handshakes_only),
        cmocka_unit_test(test_expiry),                 cmocka_unit_test(test_table_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
