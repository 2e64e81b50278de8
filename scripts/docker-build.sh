#!/usr/bin/env bash
# Builds docker/Dockerfile for real, here: no registry and no Docker daemon. podman (Debian) builds it with
# `--isolation chroot --storage-driver vfs` on a Debian 12 base that this script makes with debootstrap from
# Debian's apt mirror (the only source reachable), `--format docker` so the HEALTHCHECK is kept. Then:
#  * reports the image's real size (podman image inspect; must be < 100 MB = 10^8 bytes) and checks that the
#    image runs as 10001:10001, has its HEALTHCHECK, and holds no apt lists or downloaded .debs (the base has
#    no apt clean-up hook, so the Dockerfile's own clean-up is what is measured);
#  * runs the example commands of the Dockerfile's header as written, with `docker` standing for podman
#    (keys and genesis into a named volume, a validator in the background with -p 8081:8081, curl /health,
#    docker stop, docker rm), and between them checks the container's health (podman healthcheck run) and,
#    after the stop, a clean exit (status 0, "stopped at height" in its log);
#  * runs `coinjecture --dev` the same way (detached), checks /health and a clean stop;
#  * with --compose: brings up docker/docker-compose.yml (3 validators) with podman-compose (Debian), waits
#    until all three hold the same block 5 (one network, not three chains), and takes it down.
# Prints the timings of each phase. Needs root (debootstrap; rootful podman).
#
#   scripts/docker-build.sh [--compose] [--fresh-base] [--purge]
#     --fresh-base  make the debootstrap base again even if the storage holds one
#     --purge       delete the podman storage directory at the end (images included)
# Environment: COINJECTURE_PODMAN_DIR (storage, default /var/tmp/coinjecture-podman),
#   COINJECTURE_DEBIAN_MIRROR / COINJECTURE_DEBIAN_SECURITY_MIRROR (default: the host's apt sources, else
#   http://deb.debian.org/debian and http://deb.debian.org/debian-security),
#   COINJECTURE_DOCKER_PORT (host port of the examples' -p 8081:8081 and curl; default 8081, or a free
#   port when 8081 is taken).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
compose=0 fresh=0 purge=0
for a in "$@"; do
  case "$a" in
    --compose) compose=1 ;;
    --fresh-base) fresh=1 ;;
    --purge) purge=1 ;;
    -h | --help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--compose] [--fresh-base] [--purge]" >&2; exit 2 ;;
  esac
done
t0=$(date +%s)
phase_start=$t0
timings=()
phase() { local now; now=$(date +%s); timings+=("$(printf '%-34s %4d s' "$1" $((now - phase_start)))"); phase_start=$now; }
say() { echo "=== docker-build: $*"; }
fail() { echo "docker-build: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap and rootful podman); run it with sudo"

# ---- tools (Debian packages: podman with runc, debootstrap; podman-compose for --compose) ----
scripts/install-deps.sh --docker
[ $compose -eq 0 ] || command -v podman-compose >/dev/null || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman-compose >/dev/null; }
phase "install podman, runc, debootstrap"

# ---- podman configured for this machine: its own storage (vfs) and networks (CNI: its port mapping reaches
# 127.0.0.1, netavark's does not here; the dnsname plugin resolves compose service names), runc (crun
# refuses this kernel's hybrid cgroup layout), cgroupfs, no systemd ----
dir=${COINJECTURE_PODMAN_DIR:-/var/tmp/coinjecture-podman}
mkdir -p "$dir/networks"
# A sandbox may forbid raising resource limits (no CAP_SYS_RESOURCE): stay within the current hard limits.
nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] || [ "$nofile" -gt 65536 ] && nofile=65536
cat >"$dir/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$dir/storage"
runroot = "$dir/run"
EOF
cat >"$dir/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_backend = "cni"
network_config_dir = "$dir/networks"
EOF
export CONTAINERS_STORAGE_CONF=$dir/storage.conf CONTAINERS_CONF=$dir/containers.conf
base=localhost/coinjecture-debian:12-slim
podman() { command podman --storage-driver vfs "$@"; }
# `docker` in the Dockerfile's examples: podman, with this build's options on `build`.
docker() {
  if [ "$1" = build ]; then
    shift
    podman build --isolation chroot --format docker --pull=never --layers=false \
      --ignorefile docker/Dockerfile.dockerignore \
      --build-arg BUILD_IMAGE=$base --build-arg RUNTIME_IMAGE=$base "$@"
  else
    podman "$@"
  fi
}
# healthcheck timers need systemd; without it podman logs an error per container: keep that out of sight.
quiet() { "$@" 2> >(grep -v 'systemd connection\|Removing timer' >&2); }

