#!/usr/bin/env bash
# The Python package the way a user installs it: the C library is installed into a temporary prefix with
# `cmake --install`, then `pip install --no-build-isolation bindings/python` builds and installs `coinjecture`
# into fresh virtual environments (no package index: --no-index), which import it from outside the source tree:
#  A. a venv of Debian's /usr/bin/python3 with --system-site-packages (Debian's setuptools and pytest): the
#     library found through pkg-config (PKG_CONFIG_PATH), linked statically; the API, golden and packaging
#     tests run against the installed package; pip lists it, its console script runs, pip uninstalls it;
#  B. a plain venv (setuptools only, no `wheel`, no system packages): the library found through
#     COINJECTURE_PREFIX with pkg-config out of the way, linked against the shared library (rpath);
#  C. if `python3` on PATH is another interpreter (pyenv here) whose venvs carry setuptools: a venv of it.
# Usage: scripts/check-python-install.sh BUILD_DIR [PYTHON]   (PYTHON: default /usr/bin/python3)
set -euo pipefail
build=$(cd "$1" && pwd)
py=${2:-/usr/bin/python3}
src=$(cd "$(dirname "$0")/.." && pwd)
pkg=$src/bindings/python
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
unset PYTHONPATH PYTHONHOME
want=$(cat "$src/VERSION")
step() { echo "== $*"; }
fail() { echo "check-python-install: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
libdir=$(dirname "$(find "$tmp/prefix" -name 'libcoinjecture_core.so' | head -n1)")

# Imports coinjecture in venv $1 from / and prints "<file> <project version> <sha256('') prefix>".
probe() {
  (cd / && "$1/bin/python" -c 'import coinjecture as c; print(c.__file__, c.__project_version__, c.sha256_hash(b"").hex()[:16])')
}
check_probe() {
  local out; out=$(probe "$1")
  echo "   $out"
  case "$out" in "$1/lib/python"*"/coinjecture/__init__.py $want e3b0c44298fc1c14") ;; *) fail "unexpected: $out" ;; esac
}

before=$(git -C "$src" status --porcelain --ignored -- bindings/python 2>/dev/null | grep -v __pycache__ || true)

step "A: $py -m venv --system-site-packages; pip install via pkg-config (static link)"
# --without-pip: the venv runs Debian's pip from the system site-packages, and installs into the venv.
"$py" -m venv --system-site-packages --without-pip "$tmp/a"
PKG_CONFIG_PATH=$libdir/pkgconfig "$tmp/a/bin/python" -m pip install -q --no-build-isolation "$pkg"
check_probe "$tmp/a"
listed=$("$tmp/a/bin/python" -m pip list 2>/dev/null)
grep -Eq "^coinjecture +$want\$" <<<"$listed" || fail "pip list does not show coinjecture $want"
"$tmp/a/bin/coinjecture-parity" --help >/dev/null || fail "console script coinjecture-parity"
so=$(find "$tmp/a" -name '_core*.so')
if readelf -d "$so" | grep -q 'NEEDED.*libcoinjecture_core'; then fail "static link expected: $so needs the .so"; fi
res=$(cd "$tmp" && COINJECTURE_GOLDEN=$src/golden/original/network_b_vectors.json "$tmp/a/bin/python" -m pytest -q \
   -p no:cacheprovider "$pkg/tests/test_api.py" "$pkg/tests/test_golden.py" "$pkg/tests/test_packaging.py" 2>&1) ||
  { echo "$res"; fail "pytest against the installed package"; }
echo "   pytest: $(tail -n 1 <<<"$res")"
"$tmp/a/bin/python" -m pip uninstall -y -q coinjecture
# (A copy outside the venv, e.g. an old `cmake --install --component python` into /usr/local, may still import.)
left=$(cd / && "$tmp/a/bin/python" -c 'import coinjecture; print(coinjecture.__file__)' 2>/dev/null || true)
case "$left" in "$tmp"/*) fail "still importable from the venv after pip uninstall: $left" ;; esac
[ -z "$(find "$tmp/a" -path '*coinjecture*' -name '*.so')" ] || fail "pip uninstall left the extension behind"
echo "   pip list, console script, tests, uninstall: OK"

step "B: $py -m venv (no wheel, no system packages); COINJECTURE_PREFIX, shared link"
"$py" -m venv "$tmp/b"
if "$tmp/b/bin/python" -c 'import wheel' 2>/dev/null; then echo "   (this venv has wheel)"; fi
COINJECTURE_PREFIX=$tmp/prefix COINJECTURE_LINK=shared PKG_CONFIG=false \
  "$tmp/b/bin/python" -m pip install -q --no-build-isolation "$pkg"
check_probe "$tmp/b"
so=$(find "$tmp/b" -name '_core*.so')
readelf -d "$so" | grep -q "NEEDED.*libcoinjecture_core.so.1" || fail "$so is not linked to libcoinjecture_core.so.1"
readelf -d "$so" | grep -Eq "(RUNPATH|RPATH).*$libdir" || fail "$so has no rpath to $libdir"

other=$(command -v python3 || true)
if [ -n "$other" ] && [ "$(readlink -f "$other")" != "$(readlink -f "$py")" ]; then
  real=$("$other" -c 'import sys; print(sys.executable)')
  if "$other" -m venv "$tmp/c" >/dev/null 2>&1 && "$tmp/c/bin/python" -c 'import setuptools' 2>/dev/null; then
    step "C: python3 on PATH is $real: a venv of it"
    PKG_CONFIG_PATH=$libdir/pkgconfig "$tmp/c/bin/python" -m pip install -q --no-build-isolation "$pkg"
    check_probe "$tmp/c"
  else
    step "C: python3 on PATH is $real: its venvs have no setuptools; skipped"
  fi
fi
after=$(git -C "$src" status --porcelain --ignored -- bindings/python 2>/dev/null | grep -v __pycache__ || true)
[ "$before" = "$after" ] || fail "pip install wrote into the source tree: $(diff <(echo "$before") <(echo "$after"))"
echo "python install OK: coinjecture $want installed by pip into fresh venvs (pkg-config/static, COINJECTURE_PREFIX/shared), listed, tested, uninstalled"
