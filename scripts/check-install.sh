#!/usr/bin/env bash
# Installs a build into a temporary prefix with `cmake --install`, then builds programs against the installed
# header, libraries, pkg-config file and CMake package, the way a downstream project would:
#  * every installed file lies under the prefix (install_manifest.txt);
#  * examples/original_abi.c through pkg-config, shared and static;
#  * examples/cmake-consumer (find_package(coinjecture CONFIG), coinjecture::core and ::core_static);
#  * the README's hello.c is examples/cmake-consumer/hello.c, and the README's pkg-config line builds it
#    (with an rpath instead of ldconfig, which a temporary prefix cannot use).
# Usage: scripts/check-install.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
prefix=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$prefix" "$work"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
outside=$(grep -v "^$prefix/" "$build/install_manifest.txt" || true)
[ -z "$outside" ] || { echo "cmake --install wrote outside its prefix $prefix:"; echo "$outside"; exit 1; }
libdir=$(dirname "$(find "$prefix" -name 'libcoinjecture_core.so' | head -n1)")
test -f "$prefix/include/coinjecture.h"
test -f "$libdir/libcoinjecture_core.a"
test -f "$libdir/cmake/coinjecture/coinjectureConfig.cmake"
test -f "$libdir/cmake/coinjecture/coinjectureConfigVersion.cmake"
soname=$(readelf -d "$libdir/libcoinjecture_core.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = "libcoinjecture_core.so.1" ] || { echo "unexpected SONAME: $soname"; exit 1; }
want=b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9   # sha256("hello world")

# ---- pkg-config ----
export PKG_CONFIG_PATH="$libdir/pkgconfig"
version=$(pkg-config --modversion coinjecture)
cc -std=c11 -Wall -Wextra -Werror "$src/examples/original_abi.c" $(pkg-config --cflags --libs coinjecture) -o "$work/example"
LD_LIBRARY_PATH="$libdir" "$work/example" >/dev/null
# Static link through pkg-config --static as well.
cc -std=c11 "$src/examples/original_abi.c" -I"$prefix/include" "$libdir/libcoinjecture_core.a" \
  $(pkg-config --static --libs-only-l coinjecture | sed 's/-lcoinjecture_core//') -o "$work/example-static"
"$work/example-static" >/dev/null

# ---- the README recipe: its hello.c is the consumer's, its cc line builds it (rpath form) ----
readme_c=$(awk '/^```c$/ { n++; on = (n == 1); next } /^```/ { on = 0 } on' "$src/README.md")
[ "$readme_c" = "$(cat "$src/examples/cmake-consumer/hello.c")" ] ||
  { echo "README.md's first C example differs from examples/cmake-consumer/hello.c"; exit 1; }
cc "$src/examples/cmake-consumer/hello.c" $(pkg-config --cflags --libs coinjecture) -Wl,-rpath,"$libdir" -o "$work/hello"
[ "$(env -u LD_LIBRARY_PATH "$work/hello")" = "$want" ] || { echo "README hello printed the wrong hash"; exit 1; }

# ---- CMake package: find_package(coinjecture CONFIG) from a project outside the tree ----
cmake -S "$src/examples/cmake-consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  ${CMAKE_GENERATOR:+-G "$CMAKE_GENERATOR"} >"$work/consumer.log" 2>&1 || { cat "$work/consumer.log"; exit 1; }
grep -q "coinjecture $version from $libdir/cmake/coinjecture" "$work/consumer.log" ||
  { cat "$work/consumer.log"; echo "find_package did not report version $version"; exit 1; }
cmake --build "$work/consumer" >"$work/consumer-build.log" 2>&1 || { cat "$work/consumer-build.log"; exit 1; }
readelf -d "$work/consumer/hello" | grep -q "NEEDED.*\[$soname\]" || { echo "hello is not linked to $soname"; exit 1; }
if readelf -d "$work/consumer/hello_static" | grep -q "NEEDED.*libcoinjecture_core"; then
  echo "hello_static links the shared library"; exit 1
fi
[ "$(env -u LD_LIBRARY_PATH "$work/consumer/hello")" = "$want" ] || { echo "consumer hello failed"; exit 1; }
[ "$("$work/consumer/hello_static")" = "$want" ] || { echo "consumer hello_static failed"; exit 1; }
# A newer major version than installed must be refused by the version file.
major=${version%%.*}
if cmake -S "$src/examples/cmake-consumer" -B "$work/consumer-next" -DCMAKE_PREFIX_PATH="$prefix" \
     -DCOINJECTURE_WANT="$((major + 1)).0" >/dev/null 2>&1; then
  echo "find_package(coinjecture $((major + 1)).0) accepted version $version"; exit 1
fi

echo "install OK: all files under the prefix; header, .so ($soname), .a, coinjecture.pc $version, CMake package;"
echo "  pkg-config example (shared, static), README hello (rpath), CMake consumer (coinjecture::core, ::core_static) passed"
