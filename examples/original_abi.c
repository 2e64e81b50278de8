/* Uses only declarations of the original coinjecture.h v4.0.0 (no extended API): what an existing C
 * caller of the Rust library does. Prints the hashes of three golden vectors; exits 1 on any mismatch. */
#include <stdio.h>
#include <string.h>

#include <coinjecture.h>

/* Formats 32 bytes as lowercase hex. */
static void hex32(const uint8_t h[32], char out[65])
{
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", h[i]);
}

int main(void)
{
    int bad = 0;
    uint8_t h[32];
    char s[65];

    /* SHA-256 of "hello world" (vector sha256_hello_world). */
    if (coinjecture_sha256_hash((const uint8_t *)"hello world", 11, h) != COINJ_OK) return 1;
    hex32(h, s);
    printf("sha256(\"hello world\") = %s\n", s);
    bad |= strcmp(s, "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9") != 0;

    /* Merkle root of three leaves aa.., bb.., cc.. (vector merkle_three_txs: odd node promoted). */
    uint8_t leaves[3][32];
    memset(leaves[0], 0xaa, 32);
    memset(leaves[1], 0xbb, 32);
    memset(leaves[2], 0xcc, 32);
    if (coinjecture_compute_merkle_root((const uint8_t(*)[32])leaves, 3, h) != COINJ_OK) return 1;
    hex32(h, s);
    printf("merkle(aa,bb,cc)      = %s\n", s);
    bad |= strcmp(s, "6f3229c7ace2d68a68865acf8263a53d093c4ff96202fa25a3497b6adf71e450") != 0;

    /* Genesis header of the vectors (core.md §4.2). */
    BlockHeaderFFI hdr;
    memset(&hdr, 0, sizeof hdr);
    hdr.codec_version = 1;
    hdr.timestamp = 1704067200;
    hdr.difficulty_target = 100;
    if (coinjecture_compute_header_hash(&hdr, h) != COINJ_OK) return 1;
    hex32(h, s);
    printf("genesis header hash   = %s\n", s);
    bad |= strcmp(s, "9e28bebb26c909a59795061a5e1f71abfe29874a4e8e7afedfba453cf87285dc") != 0;

    /* Errors come back as codes, with a message the caller frees. */
    if (coinjecture_sha256_hash(NULL, 4, h) != COINJ_ERROR_INVALID_INPUT) bad = 1;
    char *msg = coinjecture_last_error();
    printf("last error            = %s\n", msg);
    coinjecture_free_string(msg);
    printf("library version       = %s (codec %u)\n", coinjecture_version(), coinjecture_codec_version());
    return bad;
}
