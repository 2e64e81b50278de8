/* Unit tests of the canonical MessagePack primitives (src/core/msgpack.c). */
#include <stdlib.h>
#include <string.h>

#include "msgpack.h"
#include "testutil.h"

/* ---- straight-line writers ---- */

typedef struct {
    uint64_t v;
    const char *hex;
} u_case;

typedef struct {
    int64_t v;
    const char *hex;
} i_case;

static const u_case U_CASES[] = {
    {0, "00"},
    {127, "7f"},
    {128, "cc80"},
    {255, "ccff"},
    {256, "cd0100"},
    {65535, "cdffff"},
    {65536, "ce00010000"},
    {4294967295u, "ceffffffff"},
    {4294967296ull, "cf0000000100000000"},
    {UINT64_MAX, "cfffffffffffffffff"},
};

static const i_case I_CASES[] = {
    {0, "00"},
    {127, "7f"},
    {128, "cc80"},
    {255, "ccff"},
    {256, "cd0100"},
    {65535, "cdffff"},
    {65536, "ce00010000"},
    {4294967295ll, "ceffffffff"},
    {4294967296ll, "cf0000000100000000"},
    {INT64_MAX, "cf7fffffffffffffff"},
    {-1, "ff"},
    {-32, "e0"},
    {-33, "d0df"},
    {-128, "d080"},
    {-129, "d1ff7f"},
    {-32768, "d18000"},
    {-32769, "d2ffff7fff"},
    {INT32_MIN, "d280000000"},
    {(int64_t)INT32_MIN - 1, "d3ffffffff7fffffff"},
    {INT64_MIN, "d38000000000000000"},
};

/* Every width boundary of the unsigned form, both directions. */
static void test_uint_boundaries(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof U_CASES / sizeof U_CASES[0]; i++) {
        uint8_t want[16], got[16];
        size_t n = tu_unhex(U_CASES[i].hex, want, sizeof want);
        size_t k = (size_t)(cj_msgpack_wr_uint(got, U_CASES[i].v) - got);
        assert_int_equal(k, n);
        assert_memory_equal(got, want, n);
        assert_int_equal(cj_msgpack_uint_size(U_CASES[i].v), n);

        cj_msgpack_reader r;
        uint64_t v = 12345;
        cj_msgpack_reader_init(&r, want, n, "t");
        assert_int_equal(cj_msgpack_read_uint(&r, "f", CJ_MSGPACK_NO_INDEX, UINT64_MAX, &v), COINJ_OK);
        assert_true(v == U_CASES[i].v);
        assert_int_equal(cj_msgpack_read_end(&r), COINJ_OK);
    }
}

/* Every width boundary of the signed form, both directions. */
static void test_int_boundaries(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof I_CASES / sizeof I_CASES[0]; i++) {
        uint8_t want[16], got[16];
        size_t n = tu_unhex(I_CASES[i].hex, want, sizeof want);
        size_t k = (size_t)(cj_msgpack_wr_int(got, I_CASES[i].v) - got);
        assert_int_equal(k, n);
        assert_memory_equal(got, want, n);
        assert_int_equal(cj_msgpack_int_size(I_CASES[i].v), n);

        cj_msgpack_reader r;
        int64_t v = 12345;
        cj_msgpack_reader_init(&r, want, n, "t");
        assert_int_equal(cj_msgpack_read_int(&r, "f", CJ_MSGPACK_NO_INDEX, &v), COINJ_OK);
        assert_true(v == I_CASES[i].v);
        assert_int_equal(cj_msgpack_read_end(&r), COINJ_OK);
    }
}

