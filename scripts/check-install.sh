#!/usr/bin/env bash
# Installs a build into a temporary prefix with `cmake --install`, then compiles and runs
# examples/original_abi.c against the installed header, library and pkg-config file, the way a
# downstream C program would. Usage: scripts/check-install.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(dirname "$(find "$prefix" -name 'libcoinjecture_core.so' | head -n1)")
test -f "$prefix/include/coinjecture.h"
test -f "$libdir/libcoinjecture_core.a"
soname=$(readelf -d "$libdir/libcoinjecture_core.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = "libcoinjecture_core.so.1" ] || { echo "unexpected SONAME: $soname"; exit 1; }
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -Wall -Wextra -Werror "$src/examples/original_abi.c" $(pkg-config --cflags --libs coinjecture) -o "$prefix/example"
LD_LIBRARY_PATH="$libdir" "$prefix/example" >/dev/null
# Static link through pkg-config --static as well.
cc -std=c11 "$src/examples/original_abi.c" -I"$prefix/include" "$libdir/libcoinjecture_core.a" \
  $(pkg-config --static --libs-only-l coinjecture | sed 's/-lcoinjecture_core//') -o "$prefix/example-static"
"$prefix/example-static" >/dev/null
echo "install OK: header, .so ($soname), .a, coinjecture.pc; example built via pkg-config (shared and static) and passed"
