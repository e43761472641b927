#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# meteor-station as a user runs it: config mistakes stop it naming the
# file, the line and the key; by day it waits for dusk and says when, at
# 65 N in June it says there is no night; with mode=always on the
# synthetic sky it captures into STORE/YYYYMMDD and stores clips; SIGTERM
# stops it with exit status 0, the clips whole.
# usage: meteor-station.sh METEOR_STATION   (environment from meson)
set -u
station=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/meteor-station-test-XXXXXX")
pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"' EXIT
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }

# The registry is brought up to date first, by a throw-away process: in
# the station's, the scan would load every installed plugin, and some leak
# (libav, OpenNI2, fontconfig through pango) or start threads of their own.
# Under ASan the plugins are sanitized and gst-inspect-1.0 is not: the
# runtime is preloaded for it.
if [ "${METEOR_TEST_SETUP:-}" = asan ]; then
  LD_PRELOAD="$(cc -print-file-name=libasan.so) $(cc -print-file-name=libubsan.so)" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
    gst-inspect-1.0 meteorsky >/dev/null 2>&1
else
  gst-inspect-1.0 meteorsky >/dev/null 2>&1
fi
# under the leaks tracer (make test's second run), what it finds alive at
# the end is logged: a run that leaves any GstObject or GstMiniObject fails
case "${GST_TRACERS:-}" in
  *leaks*) export GST_DEBUG="${GST_DEBUG:+$GST_DEBUG,}GST_TRACER:7" ;;
esac
no_leaks() {
  if grep -q 'object-alive, type-name=(string)[A-Za-z]' "$work/log"; then
    bad "$1 leaked: $(grep -o 'object-alive, type-name=(string)[A-Za-z]*' "$work/log" | sort | uniq -c)"
  fi
}

# config FILE: runs the station in the background (pid, log in $work/log)
start() {
  "$station" --config "$1" "$@" >"$work/log" 2>&1 &
  pid=$!
}
# waits (at most SECONDS) until the log has PATTERN
wait_log() {
  i=0
  while [ $i -lt $(($2 * 10)) ]; do
    grep -q "$1" "$work/log" && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}
# SIGTERM, then the exit status (killed after 60 s)
stop() {
  kill -TERM "$pid"
  i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 600 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid"
  status=$?
  pid=""
  return $status
}

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
else
  bad "at dawn: $(cat "$work/log")"
fi
stop || bad "SIGTERM after dawn: exit $?"
no_leaks "dawn"

# always, on the synthetic sky: a night directory, clips, a clean stop
printf '[station]\nid = T1\n[camera]\nsource = sky\nsky = seed=2026 meteor-rate=900\nformat = GRAY8\nwidth = 320\nheight = 240\nframerate = 10\n[storage]\npath = %s/store\nhot-seconds = 1\n[schedule]\nmode = always\n' "$work" >"$work/sky.ini"
start "$work/sky.ini"
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
stop && ok "SIGTERM while capturing: exit 0" || bad "SIGTERM while capturing: exit $?"
no_leaks "capturing"
grep -q "stopping: finishing the clips" "$work/log" || bad "no stop said"
for f in "$work"/store/*/clips/*/clip.json; do
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["frames"] == len(d["frame_list"]) > 0' "$f" ||
    bad "a clip is not whole: $f"
done
ls -d "$work"/store/*/clips/*.tmp* >/dev/null 2>&1 && bad "a clip left half-written"
[ $fail -eq 0 ] && echo "meteor-station: all ok"
exit $fail
