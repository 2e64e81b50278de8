/*
 * cjpy.h - internal interfaces of the CPython extension coinjecture._core (never installed).
 *
 * The extension is a thin layer over the public API of include/coinjecture.h: it converts Python
 * arguments to the library's structs, calls the library, and converts results and error codes back.
 * Files: pymod.c (module table), pyconv.c (argument conversion, errors), pyhash.c (hashes, Merkle,
 * salts), pycodec.c (dict <-> header/tx/block, encode/decode), pysplice.c (byte vectors over the
 * consensus limits), pyverify.c (subset-sum), pybackend.c (crypto backend selection).
 */
#ifndef CJPY_H
#define CJPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stddef.h>
#include <stdint.h>

#include "coinjecture.h"

/* Inputs at least this long are hashed with the GIL released (same idea as hashlib's threshold). */
#define CJ_PY_GIL_MIN 8192

/* ---- pyconv.c: dict keys, argument parsing, conversions, errors ---- */

/* Every dict key the module reads or writes, interned once at import. */
typedef enum {
    CJ_K_CODEC_VERSION, CJ_K_BLOCK_INDEX, CJ_K_TIMESTAMP, CJ_K_PARENT_HASH, CJ_K_MERKLE_ROOT,
    CJ_K_MINER_ADDRESS, CJ_K_COMMITMENT, CJ_K_DIFFICULTY_TARGET, CJ_K_NONCE, CJ_K_EXTRA_DATA,
    CJ_K_TX_TYPE, CJ_K_FROM, CJ_K_TO, CJ_K_AMOUNT, CJ_K_GAS_LIMIT, CJ_K_GAS_PRICE, CJ_K_SIGNATURE,
    CJ_K_DATA, CJ_K_PROBLEM_TYPE, CJ_K_TIER, CJ_K_ELEMENTS, CJ_K_TARGET, CJ_K_INDICES, CJ_K_MAX_OPS,
    CJ_K_MAX_DURATION_MS, CJ_K_MAX_MEMORY_BYTES, CJ_K_HEADER, CJ_K_TRANSACTIONS, CJ_K_REVEAL, CJ_K_CID,
    CJ_K_PROBLEM, CJ_K_SOLUTION, CJ_K_MINER_SALT, CJ_K_REQUESTED, CJ_K_ACTIVE, CJ_K_DETAIL,
    CJ_K_AVAILABLE, CJ_K_COUNT
} cj_pykey;

/* Interned key objects (valid after cj_pyconv_init). */
extern PyObject *cj_pyconv_keys[CJ_K_COUNT];
/* The key's name as a C string. */
const char *cj_pyconv_key_name(cj_pykey k);
/* Interns the keys; returns 0, or -1 with an exception set. */
int cj_pyconv_init(void);

/* Parses METH_FASTCALL|METH_KEYWORDS arguments by name into out[0..n) (borrowed references). All n
 * parameters are required. Returns 0, or -1 with TypeError set. */
int cj_pyconv_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                   const char *const *names, Py_ssize_t n, PyObject **out);

/* A borrowed view of a bytes-like argument. obj keeps a bytes object alive; view holds other buffers. */
typedef struct {
    const uint8_t *ptr;
    size_t len;
    PyObject *obj;
    Py_buffer view;
    int has_view;
} cj_pybytes;

/* Fills b from a bytes-like object (bytes without Py_buffer; any C-contiguous buffer otherwise; str is
 * refused). Returns 0, or -1 with TypeError/BufferError set (b then owns nothing). */
int cj_pyconv_bytes(PyObject *o, const char *what, cj_pybytes *b);
/* Releases what b holds; safe on a zeroed or already released b. */
void cj_pyconv_bytes_release(cj_pybytes *b);
/* Copies exactly n bytes from a bytes-like o into dst. A wrong length raises ValueError(lenmsg), or
 * "<what> must be <n> bytes" when lenmsg is NULL. Returns 0 or -1. */
int cj_pyconv_fixed(PyObject *o, const char *what, uint8_t *dst, size_t n, const char *lenmsg);

