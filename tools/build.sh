#!/usr/bin/env bash
# Installs what is missing (tools/setup.sh), then configures and builds everything into build/.
# Warnings are errors here, as in CI. Incremental: a second run rebuilds only what changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/setup.sh"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/csec-ccache}"
if [ ! -f "$root/build/build.ninja" ]; then
  cmake -S "$root" -B "$root/build" -G Ninja -DCSEC_WERROR=ON >/dev/null
fi
jobs="$(nproc)"
# Generated gRPC code and gtest need ~1 GB per compiler; two at a time fits any machine we use.
cmake --build "$root/build" -j "$jobs"
