/* Canonical MessagePack writer and strict reader primitives (core.md §4.1, §4.5). */
#include "msgpack.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ============================== writer ============================== */

/* Sizing pass: the encoders need the exact length before touching the caller's buffer. */
uint64_t cj_msgpack_byte_array_size(const uint8_t *data, size_t n)
{
    uint64_t high = 0;
    for (size_t i = 0; i < n; i++) high += data[i] >> 7;
    return cj_msgpack_array_size(n) + n + high;
}

/* One Vec<u8> element without a branch: fixint, or cc xx for bytes >= 0x80 (writes only its own bytes). */
static inline uint8_t *cj_msgpack_elem(uint8_t *p, uint8_t b)
{
    unsigned hi = b >> 7;
    p[0] = hi ? 0xcc : b;
    p[hi] = b;
    return p + 1 + hi;
}

/* Portable Vec<u8> body: eight ASCII-range bytes at a time, else branch-free per byte (random bytes, as in a
 * seal or signature, would mispredict a per-byte branch half the time). */
uint8_t *cj_msgpack_wr_byte_elems_portable(uint8_t *p, const uint8_t *data, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, data + i, 8);
        if (!(x & 0x8080808080808080ull)) {
            memcpy(p, &x, 8);
            p += 8;
            continue;
        }
        for (size_t k = 0; k < 8; k++) p = cj_msgpack_elem(p, data[i + k]);
    }
    for (; i < n; i++) p = cj_msgpack_elem(p, data[i]);
    return p;
}

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define CJ_MSGPACK_SSSE3 1
#include <pthread.h>
#include <stdatomic.h>
#include <tmmintrin.h>

/* For each high-bit mask of 8 input bytes: the pshufb control that turns [8 bytes | 8 x 0xcc] into their
 * encoding (index 8 is a 0xcc), and the encoded length. Built once (4.3 KB) together with the CPU check;
 * cj_msgpack_simd is 0 before, then 1 (SSSE3 usable) or 2 (not). */
static uint8_t cj_msgpack_shuf[256][16];
static uint8_t cj_msgpack_shuf_len[256];
static pthread_once_t cj_msgpack_simd_once = PTHREAD_ONCE_INIT;
static _Atomic int cj_msgpack_simd;

/* Fills the shuffle table and records whether the CPU can use it (run once through pthread_once). */
static void cj_msgpack_simd_init(void)
{
    for (unsigned m = 0; m < 256; m++) {
        unsigned j = 0;
        for (unsigned i = 0; i < 8; i++) {
            if (m >> i & 1) cj_msgpack_shuf[m][j++] = 8;
            cj_msgpack_shuf[m][j++] = (uint8_t)i;
        }
        cj_msgpack_shuf_len[m] = (uint8_t)j;
        while (j < 16) cj_msgpack_shuf[m][j++] = 0x80;
    }
    __builtin_cpu_init();
    atomic_store_explicit(&cj_msgpack_simd, __builtin_cpu_supports("ssse3") ? 1 : 2, memory_order_release);
}

/* SSSE3 Vec<u8> body for a multiple of 16 bytes: per 8 input bytes one movemask bit group, one table
 * lookup, one pshufb and one 16-byte store (which may scribble up to 2n bytes from p; later output
 * overwrites it). */
__attribute__((target("ssse3"))) static uint8_t *cj_msgpack_elems_ssse3(uint8_t *p, const uint8_t *data,
                                                                          size_t n)
{
    const __m128i cc = _mm_set1_epi8((char)0xcc);
    for (size_t i = 0; i < n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(data + i));
        unsigned m = (unsigned)_mm_movemask_epi8(x);
        unsigned lo = m & 0xff, hi = m >> 8;
        __m128i a = _mm_shuffle_epi8(_mm_unpacklo_epi64(x, cc),
                                     _mm_loadu_si128((const __m128i *)(const void *)cj_msgpack_shuf[lo]));
        _mm_storeu_si128((__m128i *)(void *)p, a);
        p += cj_msgpack_shuf_len[lo];
        __m128i b = _mm_shuffle_epi8(_mm_unpackhi_epi64(x, cc),
                                     _mm_loadu_si128((const __m128i *)(const void *)cj_msgpack_shuf[hi]));
        _mm_storeu_si128((__m128i *)(void *)p, b);
        p += cj_msgpack_shuf_len[hi];
    }
    return p;
}
#endif

/* Vec<u8> bodies are the only per-byte work in the codec (header extra_data, tx data): SSSE3 when the CPU
 * has it, the portable loop otherwise and for the tail. p must have room for 2n bytes. */
