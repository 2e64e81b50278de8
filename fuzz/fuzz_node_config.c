/* libFuzzer target: the YAML configuration loader (src/node/daemon/config.c, cj_config_load_yaml: the buffer
 * entry point behind cj_config_load_file), the input being the file's bytes.
 *  - the result is 0, or -1 with a fresh non-empty message naming the file; cj_config_free releases
 *    everything (LeakSanitizer);
 *  - the up-front nesting guard holds: when libyaml's own scanner reaches a flow ('[' / '{') depth above 64
 *    (counted here token by token, stopping at 65 so the check stays linear), the loader must have refused
 *    the text before parsing it (libyaml's scanner is quadratic in that depth);
 *  - accepted: cj_config_finish returns 0 or -1 with a message; the effective configuration printed by
 *    cj_config_print loads back (as a fresh file) to identical values for every table key. */
#include <yaml.h>

#include "config.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FCF_MARK "fcf-marker"
#define FCF_MAX_DEPTH 64u

/* Deepest flow nesting libyaml's scanner reaches on the text, counted up to FCF_MAX_DEPTH + 1. */
static size_t fcf_scanner_depth(const uint8_t *data, size_t size)
{
    yaml_parser_t p;
    yaml_token_t t;
    size_t depth = 0, max = 0;
    if (data == NULL) return 0;
    CJ_FZ_CHECK(yaml_parser_initialize(&p));
    yaml_parser_set_input_string(&p, data, size);
    while (max <= FCF_MAX_DEPTH && yaml_parser_scan(&p, &t)) {
        yaml_token_type_t type = t.type;
        yaml_token_delete(&t);
        if (type == YAML_STREAM_END_TOKEN || type == YAML_NO_TOKEN) break;
        if (type == YAML_FLOW_SEQUENCE_START_TOKEN || type == YAML_FLOW_MAPPING_START_TOKEN) {
            if (++depth > max) max = depth;
        } else if ((type == YAML_FLOW_SEQUENCE_END_TOKEN || type == YAML_FLOW_MAPPING_END_TOKEN) && depth > 0) {
            depth--;
        }
    }
    yaml_parser_delete(&p);
    return max;
}

/* Every table key has the same value in both configurations. */
static int fcf_equal(const cj_config *a, const cj_config *b)
{
    size_t n = 0;
    const cj_config_key *t = cj_config_table(&n);
    for (size_t i = 0; i < n; i++) {
        const char *pa = (const char *)a + t[i].offset, *pb = (const char *)b + t[i].offset;
        switch (t[i].type) {
        case CJ_CFG_STRING:
        case CJ_CFG_ENUM:
            if (strcmp(*(char *const *)(const void *)pa, *(char *const *)(const void *)pb) != 0) return 0;
            break;
        case CJ_CFG_BOOL:
            if (*(const int *)(const void *)pa != *(const int *)(const void *)pb) return 0;
            break;
        case CJ_CFG_U64:
        case CJ_CFG_PORT:
        case CJ_CFG_DURATION:
        case CJ_CFG_SIZE:
            if (*(const uint64_t *)(const void *)pa != *(const uint64_t *)(const void *)pb) return 0;
            break;
        case CJ_CFG_DOUBLE:
            if (memcmp(pa, pb, sizeof(double)) != 0) return 0;
            break;
        case CJ_CFG_LIST: {
            const cj_strlist *la = (const cj_strlist *)(const void *)pa, *lb = (const cj_strlist *)(const void *)pb;
            if (la->count != lb->count) return 0;
            for (size_t j = 0; j < la->count; j++)
                if (strcmp(la->items[j], lb->items[j]) != 0) return 0;
            break;
        }
        }
    }
    return 1;
}

/* The effective configuration as text, loaded back into a fresh configuration. */
static void fcf_round_trip(const cj_config *c)
{
    char *text = NULL, err[1024] = FCF_MARK;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CJ_FZ_CHECK(f != NULL);
    cj_config_print(c, f);
    CJ_FZ_CHECK(fclose(f) == 0 && text != NULL);
    cj_config back;
    CJ_FZ_CHECK(cj_config_init(&back) == 0);
    int rc = cj_config_load_yaml(&back, text, len, "effective.yaml", err, sizeof err);
    if (rc != 0) fprintf(stderr, "effective configuration refused: %s\n%s\n", err, text);
    CJ_FZ_CHECK(rc == 0);
    if (!fcf_equal(c, &back)) fprintf(stderr, "effective configuration differs after reload:\n%s\n", text);
    CJ_FZ_CHECK(fcf_equal(c, &back));
    cj_config_free(&back);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cj_config c;
    char err[1024] = FCF_MARK;
    CJ_FZ_CHECK(cj_config_init(&c) == 0);
    int rc = cj_config_load_yaml(&c, (const char *)data, size, "fuzz.yaml", err, sizeof err);
    CJ_FZ_CHECK(rc == 0 || rc == -1);
    if (fcf_scanner_depth(data, size) > FCF_MAX_DEPTH) {
        if (rc == 0 || strstr(err, "nested") == NULL)
            fprintf(stderr, "flow nesting above %u got past the guard: rc %d, '%s'\n", FCF_MAX_DEPTH, rc, err);
        CJ_FZ_CHECK(rc == -1 && strstr(err, "nested") != NULL);
    }
    if (rc != 0) {
        CJ_FZ_CHECK(err[0] != 0 && strcmp(err, FCF_MARK) != 0 && strncmp(err, "fuzz.yaml", 9) == 0);
        cj_fz_stats.rejected++;
    } else {
        fcf_round_trip(&c);
        char err2[1024] = FCF_MARK;
        int frc = cj_config_finish(&c, err2, sizeof err2);
        CJ_FZ_CHECK(frc == 0 || (frc == -1 && err2[0] != 0 && strcmp(err2, FCF_MARK) != 0));
        cj_fz_stats.decoded++;
    }
    cj_config_free(&c);
    CJ_FZ_CHECK(cj_fz_all_zero(&c, sizeof c));
    return 0;
}
