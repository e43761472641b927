#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The station's frame rate while it calibrates itself, against the same
# recording with calibration off: solving runs in its own thread, never
# on the streaming thread, so the frames keep their rate (on a machine
# with a core free for the solver). A real RMS block (ff2raw) recorded as
# H.264 four times over (1024 frames, 41 s) is replayed unpaced by
# meteor-station with [calibration] mode=auto (a 4 s stack, solved while
# the replay goes on) and mode=off; each run's frames over the wall time
# from the station's start to the recording's end. One run each, measured,
# not asserted.
#
# usage: sh bench/calibration-rate.sh BUILD_DIR RMS_FF_DIR
set -eu
build=$1
data=$2
block=FF_UK0006_20230423_213749_340_0145408
ff2raw=${METEOR_FF2RAW:-$data/../../tools/ff2raw}
if [ ! -f "$data/$block.fits" ] || ! "$ff2raw" --help >/dev/null 2>&1 ||
  ! command -v solve-field >/dev/null; then
  echo "calibration-rate: SKIP: needs $data/$block.fits, ff2raw and solve-field"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GST_PLUGIN_PATH="$build/plugins"

"$ff2raw" "$data/$block.fits" --noise 1.0 --seed 7 -o "$work/one.gray" \
  >"$work/ff2raw.log" 2>&1 || { cat "$work/ff2raw.log"; exit 1; }
for i in 1 2 3 4; do cat "$work/one.gray"; done >"$work/video.gray"
rm -f "$work/one.gray"
gst-launch-1.0 -q filesrc location="$work/video.gray" \
  ! rawvideoparse format=gray8 width=1280 height=720 framerate=25/1 \
  ! videoconvert ! video/x-raw,format=I420 \
  ! x264enc pass=quant quantizer=12 speed-preset=ultrafast key-int-max=50 \
  ! matroskamux ! filesink location="$work/rec.mkv"
rm -f "$work/video.gray"

# run MODE: "<frames> <seconds> <calibrated during the replay: 0/1>"
run() {
  mkdir -p "$work/$1"
  printf '[station]\nid = UK0006\nlatitude = 51.5\nlongitude = -1.0\n[camera]\nsource = file\npath = %s/rec.mkv\nstart-time = 2023-04-23T21:37:49.340Z\nformat = GRAY8\n[storage]\npath = %s/%s\nhot-seconds = 1\n[schedule]\nmode = always\n[calibration]\nmode = %s\nstack-seconds = 4\nscale-low = 180\nscale-high = 280\n' \
    "$work" "$work" "$1" "$1" >"$work/$1.ini"
  "$build/station/meteor-station" --config "$work/$1.ini" 2>&1 |
    while IFS= read -r line; do
      printf '%s %s\n' "$(date +%s.%N)" "$line"
    done >"$work/$1.log"
  python3 - "$work/$1.log" "$work/$1" <<'PY'
import glob, json, sys
lines = [l.split(" ", 1) for l in open(sys.argv[1])]
t0 = float(lines[0][0])
end = next(float(t) for t, l in lines if "the recording ended" in l)
cal = [float(t) for t, l in lines if "meteor-station: calibrated:" in l]
frames = sum(json.load(open(p))["frames"]
             for p in glob.glob(sys.argv[2] + "/*/night.json"))
print(frames, round(end - t0, 2), int(bool(cal) and cal[0] <= end))
PY
}

set -- $(run off)
off_frames=$1 off_s=$2
set -- $(run auto)
on_frames=$1 on_s=$2 solved=$3
python3 - "$off_frames" "$off_s" "$on_frames" "$on_s" "$solved" <<'PY'
import sys
f0, s0, f1, s1, solved = (float(v) for v in sys.argv[1:])
r0, r1 = f0 / s0, f1 / s1
print(f"calibration-rate: calibration off: {f0:.0f} frames in {s0:.2f} s = "
      f"{r0:.1f} fps")
print(f"calibration-rate: calibration on:  {f1:.0f} frames in {s1:.2f} s = "
      f"{r1:.1f} fps ({'solved during the replay' if solved else 'the solve ended after the replay'})")
print(f"calibration-rate: on/off {r1 / r0:.3f}")
PY
