"""PEP 517 build backend of the coinjecture package (pyproject.toml: build-backend, backend-path).

The wheel is made here from setuptools' own steps: ``setup.py build_ext`` compiles the extension (setup.py
finds the installed C library), ``setup.py egg_info`` writes the metadata from pyproject.toml, and this
module packs both into a wheel (dist-info with METADATA, WHEEL, entry points and RECORD) that pip installs,
lists and uninstalls like any other. So only setuptools (>= 61) is needed, not the ``wheel`` package that
setuptools' own backend requires (``invalid command 'bdist_wheel'``) and that plain ``python3 -m venv``
environments and pyenv's interpreters lack, with no package index to fetch it from; and nothing is written
into the source directory (all building happens in temporary directories). sdists, and editable installs
where ``wheel`` is present, are setuptools' own.
"""

import base64
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

try:
    from setuptools import build_meta as _setuptools
except ImportError as e:
    raise ImportError(
        "building coinjecture needs setuptools >= 61 in the interpreter that runs pip (%s): Debian's python3 "
        "has it from python3-setuptools (a venv of it sees it with --system-site-packages); venvs of Python "
        "<= 3.11 include it; Python >= 3.12 venvs do not (%s)" % (sys.executable, e)) from e

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # bindings/python

try:
    import wheel  # noqa: F401

    HAVE_WHEEL = True
except ImportError:
    HAVE_WHEEL = False

get_requires_for_build_sdist = _setuptools.get_requires_for_build_sdist
build_sdist = _setuptools.build_sdist


def _setup(*args):
    """Runs setup.py in the package directory; its output goes to stderr (pip shows it with -v or on error)."""
    subprocess.run([sys.executable, "setup.py", *args], cwd=HERE, check=True, stdout=sys.stderr)


def _tag():
    """The wheel tag of the running CPython: cpXY-cpXY<abiflags>-<platform>."""
    ver = "%d%d" % sys.version_info[:2]
    abi = "cp" + ver + (sysconfig.get_config_var("ABIFLAGS") or "")
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return "cp%s-%s-%s" % (ver, abi, plat)


def _dist_info(outdir):
    """Writes <name>-<version>.dist-info into outdir from setuptools' egg_info; returns its name."""
    tmp = tempfile.mkdtemp(prefix="coinjecture-meta-")
    try:
        _setup("egg_info", "--egg-base", tmp)
        (egg,) = glob.glob(os.path.join(tmp, "*.egg-info"))
        with open(os.path.join(egg, "PKG-INFO"), encoding="utf-8") as f:
            meta = f.read()
        fields = dict(line.split(": ", 1) for line in meta.split("\n\n", 1)[0].splitlines() if ": " in line)
        name = fields["Name"].replace("-", "_")
        dist = "%s-%s.dist-info" % (name, fields["Version"])
        target = os.path.join(outdir, dist)
        os.makedirs(target, exist_ok=True)
        shutil.copyfile(os.path.join(egg, "PKG-INFO"), os.path.join(target, "METADATA"))
        if os.path.exists(os.path.join(egg, "entry_points.txt")):
            shutil.copyfile(os.path.join(egg, "entry_points.txt"), os.path.join(target, "entry_points.txt"))
        with open(os.path.join(target, "WHEEL"), "w", encoding="utf-8") as f:
            f.write("Wheel-Version: 1.0\nGenerator: coinjecture_build\nRoot-Is-Purelib: false\nTag: %s\n" % _tag())
        return dist
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _record_line(root, rel):
    with open(os.path.join(root, rel), "rb") as f:
        data = f.read()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d\n" % (rel, digest, len(data))


def _build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    stage = tempfile.mkdtemp(prefix="coinjecture-wheel-")
    temp = tempfile.mkdtemp(prefix="coinjecture-build-")
    try:
        _setup("build_ext", "--build-lib", stage, "--build-temp", temp)
        for py in glob.glob(os.path.join(HERE, "coinjecture", "*.py")):
            shutil.copy2(py, os.path.join(stage, "coinjecture"))
        if metadata_directory:
            dist = os.path.basename(metadata_directory.rstrip(os.sep))
            shutil.copytree(metadata_directory, os.path.join(stage, dist))
        else:
            dist = _dist_info(stage)
        files = sorted(os.path.relpath(os.path.join(d, n), stage)
                       for d, _, names in os.walk(stage) for n in names)
        record = dist + "/RECORD"
        with open(os.path.join(stage, record), "w", encoding="utf-8") as f:
            f.writelines(_record_line(stage, rel) for rel in files)
            f.write(record + ",,\n")
        name = "%s-%s.whl" % (dist[: -len(".dist-info")], _tag())
        with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as z:
            for rel in files + [record]:
                z.write(os.path.join(stage, rel), rel)
        return name
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        shutil.rmtree(temp, ignore_errors=True)


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    return _dist_info(metadata_directory)


build_wheel = _build_wheel

if HAVE_WHEEL:
    get_requires_for_build_editable = _setuptools.get_requires_for_build_editable
    prepare_metadata_for_build_editable = _setuptools.prepare_metadata_for_build_editable
    build_editable = _setuptools.build_editable
