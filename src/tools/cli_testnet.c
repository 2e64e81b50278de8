/* coinjecture-cli: `testnet`, which writes everything a network across several hosts needs (keys, genesis,
 * one configuration per node with pinned peers), like `cometbft testnet`. No node needed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "keys.h"
#include "value.h"

#define TESTNET_MAX_NODES 128
#define TESTNET_MAX_HOSTS 64
#define TESTNET_FAUCET_BALANCE 1000000000000000ull

/* The options of one `testnet` run. */
typedef struct {
    const char *out, *hosts_arg;
    uint64_t validators, observers, base_port, chain_id, block_time_ms, epoch_length, genesis_time;
    int genesis_time_set;
    const char *network;
    cj_genesis extra; /* only its allocs: the --alloc balances besides the faucet's */
    char *hosts[TESTNET_MAX_HOSTS];
    size_t nhosts;
    char *hosts_buf;
} testnet;

/* One node: its directory, ports, host and keys. */
typedef struct {
    char dir[4096];
    const char *host;
    uint16_t p2p_port, api_port;
    uint8_t node_pk[32], validator_pk[32];
    int validator;
} tn_node;

/* Applies one option. Returns 0, or the exit status of an error (reported). */
static int testnet_opt(testnet *t, const cj_cmd *cmd, const cj_optval *ov)
{
    switch (ov->opt->id) {
    case T_OUT:
        t->out = ov->val;
        return 0;
    case T_VALIDATORS:
        return cj_opts_u64(&cli_prog, cmd, ov, 1, 64, &t->validators);
    case T_OBSERVERS:
        return cj_opts_u64(&cli_prog, cmd, ov, 0, 64, &t->observers);
    case T_HOSTS:
        t->hosts_arg = ov->val;
        return 0;
    case T_BASE_PORT:
        return cj_opts_u64(&cli_prog, cmd, ov, 1, 65535 - 2 * TESTNET_MAX_NODES, &t->base_port);
    case T_CHAIN_ID:
        return cj_opts_u64(&cli_prog, cmd, ov, 0, UINT64_MAX, &t->chain_id);
    case T_NETWORK:
        t->network = ov->val;
        return 0;
    case T_BLOCK_TIME:
        if (cj_value_parse_duration_ms(ov->val, &t->block_time_ms) != 0)
            return cj_opts_error(&cli_prog, cmd, "--block-time: bad duration '%s' (e.g. 2s, 500ms)", ov->val);
        return 0;
    case T_ALLOC:
        return cli_genesis_alloc(&t->extra, cmd, ov->val);
    case T_EPOCH_LENGTH:
        return cj_opts_u64(&cli_prog, cmd, ov, 1, UINT64_MAX, &t->epoch_length);
    case T_GENESIS_TIME:
        t->genesis_time_set = 1;
        return cj_opts_u64(&cli_prog, cmd, ov, 0, (uint64_t)INT64_MAX / 1000, &t->genesis_time);
    }
    return 0;
}

/* Splits --hosts into t->hosts (non-empty names without spaces or '@'). Returns 0 or the exit status. */
static int testnet_hosts(testnet *t, const cj_cmd *cmd)
{
    if ((t->hosts_buf = strdup(t->hosts_arg)) == NULL)
        return cli_fail("out of memory");
    for (char *save = NULL, *h = strtok_r(t->hosts_buf, ",", &save); h != NULL; h = strtok_r(NULL, ",", &save)) {
        if (t->nhosts == TESTNET_MAX_HOSTS)
            return cj_opts_error(&cli_prog, cmd, "--hosts: at most %d hosts", TESTNET_MAX_HOSTS);
        if (*h == '\0' || strcspn(h, " \t@\"'") != strlen(h) || strlen(h) > 253)
            return cj_opts_error(&cli_prog, cmd, "--hosts: bad host name '%s'", h);
        t->hosts[t->nhosts++] = h;
    }
    if (t->nhosts == 0)
        return cj_opts_error(&cli_prog, cmd, "--hosts: no host given");
    return 0;
}