uint8_t *cj_msgpack_wr_byte_elems(uint8_t *p, const uint8_t *data, size_t n)
{
#ifdef CJ_MSGPACK_SSSE3
    if (n >= 16) {
        int simd = atomic_load_explicit(&cj_msgpack_simd, memory_order_acquire);
        if (simd == 0) {
            pthread_once(&cj_msgpack_simd_once, cj_msgpack_simd_init);
            simd = atomic_load_explicit(&cj_msgpack_simd, memory_order_acquire);
        }
        if (simd != 1) return cj_msgpack_wr_byte_elems_portable(p, data, n);
        size_t k = n & ~(size_t)15;
        p = cj_msgpack_elems_ssse3(p, data, k);
        data += k;
        n -= k;
    }
#endif
    return cj_msgpack_wr_byte_elems_portable(p, data, n);
}

/* Measure mode lets one encoder body compute the exact size without a buffer. */
void cj_msgpack_writer_measure(cj_msgpack_writer *w)
{
    memset(w, 0, sizeof *w);
}

/* Buffer mode writes into caller memory that was sized by a measure pass. */
void cj_msgpack_writer_buffer(cj_msgpack_writer *w, uint8_t *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->buf = buf;
    w->cap = cap;
}

/* Streaming mode hashes encodings of any size through a small stack buffer. */
void cj_msgpack_writer_sha(cj_msgpack_writer *w, coinjecture_sha256_ctx *ctx, const cj_sha256_impl *impl,
                           uint8_t *stage, size_t stage_cap)
{
    memset(w, 0, sizeof *w);
    w->buf = stage;
    w->cap = stage_cap;
    w->sha = ctx;
    w->impl = impl ? impl : cj_backend();
}

/* Moves the staged bytes into the hash state (starting it lazily, so short encodings can one-shot). */
static void cj_msgpack_writer_flush(cj_msgpack_writer *w)
{
    if (!w->sha_started) {
        cj_sha256_init(w->sha, w->impl);
        w->sha_started = 1;
    }
    if (w->pos) cj_sha256_update(w->sha, w->buf, w->pos);
    w->pos = 0;
}

/* One-shot when the whole encoding fit in the stage is the fast path for every hash of small objects. */
void cj_msgpack_writer_digest(cj_msgpack_writer *w, uint8_t out[32])
{
    if (!w->sha_started && w->impl->oneshot) {
        w->impl->oneshot(w->buf, w->pos, out);
    } else {
        cj_msgpack_writer_flush(w);
        cj_sha256_final(w->sha, out);
    }
    w->pos = 0;
}

/* Every other put_* funnels through here, so the three sinks are handled in one place. */
void cj_msgpack_put_raw(cj_msgpack_writer *w, const void *data, size_t n)
{
    const uint8_t *d = data;
    w->total += n;
    if (!w->buf || n == 0) return;
    if (w->sha) {
        while (n) {
            if (w->pos == 0 && n >= w->cap) { /* large piece: hash it in place */
                size_t whole = n - n % 64;
                if (!w->sha_started) {
                    cj_sha256_init(w->sha, w->impl);
                    w->sha_started = 1;
                }
                cj_sha256_update(w->sha, d, whole);
                d += whole;
                n -= whole;
                continue;
            }
            size_t room = w->cap - w->pos, k = n < room ? n : room;
            memcpy(w->buf + w->pos, d, k);
            w->pos += k;
            d += k;
            n -= k;
            if (w->pos == w->cap) cj_msgpack_writer_flush(w);
        }
        return;
    }
    if (n > w->cap - w->pos) {
        w->overflow = 1;
        return;
    }
    memcpy(w->buf + w->pos, d, n);
    w->pos += n;
}

/* Shortest unsigned form through the writer. */
void cj_msgpack_put_uint(cj_msgpack_writer *w, uint64_t v)
{
    uint8_t tmp[9];
    cj_msgpack_put_raw(w, tmp, (size_t)(cj_msgpack_wr_uint(tmp, v) - tmp));
}

/* rmp's signed form through the writer. */
void cj_msgpack_put_int(cj_msgpack_writer *w, int64_t v)
{
    uint8_t tmp[9];
    cj_msgpack_put_raw(w, tmp, (size_t)(cj_msgpack_wr_int(tmp, v) - tmp));
}

/* Option::None. */
void cj_msgpack_put_nil(cj_msgpack_writer *w)
{
    static const uint8_t nil = 0xc0;
    cj_msgpack_put_raw(w, &nil, 1);
}

/* Struct header: fixmap for the consensus types (map16/map32 kept for completeness). */
void cj_msgpack_put_map(cj_msgpack_writer *w, uint32_t n)
{
    uint8_t tmp[5];
    size_t k;
    if (n < 16) {
        tmp[0] = (uint8_t)(0x80 | n);
        k = 1;
    } else if (n <= 0xffff) {
        tmp[0] = 0xde;
        cj_msgpack_be16(tmp + 1, (uint16_t)n);
        k = 3;
    } else {
        tmp[0] = 0xdf;
        cj_msgpack_be32(tmp + 1, n);
        k = 5;
    }
    cj_msgpack_put_raw(w, tmp, k);
}

