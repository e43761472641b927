#!/bin/sh
# make demo: a real pipeline on a synthetic sky-camera stream, no camera
# needed. Frames are captured into meteorpool's ring and fanned out to three
# consumers without a copy; meteorpool's counters are printed at the end.
set -eu
cd "$(dirname "$0")/.."
. scripts/env.sh "${1:-build}"

FRAMES=${FRAMES:-300}
PIPELINE="videotestsrc num-buffers=$FRAMES pattern=ball is-live=true
  ! video/x-raw,format=RGB,width=640,height=480,framerate=30/1
  ! meteorpool name=pool camera-id=demo0 gain=4 exposure-time=33000
  ! tee name=t
  t. ! queue max-size-buffers=4 ! fakesink name=detector sync=true
  t. ! queue max-size-buffers=4 ! fakesink name=storage sync=true
  t. ! queue max-size-buffers=4 ! fakesink name=monitor sync=true"

echo "gst-meteor demo: $FRAMES frames of 640x480 RGB at 30 fps through"
echo "  $(echo $PIPELINE)"
echo

log=$(mktemp)
trap 'rm -f "$log"' EXIT
gst-launch-1.0 -m $PIPELINE > "$log" 2>&1 || { cat "$log"; exit 1; }

stats=$(grep -o 'meteorpool-stats, .*' "$log" | tail -n 1)
if [ -z "$stats" ]; then
  cat "$log"
  echo "demo: meteorpool posted no stats" >&2
  exit 1
fi
echo "meteorpool stats at EOS (3 consumers):"
echo "$stats" | sed -e 's/^meteorpool-stats, //' -e 's/;$//' -e 's/([a-z0-9]*)//g' |
  tr ',' '\n' | sed -e 's/^ */  /' -e 's/=/: /'
frame_bytes=$((640 * 480 * 3))
echo
echo "A copying fan-out (the seed's baseline) would have copied" \
  "$((FRAMES * 3 * frame_bytes)) bytes for these frames; meteorpool copied" \
  "$(echo "$stats" | sed -n 's/.*bytes-copied=(guint64)\([0-9]*\).*/\1/p')."
grep -E '^(Execution ended|WARNING|ERROR)' "$log" || true
