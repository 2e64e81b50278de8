/* Node configuration: value parsers, YAML file (line numbers, unknown/legacy keys), environment, flags,
 * precedence, aliases, sample config round trip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "testutil.h"

/* Loads YAML text into a fresh default config; returns the loader's result and the message. */
static int load(cj_config *c, const char *yaml, char *err, size_t n)
{
    assert_int_equal(cj_config_init(c), 0);
    err[0] = '\0';
    return cj_config_load_yaml(c, yaml, strlen(yaml), "node.yaml", err, n);
}

static void test_defaults(void **state)
{
    cj_config c;
    assert_int_equal(cj_config_init(&c), 0);
    assert_string_equal(c.api_host, "127.0.0.1");
    assert_int_equal(c.api_port, 8081);
    assert_int_equal(c.api_read_timeout_ms, 10000);
    assert_int_equal(c.api_max_request_size, 3 * 1024 * 1024);
    assert_string_equal(c.crypto_backend, "reference");
    assert_int_equal(c.consensus_enabled, 1);
    assert_int_equal(c.p2p_bootstrap_peers.count, 0);
    assert_string_equal(c.log_level, "info");
    assert_int_equal(c.warning_count, 0);
    cj_config_free(&c);
    cj_config_free(NULL);
}

static void test_parse_duration(void **state)
{
    uint64_t v;
    assert_int_equal(cj_value_parse_duration_ms("2s", &v), 0);
    assert_int_equal(v, 2000);
    assert_int_equal(cj_value_parse_duration_ms("500ms", &v), 0);
    assert_int_equal(v, 500);
    assert_int_equal(cj_value_parse_duration_ms("1m", &v), 0);
    assert_int_equal(v, 60000);
    assert_int_equal(cj_value_parse_duration_ms("1h30m5s10ms", &v), 0);
    assert_int_equal(v, 5405010);
    assert_int_equal(cj_value_parse_duration_ms("0", &v), 0);
    assert_int_equal(v, 0);
    const char *bad[] = {"", "10", "2x", "-1s", "s", "1.5s", " 2s", "2s ", "99999999999999999999s",
                         "9999999999999999999h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cj_value_parse_duration_ms(bad[i], &v), -1);
    assert_int_equal(cj_value_parse_duration_ms(NULL, &v), -1);
    assert_int_equal(cj_value_parse_duration_ms("2s", NULL), -1);
    char buf[32];
    uint64_t samples[] = {0, 1, 999, 1000, 61000, 5405010, 3600000};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        cj_value_format_duration(samples[i], buf, sizeof buf);
        assert_int_equal(cj_value_parse_duration_ms(buf, &v), 0);
        assert_int_equal(v, samples[i]);
    }
    cj_value_format_duration(90000, buf, sizeof buf);
    assert_string_equal(buf, "1m30s");
}

