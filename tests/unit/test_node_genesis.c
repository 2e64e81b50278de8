/* Genesis file: strict JSON parsing with clear errors, canonical output round trip, file loading. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "genesis_file.h"
#include "testutil.h"

#define V0 "7eb04adf26b040b0e66abd7d5176d57b2484ef8a9f28fc479ad02e8721c206b6"
#define V1 "5ed2fa2399e55a63f5c277fb4640de1281efecea850b7c8ad36b3bbd575347a5"
#define V2 "0000000000000000000000000000000000000000000000000000000000000001"

/* Builds a genesis document with one field replaced (or removed when repl is NULL). */
static char *doc(const char *field, const char *repl)
{
    const char *names[] = {"rules_version", "chain_id",   "network",    "genesis_time",
                           "block_time_ms", "epoch_length", "validators", "allocations"};
    const char *vals[] = {"2", "1337", "\"coinjecture-testnet\"", "1700000000", "2000", "100",
                          "[\"" V0 "\", \"0x" V1 "\"]",
                          "[{\"pubkey\": \"" V2 "\", \"balance\": 1000}, {\"balance\": \"18446744073709550615\", "
                          "\"pubkey\": \"" V1 "\"}]"};
    char *out = malloc(4096);
    size_t o = (size_t)snprintf(out, 4096, "{");
    int first = 1;
    for (size_t i = 0; i < 8; i++) {
        const char *v = vals[i];
        if (field != NULL && strcmp(field, names[i]) == 0) {
            if (repl == NULL)
                continue;
            v = repl;
        }
        o += (size_t)snprintf(out + o, 4096 - o, "%s\"%s\": %s", first ? "" : ", ", names[i], v);
        first = 0;
    }
    snprintf(out + o, 4096 - o, "}");
    return out;
}

/* Parses doc(field, repl) and returns the error text (empty on success). */
static void expect_error(const char *field, const char *repl, const char *needle)
{
    cj_genesis g;
    char err[512] = "";
    char *text = doc(field, repl);
    int rc = cj_genesis_parse(text, strlen(text), &g, err, sizeof err);
    if (rc == 0 || strstr(err, needle) == NULL)
        fail_msg("%s=%s: expected error containing '%s', got rc %d '%s'", field, repl ? repl : "(removed)", needle,
                 rc, err);
    assert_null(g.validators);
    assert_int_equal(g.validator_count, 0);
    free(text);
}

static void test_valid(void **state)
{
    cj_genesis g;
    char err[256];
    char *text = doc(NULL, NULL);
    assert_int_equal(cj_genesis_parse(text, strlen(text), &g, err, sizeof err), 0);
    assert_int_equal(g.rules_version, 2);
    assert_int_equal(g.chain_id, 1337);
    assert_string_equal(g.network, "coinjecture-testnet");
    assert_int_equal(g.genesis_time, 1700000000);
    assert_int_equal(g.block_time_ms, 2000);
    assert_int_equal(g.epoch_length, 100);
    assert_int_equal(g.validator_count, 2);
    tu_assert_hash(g.validators[0], V0);
    tu_assert_hash(g.validators[1], V1);
    assert_int_equal(g.alloc_count, 2);
    assert_true(g.allocs[1].balance == 18446744073709550615ull);
    uint8_t pk[32];
    tu_unhex(V1, pk, 32);
    assert_int_equal(cj_genesis_validator_index(&g, pk), 1);
    tu_unhex(V2, pk, 32);
    assert_int_equal(cj_genesis_validator_index(&g, pk), -1);
    assert_int_equal(cj_genesis_validator_index(NULL, pk), -1);

    /* canonical text parses back to the same struct, and is stable */
    char *canon = cj_genesis_to_json(&g);
    assert_non_null(canon);
    cj_genesis g2;
    assert_int_equal(cj_genesis_parse(canon, strlen(canon), &g2, err, sizeof err), 0);
    char *canon2 = cj_genesis_to_json(&g2);
    assert_string_equal(canon, canon2);
    assert_int_equal(g2.alloc_count, 2);
    assert_true(g2.allocs[1].balance == g.allocs[1].balance);
    assert_non_null(strstr(canon, "\"18446744073709550615\""));
    assert_non_null(strstr(canon, "\"rules_version\": 2"));
    free(canon);
    free(canon2);
    cj_genesis_free(&g2);
    cj_genesis_free(&g);
    assert_null(g.validators);
    cj_genesis_free(NULL);
    free(text);

    /* a file from before rules_version existed is of rules 1 (the chain refuses it, with the reason) */
    text = doc("rules_version", NULL);
    assert_int_equal(cj_genesis_parse(text, strlen(text), &g, err, sizeof err), 0);
    assert_int_equal(g.rules_version, 1);
    cj_genesis_free(&g);
    free(text);
}

