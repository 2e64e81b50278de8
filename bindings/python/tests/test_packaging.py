"""The package as installed or built: one project version, pip metadata, and the clear ImportError of a
package without its extension."""

import glob
import importlib.metadata
import os
import pathlib
import subprocess
import sys

import pytest

import coinjecture

SOURCE = pathlib.Path(__file__).resolve().parents[1]  # bindings/python
REPO = SOURCE.parents[1]


def test_project_version_is_the_library_version():
    v = coinjecture.__project_version__
    assert v.count(".") == 2 and all(p.isdigit() for p in v.split("."))
    assert v == coinjecture.LIBRARY_VERSION  # the C library the extension was built with
    assert coinjecture.__version__ == "4.0.0"  # the original's, kept for drop-in
    version_file = REPO / "VERSION"
    if version_file.is_file():
        assert v == version_file.read_text().strip()


def test_pip_metadata_version_when_installed():
    try:
        dist = importlib.metadata.distribution("coinjecture")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("coinjecture is not pip-installed here (build tree on PYTHONPATH)")
    if not pathlib.Path(coinjecture.__file__).resolve().is_relative_to(pathlib.Path(dist.locate_file("")).resolve()):
        pytest.skip("the coinjecture under test is not the pip-installed one")
    assert dist.version == coinjecture.__project_version__
    assert any(str(f).startswith("coinjecture/_core") for f in dist.files)


@pytest.mark.skipif(glob.glob(str(SOURCE / "coinjecture" / "_core*.so")) != [], reason="source tree holds an extension")
def test_without_extension_native_names_raise_a_clear_import_error():
    env = dict(os.environ, PYTHONPATH=str(SOURCE))
    env.pop("PYTHONHOME", None)
    probe = (
        "import coinjecture, coinjecture.reference, coinjecture.types\n"
        "assert coinjecture.NATIVE_AVAILABLE is False and coinjecture.CODEC_VERSION == 1\n"
        "assert coinjecture.reference.sha256(b'') == bytes.fromhex("
        "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')\n"
        "try:\n"
        "    coinjecture.sha256_hash\n"
        "except ImportError as e:\n"
        "    assert 'pip install --no-build-isolation' in str(e), e\n"
        "else:\n"
        "    raise SystemExit('no ImportError')\n"
        "from coinjecture import sha256_hash\n"
    )
    r = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, cwd=str(SOURCE.parent))
    assert r.returncode == 1, r.stdout + r.stderr
    last = r.stderr.strip().splitlines()
    assert any(line.startswith("ImportError: coinjecture.sha256_hash needs the C extension coinjecture._core")
               for line in last), r.stderr
    assert f"{sys.executable} -m pip install --no-build-isolation {SOURCE}" in r.stderr
