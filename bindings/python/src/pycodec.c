/* pycodec.c - dicts <-> headers, transactions and blocks; header/tx hashes; block encode/decode.
 *
 * Dict shapes (field names of core.md section 3, enums as the Rust/Python numbers):
 *   header       {codec_version, block_index, timestamp, parent_hash, merkle_root, miner_address,
 *                 commitment, difficulty_target, nonce, extra_data}
 *   transaction  {codec_version, tx_type (1..3), from, to, amount, nonce, gas_limit, gas_price,
 *                 signature (64 bytes), data, timestamp}
 *   problem      {problem_type (1..7), tier (1..5), elements [int64], target, timestamp}
 *   solution     {indices [uint32], timestamp}
 *   reveal       {problem, solution, miner_salt, nonce}
 *   block        {header, transactions [transaction], reveal, cid (str or None; may be absent)}
 */
#include "cjpy.h"

#include <string.h>

static const char *const names_header[] = {"header_dict"};
static const char *const names_tx[] = {"tx_dict"};
static const char *const names_block[] = {"block_dict"};
static const char *const names_bytes[] = {"bytes"};

/* Encodings at least this long are produced / decoded with the GIL released. */
#define CODEC_NOGIL_MIN 65536

/* ------------------------------------------------------------------------------------------------ */
/* dict -> struct                                                                                   */
/* ------------------------------------------------------------------------------------------------ */

/* Fills h from a header dict. extra_data of up to COINJECTURE_MAX_EXTRA_DATA bytes is copied into h and
 * *extra is left empty; a longer one stays borrowed in *extra with h->extra_data_len = 0 (the caller
 * splices or refuses it). Returns 0, or -1 with nothing held. */
static int header_from_dict(PyObject *d, const char *ctx, coinjecture_header *h, cj_pybytes *extra)
{
    uint64_t cv;
    memset(h, 0, sizeof(*h));
    memset(extra, 0, sizeof(*extra));
    if (cj_pyconv_dict(d, ctx) < 0 || cj_pyconv_get_u64(d, CJ_K_CODEC_VERSION, ctx, UINT8_MAX, &cv) < 0 ||
        cj_pyconv_get_u64(d, CJ_K_BLOCK_INDEX, ctx, UINT64_MAX, &h->block_index) < 0 ||
        cj_pyconv_get_i64(d, CJ_K_TIMESTAMP, ctx, &h->timestamp) < 0 ||
        cj_pyconv_get_fixed(d, CJ_K_PARENT_HASH, ctx, h->parent_hash, 32) < 0 ||
        cj_pyconv_get_fixed(d, CJ_K_MERKLE_ROOT, ctx, h->merkle_root, 32) < 0 ||
        cj_pyconv_get_fixed(d, CJ_K_MINER_ADDRESS, ctx, h->miner_address, 32) < 0 ||
        cj_pyconv_get_fixed(d, CJ_K_COMMITMENT, ctx, h->commitment, 32) < 0 ||
        cj_pyconv_get_u64(d, CJ_K_DIFFICULTY_TARGET, ctx, UINT64_MAX, &h->difficulty_target) < 0 ||
        cj_pyconv_get_u64(d, CJ_K_NONCE, ctx, UINT64_MAX, &h->nonce) < 0 ||
        cj_pyconv_get_bytes(d, CJ_K_EXTRA_DATA, ctx, extra) < 0)
        return -1;
    h->codec_version = (uint8_t)cv;
    if (extra->len <= COINJECTURE_MAX_EXTRA_DATA) {
        if (extra->len > 0) memcpy(h->extra_data, extra->ptr, extra->len);
        h->extra_data_len = (uint32_t)extra->len;
        cj_pyconv_bytes_release(extra);
    }
    return 0;
}

