/* coinjecture-cli: `genesis`, which writes a genesis file from the command line (no node needed). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "genesis_file.h"
#include "value.h"

/* Adds a --validator KEY (64 hex or a key file) to g. Returns 0, or the exit status of an error. */
static int genesis_validator(cj_genesis *g, const char *v)
{
    char err[512];
    uint8_t(*nv)[32] = realloc(g->validators, (g->validator_count + 1) * 32);
    if (nv == NULL)
        return 2;
    g->validators = nv;
    if (cli_pubkey_arg(v, g->validators[g->validator_count], err, sizeof err) != 0)
        return cli_fail("--validator %s: %s", v, err);
    g->validator_count++;
    return 0;
}

/* Adds an --alloc KEY=BALANCE to g (genesis and testnet). Returns 0, or the exit status of an error (reported). */
int cli_genesis_alloc(cj_genesis *g, const cj_cmd *cmd, const char *v)
{
    const char *eq = strrchr(v, '=');
    char who[4096], err[512];
    cj_genesis_alloc *na = realloc(g->allocs, (g->alloc_count + 1) * sizeof *na);
    if (na == NULL)
        return 2;
    g->allocs = na;
    if (eq == NULL || (size_t)(eq - v) >= sizeof who)
        return cj_opts_error(&cli_prog, cmd, "--alloc expects KEY=BALANCE (KEY: 64 hex or a key file), got '%s'", v);
    memcpy(who, v, (size_t)(eq - v));
    who[eq - v] = '\0';
    if (cli_pubkey_arg(who, g->allocs[g->alloc_count].pubkey, err, sizeof err) != 0)
        return cli_fail("--alloc %s: %s", who, err);
    if (cj_value_parse_u64(eq + 1, &g->allocs[g->alloc_count].balance) != 0)
        return cj_opts_error(&cli_prog, cmd, "--alloc %s: expected an unsigned integer balance", v);
    g->alloc_count++;
    return 0;
}

/* Applies one option of `genesis` to g (or *out), so the command reads as defaults, options, write.
 * Returns 0, or the exit status of an error (reported). */
static int genesis_opt(cj_genesis *g, const char **out, const cj_cmd *cmd, const cj_optval *ov)
{
    const char *v = ov->val;
    uint64_t v64;
    switch (ov->opt->id) {
    case N_OUT:
        *out = v;
        return 0;
    case N_CHAIN_ID:
        return cj_opts_u64(&cli_prog, cmd, ov, 0, UINT64_MAX, &g->chain_id);
    case N_NETWORK:
        if (strlen(v) >= sizeof g->network)
            return cj_opts_error(&cli_prog, cmd, "--network: at most %zu characters", sizeof g->network - 1);
        snprintf(g->network, sizeof g->network, "%s", v);
        return 0;
    case N_GENESIS_TIME:
        if (cj_opts_u64(&cli_prog, cmd, ov, 0, (uint64_t)INT64_MAX / 1000, &v64))
            return 2;
        g->genesis_time = (int64_t)v64;
        return 0;
    case N_BLOCK_TIME:
        if (cj_value_parse_duration_ms(v, &g->block_time_ms) != 0)
            return cj_opts_error(&cli_prog, cmd, "--block-time: bad duration '%s' (e.g. 2s, 500ms)", v);
        return 0;
    case N_EPOCH_LENGTH:
        return cj_opts_u64(&cli_prog, cmd, ov, 0, UINT64_MAX, &g->epoch_length);
    case N_VALIDATOR:
        return genesis_validator(g, v);
    case N_ALLOC:
        return cli_genesis_alloc(g, cmd, v);
    }
    return 0;
}

/* Checks g by parsing its own JSON back, then writes it to out (never overwriting a file) and prints a
 * summary. Returns the exit status. */
int cli_genesis_write(const cj_genesis *g, const char *out)
{
    char err[512];
    char *text = cj_genesis_to_json(g);
    cj_genesis check;
    if (text == NULL || cj_genesis_parse(text, strlen(text), &check, err, sizeof err) != 0) {
        cli_fail("invalid genesis: %s", text ? err : "out of memory");
        free(text);
        return 2;
    }
    cj_genesis_free(&check);
    FILE *f = fopen(out, "wx");
    if (f == NULL) {
        cli_fail("%s: %s%s", out, strerror(errno), errno == EEXIST ? " (refusing to overwrite)" : "");
        free(text);
        return 1;
    }
    int ok = fprintf(f, "%s\n", text) > 0;
    ok &= fclose(f) == 0;
    free(text);
    if (!ok)
        return cli_fail("%s: write failed", out);
    printf("wrote %s: network %s, chain_id %llu, %zu validator%s, %zu allocation%s, genesis_time %lld\n", out,
           g->network, (unsigned long long)g->chain_id, g->validator_count, g->validator_count == 1 ? "" : "s",
           g->alloc_count, g->alloc_count == 1 ? "" : "s", (long long)g->genesis_time);
    return 0;
}

/* `genesis --out FILE --validator KEY ... [--alloc KEY=BALANCE ...]`: writes a genesis file. */
int cli_genesis_run(const cj_parsed *a)
{
    cj_genesis g;
    const char *out = NULL;
    int rc = 0;
    memset(&g, 0, sizeof g);
    g.rules_version = CJ_GENESIS_RULES_VERSION;
    g.chain_id = 1337;
    snprintf(g.network, sizeof g.network, "coinjecture-testnet");
    g.genesis_time = (int64_t)time(NULL);
    g.block_time_ms = 2000;
    g.epoch_length = 100;
    for (size_t i = 0; i < a->nopts && rc == 0; i++)
        rc = genesis_opt(&g, &out, a->cmd, &a->opts[i]);
    if (rc == 0 && (out == NULL || g.validator_count == 0))
        rc = cj_opts_error(&cli_prog, a->cmd, "needs --out FILE and at least one --validator KEY");
    if (rc == 0)
        rc = cli_genesis_write(&g, out);
    cj_genesis_free(&g);
    return rc;
}
