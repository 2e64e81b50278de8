/* Dashboard glue: the embedded files equal web/ byte for byte, lookups, ETag matching, and the headers and
 * 200/304 decision of cj_web_prepare on real evhttp request objects. */
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "web.h"
#include "web_assets.h"

static const char *const FILES[][2] = {{"/index.html", "text/html; charset=utf-8"},
                                       {"/app.js", "text/javascript; charset=utf-8"},
                                       {"/style.css", "text/css; charset=utf-8"}};

/* Every web/ file is embedded unchanged, NUL-terminated, with its MIME type and a well-formed ETag. */
static void test_embedded_files_equal_sources(void **state)
{
    (void)state;
    assert_true(cj_web_asset_count() >= 3);
    for (size_t i = 0; i < 3; i++) {
        char path[512];
        size_t disk_len;
        snprintf(path, sizeof path, "%s/web%s", CJ_SOURCE_DIR, FILES[i][0]);
        char *disk = tu_read_file(path, &disk_len);
        const unsigned char *data = NULL;
        size_t len = 0;
        const char *mime = NULL;
        assert_int_equal(cj_web_asset(FILES[i][0], &data, &len, &mime), 1);
        assert_int_equal(len, disk_len);
        assert_memory_equal(data, disk, len);
        assert_int_equal(data[len], 0);
        assert_string_equal(mime, FILES[i][1]);
        const char *etag = cj_web_asset_etag(FILES[i][0]);
        assert_non_null(etag);
        assert_int_equal(strlen(etag), 18);
        assert_true(etag[0] == '"' && etag[17] == '"');
        const cj_web_file *f = cj_web_file_find(FILES[i][0]);
        assert_non_null(f);
        assert_ptr_equal(f->data, data);
        free(disk);
    }
    /* distinct contents have distinct tags */
    assert_string_not_equal(cj_web_asset_etag("/app.js"), cj_web_asset_etag("/style.css"));
}

/* "/" is the page; unknown paths, near misses and NULL arguments find nothing and leave outputs alone. */
static void test_lookup_edges(void **state)
{
    const unsigned char *data = (const unsigned char *)"x";
    size_t len = 77;
    const char *mime = "untouched";
    (void)state;
    assert_ptr_equal(cj_web_file_find("/"), cj_web_file_find("/index.html"));
    static const char *const misses[] = {"", "/nope.js", "app.js", "/app.js/", "/APP.JS", "/app.jsx", "//app.js",
                                         "/../web/app.js", "/index.htm"};
    for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
        assert_null(cj_web_file_find(misses[i]));
        assert_int_equal(cj_web_asset(misses[i], &data, &len, &mime), 0);
        assert_null(cj_web_asset_etag(misses[i]));
    }
    assert_null(cj_web_file_find(NULL));
    assert_null(cj_web_asset_etag(NULL));
    assert_int_equal(cj_web_asset(NULL, &data, &len, &mime), 0);
    assert_int_equal(cj_web_asset("/app.js", NULL, &len, &mime), 0);
    assert_int_equal(cj_web_asset("/app.js", &data, NULL, &mime), 0);
    assert_int_equal(cj_web_asset("/app.js", &data, &len, NULL), 0);
    assert_int_equal(len, 77);
    assert_string_equal(mime, "untouched");
    assert_memory_equal(data, "x", 1);
}

/* If-None-Match: exact, listed, weak, wildcard and whitespace forms match; prefixes, unquoted and empty do not. */
static void test_etag_matches(void **state)
{
    const char *e = "\"0123456789abcdef\"";
    (void)state;
    assert_true(cj_web_etag_matches(e, e));
    assert_true(cj_web_etag_matches("W/\"0123456789abcdef\"", e));
    assert_true(cj_web_etag_matches("\"aaaa\", \"0123456789abcdef\"", e));
    assert_true(cj_web_etag_matches("\"aaaa\",W/\"0123456789abcdef\" , \"b\"", e));
    assert_true(cj_web_etag_matches(" \t\"0123456789abcdef\"\t ", e));
    assert_true(cj_web_etag_matches("*", e));
    assert_true(cj_web_etag_matches(" * ", e));
    assert_false(cj_web_etag_matches("0123456789abcdef", e));          /* unquoted */
    assert_false(cj_web_etag_matches("\"0123456789abcde\"", e));       /* one digit short */
    assert_false(cj_web_etag_matches("\"0123456789abcdef0\"", e));     /* one digit long */
    assert_false(cj_web_etag_matches("x\"0123456789abcdef\"", e));     /* junk before */
    assert_false(cj_web_etag_matches("\"aaaa\", \"bbbb\"", e));
    assert_false(cj_web_etag_matches("", e));
    assert_false(cj_web_etag_matches(",,,", e));
    assert_false(cj_web_etag_matches("W/", e));
    assert_false(cj_web_etag_matches(NULL, e));
    assert_false(cj_web_etag_matches(e, NULL));
    assert_false(cj_web_etag_matches(e, ""));
}

