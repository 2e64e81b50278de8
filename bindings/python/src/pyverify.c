/* pyverify.c - verify_subset_sum_py: subset-sum verification with the Python tier numbering 1-5. */
#include "cjpy.h"

static const char *const names_verify[] = {"problem_dict", "solution_dict", "budget_dict"};

/* Budget dict -> struct (full 64-bit fields). */
static int budget_from_dict(PyObject *d, coinjecture_budget *b)
{
    if (cj_pyconv_dict(d, "budget_dict") < 0 ||
        cj_pyconv_get_u64(d, CJ_K_MAX_OPS, "budget", UINT64_MAX, &b->max_ops) < 0 ||
        cj_pyconv_get_u64(d, CJ_K_MAX_DURATION_MS, "budget", UINT64_MAX, &b->max_duration_ms) < 0 ||
        cj_pyconv_get_u64(d, CJ_K_MAX_MEMORY_BYTES, "budget", UINT64_MAX, &b->max_memory_bytes) < 0)
        return -1;
    return 0;
}

/* verify_subset_sum_py(problem_dict, solution_dict, budget_dict) -> bool.
 * Malformed input (types, missing keys, out-of-range numbers, problem_type outside 1..7, tier outside
 * 1..5) raises; a well-formed solution that breaks a rule returns False (the original raised
 * ValueError instead: a deliberate change, core.md section 9). */
PyObject *cj_pyverify_subset_sum(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    PyObject *a[3];
    coinjecture_problem p;
    coinjecture_solution s;
    coinjecture_budget b;
    size_t n = 0, k = 0;
    coinjecture_ss_status status = COINJECTURE_SS_OK;
    if (cj_pyconv_args("verify_subset_sum_py", args, nargs, kw, names_verify, 3, a) < 0) return NULL;
    if (cj_pyconv_dict(a[0], "problem_dict") < 0 || cj_pycodec_problem(a[0], "problem", &p, &n) < 0 ||
        cj_pyconv_dict(a[1], "solution_dict") < 0 || cj_pycodec_solution(a[1], "solution", &s, &k) < 0 ||
        budget_from_dict(a[2], &b) < 0)
        return NULL;
    /* Beyond COINJECTURE_MAX_ELEMENTS values the verdict is already known: more elements than any
     * tier allows, or (with n <= 32) more indices than elements. Both are rule failures. */
    if (n > COINJECTURE_MAX_ELEMENTS || k > COINJECTURE_MAX_ELEMENTS) Py_RETURN_FALSE;
    CoinjResult rc = coinjecture_subset_sum_verify(&p, &s, &b, &status);
    if (rc == COINJ_OK) Py_RETURN_TRUE;
    if (rc == COINJ_ERROR_VERIFICATION_FAILED) Py_RETURN_FALSE;
    return cj_pyconv_fail(rc);
}
