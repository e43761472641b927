#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# meteor-station as a user runs it: config mistakes stop it naming the
# file, the line and the key; by day it waits for dusk and says when, at
# 65 N in June it says there is no night; with mode=always on the
# synthetic sky it captures into STORE/YYYYMMDD and stores clips; SIGTERM
# stops it with exit status 0, the clips whole.
# SIGHUP applies a new k1 without dropping a frame; the clock state (a
# stand-in adjtimex preloaded) is warned about, exported and recorded
# with every detection; night.json and night.png are written at dawn and
# on stop.
# usage: meteor-station.sh METEOR_STATION FAKE_ADJTIMEX_SO (env from meson)
set -u
station=$1
fake_adjtimex=$2
. "$(dirname "$0")/lib.sh"

printf '[camera]\nsource = sky\nexposure = 3\n[storage]\npath = /x\n' >"$work/bad.ini"
"$station" --config "$work/bad.ini" 2>"$work/err"
st=$?
if [ $st -eq 2 ] && grep -q "bad.ini:3: \[camera\] exposure: unknown key" "$work/err"; then
  ok "an unknown key: exit 2, file, line and key named"
else
  bad "an unknown key: exit $st, $(cat "$work/err")"
fi

"$station" --config "$work/none.ini" 2>"$work/err"
st=$?
if [ $st -eq 2 ] && grep -q "none.ini" "$work/err"; then
  ok "a missing config file"
else
  bad "a missing config file: exit $st, $(cat "$work/err")"
fi

printf '[camera]\nsource = sky\n[detect]\nk2 = 4\n[storage]\npath = %s/p\n[schedule]\nmode = always\n' "$work" >"$work/prop.ini"
"$station" --config "$work/prop.ini" 2>"$work/err" >/dev/null
st=$?
if [ $st -eq 2 ] && grep -q "prop.ini:4: \[detect\] k2: meteordetect has no such property" "$work/err"; then
  ok "an unknown meteordetect property"
else
  bad "an unknown meteordetect property: exit $st, $(cat "$work/err")"
fi

# by day: waits for dusk (Zagreb, 7 December: 15:44 UTC by libnova)
printf '[station]\nlatitude = 45.8\nlongitude = 15.97\n[camera]\nsource = sky\n[storage]\npath = %s/s\n' "$work" >"$work/day.ini"
start "$work/day.ini" --now 2026-12-07T11:00:00Z
if wait_log "waiting for dusk at 2026-12-07T15:4" 30; then
  ok "by day it waits and says when dusk is"
else
  bad "by day: $(cat "$work/log")"
fi
stop && ok "SIGTERM while waiting: exit 0" || bad "SIGTERM while waiting: exit $?"
no_leaks "waiting for dusk"
[ ! -d "$work/s" ] || bad "it captured by day"
dusk=$(sed -n 's/.*waiting for dusk at \([^ ]*\) .*/\1/p' "$work/log" | head -1)

# 3 s before that dusk: it waits, then starts capturing for the night
# of 7 December, until dawn
printf '[station]\nlatitude = 45.8\nlongitude = 15.97\n[camera]\nsource = sky\nformat = GRAY8\nwidth = 320\nheight = 240\nframerate = 10\n[storage]\npath = %s/dusk\n' "$work" >"$work/dusk.ini"
start "$work/dusk.ini" --now "$(date -u -d "$dusk - 3 seconds" +%Y-%m-%dT%H:%M:%SZ)"
if [ -n "$dusk" ] && wait_log "night: capturing until dawn at 2026-12-08T05:4" 60 &&
  [ -d "$work/dusk/20261207" ]; then
  ok "at dusk ($dusk) it starts capturing (night 20261207) until dawn"
else
  bad "at dusk '$dusk': $(cat "$work/log")"
fi
stop || bad "SIGTERM after dusk: exit $?"
no_leaks "dusk"

