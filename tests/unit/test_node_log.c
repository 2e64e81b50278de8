/* Logging: level filtering, human and JSON line formats, escaping of untrusted text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "testutil.h"

/* Runs one log call into a temporary stream and returns what was written. */
static char *capture(cj_log_format fmt, cj_log_level min, cj_log_level lvl, const char *msg)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    cj_log_set_stream(f);
    cj_log_set_format(fmt);
    cj_log_set_level(min);
    cj_log(lvl, "msg=%s", msg);
    cj_log_set_stream(NULL);
    long n = ftell(f);
    rewind(f);
    char *buf = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

static void test_levels_and_names(void **state)
{
    cj_log_level l;
    cj_log_format f;
    assert_int_equal(cj_log_level_parse("warning", &l), 0);
    assert_int_equal(l, CJ_LOG_WARN);
    assert_int_equal(cj_log_level_parse("critical", &l), 0);
    assert_int_equal(l, CJ_LOG_CRITICAL);
    assert_int_equal(cj_log_level_parse("loud", &l), -1);
    assert_int_equal(cj_log_level_parse(NULL, &l), -1);
    assert_string_equal(cj_log_level_name(CJ_LOG_ERROR), "error");
    assert_string_equal(cj_log_level_name((cj_log_level)9), "unknown");
    assert_int_equal(cj_log_format_parse("json", &f), 0);
    assert_int_equal(f, CJ_LOG_JSON);
    assert_int_equal(cj_log_format_parse("xml", &f), -1);
    char *out = capture(CJ_LOG_HUMAN, CJ_LOG_WARN, CJ_LOG_INFO, "hidden");
    assert_string_equal(out, "");
    free(out);
    out = capture(CJ_LOG_HUMAN, CJ_LOG_WARN, CJ_LOG_ERROR, "shown");
    assert_non_null(strstr(out, " error    msg=shown\n"));
    free(out);
    cj_log_set_level(CJ_LOG_INFO);
    assert_true(cj_log_enabled(CJ_LOG_INFO));
    assert_false(cj_log_enabled(CJ_LOG_DEBUG));
}

static void test_escaping(void **state)
{
    /* a forged second line stays on one line in both formats */
    const char *evil = "a\nb\x1b[31m\\\"q\xff";
    char *out = capture(CJ_LOG_HUMAN, CJ_LOG_DEBUG, CJ_LOG_INFO, evil);
    assert_non_null(strstr(out, "msg=a\\x0ab\\x1b[31m\\\\\"q\\xff\n")); /* invalid UTF-8 escaped too */
    assert_int_equal(strchr(out, '\n') - out + 1, (long)strlen(out));
    free(out);
    out = capture(CJ_LOG_JSON, CJ_LOG_DEBUG, CJ_LOG_CRITICAL, evil);
    assert_non_null(strstr(out, "\"level\":\"critical\""));
    assert_non_null(strstr(out, "\"msg\":\"msg=a\\nb\\u001b[31m\\\\\\\"q\\ufffd\"}\n"));
    free(out);
    char small[8];
    assert_int_equal(cj_log_escape_json("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", small, sizeof small), 6);
    assert_string_equal(small, "\xc3\xa9\xc3\xa9\xc3\xa9");
    assert_int_equal(cj_log_escape_json("\xed\xa0\x80", small, sizeof small), 6); /* surrogate: invalid */
    assert_int_equal(cj_log_escape_json("\xc0\xaf", small, sizeof small), 6);     /* overlong: invalid */
    assert_int_equal(cj_log_escape_human("\x01\x02", small, 5), 4);
    assert_string_equal(small, "\\x01");
    assert_int_equal(cj_log_escape_human("x", small, 0), 0);
    char wide[64];
    /* C1 CSI (U+009B, "\xc2\x9b") and a lone 0x9b are terminal escapes: escaped; valid UTF-8 is kept */
    cj_log_escape_human("\xc2\x9b" "31m|\x9b|\xc3\xa9|\xc2\xa0|\xe2\x82", wide, sizeof wide);
    assert_string_equal(wide, "\\xc2\\x9b31m|\\x9b|\xc3\xa9|\xc2\xa0|\\xe2\\x82");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels_and_names),
        cmocka_unit_test(test_escaping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
