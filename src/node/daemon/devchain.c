/* The development chain of `coinjectured --dev` (devchain.h). */
#include "devchain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "genesis_file.h"
#include "keys.h"

/* dir/name into out. 0 or -1 when it does not fit. */
static int dev_path(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Loads the key at path, creating it first when absent. */
static int dev_key(const char *path, uint8_t sk[64], uint8_t pk[32], char *err, size_t errlen)
{
    if (access(path, F_OK) == 0)
        return cj_keys_load(path, sk, pk, err, errlen);
    if (cj_keys_generate(sk, pk) != 0) {
        snprintf(err, errlen, "cannot generate a key");
        return -1;
    }
    return cj_keys_write(path, sk, err, errlen);
}

/* Writes the development genesis (one validator, one funded account) unless the directory has one. */
static int dev_genesis(const char *path, const uint8_t validator[32], const uint8_t account[32], char *err,
                       size_t errlen)
{
    if (access(path, F_OK) == 0)
        return 0;
    uint8_t vals[1][32];
    cj_genesis_alloc alloc;
    memcpy(vals[0], validator, 32);
    memcpy(alloc.pubkey, account, 32);
    alloc.balance = CJ_DEVCHAIN_BALANCE;
    cj_genesis g;
    memset(&g, 0, sizeof g);
    g.rules_version = CJ_GENESIS_RULES_VERSION;
    g.chain_id = CJ_DEVCHAIN_CHAIN_ID;
    snprintf(g.network, sizeof g.network, "dev");
    g.genesis_time = (int64_t)time(NULL);
    g.block_time_ms = CJ_DEVCHAIN_BLOCK_TIME_MS;
    g.epoch_length = 100;
    g.validator_count = 1;
    g.validators = vals;
    g.alloc_count = 1;
    g.allocs = &alloc;
    char *text = cj_genesis_to_json(&g);
    FILE *f = text ? fopen(path, "wx") : NULL;
    int ok = f != NULL && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    ok = (f == NULL || fclose(f) == 0) && ok;
    free(text);
    if (!ok)
        snprintf(err, errlen, "cannot write %s: %s", path, errno ? strerror(errno) : "out of memory");
    return ok ? 0 : -1;
}

/* Sets one configuration key from the dev chain's choice, unless the user configured it. */
static int dev_set(cj_config *cfg, const char *key, const char *value, char *err, size_t errlen)
{
    long i = cj_config_find(key);
    if (i < 0 || cfg->src[i] != CJ_SRC_DEFAULT)
        return 0;
    return cj_config_set(cfg, key, value, CJ_SRC_DEFAULT, 0, err, errlen);
}

/* Chooses the directory, makes keys and genesis, and points the configuration at them. */
int cj_devchain_prepare(cj_config *cfg, char *err, size_t errlen)
{
    char dir[4096], vkey[4200], akey[4200], gpath[4200], hex[65];
    uint8_t sk[64], vpk[32], apk[32];
    long idd = cj_config_find("node.data_dir");
    if (cfg->src[idd] == CJ_SRC_DEFAULT) {
        const char *tmp = getenv("TMPDIR");
        if (dev_path(dir, sizeof dir, tmp && tmp[0] == '/' ? tmp : "/tmp", "coinjectured-dev-XXXXXX") != 0 ||
            mkdtemp(dir) == NULL) {
            snprintf(err, errlen, "cannot create a temporary data directory: %s", strerror(errno));
            return -1;
        }
        if (cj_config_set(cfg, "node.data_dir", dir, CJ_SRC_DEFAULT, 0, err, errlen) != 0)
            return -1;
    } else {
        snprintf(dir, sizeof dir, "%s", cfg->data_dir);
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
            return -1;
        }
    }
    if (dev_path(vkey, sizeof vkey, dir, "dev-validator.key") != 0 ||
        dev_path(akey, sizeof akey, dir, "dev-account.key") != 0 ||
        dev_path(gpath, sizeof gpath, dir, "dev-genesis.json") != 0) {
        snprintf(err, errlen, "data directory path too long");
        return -1;
    }
    int rc = dev_key(vkey, sk, vpk, err, errlen) != 0 || dev_key(akey, sk, apk, err, errlen) != 0 ||
                     dev_genesis(gpath, vpk, apk, err, errlen) != 0
                 ? -1
                 : 0;
    memset(sk, 0, sizeof sk);
    if (rc != 0 || cj_config_set(cfg, "node.key_file", vkey, CJ_SRC_DEFAULT, 0, err, errlen) != 0 ||
        cj_config_set(cfg, "node.genesis_file", gpath, CJ_SRC_DEFAULT, 0, err, errlen) != 0 ||
        dev_set(cfg, "p2p.host", "127.0.0.1", err, errlen) != 0)
        return -1;
    cj_keys_pubhex(apk, hex);
    printf("development chain (chain id %u, one validator, %u ms blocks) in %s\n"
           "funded account %s: %llu, key file %s\n",
           CJ_DEVCHAIN_CHAIN_ID, CJ_DEVCHAIN_BLOCK_TIME_MS, dir, hex, (unsigned long long)CJ_DEVCHAIN_BALANCE, akey);
    printf("try: coinjecture-cli --node http://%s:%llu status\n", cfg->api_host, (unsigned long long)cfg->api_port);
    fflush(stdout);
    return 0;
}
