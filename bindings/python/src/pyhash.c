/* pyhash.c - sha256_hash, double_sha256_hash, addresses, salts and the Merkle root. */
#include "cjpy.h"

#include <string.h>

static const char *const names_data[] = {"data"};
static const char *const names_pubkey[] = {"pubkey"};
static const char *const names_epoch[] = {"parent_hash", "block_index"};
static const char *const names_miner[] = {"priv_key", "epoch_salt", "parent_hash", "block_index"};
static const char *const names_merkle[] = {"tx_hashes"};

/* Leaves up to this count are gathered on the stack; Merkle roots of more run without the GIL. */
#define MERKLE_STACK_LEAVES 64

/* Hashes data straight into a new 32-byte bytes object (twice for double SHA-256): the hot path is a
 * bytes argument read in place, with the GIL released only when the input is long enough to pay. */
static PyObject *digest(PyObject *data, int twice)
{
    cj_pybytes in;
    if (PyBytes_CheckExact(data)) {
        in.ptr = (const uint8_t *)PyBytes_AS_STRING(data);
        in.len = (size_t)PyBytes_GET_SIZE(data);
        in.obj = NULL;
        in.has_view = 0;
    } else if (cj_pyconv_bytes(data, "data", &in) < 0) {
        return NULL;
    }
    PyObject *res = PyBytes_FromStringAndSize(NULL, 32);
    if (res == NULL) {
        cj_pyconv_bytes_release(&in);
        return NULL;
    }
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(res);
    CoinjResult rc;
    if (in.len >= CJ_PY_GIL_MIN) {
        Py_BEGIN_ALLOW_THREADS
        rc = coinjecture_sha256(in.ptr, in.len, out);
        Py_END_ALLOW_THREADS
    } else {
        rc = coinjecture_sha256(in.ptr, in.len, out);
    }
    if (rc == COINJ_OK && twice) {
        uint8_t first[32];
        memcpy(first, out, 32);
        rc = coinjecture_sha256(first, 32, out);
    }
    cj_pyconv_bytes_release(&in);
    if (rc != COINJ_OK) {
        Py_DECREF(res);
        return cj_pyconv_fail(rc);
    }
    return res;
}

/* sha256_hash(data: bytes) -> bytes(32). */
PyObject *cj_pyhash_sha256(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    PyObject *data;
    if (nargs == 1 && kw == NULL)
        data = args[0];
    else if (cj_pyconv_args("sha256_hash", args, nargs, kw, names_data, 1, &data) < 0)
        return NULL;
    return digest(data, 0);
}

/* double_sha256_hash(data: bytes) -> bytes(32) = SHA-256(SHA-256(data)). */
PyObject *cj_pyhash_double_sha256(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    PyObject *data;
    if (nargs == 1 && kw == NULL)
        data = args[0];
    else if (cj_pyconv_args("double_sha256_hash", args, nargs, kw, names_data, 1, &data) < 0)
        return NULL;
    return digest(data, 1);
}

/* Wraps a finished 32-byte result or turns the library's failure into an exception. */
static PyObject *result32(CoinjResult rc, const uint8_t out[32])
{
    if (rc != COINJ_OK) return cj_pyconv_fail(rc);
    return PyBytes_FromStringAndSize((const char *)out, 32);
}

/* derive_address_from_pubkey(pubkey: bytes) -> bytes(32) = SHA-256(pubkey). */
PyObject *cj_pyhash_address(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    PyObject *a;
    uint8_t pk[32], out[32];
    if (cj_pyconv_args("derive_address_from_pubkey", args, nargs, kw, names_pubkey, 1, &a) < 0) return NULL;
    if (cj_pyconv_fixed(a, "pubkey", pk, 32, "Public key must be 32 bytes") < 0) return NULL;
    return result32(coinjecture_derive_address(pk, out), out);
}

/* compute_epoch_salt_py(parent_hash: bytes, block_index: int) -> bytes(32). */
PyObject *cj_pyhash_epoch_salt(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    PyObject *a[2];
    uint8_t parent[32], out[32];
    uint64_t index;
    if (cj_pyconv_args("compute_epoch_salt_py", args, nargs, kw, names_epoch, 2, a) < 0) return NULL;
    if (cj_pyconv_u64(a[1], "block_index", UINT64_MAX, &index) < 0) return NULL;
    if (cj_pyconv_fixed(a[0], "parent_hash", parent, 32, "Parent hash must be 32 bytes") < 0) return NULL;
    return result32(coinjecture_epoch_salt(parent, index, out), out);
}