/* Array headers switch form at 16 and 65536 elements. */
static void test_array_header_forms(void **state)
{
    (void)state;
    static const struct {
        uint32_t n;
        const char *hex;
    } cases[] = {{0, "90"}, {15, "9f"}, {16, "dc0010"}, {65535, "dcffff"}, {65536, "dd00010000"},
                 {UINT32_MAX, "ddffffffff"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t want[8], got[8];
        size_t n = tu_unhex(cases[i].hex, want, sizeof want);
        assert_int_equal((size_t)(cj_msgpack_wr_array(got, cases[i].n) - got), n);
        assert_memory_equal(got, want, n);
        assert_int_equal(cj_msgpack_array_size(cases[i].n), n);
    }
}

/* Strings: fixstr below 32 bytes, then str8/str16. */
static void test_str_forms(void **state)
{
    (void)state;
    char s[300];
    memset(s, 'x', sizeof s);
    uint8_t buf[320];
    cj_msgpack_writer w;
    static const size_t lens[] = {0, 31, 32, 255, 256};
    static const uint8_t first[] = {0xa0, 0xbf, 0xd9, 0xd9, 0xda};
    static const size_t hdr[] = {1, 1, 2, 2, 3};
    for (size_t i = 0; i < 5; i++) {
        cj_msgpack_writer_buffer(&w, buf, sizeof buf);
        cj_msgpack_put_str(&w, s, lens[i]);
        assert_int_equal(w.pos, hdr[i] + lens[i]);
        assert_int_equal(buf[0], first[i]);
        assert_int_equal(cj_msgpack_str_header_size(lens[i]), hdr[i]);

        cj_msgpack_reader r;
        const uint8_t *p = NULL;
        uint32_t n = 0;
        cj_msgpack_reader_init(&r, buf, w.pos, "t");
        assert_int_equal(cj_msgpack_read_str(&r, "s", 1000, &p, &n), COINJ_OK);
        assert_int_equal(n, lens[i]);
        assert_int_equal(cj_msgpack_read_end(&r), COINJ_OK);
    }
}

/* Vec<u8> bodies: bytes >= 0x80 take cc xx. */
static void test_byte_array(void **state)
{
    (void)state;
    const uint8_t data[] = {0x00, 0x7f, 0x80, 0xff, 0x43};
    uint8_t buf[32], want[32];
    size_t n = tu_unhex("95007fcc80ccff43", want, sizeof want);
    cj_msgpack_writer w;
    cj_msgpack_writer_buffer(&w, buf, sizeof buf);
    cj_msgpack_put_byte_array(&w, data, sizeof data);
    assert_int_equal(w.pos, n);
    assert_memory_equal(buf, want, n);
    assert_int_equal(cj_msgpack_byte_array_size(data, sizeof data), n);

    cj_msgpack_reader r;
    uint8_t back[8];
    uint32_t cnt = 0;
    cj_msgpack_reader_init(&r, buf, n, "t");
    assert_int_equal(cj_msgpack_read_array(&r, "a", 16, 1, &cnt), COINJ_OK);
    assert_int_equal(cnt, 5);
    assert_int_equal(cj_msgpack_read_byte_elems(&r, "a", back, cnt), COINJ_OK);
    assert_memory_equal(back, data, sizeof data);
    assert_int_equal(cj_msgpack_read_end(&r), COINJ_OK);
}

/* Naive reference of a Vec<u8> body. */
static size_t naive_elems(uint8_t *p, const uint8_t *d, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] >= 0x80) p[k++] = 0xcc;
        p[k++] = d[i];
    }
    return k;
}

/* The SIMD and portable byte writers equal the naive loop for every length and byte mix, and never write
 * beyond 2n bytes (the portable one never beyond its output). */
