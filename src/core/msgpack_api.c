/* The public canonical MessagePack writer and strict reader (coinjecture.h, "Canonical MessagePack
 * primitives"): thin, checked wrappers over the codec's own primitives in msgpack.c.
 *
 * The caller's coinjecture_msgpack_writer / _reader is reserved space of a fixed size. The state lives in it
 * as a private struct that is copied in and out with memcpy (never accessed through a cast, so no aliasing
 * rule is bent), and carries a magic value so that an object that was never initialised is refused instead
 * of being trusted. */
#include <stdalign.h>
#include <string.h>

#include "msgpack.h"

#define CJ_MP_WRITER_MAGIC 0x434a4d57u /* "CJMW" */
#define CJ_MP_READER_MAGIC 0x434a4d52u /* "CJMR" */

typedef struct {
    cj_msgpack_writer w; /* buffer mode, or measure mode (buf NULL) from the start or after a full buffer */
    CoinjResult status;  /* first problem other than a full buffer */
    uint32_t magic;
    uint8_t measuring;   /* no buffer, or the buffer filled up: finish reports the size needed */
} cj_mp_writer;

typedef struct {
    cj_msgpack_reader r;
    uint32_t magic;
} cj_mp_reader;

_Static_assert(sizeof(cj_mp_writer) <= sizeof(coinjecture_msgpack_writer), "writer state exceeds its reserve");
_Static_assert(alignof(cj_mp_writer) <= alignof(coinjecture_msgpack_writer), "writer state alignment");
_Static_assert(sizeof(cj_mp_reader) <= sizeof(coinjecture_msgpack_reader), "reader state exceeds its reserve");
_Static_assert(alignof(cj_mp_reader) <= alignof(coinjecture_msgpack_reader), "reader state alignment");

/* ============================== writer ============================== */

/* Loads the state; 0 if the object was never initialised. */
static int cj_mp_wload(const coinjecture_msgpack_writer *w, cj_mp_writer *s)
{
    memcpy(s, w, sizeof *s);
    return s->magic == CJ_MP_WRITER_MAGIC;
}

static void cj_mp_wstore(coinjecture_msgpack_writer *w, const cj_mp_writer *s)
{
    memcpy(w, s, sizeof *s);
}

/* Fresh state; out == NULL measures only. */
COINJECTURE_API void coinjecture_msgpack_writer_init(coinjecture_msgpack_writer *w, uint8_t *out, size_t out_cap)
{
    cj_mp_writer s;
    if (!w) return;
    memset(w, 0, sizeof *w);
    memset(&s, 0, sizeof s);
    if (out) cj_msgpack_writer_buffer(&s.w, out, out_cap);
    else cj_msgpack_writer_measure(&s.w);
    s.status = COINJ_OK;
    s.magic = CJ_MP_WRITER_MAGIC;
    s.measuring = out == NULL;
    cj_mp_wstore(w, &s);
}

/* Common prologue of the put_* functions: 0 when the value must be dropped (uninitialised writer, or an
 * earlier problem other than a full buffer). */
static int cj_mp_wbegin(coinjecture_msgpack_writer *w, cj_mp_writer *s)
{
    return w && cj_mp_wload(w, s) && s->status == COINJ_OK;
}

/* Values are written whole or not at all: one that does not fit turns the writer into a measuring one, so
 * the bytes already written stay an exact prefix and finish can report the whole size needed. */
static void cj_mp_reserve(cj_mp_writer *s, uint64_t size)
{
    if (s->w.buf && size > s->w.cap - s->w.pos) {
        s->w.buf = NULL;
        s->measuring = 1;
    }
}

/* Common epilogue: stores the state (the reservation guarantees the codec writer never overflowed). */
static void cj_mp_wend(coinjecture_msgpack_writer *w, cj_mp_writer *s)
{
    cj_mp_wstore(w, s);
}

/* Encoded size of a bin header (bin8, bin16, bin32) and of a map header (fixmap, map16, map32). */
static uint64_t cj_mp_bin_header_size(uint64_t n)
{
    return n <= 0xff ? 2 : n <= 0xffff ? 3 : 5;
}