# 65 N in June: the sun stays above -6 degrees: said, not spun on
printf '[station]\nlatitude = 65\nlongitude = 25\n[camera]\nsource = sky\n[storage]\npath = %s/s\n' "$work" >"$work/white.ini"
start "$work/white.ini" --now 2026-06-21T12:00:00Z
if wait_log "does not get 6.0 degrees below the horizon" 30; then
  ok "a white night is said"
else
  bad "65 N June: $(cat "$work/log")"
fi
stop || bad "SIGTERM at 65 N: exit $?"

# at dawn (Zagreb, 8 December: 05:48:16 UTC by libnova) capture stops
# with an EOS, its clips whole, and it waits for the next dusk
printf '[station]\nlatitude = 45.8\nlongitude = 15.97\n[camera]\nsource = sky\nformat = GRAY8\nwidth = 320\nheight = 240\nframerate = 10\n[storage]\npath = %s/dawn\n' "$work" >"$work/dawn.ini"
start "$work/dawn.ini" --now 2026-12-08T05:48:13Z
if wait_log "waiting for dusk at 2026-12-08T15:4" 60 &&
  grep -q "capturing until dawn at 2026-12-08T05:48:16Z" "$work/log" &&
  grep -q "dawn: stopping capture" "$work/log" && [ -d "$work/dawn/20261207" ]; then
  ok "at dawn it stops capturing (night 20261207) and waits for dusk"
  [ -s "$work/dawn/20261207/night.json" ] && [ -s "$work/dawn/20261207/night.png" ] ||
    bad "at dawn: no night.json and night.png: $(ls "$work/dawn/20261207")"
else
  bad "at dawn: $(cat "$work/log")"
fi
stop || bad "SIGTERM after dawn: exit $?"
no_leaks "dawn"

# always, on the synthetic sky, the clock synchronised: a night
# directory, clips, SIGHUP, a clean stop, the night's summary
mport=$(free_port)
# calibrated by a WCS written by astropy: 0.25 deg a pixel, TAN, with a
# zero point, and the station's place
/usr/bin/python3 - "$work/cam.wcs" <<'PY' || bad "astropy cannot write a WCS"
import sys
from astropy.io import fits
from astropy.wcs import WCS
w = WCS(naxis=2)
w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
w.wcs.crval = [150.0, 20.0]
w.wcs.crpix = [160.5, 120.5]
w.wcs.cdelt = [-0.25, 0.25]
h = w.to_header()
h["IMAGEW"], h["IMAGEH"], h["MAGZP"], h["MAGZPSIG"] = 320, 240, 10.0, 0.2
h["MAGNSTAR"], h["MAGLIM"] = 12, 5.0
fits.PrimaryHDU(header=h).writeto(sys.argv[1])
PY
printf '[station]\nid = T1\nlatitude = 45.8\nlongitude = 15.97\n[camera]\nsource = sky\nsky = seed=2026 meteor-rate=900\nformat = GRAY8\nwidth = 320\nheight = 240\nframerate = 10\n[detect]\nk1 = 7\ncalibration = %s/cam.wcs\n[storage]\npath = %s/store\nhot-seconds = 1\n[metrics]\nport = %s\n[schedule]\nmode = always\n' "$work" "$work" "$mport" >"$work/sky.ini"
LD_PRELOAD=$(preload "$fake_adjtimex") FAKE_ADJTIMEX=synchronized start "$work/sky.ini"
i=0
while [ $i -lt 1200 ] && ! ls "$work"/store/*/clips/*/clip.json >/dev/null 2>&1; do
  sleep 0.1
  i=$((i + 1))
done
if ls "$work"/store/*/clips/*/clip.json >/dev/null 2>&1; then
  ok "always: a clip stored under STORE/$(ls "$work/store")"
else
  bad "always: no clip in 120 s: $(cat "$work/log")"
fi
sed -i 's/^k1 = 7$/k1 = 6/' "$work/sky.ini"
kill -HUP "$pid"
if wait_log "SIGHUP: \[detect\] k1 = 6 applied" 30; then
  ok "SIGHUP applies a new k1"
