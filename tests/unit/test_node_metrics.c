/* Metrics registry: registration rules, counters/gauges/histograms, label escaping and the Prometheus
 * text format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "procstat.h"
#include "testutil.h"

static int reset(void **state)
{
    cj_metrics_reset();
    return 0;
}

static void test_standard_set_and_updates(void **state)
{
    assert_int_equal(cj_metrics_init(), 0);
    assert_int_equal(cj_metrics_init(), 0); /* idempotent */
    cj_metrics_inc("blocks_produced_total");
    cj_metrics_add("blocks_produced_total", 2);
    cj_metrics_add("blocks_produced_total", -5); /* counters never go down */
    cj_metrics_set("block_height", 42);
    cj_metrics_set("blocks_produced_total", 100); /* set is for gauges only */
    cj_metrics_inc("no_such_metric");
    assert_true(cj_metrics_value("blocks_produced_total") == 3);
    assert_true(cj_metrics_value("block_height") == 42);
    assert_true(cj_metrics_value("nope") == 0);
    size_t len;
    char *t = cj_metrics_render(&len);
    assert_non_null(t);
    assert_int_equal(strlen(t), len);
    assert_non_null(strstr(t, "# TYPE coinjecture_blocks_produced_total counter\ncoinjecture_blocks_produced_total 3\n"));
    assert_non_null(strstr(t, "# TYPE coinjecture_block_height gauge\ncoinjecture_block_height 42\n"));
    assert_non_null(strstr(t, "coinjecture_metrics_unknown_total 1\n"));
    free(t);
}

static void test_labels_and_histograms(void **state)
{
    const double b[] = {0.1, 1};
    assert_int_equal(cj_metrics_register("lat_seconds", CJ_METRIC_HISTOGRAM, "Latency.", "endpoint", b, 2), 0);
    assert_int_equal(cj_metrics_register("lat_seconds", CJ_METRIC_COUNTER, "x", NULL, NULL, 0), -1);
    assert_int_equal(cj_metrics_register("bad-name", CJ_METRIC_COUNTER, "x", NULL, NULL, 0), -1);
    assert_int_equal(cj_metrics_register("x", CJ_METRIC_COUNTER, "x", "bad-label", NULL, 0), -1);
    const double unsorted[] = {1, 0.5};
    assert_int_equal(cj_metrics_register("h2", CJ_METRIC_HISTOGRAM, "x", NULL, unsorted, 2), -1);
    const char *ep[] = {"/a"};
    cj_metrics_observe_l("lat_seconds", ep, 0.05);
    cj_metrics_observe_l("lat_seconds", ep, 0.5);
    cj_metrics_observe_l("lat_seconds", ep, 5);
    assert_int_equal(cj_metrics_register("req_total", CJ_METRIC_COUNTER, "Help with \\ and\nnewline.", "path,code",
                                         NULL, 0), 0);
    const char *lv[] = {"/x\"y\\z\n", "200"};
    cj_metrics_add_l("req_total", lv, 2);
    cj_metrics_add_l("req_total", NULL, 1); /* labeled family without values: ignored */
    char *t = cj_metrics_render(NULL);
    assert_non_null(strstr(t, "coinjecture_lat_seconds_bucket{endpoint=\"/a\",le=\"0.1\"} 1\n"));
    assert_non_null(strstr(t, "coinjecture_lat_seconds_bucket{endpoint=\"/a\",le=\"1\"} 2\n"));
    assert_non_null(strstr(t, "coinjecture_lat_seconds_bucket{endpoint=\"/a\",le=\"+Inf\"} 3\n"));
    assert_non_null(strstr(t, "coinjecture_lat_seconds_sum{endpoint=\"/a\"} 5.55\n"));
    assert_non_null(strstr(t, "coinjecture_lat_seconds_count{endpoint=\"/a\"} 3\n"));
    assert_non_null(strstr(t, "coinjecture_req_total{path=\"/x\\\"y\\\\z\\n\",code=\"200\"} 2\n"));
    assert_non_null(strstr(t, "# HELP coinjecture_req_total Help with \\\\ and\\nnewline.\n"));
    free(t);
    /* label cardinality is capped */
    for (int i = 0; i < 1100; i++) {
        char v[16];
        snprintf(v, sizeof v, "%d", i);
        const char *l2[] = {v, "1"};
        cj_metrics_add_l("req_total", l2, 1);
    }
    t = cj_metrics_render(NULL);
    assert_non_null(strstr(t, "path=\"1022\""));
    assert_null(strstr(t, "path=\"1050\""));
    free(t);
}

/* /proc/self/stat: fields counted after the last ')', whatever the command name holds; bad lines refused. */
static void test_procstat_parse(void **state)
{
    (void)state;
    cj_procstat st;
    const char *line = "1234 (a b) c)) S 1 2 3 4 5 6 7 8 9 10 11 12 13 -14 15 16 17 18 19 20 21 22 23\n";
    assert_int_equal(cj_procstat_parse(line, &st), 0);
    assert_int_equal(st.utime_ticks, 11);
    assert_int_equal(st.stime_ticks, 12);
    assert_int_equal(st.start_ticks, 19);
    assert_int_equal(st.rss_pages, 21);
    assert_int_equal(cj_procstat_parse("1234 (x) S 1 2 3", &st), -1); /* too short */
    assert_int_equal(cj_procstat_parse("no parenthesis 1 2 3", &st), -1);
    assert_int_equal(cj_procstat_parse(NULL, &st), -1);
}

/* The exposition ends with the four standard process families, unprefixed, with live values. */
static void test_process_metrics_rendered(void **state)
{
    (void)state;
    assert_int_equal(cj_metrics_init(), 0);
    size_t len = 0;
    char *text = cj_metrics_render(&len);
    assert_non_null(text);
    assert_non_null(strstr(text, "\nprocess_cpu_seconds_total "));
    assert_non_null(strstr(text, "\nprocess_open_fds "));
    assert_non_null(strstr(text, "\nprocess_start_time_seconds "));
    const char *rss = strstr(text, "\nprocess_resident_memory_bytes ");
    assert_non_null(rss);
    assert_true(strtod(rss + strlen("\nprocess_resident_memory_bytes "), NULL) > 1e5); /* a real RSS */
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_standard_set_and_updates, reset),
        cmocka_unit_test_teardown(test_labels_and_histograms, reset),
        cmocka_unit_test(test_procstat_parse),
        cmocka_unit_test_teardown(test_process_metrics_rendered, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
