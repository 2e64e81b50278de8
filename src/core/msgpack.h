/* Canonical MessagePack primitives (core.md §4.1): a writer that measures, fills a buffer or streams into
 * SHA-256, and a strict reader that accepts only the shortest canonical form of each value. Only the
 * subset the consensus types use is supported. Internal to libcoinjecture_core. */
#ifndef CJ_MSGPACK_H
#define CJ_MSGPACK_H

#include <stddef.h>
#include <stdint.h>

#include "cj_internal.h"

/* ---- straight-line writers: p must have room (at most 9 bytes); they return the new end ---- */

/* Big-endian stores used by the markers below. */
static inline void cj_msgpack_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void cj_msgpack_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline void cj_msgpack_be64(uint8_t *p, uint64_t v)
{
    cj_msgpack_be32(p, (uint32_t)(v >> 32));
    cj_msgpack_be32(p + 4, (uint32_t)v);
}

/* Unsigned integer, shortest form: fixint, cc, cd, ce, cf. */
static inline uint8_t *cj_msgpack_wr_uint(uint8_t *p, uint64_t v)
{
    if (v < 0x80) {
        *p = (uint8_t)v;
        return p + 1;
    }
    if (v <= 0xff) {
        p[0] = 0xcc;
        p[1] = (uint8_t)v;
        return p + 2;
    }
    if (v <= 0xffff) {
        p[0] = 0xcd;
        cj_msgpack_be16(p + 1, (uint16_t)v);
        return p + 3;
    }
    if (v <= 0xffffffffu) {
        p[0] = 0xce;
        cj_msgpack_be32(p + 1, (uint32_t)v);
        return p + 5;
    }
    p[0] = 0xcf;
    cj_msgpack_be64(p + 1, v);
    return p + 9;
}

/* Signed integer as rmp emits it: non-negative values take the unsigned markers, negative values the
 * shortest of negative fixint, d0, d1, d2, d3. */
static inline uint8_t *cj_msgpack_wr_int(uint8_t *p, int64_t v)
{
    if (v >= 0) return cj_msgpack_wr_uint(p, (uint64_t)v);
    if (v >= -32) {
        *p = (uint8_t)(int8_t)v;
        return p + 1;
    }
    if (v >= INT8_MIN) {
        p[0] = 0xd0;
        p[1] = (uint8_t)(int8_t)v;
        return p + 2;
    }
    if (v >= INT16_MIN) {
        p[0] = 0xd1;
        cj_msgpack_be16(p + 1, (uint16_t)(int16_t)v);
        return p + 3;
    }
    if (v >= INT32_MIN) {
        p[0] = 0xd2;
        cj_msgpack_be32(p + 1, (uint32_t)(int32_t)v);
        return p + 5;
    }
    p[0] = 0xd3;
    cj_msgpack_be64(p + 1, (uint64_t)v);
    return p + 9;
}

/* Array header: fixarray, dc, dd. */
static inline uint8_t *cj_msgpack_wr_array(uint8_t *p, uint32_t n)
{
    if (n < 16) {
        *p = (uint8_t)(0x90 | n);
        return p + 1;
    }
    if (n <= 0xffff) {
        p[0] = 0xdc;
        cj_msgpack_be16(p + 1, (uint16_t)n);
        return p + 3;
    }
    p[0] = 0xdd;
    cj_msgpack_be32(p + 1, n);
    return p + 5;
}

/* Encoded sizes of the forms above. */
static inline size_t cj_msgpack_uint_size(uint64_t v)
{
    return v < 0x80 ? 1 : v <= 0xff ? 2 : v <= 0xffff ? 3 : v <= 0xffffffffu ? 5 : 9;
}
static inline size_t cj_msgpack_int_size(int64_t v)
{
    if (v >= 0) return cj_msgpack_uint_size((uint64_t)v);
    return v >= -32 ? 1 : v >= INT8_MIN ? 2 : v >= INT16_MIN ? 3 : v >= INT32_MIN ? 5 : 9;
}
static inline size_t cj_msgpack_array_size(uint64_t n)
{
    return n < 16 ? 1 : n <= 0xffff ? 3 : 5;
}
static inline size_t cj_msgpack_str_header_size(uint64_t n)
{
    return n < 32 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : 5;
}

