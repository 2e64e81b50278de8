/* Values as operators write them (value.h): strict decimals, booleans, durations and sizes, and their
 * canonical text. One parser for the configuration, the API's query parameters, the P2P peer list and the
 * tools. */
#include "value.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KIB 1024ull
#define MIB (1024ull * 1024ull)

/* Strict unsigned decimal: digits only, no sign, no overflow. */
int cj_value_parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s == '\0' || out == NULL)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* Accepts the usual YAML/env spellings of booleans. */
int cj_value_parse_bool(const char *s, int *out)
{
    static const char *const t[] = {"true", "yes", "on", "1"};
    static const char *const f[] = {"false", "no", "off", "0"};
    if (s == NULL || out == NULL)
        return -1;
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, t[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, f[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/* Go-style durations made of integer+unit parts (ms, s, m, h); "0" alone is allowed. */
int cj_value_parse_duration_ms(const char *s, uint64_t *out)
{
    if (s == NULL || *s == '\0' || out == NULL)
        return -1;
    if (strcmp(s, "0") == 0) {
        *out = 0;
        return 0;
    }
    uint64_t total = 0;
    const char *p = s;
    while (*p) {
        if (*p < '0' || *p > '9')
            return -1;
        uint64_t v = 0;
        while (*p >= '0' && *p <= '9') {
            unsigned d = (unsigned)(*p - '0');
            if (v > (UINT64_MAX - d) / 10)
                return -1;
            v = v * 10 + d;
            p++;
        }
        uint64_t mul;
        if (strncmp(p, "ms", 2) == 0)
            mul = 1, p += 2;
        else if (*p == 's')
            mul = 1000, p++;
        else if (*p == 'm')
            mul = 60000, p++;
        else if (*p == 'h')
            mul = 3600000, p++;
        else
            return -1;
        if (v > UINT64_MAX / mul || total > UINT64_MAX - v * mul)
            return -1;
        total += v * mul;
    }
    *out = total;
    return 0;
}

/* Byte sizes: integer with an optional unit (B, KB, KiB, MB, MiB, GB, GiB; case-insensitive). */
int cj_value_parse_size(const char *s, uint64_t *out)
{
    static const struct {
        const char *unit;
        uint64_t mul;
    } units[] = {{"", 1},           {"b", 1},      {"kb", 1000},         {"kib", 1024},
                 {"mb", 1000000},   {"mib", MIB},  {"gb", 1000000000ull}, {"gib", 1024ull * MIB}};
    if (s == NULL || out == NULL || *s < '0' || *s > '9')
        return -1;
    uint64_t v = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        p++;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(p, units[i].unit) == 0) {
            if (v > UINT64_MAX / units[i].mul)
                return -1;
            *out = v * units[i].mul;
            return 0;
        }
    }
    return -1;
}

/* Shortest exact duration text, so printed configs read back to the same value. */
void cj_value_format_duration(uint64_t ms, char *out, size_t cap)
{
    if (ms == 0) {
        snprintf(out, cap, "0s");
        return;
    }
    char buf[96] = "";
    size_t o = 0;
    uint64_t h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, r = ms % 1000;
    if (h)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%lluh", (unsigned long long)h);
    if (m)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%llum", (unsigned long long)m);
    if (s)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%llus", (unsigned long long)s);
    if (r)
        snprintf(buf + o, sizeof buf - o, "%llums", (unsigned long long)r);
    snprintf(out, cap, "%s", buf);
}

/* Shortest exact size text in binary units. */
void cj_value_format_size(uint64_t bytes, char *out, size_t cap)
{
    if (bytes != 0 && bytes % (1024ull * MIB) == 0)
        snprintf(out, cap, "%lluGiB", (unsigned long long)(bytes / (1024ull * MIB)));
    else if (bytes != 0 && bytes % MIB == 0)
        snprintf(out, cap, "%lluMiB", (unsigned long long)(bytes / MIB));
    else if (bytes != 0 && bytes % KIB == 0)
        snprintf(out, cap, "%lluKiB", (unsigned long long)(bytes / KIB));
    else
        snprintf(out, cap, "%llu", (unsigned long long)bytes);
}
