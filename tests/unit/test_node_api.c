/* HTTP API pieces testable without sockets: the per-IP / global token-bucket rate limiter. (The server
 * itself is covered by the integration tests, which start the real binary.) */
#include <stdio.h>
#include <string.h>

#include "ratelimit.h"
#include "testutil.h"

static void test_per_ip_buckets(void **state)
{
    cj_ratelimit *rl = cj_ratelimit_new(10, 20, 1000, 1000, 100);
    assert_non_null(rl);
    int64_t t = 1000000;
    int ok = 0;
    for (int i = 0; i < 25; i++)
        ok += cj_ratelimit_take(rl, "10.0.0.1", t);
    assert_int_equal(ok, 20); /* the burst */
    assert_int_equal(cj_ratelimit_take(rl, "10.0.0.2", t), 1); /* another client is unaffected */
    assert_int_equal(cj_ratelimit_take(rl, "10.0.0.1", t + 50), 0);
    assert_int_equal(cj_ratelimit_take(rl, "10.0.0.1", t + 100), 1); /* 10/s refills one token per 100 ms */
    assert_int_equal(cj_ratelimit_take(rl, "10.0.0.1", t + 100), 0);
    /* IPv6 and IPv4-mapped forms are distinct keys but parse; garbage shares one key */
    assert_int_equal(cj_ratelimit_take(rl, "::1", t), 1);
    assert_int_equal(cj_ratelimit_take(rl, "not an ip", t), 1);
    assert_int_equal(cj_ratelimit_take(rl, NULL, t), 1);
    /* a clock going backwards never creates tokens */
    assert_int_equal(cj_ratelimit_take(rl, "10.0.0.1", t - 100000), 0);
    cj_ratelimit_free(rl);
    cj_ratelimit_free(NULL);
    assert_int_equal(cj_ratelimit_take(NULL, "1.2.3.4", t), 1);
}

static void test_global_bucket_and_client_cap(void **state)
{
    cj_ratelimit *rl = cj_ratelimit_new(100, 100, 10, 10, 16);
    int64_t t = 5000;
    int ok = 0;
    char ip[32];
    for (int i = 0; i < 30; i++) {
        snprintf(ip, sizeof ip, "192.168.0.%d", i);
        ok += cj_ratelimit_take(rl, ip, t);
    }
    assert_int_equal(ok, 10); /* the global burst */
    cj_ratelimit_free(rl);

    /* more clients than tracked: newcomers share the overflow bucket until idle ones are swept */
    rl = cj_ratelimit_new(1, 1, 1e6, 1e6, 16);
    for (int i = 0; i < 16; i++) {
        snprintf(ip, sizeof ip, "10.1.0.%d", i);
        assert_int_equal(cj_ratelimit_take(rl, ip, t), 1);
    }
    assert_int_equal(cj_ratelimit_take(rl, "10.2.0.1", t), 1); /* overflow bucket's one token */
    assert_int_equal(cj_ratelimit_take(rl, "10.2.0.2", t), 0); /* shared and empty */
    assert_int_equal(cj_ratelimit_take(rl, "10.2.0.3", t + 5000), 1); /* sweep freed idle clients */
    assert_int_equal(cj_ratelimit_take(rl, "10.2.0.3", t + 5000), 0); /* its own bucket now */
    cj_ratelimit_free(rl);
    assert_null(cj_ratelimit_new(0, 1, 1, 1, 1));
    assert_null(cj_ratelimit_new(1, 1, 1, 1, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_ip_buckets),
        cmocka_unit_test(test_global_bucket_and_client_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
