/* pysplice.c - hashes and encodings of headers / transactions whose byte vector exceeds the consensus
 * limit (extra_data > 256 bytes, data > 1 MiB). The library's encoders refuse those, but the original
 * Python API hashed and encoded them, and hashing has no size rule (core.md section 1). The library
 * encodes the object with an empty vector; the vector (an array of uints, core.md section 4.1) is the
 * one part spliced in here. */
#include "cjpy.h"

#include <string.h>

/* Where bytes go: a running hash, or a caller buffer. */
typedef struct {
    coinjecture_sha256_ctx *ctx;
    uint8_t *out;
    size_t pos;
    CoinjResult rc; /* first hash failure (sticky: later bytes are dropped) */
} sink;

/* Appends n bytes to the sink. */
static void sink_put(sink *s, const uint8_t *p, size_t n)
{
    if (s->ctx != NULL) {
        if (s->rc == COINJ_OK) s->rc = coinjecture_sha256_update(s->ctx, p, n);
    } else {
        memcpy(s->out + s->pos, p, n);
        s->pos += n;
    }
}

/* MessagePack array header for n elements (n <= UINT32_MAX); returns its length. */
static size_t array_header(size_t n, uint8_t hdr[5])
{
    if (n < 16) {
        hdr[0] = (uint8_t)(0x90 | n);
        return 1;
    }
    if (n <= 0xffff) {
        hdr[0] = 0xdc;
        hdr[1] = (uint8_t)(n >> 8);
        hdr[2] = (uint8_t)n;
        return 3;
    }
    hdr[0] = 0xdd;
    for (int i = 0; i < 4; i++) hdr[1 + i] = (uint8_t)(n >> (24 - 8 * i));
    return 5;
}

/* Encoded size of the vector: header plus one byte per value, two for values >= 0x80 (cc xx). */
static size_t vec_size(const uint8_t *b, size_t n)
{
    uint8_t hdr[5];
    size_t size = array_header(n, hdr) + n;
    for (size_t i = 0; i < n; i++) size += b[i] >> 7;
    return size;
}

/* Writes the vector's encoding in chunks. */
static void put_vec(sink *s, const uint8_t *b, size_t n)
{
    uint8_t buf[1024];
    size_t used = array_header(n, buf);
    for (size_t i = 0; i < n; i++) {
        if (used + 2 > sizeof(buf)) {
            sink_put(s, buf, used);
            used = 0;
        }
        if (b[i] >= 0x80) buf[used++] = 0xcc;
        buf[used++] = b[i];
    }
    sink_put(s, buf, used);
}

/* Emits enc with the empty array at enc[pos] replaced by the vector. */
static void put_spliced(sink *s, const uint8_t *enc, size_t enc_len, size_t pos, const uint8_t *b, size_t n)
{
    sink_put(s, enc, pos);
    put_vec(s, b, n);
    sink_put(s, enc + pos + 1, enc_len - pos - 1);
}

/* Refuses vectors a MessagePack array cannot hold. */
static int check_len(size_t n)
{
    if ((uint64_t)n > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "byte vector too long for a MessagePack array");
        return -1;
    }
    return 0;
}

/* Encodes h (empty extra_data) into enc; the empty array is the last byte. Returns its position or -1. */
static Py_ssize_t header_base(const coinjecture_header *h, uint8_t *enc, size_t cap, size_t *enc_len)
{
    CoinjResult rc = coinjecture_header_encode(h, enc, cap, enc_len);
    if (rc != COINJ_OK) {
        cj_pyconv_fail(rc);
        return -1;
    }
    if (*enc_len == 0 || enc[*enc_len - 1] != 0x90) {
        PyErr_SetString(PyExc_SystemError, "header encoding does not end with extra_data");
        return -1;
    }
    return (Py_ssize_t)(*enc_len - 1);
}

/* Encodes tx (empty data) into enc and finds `data: []` just before the final timestamp key. */
static Py_ssize_t tx_base(const coinjecture_tx *tx, uint8_t *enc, size_t cap, size_t *enc_len)
{
    static const uint8_t ts_key[10] = {0xa9, 't', 'i', 'm', 'e', 's', 't', 'a', 'm', 'p'};
    CoinjResult rc = coinjecture_tx_encode(tx, enc, cap, enc_len);
    if (rc != COINJ_OK) {
        cj_pyconv_fail(rc);
        return -1;
    }
    /* After the array come the 10-byte key and a 1..9-byte value: it sits 12..20 bytes from the end. */
    for (size_t back = 12; back <= 20 && back <= *enc_len; back++) {
        size_t pos = *enc_len - back;
        if (enc[pos] == 0x90 && memcmp(enc + pos + 1, ts_key, sizeof(ts_key)) == 0) return (Py_ssize_t)pos;
    }
    PyErr_SetString(PyExc_SystemError, "transaction encoding has no data field before timestamp");
    return -1;
}

/* Streams the spliced encoding into SHA-256 without the GIL (blob is held by the caller). */
static int hash_spliced(const uint8_t *enc, size_t enc_len, size_t pos, const uint8_t *b, size_t n,
                        uint8_t out[32])
{
    coinjecture_sha256_ctx ctx;
    sink s = {&ctx, NULL, 0, COINJ_OK};
    CoinjResult rc;
    Py_BEGIN_ALLOW_THREADS
    rc = coinjecture_sha256_init(&ctx);
    if (rc == COINJ_OK) {
        put_spliced(&s, enc, enc_len, pos, b, n);
        rc = s.rc == COINJ_OK ? coinjecture_sha256_final(&ctx, out) : s.rc;
    }
    Py_END_ALLOW_THREADS
    if (rc != COINJ_OK) {
        cj_pyconv_fail(rc);
        return -1;
    }
    return 0;
}

/* Header hash with an extra_data of any length. */
int cj_pysplice_header_hash(const coinjecture_header *h, const uint8_t *blob, size_t len, uint8_t out[32])
{
    uint8_t enc[512];
    size_t enc_len = 0;
    if (check_len(len) < 0) return -1;
    Py_ssize_t pos = header_base(h, enc, sizeof(enc), &enc_len);
    if (pos < 0) return -1;
    return hash_spliced(enc, enc_len, (size_t)pos, blob, len, out);
}

/* Transaction hash with data of any length. */
int cj_pysplice_tx_hash(const coinjecture_tx *tx, const uint8_t *blob, size_t len, uint8_t out[32])
{
    uint8_t enc[512];
    size_t enc_len = 0;
    if (check_len(len) < 0) return -1;
    Py_ssize_t pos = tx_base(tx, enc, sizeof(enc), &enc_len);
    if (pos < 0) return -1;
    return hash_spliced(enc, enc_len, (size_t)pos, blob, len, out);
}

/* Transaction encoding with data of any length, written straight into the result bytes object. */
PyObject *cj_pysplice_tx_encode(const coinjecture_tx *tx, const uint8_t *blob, size_t len)
{
    uint8_t enc[512];
    size_t enc_len = 0;
    if (check_len(len) < 0) return NULL;
    Py_ssize_t pos = tx_base(tx, enc, sizeof(enc), &enc_len);
    if (pos < 0) return NULL;
    size_t total = enc_len - 1 + vec_size(blob, len);
    PyObject *res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)total);
    if (res == NULL) return NULL;
    sink s = {NULL, (uint8_t *)PyBytes_AS_STRING(res), 0, COINJ_OK};
    Py_BEGIN_ALLOW_THREADS
    put_spliced(&s, enc, enc_len, (size_t)pos, blob, len);
    Py_END_ALLOW_THREADS
    return res;
}