else
  bad "SIGHUP: $(tail -5 "$work/log")"
fi
sync_metric=$(metric "$mport" meteor_clock_synchronized)
[ "$sync_metric" = 1 ] || bad "meteor_clock_synchronized is '$sync_metric' with a synchronised clock"
# calibrated: the sky's limiting magnitude (zero point 10, meteorsky's
# noise of about 3 DN: about 4.7)
lim=$(metric "$mport" meteor_sky_limiting_magnitude)
if awk -v m="$lim" 'BEGIN { exit !(m > 3.5 && m < 6) }' &&
  [ "$(metric "$mport" meteor_calibrated)" = 1 ]; then
  ok "/metrics: meteor_sky_limiting_magnitude $lim"
else
  bad "/metrics: meteor_sky_limiting_magnitude '$lim'"
fi
grep -q "WARNING: clock" "$work/log" && bad "a synchronised clock warned about"
# the bytes the station wrote itself, on /metrics: each ECSV file once,
# the records (detections.jsonl appended, FTPdetectinfo rewritten whole at
# each meteor) and FF blocks (rewritten when clips share one) at least
# what is on disk; a snapshot taken while no file changed
written() {
  v=$(metric "$mport" "meteor_station_written_bytes_total{element=\"camera\",kind=\"$1\"}")
  echo "${v:--1}"
}
on_disk() { # KIND
  case $1 in
  ecsv) cat "$work"/store/*/ecsv/*.ecsv ;;
  records) cat "$work"/store/*/detections.jsonl "$work"/store/*/FTPdetectinfo_*.txt ;;
  ff) cat "$work"/store/*/ff/*.fits ;;
  esac 2>/dev/null | wc -c
}
i=0
snapshot=
while [ $i -lt 300 ] && [ -z "$snapshot" ]; do
  before="$(on_disk ecsv) $(on_disk records) $(on_disk ff)"
  got="$(written ecsv) $(written records) $(written ff)"
  after="$(on_disk ecsv) $(on_disk records) $(on_disk ff)"
  # shellcheck disable=SC2086
  [ "$before" = "$after" ] && set -- $before $got &&
    [ "$1" -gt 0 ] && [ "$4" = "$1" ] && [ "$5" -ge "$2" ] && [ "$6" -ge "$3" ] &&
    snapshot="ecsv $4 = $1 on disk, records $5 >= $2, ff $6 >= $3"
  [ -n "$snapshot" ] || sleep 0.1
  i=$((i + 1))
done
if [ -n "$snapshot" ]; then
  ok "/metrics: meteor_station_written_bytes_total: $snapshot"
else
  bad "/metrics: the station's bytes written '$got', on disk '$before'"
fi
# a detection after the SIGHUP, then the stop
n=$(grep -c "meteor-station: meteor " "$work/log")
wait_log "meteor-station: meteor " 60 $((n + 1)) || bad "no detection after SIGHUP"
stop && ok "SIGTERM while capturing: exit 0" || bad "SIGTERM while capturing: exit $?"
no_leaks "capturing"
grep -q "stopping: finishing the clips" "$work/log" || bad "no stop said"
clips_whole "$work/store"
if python3 - "$work"/store/*/night.json "$work"/store/*/detections.jsonl "$work"/store/*/night.png <<'PY'
import json, os, sys
n = json.load(open(sys.argv[1]))
assert n["frames"] > 0 and n["frames_dropped"] == 0, (n["frames"], n["frames_dropped"])
assert n["clock"]["start"]["synchronized"] and not n["clock"]["ever_unsynchronized"], n["clock"]
assert n["image"] == "night.png" and os.path.getsize(sys.argv[3]) > 0
lines = [json.loads(l) for l in open(sys.argv[2])]
assert len(lines) == len(n["detections"]) >= 2, (len(lines), len(n["detections"]))
for l in lines:
    c = l["clock"]
    assert c["synchronized"] and abs(c["error_s"] - 0.002) < 1e-9 and abs(c["offset_s"] + 120e-6) < 1e-12, c
