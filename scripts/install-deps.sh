#!/usr/bin/env bash
# Installs every Debian package mote needs beyond a minimal Debian 12 with git and make.
# Idempotent: does nothing when all packages are already present. Run as root.
set -euo pipefail
PKGS=(
  build-essential cmake g++ clang libclang-rt-14-dev pkg-config
  libonnx-dev libprotobuf-dev protobuf-compiler
  libflatbuffers-dev flatbuffers-compiler
  libcli11-dev nlohmann-json3-dev libfmt-dev zlib1g-dev libzip-dev
  libgtest-dev libgmock-dev libbenchmark-dev valgrind libpng-dev
  libtorch-dev libyaml-cpp-dev libsndfile1-dev
  python3 python3-numpy python3-torch python3-onnx
  dataset-fashion-mnist espeak-ng chromium
  python3-pyarmnn libarmnntfliteparser22 libarmnn-cpuref-backend22
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}) and not root; run: sudo $0" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