/* Vec header. */
void cj_msgpack_put_array(cj_msgpack_writer *w, uint32_t n)
{
    uint8_t tmp[5];
    cj_msgpack_put_raw(w, tmp, (size_t)(cj_msgpack_wr_array(tmp, n) - tmp));
}

/* Strings (keys, enum names, cid), shortest header. */
void cj_msgpack_put_str(cj_msgpack_writer *w, const char *s, size_t n)
{
    uint8_t tmp[5];
    size_t k;
    if (n < 32) {
        tmp[0] = (uint8_t)(0xa0 | n);
        k = 1;
    } else if (n <= 0xff) {
        tmp[0] = 0xd9;
        tmp[1] = (uint8_t)n;
        k = 2;
    } else if (n <= 0xffff) {
        tmp[0] = 0xda;
        cj_msgpack_be16(tmp + 1, (uint16_t)n);
        k = 3;
    } else {
        tmp[0] = 0xdb;
        cj_msgpack_be32(tmp + 1, (uint32_t)n);
        k = 5;
    }
    cj_msgpack_put_raw(w, tmp, k);
    cj_msgpack_put_raw(w, s, n);
}

/* Fixed byte arrays ([u8;32], [u8;64]) are bin on the wire. */
void cj_msgpack_put_bin(cj_msgpack_writer *w, const uint8_t *data, size_t n)
{
    uint8_t tmp[5];
    size_t k;
    if (n <= 0xff) {
        tmp[0] = 0xc4;
        tmp[1] = (uint8_t)n;
        k = 2;
    } else if (n <= 0xffff) {
        tmp[0] = 0xc5;
        cj_msgpack_be16(tmp + 1, (uint16_t)n);
        k = 3;
    } else {
        tmp[0] = 0xc6;
        cj_msgpack_be32(tmp + 1, (uint32_t)n);
        k = 5;
    }
    cj_msgpack_put_raw(w, tmp, k);
    cj_msgpack_put_raw(w, data, n);
}

/* Vec<u8> as an array of uints. */
void cj_msgpack_put_byte_array(cj_msgpack_writer *w, const uint8_t *data, size_t n)
{
    cj_msgpack_put_array(w, (uint32_t)n);
    cj_msgpack_put_byte_elems(w, data, n);
}

/* Byte elements: encoded directly when the buffer has room, else in stack chunks. */
void cj_msgpack_put_byte_elems(cj_msgpack_writer *w, const uint8_t *data, size_t n)
{
    if (n == 0) return;
    if (!w->buf) {
        w->total += cj_msgpack_byte_array_size(data, n) - cj_msgpack_array_size(n);
        return;
    }
    if (!w->sha && w->cap - w->pos >= 2 * n) {
        uint8_t *start = w->buf + w->pos;
        size_t k = (size_t)(cj_msgpack_wr_byte_elems(start, data, n) - start);
        w->pos += k;
        w->total += k;
        return;
    }
    uint8_t tmp[512];
    while (n) {
        size_t chunk = n < sizeof tmp / 2 ? n : sizeof tmp / 2;
        cj_msgpack_put_raw(w, tmp, (size_t)(cj_msgpack_wr_byte_elems(tmp, data, chunk) - tmp));
        data += chunk;
        n -= chunk;
    }
}

/* ============================== reader ============================== */

/* Starts a strict read of one complete object. */
void cj_msgpack_reader_init(cj_msgpack_reader *r, const uint8_t *in, size_t len, const char *path)
{
    static const uint8_t empty[1] = {0};
    if (!in) { /* avoid NULL + 0 arithmetic */
        in = empty;
        len = 0;
    }
    r->p = in;
    r->end = in + len;
    cj_msgpack_reader_path(r, "%s", path);
}

/* Nested objects name themselves in error messages (e.g. "block.transactions[7]"). */
void cj_msgpack_reader_path(cj_msgpack_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->path, sizeof r->path, fmt, ap);
    va_end(ap);
}

/* Bytes left, for bounds checks and allocation caps. */
size_t cj_msgpack_remaining(const cj_msgpack_reader *r)
{
    return (size_t)(r->end - r->p);
}

