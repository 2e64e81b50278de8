/* The configuration file reader: YAML (libyaml) walked into the one key table, with line numbers in
 * errors, suggestions for unknown keys and limits on nesting. */
#include "config_impl.h"

/* ---- YAML file ---- */

/* Levenshtein distance (capped inputs) for "did you mean" suggestions. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
        }
    }
    return row[lb];
}

/* Closest table key to an unknown one, or NULL if none is close. */
static const char *suggest(const char *key)
{
    const char *best = NULL;
    size_t bd = 4;
    for (size_t i = 0; i < cj_config_key_count; i++) {
        size_t d = edit_distance(key, cj_config_keys[i].key);
        if (d < bd)
            bd = d, best = cj_config_keys[i].key;
    }
    return best;
}

/* Legacy entry matching path (the key itself or something below it), or -1. */
static long legacy_find(const char *path)
{
    for (size_t i = 0; i < cj_config_legacy_count; i++) {
        size_t n = strlen(cj_config_legacy_keys[i].pattern);
        if (strncmp(path, cj_config_legacy_keys[i].pattern, n) == 0 && (path[n] == '\0' || path[n] == '.'))
            return (long)i;
    }
    return -1;
}

/* Whether path names a section that holds table keys (e.g. "api"). */
static int is_section(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < cj_config_key_count; i++)
        if (strncmp(cj_config_keys[i].key, path, n) == 0 && cj_config_keys[i].key[n] == '.')
            return 1;
    return 0;
}

/* Whether a scalar node is YAML null (plain "", "~", "null"). */
static int scalar_is_null(const yaml_node_t *n)
{
    const char *v = (const char *)n->data.scalar.value;
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
           strcmp(v, "NULL") == 0;
}

typedef struct {
    cj_config *c;
    yaml_document_t *doc;
    const char *name;
    int *seen_line; /* per table key: line where this file set it, 0 if not */
    char *err;
    size_t errlen;
} yaml_walk;

/* Applies one key's YAML value (scalar or sequence) to the table entry. */
static int apply_value(yaml_walk *w, size_t idx, yaml_node_t *v, int line, int col)
{
    const cj_config_key *k = &cj_config_keys[idx];
    char msg[512];
    if (w->seen_line[idx] != 0) {
        snprintf(w->err, w->errlen, "%s:%d:%d: duplicate key '%s' (first set on line %d)", w->name, line, col,
                 k->key, w->seen_line[idx]);
        return -1;
    }
    w->seen_line[idx] = line;
    if (v->type == YAML_MAPPING_NODE) {
        snprintf(w->err, w->errlen, "%s:%d:%d: %s: expected a value, got a mapping", w->name, line, col, k->key);
        return -1;
    }
    if (v->type == YAML_SEQUENCE_NODE) {
        if (k->type != CJ_CFG_LIST) {
            snprintf(w->err, w->errlen, "%s:%d:%d: %s: expected a single value, got a list", w->name, line, col,
                     k->key);
            return -1;
        }
        cj_strlist l = {0};
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
            yaml_node_t *item = yaml_document_get_node(w->doc, *it);
            if (item == NULL || item->type != YAML_SCALAR_NODE) {
                cj_config_strlist_free(&l);
                snprintf(w->err, w->errlen, "%s:%d:%d: %s: list items must be plain values", w->name,
                         item ? (int)item->start_mark.line + 1 : line, item ? (int)item->start_mark.column + 1 : col,
                         k->key);
                return -1;
            }
            if (cj_config_strlist_push(&l, (const char *)item->data.scalar.value) != 0) {
                cj_config_strlist_free(&l);
                snprintf(w->err, w->errlen, "%s: out of memory", w->name);
                return -1;
            }
        }
        cj_strlist *slot = (cj_strlist *)(void *)((char *)w->c + k->offset);
        cj_config_strlist_free(slot);
        *slot = l;
        w->c->src[idx] = CJ_SRC_FILE;
        w->c->line[idx] = line;
        return 0;
    }
    const char *value = (const char *)v->data.scalar.value;
    if (scalar_is_null(v)) {
        if (k->type != CJ_CFG_STRING && k->type != CJ_CFG_LIST) {
            snprintf(w->err, w->errlen, "%s:%d:%d: %s: missing value", w->name, line, col, k->key);
            return -1;
        }
        value = "";
    }
    if (cj_config_set_index(w->c, idx, value, CJ_SRC_FILE, line, msg, sizeof msg) != 0) {
        snprintf(w->err, w->errlen, "%s:%d:%d: %s", w->name, line, col, msg);
        return -1;
    }
    return 0;
}

