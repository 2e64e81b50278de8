/* Ed25519 key files: generate, write (0600, exclusive), load (permission-checked), parse. */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_HEX 128u
#define KEY_FILE_MAX 1024

/* Creates a key pair from the OS random source via libsodium. */
int cj_keys_generate(uint8_t sk[64], uint8_t pk[32])
{
    if (sodium_init() < 0)
        return -1;
    return crypto_sign_keypair(pk, sk) == 0 ? 0 : -1;
}

/* Hex of a public key, for logs and output (public keys only). */
void cj_keys_pubhex(const uint8_t pk[32], char out[65])
{
    sodium_bin2hex(out, 65, pk, 32);
}

/* Decodes key text and checks seed/public-key consistency, wiping intermediate secrets. */
int cj_keys_parse(const char *text, size_t len, uint8_t sk[64], uint8_t pk[32], char *err, size_t errlen)
{
    uint8_t tmp_sk[64], tmp_pk[32], chk_sk[64];
    size_t binlen = 0;
    const char *end = NULL;
    int rc = -1;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return -1;
    }
    if (text == NULL) {
        snprintf(err, errlen, "no key text");
        return -1;
    }
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ' ||
                       text[len - 1] == '\t'))
        len--;
    if (len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        text += 2, len -= 2;
    if (len != KEY_HEX) {
        snprintf(err, errlen, "expected %u hex digits (64-byte Ed25519 secret key), found %zu characters", KEY_HEX,
                 len);
        goto out;
    }
    if (sodium_hex2bin(tmp_sk, sizeof tmp_sk, text, len, NULL, &binlen, &end) != 0 || binlen != 64 ||
        end != text + len) {
        snprintf(err, errlen, "the key is not valid hex");
        goto out;
    }
    if (crypto_sign_seed_keypair(tmp_pk, chk_sk, tmp_sk) != 0 || sodium_memcmp(tmp_pk, tmp_sk + 32, 32) != 0) {
        snprintf(err, errlen, "the public half of the key does not match its seed (corrupted key file?)");
        goto out;
    }
    memcpy(sk, tmp_sk, 64);
    memcpy(pk, tmp_pk, 32);
    rc = 0;
out:
    sodium_memzero(tmp_sk, sizeof tmp_sk);
    sodium_memzero(chk_sk, sizeof chk_sk);
    if (rc != 0)
        sodium_memzero(sk, 64);
    return rc;
}

/* Reads a key file after checking it is a private regular file. */
int cj_keys_load(const char *path, uint8_t sk[64], uint8_t pk[32], char *err, size_t errlen)
{
    char buf[KEY_FILE_MAX + 1];
    char msg[256];
    struct stat st;
    ssize_t n;
    size_t total = 0;
    int rc = -1;
    sodium_memzero(sk, 64);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "key file %s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "key file %s: not a regular file", path);
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        snprintf(err, errlen,
                 "key file %s has mode %04o: group or others can access it, refusing to use it "
                 "(run: chmod 600 %s)",
                 path, (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    if (st.st_size > KEY_FILE_MAX) {
        snprintf(err, errlen, "key file %s: too large to be a key file", path);
        goto out;
    }
    while (total < KEY_FILE_MAX && (n = read(fd, buf + total, KEY_FILE_MAX - total)) > 0)
        total += (size_t)n;
    if (cj_keys_parse(buf, total, sk, pk, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "key file %s: %s", path, msg);
        goto out;
    }
    rc = 0;
out:
    sodium_memzero(buf, sizeof buf);
    close(fd);
    return rc;
}

/* Writes a new key file readable by its owner only; never replaces an existing file. */
int cj_keys_write(const char *path, const uint8_t sk[64], char *err, size_t errlen)
{
    char hex[KEY_HEX + 2];
    int rc = -1;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "key file %s: cannot create: %s%s", path, strerror(errno),
                 errno == EEXIST ? " (refusing to overwrite an existing key)" : "");
        return -1;
    }
    sodium_bin2hex(hex, sizeof hex - 1, sk, 64);
    hex[KEY_HEX] = '\n';
    if (fchmod(fd, 0600) != 0 || write(fd, hex, KEY_HEX + 1) != (ssize_t)(KEY_HEX + 1) || fsync(fd) != 0) {
        snprintf(err, errlen, "key file %s: cannot write: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        goto out;
    }
    if (close(fd) != 0) {
        snprintf(err, errlen, "key file %s: cannot write: %s", path, strerror(errno));
        unlink(path);
        goto out;
    }
    rc = 0;
out:
    sodium_memzero(hex, sizeof hex);
    return rc;
}
