#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make demo: a real pipeline on a synthetic sky-camera stream, no camera
# needed. Frames are captured into meteorpool's ring and fanned out to three
# consumers without a copy; meteorpool's counters are printed at the end.
# The storage branch is tieredsink: it keeps the clips of the meteors
# meteordetect finds under $BUILD/demo-store, and one of them is exported to
# PNG frames with meteor-clip.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
. scripts/env.sh "$build"

FRAMES=${FRAMES:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
truth="$work/truth.jsonl"
# kept after the demo, so the clips and PNGs can be looked at
store="$build/demo-store"
rm -rf "$store"
# The encoder and monitor branches are fakesinks, which do not answer the
# allocation query, so the tee cannot pass tieredsink's hot-frames up to
# meteorpool: max-buffers leaves room for them instead.
PIPELINE="meteorsky is-live=true num-buffers=$FRAMES seed=2026
    meteor-rate=600 plane-rate=60 satellite-rate=120 flash-rate=20
    schedule=meteor@45,snr=12;meteor@160,snr=6;plane@0
    truth-location=$truth
  ! video/x-raw,format=RGB,width=640,height=480,framerate=30/1
  ! meteorpool name=pool camera-id=demo0 gain=4 exposure-time=33000 max-buffers=48
  ! queue max-size-buffers=4 ! meteordetect name=detect
  ! tee name=t
  t. ! queue max-size-buffers=4 ! tieredsink name=storage location=$store
        hot-frames=30 warm-max-bytes=134217728
  t. ! queue max-size-buffers=4 ! fakesink name=encoder sync=true
  t. ! queue max-size-buffers=4 ! fakesink name=monitor sync=true"

echo "gst-meteor demo: $FRAMES frames ($((FRAMES / 30)) s) of a synthetic 640x480 sky at 30 fps through"
echo "  $(echo $PIPELINE)"
echo

# The meteorstats tracer serves Prometheus metrics while the demo runs and
# prints its report at EOS (METRICS_PORT=0 picks a free port).
port=${METRICS_PORT:-9464}
echo "Metrics while it runs: curl http://127.0.0.1:$port/metrics (Prometheus scrape target" \
  "127.0.0.1:$port), curl http://127.0.0.1:$port/report"
echo

log="$work/log"
GST_TRACERS="meteorstats(port=$port,report=true)" \
  gst-launch-1.0 -m $PIPELINE > "$log" 2>&1 || { cat "$log"; exit 1; }
grep '^meteorstats: ' "$log" || true

stats=$(grep -o 'meteorpool-stats, .*' "$log" | tail -n 1)
if [ -z "$stats" ]; then
  cat "$log"
  echo "demo: meteorpool posted no stats" >&2
  exit 1
fi
echo "meteorpool stats at EOS (meteordetect and 3 consumers):"
echo "$stats" | sed -e 's/^meteorpool-stats, //' -e 's/, acquire-wait-histogram=.*//' -e 's/;$//' -e 's/([a-z0-9]*)//g' |
  tr ',' '\n' | sed -e 's/^ */  /' -e 's/=/: /'
frame_bytes=$((640 * 480 * 3))
echo
echo "A copying fan-out (the seed's baseline) would have copied" \
  "$((FRAMES * 3 * frame_bytes)) bytes for these frames; meteorpool copied" \
  "$(echo "$stats" | sed -n 's/.*bytes-copied=(guint64)\([0-9]*\).*/\1/p')."
echo
echo "Detections (meteor-detected messages from meteordetect):"
grep -o 'meteor-detected, .*' "$log" | sed -e 's/([a-z0-9]*)//g' -e 's/;$//' |
  awk -F', ' '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "  meteor %s: frames %s-%s, (%.0f,%.0f) -> (%.0f,%.0f), %.0f px/s, snr %.1f\n",
      v["id"], v["first-frame"], v["last-frame"], v["x0"], v["y0"], v["x1"], v["y1"],
      v["speed-px-s"], v["snr"] }'
tests/quality/messages-to-jsonl < "$log" > "$work/detections.jsonl"
stats=$(grep -o 'meteordetect-stats, .*' "$log" | tail -n 1 | sed -e 's/([a-z0-9]*)//g' -e 's/;$//')
echo "meteordetect: $(echo "$stats" | sed -e 's/^meteordetect-stats, //')"
echo
echo "Against the sky's ground truth (tests/quality/meteor-score):"
python3 tests/quality/meteor-score "$truth" "$work/detections.jsonl" |
  grep -E '^(recall|  snr|precision|false positives|fp/hour|missed)' | sed 's/^/  /'
echo
echo "What the sky held (meteorsky truth):"
awk -F'"kind":"' 'NF > 1 { split($2, k, "\""); n[k[1]]++ }
  END { for (kind in n) if (kind != "sky" && kind != "end") printf "  %-10s %d\n", kind, n[kind] }' "$truth" | sort
echo
echo "Clips tieredsink saved (2 s before to 1 s after each meteor; a meteor whose"
echo "window reaches a clip being written extends it; one that reaches a clip"
echo "already saved gets a clip of the frames after it, which continues it):"
grep -o 'tieredsink-clip-saved, .*' "$log" | sed -e 's/([a-z0-9]*)//g' -e 's/;$//' |
  awk -F', ' '{ delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "  %s: frames %s-%s, %s frames, %s bytes on disk (%s raw), %s meteor(s)%s\n",
      v["path"], v["first-frame"], v["last-frame"], v["frames"], v["bytes"], v["raw-bytes"],
      v["detections"], (v["continues"] == "" || v["continues"] == "\"\"") ? "" : ", continues " v["continues"] }'
stats=$(grep -o 'tieredsink-stats, .*' "$log" | tail -n 1 | sed -e 's/([a-z0-9]*)//g' -e 's/;$//')
field() { echo "$stats" | sed -n "s/.*[ ,]$1=\([^,]*\).*/\1/p"; }
echo "tieredsink: hot $(field hot-frames) frames (held buffers, no copy)," \
  "warm $(field warm-frames) frames ($(field warm-copies) copies into the ring)," \
  "cold $(field cold-frames) frames; $(field warm-evictions) frames aged out of the" \
  "warm ring, $(field write-errors) write errors"
echo
echo "meteor-clip list $store/clips:"
"$build/tools/meteor-clip" list "$store/clips" | sed 's/^/  /'
clip=$(ls -d "$store"/clips/*/ 2>/dev/null | head -n 1)
if [ -n "$clip" ]; then
  clip=${clip%/}
  echo "meteor-clip export $clip --png $store/png:"
  "$build/tools/meteor-clip" export "$clip" --png "$store/png" | sed 's/^/  /'
  echo "  the PNG frames are in $store/png/ ($(ls "$store/png" | wc -l) files," \
    "e.g. $(ls "$store/png" | sed -n '1p'))"
else
  echo "  (no clip was saved)"
fi
echo
echo "(a max-pixel picture of any source: build/tools/meteor-stack -o sky.png meteorsky num-buffers=150)"
grep -E '^(Execution ended|WARNING|ERROR)' "$log" || true
echo
echo "The meteorstats report at EOS:"
sed -n '/^gst-meteor report/,/^Got /p' "$log" | grep -v '^Got ' | sed 's/^/  /'
