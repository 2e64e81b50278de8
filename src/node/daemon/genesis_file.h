/* The genesis file (JSON, docs/CHAIN.md "Genesis"): parsing and canonical output of struct cj_genesis. */
#ifndef CJ_NODE_GENESIS_FILE_H
#define CJ_NODE_GENESIS_FILE_H

#include <stddef.h>

#include "genesis.h"

/* Parses a genesis document from memory. Returns 0 and fills *out (release with cj_genesis_free), or -1
 * with a message in err (e.g. "validators[2]: expected 64 hex digits") and *out zeroed. */
int cj_genesis_parse(const char *json, size_t len, cj_genesis *out, char *err, size_t errlen);

/* Reads and parses a genesis file; errors are prefixed with the path (and line:column for JSON syntax). */
int cj_genesis_load(const char *path, cj_genesis *out, char *err, size_t errlen);

/* Canonical JSON text of g (keys in the order above, hex lowercase, 2-space indent), heap string the
 * caller frees with free(); NULL on allocation failure. */
char *cj_genesis_to_json(const cj_genesis *g);

#endif /* CJ_NODE_GENESIS_FILE_H */
