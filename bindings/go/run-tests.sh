#!/usr/bin/env bash
# Tests the Go binding and the "original cgo program builds unchanged" path against a built library.
#
# Usage: bindings/go/run-tests.sh DIR [all|test|cgo-original|outside|bench]
#   DIR  a CMake build directory (library in DIR/src/core, header from the source tree) or an install
#        prefix (DIR/include/coinjecture.h and DIR/lib*/libcoinjecture_core.so)
#   test          go vet + go test ./... (golden vectors, parity, bad input, the Example functions)
#   cgo-original  build examples/cgo-original with only CGO_CFLAGS/CGO_LDFLAGS pointing at DIR, run it
#                 (LD_LIBRARY_PATH, then an rpath build without it), check its output against the vectors
#   bench         go test -bench with COINJECTURE_CRYPTO_BACKEND=accelerated; prints the speed ratios
#   outside       the documented use from outside the repository: installs DIR's build into a temporary
#                 prefix, then builds and runs a program in a temporary module that requires this module
#                 (replace directive to this checkout) and finds the library through pkg-config alone
#   all           test + cgo-original + outside (default)
# Environment: GO (go binary), COINJECTURE_SHARED_GOLDEN (vectors file or dir; default: the repository's
# golden/original/network_b_vectors.json). Exit 77 = skipped (sanitizer build: its shared library cannot
# be loaded by Go).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
go=${GO:-go}

