/* coinjectured's command line: one option table, built from the configuration table, parses argv and writes
 * --help, the bash completion and the man page (cmdline.h). */
#include "cmdline.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "opts.h"

enum {
    OPT_CONFIG = 1,
    OPT_SET,
    OPT_DEV,
    OPT_PRINT_CONFIG,
    OPT_SAMPLE_CONFIG,
    OPT_HEIGHT,
    OPT_KEY_BASE = 1000 /* + index in the configuration table */
};

/* The daemon's own options, before the one-per-key flags. */
static const cj_opt daemon_opts[] = {
    {OPT_CONFIG, "config", 'c', "FILE", "YAML configuration file (or env COINJECTURE_CONFIG).", 0, "@file"},
    {OPT_SET, "set", 0, "KEY=VALUE",
     "Any configuration key by its name (e.g. --set api.read_timeout=5s); may be given several times.",
     CJ_OPT_REPEAT, NULL},
    {OPT_DEV, "dev", 0, NULL,
     "One-node development chain: a validator, a funded account printed at start, blocks at once (a temporary "
     "data directory unless --data-dir is given).",
     0, NULL},
    {OPT_PRINT_CONFIG, "print-config", 0, NULL, "Print the effective configuration, with where each value came "
                                                 "from, and exit.", 0, NULL},
    {OPT_SAMPLE_CONFIG, "sample-config", 0, NULL, "Print a sample configuration with every key and exit.", 0, NULL},
    {0, NULL, 0, NULL, NULL, 0, NULL},
};

static const cj_opt reset_opts[] = {
    {OPT_HEIGHT, "height", 0, "H", "The height this validator must not seal at or below (decimal; required).", 0,
     NULL},
    {0, NULL, 0, NULL, NULL, 0, NULL},
};

