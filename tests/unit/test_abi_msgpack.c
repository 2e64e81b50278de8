/* The public canonical MessagePack writer and strict reader (coinjecture.h, "Canonical MessagePack
 * primitives"), through the shared library: shortest forms at every size boundary, the sizing protocol,
 * sticky writer problems, every strictness rule of the reader (with the state unchanged on failure), key
 * classification, error messages naming path and field, refusal of uninitialised objects, and agreement
 * with the codec (a commitment written by hand equals coinjecture_commitment_encode). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coinjecture.h"
#include "testutil.h"

/* Encodes with a measuring pass then a buffer of exactly the measured size; returns a heap buffer. */
typedef void (*write_fn)(coinjecture_msgpack_writer *w, const void *arg);

static uint8_t *encode(write_fn fn, const void *arg, size_t *len)
{
    coinjecture_msgpack_writer w;
    size_t need = 0, got = 0;
    coinjecture_msgpack_writer_init(&w, NULL, 0);
    fn(&w, arg);
    assert_int_equal(coinjecture_msgpack_writer_finish(&w, &need), COINJ_ERROR_BUFFER_TOO_SMALL);
    uint8_t *buf = malloc(need ? need : 1);
    assert_non_null(buf);
    coinjecture_msgpack_writer_init(&w, buf, need);
    fn(&w, arg);
    assert_int_equal(coinjecture_msgpack_writer_finish(&w, &got), COINJ_OK);
    assert_int_equal(got, need);
    *len = got;
    return buf;
}

static void put_one_uint(coinjecture_msgpack_writer *w, const void *arg)
{
    coinjecture_msgpack_put_uint(w, *(const uint64_t *)arg);
}

static void put_one_int(coinjecture_msgpack_writer *w, const void *arg)
{
    coinjecture_msgpack_put_int(w, *(const int64_t *)arg);
}

/* Every unsigned size boundary: encoded size, and the reader gives the value back. */
static void test_uint_boundaries(void **state)
{
    (void)state;
    static const struct {
        uint64_t v;
        size_t size;
        uint8_t marker;
    } cases[] = {
        {0, 1, 0x00},          {127, 1, 0x7f},         {128, 2, 0xcc},          {255, 2, 0xcc},
        {256, 3, 0xcd},        {65535, 3, 0xcd},       {65536, 5, 0xce},        {0xffffffffu, 5, 0xce},
        {0x100000000ull, 9, 0xcf}, {UINT64_MAX, 9, 0xcf},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = 0;
        uint8_t *b = encode(put_one_uint, &cases[i].v, &len);
        assert_int_equal(len, cases[i].size);
        assert_int_equal(b[0], cases[i].marker);
        coinjecture_msgpack_reader r;
        uint64_t v = 0;
        assert_int_equal(coinjecture_msgpack_reader_init(&r, b, len, "t"), COINJ_OK);
        assert_int_equal(coinjecture_msgpack_read_uint(&r, "v", UINT64_MAX, &v), COINJ_OK);
        assert_true(v == cases[i].v);
        assert_int_equal(coinjecture_msgpack_read_end(&r), COINJ_OK);
        free(b);
    }
}

/* Signed: non-negative values take the unsigned forms, negatives the shortest signed form. */
static void test_int_boundaries(void **state)
{
    (void)state;
    static const struct {
        int64_t v;
        size_t size;
        uint8_t marker;
    } cases[] = {
        {0, 1, 0x00},         {5, 1, 0x05},           {200, 2, 0xcc},         {-1, 1, 0xff},
        {-32, 1, 0xe0},       {-33, 2, 0xd0},         {-128, 2, 0xd0},        {-129, 3, 0xd1},
        {-32768, 3, 0xd1},    {-32769, 5, 0xd2},      {INT32_MIN, 5, 0xd2},   {(int64_t)INT32_MIN - 1, 9, 0xd3},
        {INT64_MIN, 9, 0xd3}, {INT64_MAX, 9, 0xcf},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = 0;
        uint8_t *b = encode(put_one_int, &cases[i].v, &len);
        assert_int_equal(len, cases[i].size);
        assert_int_equal(b[0], cases[i].marker);
        coinjecture_msgpack_reader r;
        int64_t v = 0;
        assert_int_equal(coinjecture_msgpack_reader_init(&r, b, len, "t"), COINJ_OK);
        assert_int_equal(coinjecture_msgpack_read_int(&r, "v", &v), COINJ_OK);
        assert_true(v == cases[i].v);
        assert_int_equal(coinjecture_msgpack_read_end(&r), COINJ_OK);
        free(b);
    }
}