/* Size of a byte vector encoded as an array of uints (bytes >= 0x80 take two bytes). */
uint64_t cj_msgpack_byte_array_size(const uint8_t *data, size_t n);

/* Writes n bytes as uint elements (no array header) at p and returns the end. p must have room for 2n
 * bytes: the SIMD path may write garbage up to p + 2n beyond the returned end. The portable variant (same
 * bytes, writes only the output) is exposed for differential tests. */
uint8_t *cj_msgpack_wr_byte_elems(uint8_t *p, const uint8_t *data, size_t n);
uint8_t *cj_msgpack_wr_byte_elems_portable(uint8_t *p, const uint8_t *data, size_t n);

/* ---- writer ----
 * One encoder body serves three sinks: measure only (buf == NULL: counts bytes), a caller buffer, and a
 * staging buffer flushed into a SHA-256 state whenever it fills. In buffer mode writing past cap sets
 * overflow and drops the bytes (callers size first, so overflow means a bug). */
typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t pos;                  /* bytes currently in buf */
    uint64_t total;              /* bytes emitted so far, in every mode */
    coinjecture_sha256_ctx *sha; /* streaming sink, or NULL */
    const cj_sha256_impl *impl;  /* backend for the streaming sink */
    int sha_started;             /* ctx initialised (first flush happened) */
    int overflow;
} cj_msgpack_writer;

void cj_msgpack_writer_measure(cj_msgpack_writer *w);
void cj_msgpack_writer_buffer(cj_msgpack_writer *w, uint8_t *buf, size_t cap);
/* stage must hold at least 64 bytes; impl NULL means the active backend. */
void cj_msgpack_writer_sha(cj_msgpack_writer *w, coinjecture_sha256_ctx *ctx, const cj_sha256_impl *impl,
                           uint8_t *stage, size_t stage_cap);
/* Finishes a SHA-256 writer: one-shot hash if everything fit in the stage, else final block(s). */
void cj_msgpack_writer_digest(cj_msgpack_writer *w, uint8_t out[32]);

void cj_msgpack_put_raw(cj_msgpack_writer *w, const void *data, size_t n);
void cj_msgpack_put_uint(cj_msgpack_writer *w, uint64_t v);
void cj_msgpack_put_int(cj_msgpack_writer *w, int64_t v);
void cj_msgpack_put_nil(cj_msgpack_writer *w);
void cj_msgpack_put_map(cj_msgpack_writer *w, uint32_t n);
void cj_msgpack_put_array(cj_msgpack_writer *w, uint32_t n);
void cj_msgpack_put_str(cj_msgpack_writer *w, const char *s, size_t n);
/* bin8/bin16/bin32, shortest header (the consensus types only use bin8 of 32 or 64 bytes). */
void cj_msgpack_put_bin(cj_msgpack_writer *w, const uint8_t *data, size_t n);
/* Vec<u8>: array header plus one uint per byte; put_byte_elems writes the elements only. */
void cj_msgpack_put_byte_array(cj_msgpack_writer *w, const uint8_t *data, size_t n);
void cj_msgpack_put_byte_elems(cj_msgpack_writer *w, const uint8_t *data, size_t n);

/* ---- strict reader ----
 * Every read checks, in order: enough bytes (TRUNCATED), the MessagePack type (TYPE), the shortest form
 * (NONCANONICAL), then the field's own rule (RANGE, LENGTH, ENUM, KEY). Failures call cj_fail with
 * "<path>.<field>[<index>]: reason" and return the code. */
#define CJ_MSGPACK_NO_INDEX ((size_t)-1)

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
    char path[64]; /* object being read, e.g. "block.transactions[3]" */
} cj_msgpack_reader;

/* One map key as its name (the reader compares it with the fixstr encoding). */
typedef struct {
    const char *name;
    uint8_t len;
} cj_msgpack_key;