/* Integer conversions (int or __index__; bool counts as int, float does not). TypeError for other
 * types, OverflowError naming `what` when the value is outside 0..max or int64. Return 0 or -1. */
int cj_pyconv_u64(PyObject *o, const char *what, uint64_t max, uint64_t *out);
int cj_pyconv_i64(PyObject *o, const char *what, int64_t *out);

/* Raises TypeError unless o is a dict (or a subclass). Returns 0 or -1. */
int cj_pyconv_dict(PyObject *o, const char *what);
/* d[key] as a new reference; KeyError naming the key and the dict (ctx) when absent. */
PyObject *cj_pyconv_get(PyObject *d, cj_pykey k, const char *ctx);
/* d[key] converted like the functions above. Return 0 or -1. */
int cj_pyconv_get_u64(PyObject *d, cj_pykey k, const char *ctx, uint64_t max, uint64_t *out);
int cj_pyconv_get_i64(PyObject *d, cj_pykey k, const char *ctx, int64_t *out);
int cj_pyconv_get_fixed(PyObject *d, cj_pykey k, const char *ctx, uint8_t *dst, size_t n);
int cj_pyconv_get_bytes(PyObject *d, cj_pykey k, const char *ctx, cj_pybytes *b);

/* Sets d[key] = v and drops the reference to v (v may be NULL after a failed constructor).
 * Returns 0, or -1 with an exception set. */
int cj_pyconv_set(PyObject *d, cj_pykey k, PyObject *v);

/* Raises the Python exception for a library failure code (MemoryError for COINJ_ERROR_OUT_OF_MEMORY,
 * ValueError with the library's message and code name otherwise) and returns NULL. */
PyObject *cj_pyconv_fail(CoinjResult rc);

/* ---- pyhash.c ---- */
PyObject *cj_pyhash_sha256(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);
PyObject *cj_pyhash_double_sha256(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);
PyObject *cj_pyhash_address(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);
PyObject *cj_pyhash_epoch_salt(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);
PyObject *cj_pyhash_miner_salt(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);
PyObject *cj_pyhash_merkle_root(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);

/* ---- pycodec.c ---- */

/* Problem dict -> struct. Stores at most COINJECTURE_MAX_ELEMENTS elements but converts (and checks)
 * all of them; *n_total receives their number. Returns 0 or -1. */
int cj_pycodec_problem(PyObject *d, const char *ctx, coinjecture_problem *p, size_t *n_total);
/* Solution dict -> struct, same convention for indices. */
int cj_pycodec_solution(PyObject *d, const char *ctx, coinjecture_solution *s, size_t *k_total);

PyObject *cj_pycodec_header_hash(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);
PyObject *cj_pycodec_encode_tx(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);
PyObject *cj_pycodec_tx_hash(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);
PyObject *cj_pycodec_encode_block(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);
PyObject *cj_pycodec_decode_block(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);

/* ---- pysplice.c: objects whose byte vector (extra_data / data) is over its consensus limit ---- */

/* The encoder refuses such objects, but the original hashed and encoded them. These functions encode
 * the object with an empty vector (enc, enc_len), find the empty array 0x90 at the position the codec
 * puts it, and splice in the canonical array-of-uints encoding of blob. */

/* Header hash with any extra_data length (h->extra_data_len must be 0). Returns 0 or -1. */
int cj_pysplice_header_hash(const coinjecture_header *h, const uint8_t *blob, size_t len,
                            uint8_t out[32]);
/* Transaction hash / encoding with any data length (tx->data_len must be 0). */
int cj_pysplice_tx_hash(const coinjecture_tx *tx, const uint8_t *blob, size_t len, uint8_t out[32]);
PyObject *cj_pysplice_tx_encode(const coinjecture_tx *tx, const uint8_t *blob, size_t len);

/* ---- pyverify.c ---- */
PyObject *cj_pyverify_subset_sum(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);

/* ---- pybackend.c ---- */
PyObject *cj_pybackend_set(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);
PyObject *cj_pybackend_active(PyObject *m, PyObject *unused);
PyObject *cj_pybackend_list(PyObject *m, PyObject *unused);
PyObject *cj_pybackend_info(PyObject *m, PyObject *unused);

#endif /* CJPY_H */
