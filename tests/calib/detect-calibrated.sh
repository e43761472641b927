#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Calibrated detections on real data, against RMS's own: each RMS block
# that RMS measured a meteor in (its FTPdetectinfo excerpts) is calibrated
# by meteor-calibrate (solve-field and the Tycho-2 photometry), rebuilt
# into video by the data set's ff2raw and run through
# meteorpool ! meteordetect calibration=... latitude=... longitude=...
# Every point of the meteor found must carry its time, RA/Dec, azimuth,
# elevation and magnitude (and an hour later with that calibration, the
# same azimuth and elevation, the RA turned by the sidereal time). Against RMS's row of the same frame: its pixel
# within 1 px (median, along and across the path), its RA/Dec within 0.1
# degrees (median: the solver's WCS refitted to the field's stars,
# docs/calibration.md) and so its azimuth and elevation, its magnitude within 0.75 of RMS's (median; Tycho
# VT against RMS's catalogue band) and following RMS's light curve (the
# offsets' median deviation under 0.3 mag). The sky's limiting magnitude
# meteordetect measures live (its stats) must be within 0.75 of the
# calibration's.
#
# usage: detect-calibrated.sh RMS_FF_DIR BUILD_DIR
set -eu
data=${METEOR_RMS_FF:-$1}
build=$2
if [ ! -f "$data/truth.jsonl" ]; then
  echo "detect-calibrated: SKIP: no rms-ff data set at '$data' (set" \
    "METEOR_RMS_FF)"
  exit 77
fi
ff2raw=${METEOR_FF2RAW:-$data/../../tools/ff2raw}
if [ ! -x "$ff2raw" ] || ! "$ff2raw" --help > /dev/null 2>&1; then
  echo "detect-calibrated: SKIP: no working ff2raw at $ff2raw"
  exit 77
fi
if ! command -v solve-field > /dev/null; then
  echo "detect-calibrated: SKIP: no solve-field (Debian astrometry.net)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# detect NAME START-UTC [PROPERTY=VALUE...]: the video through
# meteordetect with NAME's calibration, into NAME.detections.jsonl and
# tieredsink's clips in NAME.store; its speed limits on the sky those
# meteors span (3-70 deg/s), unless given
detect () {
  name=$1 start=$2
  shift 2
  # shellcheck disable=SC2086
  # the cameras' place, as RMS's azimuths and elevations put it
  # (test-calibrate: both fit it within 0.002 deg)
  gst-launch-1.0 -m filesrc location="$work/video.gray" \
    ! rawvideoparse format=gray8 width=1280 height=720 framerate=25/1 \
    ! meteorpool start-utc="$start" \
    ! meteordetect calibration="$work/${name%+*}.wcs" latitude=51.882 \
      longitude=-1.305 elevation=100 ${*:-min-speed-deg=2 max-speed-deg=80} \
    ! tieredsink location="$work/$name.store" hot-frames=60 sync=false \
    > "$work/$name.log" 2>&1 ||
    { tail -20 "$work/$name.log"; exit 1; }
  "$(dirname "$0")/../quality/messages-to-jsonl" < "$work/$name.log" \
    > "$work/$name.detections.jsonl"
}

for block in FF_UK0006_20230423_213749_340_0145408 \
    FF_UK000F_20230423_212112_966_0116480; do
  ff="$data/$block.fits"
  "$build/tools/meteor-calibrate" "$ff" -o "$work/$block.wcs" \
    --scale-low 180 --scale-high 280 > "$work/$block.json"
  # the block's start, from its name: 2023-04-23T21:37:49.340Z
  start=$(echo "$block" | sed -E \
    's/^FF_[^_]+_(....)(..)(..)_(..)(..)(..)_(...)_.*/\1-\2-\3T\4:\5:\6.\7Z/')
  "$ff2raw" "$ff" --noise 1.0 --seed 12345 -o "$work/video.gray" \
    > "$work/$block.ff2raw" 2>&1 || { cat "$work/$block.ff2raw"; exit 1; }
  detect "$block" "$start"
  # the clips' meteors as FTPdetectinfo, as a network gets them
  i=0
  for clip in "$work/$block.store/clips/"meteor-*; do
    i=$((i + 1))
    "$build/tools/meteor-clip" export --ftpdetectinfo "$work/$block.ftp$i" \
      --ecsv "$work/$block.ecsv" --calibration "$work/$block.wcs" \
      --latitude 51.882 --longitude -1.305 --elevation 100 \
      --station "$(echo "$block" | cut -d_ -f2)" "$clip" \
      > "$work/$block.export" 2>&1 || { cat "$work/$block.export"; exit 1; }
  done
  # the same night an hour later, with that calibration: the camera
  # looks at the same azimuth and elevation, the sky turned 15 degrees
  if [ "$block" = FF_UK0006_20230423_213749_340_0145408 ]; then
    cp "$work/$block.json" "$work/$block+1h.json"
    detect "$block+1h" "$(date -u -d "$(echo "$start" | tr TZ '  ') UTC + 1 hour" \
      +%Y-%m-%dT%H:%M:%S.%3NZ)"
    # the speed limits hold on the sky: under 1.5 deg/s (satellites'
    # speeds) the meteor is too fast
    detect "$block+slow" "$start" min-speed-deg=0.5 max-speed-deg=1.5
    n=$(wc -l < "$work/$block+slow.detections.jsonl")
    fast=$(sed -n 's/.*rejected-fast=(guint64)\([0-9]*\).*/\1/p' \
      "$work/$block+slow.log" | tail -1)
    echo "$block: with max-speed-deg=1.5: $n detections, ${fast:-no} rejected fast"
    if [ "$n" != 0 ] || [ "${fast:-0}" -lt 1 ]; then
      echo "$block: FAIL: the limits on the sky did not hold"
      exit 1
    fi
    rm "$work/$block+slow.detections.jsonl"
  fi
  rm -f "$work/video.gray"