static uint64_t cj_mp_map_header_size(uint64_t n)
{
    return n < 16 ? 1 : n <= 0xffff ? 3 : 5;
}

/* Records the first problem that is not a full buffer; later values are ignored. */
static void cj_mp_wproblem(coinjecture_msgpack_writer *w, cj_mp_writer *s, CoinjResult rc)
{
    s->status = rc;
    cj_mp_wstore(w, s);
}

COINJECTURE_API void coinjecture_msgpack_put_uint(coinjecture_msgpack_writer *w, uint64_t v)
{
    cj_mp_writer s;
    if (!cj_mp_wbegin(w, &s)) return;
    cj_mp_reserve(&s, cj_msgpack_uint_size(v));
    cj_msgpack_put_uint(&s.w, v);
    cj_mp_wend(w, &s);
}

COINJECTURE_API void coinjecture_msgpack_put_int(coinjecture_msgpack_writer *w, int64_t v)
{
    cj_mp_writer s;
    if (!cj_mp_wbegin(w, &s)) return;
    cj_mp_reserve(&s, cj_msgpack_int_size(v));
    cj_msgpack_put_int(&s.w, v);
    cj_mp_wend(w, &s);
}

COINJECTURE_API void coinjecture_msgpack_put_str(coinjecture_msgpack_writer *w, const char *str, size_t len)
{
    cj_mp_writer s;
    if (!cj_mp_wbegin(w, &s)) return;
    if ((!str && len) || (uint64_t)len > UINT32_MAX) {
        cj_mp_wproblem(w, &s, str ? COINJ_ERROR_ENCODING : COINJ_ERROR_INVALID_INPUT);
        return;
    }
    cj_mp_reserve(&s, cj_msgpack_str_header_size(len) + (uint64_t)len);
    cj_msgpack_put_str(&s.w, len ? str : "", len);
    cj_mp_wend(w, &s);
}

COINJECTURE_API void coinjecture_msgpack_put_bin(coinjecture_msgpack_writer *w, const uint8_t *data, size_t len)
{
    static const uint8_t none[1] = {0};
    cj_mp_writer s;
    if (!cj_mp_wbegin(w, &s)) return;
    if ((!data && len) || (uint64_t)len > UINT32_MAX) {
        cj_mp_wproblem(w, &s, data ? COINJ_ERROR_ENCODING : COINJ_ERROR_INVALID_INPUT);
        return;
    }
    cj_mp_reserve(&s, cj_mp_bin_header_size(len) + (uint64_t)len);
    cj_msgpack_put_bin(&s.w, len ? data : none, len);
    cj_mp_wend(w, &s);
}

COINJECTURE_API void coinjecture_msgpack_put_array(coinjecture_msgpack_writer *w, uint32_t n)
{
    cj_mp_writer s;
    if (!cj_mp_wbegin(w, &s)) return;
    cj_mp_reserve(&s, cj_msgpack_array_size(n));
    cj_msgpack_put_array(&s.w, n);
    cj_mp_wend(w, &s);
}

COINJECTURE_API void coinjecture_msgpack_put_map(coinjecture_msgpack_writer *w, uint32_t n)
{
    cj_mp_writer s;
    if (!cj_mp_wbegin(w, &s)) return;
    cj_mp_reserve(&s, cj_mp_map_header_size(n));
    cj_msgpack_put_map(&s.w, n);
    cj_mp_wend(w, &s);
}

