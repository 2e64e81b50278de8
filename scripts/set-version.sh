#!/usr/bin/env bash
# Sets the project's version everywhere (VERSION and its copies; see scripts/check-version.sh).
#   scripts/set-version.sh X.Y.Z
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
v=${1:?usage: $0 X.Y.Z}
[[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "version must be X.Y.Z" >&2; exit 2; }
echo "$v" >"$src/VERSION"
sed -i "s/^__project_version__ = \".*\"$/__project_version__ = \"$v\"/" "$src/bindings/python/coinjecture/_version.py"
sed -i "s/^const projectVersion = \".*\"$/const projectVersion = \"$v\"/" "$src/bindings/go/coinjecture/version.go"
sed -i "s|\(-require=github.com/coinjecture/coinjecture-c/bindings/go@v\)[0-9.]*|\1$v|" "$src/bindings/go/README.md"
[ ! -f "$src/src/node/daemon/node.h" ] ||
  sed -i "s/^#define CJ_NODE_VERSION_FALLBACK \".*\"$/#define CJ_NODE_VERSION_FALLBACK \"$v\"/" "$src/src/node/daemon/node.h"
"$src/scripts/check-version.sh"
echo "set-version: $v (reconfigure build directories; tag the Go module bindings/go/v$v)"
