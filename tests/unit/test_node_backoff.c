/* Unit tests of the shared back-off rule (src/node/util/backoff.c) and the node's clocks (util/clock.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "backoff.h"
#include "clock.h"

/* First delay, doubling, the cap, and no overflow near UINT64_MAX. */
static void test_backoff_next(void **state)
{
    (void)state;
    assert_int_equal(cj_backoff_next(0, 50, 2000), 50);
    assert_int_equal(cj_backoff_next(50, 50, 2000), 100);
    assert_int_equal(cj_backoff_next(1000, 50, 2000), 2000);
    assert_int_equal(cj_backoff_next(1500, 50, 2000), 2000);
    assert_int_equal(cj_backoff_next(2000, 50, 2000), 2000);
    assert_int_equal(cj_backoff_next(0, 5000, 2000), 2000); /* a first delay above the cap is capped */
    assert_true(cj_backoff_next(UINT64_MAX - 1, 1, UINT64_MAX) == UINT64_MAX);
    uint64_t d = 0;
    for (int i = 0; i < 100; i++) d = cj_backoff_next(d, 1000, 60000);
    assert_int_equal(d, 60000);
}

/* The monotonic clock never goes back; the wall clock is Unix time in ms (after 2020, before 2200). */
static void test_clocks(void **state)
{
    (void)state;
    int64_t a = cj_clock_mono_ms(), b = cj_clock_mono_ms();
    assert_true(b >= a);
    int64_t w = cj_clock_wall_ms();
    assert_true(w > 1577836800000LL && w < 7258118400000LL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_next),
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
