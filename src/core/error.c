/* Thread-local last-error message and result-code names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cj_internal.h"

#if defined(_MSC_VER)
#define CJ_THREAD_LOCAL __declspec(thread)
#else
#define CJ_THREAD_LOCAL _Thread_local
#endif

#define CJ_ERROR_CAP 512

static CJ_THREAD_LOCAL char cj_error_buf[CJ_ERROR_CAP];

/* Static empty string handed out when a heap copy cannot be made; free_string recognises it. */
static char cj_error_empty[1];

/* Failing calls record why, per thread, so concurrent callers never see each other's messages. */
CoinjResult cj_fail(CoinjResult rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cj_error_buf, sizeof cj_error_buf, fmt, ap);
    va_end(ap);
    return rc;
}

/* Kept as a heap copy because original callers free the result with coinjecture_free_string. */
COINJECTURE_API char *coinjecture_last_error(void)
{
    size_t n = strlen(cj_error_buf);
    char *s = malloc(n + 1);
    if (!s) return cj_error_empty;
    memcpy(s, cj_error_buf, n + 1);
    return s;
}

/* Accepts NULL and the static fallback so every pointer last_error returned can be passed back. */
COINJECTURE_API void coinjecture_free_string(char *s)
{
    if (s && s != cj_error_empty) free(s);
}

/* Zero-copy access for callers of the extended API. */
COINJECTURE_API const char *coinjecture_last_error_message(void)
{
    return cj_error_buf;
}

/* Lets bindings print symbolic codes without duplicating the enum. */
COINJECTURE_API const char *coinjecture_result_name(CoinjResult rc)
{
    switch (rc) {
    case COINJ_OK: return "COINJ_OK";
    case COINJ_ERROR_INVALID_INPUT: return "COINJ_ERROR_INVALID_INPUT";
    case COINJ_ERROR_OUT_OF_MEMORY: return "COINJ_ERROR_OUT_OF_MEMORY";
    case COINJ_ERROR_VERIFICATION_FAILED: return "COINJ_ERROR_VERIFICATION_FAILED";
    case COINJ_ERROR_ENCODING: return "COINJ_ERROR_ENCODING";
    case COINJ_ERROR_INTERNAL: return "COINJ_ERROR_INTERNAL";
    case COINJ_ERROR_DECODE_TRUNCATED: return "COINJ_ERROR_DECODE_TRUNCATED";
    case COINJ_ERROR_DECODE_TRAILING: return "COINJ_ERROR_DECODE_TRAILING";
    case COINJ_ERROR_DECODE_TYPE: return "COINJ_ERROR_DECODE_TYPE";
    case COINJ_ERROR_DECODE_NONCANONICAL: return "COINJ_ERROR_DECODE_NONCANONICAL";
    case COINJ_ERROR_DECODE_KEY: return "COINJ_ERROR_DECODE_KEY";
    case COINJ_ERROR_DECODE_RANGE: return "COINJ_ERROR_DECODE_RANGE";
    case COINJ_ERROR_DECODE_LENGTH: return "COINJ_ERROR_DECODE_LENGTH";
    case COINJ_ERROR_DECODE_ENUM: return "COINJ_ERROR_DECODE_ENUM";
    case COINJ_ERROR_BUFFER_TOO_SMALL: return "COINJ_ERROR_BUFFER_TOO_SMALL";
    case COINJ_ERROR_UNSUPPORTED: return "COINJ_ERROR_UNSUPPORTED";
    }
    return "unknown";
}
