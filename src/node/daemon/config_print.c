/* Configuration output: the effective configuration as YAML (--print-config) and the sample file
 * generated from the key table. */
#include "config_impl.h"

/* ---- output ---- */

/* Writes s as a YAML double-quoted string that libyaml reads back unchanged: ASCII controls, C1 controls
 * (NEL included), LS/PS and U+FFFE/U+FFFF are escaped (raw, libyaml refuses them or folds the breaks). */
static void yaml_quote(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            fprintf(out, "\\u%04x", (unsigned)*++p);
        else if ((p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) ||
                 (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))) {
            fprintf(out, "\\u%04x", (unsigned)(((p[0] & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f)));
            p += 2;
        } else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* Writes the value of entry i in the syntax the parser reads back. */
static void print_value(FILE *out, const cj_config *c, size_t i)
{
    const cj_config_key *k = &cj_config_keys[i];
    const char *base = (const char *)c + k->offset;
    char buf[64];
    switch (k->type) {
    case CJ_CFG_STRING:
        yaml_quote(out, *(char *const *)(const void *)base);
        break;
    case CJ_CFG_ENUM:
        fputs(*(char *const *)(const void *)base, out);
        break;
    case CJ_CFG_BOOL:
        fputs(*(const int *)(const void *)base ? "true" : "false", out);
        break;
    case CJ_CFG_U64:
    case CJ_CFG_PORT:
        fprintf(out, "%llu", (unsigned long long)*(const uint64_t *)(const void *)base);
        break;
    case CJ_CFG_DURATION:
        cj_value_format_duration(*(const uint64_t *)(const void *)base, buf, sizeof buf);
        fputs(buf, out);
        break;
    case CJ_CFG_SIZE:
        cj_value_format_size(*(const uint64_t *)(const void *)base, buf, sizeof buf);
        fputs(buf, out);
        break;
    case CJ_CFG_DOUBLE:
        fprintf(out, "%.17g", *(const double *)(const void *)base);
        break;
    case CJ_CFG_LIST: {
        const cj_strlist *l = (const cj_strlist *)(const void *)base;
        fputc('[', out);
        for (size_t j = 0; j < l->count; j++) {
            if (j)
                fputs(", ", out);
            yaml_quote(out, l->items[j]);
        }
        fputc(']', out);
        break;
    }
    }
}

/* Prints "section:" when entry i starts a new section. */
static void print_section(FILE *out, size_t i, int blank)
{
    const char *dot = strchr(cj_config_keys[i].key, '.');
    size_t n = (size_t)(dot - cj_config_keys[i].key);
    if (i == 0 || strncmp(cj_config_keys[i - 1].key, cj_config_keys[i].key, n + 1) != 0)
        fprintf(out, "%s%.*s:\n", (blank && i) ? "\n" : "", (int)n, cj_config_keys[i].key);
}

/* Effective configuration, each value annotated with where it came from. */
void cj_config_print(const cj_config *c, FILE *out)
{
    char env[128];
    fprintf(out, "# coinjectured effective configuration (precedence: flag > env > file > default)\n");
    for (size_t i = 0; i < cj_config_key_count; i++) {
        print_section(out, i, 0);
        fprintf(out, "  %s: ", strchr(cj_config_keys[i].key, '.') + 1);
        print_value(out, c, i);
        switch (c->src[i]) {
        case CJ_SRC_DEFAULT:
            fprintf(out, "  # default\n");
            break;
        case CJ_SRC_FILE:
            fprintf(out, "  # file %s line %d\n", c->file ? c->file : "?", c->line[i]);
            break;
        case CJ_SRC_ENV:
            cj_config_env_name(i, env, sizeof env);
            fprintf(out, "  # env %s%s%s\n", env, cj_config_keys[i].env_alias ? " or " : "",
                    cj_config_keys[i].env_alias ? cj_config_keys[i].env_alias : "");
            break;
        case CJ_SRC_FLAG:
            fprintf(out, "  # flag\n");
            break;
        }
    }
}

/* Writes help text as YAML comments wrapped at ~100 columns. */
static void print_wrapped_comment(FILE *out, const char *text)
{
    const char *p = text;
    while (*p) {
        size_t n = strlen(p);
        if (n > 96) {
            n = 96;
            while (n > 0 && p[n] != ' ')
                n--;
            if (n == 0)
                n = 96;
        }
        fprintf(out, "  # %.*s\n", (int)n, p);
        p += n;
        while (*p == ' ')
            p++;
    }
}

/* The sample configuration, generated from the table (docs/coinjectured.sample.yaml). */
void cj_config_sample(FILE *out)
{
    static const char *const type_names[] = {"string", "boolean", "integer", "port", "duration",
                                             "size",   "number",  "one of",  "list"};
    char env[128], flag[128], range[128];
    cj_config d;
    if (cj_config_init(&d) != 0)
        return;
    fprintf(out, "# coinjectured sample configuration, generated by `coinjectured --sample-config`.\n"
                 "# Every key is optional; the values below are the defaults.\n"
                 "# Precedence: command-line flag > environment variable > this file > default.\n"
                 "# Durations: 500ms, 2s, 1m, 1h30m. Sizes: 65536, 64KiB, 3MiB.\n"
                 "# Keys of the original node's configs that are not used here are accepted with a warning.\n");
    for (size_t i = 0; i < cj_config_key_count; i++) {
        const cj_config_key *k = &cj_config_keys[i];
        print_section(out, i, 1);
        print_wrapped_comment(out, k->help);
        cj_config_env_name(i, env, sizeof env);
        cj_config_flag_name(i, flag, sizeof flag);
        fprintf(out, "  # %s", type_names[k->type]);
        if (k->type == CJ_CFG_ENUM)
            fprintf(out, " %s", k->choices);
        if (k->type == CJ_CFG_U64 || k->type == CJ_CFG_DURATION || k->type == CJ_CFG_SIZE ||
            k->type == CJ_CFG_DOUBLE) {
            cj_config_range_text(k, range, sizeof range);
            fprintf(out, " %s", range);
        }
        fprintf(out, "; env %s", env);
        if (k->env_alias)
            fprintf(out, " or %s", k->env_alias);
        fprintf(out, "; flag --%s", flag);
        if (k->flag_alias)
            fprintf(out, " or --%s", k->flag_alias);
        fprintf(out, "\n  %s: ", strchr(k->key, '.') + 1);
        print_value(out, &d, i);
        fputc('\n', out);
    }
    fprintf(out, "\n# Accepted for compatibility with the original node's configs and ignored (with a warning):\n");
    for (size_t i = 0; i < cj_config_legacy_count; i++)
        fprintf(out, "#   %s: %s\n", cj_config_legacy_keys[i].pattern, cj_config_legacy_keys[i].why);
    cj_config_free(&d);
}
