"""Double-sign protection: the sign-state file and the guard built on it (docs/OPERATIONS.md "Double-sign
protection", written from that text). The file is the one coinjectured writes, byte for byte:
`<data_dir>/sign_state.json`, one line `{"format":1,"height":H,"hash":"<64 hex>"|null}`, so an operator can carry
it between the C node and this validator (procedure F)."""
import errno
import fcntl
import json
import os

FILE = "sign_state.json"
FORMAT = 1
MAX_FILE_BYTES = 4096  # the file is ~120 bytes; anything much larger is not ours
MINE = 64  # blocks sealed by this process remembered (height, hash)
U64_MAX = (1 << 64) - 1
I64_MAX = (1 << 63) - 1

OK, FAULTY, WATCH, FOREIGN, FLOOR = "ok", "sign-state-unusable", "start-up-watch", "another-instance", \
    "height-already-signed"


class SignStateError(ValueError):
    pass


def _reject_duplicates(pairs):
    """object_pairs_hook: a key given twice is refused, as the C reader does (JSON_REJECT_DUPLICATES)."""
    out = {}
    for k, v in pairs:
        if k in out:
            raise SignStateError("duplicate key %s" % k)
        out[k] = v
    return out


def _no_constant(c):
    """parse_constant: NaN and Infinity are not JSON (Python's json would accept them)."""
    raise SignStateError("not JSON: %s" % c)


def _u64(v, name):
    """A JSON integer 0..2^63-1 or a decimal string 0..2^64-1 without sign or leading zeros (docs/OPERATIONS.md)."""
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise SignStateError("%s: not an unsigned integer" % name)
    if isinstance(v, int):
        if v < 0 or v > I64_MAX:
            raise SignStateError("%s: must be 0..2^63-1 as a JSON integer" % name)
        return v
    if not v or not v.isdigit() or not v.isascii() or (len(v) > 1 and v[0] == "0") or int(v) > U64_MAX:
        raise SignStateError("%s: must be a decimal string without sign or leading zeros, at most 2^64-1" % name)
    return int(v)


def parse(text):
    """Strict parse of the file's bytes: exactly the three keys, each of its type. Returns (height, hash or None);
    raises SignStateError saying what is wrong."""
    try:
        root = json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_no_constant)
    except SignStateError:
        raise
    except (ValueError, UnicodeDecodeError) as e:
        raise SignStateError("not JSON: %s" % e)
    if not isinstance(root, dict) or set(root) != {"format", "height", "hash"}:
        raise SignStateError("expected an object with exactly the keys format, height and hash")
    try:
        fmt = _u64(root["format"], "format")
    except SignStateError:
        fmt = None
    if fmt != FORMAT:
        raise SignStateError("format: expected %d" % FORMAT)
    height = _u64(root["height"], "height")
    x = root["hash"]
    if x is None:
        return height, None
    if not isinstance(x, str):
        raise SignStateError("hash: expected a hex string (64 hex digits or null)")
    s = x[2:] if x[:2] in ("0x", "0X") else x
    if len(s) != 64 or any(c not in "0123456789abcdefABCDEF" for c in s):
        raise SignStateError("hash: expected 64 hex digits (64 hex digits or null)")
    if height == 0:
        raise SignStateError("hash: height 0 (nothing sealed) cannot carry a block hash")
    return height, bytes.fromhex(s)


def format_record(height, h):
    """One line of JSON with a trailing newline, keys in the documented order (what coinjectured writes)."""
    return '{"format":%d,"height":%d,"hash":%s}\n' % (FORMAT, height, '"%s"' % h.hex() if h is not None else "null")


def read(data_dir):
    """(height, hash or None) from the file, or None when there is none ("nothing sealed yet")."""
    path = os.path.join(data_dir, FILE)
    try:
        with open(path, "rb") as f:
            buf = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise SignStateError("%s: %s" % (path, e.strerror))
    if len(buf) > MAX_FILE_BYTES:
        raise SignStateError("%s: larger than %d bytes: not a sign-state file" % (path, MAX_FILE_BYTES))
    try:
        return parse(buf)
    except SignStateError as e:
        raise SignStateError("%s is corrupt: %s" % (path, e))


def write(data_dir, height, h):
    """Temporary file, fsync, rename over the old file, fsync of the directory: a reader sees either the old or
    the new record, never a torn one, and the rename survives a power loss."""
    path, tmp = os.path.join(data_dir, FILE), os.path.join(data_dir, FILE + ".tmp")
    text = format_record(height, h).encode()
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            view = memoryview(text)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise SignStateError("cannot write %s: %s" % (path, e.strerror))
    try:
        dfd = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError as e:
        raise SignStateError("cannot fsync the directory %s: %s" % (data_dir, e.strerror))


