/* Dashboard HTTP glue: maps a request path to its embedded file and sets the caching and security headers. */
#include "web.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <string.h>

#include "web_assets.h"

/* Compares one If-None-Match list item (whitespace-trimmed, optional W/) with a quoted ETag. */
static int etag_item_equal(const char *s, size_t n, const char *etag)
{
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= 2 && s[0] == 'W' && s[1] == '/')
        s += 2, n -= 2;
    if (n == 1 && s[0] == '*')
        return 1;
    return n == strlen(etag) && memcmp(s, etag, n) == 0;
}

/* Scans a comma-separated If-None-Match value for etag (ETags here never contain commas). */
int cj_web_etag_matches(const char *if_none_match, const char *etag)
{
    if (if_none_match == NULL || etag == NULL || etag[0] == '\0')
        return 0;
    const char *p = if_none_match;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (etag_item_equal(p, n, etag))
            return 1;
        if (comma == NULL)
            return 0;
        p = comma + 1;
    }
}

/* Looks the file up, sets its headers, and decides between 200 and 304. */
int cj_web_prepare(struct evhttp_request *req, const char *path, const unsigned char **body, size_t *len,
                   const char **mime)
{
    const cj_web_file *f = cj_web_file_find(path);
    if (f == NULL || body == NULL || len == NULL || mime == NULL)
        return 0;
    if (req != NULL) {
        struct evkeyvalq *out = evhttp_request_get_output_headers(req);
        evhttp_add_header(out, "Cache-Control", "no-cache");
        evhttp_add_header(out, "ETag", f->etag);
        if (strncmp(f->mime, "text/html", 9) == 0) {
            evhttp_add_header(out, "Content-Security-Policy", CJ_WEB_CSP);
            evhttp_add_header(out, "X-Frame-Options", "DENY");
            evhttp_add_header(out, "Referrer-Policy", "no-referrer");
        }
        const char *inm = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
        if (cj_web_etag_matches(inm, f->etag)) {
            *body = NULL;
            *len = 0;
            *mime = f->mime;
            return 304;
        }
    }
    *body = f->data;
    *len = f->len;
    *mime = f->mime;
    return 200;
}
