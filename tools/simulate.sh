#!/usr/bin/env bash
# The protocol end to end: a simulated span (default a year) of synthetic referrals through the
# real stack — a fresh Kafka broker and Redis, the five services — under a scaled clock, with
# faults, then the invariants and the compliance report (text, JSON, SVG) under --out (.sim).
#
#   tools/simulate.sh                                  # a simulated year with every fault (~40 min)
#   tools/simulate.sh --days 7 --scale 3000            # a week in about five minutes
#   tools/simulate.sh --days 28 --roster_sizes 1,2,3   # what-if: the same seed per roster size
#
# Exit 0 when every invariant held, 1 when one failed, 2 when the run could not be done.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/build.sh" >&2
cd "$root"
exec "$root/build/bin/csec-simulate" --source_dir "$root" --bin_dir "$root/build/bin" "$@"