/* Reads a small enum number, refusing values outside lo..hi with the original's message prefix. */
static int get_enum(PyObject *d, cj_pykey k, const char *ctx, uint64_t lo, uint64_t hi, const char *msg,
                    uint8_t *out)
{
    uint64_t v;
    if (cj_pyconv_get_u64(d, k, ctx, UINT8_MAX, &v) < 0) return -1;
    if (v < lo || v > hi) {
        PyErr_Format(PyExc_ValueError, "%s: %llu (expected %llu..%llu)", msg, (unsigned long long)v,
                     (unsigned long long)lo, (unsigned long long)hi);
        return -1;
    }
    *out = (uint8_t)v;
    return 0;
}

/* Fills tx from a transaction dict; data stays borrowed in *data (tx->data points into it). Data over
 * COINJECTURE_MAX_TX_DATA is not attached (tx->data_len = 0; the caller looks at data->len). Returns 0,
 * or -1 with nothing held. */
static int tx_from_dict(PyObject *d, const char *ctx, coinjecture_tx *tx, cj_pybytes *data)
{
    uint64_t cv;
    memset(tx, 0, sizeof(*tx));
    memset(data, 0, sizeof(*data));
    if (cj_pyconv_dict(d, ctx) < 0 || cj_pyconv_get_u64(d, CJ_K_CODEC_VERSION, ctx, UINT8_MAX, &cv) < 0 ||
        get_enum(d, CJ_K_TX_TYPE, ctx, 1, 3, "Invalid tx_type", &tx->tx_type) < 0 ||
        cj_pyconv_get_fixed(d, CJ_K_FROM, ctx, tx->from, 32) < 0 ||
        cj_pyconv_get_fixed(d, CJ_K_TO, ctx, tx->to, 32) < 0 ||
        cj_pyconv_get_u64(d, CJ_K_AMOUNT, ctx, UINT64_MAX, &tx->amount) < 0 ||
        cj_pyconv_get_u64(d, CJ_K_NONCE, ctx, UINT64_MAX, &tx->nonce) < 0 ||
        cj_pyconv_get_u64(d, CJ_K_GAS_LIMIT, ctx, UINT64_MAX, &tx->gas_limit) < 0 ||
        cj_pyconv_get_u64(d, CJ_K_GAS_PRICE, ctx, UINT64_MAX, &tx->gas_price) < 0 ||
        cj_pyconv_get_fixed(d, CJ_K_SIGNATURE, ctx, tx->signature, 64) < 0 ||
        cj_pyconv_get_bytes(d, CJ_K_DATA, ctx, data) < 0)
        return -1;
    if (cj_pyconv_get_i64(d, CJ_K_TIMESTAMP, ctx, &tx->timestamp) < 0) {
        cj_pyconv_bytes_release(data);
        return -1;
    }
    tx->codec_version = (uint8_t)cv;
    if (data->len <= COINJECTURE_MAX_TX_DATA) {
        tx->data = data->len > 0 ? data->ptr : NULL;
        tx->data_len = (uint32_t)data->len;
    }
    return 0;
}

/* Converts a sequence of ints (int64 when max == 0, else unsigned up to max) into dst[0..cap); all
 * items are converted and checked, *count receives their number. Returns 0 or -1. */
static int int_seq(PyObject *o, const char *what, uint64_t max, void *dst, size_t cap, size_t *count)
{
    if (PyUnicode_Check(o) || PyDict_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be a sequence of int, not %.100s", what, Py_TYPE(o)->tp_name);
        return -1;
    }
    /* A tuple copy: converting items may run __index__, which could otherwise mutate a list. */
    PyObject *t = PySequence_Tuple(o);
    if (t == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "%s must be a sequence of int, not %.100s", what,
                         Py_TYPE(o)->tp_name);
        }
        return -1;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(t);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *it = PyTuple_GET_ITEM(t, i);
        int rc;
        if (max == 0) {
            int64_t v = 0;
            rc = cj_pyconv_i64(it, what, &v);
            if (rc == 0 && (size_t)i < cap) ((int64_t *)dst)[i] = v;
        } else {
            uint64_t v = 0;
            rc = cj_pyconv_u64(it, what, max, &v);
            if (rc == 0 && (size_t)i < cap) ((uint32_t *)dst)[i] = (uint32_t)v;
        }
        if (rc < 0) {
            Py_DECREF(t);
            return -1;
        }
    }
    Py_DECREF(t);
    *count = (size_t)n;
    return 0;
}

