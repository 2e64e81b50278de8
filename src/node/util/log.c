/* Leveled, escaped logging (human or JSON lines). */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

static cj_log_level g_level = CJ_LOG_INFO;
static cj_log_format g_format = CJ_LOG_HUMAN;
static FILE *g_stream = NULL;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"debug", "info", "warn", "error", "critical"};

/* Maps a user-supplied level name to its value so config, env and flags share one parser. */
int cj_log_level_parse(const char *s, cj_log_level *out)
{
    if (s == NULL || out == NULL)
        return -1;
    for (int i = 0; i < 5; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (cj_log_level)i;
            return 0;
        }
    }
    if (strcmp(s, "warning") == 0) {
        *out = CJ_LOG_WARN;
        return 0;
    }
    return -1;
}

/* Gives the canonical lowercase name of a level for output. */
const char *cj_log_level_name(cj_log_level level)
{
    return (unsigned)level < 5 ? level_names[level] : "unknown";
}

/* Maps "human"/"json" to the format enum. */
int cj_log_format_parse(const char *s, cj_log_format *out)
{
    if (s == NULL || out == NULL)
        return -1;
    if (strcmp(s, "human") == 0 || strcmp(s, "text") == 0)
        *out = CJ_LOG_HUMAN;
    else if (strcmp(s, "json") == 0)
        *out = CJ_LOG_JSON;
    else
        return -1;
    return 0;
}

/* Sets the minimum level written. */
void cj_log_set_level(cj_log_level level)
{
    g_level = level;
}

/* Selects human or JSON lines. */
void cj_log_set_format(cj_log_format format)
{
    g_format = format;
}

/* Redirects output (tests capture logs with a tmpfile). */
void cj_log_set_stream(FILE *stream)
{
    g_stream = stream;
}

/* Lets callers skip building expensive debug messages. */
int cj_log_enabled(cj_log_level level)
{
    return level >= g_level;
}

/* Length of the valid UTF-8 sequence starting at s (1..4), or 0 if the bytes there are not valid UTF-8
 * (overlong forms, surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_seq_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) {
        n = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* Escapes for human-readable lines so a message cannot contain a newline or terminal escape: C0 and C1
 * controls (a UTF-8 U+0080..U+009F includes CSI, 0x9b) and bytes that are not valid UTF-8 become \xNN, so
 * the log stays valid UTF-8 whatever a peer sends. */
size_t cj_log_escape_human(const char *src, char *dst, size_t cap)
{
    static const char hexd[] = "0123456789abcdef";
    size_t o = 0;
    if (cap == 0)
        return 0;
    const unsigned char *p = (const unsigned char *)src;
    while (p != NULL && *p) {
        char tmp[4];
        size_t tl, adv = 1;
        size_t n = *p >= 0x80 ? utf8_seq_len(p) : 1;
        if (*p < 0x20 || *p == 0x7f || n == 0 || (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
            tmp[0] = '\\', tmp[1] = 'x', tmp[2] = hexd[*p >> 4], tmp[3] = hexd[*p & 15], tl = 4;
        } else if (*p == '\\') {
            tmp[0] = '\\', tmp[1] = '\\', tl = 2;
        } else {
            memcpy(tmp, p, n), tl = n, adv = n;
        }
        if (o + tl >= cap)
            break;
        memcpy(dst + o, tmp, tl);
        o += tl;
        p += adv;
    }
    dst[o] = '\0';
    return o;
}

/* Escapes a string for the inside of a JSON string literal, replacing invalid UTF-8 by U+FFFD. */
size_t cj_log_escape_json(const char *src, char *dst, size_t cap)
{
    static const char hexd[] = "0123456789abcdef";
    size_t o = 0;
    if (cap == 0)
        return 0;
    const unsigned char *p = (const unsigned char *)src;
    while (p != NULL && *p) {
        char tmp[8];
        size_t tl, adv = 1;
        if (*p == '"' || *p == '\\') {
            tmp[0] = '\\', tmp[1] = (char)*p, tl = 2;
        } else if (*p == '\n') {
            memcpy(tmp, "\\n", 2), tl = 2;
        } else if (*p == '\t') {
            memcpy(tmp, "\\t", 2), tl = 2;
        } else if (*p < 0x20 || *p == 0x7f) {
            memcpy(tmp, "\\u00", 4), tmp[4] = hexd[*p >> 4], tmp[5] = hexd[*p & 15], tl = 6;
        } else if (*p < 0x80) {
            tmp[0] = (char)*p, tl = 1;
        } else {
            size_t n = utf8_seq_len(p);
            if (n == 0) {
                memcpy(tmp, "\\ufffd", 6), tl = 6;
            } else {
                memcpy(tmp, p, n), tl = n, adv = n;
            }
        }
        if (o + tl >= cap)
            break;
        memcpy(dst + o, tmp, tl);
        o += tl;
        p += adv;
    }
    dst[o] = '\0';
    return o;
}

/* Formats, escapes and writes one log line. */
void cj_log(cj_log_level level, const char *fmt, ...)
{
    if (level < g_level)
        return;
    char msg[4096];
    char esc[4096 * 6 + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tmv;
    gmtime_r(&ts.tv_sec, &tmv);
    char when[64];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tmv.tm_year + 1900, tmv.tm_mon + 1,
             tmv.tm_mday, tmv.tm_hour, tmv.tm_min, tmv.tm_sec, (int)(ts.tv_nsec / 1000000) % 1000);

    FILE *out = g_stream != NULL ? g_stream : stderr;
    pthread_mutex_lock(&g_lock);
    if (g_format == CJ_LOG_JSON) {
        cj_log_escape_json(msg, esc, sizeof esc);
        fprintf(out, "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"%s\"}\n", when, cj_log_level_name(level), esc);
    } else {
        cj_log_escape_human(msg, esc, sizeof esc);
        fprintf(out, "%s %-8s %s\n", when, cj_log_level_name(level), esc);
    }
    fflush(out);
    pthread_mutex_unlock(&g_lock);
}
