#!/usr/bin/env bash
# Estimates, without Docker, the size of the runtime image that docker/Dockerfile builds, and fails if it
# exceeds 100 MB (10^8 bytes, the unit of `docker image inspect --format '{{.Size}}'`). scripts/docker-build.sh
# builds and measures the real image with podman; this check runs anywhere the project builds (ctest docker.size).
#
#   docker/check-image-size.sh [BUILD_DIR]        (default: build)
#
# What goes into the runtime stage, and how each part is counted:
#  1. our files: coinjectured, coinjecture-cli, coinjecture-keygen and libcoinjecture_core.so.1 from BUILD_DIR,
#     stripped here into a temporary directory (the Dockerfile installs them with `cmake --install --strip`);
#  2. the runtime packages the Dockerfile installs (RUNTIME_PKGS below), measured from this machine's
#     installation (`dpkg -L`: regular files, without /usr/share/{doc,man,info,locale,lintian}, which
#     debian:12-slim's dpkg configuration excludes), plus any dependency of theirs that slim lacks;
#  3. debian:12-slim itself. Estimated the same way from its package list (SLIM_PKGS: the bookworm/slim
#     rootfs.manifest published by debuerreotype/docker-debian-artifacts, which builds the official image):
#     their files on this machine minus the excluded paths (about 69.6 MB on amd64 in Nov 2026) plus 5 MB for
#     the dpkg/debconf databases and generated files. The result is never taken below 75 MB, the size
#     `docker image ls` reports for debian:12-slim on amd64 (74.8 MB), which this derivation reproduces
#     within a few percent. If a slim package is missing here, the 75 MB figure is used alone;
#  4. 1 MB for the layer metadata our RUN steps add (dpkg status growth, the user, ld.so.cache).
# It also checks that every shared library our binaries need comes from slim or from RUNTIME_PKGS, so the
# package list in the Dockerfile cannot silently fall behind the link line.
set -euo pipefail

build=${1:-build}
limit=${COINJECTURE_IMAGE_LIMIT:-100000000}
slim_floor=75000000
slim_extra=5000000
layer_extra=1000000
RUNTIME_PKGS="libsodium23 libevent-2.1-7 libsqlite3-0 libyaml-0-2 libjansson4"
SLIM_PKGS="adduser apt base-files base-passwd bash bsdutils coreutils dash debconf debian-archive-keyring
debianutils diffutils dpkg e2fsprogs findutils gcc-12-base gpgv grep gzip hostname init-system-helpers libacl1
libapt-pkg6.0 libattr1 libaudit-common libaudit1 libblkid1 libbz2-1.0 libc-bin libc6 libcap-ng0 libcap2
libcom-err2 libcrypt1 libdb5.3 libdebconfclient0 libext2fs2 libffi8 libgcc-s1 libgcrypt20 libgmp10 libgnutls30
libgpg-error0 libhogweed6 libidn2-0 liblz4-1 liblzma5 libmd0 libmount1 libnettle8 libp11-kit0 libpam-modules
libpam-modules-bin libpam-runtime libpam0g libpcre2-8-0 libseccomp2 libselinux1 libsemanage-common libsemanage2
libsepol2 libsmartcols1 libss2 libstdc++6 libsystemd0 libtasn1-6 libtinfo6 libudev1 libunistring2 libuuid1
libxxhash0 libzstd1 login logsave mawk mount ncurses-base ncurses-bin passwd perl-base sed sysvinit-utils tar
tzdata usr-is-merged util-linux util-linux-extra zlib1g"
excluded='^/usr/share/(doc|man|info|locale|lintian|linda)/'

fail() { echo "check-image-size: $*" >&2; exit 1; }
command -v dpkg-query >/dev/null || fail "needs a Debian system (dpkg-query) to measure the packages"
mb() { awk -v b="$1" 'BEGIN { printf "%8.2f MB", b / 1e6 }'; }
row() { printf '  %-44s %s\n' "$1" "$(mb "$2")"; }

