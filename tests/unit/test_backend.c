/* Crypto backend selection: names, default, select / unknown names, the environment variable (read once,
 * checked in forked children that start with a fresh library state), the fallback rule, the detection
 * preference order, and concurrent switching while other threads hash. */
/* These tests pass NULL to Part II functions on purpose to check the library's refusal (coinjecture.h
 * rule 2), so the compiler's nonnull contract (rule 9) is switched off for this file. */
#define COINJECTURE_NO_ARG_NONNULL
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sha256_paths.h"
#include "testutil.h"

/* One environment scenario: value to set (NULL = unset) and what the fresh process must report. */
typedef struct {
    const char *env;
    const char *requested; /* NULL: the first 63 bytes of env */
    int want_accel;        /* 1: active is accelerated when this CPU has a path */
    int result;            /* child exit status */
} env_case;

static env_case env_cases[] = {
    {NULL, "reference", 0, -1},
    {"", "reference", 0, -1},
    {"reference", "reference", 0, -1},
    {"accelerated", "accelerated", 1, -1},
    {"bogus", "bogus", 0, -1},
    {"Accelerated", "Accelerated", 0, -1}, /* names are case-sensitive */
    {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", NULL, 0, -1},
};

/* In a forked child: set the variable, hash once (the first use reads it), check what is reported. */
static int env_child(const env_case *c)
{
    if (c->env) setenv("COINJECTURE_CRYPTO_BACKEND", c->env, 1);
    else unsetenv("COINJECTURE_CRYPTO_BACKEND");
    uint8_t out[32];
    if (coinjecture_sha256((const uint8_t *)"abc", 3, out) != COINJ_OK) return 10;
    static const uint8_t abc[4] = {0xba, 0x78, 0x16, 0xbf};
    if (memcmp(out, abc, 4) != 0) return 11;
    char want_req[64];
    snprintf(want_req, sizeof want_req, "%s", c->requested ? c->requested : c->env);
    if (strcmp(coinjecture_backend_requested(), want_req) != 0) return 12;
    int accel = c->want_accel && cj_sha256_accelerated() != NULL;
    if (strcmp(coinjecture_backend_active(), accel ? "accelerated" : "reference") != 0) return 13;
    if (!accel && strcmp(coinjecture_backend_detail(), "portable") != 0) return 14;
    if (accel && strcmp(coinjecture_backend_detail(), cj_sha256_accelerated()->detail) != 0) return 15;
    /* Changing the variable later has no effect: it was read once. */
    setenv("COINJECTURE_CRYPTO_BACKEND", accel ? "reference" : "accelerated", 1);
    if (strcmp(coinjecture_backend_active(), accel ? "accelerated" : "reference") != 0) return 16;
    /* An explicit selection still works after a bad environment value. */
    if (coinjecture_backend_select("reference") != COINJ_OK) return 17;
    if (strcmp(coinjecture_backend_requested(), "reference") != 0) return 18;
    return 0;
}

/* Runs every scenario in its own child before the parent touches the library. */
static void run_env_children(void)
{
    for (size_t i = 0; i < sizeof env_cases / sizeof env_cases[0]; i++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) _exit(env_child(&env_cases[i]));
        int st = 0;
        if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st)) env_cases[i].result = WEXITSTATUS(st);
    }
}

/* Every environment scenario passed in its fresh child process. */
static void test_env_variable(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof env_cases / sizeof env_cases[0]; i++)
        if (env_cases[i].result != 0)
            fail_msg("env %s: child failed with %d", env_cases[i].env ? env_cases[i].env : "(unset)",
                     env_cases[i].result);
}

/* The two known names, in order, and NULL past the end. */
static void test_names(void **state)
{
    (void)state;
    assert_int_equal(coinjecture_backend_count(), 2);
    assert_string_equal(coinjecture_backend_name(0), "reference");
    assert_string_equal(coinjecture_backend_name(1), "accelerated");
    assert_null(coinjecture_backend_name(2));
    assert_null(coinjecture_backend_name(SIZE_MAX));
}

/* main() unset the variable before any use, so the default applies. */
static void test_default_is_reference(void **state)
{
    (void)state;
    assert_string_equal(coinjecture_backend_requested(), "reference");
    assert_string_equal(coinjecture_backend_active(), "reference");
    assert_string_equal(coinjecture_backend_detail(), "portable");
    assert_ptr_equal(cj_backend(), &cj_sha256_reference);
}

/* select switches, unknown names and NULL are refused, and the choice is kept on failure. */
static void test_select(void **state)
{
    (void)state;
    const cj_sha256_impl *accel = cj_sha256_accelerated();
    assert_ptr_equal(accel, cj_sha256_accelerated()); /* detected once */
    assert_int_equal(coinjecture_backend_select("accelerated"), COINJ_OK);
    assert_string_equal(coinjecture_backend_requested(), "accelerated");
    assert_string_equal(coinjecture_backend_active(), accel ? "accelerated" : "reference");
    assert_string_equal(coinjecture_backend_detail(), accel ? accel->detail : "portable");
    printf("[ backend ] accelerated on this CPU: %s\n", coinjecture_backend_detail());

    /* Unknown names are refused and the current choice is kept. */
    assert_int_equal(coinjecture_backend_select("fast"), COINJ_ERROR_UNSUPPORTED);
    assert_non_null(strstr(coinjecture_last_error_message(), "fast"));
    assert_int_equal(coinjecture_backend_select(""), COINJ_ERROR_UNSUPPORTED);
    assert_int_equal(coinjecture_backend_select("reference "), COINJ_ERROR_UNSUPPORTED);
    assert_string_equal(coinjecture_backend_requested(), "accelerated");
    assert_string_equal(coinjecture_backend_active(), accel ? "accelerated" : "reference");
    assert_int_equal(coinjecture_backend_select(NULL), COINJ_ERROR_INVALID_INPUT);
    assert_string_equal(coinjecture_backend_requested(), "accelerated");

    assert_int_equal(coinjecture_backend_select("reference"), COINJ_OK);
    assert_string_equal(coinjecture_backend_active(), "reference");
    assert_string_equal(coinjecture_backend_detail(), "portable");
    assert_string_equal(coinjecture_backend_requested(), "reference");
}

