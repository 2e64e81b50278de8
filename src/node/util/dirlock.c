/* The data-directory lock (dirlock.h). */
#include "dirlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct cj_dirlock {
    int fd;
};

/* Reads the pid the holder wrote, for the error message (0 if unreadable). */
static long holder_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

/* Takes the lock, writing our pid into the file for the next one who tries. */
cj_dirlock *cj_dirlock_acquire(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    char path[4096];
    if (dir == NULL || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "data directory %s: %s", dir ? dir : "(null)",
                 dir && errno ? strerror(errno) : "not a directory");
        return NULL;
    }
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, CJ_DIRLOCK_FILE) >= sizeof path) {
        snprintf(err, errlen, "data directory path is too long");
        return NULL;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%.900s: %s", path, strerror(errno));
        return NULL;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        long pid = holder_pid(fd);
        if (e == EWOULDBLOCK && pid > 0)
            snprintf(err, errlen, "data directory %.900s is locked: in use by another coinjectured process (pid %ld)", dir, pid);
        else if (e == EWOULDBLOCK)
            snprintf(err, errlen, "data directory %.900s is locked: in use by another coinjectured process", dir);
        else
            snprintf(err, errlen, "cannot lock %.900s: %s", path, strerror(e));
        close(fd);
        return NULL;
    }
    cj_dirlock *l = calloc(1, sizeof *l);
    if (l == NULL) {
        snprintf(err, errlen, "out of memory");
        close(fd);
        return NULL;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || write(fd, pid, (size_t)len) != len) {
        /* the lock holds without the pid; only the error message of a second process loses it */
    }
    l->fd = fd;
    return l;
}

/* Closing the descriptor releases the flock. */
void cj_dirlock_release(cj_dirlock *l)
{
    if (l == NULL)
        return;
    close(l->fd);
    free(l);
}
