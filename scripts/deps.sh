#!/usr/bin/env bash
# deps.sh: make sure the Debian packages fdlink needs are installed.
# As root, missing packages are installed with apt-get; otherwise the exact
# apt-get command is printed and the script fails.
# Usage: scripts/deps.sh [extra-package ...]
set -euo pipefail

# microsocks, dante-server and iperf3 are the tun2socks tests' real peers;
# Go, gVisor's packaged source and python3 build and summarise the
# benchmarks' peers (bench_smoke_tun2socks runs them).
# The last line holds what the fdlink tool's own hints name: `ip`, `ping`,
# `ethtool -K PEER tx off` (serve --packet-socket on a veth) and
# `modprobe tun`.
packages=(
  cmake ninja-build g++ clang-14 clang libclang-rt-14-dev clang-format
  pkg-config libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
  libmnl-dev liblwip-dev libpcap-dev liburing-dev nlohmann-json3-dev spin
  util-linux tcpdump tshark
  microsocks dante-server iperf3
  golang-go golang-gvisor-gvisor-dev python3
  iproute2 iputils-ping ethtool kmod
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  echo "fdlink: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "fdlink: missing Debian packages. Install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