void cj_msgpack_reader_init(cj_msgpack_reader *r, const uint8_t *in, size_t len, const char *path);
/* Sets the path to printf(fmt, ...) (truncated to fit). */
void cj_msgpack_reader_path(cj_msgpack_reader *r, const char *fmt, ...) CJ_PRINTF(2, 3);
size_t cj_msgpack_remaining(const cj_msgpack_reader *r);

/* Records "<path>.<field>[idx]: <fmt...>" via cj_fail and returns rc. field may be NULL. */
CoinjResult cj_msgpack_fail(const cj_msgpack_reader *r, CoinjResult rc, const char *field, size_t idx,
                            const char *fmt, ...) CJ_PRINTF(5, 6);

/* A fixmap of exactly n entries (n <= 15). */
CoinjResult cj_msgpack_read_map(cj_msgpack_reader *r, uint32_t n);
/* The key keys[i] of a map whose keys are keys[0..nkeys) in order; classifies a mismatch as unknown,
 * duplicate or out of order (all COINJ_ERROR_DECODE_KEY). */
CoinjResult cj_msgpack_read_key(cj_msgpack_reader *r, const cj_msgpack_key *keys, size_t nkeys, size_t i);
/* The same with the key names as NUL-terminated strings (the public reader). */
CoinjResult cj_msgpack_read_key_names(cj_msgpack_reader *r, const char *const *names, size_t nkeys, size_t i);
/* Unsigned integer <= max. */
CoinjResult cj_msgpack_read_uint(cj_msgpack_reader *r, const char *field, size_t idx, uint64_t max,
                                 uint64_t *out);
/* Signed 64-bit integer. */
CoinjResult cj_msgpack_read_int(cj_msgpack_reader *r, const char *field, size_t idx, int64_t *out);
/* bin8 of exactly n bytes into out. */
CoinjResult cj_msgpack_read_bin_fixed(cj_msgpack_reader *r, const char *field, uint8_t *out, size_t n);
/* Array header with at most max elements; also refuses counts the remaining input cannot hold at
 * min_elem_size bytes per element (so callers may allocate count elements safely). */
CoinjResult cj_msgpack_read_array(cj_msgpack_reader *r, const char *field, uint32_t max,
                                  size_t min_elem_size, uint32_t *out_n);
/* A map header in its shortest form with at most max entries (and no more than the input left can hold). */
CoinjResult cj_msgpack_read_map_header(cj_msgpack_reader *r, const char *field, uint32_t max, uint32_t *out_n);
/* A bin of min..max bytes in its shortest form; *out points into the input. */
CoinjResult cj_msgpack_read_bin(cj_msgpack_reader *r, const char *field, size_t min, size_t max,
                                const uint8_t **out, size_t *out_len);
/* n uint elements each <= 0xff into out (the body of a Vec<u8>). */
CoinjResult cj_msgpack_read_byte_elems(cj_msgpack_reader *r, const char *field, uint8_t *out, size_t n);
/* A str of at most max bytes; *out points into the input. */
CoinjResult cj_msgpack_read_str(cj_msgpack_reader *r, const char *field, uint32_t max, const uint8_t **out,
                                uint32_t *out_len);
/* A str equal to one of names[0..count); *out_index is its position. */
CoinjResult cj_msgpack_read_enum(cj_msgpack_reader *r, const char *field, const char *const *names,
                                 size_t count, size_t *out_index);
/* Consumes a nil if the next byte is one: returns 1 (consumed), 0 (not nil) or -1 (no bytes left). */
int cj_msgpack_read_nil(cj_msgpack_reader *r);
/* Succeeds if the whole input was consumed. */
CoinjResult cj_msgpack_read_end(const cj_msgpack_reader *r);

/* Strict UTF-8 (no overlongs, surrogates or code points above U+10FFFF), as Rust's String requires. */
int cj_msgpack_utf8_valid(const uint8_t *s, size_t n);

#endif /* CJ_MSGPACK_H */