static void test_parse_size_u64_bool(void **state)
{
    uint64_t v;
    int b;
    assert_int_equal(cj_value_parse_size("3MiB", &v), 0);
    assert_int_equal(v, 3145728);
    assert_int_equal(cj_value_parse_size("64kib", &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(cj_value_parse_size("1000", &v), 0);
    assert_int_equal(v, 1000);
    assert_int_equal(cj_value_parse_size("2KB", &v), 0);
    assert_int_equal(v, 2000);
    assert_int_equal(cj_value_parse_size("1.5MiB", &v), -1);
    assert_int_equal(cj_value_parse_size("MiB", &v), -1);
    assert_int_equal(cj_value_parse_size("-1", &v), -1);
    assert_int_equal(cj_value_parse_size("99999999999999999GiB", &v), -1);
    char buf[32];
    cj_value_format_size(3145728, buf, sizeof buf);
    assert_string_equal(buf, "3MiB");
    cj_value_format_size(1000, buf, sizeof buf);
    assert_string_equal(buf, "1000");
    assert_int_equal(cj_value_parse_u64("18446744073709551615", &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(cj_value_parse_u64("18446744073709551616", &v), -1);
    assert_int_equal(cj_value_parse_u64("+1", &v), -1);
    assert_int_equal(cj_value_parse_u64("", &v), -1);
    assert_int_equal(cj_value_parse_u64(NULL, &v), -1);
    assert_int_equal(cj_value_parse_bool("YES", &b), 0);
    assert_int_equal(b, 1);
    assert_int_equal(cj_value_parse_bool("off", &b), 0);
    assert_int_equal(b, 0);
    assert_int_equal(cj_value_parse_bool("maybe", &b), -1);
}

static void test_file_values_and_lines(void **state)
{
    cj_config c;
    char err[512];
    const char *y = "# comment\n"
                    "api:\n"
                    "  port: 9000\n"
                    "  read_timeout: 2s\n"
                    "  max_request_size: 64KiB\n"
                    "p2p:\n"
                    "  bootstrap_peers: [\"127.0.0.1:9002\", \"127.0.0.1:9003\"]\n"
                    "rate_limiter:\n"
                    "  burst_multiplier: 1.5\n"
                    "node:\n"
                    "  key_file: \"/tmp/k\"\n"
                    "  genesis_file:\n";
    assert_int_equal(load(&c, y, err, sizeof err), 0);
    assert_int_equal(c.api_port, 9000);
    assert_int_equal(c.api_read_timeout_ms, 2000);
    assert_int_equal(c.api_max_request_size, 65536);
    assert_int_equal(c.p2p_bootstrap_peers.count, 2);
    assert_string_equal(c.p2p_bootstrap_peers.items[1], "127.0.0.1:9003");
    assert_true(c.rl_burst_multiplier == 1.5);
    assert_string_equal(c.key_file, "/tmp/k");
    assert_string_equal(c.genesis_file, "");
    long i = cj_config_find("api.port");
    assert_true(i >= 0);
    assert_int_equal(c.src[i], CJ_SRC_FILE);
    assert_int_equal(c.line[i], 3);
    cj_config_free(&c);
}

static void test_file_errors(void **state)
{
    cj_config c;
    char err[512];
    assert_int_equal(load(&c, "api:\n  port: 8081\n  prot: 1\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "node.yaml:3:3: unknown key 'api.prot'"));
    assert_non_null(strstr(err, "did you mean 'api.port'"));
    cj_config_free(&c);

    assert_int_equal(load(&c, "api:\n  read_timeout: 10\n", err, sizeof err), -1);
    assert_non_null(strstr(err, ":2:"));
    assert_non_null(strstr(err, "api.read_timeout: bad duration '10'"));
    cj_config_free(&c);

    assert_int_equal(load(&c, "api:\n  port: 70000\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "api.port: '70000' is out of range 1..65535"));
    cj_config_free(&c);
    assert_int_equal(load(&c, "api:\n  port: http\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "bad port 'http'"));
    cj_config_free(&c);
    assert_int_equal(load(&c, "api:\n  port: 0\n", err, sizeof err), -1);
    cj_config_free(&c);
    assert_int_equal(load(&c, "api:\n  port: -1\n", err, sizeof err), -1);
    cj_config_free(&c);

    assert_int_equal(load(&c, "api:\n  port: 1\n  port: 2\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "duplicate key 'api.port' (first set on line 2)"));
    cj_config_free(&c);

    assert_int_equal(load(&c, "api: 5\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "'api' is a section"));
    cj_config_free(&c);

    assert_int_equal(load(&c, "api:\n  port: [1, 2]\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "expected a single value, got a list"));
    cj_config_free(&c);

    assert_int_equal(load(&c, "api:\n  port:\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "missing value"));
    cj_config_free(&c);

    assert_int_equal(load(&c, "consensus:\n  crypto_backend: fast\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "not one of reference|accelerated"));
    cj_config_free(&c);

    assert_int_equal(load(&c, "api:\n  port: 1\n bad indent\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "YAML syntax error"));
    cj_config_free(&c);

    assert_int_equal(load(&c, "- a\n- b\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "top level must be a mapping"));
    cj_config_free(&c);

    assert_int_equal(load(&c, "bogus: 1\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown key 'bogus'"));
    cj_config_free(&c);

    assert_int_equal(load(&c, "api:\n  port: 1\n---\napi:\n  port: 2\n", err, sizeof err), -1);
    assert_non_null(strstr(err, "more than one YAML document"));
    cj_config_free(&c);

    assert_int_equal(load(&c, "", err, sizeof err), 0);
    cj_config_free(&c);

    assert_int_equal(cj_config_init(&c), 0);
    assert_int_equal(cj_config_load_file(&c, "/nonexistent/cfg.yaml", err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open config file"));
    cj_config_free(&c);
}

static void test_legacy_keys_warn(void **state)
{
    cj_config c;
    char err[512];
    const char *y = "network:\n  id: coinjecture-migration-testnet\n  chain_id: 1337\n"
                    "consensus:\n  block_time: 2s\n  validators: [aa, bb]\n"
                    "  shadow_mode:\n    enabled: true\n    compare_with_validator: 0\n"
                    "  fork_choice:\n    max_reorg_depth: 100\n"
                    "rust:\n  library_path: /x.so\n"
                    "p2p:\n  listen_addrs: [\"/ip4/0.0.0.0/tcp/9000\"]\n  port: 9005\n"
                    "api:\n  cors: {enabled: true}\n  enable_cors: true\n"
                    "database:\n  path: ./x.db\n"
                    "logger:\n  level: info\n"
                    "mempool:\n  max_size: 500\n  tx_expiry: 1h\n"
                    "rate_limiter:\n  ip_limit: 7\n  ip_window: 1m\n"
                    "metrics:\n  port: 9090\n"
                    "features:\n  codec_mode: shadow\n"
                    "ipfs:\n  nodes: [a]\n"
                    "monitoring:\n  x: 1\n";
    assert_int_equal(load(&c, y, err, sizeof err), 0);
    assert_int_equal(c.p2p_port, 9005);
    assert_int_equal(c.mempool_max_size, 500);
    assert_int_equal(c.rl_ip_limit, 7);
    assert_int_equal(c.warning_count, 16);
    int found_line = 0;
    for (size_t i = 0; i < c.warning_count; i++)
        found_line |= strstr(c.warnings[i], "node.yaml:26: key 'mempool.tx_expiry'") != NULL;
    assert_true(found_line);
    cj_config_free(&c);
}

static void test_env_and_precedence(void **state)
{
    cj_config c;
    char err[512];
    char *env1[] = {"PATH=/bin", "COINJECTURE_API_PORT=9100", "COINJECTURE_CRYPTO_BACKEND=accelerated",
                    "COINJECTURE_LOG_FORMAT=json", "COINJECTURE_P2P_BOOTSTRAP_PEERS=a:1, b:2 ,",
                    "COINJECTURE_BOGUS=1", "COINJECTURE_CONFIG=/x.yaml", NULL};
    assert_int_equal(load(&c, "api:\n  port: 9000\n", err, sizeof err), 0);
    assert_int_equal(cj_config_apply_env(&c, env1, err, sizeof err), 0);
    assert_int_equal(c.api_port, 9100);
    assert_int_equal(c.src[cj_config_find("api.port")], CJ_SRC_ENV);
    assert_string_equal(c.crypto_backend, "accelerated");
    assert_string_equal(c.log_format, "json");
    assert_int_equal(c.p2p_bootstrap_peers.count, 2);
    assert_string_equal(c.p2p_bootstrap_peers.items[1], "b:2");
    assert_int_equal(c.warning_count, 1);
    assert_non_null(strstr(c.warnings[0], "COINJECTURE_BOGUS"));
    /* a flag beats the environment */
    assert_int_equal(cj_config_set(&c, "api.port", "9200", CJ_SRC_FLAG, 0, err, sizeof err), 0);
    assert_int_equal(c.api_port, 9200);
    cj_config_free(&c);

    /* the canonical variable wins over the alias, whatever the order */
    char *env2[] = {"COINJECTURE_CRYPTO_BACKEND=accelerated", "COINJECTURE_CONSENSUS_CRYPTO_BACKEND=reference", NULL};
    assert_int_equal(cj_config_init(&c), 0);
    assert_int_equal(cj_config_apply_env(&c, env2, err, sizeof err), 0);
    assert_string_equal(c.crypto_backend, "reference");
    cj_config_free(&c);

    char *env3[] = {"COINJECTURE_API_READ_TIMEOUT=fast", NULL};
    assert_int_equal(cj_config_init(&c), 0);
    assert_int_equal(cj_config_apply_env(&c, env3, err, sizeof err), -1);
    assert_non_null(strstr(err, "COINJECTURE_API_READ_TIMEOUT"));
    assert_non_null(strstr(err, "bad duration 'fast'"));
    assert_int_equal(cj_config_apply_env(&c, NULL, err, sizeof err), 0);
    cj_config_free(&c);
}

static void test_finish_rules(void **state)
{
    cj_config c;
    char err[512];
    assert_int_equal(load(&c, "consensus:\n  use_rust_bindings: true\n", err, sizeof err), 0);
    assert_int_equal(cj_config_finish(&c, err, sizeof err), 0);
    assert_string_equal(c.crypto_backend, "accelerated");
    assert_int_equal(c.warning_count, 1);
    assert_non_null(strstr(c.warnings[0], "deprecated"));
    cj_config_free(&c);

    assert_int_equal(load(&c, "consensus:\n  use_rust_bindings: true\n  crypto_backend: reference\n", err, sizeof err), 0);
    assert_int_equal(cj_config_finish(&c, err, sizeof err), 0);
    assert_string_equal(c.crypto_backend, "reference");
    assert_non_null(strstr(c.warnings[0], "overridden"));
    cj_config_free(&c);

    assert_int_equal(load(&c, "consensus:\n  validator_key: abc\n", err, sizeof err), 0);
    assert_int_equal(cj_config_finish(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "consensus.validator_key"));
    cj_config_free(&c);

    assert_int_equal(load(&c, "api:\n  port: 9001\n", err, sizeof err), 0);
    assert_int_equal(cj_config_finish(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "api.port and p2p.port"));
    cj_config_free(&c);

    /* an empty data dir means the platform's place, never the current directory */
    assert_int_equal(load(&c, "node:\n  data_dir: \"\"\n", err, sizeof err), 0);
    assert_int_equal(cj_config_finish(&c, err, sizeof err), 0);
    char want[4096];
    assert_int_equal(
        cj_config_default_data_dir(want, sizeof want, geteuid() == 0, getenv("HOME"), getenv("XDG_DATA_HOME")), 0);
    assert_string_equal(c.data_dir, want);
    cj_config_free(&c);
}

/* The platform default of node.data_dir for root, XDG and HOME users, and the refusals. */
static void test_default_data_dir(void **state)
{
    (void)state;
    char d[64];
    assert_int_equal(cj_config_default_data_dir(d, sizeof d, 1, "/root", "/x"), 0);
    assert_string_equal(d, "/var/lib/coinjecture");
    assert_int_equal(cj_config_default_data_dir(d, sizeof d, 0, "/home/a", "/home/a/xdg"), 0);
    assert_string_equal(d, "/home/a/xdg/coinjecture");
    assert_int_equal(cj_config_default_data_dir(d, sizeof d, 0, "/home/a", "relative"), 0); /* XDG must be absolute */
    assert_string_equal(d, "/home/a/.local/share/coinjecture");
    assert_int_equal(cj_config_default_data_dir(d, sizeof d, 0, "/home/a", NULL), 0);
    assert_string_equal(d, "/home/a/.local/share/coinjecture");
    assert_int_equal(cj_config_default_data_dir(d, sizeof d, 0, NULL, NULL), -1);
    assert_int_equal(cj_config_default_data_dir(d, sizeof d, 0, "", NULL), -1);
    assert_int_equal(cj_config_default_data_dir(d, 8, 1, NULL, NULL), -1); /* too small */
}

static void test_flags_and_set(void **state)
{
    cj_config c;
    char err[256];
    long a = cj_config_find_flag("crypto-backend"), b = cj_config_find_flag("consensus-crypto-backend");
    assert_true(a >= 0);
    assert_int_equal(a, b);
    assert_int_equal(cj_config_find_flag("data-dir"), cj_config_find("node.data_dir"));
    assert_int_equal(cj_config_find_flag("api-read-timeout"), cj_config_find("api.read_timeout"));
    assert_int_equal(cj_config_find_flag("nope"), -1);
    assert_int_equal(cj_config_find_flag(NULL), -1);
    assert_int_equal(cj_config_find(NULL), -1);
    char env[64];
    cj_config_env_name((size_t)cj_config_find("api.max_request_size"), env, sizeof env);
    assert_string_equal(env, "COINJECTURE_API_MAX_REQUEST_SIZE");
    assert_int_equal(cj_config_init(&c), 0);
    assert_int_equal(cj_config_set(&c, "nope", "1", CJ_SRC_FLAG, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown key 'nope'"));
    assert_int_equal(cj_config_set(&c, "api.port", NULL, CJ_SRC_FLAG, 0, err, sizeof err), -1);
    assert_int_equal(cj_config_set(NULL, "api.port", "1", CJ_SRC_FLAG, 0, err, sizeof err), -1);
    assert_int_equal(cj_config_set(&c, "rate_limiter.burst_multiplier", "nan", CJ_SRC_FLAG, 0, err, sizeof err), -1);
    assert_int_equal(cj_config_set(&c, "rate_limiter.burst_multiplier", "0.5", CJ_SRC_FLAG, 0, err, sizeof err), -1);
    assert_int_equal(cj_config_set(&c, "rate_limiter.burst_multiplier", "1e1", CJ_SRC_FLAG, 0, err, sizeof err), 0);
    assert_true(c.rl_burst_multiplier == 10.0);
    assert_int_equal(cj_config_set(&c, "consensus.enabled", "false", CJ_SRC_FLAG, 0, err, sizeof err), 0);
    assert_int_equal(c.consensus_enabled, 0);
    cj_config_free(&c);
}

/* Writes f's contents to a heap string. */
static char *slurp(FILE *f, size_t *len)
{
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static void test_sample_round_trip_and_doc(void **state)
{
    FILE *f = tmpfile();
    size_t len, dlen;
    char err[512];
    assert_non_null(f);
    cj_config_sample(f);
    char *sample = slurp(f, &len);
    fclose(f);
    cj_config c, d;
    assert_int_equal(load(&c, sample, err, sizeof err), 0);
    assert_int_equal(c.warning_count, 0);
    assert_int_equal(cj_config_init(&d), 0);
    assert_int_equal(c.api_port, d.api_port);
    assert_int_equal(c.api_max_headers_size, d.api_max_headers_size);
    assert_string_equal(c.api_host, d.api_host);
    assert_true(c.rl_burst_multiplier == d.rl_burst_multiplier);
    cj_config_free(&c);
    cj_config_free(&d);
    /* the shipped sample is exactly what the table generates */
    char *doc = tu_read_file(CJ_SOURCE_DIR "/docs/coinjectured.sample.yaml", &dlen);
    assert_int_equal(dlen, len);
    assert_memory_equal(doc, sample, len);
    free(doc);
    free(sample);
}

static void test_print_effective(void **state)
{
    cj_config c;
    char err[256];
    char *env[] = {"COINJECTURE_API_PORT=9300", NULL};
    assert_int_equal(load(&c, "api:\n  read_timeout: 1m30s\n", err, sizeof err), 0);
    assert_int_equal(cj_config_apply_env(&c, env, err, sizeof err), 0);
    FILE *f = tmpfile();
    cj_config_print(&c, f);
    size_t len;
    char *out = slurp(f, &len);
    fclose(f);
    assert_non_null(strstr(out, "  port: 9300  # env COINJECTURE_API_PORT\n"));
    assert_non_null(strstr(out, "  read_timeout: 1m30s  # file ? line 2\n"));
    assert_non_null(strstr(out, "  host: \"127.0.0.1\"  # default\n"));
    /* the printed configuration parses back to the same values */
    cj_config back;
    char *body = strchr(out, '\n') + 1;
    assert_int_equal(load(&back, body, err, sizeof err), 0);
    assert_int_equal(back.api_port, 9300);
    assert_int_equal(back.api_read_timeout_ms, 90000);
    cj_config_free(&back);
    free(out);
    cj_config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_parse_duration),
        cmocka_unit_test(test_parse_size_u64_bool),
        cmocka_unit_test(test_file_values_and_lines),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_legacy_keys_warn),
        cmocka_unit_test(test_env_and_precedence),
        cmocka_unit_test(test_finish_rules),
        cmocka_unit_test(test_default_data_dir),
        cmocka_unit_test(test_flags_and_set),
        cmocka_unit_test(test_sample_round_trip_and_doc),
        cmocka_unit_test(test_print_effective),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
