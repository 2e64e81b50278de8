/* Node fuzz harnesses under ctest: fuzz/fuzz_node_*.c are compiled into this test (entry points renamed,
 * checks reported through cmocka instead of abort()), so every build runs the harness code:
 *  - the committed seeds fuzz/corpus/<target>/ (parsers must accept the valid ones and round-trip them);
 *  - deterministic mini-fuzzing: prefixes, byte flips and deletions of every seed, plus random bytes;
 *  - every saved crash input in fuzz/regressions/<target>/, and a named test per bug found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#define CJ_FZ_FAIL(file, line, what) fail_msg("%s:%d: fuzz check failed: %s", (file), (line), (what))

#define LLVMFuzzerTestOneInput fz_run_node_p2p_wire
#include "../../fuzz/fuzz_node_p2p_wire.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_run_node_tx_json
#include "../../fuzz/fuzz_node_tx_json.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_run_node_genesis
#include "../../fuzz/fuzz_node_genesis.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fz_run_node_config
#include "../../fuzz/fuzz_node_config.c"
#undef LLVMFuzzerTestOneInput

typedef int (*nfz_entry)(const uint8_t *data, size_t size);

static const struct {
    const char *target;
    nfz_entry run;
    int counts; /* the harness counts accepted inputs in cj_fz_stats.decoded */
} nfz_targets[] = {
    {"fuzz_node_p2p_wire", fz_run_node_p2p_wire, 0},
    {"fuzz_node_tx_json", fz_run_node_tx_json, 1},
    {"fuzz_node_genesis", fz_run_node_genesis, 1},
    {"fuzz_node_config", fz_run_node_config, 1},
};
#define NFZ_NTARGETS (sizeof nfz_targets / sizeof nfz_targets[0])

/* Every committed seed through its harness; each parser target must accept some of its seeds (the
 * accepted ones are round-tripped inside the harness) and refuse the ones named refused_*. */
static void test_seed_corpora(void **state)
{
    (void)state;
    for (size_t t = 0; t < NFZ_NTARGETS; t++) {
        size_t n = 0;
        tu_file *seeds = tu_fuzz_files("corpus", nfz_targets[t].target, &n);
        if (n == 0) fail_msg("no seeds in fuzz/corpus/%s (run fuzz/make-corpus.sh)", nfz_targets[t].target);
        unsigned long decoded = cj_fz_stats.decoded, rejected = cj_fz_stats.rejected;
        size_t refusals = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned long before = cj_fz_stats.decoded;
            nfz_targets[t].run(seeds[i].data, seeds[i].len);
            int refused_seed = strncmp(seeds[i].name, "refused_", 8) == 0;
            refusals += (size_t)refused_seed;
            if (nfz_targets[t].counts && (cj_fz_stats.decoded > before) == refused_seed)
                fail_msg("%s/%s: %s", nfz_targets[t].target, seeds[i].name,
                         refused_seed ? "accepted, expected a refusal" : "refused, expected acceptance");
        }
        if (nfz_targets[t].counts) {
            assert_true(cj_fz_stats.decoded - decoded >= 3);
            assert_true(cj_fz_stats.rejected - rejected >= refusals);
        }
        tu_free_files(seeds, n);
    }
}

/* Prefixes (at most ~160 per seed), single-byte flips and deletions of every seed through the harness:
 * the failure contract (message, zeroed output, no leak) is checked inside; the counters prove refusals. */