static void test_byte_elems_differential(void **state)
{
    (void)state;
    uint64_t seed = 3;
    enum { MAXN = 300 };
    uint8_t data[MAXN], want[2 * MAXN], got[2 * MAXN + 32], got2[2 * MAXN + 32];
    for (int mix = 0; mix < 4; mix++) {
        for (size_t n = 0; n <= MAXN; n++) {
            tu_rand_bytes(&seed, data, n);
            for (size_t i = 0; i < n; i++) {
                if (mix == 1) data[i] &= 0x7f;                /* ASCII only */
                if (mix == 2) data[i] |= 0x80;                /* all high */
                if (mix == 3 && (i / 8) % 2) data[i] &= 0x7f; /* alternating groups */
            }
            size_t k = naive_elems(want, data, n);
            memset(got, 0xa5, sizeof got);
            memset(got2, 0xa5, sizeof got2);
            size_t a = (size_t)(cj_msgpack_wr_byte_elems(got, data, n) - got);
            size_t b = (size_t)(cj_msgpack_wr_byte_elems_portable(got2, data, n) - got2);
            assert_int_equal(a, k);
            assert_int_equal(b, k);
            assert_memory_equal(got, want, k);
            assert_memory_equal(got2, want, k);
            for (size_t i = 2 * n; i < sizeof got; i++) assert_int_equal(got[i], 0xa5);
            for (size_t i = k; i < sizeof got2; i++) assert_int_equal(got2[i], 0xa5);
            assert_int_equal(cj_msgpack_byte_array_size(data, n), k + cj_msgpack_array_size(n));
        }
    }
}

/* ---- writer sinks ---- */

/* Measure, buffer and SHA-256 streaming modes agree on length and bytes, with and without chunking. */
static void test_writer_modes_agree(void **state)
{
    (void)state;
    uint64_t seed = 7;
    static const size_t sizes[] = {0, 1, 100, 1000, 5000, 70000};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t n = sizes[si];
        uint8_t *data = malloc(n + 1);
        assert_non_null(data);
        tu_rand_bytes(&seed, data, n);

        cj_msgpack_writer w;
        cj_msgpack_writer_measure(&w);
        cj_msgpack_put_map(&w, 3);
        cj_msgpack_put_str(&w, "k", 1);
        cj_msgpack_put_byte_array(&w, data, n);
        cj_msgpack_put_int(&w, -5000);
        cj_msgpack_put_bin(&w, data, n < 64 ? n : 64);
        cj_msgpack_put_nil(&w);
        uint64_t measured = w.total;

        uint8_t *buf = malloc((size_t)measured);
        assert_non_null(buf);
        cj_msgpack_writer_buffer(&w, buf, (size_t)measured);
        cj_msgpack_put_map(&w, 3);
        cj_msgpack_put_str(&w, "k", 1);
        cj_msgpack_put_byte_array(&w, data, n);
        cj_msgpack_put_int(&w, -5000);
        cj_msgpack_put_bin(&w, data, n < 64 ? n : 64);
        cj_msgpack_put_nil(&w);
        assert_false(w.overflow);
        assert_int_equal(w.pos, measured);
        uint8_t want[32], got[32];
        cj_sha256(buf, (size_t)measured, want);

        for (size_t stage_cap = 64; stage_cap <= 4096; stage_cap *= 4) {
            coinjecture_sha256_ctx ctx;
            uint8_t stage[4096];
            cj_msgpack_writer_sha(&w, &ctx, NULL, stage, stage_cap);
            cj_msgpack_put_map(&w, 3);
            cj_msgpack_put_str(&w, "k", 1);
            cj_msgpack_put_byte_array(&w, data, n);
            cj_msgpack_put_int(&w, -5000);
            cj_msgpack_put_bin(&w, data, n < 64 ? n : 64);
            cj_msgpack_put_nil(&w);
            assert_int_equal(w.total, measured);
            cj_msgpack_writer_digest(&w, got);
            assert_memory_equal(got, want, 32);
        }
        free(buf);
        free(data);
    }
}

/* A buffer writer given too little room flags overflow instead of writing past the end. */
static void test_writer_overflow(void **state)
{
    (void)state;
    uint8_t buf[8] = {0};
    cj_msgpack_writer w;
    cj_msgpack_writer_buffer(&w, buf, 4);
    cj_msgpack_put_uint(&w, UINT64_MAX);
    assert_true(w.overflow);
    assert_int_equal(w.pos, 0);
    assert_int_equal(buf[4], 0);
}