/* Problem dict -> struct (see cjpy.h). */
int cj_pycodec_problem(PyObject *d, const char *ctx, coinjecture_problem *p, size_t *n_total)
{
    memset(p, 0, sizeof(*p));
    if (cj_pyconv_dict(d, ctx) < 0 ||
        get_enum(d, CJ_K_PROBLEM_TYPE, ctx, 1, 7, "Invalid problem_type", &p->problem_type) < 0 ||
        get_enum(d, CJ_K_TIER, ctx, 1, 5, "Invalid tier", &p->tier) < 0)
        return -1;
    PyObject *el = cj_pyconv_get(d, CJ_K_ELEMENTS, ctx);
    if (el == NULL) return -1;
    int rc = int_seq(el, "elements", 0, p->elements, COINJECTURE_MAX_ELEMENTS, n_total);
    Py_DECREF(el);
    if (rc < 0 || cj_pyconv_get_i64(d, CJ_K_TARGET, ctx, &p->target) < 0 ||
        cj_pyconv_get_i64(d, CJ_K_TIMESTAMP, ctx, &p->timestamp) < 0)
        return -1;
    p->elements_len = (uint32_t)(*n_total < COINJECTURE_MAX_ELEMENTS ? *n_total : COINJECTURE_MAX_ELEMENTS);
    return 0;
}

/* Solution dict -> struct (see cjpy.h). */
int cj_pycodec_solution(PyObject *d, const char *ctx, coinjecture_solution *s, size_t *k_total)
{
    memset(s, 0, sizeof(*s));
    if (cj_pyconv_dict(d, ctx) < 0) return -1;
    PyObject *ix = cj_pyconv_get(d, CJ_K_INDICES, ctx);
    if (ix == NULL) return -1;
    int rc = int_seq(ix, "indices", UINT32_MAX, s->indices, COINJECTURE_MAX_ELEMENTS, k_total);
    Py_DECREF(ix);
    if (rc < 0 || cj_pyconv_get_i64(d, CJ_K_TIMESTAMP, ctx, &s->timestamp) < 0) return -1;
    s->indices_len = (uint32_t)(*k_total < COINJECTURE_MAX_ELEMENTS ? *k_total : COINJECTURE_MAX_ELEMENTS);
    return 0;
}

/* Reveal dict -> struct; a block cannot carry more than COINJECTURE_MAX_ELEMENTS elements or indices. */
static int reveal_from_dict(PyObject *d, coinjecture_reveal *r)
{
    size_t n = 0, k = 0;
    if (cj_pyconv_dict(d, "reveal") < 0) return -1;
    PyObject *p = cj_pyconv_get(d, CJ_K_PROBLEM, "reveal");
    if (p == NULL) return -1;
    int rc = cj_pycodec_problem(p, "problem", &r->problem, &n);
    Py_DECREF(p);
    if (rc < 0) return -1;
    PyObject *s = cj_pyconv_get(d, CJ_K_SOLUTION, "reveal");
    if (s == NULL) return -1;
    rc = cj_pycodec_solution(s, "solution", &r->solution, &k);
    Py_DECREF(s);
    if (rc < 0) return -1;
    if (n > COINJECTURE_MAX_ELEMENTS || k > COINJECTURE_MAX_ELEMENTS) {
        PyErr_Format(PyExc_ValueError, "reveal %s: at most %u values in a block (got %zu)",
                     n > COINJECTURE_MAX_ELEMENTS ? "problem elements" : "solution indices",
                     COINJECTURE_MAX_ELEMENTS, n > COINJECTURE_MAX_ELEMENTS ? n : k);
        return -1;
    }
    if (cj_pyconv_get_fixed(d, CJ_K_MINER_SALT, "reveal", r->miner_salt, 32) < 0 ||
        cj_pyconv_get_u64(d, CJ_K_NONCE, "reveal", UINT64_MAX, &r->nonce) < 0)
        return -1;
    return 0;
}