/* Value of an output header of req, or NULL. */
static const char *out_header(struct evhttp_request *req, const char *name)
{
    return evhttp_find_header(evhttp_request_get_output_headers(req), name);
}

/* 200 with body and headers; the same request with the current ETag gets 304 and no body; HTML gets CSP. */
static void test_prepare_headers_and_revalidation(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        const char *path = FILES[i][0];
        const unsigned char *body = NULL;
        size_t len = 0;
        const char *mime = NULL;
        struct evhttp_request *req = evhttp_request_new(NULL, NULL);
        assert_non_null(req);
        assert_int_equal(cj_web_prepare(req, path, &body, &len, &mime), 200);
        assert_non_null(body);
        assert_true(len > 100);
        assert_string_equal(mime, FILES[i][1]);
        assert_string_equal(out_header(req, "Cache-Control"), "no-cache");
        assert_string_equal(out_header(req, "ETag"), cj_web_asset_etag(path));
        int html = strcmp(path, "/index.html") == 0;
        if (html) {
            assert_string_equal(out_header(req, "Content-Security-Policy"), CJ_WEB_CSP);
            assert_string_equal(out_header(req, "X-Frame-Options"), "DENY");
        } else {
            assert_null(out_header(req, "Content-Security-Policy"));
        }
        evhttp_request_free(req);

        req = evhttp_request_new(NULL, NULL);
        assert_non_null(req);
        evhttp_add_header(evhttp_request_get_input_headers(req), "If-None-Match", cj_web_asset_etag(path));
        assert_int_equal(cj_web_prepare(req, path, &body, &len, &mime), 304);
        assert_null(body);
        assert_int_equal(len, 0);
        assert_string_equal(out_header(req, "ETag"), cj_web_asset_etag(path));
        evhttp_request_free(req);

        req = evhttp_request_new(NULL, NULL);
        assert_non_null(req);
        evhttp_add_header(evhttp_request_get_input_headers(req), "If-None-Match", "\"ffffffffffffffff\"");
        assert_int_equal(cj_web_prepare(req, path, &body, &len, &mime), 200);
        assert_non_null(body);
        evhttp_request_free(req);
    }
    /* "/" serves the page */
    const unsigned char *body = NULL;
    size_t len = 0;
    const char *mime = NULL;
    assert_int_equal(cj_web_prepare(NULL, "/", &body, &len, &mime), 200);
    assert_ptr_equal(body, cj_web_file_find("/index.html")->data);
}

/* Unknown paths and NULL outputs: 0, no headers written, outputs untouched. */
static void test_prepare_refusals(void **state)
{
    const unsigned char *body = (const unsigned char *)"keep";
    size_t len = 4;
    const char *mime = "keep";
    (void)state;
    struct evhttp_request *req = evhttp_request_new(NULL, NULL);
    assert_non_null(req);
    assert_int_equal(cj_web_prepare(req, "/v1/status", &body, &len, &mime), 0);
    assert_int_equal(cj_web_prepare(req, NULL, &body, &len, &mime), 0);
    assert_int_equal(cj_web_prepare(req, "/app.js", NULL, &len, &mime), 0);
    assert_int_equal(cj_web_prepare(req, "/app.js", &body, NULL, &mime), 0);
    assert_int_equal(cj_web_prepare(req, "/app.js", &body, &len, NULL), 0);
    assert_null(out_header(req, "ETag"));
    assert_null(out_header(req, "Cache-Control"));
    assert_memory_equal(body, "keep", 4);
    assert_int_equal(len, 4);
    assert_string_equal(mime, "keep");
    evhttp_request_free(req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embedded_files_equal_sources), cmocka_unit_test(test_lookup_edges),
        cmocka_unit_test(test_etag_matches), cmocka_unit_test(test_prepare_headers_and_revalidation),
        cmocka_unit_test(test_prepare_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