/* Written, needed, or the first problem. */
COINJECTURE_API CoinjResult coinjecture_msgpack_writer_finish(const coinjecture_msgpack_writer *w, size_t *out_len)
{
    cj_mp_writer s;
    if (!out_len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_msgpack_writer_finish: out_len is NULL");
    *out_len = 0;
    if (!w || !cj_mp_wload(w, &s))
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_msgpack_writer_finish: writer not initialised");
    if (s.status == COINJ_ERROR_INVALID_INPUT)
        return cj_fail(s.status, "msgpack writer: a str or bin with NULL data and a non-zero length");
    if (s.status != COINJ_OK) return cj_fail(s.status, "msgpack writer: a str or bin longer than 2^32 - 1 bytes");
    if (s.w.total > SIZE_MAX) return cj_fail(COINJ_ERROR_ENCODING, "msgpack writer: encoding exceeds SIZE_MAX");
    if (s.measuring || s.w.overflow) {
        *out_len = (size_t)s.w.total;
        return cj_fail(COINJ_ERROR_BUFFER_TOO_SMALL, "msgpack writer: needs %llu bytes, buffer has %zu",
                       (unsigned long long)s.w.total, s.w.cap);
    }
    *out_len = s.w.pos;
    return COINJ_OK;
}

/* ============================== reader ============================== */

static int cj_mp_rload(const coinjecture_msgpack_reader *r, cj_mp_reader *s)
{
    memcpy(s, r, sizeof *s);
    return s->magic == CJ_MP_READER_MAGIC;
}

static void cj_mp_rstore(coinjecture_msgpack_reader *r, const cj_mp_reader *s)
{
    memcpy(r, s, sizeof *s);
}

/* A refused reader: fn names the caller in the message. */
static CoinjResult cj_mp_not_init(const char *fn)
{
    return cj_fail(COINJ_ERROR_INVALID_INPUT, "%s: reader not initialised", fn);
}

COINJECTURE_API CoinjResult coinjecture_msgpack_reader_init(coinjecture_msgpack_reader *r, const uint8_t *in,
                                                            size_t in_len, const char *path)
{
    cj_mp_reader s;
    if (!r) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_msgpack_reader_init: r is NULL");
    memset(r, 0, sizeof *r);
    memset(&s, 0, sizeof s);
    int bad = (!in && in_len) || !path;
    cj_msgpack_reader_init(&s.r, bad ? NULL : in, bad ? 0 : in_len, path ? path : "msgpack");
    s.magic = CJ_MP_READER_MAGIC;
    cj_mp_rstore(r, &s);
    if (bad)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_msgpack_reader_init: %s",
                       path ? "NULL input with a non-zero length" : "path is NULL");
    return COINJ_OK;
}

COINJECTURE_API void coinjecture_msgpack_reader_set_path(coinjecture_msgpack_reader *r, const char *path)
{
    cj_mp_reader s;
    if (!r || !path || !cj_mp_rload(r, &s)) return;
    cj_msgpack_reader_path(&s.r, "%s", path);
    cj_mp_rstore(r, &s);
}

COINJECTURE_API size_t coinjecture_msgpack_reader_remaining(const coinjecture_msgpack_reader *r)
{
    cj_mp_reader s;
    if (!r || !cj_mp_rload(r, &s)) return 0;
    return cj_msgpack_remaining(&s.r);
}

/* Loads the reader (refusing an uninitialised one), runs one read, stores the new position. */
#define CJ_MP_READ(fn, r, call)                                                                                 \
    do {                                                                                                      \
        cj_mp_reader s_;                                                                                      \
        if (!(r) || !cj_mp_rload((r), &s_)) return cj_mp_not_init(fn);                                       \
        cj_msgpack_reader *const rd_ = &s_.r;                                                                 \
        CoinjResult rc_ = (call);                                                                             \
        cj_mp_rstore((r), &s_);                                                                               \
        return rc_;                                                                                           \
    } while (0)

COINJECTURE_API CoinjResult coinjecture_msgpack_read_map(coinjecture_msgpack_reader *r, uint32_t max,
                                                         uint32_t *out_n)
{
    if (!out_n) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_msgpack_read_map: out_n is NULL");
    CJ_MP_READ("coinjecture_msgpack_read_map", r, cj_msgpack_read_map_header(rd_, NULL, max, out_n));
}

COINJECTURE_API CoinjResult coinjecture_msgpack_read_key(coinjecture_msgpack_reader *r, const char *const *keys,
                                                         size_t nkeys, size_t i)
{
    if (!keys || i >= nkeys)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_msgpack_read_key: no key %zu in a table of %zu", i,
                       nkeys);
    for (size_t j = 0; j < nkeys; j++)
        if (!keys[j]) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_msgpack_read_key: key %zu is NULL", j);
    CJ_MP_READ("coinjecture_msgpack_read_key", r, cj_msgpack_read_key_names(rd_, keys, nkeys, i));
}