/* ---- strict reader: rejection classes ---- */

/* Reads one unsigned value from hex and returns the result code. */
static CoinjResult rd_uint(const char *hex, uint64_t max)
{
    uint8_t in[32];
    size_t n = tu_unhex(hex, in, sizeof in);
    cj_msgpack_reader r;
    uint64_t v = 0;
    cj_msgpack_reader_init(&r, in, n, "t");
    return cj_msgpack_read_uint(&r, "f", CJ_MSGPACK_NO_INDEX, max, &v);
}

/* Reads one signed value from hex and returns the result code. */
static CoinjResult rd_int(const char *hex)
{
    uint8_t in[32];
    size_t n = tu_unhex(hex, in, sizeof in);
    cj_msgpack_reader r;
    int64_t v = 0;
    cj_msgpack_reader_init(&r, in, n, "t");
    return cj_msgpack_read_int(&r, "f", CJ_MSGPACK_NO_INDEX, &v);
}

/* Unsigned fields accept only the shortest unsigned marker. */
static void test_read_uint_rejects(void **state)
{
    (void)state;
    assert_int_equal(rd_uint("", 255), COINJ_ERROR_DECODE_TRUNCATED);
    assert_int_equal(rd_uint("cd01", 1000), COINJ_ERROR_DECODE_TRUNCATED);
    assert_int_equal(rd_uint("cf00000000", UINT64_MAX), COINJ_ERROR_DECODE_TRUNCATED);
    assert_int_equal(rd_uint("cc05", 255), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_uint("cd00ff", 1000), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_uint("ce0000ffff", UINT64_MAX), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_uint("cf00000000ffffffff", UINT64_MAX), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_uint("d001", 255), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_uint("d30000000000000001", 255), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_uint("ff", 255), COINJ_ERROR_DECODE_RANGE);
    assert_int_equal(rd_uint("d080", 255), COINJ_ERROR_DECODE_RANGE);
    assert_int_equal(rd_uint("cd0100", 255), COINJ_ERROR_DECODE_RANGE);
    assert_int_equal(rd_uint("cf0000000100000000", UINT32_MAX), COINJ_ERROR_DECODE_RANGE);
    assert_int_equal(rd_uint("c0", 255), COINJ_ERROR_DECODE_TYPE);
    assert_int_equal(rd_uint("c3", 255), COINJ_ERROR_DECODE_TYPE);
    assert_int_equal(rd_uint("ca3f800000", 255), COINJ_ERROR_DECODE_TYPE);
    assert_int_equal(rd_uint("a130", 255), COINJ_ERROR_DECODE_TYPE);
    assert_int_equal(rd_uint("c40101", 255), COINJ_ERROR_DECODE_TYPE);
    assert_int_equal(rd_uint("c1", 255), COINJ_ERROR_DECODE_TYPE);
    assert_int_equal(rd_uint("ffff", 255), COINJ_ERROR_DECODE_RANGE);
    assert_int_equal(rd_uint("ccff", 255), COINJ_OK);
}