/* Error messages name the exact field so a rejected peer message can be diagnosed from the log. */
CoinjResult cj_msgpack_fail(const cj_msgpack_reader *r, CoinjResult rc, const char *field, size_t idx,
                            const char *fmt, ...)
{
    char msg[160], where[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (field && idx != CJ_MSGPACK_NO_INDEX)
        snprintf(where, sizeof where, "%s.%s[%zu]", r->path, field, idx);
    else if (field)
        snprintf(where, sizeof where, "%s.%s", r->path, field);
    else
        snprintf(where, sizeof where, "%s", r->path);
    return cj_fail(rc, "%s: %s", where, msg);
}

/* Human name of a MessagePack marker, for TYPE errors. */
static const char *cj_msgpack_type_name(uint8_t b)
{
    if (b < 0x80 || b >= 0xe0) return "integer";
    if (b < 0x90) return "map";
    if (b < 0xa0) return "array";
    if (b < 0xc0) return "str";
    switch (b) {
    case 0xc0: return "nil";
    case 0xc1: return "reserved marker c1";
    case 0xc2: case 0xc3: return "bool";
    case 0xc4: case 0xc5: case 0xc6: return "bin";
    case 0xc7: case 0xc8: case 0xc9: case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: return "ext";
    case 0xca: case 0xcb: return "float";
    case 0xcc: case 0xcd: case 0xce: case 0xcf: case 0xd0: case 0xd1: case 0xd2: case 0xd3: return "integer";
    case 0xd9: case 0xda: case 0xdb: return "str";
    case 0xdc: case 0xdd: return "array";
    default: return "map"; /* de, df */
    }
}

/* Big-endian load of w (1, 2, 4 or 8) bytes. */
static uint64_t cj_msgpack_load_be(const uint8_t *p, size_t w)
{
    uint64_t v = 0;
    for (size_t i = 0; i < w; i++) v = v << 8 | p[i];
    return v;
}

/* Printable excerpt of untrusted bytes for messages. */
static void cj_msgpack_excerpt(char *out, size_t cap, const uint8_t *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < cap; i++) out[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
    if (n > 0 && k < n && k + 4 <= cap) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = 0;
}

/* Structs are fixmaps with an exact entry count. */
CoinjResult cj_msgpack_read_map(cj_msgpack_reader *r, uint32_t n)
{
    if (r->p >= r->end) return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, NULL, CJ_MSGPACK_NO_INDEX,
                                               "input ends where a map was expected");
    uint8_t b = *r->p;
    if (b >= 0x80 && b <= 0x8f) {
        if ((uint32_t)(b & 0x0f) != n)
            return cj_msgpack_fail(r, COINJ_ERROR_DECODE_KEY, NULL, CJ_MSGPACK_NO_INDEX,
                                   "map of %u entries, expected %u", (unsigned)(b & 0x0f), (unsigned)n);
        r->p++;
        return COINJ_OK;
    }
    if (b == 0xde || b == 0xdf)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_NONCANONICAL, NULL, CJ_MSGPACK_NO_INDEX,
                               "map%s header for a map of %u entries (fixmap required)",
                               b == 0xde ? "16" : "32", (unsigned)n);
    return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TYPE, NULL, CJ_MSGPACK_NO_INDEX, "expected map, got %s",
                           cj_msgpack_type_name(b));
}

/* Parses a str header without consuming it: *hdr header bytes, *len payload bytes. Checks bounds and
 * shortest form; what = "key" or the field name for messages. */
static CoinjResult cj_msgpack_str_header(cj_msgpack_reader *r, const char *field, size_t *hdr, uint32_t *len,
                                         int *is_str)
{
    size_t left = cj_msgpack_remaining(r);
    *is_str = 0;
    if (left == 0) return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, CJ_MSGPACK_NO_INDEX,
                                          "input ends where a str was expected");
    uint8_t b = r->p[0];
    size_t w;
    uint32_t min;
    if (b >= 0xa0 && b <= 0xbf) {
        *hdr = 1;
        *len = b & 0x1f;
        *is_str = 1;
        goto have;
    }
    if (b == 0xd9) {
        w = 1;
        min = 32;
    } else if (b == 0xda) {
        w = 2;
        min = 256;
    } else if (b == 0xdb) {
        w = 4;
        min = 65536;
    } else {
        return COINJ_OK; /* not a str: caller decides the error */
    }
    *is_str = 1;
    if (left < 1 + w) return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, CJ_MSGPACK_NO_INDEX,
                                             "input ends inside a str header");
    *hdr = 1 + w;
    *len = (uint32_t)cj_msgpack_load_be(r->p + 1, w);
    if (*len < min)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_NONCANONICAL, field, CJ_MSGPACK_NO_INDEX,
                               "str of %u bytes with a %zu-byte length header (shorter form required)",
                               (unsigned)*len, w);
have:
    if (left - *hdr < *len)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, CJ_MSGPACK_NO_INDEX,
                               "str of %u bytes but only %zu bytes left", (unsigned)*len, left - *hdr);
    return COINJ_OK;
}

/* A key table in either form: the codec's {name, len} pairs or the public API's NUL-terminated names. */
typedef struct {
    const cj_msgpack_key *keys;
    const char *const *names;
} cj_msgpack_keyset;

/* Name and length of key j of a table. */
static void cj_msgpack_keyset_get(const cj_msgpack_keyset *ks, size_t j, const char **name, size_t *len)
{
    if (ks->keys) {
        *name = ks->keys[j].name;
        *len = ks->keys[j].len;
    } else {
        *name = ks->names[j];
        *len = strlen(ks->names[j]);
    }
}

