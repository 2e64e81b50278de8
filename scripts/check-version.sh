#!/usr/bin/env bash
# One project version everywhere: the file VERSION is the source; this checks every copy and every program.
#   scripts/check-version.sh [BUILD_DIR]
# Copies: the Python package (bindings/python/coinjecture/_version.py, also pip's version), the Go module
# (bindings/go/coinjecture/version.go, ProjectVersion; the version its README's go mod edit line requires),
# the node's fallback (src/node/daemon/node.h).
# With BUILD_DIR: CMake's project version, coinjecture.pc, and what the library, node and tools report
# (`--version`: "<program> X.Y.Z (libcoinjecture_core X.Y.Z)"). The original's compatibility value "4.0.0"
# (coinjecture_version(), Python __version__, Go Version()) is not ours and is tested where it is defined.
# scripts/set-version.sh X.Y.Z changes them all.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
v=$(cat "$src/VERSION")
bad=0
fail() { echo "check-version: $*" >&2; bad=1; }
[[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "VERSION '$v' is not X.Y.Z"

py=$(sed -n 's/^__project_version__ = "\(.*\)"$/\1/p' "$src/bindings/python/coinjecture/_version.py")
[ "$py" = "$v" ] || fail "Python __project_version__ is '$py', VERSION is '$v'"
go=$(sed -n 's/^const projectVersion = "\(.*\)"$/\1/p' "$src/bindings/go/coinjecture/version.go")
[ "$go" = "$v" ] || fail "Go projectVersion is '$go', VERSION is '$v'"
gr=$(sed -n 's|.*-require=github.com/coinjecture/coinjecture-c/bindings/go@v\([0-9.]*\).*|\1|p' "$src/bindings/go/README.md")
[ "$gr" = "$v" ] || fail "bindings/go/README.md requires the module at v$gr, VERSION is '$v'"
node_h=$src/src/node/daemon/node.h
if [ -f "$node_h" ] && grep -q CJ_NODE_VERSION_FALLBACK "$node_h"; then
  n=$(sed -n 's/^#define CJ_NODE_VERSION_FALLBACK "\(.*\)"$/\1/p' "$node_h")
  [ "$n" = "$v" ] || fail "src/node/daemon/node.h CJ_NODE_VERSION_FALLBACK is '$n', VERSION is '$v'"
fi

if [ $# -ge 1 ]; then
  build=$(cd "$1" && pwd)
  c=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
  [ "$c" = "$v" ] || fail "CMake project version is '$c' (reconfigure $build), VERSION is '$v'"
  pc=$(sed -n 's/^Version: //p' "$build/coinjecture.pc")
  [ "$pc" = "$v" ] || fail "coinjecture.pc says '$pc', VERSION is '$v'"
  n=0
  while IFS= read -r -d '' exe; do
    name=$(basename "$exe")
    out=$("$exe" --version 2>&1 | head -n 1) || true
    [ "$out" = "$name $v (libcoinjecture_core $v)" ] || fail "$name --version says '$out'"
    n=$((n + 1))
  done < <(find "$build/src/node" "$build/src/tools" -maxdepth 1 -type f -perm -u+x \
             \( -name coinjectured -o -name 'coinjecture-*' \) -print0 2>/dev/null)
  [ $n -gt 0 ] || fail "no program found under $build/src"
  echo "check-version: $n programs and the library report $v"
fi
[ $bad -eq 0 ] || exit 1
echo "check-version: OK, $v everywhere (library, node, tools, Python package, Go module)"