/* Signed fields: unsigned markers for >= 0, the shortest signed marker below. */
static void test_read_int_rejects(void **state)
{
    (void)state;
    assert_int_equal(rd_int(""), COINJ_ERROR_DECODE_TRUNCATED);
    assert_int_equal(rd_int("d3ffff"), COINJ_ERROR_DECODE_TRUNCATED);
    assert_int_equal(rd_int("cc7f"), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_int("d005"), COINJ_ERROR_DECODE_NONCANONICAL);  /* 5 in a signed marker */
    assert_int_equal(rd_int("d0e0"), COINJ_ERROR_DECODE_NONCANONICAL);  /* -32 fits a fixint */
    assert_int_equal(rd_int("d1ff80"), COINJ_ERROR_DECODE_NONCANONICAL); /* -128 fits d0 */
    assert_int_equal(rd_int("d2ffff8000"), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_int("d3ffffffff80000000"), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_int("d3ffffffffffffffff"), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_int("cf8000000000000000"), COINJ_ERROR_DECODE_RANGE);
    assert_int_equal(rd_int("cfffffffffffffffff"), COINJ_ERROR_DECODE_RANGE);
    assert_int_equal(rd_int("c2"), COINJ_ERROR_DECODE_TYPE);
    assert_int_equal(rd_int("cb0000000000000000"), COINJ_ERROR_DECODE_TYPE);
    assert_int_equal(rd_int("90"), COINJ_ERROR_DECODE_TYPE);
    assert_int_equal(rd_int("80"), COINJ_ERROR_DECODE_TYPE);
    assert_int_equal(rd_int("d3ffffffff7fffffff"), COINJ_OK);
}

/* Reads bin32 from hex and returns the code. */
static CoinjResult rd_bin32(const char *hex)
{
    uint8_t in[80], out[32];
    size_t n = tu_unhex(hex, in, sizeof in);
    cj_msgpack_reader r;
    cj_msgpack_reader_init(&r, in, n, "t");
    return cj_msgpack_read_bin_fixed(&r, "h", out, 32);
}

/* [u8;32]: exactly bin8 of 32 bytes. */
static void test_read_bin_rejects(void **state)
{
    (void)state;
    char hex[200];
    strcpy(hex, "c420");
    for (int i = 0; i < 32; i++) strcat(hex, "ab");
    assert_int_equal(rd_bin32(hex), COINJ_OK);
    hex[strlen(hex) - 2] = 0; /* 31 data bytes */
    assert_int_equal(rd_bin32(hex), COINJ_ERROR_DECODE_TRUNCATED);
    assert_int_equal(rd_bin32("c4"), COINJ_ERROR_DECODE_TRUNCATED);
    assert_int_equal(rd_bin32(""), COINJ_ERROR_DECODE_TRUNCATED);
    assert_int_equal(rd_bin32("c41f"), COINJ_ERROR_DECODE_LENGTH);
    assert_int_equal(rd_bin32("c421"), COINJ_ERROR_DECODE_LENGTH);
    assert_int_equal(rd_bin32("c50020"), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_bin32("c600000020"), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_bin32("dc0020"), COINJ_ERROR_DECODE_TYPE); /* array form (accepted by the original) */
    assert_int_equal(rd_bin32("a0"), COINJ_ERROR_DECODE_TYPE);
}

/* Reads an array header (max 256) from hex and returns the code. */
static CoinjResult rd_array(const char *hex, size_t min_elem)
{
    uint8_t in[64];
    size_t n = tu_unhex(hex, in, sizeof in);
    cj_msgpack_reader r;
    uint32_t cnt = 0;
    cj_msgpack_reader_init(&r, in, n, "t");
    return cj_msgpack_read_array(&r, "a", 256, min_elem, &cnt);
}