static const cj_cmd daemon_cmds[] = {
    {"run", NULL, "Start the node (the default command).", NULL, 0, 0, NULL, NULL},
    {"init", NULL, "Create a data directory for a genesis (needs --genesis FILE and --data-dir DIR).", NULL, 0, 0,
     NULL, NULL},
    {"reset-sign-state", NULL, "Set this validator's sign-state to height H (no block hash).", reset_opts, 0, 0, NULL,
     "It will not seal at or below H. Only with every other instance of its key stopped (docs/OPERATIONS.md "
     "\"Double-sign protection\")."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};

/* The option table and the text it points to, owned by one parse. */
typedef struct {
    cj_opt *opts;
    char **text; /* names and help strings to free */
    size_t ntext;
} opt_table;

/* Keeps a formatted string alive as long as the table. Returns it, or NULL when out of memory. */
static char *table_keep(opt_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *table_keep(opt_table *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n < 0 ? NULL : malloc((size_t)n + 1);
    if (s == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->text[t->ntext++] = s;
    return s;
}

/* The value placeholder and completion of a key, from its type and name, so --help says what to write. */
static void key_value_kind(const cj_config_key *k, const char **arg, const char **complete)
{
    size_t len = strlen(k->key);
    *complete = NULL;
    switch (k->type) {
    case CJ_CFG_BOOL:
        *arg = "BOOL";
        *complete = "true false";
        return;
    case CJ_CFG_U64:
        *arg = "N";
        return;
    case CJ_CFG_PORT:
        *arg = "PORT";
        return;
    case CJ_CFG_DURATION:
        *arg = "DURATION";
        return;
    case CJ_CFG_SIZE:
        *arg = "SIZE";
        return;
    case CJ_CFG_DOUBLE:
        *arg = "NUMBER";
        return;
    case CJ_CFG_ENUM:
        *arg = "NAME";
        return; /* the caller gives the choices */
    case CJ_CFG_LIST:
        *arg = "LIST";
        return;
    case CJ_CFG_STRING:
        break;
    }
    if (len > 5 && strcmp(k->key + len - 5, "_file") == 0) {
        *arg = "FILE";
        *complete = "@file";
    } else if (len > 4 && strcmp(k->key + len - 4, "_dir") == 0) {
        *arg = "DIR";
        *complete = "@dir";
    } else {
        *arg = "TEXT";
    }
}

/* Adds the flag (or flags: the short alias visible, the derived name hidden) of configuration key i. */
static int table_add_key(opt_table *t, size_t *n, const cj_config_key *k, size_t i)
{
    char derived[128], env[160];
    const char *arg, *complete;
    cj_config_flag_name(i, derived, sizeof derived);
    cj_config_env_name(i, env, sizeof env);
    key_value_kind(k, &arg, &complete);
    char *help = table_keep(t, "%s [key %s, env %s%s%s; default: %s]", k->help, k->key, env,
                            k->env_alias ? " or " : "", k->env_alias ? k->env_alias : "",
                            k->def[0] ? k->def : "empty");
    char *choices = NULL;
    if (k->type == CJ_CFG_ENUM) {
        choices = table_keep(t, "%s", k->choices);
        for (char *c = choices; c != NULL && *c; c++)
            if (*c == '|')
                *c = ' ';
        complete = choices;
    }
    char *name = table_keep(t, "%s", k->flag_alias ? k->flag_alias : derived);
    char *hidden = k->flag_alias ? table_keep(t, "%s", derived) : NULL;
    if (help == NULL || name == NULL || (k->type == CJ_CFG_ENUM && choices == NULL) || (k->flag_alias && !hidden))
        return -1;
    char short_name = strcmp(k->key, "log.level") == 0 ? 'l' : 0;
    t->opts[(*n)++] = (cj_opt){OPT_KEY_BASE + (int)i, name, short_name, arg, help, 0, complete};
    if (hidden != NULL)
        t->opts[(*n)++] = (cj_opt){OPT_KEY_BASE + (int)i, hidden, 0, arg, help, CJ_OPT_HIDDEN, complete};
    return 0;
}

/* Frees a table and its text. */
static void table_free(opt_table *t)
{
    for (size_t i = 0; i < t->ntext; i++)
        free(t->text[i]);
    free(t->text);
    free(t->opts);
    memset(t, 0, sizeof *t);
}

/* Builds the global option table: the daemon's own options, then one flag per configuration key. */
static int table_build(opt_table *t)
{
    size_t nkeys, n = 0, own = sizeof daemon_opts / sizeof daemon_opts[0] - 1;
    const cj_config_key *keys = cj_config_table(&nkeys);
    memset(t, 0, sizeof *t);
    t->opts = calloc(own + 2 * nkeys + 1, sizeof *t->opts);
    t->text = calloc(5 * nkeys, sizeof *t->text);
    if (t->opts == NULL || t->text == NULL)
        return -1;
    for (; n < own; n++)
        t->opts[n] = daemon_opts[n];
    for (size_t i = 0; i < nkeys; i++)
        if (table_add_key(t, &n, &keys[i], i) != 0)
            return -1;
    return 0;
}

/* Records one configuration key set on the command line. */
static int cmdline_add_set(cj_cmdline *a, long idx, const char *val)
{
    long *ni = realloc(a->set_idx, (a->nsets + 1) * sizeof *ni);
    if (ni == NULL)
        return -1;
    a->set_idx = ni;
    const char **nv = realloc(a->set_val, (a->nsets + 1) * sizeof *nv);
    if (nv == NULL)
        return -1;
    a->set_val = nv;
    a->set_idx[a->nsets] = idx;
    a->set_val[a->nsets++] = val;
    return 0;
}

/* Moves one parsed option into *a. Returns -1 to go on, else the exit status (reported). */
static int cmdline_take(const cj_prog *p, const cj_parsed *ps, const cj_optval *ov, cj_cmdline *a)
{
    int id = ov->opt->id;
    if (id >= OPT_KEY_BASE)
        return cmdline_add_set(a, id - OPT_KEY_BASE, ov->val) == 0 ? -1 : 1;
    switch (id) {
    case OPT_CONFIG:
        a->config_path = ov->val;
        return -1;
    case OPT_DEV:
        a->dev = 1;
        return -1;
    case OPT_PRINT_CONFIG:
        a->print_config = 1;
        return -1;
    case OPT_SAMPLE_CONFIG:
        a->sample_config = 1;
        return -1;
    case OPT_HEIGHT:
        a->height_given = 1;
        return cj_opts_u64(p, ps->cmd, ov, 0, UINT64_MAX, &a->height) != 0 ? 2 : -1;
    case OPT_SET: {
        const char *eq = strchr(ov->val, '=');
        char key[128];
        if (eq == NULL || (size_t)(eq - ov->val) >= sizeof key)
            return cj_opts_error(p, ps->cmd, "--set needs KEY=VALUE, got '%s'", ov->val);
        memcpy(key, ov->val, (size_t)(eq - ov->val));
        key[eq - ov->val] = '\0';
        long idx = cj_config_find(key);
        if (idx < 0)
            return cj_opts_error(p, ps->cmd, "--set: unknown key '%s' (see --sample-config)", key);
        return cmdline_add_set(a, idx, eq + 1) == 0 ? -1 : 1;
    }
    }
    return cj_opts_error(p, ps->cmd, "internal: option '--%s' has no meaning", ov->opt->name);
}

/* Checks what only the whole command line can tell. Returns -1 when consistent, else 2 (reported). */
static int cmdline_check(const cj_prog *p, const cj_parsed *ps, const cj_cmdline *a)
{
    if (a->dev && a->cmd != CJ_CMDLINE_RUN)
        return cj_opts_error(p, ps->cmd, "--dev runs a development node; it does not combine with '%s'",
                             ps->cmd->name);
    if (a->cmd == CJ_CMDLINE_RESET_SIGN_STATE && !a->height_given)
        return cj_opts_error(p, ps->cmd, "needs --height H (the node will not seal at or below it)");
    return -1;
}

int cj_cmdline_parse(int argc, char **argv, cj_cmdline *a)
{
    opt_table t;
    cj_parsed ps;
    memset(a, 0, sizeof *a);
    if (table_build(&t) != 0) {
        table_free(&t);
        fprintf(stderr, "coinjectured: out of memory\n");
        return 1;
    }
    const cj_prog prog = {
        .name = "coinjectured",
        .summary = "COINjecture Network B validator and observer node",
        .description = "Runs a COINjecture node: validates every block and transaction by docs/CHAIN.md, speaks "
                       "the P2P protocol of docs/P2P.md, serves the HTTP API and dashboard, and seals blocks "
                       "in turn when its key belongs to a validator.",
        .opts = t.opts,
        .cmds = daemon_cmds,
        .notes = "Every configuration key has a flag: dots and underscores become dashes (api.read_timeout: "
                 "--api-read-timeout). Precedence: flag > environment (COINJECTURE_<SECTION>_<KEY>) > "
                 "configuration file > default. See docs/OPERATIONS.md.",
        .examples = "coinjectured init --genesis genesis.json --data-dir /var/lib/coinjecture\n"
                    "coinjectured --config /etc/coinjecture/node.yaml\n"
                    "coinjectured --dev\n"
                    "coinjectured reset-sign-state --data-dir /var/lib/coinjecture --height 1200",
        .default_cmd = "run",
    };
    int rc = cj_opts_parse(&prog, argc, argv, &ps);
    if (rc >= 0) {
        table_free(&t);
        return rc;
    }
    a->cmd = strcmp(ps.cmd->name, "init") == 0               ? CJ_CMDLINE_INIT
             : strcmp(ps.cmd->name, "reset-sign-state") == 0 ? CJ_CMDLINE_RESET_SIGN_STATE
                                                             : CJ_CMDLINE_RUN;
    for (size_t i = 0; i < ps.nopts && rc < 0; i++)
        rc = cmdline_take(&prog, &ps, &ps.opts[i], a);
    if (rc < 0)
        rc = cmdline_check(&prog, &ps, a);
    if (rc == 1)
        fprintf(stderr, "coinjectured: out of memory\n");
    cj_opts_free(&ps);
    table_free(&t);
    if (rc >= 0)
        cj_cmdline_free(a);
    return rc;
}

int cj_cmdline_config(const cj_cmdline *a, char **envp, cj_config *cfg, char *err, size_t errlen)
{
    char msg[768];
    size_t nkeys;
    const cj_config_key *table = cj_config_table(&nkeys);
    if (cj_config_init(cfg) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *path = a->config_path ? a->config_path : getenv("COINJECTURE_CONFIG");
    if (path != NULL && *path && cj_config_load_file(cfg, path, err, errlen) != 0)
        return -1;
    if (cj_config_apply_env(cfg, envp, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < a->nsets; i++) {
        if (cj_config_set(cfg, table[a->set_idx[i]].key, a->set_val[i], CJ_SRC_FLAG, 0, msg, sizeof msg) != 0) {
            snprintf(err, errlen, "command line: %s", msg);
            return -1;
        }
    }
    return cj_config_finish(cfg, err, errlen);
}

void cj_cmdline_free(cj_cmdline *a)
{
    free(a->set_idx);
    free((void *)a->set_val);
    memset(a, 0, sizeof *a);
}