[ $# -ge 1 ] || { sed -n '2,17p' "$0" >&2; exit 2; }
dir=$(cd "$1" && pwd)
mode=${2:-all}

# ---- locate header and library ----
if [ -f "$dir/CMakeCache.txt" ]; then
  incdir=$src/include
  srcdir=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$dir/CMakeCache.txt")
  [ -n "$srcdir" ] && [ -f "$srcdir/include/coinjecture.h" ] && incdir=$srcdir/include
  libdir=$dir/src/core
  if grep -q '^COINJECTURE_SANITIZE:BOOL=ON' "$dir/CMakeCache.txt"; then
    echo "SKIP: $dir is a sanitizer build (an ASan-instrumented .so cannot be loaded into a Go binary)"
    exit 77
  fi
  work=$dir/go
else
  incdir=$dir/include
  libdir=
  for d in "$dir"/lib "$dir"/lib64 "$dir"/lib/*-linux-gnu; do
    if [ -e "$d/libcoinjecture_core.so" ]; then libdir=$d; break; fi
  done
  if [ -w "$dir" ]; then work=$dir/go; else work=${TMPDIR:-/tmp}/coinjecture-go-$(id -u); fi
fi
[ -f "$incdir/coinjecture.h" ] || { echo "no coinjecture.h under $incdir" >&2; exit 1; }
[ -n "$libdir" ] && [ -e "$libdir/libcoinjecture_core.so" ] || {
  echo "libcoinjecture_core.so not found under $dir (build the coinjecture_core target first)" >&2; exit 1; }

# ---- a hermetic Go environment: no network, no toolchain switch, caches under the build dir ----
mkdir -p "$work/cache" "$work/path" "$work/tmp" "$work/pkgconfig"
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-buildvcs=false GOENV=off GOTELEMETRY=off
export GOCACHE=$work/cache GOPATH=$work/path GOTMPDIR=$work/tmp CGO_ENABLED=1
# The package finds the library with `#cgo pkg-config: coinjecture`: a .pc for this header and library.
pcdir=$work/pkgconfig
cat >"$pcdir/coinjecture.pc.$$" <<PC
Name: coinjecture
Description: libcoinjecture_core under test ($dir)
Version: $(cat "$src/VERSION")
Libs: -L$libdir -lcoinjecture_core
Cflags: -I$incdir
PC
mv -f "$pcdir/coinjecture.pc.$$" "$pcdir/coinjecture.pc"   # atomic: the ctest go.* tests run in parallel
export PKG_CONFIG_PATH=$pcdir
# examples/cgo-original is the original's cgo code: it is pointed at the library the original's way.
orig_cflags="-I$incdir" orig_ldflags="-L$libdir"
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "go: $("$go" version); header: $incdir; library: $libdir"

run_test() {
  cd "$here"
  echo "== go vet ./..."
  "$go" vet ./...
  echo "== go test ./..."
  "$go" test -count=1 ./...
  echo "== go test -race (concurrency and parity tests)"
  if "$go" test -race -count=1 -run 'TestConcurrentCalls|TestSHA256Parity|TestMerkleParity' ./coinjecture >"$work/race.log" 2>&1; then
    tail -n 1 "$work/race.log"
  elif grep -q -- '-race is not supported\|race detector' "$work/race.log" && ! grep -q 'WARNING: DATA RACE' "$work/race.log"; then
    echo "(race detector unavailable here; skipped)"
  else
    cat "$work/race.log"; return 1
  fi
}

run_cgo_original() {
  local ex=$src/examples/cgo-original out=$work/cgo-original.out
  local CGO_CFLAGS=$orig_cflags CGO_LDFLAGS=$orig_ldflags
  export CGO_CFLAGS CGO_LDFLAGS
  cd "$ex"
  echo "== examples/cgo-original: go vet, go build (CGO_CFLAGS=$CGO_CFLAGS CGO_LDFLAGS=$CGO_LDFLAGS)"
  "$go" vet ./...
  "$go" build -o "$work/cgo-original" .
  # The program may only reference the 13 symbols of the original library.
  local original="coinjecture_sha256_hash coinjecture_compute_header_hash coinjecture_compute_merkle_root
    coinjecture_verify_subset_sum coinjecture_verify_transaction coinjecture_compute_escrow_id
    coinjecture_validate_escrow_creation coinjecture_validate_escrow_release coinjecture_validate_escrow_refund
    coinjecture_last_error coinjecture_free_string coinjecture_version coinjecture_codec_version"
  local used s
  used=$(nm -D --undefined-only "$work/cgo-original" | awk '{print $NF}' | grep '^coinjecture_' | sed 's/@.*//' | sort -u)
  for s in $used; do
    grep -qw "$s" <<<"$original" || { echo "cgo-original uses a non-original symbol: $s" >&2; return 1; }
  done
  echo "symbols used: $(echo "$used" | wc -l) (all from the original ABI)"
  echo "== run with LD_LIBRARY_PATH"
  "$work/cgo-original" >"$out"
  echo "$(grep -c '^vector ' "$out") vector lines, $(grep -c '^check ' "$out") check lines"
  echo "== rebuild with an rpath and run without LD_LIBRARY_PATH"
  CGO_LDFLAGS="-L$libdir -Wl,-rpath,$libdir" "$go" build -o "$work/cgo-original-rpath" .
  env -u LD_LIBRARY_PATH "$work/cgo-original-rpath" >"$out.rpath"
  cmp "$out" "$out.rpath"
  echo "== compare with the golden vectors"
  cd "$here"
  CGO_CFLAGS= CGO_LDFLAGS= COINJECTURE_CGO_ORIGINAL_OUTPUT=$out "$go" test -count=1 -run '^TestCgoOriginalOutput$' -v ./coinjecture |
    grep -E '^(---|ok|FAIL|PASS)'
}