/* Array headers: shortest form, field cap before anything is allocated, and room for the elements. */
static void test_read_array_rejects(void **state)
{
    (void)state;
    assert_int_equal(rd_array("9100", 1), COINJ_OK);
    assert_int_equal(rd_array("dc000100", 1), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_array("dc000f", 1), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_array("dd00000010", 1), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_array("dd0000ffff", 1), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_int_equal(rd_array("dc0101", 1), COINJ_ERROR_DECODE_LENGTH);
    assert_int_equal(rd_array("ddffffffff", 1), COINJ_ERROR_DECODE_LENGTH); /* 2^32-1 declared */
    assert_int_equal(rd_array("dc0010", 1), COINJ_ERROR_DECODE_TRUNCATED); /* 16 declared, none present */
    assert_int_equal(rd_array("920000", 2), COINJ_ERROR_DECODE_TRUNCATED); /* 2 x 2 bytes needed, 2 left */
    assert_int_equal(rd_array("dc00", 1), COINJ_ERROR_DECODE_TRUNCATED);
    assert_int_equal(rd_array("c400", 1), COINJ_ERROR_DECODE_TYPE);
    assert_int_equal(rd_array("80", 1), COINJ_ERROR_DECODE_TYPE);
}

/* Byte elements: every element must be a canonical uint <= 255. */
static void test_read_byte_elems_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        CoinjResult rc;
    } cases[] = {{"0102", COINJ_OK},
                 {"01cc05", COINJ_ERROR_DECODE_NONCANONICAL},
                 {"01cd0100", COINJ_ERROR_DECODE_RANGE},
                 {"01ff", COINJ_ERROR_DECODE_RANGE},
                 {"01c0", COINJ_ERROR_DECODE_TYPE},
                 {"01cc", COINJ_ERROR_DECODE_TRUNCATED},
                 {"01", COINJ_ERROR_DECODE_TRUNCATED}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t in[8], out[2];
        size_t n = tu_unhex(cases[i].hex, in, sizeof in);
        cj_msgpack_reader r;
        cj_msgpack_reader_init(&r, in, n, "t");
        assert_int_equal(cj_msgpack_read_byte_elems(&r, "extra_data", out, 2), cases[i].rc);
    }
    /* the message names the element */
    uint8_t in[4] = {0x01, 0xcc, 0x05}, out[2];
    cj_msgpack_reader r;
    cj_msgpack_reader_init(&r, in, 3, "header");
    assert_int_equal(cj_msgpack_read_byte_elems(&r, "extra_data", out, 2), COINJ_ERROR_DECODE_NONCANONICAL);
    assert_non_null(strstr(coinjecture_last_error_message(), "header.extra_data[1]"));
}

/* Strings: shortest header, length cap, truncation. */
static void test_read_str_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        CoinjResult rc;
    } cases[] = {{"a3414243", COINJ_OK},
                 {"d903414243", COINJ_ERROR_DECODE_NONCANONICAL},
                 {"da0003414243", COINJ_ERROR_DECODE_NONCANONICAL},
                 {"db00000003414243", COINJ_ERROR_DECODE_NONCANONICAL},
                 {"a34142", COINJ_ERROR_DECODE_TRUNCATED},
                 {"d9", COINJ_ERROR_DECODE_TRUNCATED},
                 {"c403414243", COINJ_ERROR_DECODE_TYPE},
                 {"00", COINJ_ERROR_DECODE_TYPE}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t in[16];
        size_t n = tu_unhex(cases[i].hex, in, sizeof in);
        cj_msgpack_reader r;
        const uint8_t *s;
        uint32_t len;
        cj_msgpack_reader_init(&r, in, n, "t");
        assert_int_equal(cj_msgpack_read_str(&r, "s", 3, &s, &len), cases[i].rc);
    }
    uint8_t in[8];
    size_t n = tu_unhex("a441424344", in, sizeof in);
    cj_msgpack_reader r;
    const uint8_t *s;
    uint32_t len;
    cj_msgpack_reader_init(&r, in, n, "t");
    assert_int_equal(cj_msgpack_read_str(&r, "s", 3, &s, &len), COINJ_ERROR_DECODE_LENGTH);
}

