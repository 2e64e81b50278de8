#!/usr/bin/env bash
# The project's main command (README): installs the Debian packages that building and running need (the test
# tools come with scripts/test.sh), builds the node and tools into build-run/, and starts a local 3-validator
# Network B on loopback (scripts/devnet.sh: keys, genesis, configs and data under ./devnet, dashboard URLs
# printed, live summary, Ctrl-C stops every node cleanly).
# Arguments go to scripts/devnet.sh (e.g. --nodes 5, --block-time 500, --reset, --duration 30).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --run
# only what the network needs: no tests, bindings or bench (their tools are the test command's)
cmake -S . -B build-run -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOINJECTURE_BUILD_TESTS=OFF \
  -DCOINJECTURE_BUILD_PYTHON=OFF -DCOINJECTURE_BUILD_GO=OFF -DCOINJECTURE_BUILD_BENCH=OFF >/dev/null
ninja -C build-run
exec scripts/devnet.sh --build-dir build-run "$@"
