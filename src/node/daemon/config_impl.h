/* Private to the configuration files (config.c: the key table and values; config_yaml.c: the file reader;
 * config_print.c: output). The interface is config.h. */
#ifndef CJ_NODE_CONFIG_IMPL_H
#define CJ_NODE_CONFIG_IMPL_H

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define MS_MIN 60000ull
#define KIB 1024ull
#define MIB (1024ull * 1024ull)

/* The one table of keys, in output order. */
extern const cj_config_key cj_config_keys[];
extern const size_t cj_config_key_count;

/* Keys of the original Go node's configs that are accepted and ignored, with the reason. */
typedef struct {
    const char *pattern;
    const char *why;
} cj_config_legacy;
extern const cj_config_legacy cj_config_legacy_keys[];
extern const size_t cj_config_legacy_count;


/* Releases a string list. */
void cj_config_strlist_free(cj_strlist *l);

/* Appends a copy of s to a list. */
int cj_config_strlist_push(cj_strlist *l, const char *s);

/* Writes the allowed range of a numeric key in its own units for error messages. */
void cj_config_range_text(const cj_config_key *k, char *out, size_t cap);

/* Parses text for table entry i and stores it, replacing the old value. */
int cj_config_set_index(cj_config *c, size_t i, const char *value, cj_cfg_source src, int line, char *err,
                     size_t errlen);

#endif /* CJ_NODE_CONFIG_IMPL_H */
