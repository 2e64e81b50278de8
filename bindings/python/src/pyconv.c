/* pyconv.c - Python argument parsing and conversions shared by the whole extension. */
#include "cjpy.h"

#include <string.h>

PyObject *cj_pyconv_keys[CJ_K_COUNT];

static const char *const key_names[CJ_K_COUNT] = {
    "codec_version", "block_index", "timestamp", "parent_hash", "merkle_root", "miner_address",
    "commitment", "difficulty_target", "nonce", "extra_data", "tx_type", "from", "to", "amount",
    "gas_limit", "gas_price", "signature", "data", "problem_type", "tier", "elements", "target",
    "indices", "max_ops", "max_duration_ms", "max_memory_bytes", "header", "transactions", "reveal",
    "cid", "problem", "solution", "miner_salt", "requested", "active", "detail", "available"};

/* Key names are needed in error messages. */
const char *cj_pyconv_key_name(cj_pykey k)
{
    return key_names[k];
}

/* Interning once makes every dict lookup a pointer-compare on a cached hash. */
int cj_pyconv_init(void)
{
    for (int i = 0; i < CJ_K_COUNT; i++) {
        if (cj_pyconv_keys[i] != NULL) continue;
        cj_pyconv_keys[i] = PyUnicode_InternFromString(key_names[i]);
        if (cj_pyconv_keys[i] == NULL) return -1;
    }
    return 0;
}

/* Keyword support keeps callers that wrote sha256_hash(data=...) against the PyO3 module working. */
int cj_pyconv_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                   const char *const *names, Py_ssize_t n, PyObject **out)
{
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    if (nargs > n || (nkw == 0 && nargs != n)) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd argument%s (%zd given)", fname, n,
                     n == 1 ? "" : "s", nargs + nkw);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) out[i] = i < nargs ? args[i] : NULL;
    for (Py_ssize_t j = 0; j < nkw; j++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, j);
        Py_ssize_t i = 0;
        while (i < n && PyUnicode_CompareWithASCIIString(key, names[i]) != 0) i++;
        if (i == n) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fname, key);
            return -1;
        }
        if (out[i] != NULL) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", fname, names[i]);
            return -1;
        }
        out[i] = args[nargs + j];
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (out[i] == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s' (pos %zd)", fname,
                         names[i], i + 1);
            return -1;
        }
    }
    return 0;
}

/* bytes is read in place (no Py_buffer); other buffers are exported so they cannot resize meanwhile. */
int cj_pyconv_bytes(PyObject *o, const char *what, cj_pybytes *b)
{
    memset(b, 0, sizeof(*b));
    if (PyBytes_Check(o)) {
        b->ptr = (const uint8_t *)PyBytes_AS_STRING(o);
        b->len = (size_t)PyBytes_GET_SIZE(o);
        Py_INCREF(o);
        b->obj = o;
        return 0;
    }
    if (PyUnicode_Check(o) || !PyObject_CheckBuffer(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be bytes, not %.100s", what, Py_TYPE(o)->tp_name);
        return -1;
    }
    if (PyObject_GetBuffer(o, &b->view, PyBUF_SIMPLE) < 0) {
        if (PyErr_ExceptionMatches(PyExc_BufferError)) { /* e.g. a non-contiguous memoryview */
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "%s must be a contiguous bytes-like object", what);
        }
        return -1;
    }
    b->has_view = 1;
    b->ptr = (const uint8_t *)b->view.buf;
    b->len = (size_t)b->view.len;
    return 0;
}

/* Pairs with cj_pyconv_bytes; idempotent so error paths can call it unconditionally. */
void cj_pyconv_bytes_release(cj_pybytes *b)
{
    if (b->has_view) PyBuffer_Release(&b->view);
    Py_CLEAR(b->obj);
    b->has_view = 0;
    b->ptr = NULL;
    b->len = 0;
}

/* Fixed-size fields (hashes, keys, signatures) are copied at once so nothing stays borrowed. */
int cj_pyconv_fixed(PyObject *o, const char *what, uint8_t *dst, size_t n, const char *lenmsg)
{
    cj_pybytes b;
    if (cj_pyconv_bytes(o, what, &b) < 0) return -1;
    if (b.len != n) {
        if (lenmsg != NULL)
            PyErr_Format(PyExc_ValueError, "%s (got %zu)", lenmsg, b.len);
        else
            PyErr_Format(PyExc_ValueError, "%s must be %zu bytes (got %zu)", what, n, b.len);
        cj_pyconv_bytes_release(&b);
        return -1;
    }
    memcpy(dst, b.ptr, n);
    cj_pyconv_bytes_release(&b);
    return 0;
}

/* Returns o as an exact int (new reference) or NULL with TypeError; floats never truncate silently. */
static PyObject *as_int(PyObject *o, const char *what)
{
    if (PyLong_CheckExact(o)) {
        Py_INCREF(o);
        return o;
    }
    if (PyFloat_Check(o) || !PyIndex_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be an int, not %.100s", what, Py_TYPE(o)->tp_name);
        return NULL;
    }
    return PyNumber_Index(o);
}

