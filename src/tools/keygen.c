/* coinjecture-keygen: writes Ed25519 key files (mode 0600) and prints their public keys. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coinjecture.h"
#include "config.h"
#include "keys.h"

/* Prints usage. */
static void usage(FILE *out)
{
    fprintf(out, "usage: coinjecture-keygen --out FILE [--json]\n"
                 "       coinjecture-keygen --output DIR [--count N] [--prefix NAME] [--json]\n"
                 "       coinjecture-keygen --show FILE [--json]\n"
                 "\n"
                 "Writes new Ed25519 key files (128 hex digits, mode 0600, never overwritten) and prints each\n"
                 "public key (64 hex), which is what genesis files, accounts and `consensus.validator_key` use.\n"
                 "  --out FILE     write one key to FILE\n"
                 "  --output DIR   write --count keys (1..100, default 1) to DIR/<prefix><i>.key (prefix: validator)\n"
                 "  --show FILE    print the public key of an existing key file\n"
                 "  --json         print {\"key_file\", \"public_key\", \"address\"} objects, one per line\n");
}

/* Prints one key's public information in text or JSON. */
static void print_key(const char *path, const uint8_t pk[32], int json)
{
    char hex[65], ahex[65];
    uint8_t addr[32];
    coinjecture_hex_encode(pk, 32, hex, sizeof hex);
    coinjecture_derive_address(pk, addr);
    coinjecture_hex_encode(addr, 32, ahex, sizeof ahex);
    if (json) {
        json_t *o = json_pack("{s:s,s:s,s:s}", "key_file", path, "public_key", hex, "address", ahex);
        char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        printf("%s\n", text ? text : "{}");
        free(text);
        json_decref(o);
    } else
        printf("%s  %s\n", hex, path);
}

/* Generates one key into path and prints it. */
static int make_key(const char *path, int json)
{
    uint8_t sk[64], pk[32];
    char err[512];
    if (cj_keys_generate(sk, pk) != 0) {
        fprintf(stderr, "coinjecture-keygen: libsodium failed to initialise\n");
        return 1;
    }
    int rc = cj_keys_write(path, sk, err, sizeof err);
    sodium_memzero(sk, sizeof sk);
    if (rc != 0) {
        fprintf(stderr, "coinjecture-keygen: %s\n", err);
        return 1;
    }
    print_key(path, pk, json);
    return 0;
}

/* Parses flags and writes or shows keys. */
int main(int argc, char **argv)
{
    const char *out = NULL, *dir = NULL, *show = NULL, *prefix = "validator";
    uint64_t count = 1;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;
        if (strcmp(a, "--json") == 0)
            json = 1;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if ((strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0) && has_val)
            out = argv[++i];
        else if (strcmp(a, "--output") == 0 && has_val)
            dir = argv[++i];
        else if (strcmp(a, "--show") == 0 && has_val)
            show = argv[++i];
        else if (strcmp(a, "--prefix") == 0 && has_val)
            prefix = argv[++i];
        else if (strcmp(a, "--count") == 0 && has_val) {
            if (cj_config_parse_u64(argv[++i], &count) != 0 || count < 1 || count > 100) {
                fprintf(stderr, "coinjecture-keygen: --count must be 1..100\n");
                return 2;
            }
        } else {
            fprintf(stderr, "coinjecture-keygen: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if ((out != NULL) + (dir != NULL) + (show != NULL) != 1) {
        usage(stderr);
        return 2;
    }
    if (show != NULL) {
        uint8_t sk[64], pk[32];
        char err[512];
        if (cj_keys_load(show, sk, pk, err, sizeof err) != 0) {
            fprintf(stderr, "coinjecture-keygen: %s\n", err);
            return 1;
        }
        sodium_memzero(sk, sizeof sk);
        print_key(show, pk, json);
        return 0;
    }
    if (out != NULL)
        return make_key(out, json);
    for (uint64_t i = 0; i < count; i++) {
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/%s%llu.key", dir, prefix, (unsigned long long)i);
        if (n < 0 || (size_t)n >= sizeof path) {
            fprintf(stderr, "coinjecture-keygen: path too long\n");
            return 2;
        }
        if (make_key(path, json) != 0)
            return 1;
    }
    return 0;
}