/* str and bin headers switch form exactly at the MessagePack boundaries. */
typedef struct {
    int is_bin;
    size_t n;
    const uint8_t *data;
} blob;

static void put_blob(coinjecture_msgpack_writer *w, const void *arg)
{
    const blob *x = arg;
    if (x->is_bin)
        coinjecture_msgpack_put_bin(w, x->data, x->n);
    else
        coinjecture_msgpack_put_str(w, (const char *)x->data, x->n);
}

static void test_str_bin_headers(void **state)
{
    (void)state;
    static const struct {
        int is_bin;
        size_t n, hdr;
        uint8_t marker;
    } cases[] = {
        {0, 0, 1, 0xa0},     {0, 31, 1, 0xbf},    {0, 32, 2, 0xd9}, {0, 255, 2, 0xd9}, {0, 256, 3, 0xda},
        {0, 65536, 5, 0xdb}, {1, 0, 2, 0xc4},     {1, 255, 2, 0xc4}, {1, 256, 3, 0xc5}, {1, 65535, 3, 0xc5},
        {1, 65536, 5, 0xc6},
    };
    uint8_t *data = malloc(65536);
    assert_non_null(data);
    memset(data, 'x', 65536);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        blob x = {cases[i].is_bin, cases[i].n, data};
        size_t len = 0;
        uint8_t *b = encode(put_blob, &x, &len);
        assert_int_equal(len, cases[i].hdr + cases[i].n);
        assert_int_equal(b[0], cases[i].marker);
        coinjecture_msgpack_reader r;
        const uint8_t *p = NULL;
        size_t n = 0;
        assert_int_equal(coinjecture_msgpack_reader_init(&r, b, len, "t"), COINJ_OK);
        if (x.is_bin)
            assert_int_equal(coinjecture_msgpack_read_bin(&r, "b", 0, 65536, &p, &n), COINJ_OK);
        else
            assert_int_equal(coinjecture_msgpack_read_str(&r, "s", 65536, &p, &n), COINJ_OK);
        assert_int_equal(n, cases[i].n);
        assert_ptr_equal(p, b + cases[i].hdr); /* in place */
        assert_int_equal(coinjecture_msgpack_read_end(&r), COINJ_OK);
        free(b);
    }
    free(data);
}

/* A small struct-like message, byte for byte. */
static void put_message(coinjecture_msgpack_writer *w, const void *arg)
{
    (void)arg;
    static const uint8_t bin[3] = {1, 2, 3};
    coinjecture_msgpack_put_map(w, 4);
    coinjecture_msgpack_put_str(w, "a", 1);
    coinjecture_msgpack_put_uint(w, 1);
    coinjecture_msgpack_put_str(w, "b", 1);
    coinjecture_msgpack_put_int(w, -33);
    coinjecture_msgpack_put_str(w, "c", 1);
    coinjecture_msgpack_put_bin(w, bin, 3);
    coinjecture_msgpack_put_str(w, "d", 1);
    coinjecture_msgpack_put_array(w, 2);
    coinjecture_msgpack_put_uint(w, 300);
    coinjecture_msgpack_put_uint(w, 70000);
}

static const uint8_t message_bytes[] = {0x84, 0xa1, 'a', 0x01, 0xa1, 'b', 0xd0, 0xdf, 0xa1, 'c', 0xc4, 3, 1, 2, 3,
                                        0xa1, 'd', 0x92, 0xcd, 0x01, 0x2c, 0xce, 0x00, 0x01, 0x11, 0x70};
static const char *const message_keys[] = {"a", "b", "c", "d"};

