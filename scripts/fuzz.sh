#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS]   (default 30)
# Builds the libFuzzer targets with clang (-fsanitize=fuzzer,address,undefined) into build-fuzz/ and runs
# each for SECONDS seconds (fuzz/run.sh). Exits non-zero if any target finds a crash, leak, timeout or
# failed check, naming the target and the reproducer file. CI runs `scripts/fuzz.sh 30`.
# Environment: CJ_FUZZ_BUILD_DIR (default <repo>/build-fuzz), CJ_FUZZ_TARGETS (space-separated subset),
# CJ_FUZZ_CMAKE_ARGS (extra configure arguments), CJ_FUZZ_NICE, CJ_FUZZ_RSS_MB, CJ_FUZZ_EXTRA (see fuzz/run.sh).
set -eu
secs=${1:-30}
case $secs in '' | *[!0-9]*) echo "usage: $0 [seconds]" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
build=${CJ_FUZZ_BUILD_DIR:-$root/build-fuzz}
cc=${CJ_FUZZ_CC:-clang}
command -v "$cc" > /dev/null || { echo "fuzz: $cc not found (install clang and libclang-rt-dev)" >&2; exit 2; }

mkdir -p "$build"
# shellcheck disable=SC2086
nice -n 10 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCOINJECTURE_FUZZ=ON -DCOINJECTURE_BUILD_TESTS=OFF -DCOINJECTURE_BUILD_BENCH=OFF \
  -DFUZZ_SECONDS="$secs" ${CJ_FUZZ_CMAKE_ARGS:-} > "$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  exit 2
}
nice -n 10 ninja -C "$build" fuzz/all

# shellcheck disable=SC2086
exec "$root/fuzz/run.sh" "$build/fuzz" "$secs" ${CJ_FUZZ_TARGETS:-}