static void test_errors(void **state)
{
    expect_error("rules_version", "0", "rules_version: 0 is out of range 1..1000");
    expect_error("rules_version", "\"two\"", "rules_version:");
    expect_error("chain_id", NULL, "missing key 'chain_id'");
    expect_error("chain_id", "1.5", "chain_id: must be an integer");
    expect_error("chain_id", "-1", "chain_id: must not be negative");
    expect_error("chain_id", "\"18446744073709551616\"", "chain_id: exceeds 2^64-1");
    expect_error("chain_id", "\"012\"", "leading zeros");
    expect_error("chain_id", "true", "chain_id: must be an unsigned integer");
    expect_error("chain_id", "18446744073709551615", "decimal strings");
    expect_error("network", "\"has space\"", "network:");
    expect_error("network", "\"\"", "network:");
    expect_error("network", "7", "network:");
    expect_error("genesis_time", "\"9223372036854775808\"", "genesis_time: 9223372036854775808 is out of range");
    expect_error("block_time_ms", "99", "block_time_ms: 99 is out of range 100..3600000");
    expect_error("epoch_length", "0", "epoch_length: 0 is out of range");
    expect_error("validators", "[]", "validators: expected a list");
    expect_error("validators", "\"" V0 "\"", "validators: expected a list");
    expect_error("validators", "[\"" V0 "\", \"abc\"]", "validators[1]: expected 64 hex digits");
    expect_error("validators", "[\"" V0 "\", \"" V0 "\"]", "is listed twice");
    expect_error("validators", "[\"zz" V0 "\"]", "validators[0]");
    expect_error("validators", "[1]", "validators[0]: expected a hex string");
    expect_error("allocations", "[{\"pubkey\": \"" V0 "\"}]", "needs both");
    expect_error("allocations", "[{\"pubkey\": \"" V0 "\", \"balance\": 1, \"x\": 2}]", "unknown key 'x'");
    expect_error("allocations", "[{\"pubkey\": \"" V0 "\", \"balance\": 1}, {\"pubkey\": \"" V0 "\", \"balance\": 2}]",
                 "allocated twice");
    expect_error("allocations",
                 "[{\"pubkey\": \"" V0 "\", \"balance\": \"18446744073709551615\"}, {\"pubkey\": \"" V1
                 "\", \"balance\": 1}]",
                 "exceeds 2^64-1");
    expect_error("allocations", "[{\"pubkey\": \"" V0 "\", \"balance\": -5}]", "allocations[0].balance: must not be negative");
    expect_error("allocations", "[5]", "allocations[0]: expected an object");
    expect_error("allocations", "{}", "allocations: expected a list");

    cj_genesis g;
    char err[256];
    const char *bad[][2] = {{"{\"chain_id\": 1,", "line 1"},
                            {"[1]", "must be a JSON object"},
                            {"{\"chain_id\": 1, \"chain_id\": 2}", "duplicate"},
                            {"{\"bogus\": 1}", "unknown key 'bogus'"}};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(cj_genesis_parse(bad[i][0], strlen(bad[i][0]), &g, err, sizeof err), -1);
        if (strstr(err, bad[i][1]) == NULL)
            fail_msg("'%s': got '%s'", bad[i][0], err);
    }
    assert_int_equal(cj_genesis_parse(NULL, 0, &g, err, sizeof err), -1);
}

static void test_load_file(void **state)
{
    char path[] = "/tmp/cj_genesis_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char *text = doc(NULL, NULL);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    cj_genesis g;
    char err[512];
    assert_int_equal(cj_genesis_load(path, &g, err, sizeof err), 0);
    assert_int_equal(g.validator_count, 2);
    cj_genesis_free(&g);
    f = fopen(path, "w");
    fputs("{\n  \"chain_id\": 1,\n  oops\n}", f);
    fclose(f);
    assert_int_equal(cj_genesis_load(path, &g, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "line 3"));
    unlink(path);
    assert_int_equal(cj_genesis_load(path, &g, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_load_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
