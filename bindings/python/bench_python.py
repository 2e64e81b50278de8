#!/usr/bin/env python3
"""Times coinjecture._core against hashlib in one run and prints the ratios (> 1 means _core is faster).

    PYTHONPATH=<build>/python /usr/bin/python3 bindings/python/bench_python.py [--repeat N] [--check]

Per call, best of N timeit repeats, on every crypto backend:
  * _core.sha256_hash(x) vs hashlib.sha256(x).digest() for 64-byte and 1 KiB inputs (goal for 64 B: 1.5x)
  * _core.compute_merkle_root_py(1000 leaves) vs the same Merkle root in Python with hashlib (goal: 5x)
--check exits with status 1 when a goal is missed on the accelerated backend.
"""

import argparse
import hashlib
import os
import platform
import ssl
import sys
import timeit

# This script sits beside the source package, whose coinjecture/ has no compiled _core: import the built
# (PYTHONPATH) or installed package instead.
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]

from coinjecture import _core  # noqa: E402

GOALS = {"sha256 64 B": 1.5, "merkle 1000": 5.0}


def py_merkle(leaves):
    """The baseline: pairwise hashlib SHA-256 in Python, odd node promoted."""
    sha = hashlib.sha256
    level = leaves
    while len(level) > 1:
        nxt = [sha(level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) & 1:
            nxt.append(level[-1])
        level = nxt
    return level[0] if level else bytes(32)


def per_call(stmt, env, repeat):
    """Seconds per execution of stmt: timeit's autorange sizes the loop, best of `repeat` runs."""
    timer = timeit.Timer(stmt, globals=env)
    number, _ = timer.autorange()
    number = max(number, 1) * 2
    return min(timer.repeat(repeat=repeat, number=number)) / number


def fmt(seconds):
    for unit, scale in (("ns", 1e9), ("us", 1e6), ("ms", 1e3)):
        if seconds * scale < 10000:
            return f"{seconds * scale:8.1f} {unit}"
    return f"{seconds:8.3f} s "


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="timeit repeats (best is kept)")
    ap.add_argument("--check", action="store_true", help="exit 1 if a goal is missed (accelerated)")
    args = ap.parse_args()

    data64, data1k = os.urandom(64), os.urandom(1024)
    leaves = [os.urandom(32) for _ in range(1000)]
    assert _core.compute_merkle_root_py(leaves) == py_merkle(leaves)
    env = {"sha": _core.sha256_hash, "h": hashlib.sha256, "merkle": _core.compute_merkle_root_py,
           "py_merkle": py_merkle, "d64": data64, "d1k": data1k, "leaves": leaves}
    cases = [
        ("sha256 64 B", "sha(d64)", "h(d64).digest()", "hashlib"),
        ("sha256 1 KiB", "sha(d1k)", "h(d1k).digest()", "hashlib"),
        ("merkle 1000", "merkle(leaves)", "py_merkle(leaves)", "py+hashlib"),
    ]

    print(f"coinjecture._core {_core.__version__} (library {_core.LIBRARY_VERSION}), "
          f"Python {platform.python_version()}, hashlib on {ssl.OPENSSL_VERSION}")
    print(f"per call, best of {args.repeat}; ratio = baseline / _core")
    missed = []
    start = _core.backend_info()["requested"]
    for name in _core.backends():
        _core.set_backend(name)
        info = _core.backend_info()
        print(f"backend {name}: running {info['active']} ({info['detail']})")
        for label, ours_stmt, base_stmt, base_name in cases:
            ours = per_call(ours_stmt, env, args.repeat)
            base = per_call(base_stmt, env, args.repeat)
            ratio = base / ours
            goal = GOALS.get(label)
            verdict = ""
            if goal is not None:
                ok = ratio >= goal
                verdict = f"  goal >= {goal}x: {'met' if ok else 'MISSED'}"
                if not ok and name == "accelerated":
                    missed.append(label)
            print(f"  {label:<13} _core {fmt(ours)}   {base_name:<10} {fmt(base)}   ratio {ratio:6.2f}x{verdict}")
    if start in _core.backends():
        _core.set_backend(start)
    if args.check and missed:
        print("goals missed: " + ", ".join(missed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
