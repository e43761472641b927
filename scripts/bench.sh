#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make bench: runs the fan-out benchmark (bench/fanout.c) against the
# uninstalled plugins of BUILD_DIR, then the detector kernels benchmark
# (bench/bench-kernels.c; --frames is the fan-out's only), the station
# benchmark (bench/bench-station.c: the seed's targets, 1/3/8 subscribers,
# hot buffering, RSS soak; STATION_ARGS passes options, e.g.
# STATION_ARGS="--soak-frames 100000") with its plots (bench/plots.sh into
# docs/images), then detection quality.
# Usage: sh scripts/bench.sh BUILD_DIR [--frames N]
set -eu
[ $# -ge 1 ] || set -- build
for b in bench-fanout bench-kernels bench-station; do
  if [ ! -x "$1/bench/$b" ]; then
    echo "bench: $1/bench/$b is not built (ninja -C $1 bench/$b)" >&2
    exit 1
  fi
done
# absolute, so it still holds from the repository root
build_dir=$(cd "$1" && pwd)
shift
set -- "$build_dir" "$@"
cd "$(dirname "$0")/.."
# env.sh reads the build dir from $1 (some shells ignore the argument to .
# and pass ours: the same)
. scripts/env.sh "$1"
shift
"$build_dir/bench/bench-fanout" "$@"
echo
"$build_dir/bench/bench-kernels"
echo
# shellcheck disable=SC2086
"$build_dir/bench/bench-station" -o "$build_dir/bench-results" ${STATION_ARGS:-}
sh bench/plots.sh "$build_dir/bench-results" docs/images
echo
sh bench/tracer-overhead.sh "$build_dir"
echo
sh bench/queue-cost.sh "$build_dir"
echo
# the station's frame rate while it calibrates itself (real RMS data)
sh bench/calibration-rate.sh "$build_dir" "${METEOR_RMS_FF:-../shared/data/rms-ff}"
echo
exec sh bench/quality.sh "$build_dir"