assert all(d["clock"]["synchronized"] for d in n["detections"])
PY
then
  ok "night.json: frames, none dropped across SIGHUP, the clock in every detection; night.png"
else
  bad "night.json: $(head -40 "$work"/store/*/night.json)"
fi

# the night's FTPdetectinfo, read by a parser written from RMS's format
# description (11 header lines; per meteor: 55 dashes, FF name,
# calibration, "Cam# Meteor# #Segments fps hnr mle bin Pix/fm Rho Phi",
# rows "Frame# Col Row RA Dec Azim Elev Inten Mag"), field for field
# against detections.jsonl; calibrated: RA/Dec where astropy puts the
# pixel, the magnitude from the zero point
if /usr/bin/python3 - "$work"/store/*/FTPdetectinfo_T1_*.txt "$work"/store/*/detections.jsonl "$work/cam.wcs" <<'PY'
import datetime, json, math, re, sys
from astropy.io import fits
from astropy.wcs import WCS
wcs = WCS(fits.getheader(sys.argv[3]))
lines = open(sys.argv[1]).read().split("\n")
dets = [json.loads(l) for l in open(sys.argv[2])]
assert lines[0] == "Meteor Count = %06d" % len(dets), (lines[0], len(dets))
assert lines[4].startswith("FF  folder = ") and lines[5].startswith("CAL folder = ")
assert lines[9] == "Cam# Meteor# #Segments fps hnr mle bin Pix/fm Rho Phi"
assert lines[10] == "Per segment:  Frame# Col Row RA Dec Azim Elev Inten Mag"
i, seen = 11, 0
for d in dets:
    assert lines[i] == "-" * 55, lines[i]
    m = re.fullmatch(r"FF_T1_(\d{8})_(\d{6})_(\d{3})_(\d{7})\.fits", lines[i + 1])
    assert m, lines[i + 1]
    counter = int(m.group(4))
    assert counter == d["first-frame"] // 256 * 256, (counter, d["first-frame"])
    start = datetime.datetime.strptime(m.group(1) + m.group(2), "%Y%m%d%H%M%S").replace(
        microsecond=int(m.group(3)) * 1000, tzinfo=datetime.timezone.utc)
    first = datetime.datetime.fromisoformat(d["start-utc"].replace("Z", "+00:00"))
    lag = (first - start).total_seconds() - (d["first-frame"] - counter) / 10.0
    assert abs(lag) < 0.002, lag
    assert lines[i + 2] == "Calibrated with gst-meteor (meteor-calibrate)", lines[i + 2]
    assert all(k in d for k in ("begin-ra", "end-dec", "begin-azimuth", "end-elevation")), d
    assert 0 < d["angular-speed"] and d["peak-magnitude"] == min(p[9] for p in d["path"]), d
    f = lines[i + 3].split()
    assert f[0] == "T1" and int(f[1]) == seen + 1 and int(f[2]) == len(d["path"]) and float(f[3]) == 10.0, f
    p0, p1 = d["path"][0], d["path"][-1]
    pix = ((p1[1] - p0[1]) ** 2 + (p1[2] - p0[2]) ** 2) ** 0.5 / (p1[0] - p0[0]) if p1[0] != p0[0] else 0
    assert abs(float(f[7]) - pix) <= 0.051, (f[7], pix)
    for k, p in enumerate(d["path"]):
        r = lines[i + 4 + k].split()
        assert len(r) == 9, r
        assert abs(float(r[0]) - (p[0] - counter)) < 1e-4 and abs(float(r[1]) - p[1]) < 0.006 and abs(float(r[2]) - p[2]) < 0.006, (r, p)
        assert len(p) == 10, p
        ra, dec = wcs.pixel_to_world_values(p[1], p[2])
        dra = (float(r[3]) - ra + 180) % 360 - 180
        assert abs(dra) < 2e-4 and abs(float(r[4]) - dec) < 2e-4, (r, ra, dec)
        assert abs(p[5] - ra) < 1e-6 and abs(p[6] - dec) < 1e-6, (p, ra, dec)
        assert r[5:7] == ["%08.4f" % p[7], "%+08.4f" % p[8]], (r, p)
        assert abs(p[9] - (10.0 - 2.5 * math.log10(p[3]))) < 1e-9, p
        assert r[8] == "%.2f" % p[9], (r, p)
        assert int(r[7]) == max(0, int(p[3])), (r, p)
    i += 4 + len(d["path"])
    seen += 1