/* A CPU without any accelerated path: "accelerated" resolves to the portable reference. */
static void test_fallback_rule(void **state)
{
    (void)state;
    const cj_sha256_impl *out = NULL, *sentinel = &cj_sha256_reference;
    assert_int_equal(cj_backend_resolve("accelerated", NULL, &out), COINJ_OK);
    assert_ptr_equal(out, &cj_sha256_reference);
    assert_string_equal(out->backend, "reference");
    assert_string_equal(out->detail, "portable");
    out = NULL;
    assert_int_equal(cj_backend_resolve("reference", cj_sha256_accelerated(), &out), COINJ_OK);
    assert_ptr_equal(out, &cj_sha256_reference);
    out = sentinel;
    assert_int_equal(cj_backend_resolve("sha-ni", NULL, &out), COINJ_ERROR_UNSUPPORTED);
    assert_ptr_equal(out, sentinel); /* untouched */
    if (cj_sha256_accelerated()) {
        assert_int_equal(cj_backend_resolve("accelerated", cj_sha256_accelerated(), &out), COINJ_OK);
        assert_ptr_equal(out, cj_sha256_accelerated());
        assert_string_equal(out->backend, "accelerated");
    }
}

/* The detection's preference order for feature sets this CPU may not have (no timing). */
static void test_pick_order(void **state)
{
    (void)state;
    assert_null(cj_backend_pick(0, 0));
#if defined(__x86_64__)
    assert_string_equal(cj_backend_pick(CJ_CPU_SHANI, 0)->detail, "sha-ni");
    assert_string_equal(cj_backend_pick(CJ_CPU_SHANI | CJ_CPU_AVX2, 0)->detail, "sha-ni+avx2");
    assert_string_equal(cj_backend_pick(CJ_CPU_SHANI | CJ_CPU_AVX2 | CJ_CPU_AVX512, 0)->detail, "sha-ni+avx512");
    assert_string_equal(cj_backend_pick(CJ_CPU_AVX2, 0)->detail, "avx2");
    assert_string_equal(cj_backend_pick(CJ_CPU_AVX2 | CJ_CPU_AVX512, 0)->detail, "avx512");
    assert_null(cj_backend_pick(CJ_CPU_AVX512, 0)); /* AVX-512 paths finish their tails with AVX2 */
    assert_null(cj_backend_pick(CJ_CPU_ARMSHA2, 0));
    unsigned f = cj_cpu_features();
    if (f & (CJ_CPU_SHANI | CJ_CPU_AVX2)) {
        const cj_sha256_impl *p = cj_backend_pick(f, 1);
        assert_non_null(p);
        assert_ptr_equal(cj_backend_by_detail(p->detail), p); /* runnable here */
        if (f & CJ_CPU_SHANI) assert_non_null(strstr(p->detail, "sha-ni"));
    }
#elif defined(__aarch64__)
    assert_string_equal(cj_backend_pick(CJ_CPU_ARMSHA2, 0)->detail, "armv8-crypto");
#endif
    assert_null(cj_backend_by_detail("no-such-path"));
    assert_null(cj_backend_by_detail(NULL));
    assert_ptr_equal(cj_backend_by_detail("portable"), &cj_sha256_reference);
}

static atomic_int stop_hashing;

/* Hashes the same message in a loop; every digest must be right whatever backend is active. */
static void *hasher(void *arg)
{
    long bad = 0;
    uint8_t msg[64], want[32], got[32];
    memset(msg, 0x61, sizeof msg);
    cj_sha256_oneshot_portable(msg, sizeof msg, want);
    while (!stop_hashing) {
        cj_sha256(msg, sizeof msg, got);
        bad += memcmp(got, want, 32) != 0;
        uint8_t root[32], leaves[3][32];
        memcpy(leaves, msg, 64);
        memcpy(leaves[2], want, 32);
        if (coinjecture_merkle_root((const uint8_t(*)[32])leaves, 3, root) != COINJ_OK) bad++;
    }
    *(long *)arg = bad;
    return NULL;
}

/* Switching the backend from one thread while others hash never yields a wrong digest. */
static void test_concurrent_switch(void **state)
{
    (void)state;
    enum { T = 3 };
    pthread_t tid[T];
    long bad[T];
    stop_hashing = 0;
    for (int i = 0; i < T; i++) assert_int_equal(pthread_create(&tid[i], NULL, hasher, &bad[i]), 0);
    for (int i = 0; i < 2000; i++) {
        assert_int_equal(coinjecture_backend_select(i & 1 ? "reference" : "accelerated"), COINJ_OK);
        const char *a = coinjecture_backend_active();
        assert_true(strcmp(a, "reference") == 0 || strcmp(a, "accelerated") == 0);
    }
    stop_hashing = 1;
    for (int i = 0; i < T; i++) {
        pthread_join(tid[i], NULL);
        assert_int_equal(bad[i], 0);
    }
    assert_int_equal(coinjecture_backend_select("reference"), COINJ_OK);
}

/* Forks the environment scenarios before the library is touched, then runs the group. */
int main(void)
{
    unsetenv("COINJECTURE_CRYPTO_BACKEND");
    run_env_children();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env_variable),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_default_is_reference),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_fallback_rule),
        cmocka_unit_test(test_pick_order),
        cmocka_unit_test(test_concurrent_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