/* Keys must be exactly the declared field names in declaration order. */
static CoinjResult cj_msgpack_read_key_in(cj_msgpack_reader *r, const cj_msgpack_keyset *ks, size_t nkeys,
                                          size_t i)
{
    const char *kname;
    size_t klen;
    cj_msgpack_keyset_get(ks, i, &kname, &klen);
    if (klen < 32 && cj_msgpack_remaining(r) > klen && r->p[0] == (0xa0 | klen) &&
        memcmp(r->p + 1, kname, klen) == 0) { /* the fixstr fast path */
        r->p += 1 + klen;
        return COINJ_OK;
    }
    size_t hdr = 0;
    uint32_t len = 0;
    int is_str;
    char what[40];
    snprintf(what, sizeof what, "key '%s'", kname);
    CoinjResult rc = cj_msgpack_str_header(r, what, &hdr, &len, &is_str);
    if (rc != COINJ_OK) return rc;
    if (!is_str)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_KEY, NULL, CJ_MSGPACK_NO_INDEX,
                               "expected key '%s', got a %s key (keys are field-name strings)", kname,
                               cj_msgpack_type_name(r->p[0]));
    const uint8_t *s = r->p + hdr;
    for (size_t j = 0; j < nkeys; j++) {
        const char *jname;
        size_t jlen;
        cj_msgpack_keyset_get(ks, j, &jname, &jlen);
        if (jlen != len || memcmp(s, jname, len) != 0) continue;
        if (j == i) { /* a key of 32 bytes or more: str8/16/32, shortest form already checked */
            r->p += hdr + len;
            return COINJ_OK;
        }
        if (j < i)
            return cj_msgpack_fail(r, COINJ_ERROR_DECODE_KEY, NULL, CJ_MSGPACK_NO_INDEX,
                                   "duplicate key '%s' where '%s' was expected", jname, kname);
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_KEY, NULL, CJ_MSGPACK_NO_INDEX,
                               "key '%s' out of order: '%s' missing or expected first", jname, kname);
    }
    char ex[40];
    cj_msgpack_excerpt(ex, sizeof ex, s, len);
    return cj_msgpack_fail(r, COINJ_ERROR_DECODE_KEY, NULL, CJ_MSGPACK_NO_INDEX,
                           "unknown key '%s' where '%s' was expected", ex, kname);
}

/* The codec's form: {name, len} tables. */
CoinjResult cj_msgpack_read_key(cj_msgpack_reader *r, const cj_msgpack_key *keys, size_t nkeys, size_t i)
{
    const cj_msgpack_keyset ks = {keys, NULL};
    return cj_msgpack_read_key_in(r, &ks, nkeys, i);
}

/* The public API's form: NUL-terminated names. */
CoinjResult cj_msgpack_read_key_names(cj_msgpack_reader *r, const char *const *names, size_t nkeys, size_t i)
{
    const cj_msgpack_keyset ks = {NULL, names};
    return cj_msgpack_read_key_in(r, &ks, nkeys, i);
}

/* Decodes any integer marker: *neg set for negative values (then *sv holds it), else *uv. Checks
 * bounds and type only; *len is the encoded length. Every output is written on every path (also on
 * failure: zero), so callers never read an indeterminate value whatever cj_msgpack_fail returns. */
static CoinjResult cj_msgpack_any_int(cj_msgpack_reader *r, const char *field, size_t idx, uint64_t *uv,
                                      int64_t *sv, int *neg, size_t *len, int *is_signed_marker)
{
    *uv = 0;
    *sv = 0;
    *neg = 0;
    *len = 0;
    *is_signed_marker = 0;
    size_t left = cj_msgpack_remaining(r);
    if (left == 0) return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, idx,
                                          "input ends where an integer was expected");
    uint8_t b = r->p[0];
    if (b < 0x80) {
        *uv = b;
        *len = 1;
        return COINJ_OK;
    }
    if (b >= 0xe0) {
        *neg = 1;
        *sv = (int8_t)b;
        *len = 1;
        return COINJ_OK;
    }
    size_t w;
    switch (b) {
    case 0xcc: case 0xd0: w = 1; break;
    case 0xcd: case 0xd1: w = 2; break;
    case 0xce: case 0xd2: w = 4; break;
    case 0xcf: case 0xd3: w = 8; break;
    default:
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TYPE, field, idx, "expected integer, got %s",
                               cj_msgpack_type_name(b));
    }
    if (left < 1 + w) return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, idx,
                                             "input ends inside a %zu-byte integer", w);
    uint64_t raw = cj_msgpack_load_be(r->p + 1, w);
    *len = 1 + w;
    if (b <= 0xcf) {
        *uv = raw;
        return COINJ_OK;
    }
    *is_signed_marker = 1;
    int64_t v;
    switch (w) {
    case 1: v = (int8_t)(uint8_t)raw; break;
    case 2: v = (int16_t)(uint16_t)raw; break;
    case 4: v = (int32_t)(uint32_t)raw; break;
    default: v = (int64_t)raw; break;
    }
    if (v < 0) {
        *neg = 1;
        *sv = v;
    } else {
        *uv = (uint64_t)v;
    }
    return COINJ_OK;
}

