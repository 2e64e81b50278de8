#!/usr/bin/env bash
# Checks the node's include rule (docs/ARCHITECTURE.md): the wings of src/node are layered
#   util <- consensus <- mempool <- {net, rpc} <- daemon
# and a file may include headers of its own wing or of a wing below it, never above or beside (net and
# rpc do not include each other). consensus/ includes neither libevent nor jansson. Nothing in src/node
# or src/tools includes a private header of the library (src/core): the node and the tools use only
# include/coinjecture.h. Exit 0 when every include obeys the rule, 1 with one line per violation.
# Usage: scripts/check-layers.sh [repository root]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
node=$root/src/node
declare -A rank=([util]=0 [consensus]=1 [mempool]=2 [net]=3 [rpc]=3 [daemon]=4)
declare -A home=()  # header name -> wing
for wing in "${!rank[@]}"; do
  [ -d "$node/$wing" ] || { echo "missing wing src/node/$wing"; exit 1; }
  for h in "$node/$wing"/*.h; do
    [ -e "$h" ] && home[$(basename "$h")]=$wing
  done
done
core_private=$(cd "$root/src/core" && ls -- *.h)
status=0
violation() { echo "$1"; status=1; }

for f in "$node"/*/*.[ch] "$root"/src/tools/*.c; do
  rel=${f#"$root"/}
  wing=$(basename "$(dirname "$f")")
  while IFS= read -r inc; do
    for p in $core_private; do
      # bench.c measures the library's internal paths through the explicit internal target
      [ "$inc" = "$p" ] && [ "$rel" != src/tools/bench.c ] && violation "$rel: includes the library's private $inc"
    done
    [ "$wing" = tools ] && continue
    to=${home[$inc]:-}
    [ -n "$to" ] || continue  # system, public (coinjecture.h) or generated header
    [ "$to" = "$wing" ] && continue
    if [ "${rank[$to]}" -ge "${rank[$wing]}" ]; then
      violation "$rel: $wing/ includes $to/$inc (the rule is util <- consensus <- mempool <- {net, rpc} <- daemon)"
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done

for f in "$node"/consensus/*.[ch]; do
  if grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(event2/|jansson\.h)' "$f"; then
    violation "${f#"$root"/}: consensus/ includes libevent or jansson"
  fi
done

[ $status -eq 0 ] && echo "layers OK: ${#home[@]} headers in ${#rank[@]} wings, every include points down the rule"
exit $status