static void test_seed_mutations(void **state)
{
    (void)state;
    for (size_t t = 0; t < NFZ_NTARGETS; t++) {
        size_t n = 0;
        tu_file *seeds = tu_fuzz_files("corpus", nfz_targets[t].target, &n);
        assert_true(n > 0);
        unsigned long rejected = cj_fz_stats.rejected;
        for (size_t i = 0; i < n; i++) {
            const tu_file *f = &seeds[i];
            uint8_t *buf = malloc(f->len + 1);
            assert_non_null(buf);
            size_t stride = f->len / 160 + 1;
            for (size_t cut = 0; cut < f->len; cut += stride) {
                memcpy(buf, f->data, cut);
                nfz_targets[t].run(buf, cut);
            }
            memcpy(buf, f->data, f->len);
            for (size_t pos = 0; pos < f->len; pos += stride) {
                static const uint8_t masks[3] = {0x01, 0x20, 0x80};
                uint8_t m = masks[pos % 3];
                buf[pos] ^= m;
                nfz_targets[t].run(buf, f->len);
                buf[pos] ^= m;
            }
            for (size_t pos = 0; pos < f->len; pos += stride * 3) {
                memcpy(buf, f->data, pos);
                memcpy(buf + pos, f->data + pos + 1, f->len - pos - 1);
                nfz_targets[t].run(buf, f->len - 1);
            }
            free(buf);
        }
        if (nfz_targets[t].counts) assert_true(cj_fz_stats.rejected > rejected);
        tu_free_files(seeds, n);
    }
}

/* Random text over each parser's alphabet (JSON / YAML punctuation, digits, hex, key fragments). */
static void test_random_text(void **state)
{
    (void)state;
    static const char *const pieces[] = {"{", "}", "[", "]", ":", ",", "\"", "'", " ", "\n", "  ", "-", "#",
                                         "0", "1", "9", "ff", "0x", "\\", "&a", "*a", "null", "true", "from",
                                         "api", "port", "network", "validators", ".", "18446744073709551616"};
    uint64_t s = 20251126;
    char buf[512];
    for (size_t t = 0; t < NFZ_NTARGETS; t++) {
        for (unsigned r = 0; r < 300; r++) {
            size_t len = 0, want = tu_splitmix64(&s) % 200;
            while (len < want) {
                const char *p = pieces[tu_splitmix64(&s) % (sizeof pieces / sizeof pieces[0])];
                size_t pl = strlen(p);
                if (len + pl > sizeof buf) break;
                memcpy(buf + len, p, pl);
                len += pl;
            }
            nfz_targets[t].run((const uint8_t *)buf, len);
        }
    }
    assert_true(cj_fz_stats.rejected > 0);
}

/* Every saved crash input (fuzz/regressions/<target>/) through its harness, and the empty input. */
static void test_regression_inputs(void **state)
{
    (void)state;
    size_t total = 0;
    for (size_t t = 0; t < NFZ_NTARGETS; t++) total += tu_fuzz_replay(nfz_targets[t].target, nfz_targets[t].run);
    unsigned long rejected = cj_fz_stats.rejected;
    for (size_t t = 0; t < NFZ_NTARGETS; t++) nfz_targets[t].run(NULL, 0);
    /* tx JSON and genesis refuse the empty body; an empty config file means "all defaults" */
    assert_true(cj_fz_stats.rejected - rejected >= 2);
    print_message("%zu regression inputs replayed\n", total);
}

/* Loads YAML text into a fresh configuration; returns the result, the message in err. */
static int nfz_load_yaml(const char *text, size_t len, char *err, size_t errlen)
{
    cj_config c;
    assert_int_equal(cj_config_init(&c), 0);
    err[0] = 0;
    int rc = cj_config_load_yaml(&c, text, len, "t.yaml", err, errlen);
    cj_config_free(&c);
    return rc;
}

/* Regression (fuzz_node_config, quote-guard): the nesting guard counted brackets outside what it took for
 * quotes and comments, but a quote or '#' inside a plain scalar starts nothing in YAML, so "b'" or "a#"
 * hid any depth from the guard and libyaml's quadratic scanner ran on it (about 15 min for 1 MiB). Deep
 * flow nesting must be refused up front whatever precedes it. */