# README.md, "Using the module from outside this repository", run as written in a temporary directory.
run_outside() {
  local prefix mod build_dir=$dir
  [ -f "$dir/CMakeCache.txt" ] || { echo "outside: DIR must be a CMake build directory" >&2; return 2; }
  prefix=$(mktemp -d) mod=$(mktemp -d)
  trap 'rm -rf "$prefix" "$mod"' RETURN
  cmake --install "$build_dir" --prefix "$prefix" >/dev/null
  local plib
  plib=$(dirname "$(find "$prefix" -name 'libcoinjecture_core.so' | head -n1)")
  echo "== outside: library installed into $prefix; module in $mod"
  cd "$mod"
  "$go" mod init example.com/hello >/dev/null 2>&1
  "$go" mod edit -require=github.com/coinjecture/coinjecture-c/bindings/go@v$(cat "$src/VERSION") \
    -replace=github.com/coinjecture/coinjecture-c/bindings/go="$here"
  cat >main.go <<'GO'
package main

import (
	"encoding/hex"
	"fmt"

	"github.com/coinjecture/coinjecture-c/bindings/go/coinjecture"
)

func main() {
	h, err := coinjecture.SHA256Hash([]byte("hello world"))
	if err != nil {
		panic(err)
	}
	fmt.Println(hex.EncodeToString(h[:]), coinjecture.ProjectVersion(), coinjecture.LibraryVersion())
}
GO
  # Only the installed library: its pkg-config file, no CGO_CFLAGS, an rpath for the run.
  env -u LD_LIBRARY_PATH -u CGO_CFLAGS PKG_CONFIG_PATH="$plib/pkgconfig" CGO_LDFLAGS="-Wl,-rpath,$plib" \
    "$go" build -o hello .
  local got want
  want="b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9 $(cat "$src/VERSION") $(cat "$src/VERSION")"
  got=$(env -u LD_LIBRARY_PATH ./hello)
  [ "$got" = "$want" ] || { echo "outside: got '$got', want '$want'" >&2; return 1; }
  echo "outside: $got"
}

run_bench() {
  cd "$here"
  echo "== benchmarks (COINJECTURE_CRYPTO_BACKEND=accelerated)"
  COINJECTURE_CRYPTO_BACKEND=accelerated "$go" test -count=1 -run '^$' -bench . -benchmem ./coinjecture | tee "$work/bench.txt"
  awk '
    /^Benchmark/ { name=$1; sub(/-[0-9]+$/, "", name); for (i = 2; i < NF; i++) if ($(i+1) == "ns/op") ns[name] = $i }
    END {
      if (ns["BenchmarkSHA256Hash64"] && ns["BenchmarkCryptoSHA256_64"])
        printf "SHA256Hash(64 B): %.1f ns/op, crypto/sha256: %.1f ns/op, speedup %.2fx\n", ns["BenchmarkSHA256Hash64"], ns["BenchmarkCryptoSHA256_64"], ns["BenchmarkCryptoSHA256_64"] / ns["BenchmarkSHA256Hash64"]
      if (ns["BenchmarkSHA256Hash10K"] && ns["BenchmarkCryptoSHA256_10K"])
        printf "SHA256Hash(10 KiB): %.1f ns/op, crypto/sha256: %.1f ns/op, speedup %.2fx\n", ns["BenchmarkSHA256Hash10K"], ns["BenchmarkCryptoSHA256_10K"], ns["BenchmarkCryptoSHA256_10K"] / ns["BenchmarkSHA256Hash10K"]
      if (ns["BenchmarkMerkle1000"] && ns["BenchmarkGoMerkle1000"]) {
        r = ns["BenchmarkGoMerkle1000"] / ns["BenchmarkMerkle1000"]
        printf "ComputeMerkleRoot(1000): %.0f ns/op, pure Go crypto/sha256: %.0f ns/op, speedup %.2fx (goal >= 5x: %s)\n", ns["BenchmarkMerkle1000"], ns["BenchmarkGoMerkle1000"], r, (r >= 5 ? "met" : "NOT met")
      }
    }' "$work/bench.txt"
}

case "$mode" in
  all) run_test; run_cgo_original; run_outside ;;
  test) run_test ;;
  outside) run_outside ;;
  cgo-original) run_cgo_original ;;
  bench) run_bench ;;
  *) echo "unknown mode $mode (all|test|cgo-original|outside|bench)" >&2; exit 2 ;;
esac
echo "OK ($mode)"