/* Walks one mapping level, resolving "prefix.key" against the table, the legacy list and sections. */
static int walk_map(yaml_walk *w, yaml_node_t *map, const char *prefix)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(w->doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(w->doc, p->value);
        if (kn == NULL || vn == NULL)
            continue;
        int line = (int)kn->start_mark.line + 1, col = (int)kn->start_mark.column + 1;
        if (kn->type != YAML_SCALAR_NODE) {
            snprintf(w->err, w->errlen, "%s:%d:%d: keys must be plain names", w->name, line, col);
            return -1;
        }
        char path[256];
        int pl = snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", (const char *)kn->data.scalar.value);
        if (pl < 0 || (size_t)pl >= sizeof path) {
            snprintf(w->err, w->errlen, "%s:%d:%d: key too long", w->name, line, col);
            return -1;
        }
        long idx = cj_config_find(path);
        if (idx >= 0) {
            if (apply_value(w, (size_t)idx, vn, line, col) != 0)
                return -1;
            continue;
        }
        if (is_section(path)) {
            if (vn->type == YAML_MAPPING_NODE) {
                if (walk_map(w, vn, path) != 0)
                    return -1;
                continue;
            }
            if (vn->type == YAML_SCALAR_NODE && scalar_is_null(vn))
                continue;
            snprintf(w->err, w->errlen, "%s:%d:%d: '%s' is a section: expected a mapping of keys", w->name, line,
                     col, path);
            return -1;
        }
        long lg = legacy_find(path);
        if (lg >= 0) {
            cj_config_warn(w->c, "%s:%d: key '%s' of the original node is accepted and ignored: %s", w->name, line,
                           path, cj_config_legacy_keys[lg].why);
            continue;
        }
        const char *s = suggest(path);
        if (s != NULL)
            snprintf(w->err, w->errlen, "%s:%d:%d: unknown key '%s' (did you mean '%s'?)", w->name, line, col, path,
                     s);
        else
            snprintf(w->err, w->errlen, "%s:%d:%d: unknown key '%s'", w->name, line, col, path);
        return -1;
    }
    return 0;
}

/* Deepest nesting of flow collections ('[' / '{' outside quotes and comments). libyaml's scanner is
 * quadratic in it (stale simple-key checks on every token), so a corrupt file of brackets would stall the
 * start for minutes; no configuration needs more than a few levels. A guard, not a parser: odd quoting only
 * makes it count fewer levels. */
