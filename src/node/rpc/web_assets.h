/* The dashboard's files (the web/ folder), embedded at build time: cmake/embed.cmake generates web_assets.c in the
 * build directory from the repository's web/ folder, so an installed coinjectured needs no data files. */
#ifndef CJ_NODE_WEB_ASSETS_H
#define CJ_NODE_WEB_ASSETS_H

#include <stddef.h>

typedef struct {
    const char *path;          /* request path: "/index.html", "/app.js", ... */
    const unsigned char *data; /* the file's bytes, followed by one NUL not counted in len */
    size_t len;
    const char *mime; /* Content-Type, from the extension ("text/javascript; charset=utf-8") */
    const char *etag; /* quoted strong ETag: 16 hex digits of the content's SHA-256 */
} cj_web_file;

/* The embedded file for a request path ("/" means "/index.html"), or NULL. */
const cj_web_file *cj_web_file_find(const char *path);

/* Looks up path: returns 1 and sets *data, *len and *mime, or returns 0 (unknown path or a NULL
 * argument) and leaves the outputs untouched. */
int cj_web_asset(const char *path, const unsigned char **data, size_t *len, const char **mime);

/* The quoted ETag of path's file, or NULL if there is none. */
const char *cj_web_asset_etag(const char *path);

/* How many files are embedded. */
size_t cj_web_asset_count(void);

#endif /* CJ_NODE_WEB_ASSETS_H */
