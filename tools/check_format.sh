#!/usr/bin/env bash
# Fails, naming the files, when any tracked C++ file differs from what clang-format makes of it
# (.clang-format). `tools/check_format.sh --fix` rewrites them instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mapfile -t files < <(git ls-files '*.cc' '*.h')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/csec-format.$$; then
  echo "check_format: these files are not formatted (run tools/check_format.sh --fix):" >&2
  grep -o '^[^:]*\.\(cc\|h\)' /tmp/csec-format.$$ | sort -u | sed 's/^/  /' >&2
  rm -f /tmp/csec-format.$$
  exit 1
fi
rm -f /tmp/csec-format.$$
echo "check_format: ${#files[@]} files formatted"