def reset(data_dir, height):
    """The operator's explicit reset: records `height` without a hash, under the data-dir lock (node.lock, the
    file both implementations lock) so a running node cannot race it."""
    if not os.path.isdir(data_dir):
        raise SignStateError("%s is not a directory" % data_dir)
    if isinstance(height, bool) or not isinstance(height, int) or not 0 <= height <= I64_MAX:
        raise SignStateError("--height must be 0..2^63-1")
    with open(os.path.join(data_dir, "node.lock"), "a+") as lk:
        try:
            fcntl.flock(lk, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise SignStateError("data directory %s is locked: in use by a running node; stop it first" %
                                     data_dir)
            raise SignStateError("cannot lock %s: %s" % (data_dir, e.strerror))
        write(data_dir, height, None)


class Guard:
    """The running validator's view: the record (floor), the blocks this process sealed, the start-up watch and
    the hold after a block of our key that we did not make (another instance is live)."""

    def __init__(self, data_dir, window_ms, now_ms):
        self.dir = data_dir
        self.window_ms = max(0, window_ms)
        self.watch_until_ms = now_ms + self.window_ms
        self.fault = None
        self.height, self.hash = 0, None
        self.mine = []  # ring of (height, hash) sealed by this process
        self.dirty = False
        self.foreign_until_ms = 0
        self.foreign_height, self.foreign_hash, self.foreign_evidence = 0, None, False
        try:
            rec = read(data_dir)
        except SignStateError as e:
            self.fault = str(e)  # an unusable file leaves the guard faulty rather than empty
            return
        if rec is not None:
            self.height, self.hash = rec

    def blocked(self, height, now_ms):
        """(verdict, reason): the first reason that forbids sealing `height` now, or (OK, None)."""
        if self.fault is not None:
            return FAULTY, ("sign-state unusable: %s; fix it or run python3 -m coinjecture_validator "
                            "reset-sign-state" % self.fault)
        if now_ms < self.watch_until_ms:
            return WATCH, ("start-up watch: looking for another instance of this validator key for %d ms more" %
                           (self.watch_until_ms - now_ms))
        if now_ms < self.foreign_until_ms:
            if self.foreign_evidence:
                return FOREIGN, ("double-sign evidence names this validator key at height %d: another instance "
                                 "is sealing with it" % self.foreign_height)
            return FOREIGN, ("another instance is sealing with this validator key: block %d %s was not made by "
                             "this node" % (self.foreign_height, self.foreign_hash.hex()[:16]))
        if height <= self.height:
            return FLOOR, "height %d is at or below the last signed height %d (sign-state)" % (height, self.height)
        return OK, None

    def is_mine(self, height, h):
        """Whether (height, hash) is a block this process sealed."""
        return (height, h) in self.mine

    def record(self, height, h):
        """Refuses regressions, then writes durably (before the block may leave the node). Raises
        SignStateError for a regression; returns the write error text (record pending, retried) or None."""
        if height < self.height or (height == self.height and self.hash != h):
            raise SignStateError("refusing to record height %d: the sign-state already holds height %d%s" %
                                 (height, self.height, " with another block" if height == self.height else ""))
        if height == self.height:
            return None  # the same block again
        self.height, self.hash = height, h
        self.mine.append((height, h))
        del self.mine[:-MINE]
        self.dirty = True
        return self.flush()

    def observe(self, height, h, ts_ms, now_ms):
        """A canonical block sealed by our key: True when this process did not make it and it is recent (another
        instance is live; sealing is held for one window). Either way it raises the floor."""
        if self.is_mine(height, h):
            return False
        if (height == self.height and self.hash == h) or height < self.height:
            return False  # ours from before this start, or history below the floor
        if height > self.height:
            self.height, self.hash, self.dirty = height, h, True
        if ts_ms < now_ms - self.window_ms:
            return False  # an old block (e.g. our own, before a backup was restored): the floor is enough
        self.foreign_until_ms = now_ms + self.window_ms
        self.foreign_height, self.foreign_hash, self.foreign_evidence = height, h, False
        return True

    def conflict(self, height, now_ms):
        """Evidence against our own key: hold sealing for one window and never go below that height again."""
        self.foreign_until_ms = now_ms + self.window_ms
        self.foreign_height, self.foreign_hash, self.foreign_evidence = height, bytes(32), True
        if height > self.height:
            self.height, self.hash, self.dirty = height, None, True

    def flush(self):
        """Persists a pending record; returns None, or the error text (the record stays pending for the next
        try; in memory it holds)."""
        if not self.dirty or self.fault is not None:
            return None
        try:
            write(self.dir, self.height, self.hash)
        except SignStateError as e:
            return str(e)
        self.dirty = False
        return None
