#!/bin/sh
# make bench: runs the fan-out benchmark (bench/fanout.c) against the
# uninstalled plugins of BUILD_DIR.
# Usage: sh scripts/bench.sh BUILD_DIR [--frames N]
set -eu
[ $# -ge 1 ] || set -- build
if [ ! -x "$1/bench/bench-fanout" ]; then
  echo "bench: $1/bench/bench-fanout is not built" \
    "(ninja -C $1 bench/bench-fanout)" >&2
  exit 1
fi
# absolute, so it still holds from the repository root
build_dir=$(cd "$1" && pwd)
shift
set -- "$build_dir" "$@"
cd "$(dirname "$0")/.."
# env.sh reads the build dir from $1 (some shells ignore the argument to .
# and pass ours: the same)
. scripts/env.sh "$1"
bench="$1/bench/bench-fanout"
shift
exec "$bench" "$@"