assert lines[i:] == [""], lines[i:]
PY
then
  ok "FTPdetectinfo: every detection, field for field, calibrated"
else
  bad "FTPdetectinfo: $(head -30 "$work"/store/*/FTPdetectinfo_T1_*.txt)"
fi

# every calibrated detection as a GDEF ECSV file (ecsv/), read by
# astropy's ECSV reader: its meta and one row a point, as detections.jsonl
if /usr/bin/python3 - "$work"/store/*/detections.jsonl "$work"/store/*/ecsv <<'PY'
import datetime, glob, json, math, os, sys
from astropy.table import Table
dets = [json.loads(l) for l in open(sys.argv[1])]
files = sorted(glob.glob(os.path.join(sys.argv[2], "*.ecsv")))
assert len(files) == len(dets), (len(files), len(dets))
tables = [Table.read(f, format="ascii.ecsv") for f in files]
def utc(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=datetime.timezone.utc).timestamp()
for d in dets:
    t = [t for t in tables if abs(utc(t["datetime"][0]) - d["path"][0][4]) < 2e-6]
    assert len(t) == 1, (d["path"][0][4], [x["datetime"][0] for x in tables])
    t = t[0]
    m = t.meta
    assert m["camera_id"] == "T1" and m["origin"] == "gst-meteor", m
    assert m["obs_latitude"] == 45.8 and m["obs_longitude"] == 15.97, m
    assert m["cx"] == 320 and m["cy"] == 240 and m["photometric_band"] == "Tycho VT", m
    assert m["image_file"].startswith("FF_T1_") and m["mag_label"] == "mag_data", m
    # 320 px of 0.25 deg through the centre of a TAN projection
    fov = 2 * math.degrees(math.atan(math.radians(159.5 * 0.25)))
    assert abs(m["fov_horiz"] - fov) < 0.05 and -90 <= m["obs_ev"] <= 90, (m, fov)
    assert t.colnames == ["datetime", "ra", "dec", "azimuth", "altitude", "x_image",
                          "y_image", "integrated_pixel_value", "mag_data"], t.colnames
    assert len(t) == len(d["path"]), (len(t), len(d["path"]))
    for row, p in zip(t, d["path"]):
        assert abs(utc(row["datetime"]) - p[4]) < 2e-6, (row, p)
        assert abs(row["ra"] - p[5]) < 2e-6 and abs(row["dec"] - p[6]) < 2e-6, (row, p)
        assert abs(row["azimuth"] - p[7]) < 2e-6 and abs(row["altitude"] - p[8]) < 2e-6, (row, p)
        assert abs(row["x_image"] - p[1]) < 0.002 and abs(row["mag_data"] - p[9]) < 0.006, (row, p)
PY
then
  ok "ECSV: every detection a GDEF file astropy reads, row for row"
else
  bad "ECSV: $(ls "$work"/store/*/ecsv 2>&1 | head -5)"
fi

