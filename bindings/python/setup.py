"""Builds the C extension coinjecture._core against an installed libcoinjecture_core (metadata: pyproject.toml).

Where the library is found, first match wins:

* ``COINJECTURE_PREFIX=P``: the install prefix given to ``cmake --install`` (``P/include/coinjecture.h``,
  ``P/lib*/libcoinjecture_core.{a,so}``);
* ``pkg-config coinjecture`` (``PKG_CONFIG_PATH=P/lib/pkgconfig`` for a prefix pkg-config does not search).

How it is linked, ``COINJECTURE_LINK``:

* ``static`` (the default when ``libcoinjecture_core.a`` is there): the library goes into the extension, whose
  only run-time needs are libsodium and libc; the library's symbols stay hidden inside it;
* ``shared``: against ``libcoinjecture_core.so.1``, with an rpath to its directory unless that is a system one.
"""

import glob
import os
import shlex
import shutil
import subprocess
import sys

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = [os.path.join("src", n) for n in
           ("pymod.c", "pyconv.c", "pyhash.c", "pycodec.c", "pysplice.c", "pyverify.c", "pybackend.c")]
SYSTEM_LIBDIRS = {"/lib", "/usr/lib", "/lib64", "/usr/lib64"} | set(glob.glob("/usr/lib/*-linux-gnu")) | set(
    glob.glob("/lib/*-linux-gnu"))


def fail(msg):
    sys.stderr.write(
        "\ncoinjecture: %s\n"
        "  Install the C library first (from the repository root):\n"
        "    cmake -S . -B build -G Ninja && ninja -C build && cmake --install build --prefix P\n"
        "  then point this build at it with COINJECTURE_PREFIX=P, or PKG_CONFIG_PATH=P/lib/pkgconfig\n"
        "  (P=/usr/local needs neither). See bindings/python/README.md.\n\n" % msg)
    raise SystemExit(1)


def pkg_config(*args):
    exe = os.environ.get("PKG_CONFIG", "pkg-config")
    if shutil.which(exe) is None:
        return None
    r = subprocess.run([exe, *args, "coinjecture"], capture_output=True, text=True)
    return shlex.split(r.stdout) if r.returncode == 0 else None


def locate():
    """(include_dirs, library_dir, how) of the installed library."""
    prefix = os.environ.get("COINJECTURE_PREFIX")
    if prefix:
        prefix = os.path.abspath(prefix)
        inc = os.path.join(prefix, "include")
        if not os.path.isfile(os.path.join(inc, "coinjecture.h")):
            fail("COINJECTURE_PREFIX=%s has no include/coinjecture.h" % prefix)
        for d in ["lib", "lib64"] + [os.path.relpath(p, prefix) for p in glob.glob(prefix + "/lib/*-linux-gnu")]:
            libdir = os.path.join(prefix, d)
            if glob.glob(os.path.join(libdir, "libcoinjecture_core.*")):
                return [inc], libdir, "COINJECTURE_PREFIX=" + prefix
        fail("COINJECTURE_PREFIX=%s has no lib*/libcoinjecture_core.{a,so}" % prefix)
    cflags, libs = pkg_config("--cflags"), pkg_config("--libs-only-L")
    if cflags is None or libs is None:
        fail("libcoinjecture_core not found: COINJECTURE_PREFIX is not set and `pkg-config coinjecture` "
             "fails (is pkg-config installed, is PKG_CONFIG_PATH right?)")
    incs = [f[2:] for f in cflags if f.startswith("-I")]
    libdirs = [f[2:] for f in libs if f.startswith("-L")]
    var = pkg_config("--variable=libdir")
    if var:
        libdirs.append(var[0])
    for d in libdirs:
        if glob.glob(os.path.join(d, "libcoinjecture_core.*")):
            return incs, os.path.abspath(d), "pkg-config (%s)" % d
    fail("pkg-config coinjecture names no directory holding libcoinjecture_core (searched %s)" % libdirs)


def extension():
    incs, libdir, how = locate()
    static = os.path.join(libdir, "libcoinjecture_core.a")
    shared = os.path.join(libdir, "libcoinjecture_core.so")
    link = os.environ.get("COINJECTURE_LINK", "static" if os.path.exists(static) else "shared")
    kw = dict(include_dirs=incs, extra_compile_args=["-fvisibility=hidden"])
    if link == "static":
        if not os.path.exists(static):
            fail("COINJECTURE_LINK=static but %s does not exist" % static)
        # libsodium and threads: the static library's own dependencies (coinjecture.pc's Requires.private).
        deps = [f[2:] for f in (pkg_config("--static", "--libs-only-l") or []) if f.startswith("-l")]
        deps = [d for d in deps if d != "coinjecture_core"] or ["sodium", "pthread"]
        kw.update(extra_objects=[static], libraries=deps, depends=[static],
                  extra_link_args=["-Wl,--exclude-libs,ALL"])
    elif link == "shared":
        if not os.path.exists(shared):
            fail("COINJECTURE_LINK=shared but %s does not exist" % shared)
        kw.update(library_dirs=[libdir], libraries=["coinjecture_core"], depends=[shared],
                  runtime_library_dirs=[] if libdir in SYSTEM_LIBDIRS else [libdir])
    else:
        fail("COINJECTURE_LINK must be static or shared, not %r" % link)
    print("coinjecture: building coinjecture._core against %s, %s link (library in %s)" % (how, link, libdir))
    return Extension("coinjecture._core", sources=SOURCES, **kw)


# Metadata-only commands (pip's prepare_metadata, egg_info, sdist) do not need the library.
_META_ONLY = {"egg_info", "dist_info", "sdist", "--name", "--version"}
_needs_ext = not (len(sys.argv) > 1 and set(sys.argv[1:2]) & _META_ONLY)
setup(ext_modules=[extension()] if _needs_ext else [])
