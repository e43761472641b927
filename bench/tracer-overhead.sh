#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Cost of the meteorstats tracer: the same pipelines with and without
# GST_TRACERS=meteorstats, alternated in one run (best of 3 each), as frames
# per second. "station": the demo's chain on 640x480 GRAY8 (synthetic sky,
# meteorpool, meteordetect, a 2-branch tee); "pushes": cheap frames through
# 8 identity elements, so the per-push hook cost shows.
# usage: sh bench/tracer-overhead.sh BUILD_DIR [FRAMES]
set -eu
build=${1:-build}
frames=${2:-600}
cd "$(dirname "$0")/.."
. scripts/env.sh "$build"
export GST_PLUGIN_PATH
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GST_REGISTRY="$work/registry.bin"

station="meteorsky num-buffers=$frames seed=3 ! video/x-raw,format=GRAY8,width=640,height=480,framerate=30/1
  ! meteorpool ! queue max-size-buffers=4 ! meteordetect ! tee name=t
  t. ! queue max-size-buffers=4 ! fakesink t. ! queue max-size-buffers=4 ! fakesink"
push_frames=$((frames * 20))
pushes="videotestsrc num-buffers=$push_frames pattern=black ! video/x-raw,format=GRAY8,width=64,height=48
  ! meteorpool ! identity ! identity ! identity ! identity ! identity ! identity ! identity ! identity ! fakesink"

now_ns() { date +%s%N; }

# runs "$2" (a pipeline) with GST_TRACERS="$1" (empty: none); prints ns
run() {
  t0=$(now_ns)
  if [ -n "$1" ]; then
    # shellcheck disable=SC2086
    GST_TRACERS="$1" gst-launch-1.0 -q $2 > "$work/log" 2>&1 || { cat "$work/log"; exit 1; }
  else
    # shellcheck disable=SC2086
    gst-launch-1.0 -q $2 > "$work/log" 2>&1 || { cat "$work/log"; exit 1; }
  fi
  t1=$(now_ns)
  echo $((t1 - t0))
}

measure() { # name pipeline frames
  best_off=0
  best_on=0
  run "" "$2" > /dev/null # warm the registry and caches
  for i in 1 2 3; do
    off=$(run "" "$2")
    on=$(run "meteorstats(port=0)" "$2")
    [ "$best_off" -ne 0 ] && [ "$off" -ge "$best_off" ] || best_off=$off
    [ "$best_on" -ne 0 ] && [ "$on" -ge "$best_on" ] || best_on=$on
  done
  awk -v n="$1" -v f="$3" -v off="$best_off" -v on="$best_on" 'BEGIN {
    fo = f / (off / 1e9); fn = f / (on / 1e9)
    printf "  %-8s %7d frames: %9.0f frames/s without, %9.0f with the tracer (%+.1f%%, %+.2f us per frame)\n",
      n, f, fo, fn, (fn / fo - 1) * 100, (on - off) / f / 1000 }'
}

echo "meteorstats tracer overhead (best of 3, same run, whole gst-launch-1.0 process):"
measure station "$station" "$frames"
measure pushes "$pushes" "$push_frames"