# the saved clips as RMS FF blocks (ff/): the FF files FTPdetectinfo
# names are there, read as RMS's reader reads them (astropy), and each
# meteor's points sit where MAXFRAME has their frame (within a pixel), as
# on RMS's own files
if /usr/bin/python3 - "$work"/store/*/FTPdetectinfo_T1_*.txt "$work"/store/*/ff <<'PY'
import os, sys
from astropy.io import fits
lines = open(sys.argv[1]).read().split("\n")
ffdir = sys.argv[2]
names = [lines[i + 1] for i, l in enumerate(lines) if l == "-" * 55]
present = [n for n in names if os.path.exists(os.path.join(ffdir, n))]
assert names and len(present) >= 0.8 * len(names), (names, os.listdir(ffdir))
hits = total = 0
for i, l in enumerate(lines):
    if l != "-" * 55 or lines[i + 1] not in present:
        continue
    with fits.open(os.path.join(ffdir, lines[i + 1])) as h:
        assert h[0].header["CAMNO"] == "T1" and h[0].header["FPS"] == 10.0
        assert [x.name for x in h[1:]] == ["MAXPIXEL", "MAXFRAME", "AVEPIXEL", "STDPIXEL"]
        maxframe = h[2].data
        n = int(lines[i + 3].split()[2])
        for row in lines[i + 4:i + 4 + n]:
            f, x, y = (float(v) for v in row.split()[:3])
            if f >= 256:
                continue
            xi, yi = int(round(x)), int(round(y))
            box = maxframe[max(0, yi - 1):yi + 2, max(0, xi - 1):xi + 2]
            total += 1
            hits += int(f) in box
assert total > 0 and hits >= 0.8 * total, (hits, total)
print("FF: %d of %d blocks; %d of %d points on their MAXFRAME" % (len(present), len(names), hits, total))
PY
then
  ok "FF blocks of the clips: read as RMS reads them, the meteors on their MAXFRAME"
else
  bad "FF blocks: $(ls "$work"/store/*/ff 2>&1 | head)"
fi

# the clock not synchronised: warned about, and exported
printf '[camera]\nsource = sky\nformat = GRAY8\nwidth = 320\nheight = 240\nframerate = 10\n[storage]\npath = %s/unsync\n[metrics]\nport = %s\n[schedule]\nmode = always\n' "$work" "$mport" >"$work/unsync.ini"
LD_PRELOAD=$(preload "$fake_adjtimex") FAKE_ADJTIMEX=unsynchronized start "$work/unsync.ini"
if wait_log "WARNING: clock: NOT synchronised" 30 && wait_log "capturing into" 30; then
  ok "an unsynchronised clock is warned about"
else
  bad "an unsynchronised clock: $(cat "$work/log")"
fi
i=0
while [ $i -lt 300 ] && [ "$(metric "$mport" meteor_clock_synchronized)" != 0 ]; do
  sleep 0.1
  i=$((i + 1))
done
[ "$(metric "$mport" meteor_clock_synchronized)" = 0 ] || bad "meteor_clock_synchronized is not 0"
stop || bad "SIGTERM, clock unsynchronised: exit $?"
no_leaks "clock unsynchronised"
# a recording replayed: stamped from its configured start, and the end
# of the recording is the end of the run
gst_tool gst-launch-1.0 -q meteorsky num-buffers=100 seed=9 meteor-rate=3600 \
  ! video/x-raw,format=I420,width=320,height=240,framerate=10/1 \
  ! x264enc speed-preset=ultrafast ! matroskamux ! filesink location="$work/rec.mkv" ||
  bad "cannot record a replay"
printf '[camera]\nsource = file\npath = %s/rec.mkv\nstart-time = 2026-12-07T20:00:00Z\nformat = GRAY8\n[storage]\npath = %s/replay\nhot-seconds = 1\n[schedule]\nmode = always\n[calibration]\nmode = off\n' "$work" "$work" >"$work/replay.ini"
if run_to_end "$work/replay.ini" 60 && grep -q "the recording ended" "$work/log" &&
  python3 - "$work"/replay/*/detections.jsonl "$work"/replay/*/night.json <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines, "no detection"
for l in lines:
    # never calibrated: said, and nothing on the sky made up
    assert l["calibrated"] is False and "begin-ra" not in l, l
    assert all(len(p) == 4 for p in l["path"]), l["path"]
    # frame 0 is 20:00:00; 100 frames at 10 fps end at 20:00:10
    assert "2026-12-07T20:00:00" <= l["start-utc"] < "2026-12-07T20:00:10", l["start-utc"]
