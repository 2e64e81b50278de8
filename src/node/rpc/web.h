/* The dashboard served at GET / (DESIGN.md §7): static HTML, CSS and vanilla JS from web/, embedded in the
 * binary (web_assets.h), polling the JSON API. This file is the HTTP glue the API's router calls. */
#ifndef CJ_NODE_WEB_H
#define CJ_NODE_WEB_H

#include <stddef.h>

struct evhttp_request;

/* Content-Security-Policy of the dashboard: its own script, style and API only (no inline code, no CDN,
 * no framing). */
#define CJ_WEB_CSP                                                                                          \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " \
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/* Prepares the reply to GET/HEAD path. If path names an embedded file, adds Cache-Control ("no-cache":
 * revalidate every time), ETag and, for HTML, the security headers to req's output headers, and returns
 * 304 when the request's If-None-Match names the current ETag, else 200 with *body, *len and *mime set.
 * Returns 0 (headers and outputs untouched) when there is no such file. req may be NULL (no headers are
 * read or written: for tests). */
int cj_web_prepare(struct evhttp_request *req, const char *path, const unsigned char **body, size_t *len,
                   const char **mime);

/* Whether an If-None-Match value (comma-separated tags, strong or W/ weak, or "*") names etag (quoted).
 * NULL arguments never match. */
int cj_web_etag_matches(const char *if_none_match, const char *etag);

#endif /* CJ_NODE_WEB_H */
