#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# What a queue (a thread hand-off) costs per frame: the same chain,
# 1280x720 GRAY8 through meteorpool ! meteordetect, with 0, 1 and 2 queues
# in line and with a 2-branch tee after the detector, unpaced; then the
# shapes with the detector in the capture thread (queues after it only),
# as pipelines/ and meteor-station run it.
# Per frame: CPU time (user + system, the whole gst-launch-1.0 process)
# and context switches (voluntary: a thread waiting for the next buffer),
# the best of 3 runs each, alternated in one run; and what each variant
# adds to the one with no queue. Assumes nothing about speed: prints what
# it measures.
# usage: sh bench/queue-cost.sh BUILD_DIR [FRAMES]
set -eu
build=${1:-build}
frames=${2:-3000}
cd "$(dirname "$0")/.."
. scripts/env.sh "$build"
export GST_PLUGIN_PATH
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GST_REGISTRY="$work/registry.bin"
if [ ! -x /usr/bin/time ]; then
  echo "queue-cost: SKIP: no /usr/bin/time (Debian time)"
  exit 0
fi

src="videotestsrc num-buffers=$frames pattern=black
  ! video/x-raw,format=GRAY8,width=1280,height=720,framerate=30/1 ! meteorpool"
q="queue max-size-buffers=4"
set -- \
  "0 queues (1 thread)|$src ! meteordetect ! fakesink" \
  "1 queue (2 threads)|$src ! $q ! meteordetect ! fakesink" \
  "2 queues (3 threads)|$src ! $q ! meteordetect ! $q ! fakesink" \
  "tee, 3 queues (4 threads)|$src ! $q ! meteordetect ! tee name=t t. ! $q ! fakesink t. ! $q ! fakesink" \
  "1 queue after (2 threads)|$src ! meteordetect ! $q ! fakesink" \
  "tee, 2 queues (3 threads)|$src ! meteordetect ! tee name=t t. ! $q ! fakesink t. ! $q ! fakesink"

# runs pipeline $1; prints "cpu_s voluntary involuntary"
run() {
  # shellcheck disable=SC2086
  /usr/bin/time -f '%U %S %w %c' -o "$work/time" gst-launch-1.0 -q $1 \
    > "$work/log" 2>&1 || { cat "$work/log"; exit 1; }
  awk '{ printf "%.3f %d %d\n", $1 + $2, $3, $4 }' "$work/time"
}

for v in "$@"; do
  run "${v#*|}" > /dev/null # the registry and the caches warm
done
: > "$work/best"
i=0
for v in "$@"; do
  i=$((i + 1))
  echo "$i 1e9 0 0" >> "$work/best"
done
for round in 1 2 3; do
  i=0
  for v in "$@"; do
    i=$((i + 1))
    set -- $(run "${v#*|}") "$@"
    awk -v i="$i" -v cpu="$1" -v vol="$2" -v inv="$3" '
      $1 == i && cpu < $2 { $2 = cpu; $3 = vol; $4 = inv } { print }' \
      "$work/best" > "$work/best.new"
    mv "$work/best.new" "$work/best"
    shift 3
  done
done
echo "queue cost: $frames frames 1280x720 GRAY8, meteorpool ! meteordetect," \
  "unpaced, best of 3 (CPU of the whole process):"
i=0
for v in "$@"; do
  i=$((i + 1))
  awk -v i="$i" -v name="${v%%|*}" -v f="$frames" '
    $1 == 1 { base = $2 / f * 1e6; bsw = ($3 + $4) / f }
    $1 == i { cpu = $2 / f * 1e6; sw = ($3 + $4) / f; vol = $3 / f }
    END { printf "  %-26s %7.1f us CPU a frame (%+6.1f us), %5.2f context switches a frame (%.2f voluntary; %+.2f)\n",
            name, cpu, cpu - base, sw, vol, sw - bsw }' "$work/best"
done
