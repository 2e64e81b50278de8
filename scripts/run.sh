#!/usr/bin/env bash
# The project's main command (README): installs the Debian packages, builds, and runs the main job.
# Today the main job shows the core library at work: the original-ABI example against the golden
# vectors, then coinjecture-bench (ours vs OpenSSL in one run). Extra arguments go to coinjecture-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build
echo "== examples/original_abi.c (only the original coinjecture.h declarations)"
build/examples/example_original_abi
if [ -x build/src/tools/coinjecture-bench ]; then
  echo "== coinjecture-bench"
  COINJECTURE_CRYPTO_BACKEND=${COINJECTURE_CRYPTO_BACKEND:-accelerated} build/src/tools/coinjecture-bench "$@"
fi
