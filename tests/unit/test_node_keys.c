/* Ed25519 key files: write mode 0600 and never overwrite, refuse group/world-accessible files, strict
 * parsing with the public half checked, keys usable for signing. */
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coinjecture.h"
#include "keys.h"
#include "testutil.h"

static char g_dir[256];

/* Creates a private temporary directory for the key files. */
static int setup(void **state)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/cj_keys_XXXXXX");
    return mkdtemp(g_dir) == NULL ? -1 : 0;
}

/* Removes the temporary directory and what the tests left in it. */
static int teardown(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_write_load_round_trip(void **state)
{
    uint8_t sk[64], pk[32], sk2[64], pk2[32];
    char path[300], err[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/a.key", g_dir);
    assert_int_equal(cj_keys_generate(sk, pk), 0);
    assert_int_equal(cj_keys_write(path, sk, err, sizeof err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 129);
    assert_int_equal(cj_keys_load(path, sk2, pk2, err, sizeof err), 0);
    assert_memory_equal(sk, sk2, 64);
    assert_memory_equal(pk, pk2, 32);
    /* never overwritten */
    assert_int_equal(cj_keys_write(path, sk, err, sizeof err), -1);
    assert_non_null(strstr(err, "refusing to overwrite"));
    /* the key signs transactions the core verifies */
    coinjecture_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.codec_version = 1;
    tx.tx_type = 1;
    memcpy(tx.from, pk2, 32);
    tx.gas_limit = 21000;
    tx.gas_price = 1;
    assert_int_equal(coinjecture_tx_sign(&tx, sk2), COINJ_OK);
    assert_int_equal(coinjecture_tx_verify_signature(&tx), COINJ_OK);
    char hex[65];
    cj_keys_pubhex(pk, hex);
    assert_int_equal(strlen(hex), 64);
}

static void test_refuses_readable_files(void **state)
{
    uint8_t sk[64], pk[32];
    char path[300], err[512];
    snprintf(path, sizeof path, "%s/b.key", g_dir);
    assert_int_equal(cj_keys_generate(sk, pk), 0);
    assert_int_equal(cj_keys_write(path, sk, err, sizeof err), 0);
    const mode_t bad[] = {0644, 0640, 0604, 0660, 0602};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(chmod(path, bad[i]), 0);
        memset(sk, 0xAA, sizeof sk);
        assert_int_equal(cj_keys_load(path, sk, pk, err, sizeof err), -1);
        assert_non_null(strstr(err, "chmod 600"));
        uint8_t zero[64] = {0};
        assert_memory_equal(sk, zero, 64);
    }
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(cj_keys_load(path, sk, pk, err, sizeof err), -1);
    assert_non_null(strstr(err, "mode 0644"));
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(cj_keys_load(path, sk, pk, err, sizeof err), 0);
    assert_int_equal(cj_keys_load(g_dir, sk, pk, err, sizeof err), -1);
    assert_int_equal(cj_keys_load("/nonexistent/k.key", sk, pk, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open"));
}

static void test_parse_rules(void **state)
{
    uint8_t sk[64], pk[32], out_sk[64], out_pk[32];
    char hex[130], text[200], err[256];
    assert_int_equal(cj_keys_generate(sk, pk), 0);
    sodium_bin2hex(hex, sizeof hex, sk, 64);
    assert_int_equal(cj_keys_parse(hex, 128, out_sk, out_pk, err, sizeof err), 0);
    assert_memory_equal(out_pk, pk, 32);
    snprintf(text, sizeof text, "0x%s\r\n", hex);
    assert_int_equal(cj_keys_parse(text, strlen(text), out_sk, out_pk, err, sizeof err), 0);
    assert_int_equal(cj_keys_parse(hex, 127, out_sk, out_pk, err, sizeof err), -1);
    assert_non_null(strstr(err, "expected 128 hex digits"));
    assert_int_equal(cj_keys_parse(hex, 64, out_sk, out_pk, err, sizeof err), -1);
    memcpy(text, hex, 129);
    text[10] = 'g';
    assert_int_equal(cj_keys_parse(text, 128, out_sk, out_pk, err, sizeof err), -1);
    assert_non_null(strstr(err, "not valid hex"));
    memcpy(text, hex, 129);
    text[127] = text[127] == '0' ? '1' : '0'; /* corrupt the public half */
    assert_int_equal(cj_keys_parse(text, 128, out_sk, out_pk, err, sizeof err), -1);
    assert_non_null(strstr(err, "does not match"));
    assert_int_equal(cj_keys_parse(NULL, 0, out_sk, out_pk, err, sizeof err), -1);
    snprintf(text, sizeof text, "%s extra", hex);
    assert_int_equal(cj_keys_parse(text, strlen(text), out_sk, out_pk, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_load_round_trip),
        cmocka_unit_test(test_refuses_readable_files),
        cmocka_unit_test(test_parse_rules),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
