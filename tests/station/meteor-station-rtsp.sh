#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# meteor-station on an IP camera that fails: a real RTSP server on
# loopback (gst-rtsp-server) streams the synthetic sky as H.264. The
# station connects and detects; the server is killed for 10 s and started
# again, twice, and then stopped (SIGSTOP: a hung camera, frames stop and
# nothing is said). The station reconnects every time without a restart,
# counts the reconnects and the time lost (in /metrics and night.json),
# keeps its clips whole and finds meteors after the outages.
# usage: meteor-station-rtsp.sh METEOR_STATION RTSP_SKY_SERVER
set -u
station=$1
server=$2
. "$(dirname "$0")/lib.sh"
spid=""
cleanup_extra='[ -n "$spid" ] && kill -CONT "$spid" 2>/dev/null; [ -n "$spid" ] && kill -9 "$spid" 2>/dev/null'

port=$(free_port)
mport=$(free_port)
# serve: the camera on $port (spid), up when it says so
serve() {
  "$server" "$port" "seed=11 meteor-rate=2400" >"$work/server.log" 2>&1 &
  spid=$!
  i=0
  while [ $i -lt 300 ] && ! grep -q ready "$work/server.log"; do
    sleep 0.1
    i=$((i + 1))
  done
  grep -q ready "$work/server.log" || bad "the RTSP server did not start: $(cat "$work/server.log")"
}
outage() {
  kill -9 "$spid"
  wait "$spid" 2>/dev/null
  spid=""
  sleep 10 # the camera is away this long (the scenario, not a wait)
  serve
}

serve
printf '[station]\nid = RT1\n[camera]\nsource = rtsp\nurl = rtsp://127.0.0.1:%s/sky\nformat = GRAY8\nno-frame-seconds = 3\n[storage]\npath = %s/store\nhot-seconds = 1\n[metrics]\nport = %s\n[schedule]\nmode = always\n[calibration]\nmode = off\n' \
  "$port" "$work" "$mport" >"$work/rtsp.ini"
start "$work/rtsp.ini"
if wait_log "meteor-station: meteor " 90; then
  ok "connected to the RTSP camera, a meteor detected through H.264"
else
  bad "no meteor from the RTSP camera: $(cat "$work/log")"
fi

for n in 1 2; do
  outage
  if wait_log "camera: frames again" 120 $n; then
    ok "outage $n: reconnected without a restart"
  else
    bad "outage $n: not reconnected: $(tail -20 "$work/log")"
  fi
done
grep -q "camera: error from .*reconnecting in" "$work/log" ||
  bad "the reason of a reconnect is not logged: $(grep camera: "$work/log")"
clips_before=$(ls -d "$work"/store/*/clips/meteor-* 2>/dev/null | wc -l)
meteors_before=$(grep -c "meteor-station: meteor " "$work/log")
if wait_log "meteor-station: meteor " 90 $((meteors_before + 1)); then
  ok "a meteor found after the outages"
else
  bad "no meteor after the outages: $(tail -20 "$work/log")"
fi

# a hung camera: the server stopped, its connection open, nothing said
frames_again=$(grep -c "camera: frames again" "$work/log")
kill -STOP "$spid"
if wait_log "camera: no frame for 3 s; reconnecting" 30; then
  ok "a hung camera is rebuilt after no-frame-seconds"
else
  bad "a hung camera: $(tail -20 "$work/log")"
fi
kill -CONT "$spid"
wait_log "camera: frames again" 120 $((frames_again + 1)) ||
  bad "no frames after the hung camera came back: $(tail -20 "$work/log")"

reconnects=$(metric "$mport" meteor_camera_reconnects_total)
lost=$(metric "$mport" meteor_camera_dropped_seconds_total)
up=$(metric "$mport" meteor_camera_up)
if [ "${reconnects:-0}" -ge 3 ] 2>/dev/null &&
  python3 -c "import sys; sys.exit(not float('${lost:-0}') >= 20)" && [ "$up" = 1 ]; then
  ok "/metrics: $reconnects reconnects, $lost s lost, camera up"
else
  bad "/metrics: reconnects '$reconnects', lost '$lost', up '$up'"
fi
[ -n "$(metric "$mport" meteor_clock_synchronized)" ] || bad "/metrics has no meteor_clock_synchronized"
# never calibrated ([calibration] off): said, and no age
[ "$(metric "$mport" meteor_calibrated)" = 0 ] || bad "/metrics: meteor_calibrated is not 0 uncalibrated"
[ -z "$(metric "$mport" meteor_calibration_age_seconds)" ] || bad "/metrics: a calibration age uncalibrated"
# the frame ids moved on past the outages (20 s and more at 10 fps)
skipped=$(metric "$mport" meteor_pool_skipped_frames_total)
if [ "${skipped:-0}" -ge 150 ] 2>/dev/null; then
  ok "frame ids moved on past the outages: $skipped frame times skipped"
else
  bad "frame ids and the outages: meteor_pool_skipped_frames_total '$skipped'"
fi

# clips after the outages, then a clean stop
i=0
while [ $i -lt 600 ] && [ "$(ls -d "$work"/store/*/clips/meteor-* 2>/dev/null | wc -l)" -le "$clips_before" ]; do
  sleep 0.1
  i=$((i + 1))
done
[ "$(ls -d "$work"/store/*/clips/meteor-* 2>/dev/null | wc -l)" -gt "$clips_before" ] ||
  bad "no clip saved after the outages"
stop && ok "SIGTERM: exit 0" || bad "SIGTERM: exit $?"
no_leaks "the RTSP station"
clips_whole "$work/store"
night=$(ls -d "$work"/store/*/night.json 2>/dev/null | head -1)
if [ -n "$night" ] && python3 - "$night" "$work"/store/*/detections.jsonl <<'PY'
import json, sys
n = json.load(open(sys.argv[1]))
assert n["reconnects"] >= 3, n["reconnects"]
assert n["dropped_seconds"] >= 20, n["dropped_seconds"]
assert n["detections"], "no detections"
assert all(d["clip"] for d in n["detections"][:1]), "the first detection has no clip"
lines = [json.loads(l) for l in open(sys.argv[2])]
assert len(lines) == len(n["detections"]), (len(lines), len(n["detections"]))
assert all("synchronized" in l["clock"] for l in lines)
firsts = [l["first-frame"] for l in lines]
# frame ids go on counting across reconnects
assert firsts == sorted(firsts) and firsts[-1] > firsts[0], firsts
PY
then
  ok "night.json: reconnects, time lost, detections with clips and clock"
else
  bad "night.json: $(cat "$night" 2>/dev/null | head -30)"
fi
[ $fail -eq 0 ] && echo "meteor-station-rtsp: all ok"
exit $fail
