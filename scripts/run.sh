#!/usr/bin/env bash
# The project's main command (README): installs the Debian packages, builds everything into build/, and
# starts a local 3-validator Network B on loopback (scripts/devnet.sh: keys, genesis, configs and data under
# ./devnet, dashboard URLs printed, live summary, Ctrl-C stops every node cleanly).
# Arguments go to scripts/devnet.sh (e.g. --nodes 5, --block-time 500, --reset, --duration 30).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build
exec scripts/devnet.sh --build-dir build "$@"
