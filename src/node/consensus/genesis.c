/* The genesis parameters every node must agree on (genesis.h): lookups and release. Parsing the file is
 * daemon/genesis_file.c, so consensus needs no JSON library. */
#include "genesis.h"

#include <stdlib.h>
#include <string.h>

/* Position of a key in the genesis validator list. */
long cj_genesis_validator_index(const cj_genesis *g, const uint8_t pubkey[32])
{
    for (size_t i = 0; g != NULL && pubkey != NULL && i < g->validator_count; i++)
        if (memcmp(g->validators[i], pubkey, 32) == 0)
            return (long)i;
    return -1;
}

/* Frees the heap arrays of a genesis. */
void cj_genesis_free(cj_genesis *g)
{
    if (g == NULL)
        return;
    free(g->validators);
    free(g->allocs);
    memset(g, 0, sizeof *g);
}
