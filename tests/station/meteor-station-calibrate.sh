#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# meteor-station calibrating itself from its own frames of a real sky: an
# RMS block (UK0006, 2023-04-23 21:37:49, RMS measured its meteor) rebuilt
# into video by the data set's ff2raw and recorded as an IP camera would
# send it (H.264), replayed by the station from its real start time.
# - the first run stacks 4 s of frames, solves them (astrometry.net) and
#   keeps STORE/calibration/camera.wcs and a dated copy, with the sky's
#   time, stars, residual and zero point;
# - the second run (another night) starts with that calibration: its
#   FTPdetectinfo and ECSV carry the meteor's RA/Dec, within 0.1 deg of
#   RMS's for the same frames, and magnitudes within 1 of RMS's.
# SKIP without the data set, ff2raw or solve-field.
#
# usage: meteor-station-calibrate.sh METEOR-STATION RMS_FF_DIR
station=$1
data=${METEOR_RMS_FF:-$2}
. "$(dirname "$0")/lib.sh"
block=FF_UK0006_20230423_213749_340_0145408
if [ ! -f "$data/$block.fits" ]; then
  echo "meteor-station-calibrate: SKIP: no rms-ff data set at '$data'"
  exit 77
fi
ff2raw=${METEOR_FF2RAW:-$data/../../tools/ff2raw}
if [ ! -x "$ff2raw" ] || ! "$ff2raw" --help >/dev/null 2>&1; then
  echo "meteor-station-calibrate: SKIP: no working ff2raw at $ff2raw"
  exit 77
fi
if ! command -v solve-field >/dev/null; then
  echo "meteor-station-calibrate: SKIP: no solve-field (Debian astrometry.net)"
  exit 77
fi

"$ff2raw" "$data/$block.fits" --noise 1.0 --seed 7 -o "$work/video.gray" \
  >"$work/ff2raw.log" 2>&1 || { cat "$work/ff2raw.log"; exit 1; }
gst_tool gst-launch-1.0 -q filesrc location="$work/video.gray" \
  ! rawvideoparse format=gray8 width=1280 height=720 framerate=25/1 \
  ! videoconvert ! video/x-raw,format=I420 \
  ! x264enc pass=quant quantizer=12 speed-preset=ultrafast key-int-max=50 \
  ! matroskamux ! filesink location="$work/rec.mkv" ||
  { echo "FAIL: cannot record the block"; exit 1; }
rm -f "$work/video.gray"

config() { # STORE
  printf '[station]\nid = UK0006\nlatitude = 51.5\nlongitude = -1.0\n[camera]\nsource = file\npath = %s/rec.mkv\nstart-time = 2023-04-23T21:37:49.340Z\nformat = GRAY8\n[storage]\npath = %s\nhot-seconds = 1\n[schedule]\nmode = always\n[calibration]\nstack-seconds = 4\nscale-low = 180\nscale-high = 280\n' "$work" "$1"
}

config "$work/first" >"$work/first.ini"
if run_to_end "$work/first.ini" && grep -q "meteor-station: calibrated: " "$work/log" &&
  [ -f "$work/first/calibration/camera.wcs" ] &&
  ls "$work"/first/calibration/20230423_2137*.wcs >/dev/null 2>&1 &&
  /usr/bin/python3 - "$work/first/calibration/camera.wcs" <<'PY'
import sys
from astropy.io import fits
from astropy.wcs import WCS
h = fits.getheader(sys.argv[1])
# the sky's time: the middle of the 4 s stack from 21:37:49.34
assert "2023-04-23T21:37:51" <= h["DATE-OBS"] < "2023-04-23T21:37:52", h["DATE-OBS"]
assert h["CALSTARS"] >= 20 and h["CALRESPX"] < 5, (h["CALSTARS"], h["CALRESPX"])
assert 9 < h["MAGZP"] < 12 and 4 < h["MAGLIM"] < 7, (h["MAGZP"], h["MAGLIM"])
# where RMS's UK0006 looked (134.1, +18.5 at its centre)
ra, dec = WCS(h).pixel_to_world_values(639.5, 359.5)
assert abs(ra - 134.1) < 1 and abs(dec - 18.5) < 1, (ra, dec)
PY
then
  ok "first night: calibrated from its own frames: $(grep -o 'calibrated: .*' "$work/log" | head -1)"
else
  bad "first night: no calibration: $(tail -20 "$work/log")"
fi
no_leaks "calibrating"

# another night, starting with the last calibration
mkdir -p "$work/second"
cp -r "$work/first/calibration" "$work/second/"
config "$work/second" >"$work/second.ini"
if run_to_end "$work/second.ini" &&
  /usr/bin/python3 - "$data" "$work"/second/[0-9]*/FTPdetectinfo_UK0006_*.txt \
    "$work"/second/[0-9]*/ecsv <<'PY'
import glob, math, os, statistics, sys
data, ours, ecsv = sys.argv[1], sys.argv[2], sys.argv[3]

def rows(path, block_prefix):
    """{frame: (ra, dec, mag)} of the meteor in the block whose name
    starts with block_prefix"""
    out, on = {}, False
    for line in open(path):
        f = line.split()
        if line.startswith("FF_"):
            on = line.startswith(block_prefix)
        elif on and len(f) == 9 and "." in f[0] and f[0][0].isdigit():
            out[math.floor(float(f[0]))] = tuple(float(v) for v in (f[3], f[4], f[8]))
    return out

def sep(a, b):
    r = math.pi / 180
    c = (math.sin(a[1] * r) * math.sin(b[1] * r) +
         math.cos(a[1] * r) * math.cos(b[1] * r) * math.cos((a[0] - b[0]) * r))
    return math.acos(max(-1, min(1, c))) / r

rms = rows(glob.glob(os.path.join(data, "FTPdetectinfo_UK0006_*"))[0],
           "FF_UK0006_20230423_213749")
mine = rows(ours, "FF_UK0006_20230423_213749")
both = sorted(set(rms) & set(mine))
assert len(both) >= 10, (sorted(rms), sorted(mine))
seps = [sep(mine[k], rms[k]) for k in both]
dmag = [mine[k][2] - rms[k][2] for k in both]
print(f"  {len(both)} frames: RA/Dec median {statistics.median(seps):.3f} deg "
      f"from RMS's, magnitude {statistics.median(dmag):+.2f}")
assert statistics.median(seps) < 0.1, seps
assert abs(statistics.median(dmag)) < 1, dmag
assert glob.glob(os.path.join(ecsv, "2023-04-23T21_37_5*_gst-meteor_UK0006*.ecsv")), os.listdir(ecsv)
# the detection says how old its calibration is: the first night's stack
# (21:37:49.3-53.3) before the meteor (21:37:57)
import json
for line in open(os.path.join(os.path.dirname(ours), "detections.jsonl")):
    d = json.loads(line)
    assert d["calibrated"] is True and 3 < d["calibration-age"] < 9, d.get("calibration-age")
PY
then
  ok "second night: started calibrated: FTPdetectinfo and ECSV on the sky, near RMS's"
else
  bad "second night: $(tail -20 "$work/log")"
fi
no_leaks "calibrated"
exit $fail