/* Enums: exact, case-sensitive variant names only. */
static void test_read_enum(void **state)
{
    (void)state;
    static const char *const names[] = {"Mobile", "Desktop"};
    static const struct {
        const char *hex;
        CoinjResult rc;
        size_t idx;
    } cases[] = {{"a74465736b746f70", COINJ_OK, 1},
                 {"a64d6f62696c65", COINJ_OK, 0},
                 {"a76465736b746f70", COINJ_ERROR_DECODE_ENUM, 0}, /* desktop */
                 {"a0", COINJ_ERROR_DECODE_ENUM, 0},
                 {"01", COINJ_ERROR_DECODE_TYPE, 0}, /* index form, accepted by the original */
                 {"c4074465736b746f70", COINJ_ERROR_DECODE_TYPE, 0},
                 {"d9074465736b746f70", COINJ_ERROR_DECODE_NONCANONICAL, 0},
                 {"a744", COINJ_ERROR_DECODE_TRUNCATED, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t in[16];
        size_t n = tu_unhex(cases[i].hex, in, sizeof in);
        cj_msgpack_reader r;
        size_t idx = 99;
        cj_msgpack_reader_init(&r, in, n, "t");
        assert_int_equal(cj_msgpack_read_enum(&r, "tier", names, 2, &idx), cases[i].rc);
        if (cases[i].rc == COINJ_OK) assert_int_equal(idx, cases[i].idx);
    }
}

/* Maps and keys: exact fixmap size; keys in order; duplicates, unknown and misordered keys named. */
static void test_read_map_and_keys(void **state)
{
    (void)state;
    static const cj_msgpack_key keys[3] = {{"alpha", 5}, {"beta", 4}, {"gamma", 5}};
    static const struct {
        const char *hex;
        CoinjResult rc;
    } maps[] = {{"83", COINJ_OK},
                {"82", COINJ_ERROR_DECODE_KEY},
                {"8f", COINJ_ERROR_DECODE_KEY},
                {"de0003", COINJ_ERROR_DECODE_NONCANONICAL},
                {"df00000003", COINJ_ERROR_DECODE_NONCANONICAL},
                {"93", COINJ_ERROR_DECODE_TYPE},
                {"", COINJ_ERROR_DECODE_TRUNCATED}};
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
        uint8_t in[8];
        size_t n = tu_unhex(maps[i].hex, in, sizeof in);
        cj_msgpack_reader r;
        cj_msgpack_reader_init(&r, in, n, "t");
        assert_int_equal(cj_msgpack_read_map(&r, 3), maps[i].rc);
    }
    static const struct {
        const char *hex;
        size_t i;
        CoinjResult rc;
        const char *msg;
    } ks[] = {{"a4626574610000", 1, COINJ_OK, NULL},
              {"a5616c706861", 1, COINJ_ERROR_DECODE_KEY, "duplicate"},   /* alpha again */
              {"a567616d6d61", 1, COINJ_ERROR_DECODE_KEY, "out of order"}, /* gamma before beta */
              {"a464656c74", 1, COINJ_ERROR_DECODE_KEY, "unknown"},        /* delt */
              {"a442455441", 1, COINJ_ERROR_DECODE_KEY, "unknown"},        /* BETA */
              {"01", 1, COINJ_ERROR_DECODE_KEY, "key"},                    /* field index form */
              {"c40462657461", 1, COINJ_ERROR_DECODE_KEY, "key"},          /* bin key */
              {"d90462657461", 1, COINJ_ERROR_DECODE_NONCANONICAL, "str"}, /* str8 key */
              {"a46265", 1, COINJ_ERROR_DECODE_TRUNCATED, NULL},
              {"", 1, COINJ_ERROR_DECODE_TRUNCATED, NULL}};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        uint8_t in[16];
        size_t n = tu_unhex(ks[i].hex, in, sizeof in);
        cj_msgpack_reader r;
        cj_msgpack_reader_init(&r, in, n, "obj");
        assert_int_equal(cj_msgpack_read_key(&r, keys, 3, ks[i].i), ks[i].rc);
        if (ks[i].msg) assert_non_null(strstr(coinjecture_last_error_message(), ks[i].msg));
    }
}