/* A block under construction with everything it borrows from Python. */
typedef struct {
    coinjecture_block b;
    cj_pybytes *datas; /* one per transaction */
    size_t ntx;
    PyObject *cid; /* keeps the str (and its cached UTF-8) alive */
} pyblock;

/* Releases what a pyblock borrows; safe on a partly built one. */
static void pyblock_release(pyblock *pb)
{
    for (size_t i = 0; i < pb->ntx; i++) cj_pyconv_bytes_release(&pb->datas[i]);
    PyMem_Free(pb->datas);
    PyMem_Free(pb->b.transactions);
    Py_CLEAR(pb->cid);
    memset(pb, 0, sizeof(*pb));
}

/* Fills the transactions of pb from a sequence of tx dicts. Returns 0 or -1. */
static int block_txs(PyObject *seqobj, pyblock *pb)
{
    if (PyUnicode_Check(seqobj) || PyDict_Check(seqobj) || PyBytes_Check(seqobj)) {
        PyErr_Format(PyExc_TypeError, "transactions must be a list of dicts, not %.100s",
                     Py_TYPE(seqobj)->tp_name);
        return -1;
    }
    PyObject *t = PySequence_Tuple(seqobj);
    if (t == NULL) return -1;
    Py_ssize_t n = PyTuple_GET_SIZE(t);
    if ((size_t)n > COINJECTURE_MAX_TX_PER_BLOCK) {
        PyErr_Format(PyExc_ValueError, "transactions: at most %u per block (got %zd)",
                     COINJECTURE_MAX_TX_PER_BLOCK, n);
        Py_DECREF(t);
        return -1;
    }
    if (n > 0) {
        pb->b.transactions = PyMem_Calloc((size_t)n, sizeof(coinjecture_tx));
        pb->datas = PyMem_Calloc((size_t)n, sizeof(cj_pybytes));
        if (pb->b.transactions == NULL || pb->datas == NULL) {
            Py_DECREF(t);
            PyErr_NoMemory();
            return -1;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        char ctx[40];
        snprintf(ctx, sizeof(ctx), "transactions[%zd]", i);
        if (tx_from_dict(PyTuple_GET_ITEM(t, i), ctx, &pb->b.transactions[i], &pb->datas[i]) < 0) {
            Py_DECREF(t);
            return -1;
        }
        pb->ntx = (size_t)i + 1;
        if (pb->datas[i].len > COINJECTURE_MAX_TX_DATA) {
            PyErr_Format(PyExc_ValueError, "%s data: at most %u bytes in a block (got %zu)", ctx,
                         COINJECTURE_MAX_TX_DATA, pb->datas[i].len);
            Py_DECREF(t);
            return -1;
        }
    }
    Py_DECREF(t);
    pb->b.tx_count = (uint32_t)n;
    return 0;
}

/* Block dict -> pyblock. Returns 0, or -1 with nothing held. */
static int block_from_dict(PyObject *d, pyblock *pb)
{
    memset(pb, 0, sizeof(*pb));
    if (cj_pyconv_dict(d, "block_dict") < 0) return -1;
    PyObject *h = cj_pyconv_get(d, CJ_K_HEADER, "block");
    if (h == NULL) return -1;
    cj_pybytes extra;
    int rc = header_from_dict(h, "header", &pb->b.header, &extra);
    Py_DECREF(h);
    if (rc < 0) return -1;
    if (extra.len > COINJECTURE_MAX_EXTRA_DATA) {
        PyErr_Format(PyExc_ValueError, "header extra_data: at most %u bytes in a block (got %zu)",
                     COINJECTURE_MAX_EXTRA_DATA, extra.len);
        cj_pyconv_bytes_release(&extra);
        return -1;
    }
    PyObject *txs = cj_pyconv_get(d, CJ_K_TRANSACTIONS, "block");
    if (txs == NULL) return -1;
    rc = block_txs(txs, pb);
    Py_DECREF(txs);
    if (rc < 0) goto fail;
    PyObject *rv = cj_pyconv_get(d, CJ_K_REVEAL, "block");
    if (rv == NULL) goto fail;
    rc = reveal_from_dict(rv, &pb->b.reveal);
    Py_DECREF(rv);
    if (rc < 0) goto fail;
    PyObject *cid = PyDict_GetItemWithError(d, cj_pyconv_keys[CJ_K_CID]); /* absent means None */
    if (cid == NULL && PyErr_Occurred()) goto fail;
    if (cid != NULL && cid != Py_None) {
        if (!PyUnicode_Check(cid)) {
            PyErr_Format(PyExc_TypeError, "cid must be a str or None, not %.100s", Py_TYPE(cid)->tp_name);
            goto fail;
        }
        Py_ssize_t len;
        const char *utf8 = PyUnicode_AsUTF8AndSize(cid, &len);
        if (utf8 == NULL) goto fail;
        if ((size_t)len != strlen(utf8)) {
            PyErr_SetString(PyExc_ValueError, "cid must not contain NUL characters");
            goto fail;
        }
        Py_INCREF(cid);
        pb->cid = cid;
        pb->b.cid = (char *)utf8; /* the encoder only reads it */
    }
    return 0;
fail:
    pyblock_release(pb);
    return -1;
}

/* ------------------------------------------------------------------------------------------------ */
/* struct -> dict                                                                                   */
/* ------------------------------------------------------------------------------------------------ */

/* bytes object from a C array. */
static PyObject *bytes_of(const uint8_t *p, size_t n)
{
    return PyBytes_FromStringAndSize((const char *)p, (Py_ssize_t)n);
}

/* A new dict, or NULL. Builders below fill one and drop it on the first failure. */
static PyObject *header_to_dict(const coinjecture_header *h)
{
    PyObject *d = PyDict_New();
    if (d == NULL) return NULL;
    if (cj_pyconv_set(d, CJ_K_CODEC_VERSION, PyLong_FromUnsignedLong(h->codec_version)) < 0 ||
        cj_pyconv_set(d, CJ_K_BLOCK_INDEX, PyLong_FromUnsignedLongLong(h->block_index)) < 0 ||
        cj_pyconv_set(d, CJ_K_TIMESTAMP, PyLong_FromLongLong(h->timestamp)) < 0 ||
        cj_pyconv_set(d, CJ_K_PARENT_HASH, bytes_of(h->parent_hash, 32)) < 0 ||
        cj_pyconv_set(d, CJ_K_MERKLE_ROOT, bytes_of(h->merkle_root, 32)) < 0 ||
        cj_pyconv_set(d, CJ_K_MINER_ADDRESS, bytes_of(h->miner_address, 32)) < 0 ||
        cj_pyconv_set(d, CJ_K_COMMITMENT, bytes_of(h->commitment, 32)) < 0 ||
        cj_pyconv_set(d, CJ_K_DIFFICULTY_TARGET, PyLong_FromUnsignedLongLong(h->difficulty_target)) < 0 ||
        cj_pyconv_set(d, CJ_K_NONCE, PyLong_FromUnsignedLongLong(h->nonce)) < 0 ||
        cj_pyconv_set(d, CJ_K_EXTRA_DATA, bytes_of(h->extra_data, h->extra_data_len)) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

/* Transaction -> dict (tx_type as its number). */
static PyObject *tx_to_dict(const coinjecture_tx *tx)
{
    PyObject *d = PyDict_New();
    if (d == NULL) return NULL;
    if (cj_pyconv_set(d, CJ_K_CODEC_VERSION, PyLong_FromUnsignedLong(tx->codec_version)) < 0 ||
        cj_pyconv_set(d, CJ_K_TX_TYPE, PyLong_FromUnsignedLong(tx->tx_type)) < 0 ||
        cj_pyconv_set(d, CJ_K_FROM, bytes_of(tx->from, 32)) < 0 ||
        cj_pyconv_set(d, CJ_K_TO, bytes_of(tx->to, 32)) < 0 ||
        cj_pyconv_set(d, CJ_K_AMOUNT, PyLong_FromUnsignedLongLong(tx->amount)) < 0 ||
        cj_pyconv_set(d, CJ_K_NONCE, PyLong_FromUnsignedLongLong(tx->nonce)) < 0 ||
        cj_pyconv_set(d, CJ_K_GAS_LIMIT, PyLong_FromUnsignedLongLong(tx->gas_limit)) < 0 ||
        cj_pyconv_set(d, CJ_K_GAS_PRICE, PyLong_FromUnsignedLongLong(tx->gas_price)) < 0 ||
        cj_pyconv_set(d, CJ_K_SIGNATURE, bytes_of(tx->signature, 64)) < 0 ||
        cj_pyconv_set(d, CJ_K_DATA, bytes_of(tx->data, tx->data_len)) < 0 ||
        cj_pyconv_set(d, CJ_K_TIMESTAMP, PyLong_FromLongLong(tx->timestamp)) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

/* List of n ints from int64 (is_signed) or uint32 values. */
static PyObject *int_list(const void *src, size_t n, int is_signed)
{
    PyObject *l = PyList_New((Py_ssize_t)n);
    if (l == NULL) return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *v = is_signed ? PyLong_FromLongLong(((const int64_t *)src)[i])
                                : PyLong_FromUnsignedLong(((const uint32_t *)src)[i]);
        if (v == NULL) {
            Py_DECREF(l);
            return NULL;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, v);
    }
    return l;
}

/* Problem -> {problem_type, tier, elements, target, timestamp} (enums as numbers). */
static PyObject *problem_to_dict(const coinjecture_problem *p)
{
    PyObject *d = PyDict_New();
    if (d == NULL) return NULL;
    if (cj_pyconv_set(d, CJ_K_PROBLEM_TYPE, PyLong_FromUnsignedLong(p->problem_type)) < 0 ||
        cj_pyconv_set(d, CJ_K_TIER, PyLong_FromUnsignedLong(p->tier)) < 0 ||
        cj_pyconv_set(d, CJ_K_ELEMENTS, int_list(p->elements, p->elements_len, 1)) < 0 ||
        cj_pyconv_set(d, CJ_K_TARGET, PyLong_FromLongLong(p->target)) < 0 ||
        cj_pyconv_set(d, CJ_K_TIMESTAMP, PyLong_FromLongLong(p->timestamp)) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

/* Solution -> {indices, timestamp}. */
static PyObject *solution_to_dict(const coinjecture_solution *s)
{
    PyObject *d = PyDict_New();
    if (d == NULL) return NULL;
    if (cj_pyconv_set(d, CJ_K_INDICES, int_list(s->indices, s->indices_len, 0)) < 0 ||
        cj_pyconv_set(d, CJ_K_TIMESTAMP, PyLong_FromLongLong(s->timestamp)) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

/* Reveal -> {problem, solution, miner_salt, nonce}. */
static PyObject *reveal_to_dict(const coinjecture_reveal *r)
{
    PyObject *d = PyDict_New();
    if (d == NULL) return NULL;
    if (cj_pyconv_set(d, CJ_K_PROBLEM, problem_to_dict(&r->problem)) < 0 ||
        cj_pyconv_set(d, CJ_K_SOLUTION, solution_to_dict(&r->solution)) < 0 ||
        cj_pyconv_set(d, CJ_K_MINER_SALT, bytes_of(r->miner_salt, 32)) < 0 ||
        cj_pyconv_set(d, CJ_K_NONCE, PyLong_FromUnsignedLongLong(r->nonce)) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

/* The cid as str, or None. */
static PyObject *cid_to_py(const char *cid)
{
    if (cid == NULL) Py_RETURN_NONE;
    return PyUnicode_DecodeUTF8(cid, (Py_ssize_t)strlen(cid), "strict");
}

/* Transactions -> list of dicts. */
static PyObject *txs_to_list(const coinjecture_tx *txs, uint32_t n)
{
    PyObject *l = PyList_New((Py_ssize_t)n);
    if (l == NULL) return NULL;
    for (uint32_t i = 0; i < n; i++) {
        PyObject *t = tx_to_dict(&txs[i]);
        if (t == NULL) {
            Py_DECREF(l);
            return NULL;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, t);
    }
    return l;
}

/* Decoded block -> {header, transactions, reveal, cid}. */
static PyObject *block_to_dict(const coinjecture_block *b)
{
    PyObject *d = PyDict_New();
    if (d == NULL) return NULL;
    if (cj_pyconv_set(d, CJ_K_HEADER, header_to_dict(&b->header)) < 0 ||
        cj_pyconv_set(d, CJ_K_TRANSACTIONS, txs_to_list(b->transactions, b->tx_count)) < 0 ||
        cj_pyconv_set(d, CJ_K_REVEAL, reveal_to_dict(&b->reveal)) < 0 ||
        cj_pyconv_set(d, CJ_K_CID, cid_to_py(b->cid)) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

/* ------------------------------------------------------------------------------------------------ */
/* Encoding helpers                                                                                 */
/* ------------------------------------------------------------------------------------------------ */

typedef CoinjResult (*encode_fn)(const void *obj, uint8_t *out, size_t cap, size_t *len);

/* Adapters giving the typed encoders one signature. */
static CoinjResult enc_tx(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_tx_encode((const coinjecture_tx *)o, out, cap, len);
}
/* (see enc_tx) */
static CoinjResult enc_block(const void *o, uint8_t *out, size_t cap, size_t *len)
{
    return coinjecture_block_encode((const coinjecture_block *)o, out, cap, len);
}

/* Encodes obj into a new bytes object: small objects through a stack buffer (one pass), large ones
 * sized first and then written in place, without the GIL when big. */
static PyObject *encode_obj(encode_fn fn, const void *obj)
{
    uint8_t stack[2048];
    size_t need = 0;
    CoinjResult rc = fn(obj, stack, sizeof(stack), &need);
    if (rc == COINJ_OK) return bytes_of(stack, need);
    if (rc != COINJ_ERROR_BUFFER_TOO_SMALL) return cj_pyconv_fail(rc);
    PyObject *res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)need);
    if (res == NULL) return NULL;
    size_t got = 0;
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(res);
    if (need >= CODEC_NOGIL_MIN) {
        Py_BEGIN_ALLOW_THREADS
        rc = fn(obj, out, need, &got);
        Py_END_ALLOW_THREADS
    } else {
        rc = fn(obj, out, need, &got);
    }
    if (rc != COINJ_OK) {
        Py_DECREF(res);
        return cj_pyconv_fail(rc);
    }
    if (got != need) {
        Py_DECREF(res);
        PyErr_Format(PyExc_SystemError, "encoder wrote %zu bytes after asking for %zu", got, need);
        return NULL;
    }
    return res;
}

/* ------------------------------------------------------------------------------------------------ */
/* Module functions                                                                                 */
/* ------------------------------------------------------------------------------------------------ */

/* compute_header_hash_py(header_dict) -> bytes(32): SHA-256 of the canonical header encoding. */
PyObject *cj_pycodec_header_hash(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    PyObject *d;
    coinjecture_header h;
    cj_pybytes extra;
    uint8_t out[32];
    if (nargs == 1 && kw == NULL)
        d = args[0];
    else if (cj_pyconv_args("compute_header_hash_py", args, nargs, kw, names_header, 1, &d) < 0)
        return NULL;
    if (cj_pyconv_dict(d, "header_dict") < 0 || header_from_dict(d, "header", &h, &extra) < 0) return NULL;
    if (extra.len > COINJECTURE_MAX_EXTRA_DATA) { /* hashing has no size limit (core.md section 1) */
        int rc = cj_pysplice_header_hash(&h, extra.ptr, extra.len, out);
        cj_pyconv_bytes_release(&extra);
        return rc < 0 ? NULL : bytes_of(out, 32);
    }
    CoinjResult rc = coinjecture_header_hash(&h, out);
    if (rc != COINJ_OK) return cj_pyconv_fail(rc);
    return bytes_of(out, 32);
}

/* encode_transaction_py(tx_dict) -> bytes: the canonical MessagePack encoding. */
PyObject *cj_pycodec_encode_tx(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    PyObject *d, *res;
    coinjecture_tx tx;
    cj_pybytes data;
    if (cj_pyconv_args("encode_transaction_py", args, nargs, kw, names_tx, 1, &d) < 0) return NULL;
    if (cj_pyconv_dict(d, "tx_dict") < 0 || tx_from_dict(d, "transaction", &tx, &data) < 0) return NULL;
    if (data.len > COINJECTURE_MAX_TX_DATA)
        res = cj_pysplice_tx_encode(&tx, data.ptr, data.len);
    else
        res = encode_obj(enc_tx, &tx);
    cj_pyconv_bytes_release(&data);
    return res;
}

/* compute_transaction_hash_py(tx_dict) -> bytes(32): the Merkle leaf (covers the signature). */
PyObject *cj_pycodec_tx_hash(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    PyObject *d;
    coinjecture_tx tx;
    cj_pybytes data;
    uint8_t out[32];
    if (nargs == 1 && kw == NULL)
        d = args[0];
    else if (cj_pyconv_args("compute_transaction_hash_py", args, nargs, kw, names_tx, 1, &d) < 0)
        return NULL;
    if (cj_pyconv_dict(d, "tx_dict") < 0 || tx_from_dict(d, "transaction", &tx, &data) < 0) return NULL;
    if (data.len > COINJECTURE_MAX_TX_DATA) {
        int rc = cj_pysplice_tx_hash(&tx, data.ptr, data.len, out);
        cj_pyconv_bytes_release(&data);
        return rc < 0 ? NULL : bytes_of(out, 32);
    }
    CoinjResult rc = coinjecture_tx_hash(&tx, out);
    cj_pyconv_bytes_release(&data);
    if (rc != COINJ_OK) return cj_pyconv_fail(rc);
    return bytes_of(out, 32);
}

/* encode_block_py(block_dict) -> bytes (a stub raising "Not implemented yet" in the original). */
PyObject *cj_pycodec_encode_block(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    PyObject *d;
    pyblock pb;
    if (cj_pyconv_args("encode_block_py", args, nargs, kw, names_block, 1, &d) < 0) return NULL;
    if (block_from_dict(d, &pb) < 0) return NULL;
    PyObject *res = encode_obj(enc_block, &pb.b);
    pyblock_release(&pb);
    return res;
}

/* decode_block_py(bytes) -> dict, accepting only the canonical encoding (strict decoder). */
PyObject *cj_pycodec_decode_block(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    PyObject *a;
    cj_pybytes in;
    coinjecture_block b;
    CoinjResult rc;
    if (cj_pyconv_args("decode_block_py", args, nargs, kw, names_bytes, 1, &a) < 0) return NULL;
    if (cj_pyconv_bytes(a, "bytes", &in) < 0) return NULL;
    memset(&b, 0, sizeof(b));
    if (in.len >= CODEC_NOGIL_MIN) {
        Py_BEGIN_ALLOW_THREADS
        rc = coinjecture_block_decode(in.ptr, in.len, &b);
        Py_END_ALLOW_THREADS
    } else {
        rc = coinjecture_block_decode(in.ptr, in.len, &b);
    }
    cj_pyconv_bytes_release(&in);
    if (rc != COINJ_OK) return cj_pyconv_fail(rc);
    PyObject *res = block_to_dict(&b);
    coinjecture_block_free(&b);
    return res;
}
