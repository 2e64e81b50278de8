#!/usr/bin/env bash
# Builds only coinjectured with the TEST-ONLY fault switch (-DCOINJECTURE_TEST_FAULTS=ON) into its own build
# directory, for tests/python_validator/test_interop_fault_c.py (ctest fixture pyvalidator.faultbuild). The
# normal build never holds the switch; this directory is for tests only.
# Usage: scripts/build-fault-node.sh SOURCE_DIR BUILD_DIR [cmake options of the parent build: -G, -D...]
set -euo pipefail
src=$1
out=$2
shift 2
cmake -S "$src" -B "$out" "$@" -DCOINJECTURE_TEST_FAULTS=ON -DCOINJECTURE_BUILD_TESTS=OFF \
  -DCOINJECTURE_BUILD_BENCH=OFF -DCOINJECTURE_BUILD_PYTHON=OFF -DCOINJECTURE_BUILD_GO=OFF -Wno-dev >/dev/null
cmake --build "$out" --target coinjectured
"$(dirname "$0")/check-test-faults.sh" "$out/src/node/coinjectured" present
