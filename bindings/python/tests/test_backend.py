"""Crypto backend selection: set_backend / backend / backends / backend_info and the environment."""

import hashlib
import os
import subprocess
import sys
import threading

from coinjecture import _core
import cjtest


def test_backends_listed_and_selectable():
    names = _core.backends()
    assert names == ("reference", "accelerated")
    for name in names:
        _core.set_backend(name)
        info = _core.backend_info()
        assert info["requested"] == name
        assert info["active"] == _core.backend()
        assert info["active"] in names and info["detail"]
        assert info["available"] == names
        if name == "reference":
            assert _core.backend() == "reference" and info["detail"] == "portable"


def _run(env_value, code):
    env = dict(os.environ)
    env["COINJECTURE_CRYPTO_BACKEND"] = env_value
    return subprocess.run([sys.executable, "-W", "always", "-c", code], env=env, capture_output=True,
                          text=True, check=True)


def test_environment_selects_the_backend():
    out = _run("accelerated", "import coinjecture as c; print(c.backend_info()['requested'])")
    assert out.stdout.strip() == "accelerated"
    out = _run("reference", "import coinjecture as c; print(c.backend())")
    assert out.stdout.strip() == "reference"


def test_unknown_environment_value_warns():
    out = _run("turbo", "import coinjecture as c; print(c.backend())")
    assert out.stdout.strip() == "reference"
    assert "RuntimeWarning" in out.stderr and "turbo" in out.stderr


def test_threads_hash_concurrently_while_switching_backends():
    """Large inputs are hashed without the GIL; results stay right while another thread switches."""
    rng = cjtest.rng(10)
    blobs = [rng.randbytes(rng.choice([9000, 70000, 300000])) for _ in range(8)]
    want = [hashlib.sha256(b).digest() for b in blobs]
    leaves = [rng.randbytes(32) for _ in range(2000)]
    root = cjtest.py_merkle(leaves)
    errors = []
    stop = threading.Event()

    def worker(i):
        for _ in range(30):
            if _core.sha256_hash(blobs[i]) != want[i] or _core.compute_merkle_root_py(leaves) != root:
                errors.append(i)

    def switcher():
        while not stop.is_set():
            for name in _core.backends():
                _core.set_backend(name)

    s = threading.Thread(target=switcher)
    s.start()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(blobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    s.join()
    assert errors == []
