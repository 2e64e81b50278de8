/* The one data-directory lock: an exclusive flock(2) on <dir>/node.lock, which holds the owner's pid. The
 * store takes it when it opens the database, so every opener of a data dir (the daemon, `init`, tools,
 * tests) is covered by this one lock; a second opener, in this process or another, is refused. */
#ifndef CJ_NODE_DIRLOCK_H
#define CJ_NODE_DIRLOCK_H

#include <stddef.h>

#define CJ_DIRLOCK_FILE "node.lock"

typedef struct cj_dirlock cj_dirlock;

/* Locks dir (which must exist). Returns the lock, or NULL with the reason in err: "data directory D is
 * locked: in use by another coinjectured process (pid P)" when it is held, or the system error naming the
 * path. */
cj_dirlock *cj_dirlock_acquire(const char *dir, char *err, size_t errlen);

/* Unlocks and closes the file. NULL is a no-op. */
void cj_dirlock_release(cj_dirlock *l);

#endif /* CJ_NODE_DIRLOCK_H */