/* compute_miner_salt_py(priv_key, epoch_salt, parent_hash: bytes, block_index: int) -> bytes(32). */
PyObject *cj_pyhash_miner_salt(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    PyObject *a[4];
    uint8_t key[32], epoch[32], parent[32], out[32];
    uint64_t index;
    static const char msg[] = "All hashes must be 32 bytes";
    if (cj_pyconv_args("compute_miner_salt_py", args, nargs, kw, names_miner, 4, a) < 0) return NULL;
    if (cj_pyconv_u64(a[3], "block_index", UINT64_MAX, &index) < 0) return NULL;
    if (cj_pyconv_fixed(a[0], "priv_key", key, 32, msg) < 0 ||
        cj_pyconv_fixed(a[1], "epoch_salt", epoch, 32, msg) < 0 ||
        cj_pyconv_fixed(a[2], "parent_hash", parent, 32, msg) < 0)
        return NULL;
    return result32(coinjecture_miner_salt(key, epoch, parent, index, out), out);
}

/* Copies the 32-byte leaves of seq into a contiguous array. No Python code can run here (bytes and
 * C buffers only), so the fast-sequence item array stays valid throughout. Returns 0 or -1. */
static int gather_leaves(PyObject *seq, Py_ssize_t n, uint8_t (*leaves)[32])
{
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *it = items[i];
        if (PyBytes_Check(it)) {
            if (PyBytes_GET_SIZE(it) != 32) {
                PyErr_Format(PyExc_ValueError, "Transaction hash must be 32 bytes (tx_hashes[%zd] has %zd)",
                             i, PyBytes_GET_SIZE(it));
                return -1;
            }
            memcpy(leaves[i], PyBytes_AS_STRING(it), 32);
            continue;
        }
        cj_pybytes b;
        if (cj_pyconv_bytes(it, "Transaction hash", &b) < 0) return -1;
        if (b.len != 32) {
            PyErr_Format(PyExc_ValueError, "Transaction hash must be 32 bytes (tx_hashes[%zd] has %zu)", i,
                         b.len);
            cj_pyconv_bytes_release(&b);
            return -1;
        }
        memcpy(leaves[i], b.ptr, 32);
        cj_pyconv_bytes_release(&b);
    }
    return 0;
}

/* compute_merkle_root_py(tx_hashes: Sequence[bytes]) -> bytes(32); [] gives 32 zero bytes. */
PyObject *cj_pyhash_merkle_root(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    PyObject *arg;
    if (nargs == 1 && kw == NULL)
        arg = args[0];
    else if (cj_pyconv_args("compute_merkle_root_py", args, nargs, kw, names_merkle, 1, &arg) < 0)
        return NULL;
    if (PyUnicode_Check(arg) || PyBytes_Check(arg) || PyByteArray_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "tx_hashes must be a sequence of 32-byte hashes, not %.100s",
                     Py_TYPE(arg)->tp_name);
        return NULL;
    }
    PyObject *seq = PySequence_Fast(arg, "tx_hashes must be a sequence of 32-byte hashes");
    if (seq == NULL) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    uint8_t stack[MERKLE_STACK_LEAVES][32];
    uint8_t (*leaves)[32] = stack;
    if (n > MERKLE_STACK_LEAVES) {
        leaves = PyMem_Malloc((size_t)n * 32);
        if (leaves == NULL) {
            Py_DECREF(seq);
            return PyErr_NoMemory();
        }
    }
    PyObject *res = NULL;
    if (gather_leaves(seq, n, leaves) == 0 && (res = PyBytes_FromStringAndSize(NULL, 32)) != NULL) {
        uint8_t *out = (uint8_t *)PyBytes_AS_STRING(res);
        CoinjResult rc;
        if (n > MERKLE_STACK_LEAVES) {
            Py_BEGIN_ALLOW_THREADS
            rc = coinjecture_merkle_root((const uint8_t(*)[32])leaves, (size_t)n, out);
            Py_END_ALLOW_THREADS
        } else {
            rc = coinjecture_merkle_root((const uint8_t(*)[32])leaves, (size_t)n, out);
        }
        if (rc != COINJ_OK) {
            Py_CLEAR(res);
            cj_pyconv_fail(rc);
        }
    }
    if (leaves != stack) PyMem_Free(leaves);
    Py_DECREF(seq);
    return res;
}