# "device:inode size" of every regular file the packages installed (excluded paths skipped).
pkg_files() {
  dpkg -L "$@" 2>/dev/null | grep -Ev "$excluded" | sort -u |
    { xargs -d '\n' -r stat -c '%d:%i %s %F' 2>/dev/null || true; } | awk '$3 == "regular" { print $1, $2 }'
}
# Sum of sizes, each file once (merged /usr reaches one file by two paths).
sum_unique() { awk '!seen[$1]++ { s += $2 } END { print s + 0 }'; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# Bytes of one package's files; fails if it is not installed.
pkg_bytes() { installed "$1" && pkg_files "$1" | sum_unique; }
in_list() { case " $(echo "$2" | tr '\n' ' ') " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# ---- 1. our files ----
files=("$build/src/node/coinjectured" "$build/src/tools/coinjecture-cli" "$build/src/tools/coinjecture-keygen"
       "$build/src/core/libcoinjecture_core.so.1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "runtime image estimate (docker/Dockerfile, stage runtime), build dir $build"
ours=0
for f in "${files[@]}"; do
  [ -e "$f" ] || fail "$f is missing: build the project first (ninja -C $build)"
  real=$(readlink -f "$f")
  if command -v strip >/dev/null && strip --strip-unneeded -o "$tmp/s" "$real" 2>/dev/null; then
    n=$(stat -c %s "$tmp/s"); how="stripped"
  else
    n=$(stat -c %s "$real"); how="not stripped: strip unavailable"
  fi
  row "$(basename "$f") ($how)" "$n"
  ours=$((ours + n))
done

# ---- 2. runtime packages (and dependencies slim lacks) ----
pkgs=""
for p in $RUNTIME_PKGS; do
  pkgs+=" $p"
  deps=$(dpkg-query -W -f='${Pre-Depends},${Depends}' "$p" 2>/dev/null || true)
  for d in $(echo "$deps" | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//; s/ //g' | grep -v '^$'); do
    in_list "$d" "$SLIM_PKGS" || in_list "$d" "$pkgs $RUNTIME_PKGS" || pkgs+=" $d"
  done
done
runtime=0
for p in $pkgs; do
  if ! n=$(pkg_bytes "$p"); then
    kib=$(apt-cache show --no-all-versions "$p" 2>/dev/null | awk '/^Installed-Size:/ { print $2; exit }')
    [ -n "$kib" ] || fail "package $p is neither installed nor known to apt: cannot size it"
    n=$((kib * 1024)); p="$p (Installed-Size: not installed here)"
  fi
  row "$p" "$n"
  runtime=$((runtime + n))
done

# ---- 3. the base image ----
missing=""
for p in $SLIM_PKGS; do installed "$p" || missing+=" $p"; done
# shellcheck disable=SC2086
base_files=$(pkg_files $SLIM_PKGS | sum_unique)
if [ -z "$missing" ]; then
  derived=$((base_files + slim_extra))
  echo "  debian:12-slim derived here: $(mb "$base_files") of package files + $(mb $slim_extra) databases = $(mb $derived)"
  base=$(( derived > slim_floor ? derived : slim_floor ))
else
  echo "  debian:12-slim: not derivable here (not installed:$missing); using the published figure"
  base=$slim_floor
fi
row "debian:12-slim (base image)" "$base"
row "layer metadata (dpkg status, user, ld.so.cache)" "$layer_extra"

# ---- shared libraries our binaries need must come from slim or the runtime packages ----
for f in "${files[@]:0:3}"; do
  while read -r lib path; do
    [ -n "$path" ] || fail "$(basename "$f") needs $lib, which is not installed here"
    owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n1 | cut -d: -f1) ||
      owner=$(dpkg -S "$path" 2>/dev/null | head -n1 | cut -d: -f1) || true
    [ -n "$owner" ] || continue   # our own library (libcoinjecture_core) is copied, not packaged
    in_list "$owner" "$SLIM_PKGS" || in_list "$owner" "$pkgs" ||
      fail "$(basename "$f") needs $lib from package $owner, which the runtime stage does not install"
  done < <(ldd "$f" | awk '/=>/ { print $1, ($3 ~ /^\//) ? $3 : "" }')
done

total=$((ours + runtime + base + layer_extra))
echo "  ----------------------------------------------------------------------"
row "total" "$total"
row "limit" "$limit"
if [ "$total" -gt "$limit" ]; then
  echo "check-image-size: FAIL: the runtime image would be about $(mb "$total") (> $(mb "$limit"))" >&2
  exit 1
fi
echo "check-image-size: OK ($(mb $((limit - total))) of headroom)"