COINJECTURE_API CoinjResult coinjecture_msgpack_read_uint(coinjecture_msgpack_reader *r, const char *field,
                                                          uint64_t max, uint64_t *out)
{
    if (!out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_msgpack_read_uint: out is NULL");
    CJ_MP_READ("coinjecture_msgpack_read_uint", r, cj_msgpack_read_uint(rd_, field, CJ_MSGPACK_NO_INDEX, max, out));
}

COINJECTURE_API CoinjResult coinjecture_msgpack_read_int(coinjecture_msgpack_reader *r, const char *field,
                                                         int64_t *out)
{
    if (!out) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_msgpack_read_int: out is NULL");
    CJ_MP_READ("coinjecture_msgpack_read_int", r, cj_msgpack_read_int(rd_, field, CJ_MSGPACK_NO_INDEX, out));
}

/* The codec's reader takes 32-bit lengths (a str cannot be longer); widened here. */
static CoinjResult cj_mp_read_str(cj_msgpack_reader *r, const char *field, size_t max, const uint8_t **out,
                                  size_t *out_len)
{
    uint32_t n = 0;
    CoinjResult rc = cj_msgpack_read_str(r, field, max > UINT32_MAX ? UINT32_MAX : (uint32_t)max, out, &n);
    if (rc == COINJ_OK) *out_len = n;
    return rc;
}

COINJECTURE_API CoinjResult coinjecture_msgpack_read_str(coinjecture_msgpack_reader *r, const char *field,
                                                         size_t max, const uint8_t **out, size_t *out_len)
{
    if (!out || !out_len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_msgpack_read_str: NULL output");
    CJ_MP_READ("coinjecture_msgpack_read_str", r, cj_mp_read_str(rd_, field, max, out, out_len));
}

COINJECTURE_API CoinjResult coinjecture_msgpack_read_enum(coinjecture_msgpack_reader *r, const char *field,
                                                          const char *const *names, size_t count, size_t *out_index)
{
    if (!names || !out_index)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_msgpack_read_enum: NULL argument");
    for (size_t j = 0; j < count; j++)
        if (!names[j]) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_msgpack_read_enum: name %zu is NULL", j);
    CJ_MP_READ("coinjecture_msgpack_read_enum", r, cj_msgpack_read_enum(rd_, field, names, count, out_index));
}

COINJECTURE_API CoinjResult coinjecture_msgpack_read_bin(coinjecture_msgpack_reader *r, const char *field, size_t min,
                                                         size_t max, const uint8_t **out, size_t *out_len)
{
    if (!out || !out_len) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_msgpack_read_bin: NULL output");
    CJ_MP_READ("coinjecture_msgpack_read_bin", r, cj_msgpack_read_bin(rd_, field, min, max, out, out_len));
}

COINJECTURE_API CoinjResult coinjecture_msgpack_read_array(coinjecture_msgpack_reader *r, const char *field,
                                                           uint32_t max, size_t min_elem_size, uint32_t *out_n)
{
    if (!out_n) return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_msgpack_read_array: out_n is NULL");
    CJ_MP_READ("coinjecture_msgpack_read_array", r, cj_msgpack_read_array(rd_, field, max, min_elem_size, out_n));
}

COINJECTURE_API CoinjResult coinjecture_msgpack_read_end(const coinjecture_msgpack_reader *r)
{
    cj_mp_reader s;
    if (!r || !cj_mp_rload(r, &s)) return cj_mp_not_init("coinjecture_msgpack_read_end");
    return cj_msgpack_read_end(&s.r);
}

COINJECTURE_API CoinjResult coinjecture_msgpack_reader_fail(const coinjecture_msgpack_reader *r, CoinjResult rc,
                                                            const char *field, const char *reason)
{
    cj_mp_reader s;
    if (!r || !cj_mp_rload(r, &s)) return cj_mp_not_init("coinjecture_msgpack_reader_fail");
    if (rc == COINJ_OK || !reason)
        return cj_fail(COINJ_ERROR_INVALID_INPUT, "coinjecture_msgpack_reader_fail: %s",
                       reason ? "rc is COINJ_OK" : "reason is NULL");
    return cj_msgpack_fail(&s.r, rc, field, CJ_MSGPACK_NO_INDEX, "%s", reason);
}
