/* coinjecture-vectors: a minimal JSON tree, printed like serde_json's pretty printer (2-space indent, keys
 * sorted at every level), so the vectors file is byte-identical to what the original generator's serde_json
 * wrote and needs no JSON library. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vectors.h"

/* realloc that never returns NULL. */
static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) vec_die("out of memory");
    return q;
}

/* strdup without the POSIX dependency. */
static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = vec_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

/* Allocates a zeroed node of the given type. */
static jv *jnew(jtype t)
{
    jv *v = vec_xmalloc(sizeof *v);
    memset(v, 0, sizeof *v);
    v->type = t;
    return v;
}

/* An empty object. */
jv *vjson_obj(void) { return jnew(J_OBJ); }

/* An empty array. */
jv *vjson_arr(void) { return jnew(J_ARR); }

/* A string node (copied). */
jv *vjson_str(const char *s)
{
    jv *v = jnew(J_STR);
    v->str = xstrdup(s);
    return v;
}

/* An unsigned integer node. */
jv *vjson_u64(uint64_t u)
{
    jv *v = jnew(J_U64);
    v->u = u;
    return v;
}

/* A signed integer node. */
jv *vjson_i64(int64_t i)
{
    jv *v = jnew(J_I64);
    v->i = i;
    return v;
}

/* A boolean node. */
jv *vjson_bool(int b)
{
    jv *v = jnew(J_BOOL);
    v->b = b != 0;
    return v;
}

/* The null node. */
jv *vjson_null(void) { return jnew(J_NULL); }

/* Lowercase hex of len bytes as a string node, through the library's own encoder. */
jv *vjson_hex(const uint8_t *p, size_t len)
{
    jv *v = jnew(J_STR);
    v->str = vec_xmalloc(2 * len + 1);
    vec_ok(coinjecture_hex_encode(p, len, v->str, 2 * len + 1), "coinjecture_hex_encode");
    return v;
}

/* Appends a child slot, growing the arrays geometrically. */
static void jgrow(jv *v)
{
    if (v->len < v->cap) return;
    v->cap = v->cap ? 2 * v->cap : 8;
    v->items = xrealloc(v->items, v->cap * sizeof *v->items);
    if (v->type == J_OBJ) v->keys = xrealloc(v->keys, v->cap * sizeof *v->keys);
}

/* Sets obj[key] = val; a repeated key is a generator bug. */
void vjson_put(jv *obj, const char *key, jv *val)
{
    for (size_t i = 0; i < obj->len; i++)
        if (strcmp(obj->keys[i], key) == 0) vec_die("duplicate key %s", key);
    jgrow(obj);
    obj->keys[obj->len] = xstrdup(key);
    obj->items[obj->len++] = val;
}

/* Appends val to arr. */
void vjson_push(jv *arr, jv *val)
{
    jgrow(arr);
    arr->items[arr->len++] = val;
}

/* Releases a tree (keeps sanitizer builds leak-free). */
void vjson_free(jv *v)
{
    if (!v) return;
    for (size_t i = 0; i < v->len; i++) {
        vjson_free(v->items[i]);
        if (v->type == J_OBJ) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

/* Writes a JSON string with serde_json's escapes (", \, \b \f \n \r \t, other controls as \u00xx). */
static void jprint_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20) fprintf(f, "\\u%04x", (unsigned)*p);
            else fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* Sorts an object's entries by key (byte order, as serde_json's BTreeMap); objects are small. */
static void jsort(jv *obj)
{
    for (size_t i = 1; i < obj->len; i++) {
        char *k = obj->keys[i];
        jv *val = obj->items[i];
        size_t j = i;
        while (j > 0 && strcmp(obj->keys[j - 1], k) > 0) {
            obj->keys[j] = obj->keys[j - 1];
            obj->items[j] = obj->items[j - 1];
            j--;
        }
        obj->keys[j] = k;
        obj->items[j] = val;
    }
}

/* Writes 2 * depth spaces. */
static void jindent(FILE *f, int depth)
{
    for (int i = 0; i < depth; i++) fputs("  ", f);
}

/* Pretty-prints v at the given nesting depth (serde_json to_string_pretty layout). */
void vjson_print(FILE *f, jv *v, int depth)
{
    switch (v->type) {
    case J_OBJ:
    case J_ARR:
        if (v->len == 0) {
            fputs(v->type == J_OBJ ? "{}" : "[]", f);
            return;
        }
        if (v->type == J_OBJ) jsort(v);
        fputs(v->type == J_OBJ ? "{\n" : "[\n", f);
        for (size_t i = 0; i < v->len; i++) {
            jindent(f, depth + 1);
            if (v->type == J_OBJ) {
                jprint_string(f, v->keys[i]);
                fputs(": ", f);
            }
            vjson_print(f, v->items[i], depth + 1);
            fputs(i + 1 < v->len ? ",\n" : "\n", f);
        }
        jindent(f, depth);
        fputc(v->type == J_OBJ ? '}' : ']', f);
        return;
    case J_STR: jprint_string(f, v->str); return;
    case J_U64: fprintf(f, "%" PRIu64, v->u); return;
    case J_I64: fprintf(f, "%" PRId64, v->i); return;
    case J_BOOL: fputs(v->b ? "true" : "false", f); return;
    case J_NULL: fputs("null", f); return;
    }
}

