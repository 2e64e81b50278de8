#include <coinjecture.h>
#include <stdio.h>

int main(void)
{
    uint8_t h[32];
    if (coinjecture_sha256_hash((const uint8_t *)"hello world", 11, h) != COINJ_OK) {
        char *msg = coinjecture_last_error();      /* heap copy: free it */
        fprintf(stderr, "error: %s\n", msg);
        coinjecture_free_string(msg);
        return 1;
    }
    for (int i = 0; i < 32; i++) printf("%02x", h[i]);
    printf("\n");
    return 0;
}
