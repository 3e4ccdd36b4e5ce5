#!/usr/bin/env bash
# Every test: installs what is missing, builds, checks the C++ formatting (.clang-format), then
# runs unit, integration and end-to-end tests with CTest. Integration tests start a real Kafka broker and Redis on loopback (CTest fixture
# `stack`) and run the services as real processes.
#
#   tools/test.sh                 # everything
#   tools/test.sh -L unit         # extra arguments go to ctest
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/build.sh"
"$root/tools/check_format.sh"
cd "$root/build"
ctest --output-on-failure "$@"