static void test_message_roundtrip(void **state)
{
    (void)state;
    size_t len = 0;
    uint8_t *b = encode(put_message, NULL, &len);
    assert_int_equal(len, sizeof message_bytes);
    assert_memory_equal(b, message_bytes, len);

    coinjecture_msgpack_reader r;
    uint32_t n = 0;
    uint64_t u = 0;
    int64_t i = 0;
    const uint8_t *p = NULL;
    size_t plen = 0;
    assert_int_equal(coinjecture_msgpack_reader_init(&r, b, len, "msg"), COINJ_OK);
    assert_int_equal(coinjecture_msgpack_reader_remaining(&r), len);
    assert_int_equal(coinjecture_msgpack_read_map(&r, 15, &n), COINJ_OK);
    assert_int_equal(n, 4);
    assert_int_equal(coinjecture_msgpack_read_key(&r, message_keys, 4, 0), COINJ_OK);
    assert_int_equal(coinjecture_msgpack_read_uint(&r, "a", 10, &u), COINJ_OK);
    assert_int_equal(u, 1);
    assert_int_equal(coinjecture_msgpack_read_key(&r, message_keys, 4, 1), COINJ_OK);
    assert_int_equal(coinjecture_msgpack_read_int(&r, "b", &i), COINJ_OK);
    assert_int_equal(i, -33);
    assert_int_equal(coinjecture_msgpack_read_key(&r, message_keys, 4, 2), COINJ_OK);
    assert_int_equal(coinjecture_msgpack_read_bin(&r, "c", 3, 3, &p, &plen), COINJ_OK);
    assert_int_equal(plen, 3);
    assert_int_equal(p[2], 3);
    assert_int_equal(coinjecture_msgpack_read_key(&r, message_keys, 4, 3), COINJ_OK);
    assert_int_equal(coinjecture_msgpack_read_array(&r, "d", 2, 1, &n), COINJ_OK);
    assert_int_equal(n, 2);
    assert_int_equal(coinjecture_msgpack_read_uint(&r, "d", UINT64_MAX, &u), COINJ_OK);
    assert_int_equal(u, 300);
    assert_int_equal(coinjecture_msgpack_read_uint(&r, "d", UINT64_MAX, &u), COINJ_OK);
    assert_int_equal(u, 70000);
    assert_int_equal(coinjecture_msgpack_reader_remaining(&r), 0);
    assert_int_equal(coinjecture_msgpack_read_end(&r), COINJ_OK);
    free(b);
}

/* A buffer that is too small: the needed size is reported and the bytes written are an exact prefix. */
static void test_writer_buffer_too_small(void **state)
{
    (void)state;
    uint8_t small[10];
    size_t need = 0;
    coinjecture_msgpack_writer w;
    memset(small, 0xee, sizeof small);
    coinjecture_msgpack_writer_init(&w, small, sizeof small);
    put_message(&w, NULL);
    assert_int_equal(coinjecture_msgpack_writer_finish(&w, &need), COINJ_ERROR_BUFFER_TOO_SMALL);
    assert_int_equal(need, sizeof message_bytes);
    /* values are whole or absent: the bin header + payload (5 bytes at offset 10) did not fit */
    assert_memory_equal(small, message_bytes, 10);
    assert_non_null(strstr(coinjecture_last_error_message(), "needs 26 bytes"));
}

