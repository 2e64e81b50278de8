#!/usr/bin/env bash
# scripts/valgrind.sh BUILD_DIR [TEST_NAME ...]
# Runs every unit test binary of BUILD_DIR (tests/unit/test_*; or only the named ones) under
#   valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect
# and prints one summary line per binary (errors, definitely/indirectly lost bytes, test result). Exits
# non-zero if any binary had a memory error or a definite/indirect leak, or failed its own tests.
# BUILD_DIR must be a normal build: valgrind cannot run ASan/UBSan binaries (it refuses sanitized
# builds). Logs: BUILD_DIR/valgrind/<test>.log. Environment: CJ_VALGRIND_EXTRA (more valgrind options),
# CJ_VALGRIND_NICE (default 10), CJ_VALGRIND_JOBS (binaries run at once; default: the CPU count).
set -u
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 BUILD_DIR [TEST_NAME ...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
shift
command -v valgrind > /dev/null || { echo "valgrind: not installed" >&2; exit 2; }
cache="$build/CMakeCache.txt"
if [ -f "$cache" ] && { grep -q '^COINJECTURE_SANITIZE:BOOL=ON' "$cache" ||
  grep -q '^CMAKE_C_FLAGS:STRING=.*-fsanitize' "$cache" ||
  { grep -q '^COINJECTURE_FUZZ:BOOL=ON' "$cache" && grep -q '^CMAKE_C_COMPILER:.*clang' "$cache"; }; }; then
  echo "valgrind: $build is a sanitizer build; use a normal one (COINJECTURE_SANITIZE=OFF, no clang fuzz build)" >&2
  exit 2
fi

tests=()
if [ $# -gt 0 ]; then
  for n in "$@"; do tests+=("$build/tests/unit/$n"); done
else
  for f in "$build"/tests/unit/test_*; do
    [ -f "$f" ] && [ -x "$f" ] && tests+=("$f")
  done
fi
if [ ${#tests[@]} -eq 0 ]; then
  echo "valgrind: no unit test binaries in $build/tests/unit (build them first)" >&2
  exit 2
fi

mkdir -p "$build/valgrind"
# One binary under valgrind: writes BUILD/valgrind/<test>.{log,out} and its one-line verdict to <test>.status.
run_one() {
  local exe=$1 name log out rc errs def ind tests_failed status
  name=$(basename "$exe")
  log="$build/valgrind/$name.log"
  out="$build/valgrind/$name.out"
  # Tests find their data relative to the source tree (compiled in), so the working directory is free.
  # shellcheck disable=SC2086
  CMOCKA_MESSAGE_OUTPUT=stdout nice -n "${CJ_VALGRIND_NICE:-10}" valgrind --error-exitcode=1 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --track-origins=yes --num-callers=30 --log-file="$log" \
    ${CJ_VALGRIND_EXTRA:-} "$exe" > "$out" 2>&1
  rc=$?
  errs=$(awk '/ERROR SUMMARY:/ {e=$4} END {print e+0}' "$log")
  def=$(awk '/definitely lost:/ {gsub(",", "", $4); d=$4} END {print d+0}' "$log")
  ind=$(awk '/indirectly lost:/ {gsub(",", "", $4); d=$4} END {print d+0}' "$log")
  tests_failed=$(grep -c '^\[  FAILED  \] [a-z_]' "$out")
  status=ok
  if [ "$errs" -ne 0 ] || [ "$def" -ne 0 ] || [ "$ind" -ne 0 ]; then
    status="MEMORY ERRORS/LEAKS (see $log)"
  elif [ $rc -ne 0 ]; then
    status="FAILED (exit $rc, $tests_failed failing tests; see $out)"
  fi
  printf '%-28s errors %-4s definitely lost %-8s indirectly lost %-8s %s\n' "$name" "$errs" "$def" "$ind" \
    "$status" > "$build/valgrind/$name.status"
}

# valgrind runs one thread at a time, so the binaries run side by side, one per CPU (CJ_VALGRIND_JOBS).
jobs=${CJ_VALGRIND_JOBS:-$(nproc 2>/dev/null || echo 1)}
for exe in "${tests[@]}"; do
  rm -f "$build/valgrind/$(basename "$exe").status"
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  run_one "$exe" &
done
wait

bad=()
lines=()
for exe in "${tests[@]}"; do
  name=$(basename "$exe")
  line=$(cat "$build/valgrind/$name.status" 2>/dev/null || echo "$name: no verdict (valgrind did not finish)")
  lines+=("$line")
  case "$line" in *" ok") continue ;; esac
  bad+=("$name")
  echo "================ $line ================"
  grep -E -A25 '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|Source and destination|Argument)|are definitely lost|are indirectly lost' "$build/valgrind/$name.log" | head -120
  grep -E '^\[  (ERROR|FAILED)  \]|^\[   LINE   \]' "$build/valgrind/$name.out" | head -20
done

echo
echo "valgrind summary ($build):"
printf '  %s\n' "${lines[@]}"
if [ ${#bad[@]} -ne 0 ]; then
  echo "valgrind: FAILED: ${bad[*]}"
  exit 1
fi
echo "valgrind: all ${#tests[@]} test binaries clean"
