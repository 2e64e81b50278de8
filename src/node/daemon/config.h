/* Node configuration: one table of keys (type, default, range, help), filled from the YAML file, the
 * environment (COINJECTURE_<SECTION>_<KEY>) and command-line flags (--<section>-<key>), with precedence
 * flag > env > file > default. Keys of the original Go node's configs that we do not use are accepted
 * with a warning; unknown keys are errors that name the key and the file line. The sample config
 * (docs/coinjectured.sample.yaml) is generated from the table (coinjectured --sample-config). */
#ifndef CJ_NODE_CONFIG_H
#define CJ_NODE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "value.h"
#include <stdio.h>

typedef enum {
    CJ_CFG_STRING,   /* any text */
    CJ_CFG_BOOL,     /* true/false/yes/no/on/off/1/0 */
    CJ_CFG_U64,      /* decimal integer within [min, max] */
    CJ_CFG_PORT,     /* 1..65535 */
    CJ_CFG_DURATION, /* "500ms", "2s", "1m", "1h", "1m30s"; stored in milliseconds within [min, max] */
    CJ_CFG_SIZE,     /* bytes with optional unit B, KB, KiB, MB, MiB, GB, GiB; within [min, max] */
    CJ_CFG_DOUBLE,   /* decimal number within [dmin, dmax] */
    CJ_CFG_ENUM,     /* one of choices ("a|b|c") */
    CJ_CFG_LIST      /* list of strings: YAML sequence, or comma-separated in env/flags */
} cj_cfg_type;

typedef enum { CJ_SRC_DEFAULT = 0, CJ_SRC_FILE, CJ_SRC_ENV, CJ_SRC_FLAG } cj_cfg_source;

typedef struct {
    char **items;
    size_t count;
} cj_strlist;

typedef struct cj_config {
    /* node */
    char *data_dir;
    char *genesis_file;
    char *key_file;
    /* consensus */
    int consensus_enabled;
    char *crypto_backend;
    int use_rust_bindings;
    char *validator_key;
    cj_strlist consensus_votes; /* validator-set vote intentions "add:<hex>" / "remove:<hex>" (docs/CHAIN.md) */
    uint64_t clock_tolerance_ms; /* 0 = min(250 ms, block_time / 2) (docs/CHAIN.md §3) */
    uint64_t double_sign_window_ms; /* start-up watch for another instance of the key; 0 = automatic */
    /* consensus.shadow_mode (docs/SHADOW.md) */
    int shadow_enabled;
    char *shadow_compare_with;
    int shadow_alert_on_divergence;
    int shadow_log_all;
    char *shadow_alert_command;
    /* api */
    int api_enabled;
    char *api_host;
    uint64_t api_port;
    uint64_t api_read_timeout_ms;
    uint64_t api_write_timeout_ms;
    uint64_t api_request_timeout_ms;
    uint64_t api_max_request_size;
    uint64_t api_max_headers_size;
    /* rate limiter */
    int rl_enabled;
    uint64_t rl_ip_limit;
    double rl_burst_multiplier;
    uint64_t rl_global_limit;
    uint64_t rl_max_clients;
    /* p2p */
    char *p2p_host;
    uint64_t p2p_port;
    cj_strlist p2p_bootstrap_peers;
    uint64_t p2p_max_peers;
    uint64_t p2p_ban_time_ms;
    char *p2p_node_key;
    /* mempool */
    uint64_t mempool_max_size;
    uint64_t mempool_max_per_account;
    /* log */
    char *log_level;
    char *log_format;

    /* bookkeeping (not keys) */
    cj_cfg_source *src; /* per table key */
    int *line;          /* per table key: file line when src == CJ_SRC_FILE */
    char *file;         /* config file path, NULL if none */
    char **warnings;    /* messages to log once logging is set up */
    size_t warning_count;
} cj_config;

typedef struct {
    const char *key; /* "section.name" */
    cj_cfg_type type;
    size_t offset; /* into cj_config */
    const char *def;
    uint64_t min, max;
    double dmin, dmax;
    const char *choices;    /* CJ_CFG_ENUM */
    const char *flag_alias; /* extra long flag without "--", or NULL */
    const char *env_alias;  /* extra environment variable, or NULL */
    const char *help;
} cj_config_key;

/* The table, and its size. */
const cj_config_key *cj_config_table(size_t *count);
/* Index of key in the table, or -1. */
long cj_config_find(const char *key);
/* Index of the key a long flag ("api-port", "crypto-backend") sets, or -1. */
long cj_config_find_flag(const char *flag);
/* Environment variable name of table entry i ("COINJECTURE_API_PORT"). */
void cj_config_env_name(size_t i, char *out, size_t cap);
/* Long flag of table entry i, derived from the key ("api.read_timeout": "api-read-timeout"). */
void cj_config_flag_name(size_t i, char *out, size_t cap);

/* Sets every key to its default. Returns 0, or -1 on allocation failure. */
int cj_config_init(cj_config *c);
/* Releases everything c owns and zeroes it. */
void cj_config_free(cj_config *c);

/* Parses and sets one key from text, recording src/line. Returns 0 or -1 with err like
 * "api.port: '70000' is out of range 1..65535". */
int cj_config_set(cj_config *c, const char *key, const char *value, cj_cfg_source src, int line, char *err,
                  size_t errlen);

/* Reads a YAML file into c (source FILE). Errors name the file, line and key:
 * "node.yaml:7:3: unknown key 'api.prot' (did you mean 'api.port'?)". Legacy keys add warnings. */
int cj_config_load_file(cj_config *c, const char *path, char *err, size_t errlen);
/* Same, from memory; name is used in messages. */
int cj_config_load_yaml(cj_config *c, const char *yaml, size_t len, const char *name, char *err, size_t errlen);

/* Applies COINJECTURE_* variables from envp (NULL-terminated "NAME=value" array, e.g. environ). Unknown
 * COINJECTURE_* names add warnings. */
int cj_config_apply_env(cj_config *c, char *const *envp, char *err, size_t errlen);

/* The platform's data directory when node.data_dir is empty (see the key's help): /var/lib/coinjecture for
 * root, else $XDG_DATA_HOME/coinjecture (absolute only), else $HOME/.local/share/coinjecture. Pure: the
 * caller passes the environment. 0, or -1 when none applies or cap is too small. */
int cj_config_default_data_dir(char *out, size_t cap, int root, const char *home, const char *xdg_data_home);

/* Cross-key checks and aliases (use_rust_bindings -> crypto_backend). Call after all sources. */
int cj_config_finish(cj_config *c, char *err, size_t errlen);

/* Appends a warning (printf-style). */
void cj_config_warn(cj_config *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Writes the effective configuration as YAML with each value's source in a comment. */
void cj_config_print(const cj_config *c, FILE *out);
/* Writes the sample configuration (every key, its default and help text) generated from the table. */
void cj_config_sample(FILE *out);


#endif /* CJ_NODE_CONFIG_H */
