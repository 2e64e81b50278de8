"""State root (docs/CHAIN.md §7): a sparse binary Merkle tree over accounts with single-account subtrees
collapsed. Kept as an in-memory trie whose node hashes are cached and invalidated along changed paths."""
import hashlib
import struct

ZERO = bytes(32)


def leaf_hash(pubkey, balance, nonce):
    return hashlib.sha256(pubkey + struct.pack("<QQ", balance, nonce)).digest()


def _bit(key, d):
    return (key[d >> 3] >> (7 - (d & 7))) & 1


class _Leaf:
    __slots__ = ("key", "h")

    def __init__(self, key, h):
        self.key, self.h = key, h


class _Inner:
    __slots__ = ("c", "h")

    def __init__(self):
        self.c = [None, None]
        self.h = None


def _hash(n):
    if n is None:
        return ZERO
    if isinstance(n, _Leaf):
        return n.h
    if n.h is None:
        n.h = hashlib.sha256(_hash(n.c[0]) + _hash(n.c[1])).digest()
    return n.h


def _insert(n, d, key, h):
    if n is None:
        return _Leaf(key, h)
    if isinstance(n, _Leaf):
        if n.key == key:
            n.h = h
            return n
        inner = _Inner()
        inner.c[_bit(n.key, d)] = n
        b = _bit(key, d)
        inner.c[b] = _insert(inner.c[b], d + 1, key, h)
        return inner
    n.h = None
    b = _bit(key, d)
    n.c[b] = _insert(n.c[b], d + 1, key, h)
    return n


def _delete(n, d, key):
    if n is None:
        return None
    if isinstance(n, _Leaf):
        return None if n.key == key else n
    n.h = None
    b = _bit(key, d)
    n.c[b] = _delete(n.c[b], d + 1, key)
    l, r = n.c
    if l is None and r is None:
        return None
    only = r if l is None else (l if r is None else None)
    if only is not None and isinstance(only, _Leaf):
        return only  # a single account below: collapse
    return n


class StateTree:
    def __init__(self):
        self.root = None

    def set(self, pubkey, balance, nonce):
        key = hashlib.sha256(pubkey).digest()
        if balance == 0 and nonce == 0:
            self.root = _delete(self.root, 0, key)
        else:
            self.root = _insert(self.root, 0, key, leaf_hash(pubkey, balance, nonce))

    def root_hash(self):
        return _hash(self.root)


def state_root(accounts):
    """Root of {pubkey: (balance, nonce)} from scratch."""
    t = StateTree()
    for pk, (b, n) in accounts.items():
        t.set(pk, b, n)
    return t.root_hash()