n = json.load(open(sys.argv[2]))
assert n["frames"] == 100, n["frames"]
PY
then
  ok "a replay: frames stamped from its start time, the run ends with it"
else
  bad "a replay: $(cat "$work/log")"
fi
no_leaks "a replay"

# a full disk: a 16 MB tmpfs, a quota of 10 MB, and a night before
# tonight with 5 MB of cold frames and a clip. The old night's cold
# frames go first, its clip last and said; capture never stops.
disk="$work/disk"
mkdir -p "$disk"
if mount -t tmpfs -o size=16m tmpfs "$disk" 2>/dev/null; then
  cleanup_extra='umount "$disk" 2>/dev/null'
  old="$disk/store/20261130"
  mkdir -p "$old/cold" "$old/clips/meteor-20261130T200000Z-000001-000010"
  head -c 5000000 /dev/urandom >"$old/cold/seg-000000.mtrc"
  head -c 1000000 /dev/urandom >"$old/clips/meteor-20261130T200000Z-000001-000010/frames.mtrs"
  printf '[camera]\nsource = sky\nsky = seed=5 meteor-rate=1800\nformat = GRAY8\nwidth = 320\nheight = 240\nframerate = 10\n[storage]\npath = %s/store\nhot-seconds = 1\nquota = 10M\nmin-free = 1M\n[metrics]\nport = %s\n[schedule]\nmode = always\n' "$disk" "$mport" >"$work/full.ini"
  start "$work/full.ini"
  if wait_log "deleted the cold frames of night 20261130" 90 &&
    wait_log "WARNING: storage: over the quota: deleted the clip .*20261130" 90; then
    ok "full disk: the old night's cold frames went first, its clip last, said"
    # and counted: at least the files' sizes (their blocks on disk)
    cold=$(metric "$mport" 'meteor_station_deleted_bytes_total{element="camera",kind="cold"}')
    clip=$(metric "$mport" 'meteor_station_deleted_bytes_total{element="camera",kind="clip"}')
    if [ "${cold:-0}" -ge 5000000 ] && [ "${clip:-0}" -ge 1000000 ]; then
      ok "full disk: /metrics: meteor_station_deleted_bytes_total cold $cold, clip $clip"
    else
      bad "full disk: /metrics: deleted cold '$cold', clip '$clip'"
    fi
  else
    bad "full disk: $(grep -v 'meteor [0-9]*:' "$work/log")"
  fi
  f1=$(metric "$mport" 'meteor_element_frames_total{element="pool"}')
  i=0
  while [ $i -lt 300 ] && [ "$(metric "$mport" 'meteor_element_frames_total{element="pool"}')" -lt $((${f1:-0} + 50)) ]; do
    sleep 0.1
    i=$((i + 1))
  done
  f2=$(metric "$mport" 'meteor_element_frames_total{element="pool"}')
  if [ "${f2:-0}" -ge $((${f1:-0} + 50)) ]; then
    ok "full disk: capture goes on ($f1 -> $f2 frames)"
  else
    bad "full disk: capture stopped at ${f2:-?} frames"
  fi
  used=$(du -sk "$disk/store" | cut -f1)
  [ "$used" -le $((12 * 1024)) ] || bad "full disk: the store uses $used KB over a 10 MB quota"
  stop && ok "full disk: SIGTERM, exit 0" || bad "full disk: SIGTERM: exit $?"
  no_leaks "full disk"
  clips_whole "$disk/store"
  ls "$disk"/store/20*/night.json >/dev/null 2>&1 || bad "full disk: no night.json"
  umount "$disk"
  cleanup_extra=""
else
  echo "skipped: a full disk (cannot mount a tmpfs here)"
fi
[ $fail -eq 0 ] && echo "meteor-station: all ok"
exit $fail