/* Unsigned fields: shortest unsigned marker only; negatives are out of range. */
CoinjResult cj_msgpack_read_uint(cj_msgpack_reader *r, const char *field, size_t idx, uint64_t max,
                                 uint64_t *out)
{
    uint64_t uv = 0;
    int64_t sv = 0;
    int neg, sm;
    size_t len;
    CoinjResult rc = cj_msgpack_any_int(r, field, idx, &uv, &sv, &neg, &len, &sm);
    if (rc != COINJ_OK) return rc;
    if (neg)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_RANGE, field, idx, "negative value %lld for an unsigned field",
                               (long long)sv);
    if (sm)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_NONCANONICAL, field, idx,
                               "non-negative value %llu in a signed marker (unsigned form required)",
                               (unsigned long long)uv);
    if (cj_msgpack_uint_size(uv) != len)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_NONCANONICAL, field, idx,
                               "value %llu in %zu bytes (shortest form is %zu)", (unsigned long long)uv, len,
                               cj_msgpack_uint_size(uv));
    if (uv > max)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_RANGE, field, idx, "value %llu exceeds %llu",
                               (unsigned long long)uv, (unsigned long long)max);
    r->p += len;
    *out = uv;
    return COINJ_OK;
}

/* i64 fields: non-negative values in unsigned markers, negatives in the shortest signed form. */
CoinjResult cj_msgpack_read_int(cj_msgpack_reader *r, const char *field, size_t idx, int64_t *out)
{
    uint64_t uv = 0;
    int64_t sv = 0;
    int neg, sm;
    size_t len;
    CoinjResult rc = cj_msgpack_any_int(r, field, idx, &uv, &sv, &neg, &len, &sm);
    if (rc != COINJ_OK) return rc;
    if (!neg) {
        if (sm)
            return cj_msgpack_fail(r, COINJ_ERROR_DECODE_NONCANONICAL, field, idx,
                                   "non-negative value %llu in a signed marker (unsigned form required)",
                                   (unsigned long long)uv);
        if (cj_msgpack_uint_size(uv) != len)
            return cj_msgpack_fail(r, COINJ_ERROR_DECODE_NONCANONICAL, field, idx,
                                   "value %llu in %zu bytes (shortest form is %zu)", (unsigned long long)uv,
                                   len, cj_msgpack_uint_size(uv));
        if (uv > (uint64_t)INT64_MAX)
            return cj_msgpack_fail(r, COINJ_ERROR_DECODE_RANGE, field, idx, "value %llu exceeds the i64 maximum",
                                   (unsigned long long)uv);
        sv = (int64_t)uv;
    } else if (cj_msgpack_int_size(sv) != len) {
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_NONCANONICAL, field, idx,
                               "value %lld in %zu bytes (shortest form is %zu)", (long long)sv, len,
                               cj_msgpack_int_size(sv));
    }
    r->p += len;
    *out = sv;
    return COINJ_OK;
}

/* [u8; N] fields: bin8 of exactly N bytes. */
CoinjResult cj_msgpack_read_bin_fixed(cj_msgpack_reader *r, const char *field, uint8_t *out, size_t n)
{
    size_t left = cj_msgpack_remaining(r);
    if (left == 0) return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, CJ_MSGPACK_NO_INDEX,
                                          "input ends where bin%zu was expected", n * 8);
    uint8_t b = r->p[0];
    if (b == 0xc4 && left >= 2 + n && r->p[1] == n) { /* the canonical form */
        memcpy(out, r->p + 2, n);
        r->p += 2 + n;
        return COINJ_OK;
    }
    size_t w = b == 0xc4 ? 1 : b == 0xc5 ? 2 : b == 0xc6 ? 4 : 0;
    if (w == 0)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TYPE, field, CJ_MSGPACK_NO_INDEX,
                               "expected bin of %zu bytes, got %s", n, cj_msgpack_type_name(b));
    if (left < 1 + w) return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, CJ_MSGPACK_NO_INDEX,
                                             "input ends inside a bin header");
    uint64_t len = cj_msgpack_load_be(r->p + 1, w);
    if (w != 1)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_NONCANONICAL, field, CJ_MSGPACK_NO_INDEX,
                               "bin%zu header for %llu bytes (bin8 required)", w * 8, (unsigned long long)len);
    if (len != n)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_LENGTH, field, CJ_MSGPACK_NO_INDEX,
                               "bin of %llu bytes, expected exactly %zu", (unsigned long long)len, n);
    return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, CJ_MSGPACK_NO_INDEX,
                           "bin of %zu bytes but only %zu bytes left", n, left - 2);
}