/* Nil detection for Option fields, and trailing bytes. */
static void test_nil_and_end(void **state)
{
    (void)state;
    uint8_t in[2] = {0xc0, 0x00};
    cj_msgpack_reader r;
    cj_msgpack_reader_init(&r, in, 2, "t");
    assert_int_equal(cj_msgpack_read_nil(&r), 1);
    assert_int_equal(cj_msgpack_read_nil(&r), 0);
    assert_int_equal(cj_msgpack_read_end(&r), COINJ_ERROR_DECODE_TRAILING);
    assert_non_null(strstr(coinjecture_last_error_message(), "1 trailing"));
    r.p++;
    assert_int_equal(cj_msgpack_read_nil(&r), -1);
    assert_int_equal(cj_msgpack_read_end(&r), COINJ_OK);
    cj_msgpack_reader_init(&r, NULL, 0, "t"); /* NULL input is an empty input */
    assert_int_equal(cj_msgpack_remaining(&r), 0);
    assert_int_equal(cj_msgpack_read_map(&r, 1), COINJ_ERROR_DECODE_TRUNCATED);
}

/* UTF-8 validation matches Rust's String rules. */
static void test_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        int ok;
    } cases[] = {{"", 1},
                 {"516d", 1},
                 {"c3a9", 1},         /* é */
                 {"e282ac", 1},       /* € */
                 {"f09f9880", 1},     /* emoji */
                 {"f48fbfbf", 1},     /* U+10FFFF */
                 {"00", 1},           /* NUL is valid UTF-8 (the cid rule rejects it separately) */
                 {"c0af", 0},         /* overlong */
                 {"e08080", 0},       /* overlong */
                 {"eda080", 0},       /* surrogate */
                 {"f4908080", 0},     /* > U+10FFFF */
                 {"f8", 0},
                 {"80", 0},
                 {"c3", 0},           /* truncated */
                 {"e282", 0},
                 {"c328", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t in[8];
        size_t n = tu_unhex(cases[i].hex, in, sizeof in);
        assert_int_equal(cj_msgpack_utf8_valid(in, n), cases[i].ok);
    }
}

/* Path and field appear in messages; long paths are truncated, never overflowed. */
static void test_fail_message(void **state)
{
    (void)state;
    cj_msgpack_reader r;
    uint8_t in[1] = {0};
    cj_msgpack_reader_init(&r, in, 1, "block");
    cj_msgpack_reader_path(&r, "block.transactions[%u]", 42u);
    assert_int_equal(cj_msgpack_fail(&r, COINJ_ERROR_DECODE_RANGE, "amount", CJ_MSGPACK_NO_INDEX, "x %d", 1),
                     COINJ_ERROR_DECODE_RANGE);
    assert_string_equal(coinjecture_last_error_message(), "block.transactions[42].amount: x 1");
    char longp[200];
    memset(longp, 'p', sizeof longp - 1);
    longp[sizeof longp - 1] = 0;
    cj_msgpack_reader_path(&r, "%s", longp);
    assert_int_equal(strlen(r.path), sizeof r.path - 1);
}

/* cmocka entry point. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uint_boundaries),   cmocka_unit_test(test_int_boundaries),
        cmocka_unit_test(test_array_header_forms), cmocka_unit_test(test_str_forms),
        cmocka_unit_test(test_byte_array),        cmocka_unit_test(test_byte_elems_differential),        cmocka_unit_test(test_writer_modes_agree),
        cmocka_unit_test(test_writer_overflow),   cmocka_unit_test(test_read_uint_rejects),
        cmocka_unit_test(test_read_int_rejects),  cmocka_unit_test(test_read_bin_rejects),
        cmocka_unit_test(test_read_array_rejects), cmocka_unit_test(test_read_byte_elems_rejects),
        cmocka_unit_test(test_read_str_rejects),  cmocka_unit_test(test_read_enum),
        cmocka_unit_test(test_read_map_and_keys), cmocka_unit_test(test_nil_and_end),
        cmocka_unit_test(test_utf8),              cmocka_unit_test(test_fail_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