# ---- the Debian 12 base: debootstrap minbase, slimmed the way debian:12-slim is ----
mirror_of() { # the host's deb822 URI for a suite, if any
  sed -n '/^URIs:/{s/^URIs: *//;h};/^Suites:.*'"$1"'/{x;p;q}' /etc/apt/sources.list.d/debian.sources 2>/dev/null | awk '{print $1}'
}
mirror=${COINJECTURE_DEBIAN_MIRROR:-$(mirror_of 'bookworm\b')}
mirror=${mirror:-http://deb.debian.org/debian}
security=${COINJECTURE_DEBIAN_SECURITY_MIRROR:-$(mirror_of 'bookworm-security')}
security=${security:-http://deb.debian.org/debian-security}
if [ $fresh -eq 1 ] || ! podman image exists "$base"; then
  say "debootstrap bookworm (minbase) from $mirror"
  root=$(mktemp -d /var/tmp/coinjecture-rootfs.XXXXXX)
  chmod 0755 "$root"   # it becomes the image's /
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$dir/debootstrap.log" 2>&1 ||
    { tail -n 20 "$dir/debootstrap.log"; fail "debootstrap"; }
  cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
# As debian:12-slim: no documentation, manual pages or translations.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
  find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$root"/usr/share/{man,groff,info,lintian,linda,locale}/*
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # What debootstrap leaves behind; deliberately no apt clean-up hook (the Dockerfile must clean itself).
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* "$root"/var/log/*
  mkdir -p "$root/var/lib/apt/lists/partial"
  podman rmi -f "$base" >/dev/null 2>&1 || true
  tar --numeric-owner -C "$root" -cf - . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["bash"]' - "$base" >/dev/null
  rm -rf "$root"
  trap - EXIT
  say "base $base: $(podman image inspect --format '{{.Size}}' "$base") bytes"
  phase "debootstrap base image"
else
  say "reusing base $base (--fresh-base to make it again)"
fi

# ---- the Dockerfile's example commands ----
examples=$(sed -n '/^# Example/,/^#$/p' docker/Dockerfile | sed -n 's/^#   //p')
[ -n "$examples" ] || fail "no example commands in docker/Dockerfile"
port=${COINJECTURE_DOCKER_PORT:-8081}
free_port() { python3 -c 'import socket, sys; s = socket.socket(); s.bind(("0.0.0.0", int(sys.argv[1]))); print(s.getsockname()[1])' "$1" 2>/dev/null; }
if [ -z "${COINJECTURE_DOCKER_PORT:-}" ] && ! free_port 8081 >/dev/null; then
  port=$(free_port 0)
  say "port 8081 is taken here: the examples use host port $port instead"
fi
cleanup_run() {
  podman rm -f cj cj-dev >/dev/null 2>&1 || true
  podman volume rm -f cj >/dev/null 2>&1 || true
}
cleanup_run
trap cleanup_run EXIT
build_line=$(grep -m1 '^docker build ' <<<"$examples")
say "$build_line"
eval "$build_line" >"$dir/build.log" 2>&1 || { tail -n 40 "$dir/build.log"; fail "podman build"; }
phase "podman build (docker/Dockerfile)"

# ---- what was built ----
size=$(podman image inspect --format '{{.Size}}' coinjecture)
user=$(podman image inspect --format '{{.User}}' coinjecture)
health=$(podman image inspect --format '{{json .HealthCheck}}' coinjecture)
say "image coinjecture: $size bytes ($(awk -v b="$size" 'BEGIN { printf "%.1f MB", b / 1e6 }')), user $user"
[ "$size" -lt 100000000 ] || fail "the image is $size bytes (limit 100 MB = 10^8 bytes)"
[ "$user" = "10001:10001" ] || fail "the image runs as '$user', not 10001:10001"
case "$health" in *coinjecture-cli*status*) ;; *) fail "no HEALTHCHECK in the image (built without --format docker?): $health" ;; esac
leftovers=$(podman run --rm --no-healthcheck --entrypoint sh coinjecture -c \
  'ls -A /var/lib/apt/lists | grep -v "^partial$\|^lock$"; ls /var/cache/apt/archives | grep "\.deb$"; ls /var/cache/apt | grep "\.bin$"; ls /etc/apt/apt.conf.d | grep -i clean; id -u; id -g' </dev/null 2>/dev/null || true)
[ "$leftovers" = "$(printf '10001\n10001')" ] || fail "apt leftovers or wrong ids in the image: $leftovers"

# ---- the examples, as written ----
say "running the Dockerfile's examples (host port $port)"
while IFS= read -r line; do
  case "$line" in "docker build "*) continue ;; esac
  line=${line//8081:8081/$port:8081}
  line=${line//127.0.0.1:8081/127.0.0.1:$port}
  echo "\$ $line"
  case "$line" in
    curl*)
      # The node needs a moment to start: the example's request, retried for up to 60 s.
      ok=0
      for _ in $(seq 1 120); do
        if out=$(eval "$line" 2>/dev/null); then ok=1; break; fi
        sleep 0.5
      done
      [ $ok -eq 1 ] || { podman logs cj 2>&1 | tail -n 20; fail "$line"; }
      echo "$out"
      case "$out" in *'"status":"ok"'*) ;; *) fail "/health answered $out" ;; esac
      # Its HEALTHCHECK passes too (podman runs it on request: without systemd it has no timer).
      podman healthcheck run cj </dev/null >/dev/null 2>&1 || fail "HEALTHCHECK of the running container"
      echo "(healthcheck: $(podman inspect --format '{{.State.Health.Status}}' cj))"
      ;;
    "docker rm cj")
      state=$(podman inspect --format '{{.State.Status}} {{.State.ExitCode}}' cj)
      [ "$state" = "exited 0" ] || fail "after docker stop the container is '$state', not 'exited 0'"
      podman logs cj 2>&1 | grep -q "stopped at height" || fail "no clean shutdown in the container's log"
      echo "(stopped cleanly: $(podman logs cj 2>&1 | grep -o 'stopped at height [0-9]*'))"
      eval "$line" </dev/null >/dev/null 2>&1
      ;;
    *)
      # Output to a file: a detached container's monitor (conmon) keeps the descriptors it was given.
      eval "$line" </dev/null >"$dir/example.out" 2>&1 || { cat "$dir/example.out"; fail "$line"; }
      grep -v 'systemd connection\|Removing timer' "$dir/example.out" || true
      ;;
  esac
done <<<"$examples"
podman volume rm cj >/dev/null
phase "examples (volume, validator, health, stop)"

say "docker run -d --name cj-dev -p $port:8081 coinjecture --dev"
podman run -d --name cj-dev -p "$port:8081" coinjecture --dev </dev/null >"$dir/example.out" 2>&1 ||
  { cat "$dir/example.out"; fail "run --dev"; }
ok=0
for _ in $(seq 1 120); do
  if h=$(curl -fsS "http://127.0.0.1:$port/health" 2>/dev/null); then ok=1; break; fi
  sleep 0.5
done
[ $ok -eq 1 ] || { podman logs cj-dev 2>&1 | tail -n 20; fail "--dev: no /health"; }
echo "$h"
podman stop cj-dev </dev/null >/dev/null 2>&1
[ "$(podman inspect --format '{{.State.ExitCode}}' cj-dev)" = 0 ] || fail "--dev: exit code after stop"
podman rm cj-dev </dev/null >/dev/null 2>&1
phase "--dev container"

if [ $compose -eq 1 ]; then
  say "podman-compose: docker/docker-compose.yml (3 validators)"
  pc() { podman-compose -f docker/docker-compose.yml -p coinjecture-ci "$@"; }
  pc down -v </dev/null >/dev/null 2>&1 || true
  # The compose file builds the image too; it is the one just built under the name compose expects.
  podman tag coinjecture coinjecture:local
  # podman-compose 1.0.3 ignores depends_on's condition: the genesis service first, to its end.
  pc up -d --no-build genesis </dev/null >"$dir/compose.log" 2>&1 || { tail -n 30 "$dir/compose.log"; fail "podman-compose up genesis"; }
  [ "$(podman wait coinjecture-ci_genesis_1 </dev/null 2>/dev/null)" = 0 ] || fail "compose: the genesis service failed"
  pc up -d --no-build </dev/null >>"$dir/compose.log" 2>&1 || { tail -n 30 "$dir/compose.log"; fail "podman-compose up"; }
  # One network: every validator past height 5, and the same block 5 on all three.
  ok=0
  for _ in $(seq 1 180); do
    hashes=$(for p in 8081 8082 8083; do
      curl -fsS "http://127.0.0.1:$p/v1/blocks/5" 2>/dev/null | grep -o '"block_hash":"[0-9a-f]*"' || echo none; done)
    if ! grep -q none <<<"$hashes" && [ "$(sort -u <<<"$hashes" | wc -l)" = 1 ]; then ok=1; break; fi
    sleep 1
  done
  for p in 8081 8082 8083; do echo "  :$p $(curl -fsS "http://127.0.0.1:$p/health" 2>/dev/null || echo down)"; done
  pc down -v </dev/null >>"$dir/compose.log" 2>&1 || true
  [ $ok -eq 1 ] || fail "compose: the three validators did not all connect and produce blocks"
  phase "compose: 3 validators"
fi

cleanup_run
if [ $purge -eq 1 ]; then
  podman system reset --force >/dev/null 2>&1 || true
  rm -rf "$dir"
fi
echo "--- docker-build timings"
printf '  %s\n' "${timings[@]}"
printf '  %-34s %4d s\n' total $(( $(date +%s) - t0 ))
echo "docker-build: OK: image coinjecture $(awk -v b="$size" 'BEGIN { printf "%.1f MB", b / 1e6 }') (< 100 MB), examples, health, clean stop"