/* Vec fields: shortest array header, capped by the field limit and by the input left. */
CoinjResult cj_msgpack_read_array(cj_msgpack_reader *r, const char *field, uint32_t max,
                                  size_t min_elem_size, uint32_t *out_n)
{
    size_t left = cj_msgpack_remaining(r);
    if (left == 0) return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, CJ_MSGPACK_NO_INDEX,
                                          "input ends where an array was expected");
    uint8_t b = r->p[0];
    size_t hdr;
    uint32_t n;
    if (b >= 0x90 && b <= 0x9f) {
        hdr = 1;
        n = b & 0x0f;
    } else if (b == 0xdc || b == 0xdd) {
        size_t w = b == 0xdc ? 2 : 4;
        if (left < 1 + w) return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, CJ_MSGPACK_NO_INDEX,
                                                 "input ends inside an array header");
        hdr = 1 + w;
        n = (uint32_t)cj_msgpack_load_be(r->p + 1, w);
        if (cj_msgpack_array_size(n) != hdr)
            return cj_msgpack_fail(r, COINJ_ERROR_DECODE_NONCANONICAL, field, CJ_MSGPACK_NO_INDEX,
                                   "array%zu header for %u elements (shorter form required)", w * 8,
                                   (unsigned)n);
    } else {
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TYPE, field, CJ_MSGPACK_NO_INDEX, "expected array, got %s",
                               cj_msgpack_type_name(b));
    }
    if (n > max)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_LENGTH, field, CJ_MSGPACK_NO_INDEX,
                               "array of %u elements exceeds %u", (unsigned)n, (unsigned)max);
    if (min_elem_size == 0) min_elem_size = 1;
    if ((uint64_t)n * min_elem_size > left - hdr)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, CJ_MSGPACK_NO_INDEX,
                               "array of %u elements needs at least %llu bytes, %zu left", (unsigned)n,
                               (unsigned long long)n * min_elem_size, left - hdr);
    r->p += hdr;
    *out_n = n;
    return COINJ_OK;
}

/* Map header in its shortest form (fixmap, map16 from 16 entries, map32 from 65536), at most max entries,
 * capped by the input left at 2 bytes per entry. */
CoinjResult cj_msgpack_read_map_header(cj_msgpack_reader *r, const char *field, uint32_t max, uint32_t *out_n)
{
    size_t left = cj_msgpack_remaining(r);
    if (left == 0) return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, CJ_MSGPACK_NO_INDEX,
                                          "input ends where a map was expected");
    uint8_t b = r->p[0];
    size_t hdr;
    uint32_t n;
    if (b >= 0x80 && b <= 0x8f) {
        hdr = 1;
        n = b & 0x0f;
    } else if (b == 0xde || b == 0xdf) {
        size_t w = b == 0xde ? 2 : 4;
        if (left < 1 + w) return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, CJ_MSGPACK_NO_INDEX,
                                                 "input ends inside a map header");
        hdr = 1 + w;
        n = (uint32_t)cj_msgpack_load_be(r->p + 1, w);
        if ((w == 2 && n < 16) || (w == 4 && n <= 0xffff))
            return cj_msgpack_fail(r, COINJ_ERROR_DECODE_NONCANONICAL, field, CJ_MSGPACK_NO_INDEX,
                                   "map%zu header for %u entries (shorter form required)", w * 8, (unsigned)n);
    } else {
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TYPE, field, CJ_MSGPACK_NO_INDEX, "expected map, got %s",
                               cj_msgpack_type_name(b));
    }
    if (n > max)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_LENGTH, field, CJ_MSGPACK_NO_INDEX,
                               "map of %u entries exceeds %u", (unsigned)n, (unsigned)max);
    if ((uint64_t)n * 2 > left - hdr)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, CJ_MSGPACK_NO_INDEX,
                               "map of %u entries needs at least %llu bytes, %zu left", (unsigned)n,
                               (unsigned long long)n * 2, left - hdr);
    r->p += hdr;
    *out_n = n;
    return COINJ_OK;
}

