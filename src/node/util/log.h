/* Leveled logging for coinjectured: human-readable lines by default, JSON lines on request.
 * Every message is escaped before it is written (control characters, and in JSON mode quotes,
 * backslashes and invalid UTF-8), so strings that come from the network or from files cannot forge
 * log lines. Never pass secrets. Thread-safe (one write per line under a mutex). */
#ifndef CJ_NODE_LOG_H
#define CJ_NODE_LOG_H

#include <stdio.h>

#if defined(__GNUC__)
#define CJ_LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CJ_LOG_PRINTF(a, b)
#endif

typedef enum {
    CJ_LOG_DEBUG = 0,
    CJ_LOG_INFO = 1,
    CJ_LOG_WARN = 2,
    CJ_LOG_ERROR = 3,
    CJ_LOG_CRITICAL = 4
} cj_log_level;

typedef enum { CJ_LOG_HUMAN = 0, CJ_LOG_JSON = 1 } cj_log_format;

/* Parses "debug", "info", "warn" (or "warning"), "error", "critical". Returns 0 or -1. */
int cj_log_level_parse(const char *s, cj_log_level *out);
/* Lowercase name of a level ("info"). */
const char *cj_log_level_name(cj_log_level level);
/* Parses "human" or "json". Returns 0 or -1. */
int cj_log_format_parse(const char *s, cj_log_format *out);

/* Settings; defaults: level info, human format, stream stderr. */
void cj_log_set_level(cj_log_level level);
void cj_log_set_format(cj_log_format format);
void cj_log_set_stream(FILE *stream);
int cj_log_enabled(cj_log_level level);

/* Writes one line if level is enabled. */
void cj_log(cj_log_level level, const char *fmt, ...) CJ_LOG_PRINTF(2, 3);

#define cj_log_debug(...) cj_log(CJ_LOG_DEBUG, __VA_ARGS__)
#define cj_log_info(...) cj_log(CJ_LOG_INFO, __VA_ARGS__)
#define cj_log_warn(...) cj_log(CJ_LOG_WARN, __VA_ARGS__)
#define cj_log_error(...) cj_log(CJ_LOG_ERROR, __VA_ARGS__)
#define cj_log_critical(...) cj_log(CJ_LOG_CRITICAL, __VA_ARGS__)

/* Escapes src for a human log line into dst (always NUL-terminated when cap > 0): control bytes, DEL,
 * C1 controls (U+0080..U+009F) and bytes that are not valid UTF-8 become \xNN, backslash becomes \\;
 * valid UTF-8 is kept. Returns the length written. Exposed for tests. */
size_t cj_log_escape_human(const char *src, char *dst, size_t cap);
/* Escapes src as the inside of a JSON string (no quotes): ", \, control bytes as \u00NN, invalid
 * UTF-8 bytes as \ufffd. Returns the length written; output truncated at a character boundary. */
size_t cj_log_escape_json(const char *src, char *dst, size_t cap);

#endif /* CJ_NODE_LOG_H */