/* Unsigned fields keep their full width (u64 up to 2^64-1); max narrows u8/u32 fields. */
int cj_pyconv_u64(PyObject *o, const char *what, uint64_t max, uint64_t *out)
{
    PyObject *n = as_int(o, what);
    if (n == NULL) return -1;
    unsigned long long v = PyLong_AsUnsignedLongLong(n);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError)) {
            Py_DECREF(n);
            return -1;
        }
        PyErr_Clear();
    } else if ((uint64_t)v <= max) {
        Py_DECREF(n);
        *out = (uint64_t)v;
        return 0;
    }
    PyErr_Format(PyExc_OverflowError, "%s out of range (0..%llu): %R", what, (unsigned long long)max, n);
    Py_DECREF(n);
    return -1;
}

/* Signed fields (timestamp, elements, target) are int64 on the wire. */
int cj_pyconv_i64(PyObject *o, const char *what, int64_t *out)
{
    PyObject *n = as_int(o, what);
    if (n == NULL) return -1;
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(n, &overflow);
    if (overflow != 0) {
        PyErr_Format(PyExc_OverflowError, "%s out of range (%lld..%lld): %R", what, (long long)INT64_MIN,
                     (long long)INT64_MAX, n);
        Py_DECREF(n);
        return -1;
    }
    Py_DECREF(n);
    if (v == -1 && PyErr_Occurred()) return -1;
    *out = (int64_t)v;
    return 0;
}

/* The original API took dicts (PyO3 &PyDict); anything else is a caller bug worth a TypeError. */
int cj_pyconv_dict(PyObject *o, const char *what)
{
    if (PyDict_Check(o)) return 0;
    PyErr_Format(PyExc_TypeError, "%s must be a dict, not %.100s", what, Py_TYPE(o)->tp_name);
    return -1;
}

/* A new reference protects the value while converters run user code (__index__) that may mutate d. */
PyObject *cj_pyconv_get(PyObject *d, cj_pykey k, const char *ctx)
{
    PyObject *v = PyDict_GetItemWithError(d, cj_pyconv_keys[k]);
    if (v != NULL) {
        Py_INCREF(v);
        return v;
    }
    if (!PyErr_Occurred())
        PyErr_Format(PyExc_KeyError, "%s dict is missing key '%s'", ctx, key_names[k]);
    return NULL;
}

/* Dict field -> unsigned integer. */
int cj_pyconv_get_u64(PyObject *d, cj_pykey k, const char *ctx, uint64_t max, uint64_t *out)
{
    PyObject *v = cj_pyconv_get(d, k, ctx);
    if (v == NULL) return -1;
    int rc = cj_pyconv_u64(v, key_names[k], max, out);
    Py_DECREF(v);
    return rc;
}

/* Dict field -> signed 64-bit integer. */
int cj_pyconv_get_i64(PyObject *d, cj_pykey k, const char *ctx, int64_t *out)
{
    PyObject *v = cj_pyconv_get(d, k, ctx);
    if (v == NULL) return -1;
    int rc = cj_pyconv_i64(v, key_names[k], out);
    Py_DECREF(v);
    return rc;
}

/* Dict field -> fixed byte array; the message "<key> must be N bytes" is the original's. */
int cj_pyconv_get_fixed(PyObject *d, cj_pykey k, const char *ctx, uint8_t *dst, size_t n)
{
    PyObject *v = cj_pyconv_get(d, k, ctx);
    if (v == NULL) return -1;
    int rc = cj_pyconv_fixed(v, key_names[k], dst, n, NULL);
    Py_DECREF(v);
    return rc;
}

/* Dict field -> borrowed byte view (b keeps the object alive even if d is mutated later). */
int cj_pyconv_get_bytes(PyObject *d, cj_pykey k, const char *ctx, cj_pybytes *b)
{
    memset(b, 0, sizeof(*b));
    PyObject *v = cj_pyconv_get(d, k, ctx);
    if (v == NULL) return -1;
    int rc = cj_pyconv_bytes(v, key_names[k], b);
    Py_DECREF(v);
    return rc;
}

/* Builders stay linear: each value is created, stored and released in one call. */
int cj_pyconv_set(PyObject *d, cj_pykey k, PyObject *v)
{
    if (v == NULL) return -1;
    int rc = PyDict_SetItem(d, cj_pyconv_keys[k], v);
    Py_DECREF(v);
    return rc;
}

/* One place maps library codes to Python exceptions, with the library's own explanation. */
PyObject *cj_pyconv_fail(CoinjResult rc)
{
    if (rc == COINJ_ERROR_OUT_OF_MEMORY) return PyErr_NoMemory();
    const char *msg = coinjecture_last_error_message();
    if (msg == NULL || msg[0] == '\0')
        PyErr_Format(PyExc_ValueError, "%s", coinjecture_result_name(rc));
    else
        PyErr_Format(PyExc_ValueError, "%s (%s)", msg, coinjecture_result_name(rc));
    return NULL;
}
