#!/usr/bin/env bash
# The project's main command (README): installs the Debian packages that building and running need (the test
# tools come with scripts/test.sh), builds the node and tools into build-run/, and starts a local Network B on
# loopback (scripts/devnet.sh on `coinjecture-cli testnet`: keys, genesis, configs and data under ./devnet,
# dashboard URLs printed, live summary, Ctrl-C stops every node cleanly). By default the migration plan's
# hybrid: 2 C validators + 1 independent Python validator in shadow mode, watching each other; --c-only runs
# 3 C validators.
# Arguments go to scripts/devnet.sh (e.g. --c-only, --nodes 5, --block-time 500, --reset, --duration 30).
set -euo pipefail
cd "$(dirname "$0")/.."
for a in "$@"; do
  if [ "$a" = -h ] || [ "$a" = --help ]; then   # before installing or building anything
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    echo
    exec scripts/devnet.sh --help
  fi
done
scripts/install-deps.sh --run
# only what the network needs: no tests, bindings or bench (their tools are the test command's)
cmake -S . -B build-run -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOINJECTURE_BUILD_TESTS=OFF \
  -DCOINJECTURE_BUILD_PYTHON=OFF -DCOINJECTURE_BUILD_GO=OFF -DCOINJECTURE_BUILD_BENCH=OFF >/dev/null
ninja -C build-run
exec scripts/devnet.sh --build-dir build-run "$@"
