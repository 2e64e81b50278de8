#!/usr/bin/env bash
# Checks the shipped systemd units (packaging/systemd/*.service.in): each is configured with the given
# binary directory (and the Python validator's package directory of the tree), instantiated (name "ci") and passed through `systemd-analyze verify`, which parses every
# directive and checks that the commands exist. Exit 77 (skipped) where systemd-analyze is missing.
# Usage: scripts/check-units.sh BINDIR
set -euo pipefail
bindir=$1
src=$(cd "$(dirname "$0")/../packaging/systemd" && pwd)
command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
units=()
for in in "$src"/*.service.in; do
  name=$(basename "$in" .service.in)      # coinjectured@
  out="$tmp/${name}ci.service"
  sed -e "s#@CJ_BINDIR@#$bindir#g" -e "s#@CJ_PYVALIDATOR_DIR@#$src/../../validator/python#g" "$in" > "$out"
  if grep -q '@[A-Z_]*@' "$out"; then echo "$in: unreplaced placeholder"; exit 1; fi
  units+=("$out")
done
[ ${#units[@]} -ge 3 ] || { echo "expected the validator, observer and Python validator units in $src"; exit 1; }
systemd-analyze verify --man=no "${units[@]}"
echo "units OK: ${#units[@]} verified with systemd-analyze"
