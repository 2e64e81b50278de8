/* pybackend.c - crypto backend selection (extras: set_backend, backend, backends, backend_info).
 * The library reads COINJECTURE_CRYPTO_BACKEND itself on the first hash; these let a program choose. */
#include "cjpy.h"

static const char *const names_set[] = {"name"};

/* set_backend(name: str) -> None; ValueError for a name this build does not know. */
PyObject *cj_pybackend_set(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    PyObject *a;
    if (cj_pyconv_args("set_backend", args, nargs, kw, names_set, 1, &a) < 0) return NULL;
    if (!PyUnicode_Check(a)) {
        PyErr_Format(PyExc_TypeError, "name must be a str, not %.100s", Py_TYPE(a)->tp_name);
        return NULL;
    }
    Py_ssize_t len;
    const char *name = PyUnicode_AsUTF8AndSize(a, &len);
    if (name == NULL) return NULL;
    CoinjResult rc = coinjecture_backend_select(name);
    if (rc == COINJ_ERROR_UNSUPPORTED) {
        PyErr_Format(PyExc_ValueError, "unknown crypto backend %R (see backends())", a);
        return NULL;
    }
    if (rc != COINJ_OK) return cj_pyconv_fail(rc);
    Py_RETURN_NONE;
}

/* backend() -> str: the backend actually running ("reference" or "accelerated"). */
PyObject *cj_pybackend_active(PyObject *m, PyObject *unused)
{
    return PyUnicode_FromString(coinjecture_backend_active());
}

/* backends() -> tuple of the backend names this build knows. */
PyObject *cj_pybackend_list(PyObject *m, PyObject *unused)
{
    size_t n = coinjecture_backend_count();
    PyObject *t = PyTuple_New((Py_ssize_t)n);
    if (t == NULL) return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *name = coinjecture_backend_name(i);
        PyObject *s = PyUnicode_FromString(name != NULL ? name : "");
        if (s == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, (Py_ssize_t)i, s);
    }
    return t;
}

/* backend_info() -> {requested, active, detail, available}: what was asked for (possibly a bad
 * COINJECTURE_CRYPTO_BACKEND value), what runs, and which code path it uses on this CPU. */
PyObject *cj_pybackend_info(PyObject *m, PyObject *unused)
{
    PyObject *d = PyDict_New();
    if (d == NULL) return NULL;
    if (cj_pyconv_set(d, CJ_K_REQUESTED, PyUnicode_FromString(coinjecture_backend_requested())) < 0 ||
        cj_pyconv_set(d, CJ_K_ACTIVE, PyUnicode_FromString(coinjecture_backend_active())) < 0 ||
        cj_pyconv_set(d, CJ_K_DETAIL, PyUnicode_FromString(coinjecture_backend_detail())) < 0 ||
        cj_pyconv_set(d, CJ_K_AVAILABLE, cj_pybackend_list(m, NULL)) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}