done

# not exec: the trap above removes the work directory
python3 - "$data" "$work" << 'EOF'
import glob, json, math, os, re, statistics, sys

data, work = sys.argv[1], sys.argv[2]

def rms_points():
    """RMS's per-frame rows: {block: [(frame, x, y, ra, dec, mag, az, el)]}"""
    out, block = {}, None
    for path in glob.glob(os.path.join(data, "FTPdetectinfo_*.txt")):
        for line in open(path):
            f = line.split()
            if line.startswith("FF_"):
                block = line.strip()[:-5]
            elif len(f) == 9 and block and f[0][0].isdigit() and "." in f[0]:
                out.setdefault(block, []).append(
                    tuple(float(v) for v in (f[0], f[1], f[2], f[3], f[4], f[8], f[5], f[6])))
    return out

def sep(ra1, dec1, ra2, dec2):
    r = math.pi / 180
    c = (math.sin(dec1 * r) * math.sin(dec2 * r) +
         math.cos(dec1 * r) * math.cos(dec2 * r) * math.cos((ra1 - ra2) * r))
    return math.acos(max(-1, min(1, c))) / r

rms, failed = rms_points(), False
for path in sorted(glob.glob(os.path.join(work, "*.detections.jsonl"))):
    block = os.path.basename(path)[:-len(".detections.jsonl")]
    report = json.load(open(os.path.join(work, block + ".json")))
    # an hour later the sidereal clock turned RMS's RA by 15.041 degrees
    turn = 15.0411 if block.endswith("+1h") else 0
    truth = rms[block.removesuffix("+1h")]
    best = None
    for line in open(path):
        d = json.loads(line)
        # the detection on RMS's meteor: the one with most frames in it
        hits = [p for p in d["path"]
                if any(p[0] == math.floor(t[0]) for t in truth)]
        if best is None or len(hits) > len(best[1]):
            best = (d, hits)
    if best is None or not best[1]:
        print(f"{block}: FAIL: RMS's meteor not detected")
        failed = True
        continue
    d, hits = best
    seps, dmag, pix, along, hor = [], [], [], [], []
    for p in d["path"]:
        if len(p) != 10 or any(v is None or not math.isfinite(v) for v in p):
            print(f"{block}: FAIL: a point without its sky values: {p}")
            failed = True
            break
    for p in hits:
        # RMS's row of the same frame: its fractional frame number's whole
        # part is the frame whose pixels it measured (the fraction is its
        # time correction)
        t = min(truth, key=lambda t: abs(p[0] - math.floor(t[0])))
        seps.append(sep(p[5] - turn, p[6], t[3], t[4]))
        hor.append(sep(p[7], p[8], t[6], t[7]))
        # along and across RMS's path, px
        dx, dy = truth[-1][1] - truth[0][1], truth[-1][2] - truth[0][2]
        n = math.hypot(dx, dy) or 1
        ex, ey = p[1] - t[1], p[2] - t[2]
        along.append((ex * dx + ey * dy) / n)
        pix.append(abs(ex * dy - ey * dx) / n)
        dmag.append(p[9] - t[5])
    med, off = statistics.median(seps), statistics.median(dmag)
    spread = statistics.median(abs(m - off) for m in dmag)
    fields = ("begin-ra", "begin-dec", "end-ra", "end-dec", "begin-azimuth",
              "begin-elevation", "end-azimuth", "end-elevation",
              "angular-speed", "peak-magnitude")
    missing = [f for f in fields if f not in d]
    # the sky's limiting magnitude live (the detector's noise now) against
    # the calibration's (the block's STDPIXEL): the same sky
    live = re.findall(r"limiting-magnitude=\(double\)([-0-9.e+]+)",
                      open(os.path.join(work, block + ".log")).read())
    if not live or abs(float(live[-1]) - report["limiting_magnitude"]) >= 0.75:
        print(f"{block}: FAIL: live limiting magnitude {live[-1:]} against "
              f"{report['limiting_magnitude']:.2f}")
        failed = True
    else:
        print(f"{block}: limiting magnitude live {float(live[-1]):.2f}")
    print(f"{block}: zero point {report['zero_point']:.2f} "
          f"({report['photometry_stars']} stars, sigma "
          f"{report['zero_point_sigma']:.2f}), limiting mag "
          f"{report['limiting_magnitude']:.2f}; {len(hits)} points on RMS's "
          f"frames: {statistics.median(along):+.1f} px along and "
          f"{statistics.median(pix):.1f} px across its path, RA/Dec median "
          f"{med:.3f} deg and azimuth/elevation {statistics.median(hor):.3f} "
          f"deg from RMS's, magnitude "
          f"{off:+.2f} from RMS's (spread {spread:.2f}); "
          f"{d.get('angular-speed', 0):.1f} deg/s, peak mag "
          f"{d.get('peak-magnitude', 0):.2f}")
    if missing:
        print(f"{block}: FAIL: no {missing}")
        failed = True
    elif not (0 <= d["begin-elevation"] <= 90 and 0 <= d["end-elevation"] <= 90
              and 0 <= d["begin-azimuth"] < 360):
        print(f"{block}: FAIL: the meteor below the horizon")
        failed = True
    # meteors cross the sky at 3-70 deg/s
    if not 2 <= d.get("angular-speed", 0) <= 80:
        print(f"{block}: FAIL: angular speed {d.get('angular-speed')}")
        failed = True
    # the clip's FTPdetectinfo export (meteor-clip) against RMS's rows
    ftps = glob.glob(os.path.join(work, block + ".ftp*"))
    if not block.endswith("+1h"):
        rows = [[float(v) for v in line.split()] for ftp in ftps
                for line in open(ftp)
                if re.match(r"^\d+\.\d+ ", line) and len(line.split()) == 9]
        fs = [sep(r[3], r[4], t[3], t[4]) for r in rows for t in truth
              if math.floor(r[0]) == math.floor(t[0])]
        print(f"{block}: meteor-clip's FTPdetectinfo: {len(rows)} rows, "
              f"{len(fs)} on RMS's frames, RA/Dec median "
              f"{statistics.median(fs) if fs else float('nan'):.3f} deg "
              f"from RMS's")
        if len(fs) < 10 or statistics.median(fs) >= 0.1:
            print(f"{block}: FAIL: the exported FTPdetectinfo is off RMS's")
            failed = True
        # and its GDEF ECSV files: their rows' RA/Dec and pixels, against
        # RMS's rows of the same pixels (the ECSV has times, not frames)
        es = []
        for ecsv in glob.glob(os.path.join(work, block + ".ecsv", "*.ecsv")):
            lines = [l for l in open(ecsv) if not l.startswith("#")]
            cols = lines[0].strip().split(",")
            for l in lines[1:]:
                r = dict(zip(cols, l.strip().split(",")))
                x, y = float(r["x_image"]), float(r["y_image"])
                t = min(truth, key=lambda t: math.hypot(t[1] - x, t[2] - y))
                if math.hypot(t[1] - x, t[2] - y) < 2:
                    es.append(sep(float(r["ra"]), float(r["dec"]), t[3], t[4]))
        print(f"{block}: meteor-clip's ECSV: {len(es)} rows on RMS's pixels, "
              f"RA/Dec median "
              f"{statistics.median(es) if es else float('nan'):.3f} deg")
        if len(es) < 10 or statistics.median(es) >= 0.1:
            print(f"{block}: FAIL: the exported ECSV is off RMS's")
            failed = True
    if (abs(statistics.median(along)) >= 1 or statistics.median(pix) >= 1
            or med >= 0.1 or statistics.median(hor) >= 0.1
            or abs(off) >= 0.75 or spread >= 0.3):
        print(f"{block}: FAIL: off RMS's positions or light curve")
        failed = True
sys.exit(1 if failed else 0)
EOF
