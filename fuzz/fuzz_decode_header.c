/* libFuzzer target: the strict header decoder (coinjecture_header_decode).
 * Accepted input must re-encode to the same bytes (library encoder and the harness's naive encoder) and
 * hash to SHA-256 of those bytes; refused input must leave the header zeroed with a DECODE_* code and a
 * fresh error message. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Round trip and hash of an accepted header: the codec's two directions and the hash must agree. */
static void fz_header_accepted(const uint8_t *data, size_t size, const coinjecture_header *h)
{
    CJ_FZ_CHECK(h->extra_data_len <= COINJECTURE_MAX_EXTRA_DATA);
    size_t need = 0;
    CJ_FZ_CHECK(coinjecture_header_encode(h, NULL, 0, &need) == COINJ_ERROR_BUFFER_TOO_SMALL);
    CJ_FZ_CHECK(need == size);
    uint8_t *out = malloc(size);
    CJ_FZ_CHECK(out != NULL);
    size_t len = 0;
    CJ_FZ_CHECK(coinjecture_header_encode(h, out, size, &len) == COINJ_OK);
    CJ_FZ_CHECK(len == size && memcmp(out, data, size) == 0);
    free(out);

    cj_fz_buf naive = {0};
    cj_fz_mp_header(&naive, h);
    CJ_FZ_CHECK(naive.n == size && memcmp(naive.p, data, size) == 0);
    cj_fz_buf_free(&naive);

    uint8_t want[32], got[32];
    cj_fz_sha256(data, size, want);
    CJ_FZ_CHECK(coinjecture_header_hash(h, got) == COINJ_OK);
    CJ_FZ_CHECK(memcmp(want, got, 32) == 0);
}

/* Entry point: decode, then check the success or the failure contract. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    coinjecture_header h;
    memset(&h, 0xa5, sizeof h); /* the decoder must overwrite all of it */
    cj_fz_mark_error();
    CoinjResult rc = coinjecture_header_decode(data, size, &h);
    if (rc == COINJ_OK) {
        CJ_FZ_CHECK(cj_fz_error_untouched());
        fz_header_accepted(data, size, &h);
        cj_fz_stats.decoded++;
    } else {
        cj_fz_check_decode_failure(rc, &h, sizeof h);
        cj_fz_stats.rejected++;
    }
    return 0;
}
