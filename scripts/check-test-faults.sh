#!/usr/bin/env bash
# The TEST-ONLY fault switch (-DCOINJECTURE_TEST_FAULTS=ON; docs/OPERATIONS.md "Test-only fault switches") is
# compiled out of normal builds, not merely off: a normal coinjectured holds none of its strings, symbols or
# debug names.
# Usage: scripts/check-test-faults.sh path/to/coinjectured [absent|present]
#   absent  (default) the binary must hold no trace of it (ctest faults.absent, on every build)
#   present the binary must hold it (the faulty test build; shows that the check can see it at all)
set -euo pipefail
bin=$1
want=${2:-absent}
[ -x "$bin" ] || { echo "not an executable: $bin"; exit 2; }
pattern='COINJECTURE_TEST_FAULT|TEST-ONLY FAULT|cj_fault_|fault_root_from'
traces=$( { strings -a "$bin"; nm -a "$bin" 2>/dev/null || true; } | grep -E "$pattern" | sort -u || true)
case $want in
  absent)
    [ -z "$traces" ] || { echo "FAIL: $bin holds the test-only fault switch:"; echo "$traces"; exit 1; }
    echo "OK: no trace of the test-only fault switch in $bin" ;;
  present)
    for p in COINJECTURE_TEST_FAULT 'TEST-ONLY FAULT' cj_fault_state_root; do
      grep -q "$p" <<<"$traces" || { echo "FAIL: $bin lacks '$p' (not a -DCOINJECTURE_TEST_FAULTS=ON build?)"; exit 1; }
    done
    echo "OK: $bin is a test-fault build" ;;
  *) echo "usage: $0 path/to/coinjectured [absent|present]" >&2; exit 2 ;;
esac
