#!/usr/bin/env bash
# The project's test command (README): installs the Debian packages, builds everything with CMake/Ninja
# into build/, and runs every test suite through ctest (unit, golden, bindings, integration).
# Options: --sanitize  build into build-asan/ with ASan+UBSan and run the unit tests there
#          --cc NAME   compiler (default gcc; clang also supported)
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=0
cc=${CC:-gcc}
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize) sanitize=1 ;;
    --cc) cc=$2; shift ;;
    *) echo "usage: $0 [--sanitize] [--cc gcc|clang]" >&2; exit 2 ;;
  esac
  shift
done
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
if [ $sanitize -eq 1 ]; then
  dir=build-asan
  CC=$cc cmake -S . -B $dir -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCOINJECTURE_SANITIZE=ON >/dev/null
  ninja -C $dir
  # detect_leaks needs ptrace, which some sandboxes lack; LeakSanitizer is exercised by valgrind instead there.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir $dir -L unit --output-on-failure -j "$jobs"
else
  dir=build
  CC=$cc cmake -S . -B $dir -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ninja -C $dir
  ctest --test-dir $dir --output-on-failure -j "$jobs"
fi
