#!/usr/bin/env bash
# Installs everything csec-dispatch needs on a fresh Debian bookworm machine.
# Idempotent: a second run installs nothing and downloads nothing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev prometheus-cpp-dev
  librdkafka-dev libhiredis-dev libabsl-dev libyaml-cpp-dev libssl-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev googletest
  redis-server kcat
  openjdk-17-jre-headless maven
  curl ca-certificates procps python3
  clang-format
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: Debian packages present"
fi

# Debian's redis-server package starts a system-wide server on 6379; our stack runs its own
# on a loopback port of its choosing, so the system one is left alone.

# Kafka's jars from Maven Central, cached under ~/.m2 and tools/kafka/lib.
"$(dirname "$0")/kafka/fetch.sh"