static size_t yaml_flow_depth(const char *s, size_t len)
{
    size_t depth = 0, max = 0;
    char quote = 0;
    int comment = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (comment) {
            comment = ch != '\n';
        } else if (quote) {
            if (ch == quote)
                quote = 0;
            else if (ch == '\\' && quote == '"')
                i++;
        } else if (ch == '"' || ch == '\'') {
            quote = ch;
        } else if (ch == '#') {
            comment = 1;
        } else if (ch == '[' || ch == '{') {
            if (++depth > max)
                max = depth;
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    return max;
}

#define MAX_FLOW_DEPTH 64

/* Flow nesting as libyaml's own scanner sees it, counted only up to limit + 1 (so this stays linear): the
 * exact check behind yaml_flow_depth, which a quote or '#' inside a plain scalar ("b'", "a#") fools. */
static size_t yaml_token_depth(const char *s, size_t len, size_t limit)
{
    yaml_parser_t p;
    yaml_token_t t;
    size_t depth = 0, max = 0;
    if (!yaml_parser_initialize(&p))
        return 0;
    yaml_parser_set_input_string(&p, (const unsigned char *)s, len);
    while (max <= limit && yaml_parser_scan(&p, &t)) {
        yaml_token_type_t type = t.type;
        yaml_token_delete(&t);
        if (type == YAML_STREAM_END_TOKEN || type == YAML_NO_TOKEN)
            break;
        if (type == YAML_FLOW_SEQUENCE_START_TOKEN || type == YAML_FLOW_MAPPING_START_TOKEN)
            max = ++depth > max ? depth : max;
        else if ((type == YAML_FLOW_SEQUENCE_END_TOKEN || type == YAML_FLOW_MAPPING_END_TOKEN) && depth > 0)
            depth--;
    }
    yaml_parser_delete(&p);
    return max;
}

/* Parses YAML text and applies it. */
int cj_config_load_yaml(cj_config *c, const char *yaml, size_t len, const char *name, char *err, size_t errlen)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = -1;
    if (yaml == NULL && len != 0) {
        snprintf(err, errlen, "%s: no configuration text", name);
        return -1;
    }
    if (yaml == NULL)
        yaml = ""; /* libyaml asserts on a NULL input; no text is an empty file */
    size_t depth = yaml_flow_depth(yaml, len);
    if (depth <= MAX_FLOW_DEPTH && yaml_token_depth(yaml, len, MAX_FLOW_DEPTH) > MAX_FLOW_DEPTH) {
        snprintf(err, errlen, "%s: '[' / '{' collections nested more than %d deep: not a configuration file?", name,
                 MAX_FLOW_DEPTH);
        return -1;
    }
    if (depth > MAX_FLOW_DEPTH) {
        snprintf(err, errlen, "%s: '[' / '{' collections nested %zu deep (at most %d): not a configuration file?",
                 name, depth, MAX_FLOW_DEPTH);
        return -1;
    }
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "%s: cannot initialise the YAML parser", name);
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "%s:%zu:%zu: YAML syntax error: %s%s%s", name, parser.problem_mark.line + 1,
                 parser.problem_mark.column + 1, parser.problem ? parser.problem : "unknown",
                 parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return -1;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    int *seen = calloc(cj_config_key_count, sizeof *seen);
    if (seen == NULL) {
        snprintf(err, errlen, "%s: out of memory", name);
        goto out;
    }
    if (root == NULL || (root->type == YAML_SCALAR_NODE && scalar_is_null(root))) {
        rc = 0; /* empty file: defaults */
    } else if (root->type != YAML_MAPPING_NODE) {
        snprintf(err, errlen, "%s:%zu:%zu: the top level must be a mapping of sections", name,
                 root->start_mark.line + 1, root->start_mark.column + 1);
    } else {
        yaml_walk w = {c, &doc, name, seen, err, errlen};
        rc = walk_map(&w, root, "");
    }
    if (rc == 0) {
        yaml_document_t doc2;
        if (yaml_parser_load(&parser, &doc2)) {
            if (yaml_document_get_root_node(&doc2) != NULL) {
                snprintf(err, errlen, "%s: more than one YAML document", name);
                rc = -1;
            }
            yaml_document_delete(&doc2);
        }
    }
out:
    free(seen);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

/* Reads a config file (size-capped) and applies it. */
int cj_config_load_file(cj_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open config file: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)MIB) {
        snprintf(err, errlen, "%s: not a regular file of at most 1 MiB", path);
        fclose(f);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    char *buf = malloc(n + 1);
    if (buf == NULL || fread(buf, 1, n, f) != n) {
        snprintf(err, errlen, "%s: cannot read config file", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    buf[n] = '\0';
    free(c->file);
    c->file = strdup(path);
    int rc = cj_config_load_yaml(c, buf, n, path, err, errlen);
    free(buf);
    return rc;
}