static void test_config_guard_not_fooled_by_quotes(void **state)
{
    (void)state;
    static const char *const heads[] = {"a: b'\nc: ", "a: b\"\nc: ", "a: [x#", "a: x # '\nc: ", "a: 'x'''\nc: "};
    char err[512];
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        char text[1024];
        size_t n = (size_t)snprintf(text, sizeof text, "%s", heads[i]);
        for (int d = 0; d < 100; d++) text[n++] = d % 2 ? '{' : '[';
        text[n] = 0;
        int rc = nfz_load_yaml(text, n, err, sizeof err);
        if (rc != -1 || strstr(err, "nested") == NULL)
            fail_msg("head %zu: rc %d, '%s' (expected the nesting refusal)", i, rc, err);
        fz_run_node_config((const uint8_t *)text, n);
    }
    /* 64 levels stay allowed, quoted brackets never count */
    char ok[512];
    size_t n = (size_t)snprintf(ok, sizeof ok, "p2p: {bootstrap_peers: ");
    for (int d = 0; d < 63; d++) ok[n++] = '[';
    for (int d = 0; d < 63; d++) ok[n++] = ']';
    n += (size_t)snprintf(ok + n, sizeof ok - n, "}\nnode: {data_dir: \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                                                 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}\n");
    int rc = nfz_load_yaml(ok, n, err, sizeof err);
    assert_int_equal(rc, -1); /* nested lists are not plain list items, but the guard is not what refused it */
    assert_null(strstr(err, "nested"));
    assert_non_null(strstr(err, "list items must be plain values"));
}

/* Regression (fuzz_node_config, empty input replay): cj_config_load_yaml(c, NULL, 0) reached libyaml's
 * yaml_parser_set_input_string, whose assert(input) aborted the process. No text is an empty file (all
 * defaults); NULL with a length is refused with a message. */
static void test_config_null_buffer(void **state)
{
    (void)state;
    cj_config c;
    char err[256] = "";
    assert_int_equal(cj_config_init(&c), 0);
    assert_int_equal(cj_config_load_yaml(&c, NULL, 0, "t.yaml", err, sizeof err), 0);
    assert_string_equal(c.api_host, "127.0.0.1");
    assert_int_equal(cj_config_load_yaml(&c, NULL, 5, "t.yaml", err, sizeof err), -1);
    assert_non_null(strstr(err, "t.yaml"));
    cj_config_free(&c);
}

/* Regression (fuzz_node_config, print round trip): cj_config_print wrote string values raw apart from ASCII
 * controls, so a value holding a C1 control (YAML "\x80"), NEL, LS/PS or U+FFFE/U+FFFF printed a file that
 * libyaml refuses ("control characters are not allowed") or reads back changed (the line separators fold
 * to spaces). Each must print escaped and load back identical. */
static void test_config_print_escapes_unicode_breaks(void **state)
{
    (void)state;
    static const char *const values[] = {"\\x80", "a\\x9fb", "\\N", "x\\Ly", "\\P", "\\uFFFE", "\\uffff z",
                                         "\\x85\\u2028\\u2029\\xa0\\u00e9"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char yaml[256], err[512] = "";
        int n = snprintf(yaml, sizeof yaml, "consensus:\n  shadow_mode:\n    alert_command: \"%s\"\np2p:\n"
                                            "  bootstrap_peers: [\"%s\"]\n", values[i], values[i]);
        cj_config c;
        assert_int_equal(cj_config_init(&c), 0);
        if (cj_config_load_yaml(&c, yaml, (size_t)n, "t.yaml", err, sizeof err) != 0) fail_msg("%s: %s", yaml, err);
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        assert_non_null(f);
        cj_config_print(&c, f);
        assert_int_equal(fclose(f), 0);
        cj_config back;
        assert_int_equal(cj_config_init(&back), 0);
        if (cj_config_load_yaml(&back, text, len, "printed.yaml", err, sizeof err) != 0)
            fail_msg("value %zu: printed configuration refused: %s", i, err);
        assert_string_equal(back.shadow_alert_command, c.shadow_alert_command);
        assert_int_equal(back.p2p_bootstrap_peers.count, 1);
        assert_string_equal(back.p2p_bootstrap_peers.items[0], c.shadow_alert_command);
        fz_run_node_config((const uint8_t *)yaml, (size_t)n);
        cj_config_free(&back);
        cj_config_free(&c);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_guard_not_fooled_by_quotes),
        cmocka_unit_test(test_config_null_buffer),
        cmocka_unit_test(test_config_print_escapes_unicode_breaks),
        cmocka_unit_test(test_seed_corpora),
        cmocka_unit_test(test_seed_mutations),
        cmocka_unit_test(test_random_text),
        cmocka_unit_test(test_regression_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
