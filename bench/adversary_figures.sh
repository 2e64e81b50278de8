#!/usr/bin/env bash
# The adversary suite's measured figures (issue 12 targets), as a benchmark report rather than pass/fail: runs
# tests/adversary with pytest's output shown and prints every measurement line (what was attacked, how the
# /health latency, the sealed share, the sync time and the RSS came out, and how many attackers were banned),
# each next to its target. The same tests assert the targets as bounds in CI; this prints the numbers.
# Usage: bench/adversary_figures.sh [BUILD_DIR]   (default build/; Debian's /usr/bin/python3 with pytest)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
cat <<'TARGETS'
targets: attacked validators seal >= 80 % of their share; an observer under 8 liars reaches the tip within 3x
its unattacked time; /health p99 <= 250 ms and max <= 1 s during every flood; RSS after 45 half-frame peers
leave <= 150 MiB; every attacker scored and banned; side blocks: none below max_reorg_depth, <= 2 per height
TARGETS
cd "$root/tests/adversary"
COINJECTURE_BUILD_DIR=$build /usr/bin/python3 -m pytest -q -s -p no:cacheprovider . 2>&1 |
  grep -E 'slots|/health|RSS|liars|twins stored|passed|failed' | sed 's/^\.*//'