/* Byte strings of variable length: shortest bin header, min..max bytes, payload returned in place. */
CoinjResult cj_msgpack_read_bin(cj_msgpack_reader *r, const char *field, size_t min, size_t max,
                                const uint8_t **out, size_t *out_len)
{
    size_t left = cj_msgpack_remaining(r);
    if (left == 0) return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, CJ_MSGPACK_NO_INDEX,
                                          "input ends where a bin was expected");
    uint8_t b = r->p[0];
    size_t w = b == 0xc4 ? 1 : b == 0xc5 ? 2 : b == 0xc6 ? 4 : 0;
    if (w == 0)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TYPE, field, CJ_MSGPACK_NO_INDEX, "expected bin, got %s",
                               cj_msgpack_type_name(b));
    if (left < 1 + w) return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, CJ_MSGPACK_NO_INDEX,
                                             "input ends inside a bin header");
    uint64_t len = cj_msgpack_load_be(r->p + 1, w);
    if ((w == 2 && len <= 0xff) || (w == 4 && len <= 0xffff))
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_NONCANONICAL, field, CJ_MSGPACK_NO_INDEX,
                               "bin%zu header for %llu bytes (shorter form required)", w * 8,
                               (unsigned long long)len);
    if (len < min || len > max)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_LENGTH, field, CJ_MSGPACK_NO_INDEX,
                               "bin of %llu bytes, allowed %zu..%zu", (unsigned long long)len, min, max);
    if (len > left - 1 - w)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRUNCATED, field, CJ_MSGPACK_NO_INDEX,
                               "bin of %llu bytes but %zu left", (unsigned long long)len, left - 1 - w);
    *out = r->p + 1 + w;
    *out_len = (size_t)len;
    r->p += 1 + w + (size_t)len;
    return COINJ_OK;
}

/* Vec<u8> body: fixint for bytes < 0x80, cc xx for the rest; anything else is classified by read_uint. */
CoinjResult cj_msgpack_read_byte_elems(cj_msgpack_reader *r, const char *field, uint8_t *out, size_t n)
{
    const uint8_t *p = r->p, *end = r->end;
    for (size_t i = 0; i < n; i++) {
        if (p < end && *p < 0x80) {
            out[i] = *p++;
        } else if (end - p >= 2 && p[0] == 0xcc && p[1] >= 0x80) {
            out[i] = p[1];
            p += 2;
        } else {
            uint64_t v = 0;
            r->p = p;
            CoinjResult rc = cj_msgpack_read_uint(r, field, i, 0xff, &v);
            if (rc != COINJ_OK) return rc;
            out[i] = (uint8_t)v;
            p = r->p;
        }
    }
    r->p = p;
    return COINJ_OK;
}

/* String fields: shortest header, at most max bytes, payload returned in place. */
CoinjResult cj_msgpack_read_str(cj_msgpack_reader *r, const char *field, uint32_t max, const uint8_t **out,
                                uint32_t *out_len)
{
    size_t hdr = 0;
    uint32_t len = 0;
    int is_str;
    CoinjResult rc = cj_msgpack_str_header(r, field, &hdr, &len, &is_str);
    if (rc != COINJ_OK) return rc;
    if (!is_str)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TYPE, field, CJ_MSGPACK_NO_INDEX, "expected str, got %s",
                               cj_msgpack_type_name(r->p[0]));
    if (len > max)
        return cj_msgpack_fail(r, COINJ_ERROR_DECODE_LENGTH, field, CJ_MSGPACK_NO_INDEX,
                               "str of %u bytes exceeds %u", (unsigned)len, (unsigned)max);
    *out = r->p + hdr;
    *out_len = len;
    r->p += hdr + len;
    return COINJ_OK;
}

/* Unit enums: the exact, case-sensitive variant name. */
CoinjResult cj_msgpack_read_enum(cj_msgpack_reader *r, const char *field, const char *const *names,
                                 size_t count, size_t *out_index)
{
    const uint8_t *s = NULL;
    uint32_t len = 0;
    const uint8_t *start = r->p;
    CoinjResult rc = cj_msgpack_read_str(r, field, UINT32_MAX, &s, &len);
    if (rc != COINJ_OK) return rc;
    for (size_t i = 0; i < count; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) {
            *out_index = i;
            return COINJ_OK;
        }
    }
    char ex[40];
    cj_msgpack_excerpt(ex, sizeof ex, s, len);
    r->p = start;
    return cj_msgpack_fail(r, COINJ_ERROR_DECODE_ENUM, field, CJ_MSGPACK_NO_INDEX, "unknown variant '%s'", ex);
}

/* Option fields start with either nil or the value. */
int cj_msgpack_read_nil(cj_msgpack_reader *r)
{
    if (r->p >= r->end) return -1;
    if (*r->p != 0xc0) return 0;
    r->p++;
    return 1;
}

/* A message is exactly one object. */
CoinjResult cj_msgpack_read_end(const cj_msgpack_reader *r)
{
    if (r->p == r->end) return COINJ_OK;
    return cj_msgpack_fail(r, COINJ_ERROR_DECODE_TRAILING, NULL, CJ_MSGPACK_NO_INDEX,
                           "%zu trailing bytes after the object", cj_msgpack_remaining(r));
}

/* Rust Strings are valid UTF-8, so the original never emits anything else. */
int cj_msgpack_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp, min;
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1f;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0f;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return 0;
        }
        if (n - i <= k) return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80) return 0;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
        i += k + 1;
    }
    return 1;
}
