/* Values as operators write them: strict decimals, booleans, durations and sizes, and their canonical text. */
#ifndef CJ_NODE_VALUE_H
#define CJ_NODE_VALUE_H

#include <stddef.h>
#include <stdint.h>

/* Parsers of the configuration (file, env, flags), API query parameters and peer addresses: digits only
 * for u64 (no sign, no spaces, no overflow); 0 or -1. */
int cj_value_parse_u64(const char *s, uint64_t *out);
int cj_value_parse_bool(const char *s, int *out);
int cj_value_parse_duration_ms(const char *s, uint64_t *out);
int cj_value_parse_size(const char *s, uint64_t *out);
/* Formats a duration in ms as the shortest exact text ("1m30s", "500ms", "0s"). */
void cj_value_format_duration(uint64_t ms, char *out, size_t cap);
/* Formats a byte size as the shortest exact text ("3MiB", "1000"). */
void cj_value_format_size(uint64_t bytes, char *out, size_t cap);

#endif /* CJ_NODE_VALUE_H */
