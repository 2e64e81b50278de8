/* The validator's sign-state file and the double-sign guard built on it (sign_state.h). */
#include "sign_state.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_json.h"
#include "coinjecture.h"
#include "dirlock.h"

#define MAX_FILE_BYTES 4096 /* the file is ~120 bytes; anything much larger is not ours */

/* Joins dir and name. 0, or -1 when the path does not fit. */
static int sign_state_path(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

/* Strict parse: exactly the three keys, each of its type; no guessing on anything else. */
int cj_sign_state_parse(const char *text, size_t len, cj_sign_record *out, char *err, size_t errlen)
{
    json_error_t je;
    const char *why = NULL;
    uint64_t format = 0;
    memset(out, 0, sizeof *out);
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        snprintf(err, errlen, "not JSON: %s (line %d)", je.text, je.line);
        return -1;
    }
    int rc = -1;
    json_t *f = json_object_get(root, "format"), *h = json_object_get(root, "height"),
           *x = json_object_get(root, "hash");
    if (!json_is_object(root) || json_object_size(root) != 3 || f == NULL || h == NULL || x == NULL) {
        snprintf(err, errlen, "expected an object with exactly the keys format, height and hash");
        goto out;
    }
    if (cj_json_u64(f, &format, &why) != 0 || format != CJ_SIGN_STATE_FORMAT) {
        snprintf(err, errlen, "format: expected %d", CJ_SIGN_STATE_FORMAT);
        goto out;
    }
    if (cj_json_u64(h, &out->height, &why) != 0) {
        snprintf(err, errlen, "height: %s", why ? why : "not an unsigned integer");
        goto out;
    }
    if (json_is_null(x)) {
        out->has_hash = 0;
    } else if (cj_json_hex_fixed(x, out->hash, 32, &why) != 0) {
        snprintf(err, errlen, "hash: %s (64 hex digits or null)", why ? why : "invalid");
        goto out;
    } else if (out->height == 0) {
        snprintf(err, errlen, "hash: height 0 (nothing sealed) cannot carry a block hash");
        goto out;
    } else {
        out->has_hash = 1;
    }
    rc = 0;
out:
    json_decref(root);
    if (rc != 0)
        memset(out, 0, sizeof *out);
    return rc;
}

/* One line of JSON with a trailing newline, keys in the documented order. */
char *cj_sign_state_format(const cj_sign_record *r)
{
    char hex[65], *out = malloc(160);
    if (out == NULL)
        return NULL;
    if (r->has_hash) {
        coinjecture_hex_encode(r->hash, 32, hex, sizeof hex);
        snprintf(out, 160, "{\"format\":%d,\"height\":%llu,\"hash\":\"%s\"}\n", CJ_SIGN_STATE_FORMAT,
                 (unsigned long long)r->height, hex);
    } else {
        snprintf(out, 160, "{\"format\":%d,\"height\":%llu,\"hash\":null}\n", CJ_SIGN_STATE_FORMAT,
                 (unsigned long long)r->height);
    }
    return out;
}

