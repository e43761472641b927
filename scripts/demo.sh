#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make demo: meteor-station, the program a station runs, on a synthetic sky
# (meteorsky: no camera needed) with a demo config. It captures for
# DEMO_SECONDS (default 15), then is stopped as systemd stops it (SIGTERM):
# it finishes its clips and writes the night's summary and picture. Shown:
# the detections (with the clock state), scored against the sky's truth;
# the clips; /metrics while it ran; night.json and night.png. What it
# stored stays in $BUILD/demo-store.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
. scripts/env.sh "$build"

seconds=${DEMO_SECONDS:-15}
port=${METRICS_PORT:-9464}
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
store="$build/demo-store"
rm -rf "$store"
cat >"$work/station.ini" <<INI
[station]
id = DEMO01
latitude = 45.80
longitude = 15.97
elevation = 120
[camera]
source = sky
sky = seed=2026 meteor-rate=600 plane-rate=60 satellite-rate=120 flash-rate=20 schedule=meteor@45,snr=12;meteor@160,snr=6;plane@0 truth-location=$work/truth.jsonl
format = GRAY8
width = 640
height = 480
framerate = 30
no-frame-seconds = 10
[detect]
k1 = 7
[storage]
path = $store
hot-seconds = 2
warm-size = 128M
cold-size = 256M
quota = 1G
[metrics]
port = $port
bind = 127.0.0.1
[schedule]
mode = always
INI
echo "gst-meteor demo: meteor-station --config station.ini, on a synthetic 640x480 sky at 30 fps, for $seconds s"
sed 's/^/  | /' "$work/station.ini"
echo
echo "Metrics while it runs: curl http://127.0.0.1:$port/metrics (a Prometheus scrape target)"
echo

"$build/station/meteor-station" --config "$work/station.ini" >"$work/log" 2>&1 &
pid=$!
sleep "$seconds" # the demo's length, not a wait for something
curl -s "http://127.0.0.1:$port/metrics" >"$work/metrics" || true
kill -TERM "$pid"
wait "$pid" || { cat "$work/log"; echo "demo: meteor-station failed" >&2; exit 1; }
pid=""
echo "What the station said:"
sed 's/^/  /' "$work/log" | cut -c1-200
night=$(ls -d "$store"/*/ | head -n 1)
night=${night%/}
echo
echo "Against the sky's ground truth (tests/quality/meteor-score, $night/detections.jsonl):"
python3 tests/quality/meteor-score "$work/truth.jsonl" "$night/detections.jsonl" |
  grep -E '^(recall|  snr|precision|false positives|missed)' | sed 's/^/  /' || true
echo
echo "/metrics while it ran (some of them):"
grep -E '^meteor_(camera|clock|pool_zero_copy|frame_copies|copied_bytes|detections|tier_bytes_written|element_frames_total\{element="(pool|store)")' \
  "$work/metrics" | sed 's/^/  /' || true
echo
echo "meteor-clip list $night/clips:"
"$build/tools/meteor-clip" list "$night/clips" | sed 's/^/  /'
clip=$(ls -d "$night"/clips/*/ 2>/dev/null | head -n 1)
if [ -n "$clip" ]; then
  clip=${clip%/}
  "$build/tools/meteor-clip" export "$clip" --png "$store/png" >/dev/null
  echo "  the first clip as PNG frames: $store/png/ ($(ls "$store/png" | wc -l) files)"
fi
echo
echo "The night's summary, $night/night.json (its start):"
sed -n '1,/"detections"/p' "$night/night.json" | sed 's/^/  /'
echo "  ... $(grep -c '"number"' "$night/night.json") detections, each with its clip and clock state"
echo
echo "The night's picture, every track drawn and numbered: $night/night.png"