/* Problems other than a full buffer are sticky and reported by finish; later values are ignored. */
static void test_writer_problems(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t len = 99;
    coinjecture_msgpack_writer w;
    coinjecture_msgpack_writer_init(&w, buf, sizeof buf);
    coinjecture_msgpack_put_uint(&w, 1);
    coinjecture_msgpack_put_bin(&w, NULL, 5);
    coinjecture_msgpack_put_uint(&w, 2);
    assert_int_equal(coinjecture_msgpack_writer_finish(&w, &len), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(len, 0);

    /* NULL with length 0 is an empty value */
    coinjecture_msgpack_writer_init(&w, buf, sizeof buf);
    coinjecture_msgpack_put_bin(&w, NULL, 0);
    coinjecture_msgpack_put_str(&w, NULL, 0);
    assert_int_equal(coinjecture_msgpack_writer_finish(&w, &len), COINJ_OK);
    assert_int_equal(len, 3);
    assert_int_equal(buf[0], 0xc4);
    assert_int_equal(buf[1], 0x00);
    assert_int_equal(buf[2], 0xa0);

    /* an uninitialised writer is refused, and putting into one does nothing */
    memset(&w, 0xab, sizeof w);
    coinjecture_msgpack_put_uint(&w, 7);
    assert_int_equal(coinjecture_msgpack_writer_finish(&w, &len), COINJ_ERROR_INVALID_INPUT);
    assert_non_null(strstr(coinjecture_last_error_message(), "not initialised"));

    /* a measuring writer always reports the size, also for nothing written */
    coinjecture_msgpack_writer_init(&w, NULL, 0);
    assert_int_equal(coinjecture_msgpack_writer_finish(&w, &len), COINJ_ERROR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 0);
}

/* Reads bytes that must fail with rc; the reader must not move. */
static void expect_fail(const uint8_t *in, size_t len, CoinjResult rc,
                        CoinjResult (*read)(coinjecture_msgpack_reader *r), const char *msg_part)
{
    coinjecture_msgpack_reader r;
    assert_int_equal(coinjecture_msgpack_reader_init(&r, in, len, "obj"), COINJ_OK);
    assert_int_equal(read(&r), rc);
    assert_int_equal(coinjecture_msgpack_reader_remaining(&r), len);
    if (msg_part != NULL && strstr(coinjecture_last_error_message(), msg_part) == NULL)
        fail_msg("message '%s' lacks '%s'", coinjecture_last_error_message(), msg_part);
}

static CoinjResult rd_uint_max100(coinjecture_msgpack_reader *r)
{
    uint64_t v = 0;
    return coinjecture_msgpack_read_uint(r, "f", 100, &v);
}

static CoinjResult rd_int(coinjecture_msgpack_reader *r)
{
    int64_t v = 0;
    return coinjecture_msgpack_read_int(r, "f", &v);
}

static CoinjResult rd_map15(coinjecture_msgpack_reader *r)
{
    uint32_t n = 0;
    return coinjecture_msgpack_read_map(r, 15, &n);
}

static CoinjResult rd_bin_2_4(coinjecture_msgpack_reader *r)
{
    const uint8_t *p;
    size_t n;
    return coinjecture_msgpack_read_bin(r, "f", 2, 4, &p, &n);
}

static CoinjResult rd_array_max3(coinjecture_msgpack_reader *r)
{
    uint32_t n = 0;
    return coinjecture_msgpack_read_array(r, "f", 3, 2, &n);
}

static CoinjResult rd_str_max3(coinjecture_msgpack_reader *r)
{
    const uint8_t *p;
    size_t n;
    return coinjecture_msgpack_read_str(r, "f", 3, &p, &n);
}

static const char *const colors[] = {"Red", "Green"};

static CoinjResult rd_enum(coinjecture_msgpack_reader *r)
{
    size_t i = 0;
    return coinjecture_msgpack_read_enum(r, "f", colors, 2, &i);
}

/* Every strictness rule, in the documented order, with the reader left where it was. */
static void test_reader_strictness(void **state)
{
    (void)state;
    expect_fail((const uint8_t *)"", 0, COINJ_ERROR_DECODE_TRUNCATED, rd_uint_max100, "obj.f");
    expect_fail((const uint8_t[]){0xcd, 0x01}, 2, COINJ_ERROR_DECODE_TRUNCATED, rd_uint_max100, NULL);
    expect_fail((const uint8_t[]){0xc4, 0x00}, 2, COINJ_ERROR_DECODE_TYPE, rd_uint_max100, "integer");
    expect_fail((const uint8_t[]){0xcc, 0x05}, 2, COINJ_ERROR_DECODE_NONCANONICAL, rd_uint_max100, "shortest");
    expect_fail((const uint8_t[]){0xd0, 0x05}, 2, COINJ_ERROR_DECODE_NONCANONICAL, rd_uint_max100, "signed");
    expect_fail((const uint8_t[]){0xff}, 1, COINJ_ERROR_DECODE_RANGE, rd_uint_max100, "negative");
    expect_fail((const uint8_t[]){0x65}, 1, COINJ_ERROR_DECODE_RANGE, rd_uint_max100, "exceeds 100");
    expect_fail((const uint8_t[]){0xd1, 0xff, 0xff}, 3, COINJ_ERROR_DECODE_NONCANONICAL, rd_int, NULL);
    expect_fail((const uint8_t[]){0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0}, 9, COINJ_ERROR_DECODE_RANGE, rd_int, NULL);

    expect_fail((const uint8_t[]){0x93, 1, 2, 3}, 4, COINJ_ERROR_DECODE_TYPE, rd_map15, "expected map");
    expect_fail((const uint8_t[]){0xde, 0x00, 0x01, 1, 1}, 5, COINJ_ERROR_DECODE_NONCANONICAL, rd_map15, NULL);
    uint8_t map16[40] = {0xde, 0x00, 0x10};
    expect_fail(map16, sizeof map16, COINJ_ERROR_DECODE_LENGTH, rd_map15, "exceeds 15");
    expect_fail((const uint8_t[]){0x83, 1, 1}, 3, COINJ_ERROR_DECODE_TRUNCATED, rd_map15, NULL);

    expect_fail((const uint8_t[]){0xc4, 0x01, 9}, 3, COINJ_ERROR_DECODE_LENGTH, rd_bin_2_4, "allowed 2..4");
    expect_fail((const uint8_t[]){0xc4, 0x05, 1, 2, 3, 4, 5}, 7, COINJ_ERROR_DECODE_LENGTH, rd_bin_2_4, NULL);
    expect_fail((const uint8_t[]){0xc5, 0x00, 0x02, 1, 2}, 5, COINJ_ERROR_DECODE_NONCANONICAL, rd_bin_2_4, NULL);
    expect_fail((const uint8_t[]){0xc4, 0x03, 1, 2}, 4, COINJ_ERROR_DECODE_TRUNCATED, rd_bin_2_4, NULL);
    expect_fail((const uint8_t[]){0xa2, 'h', 'i'}, 3, COINJ_ERROR_DECODE_TYPE, rd_bin_2_4, "expected bin");

    expect_fail((const uint8_t[]){0x94, 1, 2, 3, 4}, 5, COINJ_ERROR_DECODE_LENGTH, rd_array_max3, NULL);
    expect_fail((const uint8_t[]){0x93, 1, 2, 3}, 4, COINJ_ERROR_DECODE_TRUNCATED, rd_array_max3, NULL);
    expect_fail((const uint8_t[]){0xdc, 0x00, 0x02, 1, 2, 3, 4}, 7, COINJ_ERROR_DECODE_NONCANONICAL, rd_array_max3,
                NULL);

    expect_fail((const uint8_t[]){0xa4, 'a', 'b', 'c', 'd'}, 5, COINJ_ERROR_DECODE_LENGTH, rd_str_max3, NULL);
    expect_fail((const uint8_t[]){0xd9, 0x02, 'a', 'b'}, 4, COINJ_ERROR_DECODE_NONCANONICAL, rd_str_max3, NULL);
    expect_fail((const uint8_t[]){0xa4, 'B', 'l', 'u', 'e'}, 5, COINJ_ERROR_DECODE_ENUM, rd_enum, "Blue");
    expect_fail((const uint8_t[]){0xa3, 'r', 'e', 'd'}, 4, COINJ_ERROR_DECODE_ENUM, rd_enum, NULL); /* exact case */

    coinjecture_msgpack_reader r;
    size_t idx = 9;
    assert_int_equal(coinjecture_msgpack_reader_init(&r, (const uint8_t[]){0xa5, 'G', 'r', 'e', 'e', 'n', 0x00}, 7,
                                                     "obj"),
                     COINJ_OK);
    assert_int_equal(coinjecture_msgpack_read_enum(&r, "f", colors, 2, &idx), COINJ_OK);
    assert_int_equal(idx, 1);
    assert_int_equal(coinjecture_msgpack_read_end(&r), COINJ_ERROR_DECODE_TRAILING);
    assert_non_null(strstr(coinjecture_last_error_message(), "1 trailing"));
}

/* Keys: the expected one in place; a wrong one is named as unknown, duplicate or out of order. */
static void test_reader_keys(void **state)
{
    (void)state;
    static const char *const keys[] = {"alpha", "beta", "gamma"};
    coinjecture_msgpack_reader r;
    assert_int_equal(coinjecture_msgpack_reader_init(&r, (const uint8_t[]){0xa4, 'b', 'e', 't', 'a'}, 5, "k"),
                     COINJ_OK);
    assert_int_equal(coinjecture_msgpack_read_key(&r, keys, 3, 1), COINJ_OK);

    assert_int_equal(coinjecture_msgpack_reader_init(&r, (const uint8_t[]){0xa5, 'a', 'l', 'p', 'h', 'a'}, 6, "k"),
                     COINJ_OK);
    assert_int_equal(coinjecture_msgpack_read_key(&r, keys, 3, 1), COINJ_ERROR_DECODE_KEY);
    assert_non_null(strstr(coinjecture_last_error_message(), "duplicate key 'alpha'"));
    assert_int_equal(coinjecture_msgpack_read_key(&r, keys, 3, 0), COINJ_OK);

    assert_int_equal(coinjecture_msgpack_reader_init(&r, (const uint8_t[]){0xa5, 'g', 'a', 'm', 'm', 'a'}, 6, "k"),
                     COINJ_OK);
    assert_int_equal(coinjecture_msgpack_read_key(&r, keys, 3, 1), COINJ_ERROR_DECODE_KEY);
    assert_non_null(strstr(coinjecture_last_error_message(), "out of order"));

    assert_int_equal(coinjecture_msgpack_reader_init(&r, (const uint8_t[]){0xa5, 'd', 'e', 'l', 't', 'a'}, 6, "k"),
                     COINJ_OK);
    assert_int_equal(coinjecture_msgpack_read_key(&r, keys, 3, 1), COINJ_ERROR_DECODE_KEY);
    assert_non_null(strstr(coinjecture_last_error_message(), "unknown key 'delta'"));

    assert_int_equal(coinjecture_msgpack_reader_init(&r, (const uint8_t[]){0x01}, 1, "k"), COINJ_OK);
    assert_int_equal(coinjecture_msgpack_read_key(&r, keys, 3, 0), COINJ_ERROR_DECODE_KEY);
    assert_int_equal(coinjecture_msgpack_read_key(&r, keys, 3, 3), COINJ_ERROR_INVALID_INPUT); /* i >= nkeys */

    /* a key of 32 bytes or more is a str8 (the shortest form for it) */
    static const char *const longkeys[] = {"a_key_name_of_exactly_thirty_two", "x"};
    uint8_t in[34] = {0xd9, 32};
    memcpy(in + 2, longkeys[0], 32);
    assert_int_equal(coinjecture_msgpack_reader_init(&r, in, sizeof in, "k"), COINJ_OK);
    assert_int_equal(coinjecture_msgpack_read_key(&r, longkeys, 2, 0), COINJ_OK);
    assert_int_equal(coinjecture_msgpack_read_end(&r), COINJ_OK);
}

/* Path and field name the value in messages; the caller's own schema rules go through reader_fail. */
static void test_reader_paths_and_fail(void **state)
{
    (void)state;
    coinjecture_msgpack_reader r;
    uint64_t v = 0;
    assert_int_equal(coinjecture_msgpack_reader_init(&r, (const uint8_t[]){0xc0}, 1, "p2p"), COINJ_OK);
    coinjecture_msgpack_reader_set_path(&r, "p2p.status");
    assert_int_equal(coinjecture_msgpack_read_uint(&r, "height", UINT64_MAX, &v), COINJ_ERROR_DECODE_TYPE);
    assert_non_null(strstr(coinjecture_last_error_message(), "p2p.status.height: expected integer, got nil"));
    assert_int_equal(coinjecture_msgpack_reader_fail(&r, COINJ_ERROR_DECODE_RANGE, "count", "must be >= 1"),
                     COINJ_ERROR_DECODE_RANGE);
    assert_string_equal(coinjecture_last_error_message(), "p2p.status.count: must be >= 1");
    assert_int_equal(coinjecture_msgpack_reader_fail(&r, COINJ_ERROR_DECODE_KEY, NULL, "map too small"),
                     COINJ_ERROR_DECODE_KEY);
    assert_string_equal(coinjecture_last_error_message(), "p2p.status: map too small");
    assert_int_equal(coinjecture_msgpack_reader_fail(&r, COINJ_OK, NULL, "x"), COINJ_ERROR_INVALID_INPUT);

    /* a path longer than 63 bytes is cut, never overflowing */
    char longpath[200];
    memset(longpath, 'p', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    coinjecture_msgpack_reader_set_path(&r, longpath);
    assert_int_equal(coinjecture_msgpack_reader_fail(&r, COINJ_ERROR_DECODE_KEY, NULL, "r"), COINJ_ERROR_DECODE_KEY);
    assert_int_equal(strlen(coinjecture_last_error_message()), 63 + strlen(": r"));
}

/* Readers that were never initialised, or initialised with bad arguments, fail safely. */
static void test_reader_misuse(void **state)
{
    (void)state;
    coinjecture_msgpack_reader r;
    uint64_t v = 0;
    memset(&r, 0x5a, sizeof r);
    assert_int_equal(coinjecture_msgpack_read_uint(&r, "f", 1, &v), COINJ_ERROR_INVALID_INPUT);
    assert_non_null(strstr(coinjecture_last_error_message(), "not initialised"));
    assert_int_equal(coinjecture_msgpack_read_end(&r), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_msgpack_reader_remaining(&r), 0);
    coinjecture_msgpack_reader_set_path(&r, "x"); /* no effect, no crash */

    const uint8_t *none = NULL;
    assert_int_equal(coinjecture_msgpack_reader_init(&r, none, 5, "p"), COINJ_ERROR_INVALID_INPUT);
    assert_int_equal(coinjecture_msgpack_reader_remaining(&r), 0);
    assert_int_equal(coinjecture_msgpack_read_uint(&r, "f", 1, &v), COINJ_ERROR_DECODE_TRUNCATED);
    assert_int_equal(coinjecture_msgpack_reader_init(&r, none, 0, "p"), COINJ_OK);
    assert_int_equal(coinjecture_msgpack_read_end(&r), COINJ_OK);
}

/* The primitives are the codec's: a commitment written by hand is byte-identical to the codec's. */
static void put_commitment(coinjecture_msgpack_writer *w, const void *arg)
{
    const coinjecture_commitment *c = arg;
    coinjecture_msgpack_put_map(w, 4);
    coinjecture_msgpack_put_str(w, "epoch_salt", 10);
    coinjecture_msgpack_put_bin(w, c->epoch_salt, 32);
    coinjecture_msgpack_put_str(w, "problem_hash", 12);
    coinjecture_msgpack_put_bin(w, c->problem_hash, 32);
    coinjecture_msgpack_put_str(w, "solution_hash", 13);
    coinjecture_msgpack_put_bin(w, c->solution_hash, 32);
    coinjecture_msgpack_put_str(w, "miner_salt", 10);
    coinjecture_msgpack_put_bin(w, c->miner_salt, 32);
}

static void test_agrees_with_codec(void **state)
{
    (void)state;
    coinjecture_commitment c;
    uint64_t rng = 42;
    tu_rand_bytes(&rng, (uint8_t *)&c, sizeof c);
    uint8_t ref[256];
    size_t ref_len = 0, len = 0;
    assert_int_equal(coinjecture_commitment_encode(&c, ref, sizeof ref, &ref_len), COINJ_OK);
    uint8_t *mine = encode(put_commitment, &c, &len);
    assert_int_equal(len, ref_len);
    assert_memory_equal(mine, ref, len);
    free(mine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uint_boundaries),        cmocka_unit_test(test_int_boundaries),
        cmocka_unit_test(test_str_bin_headers),        cmocka_unit_test(test_message_roundtrip),
        cmocka_unit_test(test_writer_buffer_too_small), cmocka_unit_test(test_writer_problems),
        cmocka_unit_test(test_reader_strictness),      cmocka_unit_test(test_reader_keys),
        cmocka_unit_test(test_reader_paths_and_fail),  cmocka_unit_test(test_reader_misuse),
        cmocka_unit_test(test_agrees_with_codec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
