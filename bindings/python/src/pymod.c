/* pymod.c - the module coinjecture._core: method table, constants, PyInit__core. */
#include "cjpy.h"

/* METH_FASTCALL functions are stored as PyCFunction; the double cast keeps -Wcast-function-type quiet. */
#define FAST(fn) ((PyCFunction)(void (*)(void))(fn))
#define FASTKW (METH_FASTCALL | METH_KEYWORDS)

static PyMethodDef methods[] = {
    {"sha256_hash", FAST(cj_pyhash_sha256), FASTKW,
     "sha256_hash($module, /, data)\n--\n\nSHA-256 of data (bytes-like); returns 32 raw bytes."},
    {"double_sha256_hash", FAST(cj_pyhash_double_sha256), FASTKW,
     "double_sha256_hash($module, /, data)\n--\n\nSHA-256(SHA-256(data)); returns 32 bytes."},
    {"derive_address_from_pubkey", FAST(cj_pyhash_address), FASTKW,
     "derive_address_from_pubkey($module, /, pubkey)\n--\n\n"
     "Address of a 32-byte public key: SHA-256(pubkey)."},
    {"compute_epoch_salt_py", FAST(cj_pyhash_epoch_salt), FASTKW,
     "compute_epoch_salt_py($module, /, parent_hash, block_index)\n--\n\n"
     "SHA-256(parent_hash || u64 little-endian block_index)."},
    {"compute_header_hash_py", FAST(cj_pycodec_header_hash), FASTKW,
     "compute_header_hash_py($module, /, header_dict)\n--\n\n"
     "Block hash: SHA-256 of the canonical MessagePack encoding of the header dict\n"
     "{codec_version, block_index, timestamp, parent_hash, merkle_root, miner_address, commitment,\n"
     "difficulty_target, nonce, extra_data}."},
    {"encode_block_py", FAST(cj_pycodec_encode_block), FASTKW,
     "encode_block_py($module, /, block_dict)\n--\n\n"
     "Canonical encoding of {header, transactions, reveal, cid}: header as for\n"
     "compute_header_hash_py, transactions a list of transaction dicts, reveal\n"
     "{problem, solution, miner_salt, nonce}, cid a str or None."},
    {"decode_block_py", FAST(cj_pycodec_decode_block), FASTKW,
     "decode_block_py($module, /, bytes)\n--\n\n"
     "Strict inverse of encode_block_py: only canonical encodings are accepted (ValueError otherwise)."},
    {"encode_transaction_py", FAST(cj_pycodec_encode_tx), FASTKW,
     "encode_transaction_py($module, /, tx_dict)\n--\n\n"
     "Canonical MessagePack encoding of {codec_version, tx_type, from, to, amount, nonce, gas_limit,\n"
     "gas_price, signature, data, timestamp}."},
    {"compute_transaction_hash_py", FAST(cj_pycodec_tx_hash), FASTKW,
     "compute_transaction_hash_py($module, /, tx_dict)\n--\n\n"
     "SHA-256 of encode_transaction_py(tx_dict) (the Merkle leaf)."},
    {"compute_merkle_root_py", FAST(cj_pyhash_merkle_root), FASTKW,
     "compute_merkle_root_py($module, /, tx_hashes)\n--\n\n"
     "Merkle root of 32-byte hashes: [] -> 32 zero bytes, one leaf -> itself, odd node promoted."},
    {"verify_subset_sum_py", FAST(cj_pyverify_subset_sum), FASTKW,
     "verify_subset_sum_py($module, /, problem_dict, solution_dict, budget_dict)\n--\n\n"
     "True if the solution is valid, False if it breaks a rule; raises only for malformed input.\n"
     "problem {problem_type 1..7, tier 1..5, elements, target, timestamp}, solution {indices,\n"
     "timestamp}, budget {max_ops, max_duration_ms, max_memory_bytes}."},
    {"compute_miner_salt_py", FAST(cj_pyhash_miner_salt), FASTKW,
     "compute_miner_salt_py($module, /, priv_key, epoch_salt, parent_hash, block_index)\n--\n\n"
     "HMAC-SHA256(priv_key, epoch_salt || parent_hash || u64 little-endian block_index)."},
    {"set_backend", FAST(cj_pybackend_set), FASTKW,
     "set_backend($module, /, name)\n--\n\n"
     "Selects the crypto backend for the process ('reference' or 'accelerated')."},
    {"backend", cj_pybackend_active, METH_NOARGS,
     "backend($module, /)\n--\n\nName of the crypto backend actually running."},
    {"backends", cj_pybackend_list, METH_NOARGS,
     "backends($module, /)\n--\n\nNames of the crypto backends this build knows."},
    {"backend_info", cj_pybackend_info, METH_NOARGS,
     "backend_info($module, /)\n--\n\nDict {requested, active, detail, available}."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "coinjecture._core",
    "COINjecture consensus core (libcoinjecture_core) for Python.\n\n"
    "Drop-in for the original PyO3 module: same functions, arguments and results.",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

/* Adds an unsigned constant; returns 0 or -1. */
static int add_uint(PyObject *m, const char *name, unsigned long v)
{
    PyObject *o = PyLong_FromUnsignedLong(v);
    if (o == NULL) return -1;
    int rc = PyModule_AddObjectRef(m, name, o);
    Py_DECREF(o);
    return rc;
}

PyMODINIT_FUNC PyInit__core(void);

/* Entry point looked up by the import system for coinjecture._core. */
PyMODINIT_FUNC PyInit__core(void)
{
    if (cj_pyconv_init() < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddStringConstant(m, "__version__", coinjecture_version()) < 0 ||
        PyModule_AddStringConstant(m, "LIBRARY_VERSION", coinjecture_library_version()) < 0 ||
        add_uint(m, "CODEC_VERSION", coinjecture_codec_version()) < 0 ||
        add_uint(m, "MAX_BLOCK_SIZE", coinjecture_max_block_size()) < 0 ||
        add_uint(m, "MAX_EXTRA_DATA", coinjecture_max_extra_data()) < 0 ||
        add_uint(m, "MAX_TX_DATA", coinjecture_max_tx_data()) < 0 ||
        add_uint(m, "MAX_TX_PER_BLOCK", coinjecture_max_tx_per_block()) < 0 ||
        add_uint(m, "MAX_ELEMENTS", coinjecture_max_elements()) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
