/* TEST-ONLY fault switch (issue 14, item 5): compiled only into a build configured with
 * -DCOINJECTURE_TEST_FAULTS=ON (src/node/CMakeLists.txt adds this file and the define only then), so a
 * normal coinjectured holds none of it. COINJECTURE_TEST_FAULT=state_root:<height> makes this node compute a
 * wrong state root from <height> on: the blocks it seals carry it (correct nodes refuse them with
 * BAD_STATE_ROOT) and it refuses correct blocks. tests/python_validator/test_interop_fault_c.py uses it to
 * prove that the other implementations catch a diverging C node. */
#ifndef COINJECTURE_TEST_FAULTS
#error "fault.c belongs to the -DCOINJECTURE_TEST_FAULTS=ON build only"
#endif

#include "chain_impl.h"

#include <errno.h>

#define FAULT_ENV "COINJECTURE_TEST_FAULT"
#define FAULT_STATE_ROOT "state_root:"

/* Reads the switch from the environment once at open, so every root the chain computes agrees with it. */
cj_chain_status cj_fault_init(cj_chain *c, char *err, size_t errlen)
{
    c->fault_root_from = 0;
    const char *v = getenv(FAULT_ENV);
    if (!v || !*v) return CJ_CHAIN_OK;
    size_t plen = strlen(FAULT_STATE_ROOT);
    char *end = NULL;
    errno = 0;
    unsigned long long h = strncmp(v, FAULT_STATE_ROOT, plen) == 0 && v[plen] >= '0' && v[plen] <= '9'
                               ? strtoull(v + plen, &end, 10) : 0;
    if (h == 0 || errno != 0 || !end || *end != '\0')
        return cj_chain_fail(CJ_CHAIN_BAD_ARG, err, errlen, "%s: expected state_root:<height> with height >= 1",
                             FAULT_ENV);
    c->fault_root_from = h;
    cj_log_warn("TEST-ONLY FAULT SWITCH ACTIVE: wrong state root from height %llu (%s)", h, FAULT_ENV);
    return CJ_CHAIN_OK;
}

/* Bends the state root after block `height` when the switch covers that height: SHA-256(root || tag). */
void cj_fault_state_root(const cj_chain *c, uint64_t height, uint8_t root[32])
{
    static const char tag[] = "test-only fault";
    if (c->fault_root_from == 0 || height < c->fault_root_from) return;
    uint8_t buf[32 + sizeof tag - 1];
    memcpy(buf, root, 32);
    memcpy(buf + 32, tag, sizeof tag - 1);
    (void)coinjecture_sha256(buf, sizeof buf, root);
}
