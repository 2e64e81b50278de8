"""TEST-ONLY fault switch (issue 14, item 5). Off and inert unless the environment variable
COINJECTURE_PYV_TEST_FAULT is set; never set it outside tests. Forms:

    COINJECTURE_PYV_TEST_FAULT=state_root:<height>

From <height> on, this node computes a wrong state root: the blocks it seals carry it (so correct nodes
reject them with BAD_STATE_ROOT) and it refuses correct blocks (their state root does not match its own
wrong computation). Used by tests/python_validator/test_interop_fault.py to prove the divergence alarm."""
import os

from .hashing import H

ENV = "COINJECTURE_PYV_TEST_FAULT"


class Fault:
    def __init__(self, kind, height):
        self.kind, self.height = kind, height

    def state_root(self, h, root):
        return H(root, b"test-only fault") if h >= self.height else root

    def describe(self):
        return "%s from height %d (%s)" % (self.kind, self.height, ENV)


def from_env(environ=None):
    v = (environ if environ is not None else os.environ).get(ENV, "")
    if not v:
        return None
    kind, _, h = v.partition(":")
    if kind != "state_root" or not h.isdigit():
        raise SystemExit("%s: expected state_root:<height>" % ENV)
    return Fault(kind, int(h))