/* Creates dir/name as a new key file and returns its public key. 0 or the exit status. */
static int testnet_key(const char *dir, const char *name, uint8_t pk[32])
{
    char path[4200], err[512];
    uint8_t sk[64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = cj_keys_generate(sk, pk) != 0 || cj_keys_write(path, sk, err, sizeof err) != 0;
    memset(sk, 0, sizeof sk);
    return rc ? cli_fail("%s: %s", path, err) : 0;
}

/* Writes node i's coinjectured.yaml: its own keys and ports, every other node as a pinned peer. */
static int testnet_config(const testnet *t, const tn_node *nodes, size_t n, size_t i)
{
    char path[4200], hex[65];
    snprintf(path, sizeof path, "%s/coinjectured.yaml", nodes[i].dir);
    FILE *f = fopen(path, "wx");
    if (f == NULL)
        return cli_fail("%s: %s", path, strerror(errno));
    int local = strcmp(nodes[i].host, "127.0.0.1") == 0 || strcmp(nodes[i].host, "localhost") == 0;
    fprintf(f, "# node%zu of the %s testnet (coinjecture-cli testnet); paths are relative to this directory:\n"
               "# run `coinjectured init --genesis ../genesis.json --data-dir data` once, then\n"
               "# `coinjectured -c coinjectured.yaml`, both from here.\n",
            i, t->network);
    fprintf(f, "node:\n  data_dir: data\n  genesis_file: ../genesis.json\n");
    if (nodes[i].validator)
        fprintf(f, "  key_file: validator.key\n");
    fprintf(f, "api:\n  host: 127.0.0.1\n  port: %u\n", (unsigned)nodes[i].api_port);
    fprintf(f, "p2p:\n  host: %s\n  port: %u\n  node_key: p2p_node.key\n  bootstrap_peers:\n",
            local ? "127.0.0.1" : "0.0.0.0", (unsigned)nodes[i].p2p_port);
    for (size_t j = 0; j < n; j++) {
        if (j == i)
            continue;
        cj_keys_pubhex(nodes[j].node_pk, hex);
        fprintf(f, "    - \"%s@%s:%u\"\n", hex, nodes[j].host, (unsigned)nodes[j].p2p_port);
    }
    return fclose(f) == 0 ? 0 : cli_fail("%s: write failed", path);
}

/* Makes the nodes' directories and keys, then the genesis (validators in node order, the faucet funded). */
static int testnet_write(const testnet *t, tn_node *nodes, size_t n)
{
    uint8_t faucet[32];
    int rc = 0;
    if (mkdir(t->out, 0755) != 0)
        return cli_fail("%s: %s%s", t->out, strerror(errno), errno == EEXIST ? " (refusing to reuse it)" : "");
    if ((rc = testnet_key(t->out, "faucet.key", faucet)) != 0)
        return rc;
    cj_genesis g;
    memset(&g, 0, sizeof g);
    g.rules_version = CJ_GENESIS_RULES_VERSION;
    g.chain_id = t->chain_id;
    snprintf(g.network, sizeof g.network, "%s", t->network);
    g.genesis_time = t->genesis_time_set ? (int64_t)t->genesis_time : (int64_t)time(NULL);
    g.block_time_ms = t->block_time_ms;
    g.epoch_length = t->epoch_length;
    g.validators = calloc(t->validators, 32);
    g.allocs = calloc(1 + t->extra.alloc_count, sizeof *g.allocs);
    if (g.validators == NULL || g.allocs == NULL)
        rc = cli_fail("out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        tn_node *nd = &nodes[i];
        snprintf(nd->dir, sizeof nd->dir, "%s/node%zu", t->out, i);
        nd->host = t->hosts[i % t->nhosts];
        nd->p2p_port = (uint16_t)(t->base_port + 2 * i);
        nd->api_port = (uint16_t)(t->base_port + 2 * i + 1);
        nd->validator = i < t->validators;
        if (mkdir(nd->dir, 0700) != 0)
            rc = cli_fail("%s: %s", nd->dir, strerror(errno));
        if (rc == 0)
            rc = testnet_key(nd->dir, "p2p_node.key", nd->node_pk);
        if (rc == 0 && nd->validator && (rc = testnet_key(nd->dir, "validator.key", nd->validator_pk)) == 0)
            memcpy(g.validators[g.validator_count++], nd->validator_pk, 32);
    }
    if (rc == 0) {
        memcpy(g.allocs[0].pubkey, faucet, 32);
        g.allocs[0].balance = TESTNET_FAUCET_BALANCE;
        if (t->extra.alloc_count > 0)
            memcpy(&g.allocs[1], t->extra.allocs, t->extra.alloc_count * sizeof *g.allocs);
        g.alloc_count = 1 + t->extra.alloc_count;
        char gpath[4200];
        snprintf(gpath, sizeof gpath, "%s/genesis.json", t->out);
        rc = cli_genesis_write(&g, gpath);
    }
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = testnet_config(t, nodes, n, i);
    cj_genesis_free(&g);
    return rc;
}

/* `testnet --out DIR [--validators N] [--observers M] [--hosts H,...] [--base-port P] [--alloc K=B] ...`. */
int cli_testnet_run(const cj_parsed *a)
{
    testnet t;
    memset(&t, 0, sizeof t);
    t.validators = 4;
    t.base_port = 9000;
    t.chain_id = 1337;
    t.block_time_ms = 2000;
    t.epoch_length = 100;
    t.network = "coinjecture-testnet";
    t.hosts_arg = "127.0.0.1";
    int rc = 0;
    for (size_t i = 0; i < a->nopts && rc == 0; i++)
        rc = testnet_opt(&t, a->cmd, &a->opts[i]);
    if (rc == 0 && t.out == NULL)
        rc = cj_opts_error(&cli_prog, a->cmd, "needs --out DIR");
    if (rc == 0 && (strlen(t.network) == 0 || strlen(t.network) > CJ_GENESIS_MAX_NETWORK))
        rc = cj_opts_error(&cli_prog, a->cmd, "--network: 1..%u characters", CJ_GENESIS_MAX_NETWORK);
    if (rc == 0)
        rc = testnet_hosts(&t, a->cmd);
    size_t n = (size_t)(t.validators + t.observers);
    tn_node *nodes = rc == 0 ? calloc(n, sizeof *nodes) : NULL;
    if (rc == 0 && nodes == NULL)
        rc = cli_fail("out of memory");
    if (rc == 0)
        rc = testnet_write(&t, nodes, n);
    if (rc == 0)
        printf("testnet %s: %llu validator%s, %llu observer%s on %zu host%s in %s (faucet: %s/faucet.key)\n",
               t.network, (unsigned long long)t.validators, t.validators == 1 ? "" : "s",
               (unsigned long long)t.observers, t.observers == 1 ? "" : "s", t.nhosts, t.nhosts == 1 ? "" : "s",
               t.out, t.out);
    free(nodes);
    free(t.hosts_buf);
    cj_genesis_free(&t.extra);
    return rc;
}