/* Reads the whole (small) file; a missing file is "nothing sealed yet". */
int cj_sign_state_read(const char *dir, cj_sign_record *out, char *err, size_t errlen)
{
    char path[4200], buf[MAX_FILE_BYTES + 1];
    memset(out, 0, sizeof *out);
    if (sign_state_path(path, sizeof path, dir, CJ_SIGN_STATE_FILE) != 0) {
        snprintf(err, errlen, "data directory path too long");
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf && (n = read(fd, buf + len, sizeof buf - len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        len += (size_t)n;
    }
    close(fd);
    if (len > MAX_FILE_BYTES) {
        snprintf(err, errlen, "%s: larger than %d bytes: not a sign-state file", path, MAX_FILE_BYTES);
        return -1;
    }
    char why[300];
    if (cj_sign_state_parse(buf, len, out, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s is corrupt: %s", path, why);
        return -1;
    }
    return 1;
}

/* Writes all of len bytes, retrying short writes. 0 or -1 (errno set). */
static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Temporary file, fsync, rename over the old file, fsync of the directory (so the rename survives a power
 * loss): a reader sees either the old or the new record, never a torn one. */
int cj_sign_state_write(const char *dir, const cj_sign_record *r, char *err, size_t errlen)
{
    char path[4200], tmp[4200];
    if (sign_state_path(path, sizeof path, dir, CJ_SIGN_STATE_FILE) != 0 ||
        sign_state_path(tmp, sizeof tmp, dir, CJ_SIGN_STATE_FILE ".tmp") != 0) {
        snprintf(err, errlen, "data directory path too long");
        return -1;
    }
    char *text = cj_sign_state_format(r);
    if (text == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        free(text);
        return -1;
    }
    int rc = write_all(fd, text, strlen(text)) == 0 && fsync(fd) == 0 ? 0 : -1;
    int e = errno;
    free(text);
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -1;
        e = errno;
    }
    if (rc != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
        unlink(tmp);
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
        snprintf(err, errlen, "cannot fsync the directory %s: %s", dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        return -1;
    }
    close(dfd);
    return 0;
}

/* The operator's explicit reset, under the data-dir lock so a running node cannot race it. */
int cj_sign_state_reset(const char *dir, uint64_t height, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "%s is not a directory", dir);
        return -1;
    }
    cj_dirlock *lock = cj_dirlock_acquire(dir, err, errlen);
    if (lock == NULL)
        return -1;
    cj_sign_record r;
    memset(&r, 0, sizeof r);
    r.height = height;
    int rc = cj_sign_state_write(dir, &r, err, errlen);
    cj_dirlock_release(lock);
    return rc;
}

/* ---- the guard ---- */

/* Loads the file; an unusable one leaves the guard faulty rather than empty. */
int cj_sign_state_open(cj_sign_state *s, const char *dir, int64_t window_ms, int64_t now_ms)
{
    char err[520];
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    s->window_ms = window_ms > 0 ? window_ms : 0;
    s->watch_until_ms = now_ms + s->window_ms;
    if (strlen(dir) >= sizeof s->dir) {
        s->faulty = 1;
        snprintf(s->fault, sizeof s->fault, "data directory path too long for the sign-state file");
        return -1;
    }
    if (cj_sign_state_read(dir, &s->rec, err, sizeof err) < 0) {
        s->faulty = 1;
        snprintf(s->fault, sizeof s->fault, "%s", err);
        return -1;
    }
    return 0;
}

/* The first reason that forbids sealing `height` now, or 0. */
cj_sign_verdict cj_sign_state_blocked(const cj_sign_state *s, uint64_t height, int64_t now_ms, char *why, size_t whylen)
{
    char hex[65];
    if (s->faulty) {
        snprintf(why, whylen, "sign-state unusable: %s; fix it or run coinjectured reset-sign-state", s->fault);
        return CJ_SIGN_FAULTY;
    }
    if (now_ms < s->watch_until_ms) {
        snprintf(why, whylen, "start-up watch: looking for another instance of this validator key for %lld ms more",
                 (long long)(s->watch_until_ms - now_ms));
        return CJ_SIGN_WATCH;
    }
    if (now_ms < s->foreign_until_ms) {
        coinjecture_hex_encode(s->foreign_hash, 32, hex, sizeof hex);
        if (s->foreign_evidence)
            snprintf(why, whylen, "double-sign evidence names this validator key at height %llu: another instance "
                                  "is sealing with it",
                     (unsigned long long)s->foreign_height);
        else
            snprintf(why, whylen, "another instance is sealing with this validator key: block %llu %.16s was not "
                                  "made by this node",
                     (unsigned long long)s->foreign_height, hex);
        return CJ_SIGN_FOREIGN;
    }
    if (height <= s->rec.height) {
        snprintf(why, whylen, "height %llu is at or below the last signed height %llu (sign-state)",
                 (unsigned long long)height, (unsigned long long)s->rec.height);
        return CJ_SIGN_FLOOR;
    }
    return CJ_SIGN_OK;
}

/* Whether (height, hash) is in the ring of blocks this process sealed. */
int cj_sign_state_mine(const cj_sign_state *s, uint64_t height, const uint8_t hash[32])
{
    for (size_t i = 0; i < s->nmine; i++)
        if (s->mine[i].height == height && memcmp(s->mine[i].hash, hash, 32) == 0)
            return 1;
    return 0;
}

/* Refuses regressions, then writes before the block may be relayed. */
int cj_sign_state_record(cj_sign_state *s, uint64_t height, const uint8_t hash[32], char *err, size_t errlen)
{
    if (height < s->rec.height || (height == s->rec.height && (!s->rec.has_hash || memcmp(hash, s->rec.hash, 32) != 0))) {
        snprintf(err, errlen, "refusing to record height %llu: the sign-state already holds height %llu%s",
                 (unsigned long long)height, (unsigned long long)s->rec.height,
                 height == s->rec.height ? " with another block" : "");
        return -1;
    }
    if (height == s->rec.height)
        return 0; /* the same block again */
    s->rec.height = height;
    s->rec.has_hash = 1;
    memcpy(s->rec.hash, hash, 32);
    s->mine[s->mine_next].height = height;
    memcpy(s->mine[s->mine_next].hash, hash, 32);
    s->mine_next = (s->mine_next + 1) % CJ_SIGN_STATE_MINE;
    if (s->nmine < CJ_SIGN_STATE_MINE)
        s->nmine++;
    s->dirty = 1;
    return cj_sign_state_flush(s, err, errlen) == 0 ? 0 : -2;
}

/* Classifies a block sealed by our key that this process may not have made. */
int cj_sign_state_observe(cj_sign_state *s, uint64_t height, const uint8_t hash[32], int64_t ts_ms, int64_t now_ms)
{
    if (cj_sign_state_mine(s, height, hash))
        return 0;
    int same_as_record = height == s->rec.height && s->rec.has_hash && memcmp(hash, s->rec.hash, 32) == 0;
    if (same_as_record || height < s->rec.height)
        return 0; /* ours from before this start, or history below the floor */
    if (height > s->rec.height) {
        s->rec.height = height;
        s->rec.has_hash = 1;
        memcpy(s->rec.hash, hash, 32);
        s->dirty = 1;
    }
    if (ts_ms < now_ms - s->window_ms)
        return 0; /* an old block (e.g. our own, before a backup was restored): the floor is enough */
    s->foreign_until_ms = now_ms + s->window_ms;
    s->foreign_height = height;
    memcpy(s->foreign_hash, hash, 32);
    s->foreign_evidence = 0;
    return 1;
}

/* Evidence against our own key: hold sealing and never go below that height again. */
void cj_sign_state_conflict(cj_sign_state *s, uint64_t height, int64_t now_ms)
{
    s->foreign_until_ms = now_ms + s->window_ms;
    s->foreign_height = height;
    memset(s->foreign_hash, 0, 32);
    s->foreign_evidence = 1;
    if (height > s->rec.height) {
        s->rec.height = height;
        s->rec.has_hash = 0;
        s->dirty = 1;
    }
}

/* Persists a pending record; a failure keeps it pending (in memory it holds) for the next try. */
int cj_sign_state_flush(cj_sign_state *s, char *err, size_t errlen)
{
    /* a faulty file stays as it is: only the operator's reset-sign-state replaces it, never a guess */
    if (!s->dirty || s->faulty)
        return 0;
    if (cj_sign_state_write(s->dir, &s->rec, err, errlen) != 0)
        return -1;
    s->dirty = 0;
    return 0;
}
