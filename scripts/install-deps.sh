#!/usr/bin/env bash
# Installs the Debian packages the project needs (DESIGN.md §2). Idempotent; safe to re-run.
# Usage: scripts/install-deps.sh [--minimal | --run | --docker]
#   --minimal  only what the core library and its tests need
#   --run      only what building and running the node and tools needs (the README main command)
#   --docker   only what scripts/docker-build.sh needs (podman with runc and CNI, debootstrap, curl)
set -euo pipefail
core_pkgs=(build-essential cmake ninja-build pkg-config libsodium-dev libcmocka-dev libjansson-dev python3)
full_pkgs=(libevent-dev libsqlite3-dev libyaml-dev libjansson-dev python3-dev python3-pytest
           python3-setuptools python3-pip python3-venv python3-cryptography python3-yaml golang-go clang
           libclang-rt-14-dev libssl-dev valgrind curl chromium faketime)
# (python3-cryptography and python3-yaml: the devnet's Python validator, validator/python)
run_pkgs=(build-essential cmake ninja-build pkg-config libsodium-dev libjansson-dev libevent-dev libsqlite3-dev
          libyaml-dev python3 python3-cryptography python3-yaml)
docker_pkgs=(podman runc containernetworking-plugins golang-github-containernetworking-plugin-dnsname debootstrap curl)
pkgs=("${core_pkgs[@]}")
case "${1:-}" in
  --minimal) ;;
  --run) pkgs=("${run_pkgs[@]}") ;;
  --docker) pkgs=("${docker_pkgs[@]}") ;;
  *) pkgs+=("${full_pkgs[@]}") ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
