# SPDX-License-Identifier: LGPL-2.1-or-later
# What meteor-station's test scripts share (sourced): a work directory,
# ok/bad, the registry brought up to date, the leaks check, and running
# the station in the background with waits that have deadlines.
# The sourcing script sets $station first.
work=$(mktemp -d "${TMPDIR:-/tmp}/meteor-station-test-XXXXXX")
pid=""
cleanup_extra=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; eval "$cleanup_extra"; rm -rf "$work"' EXIT
fail=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }

# gst_tool CMD ARGS: a GStreamer command-line tool on the plugins just
# built (under ASan they are sanitized and the tool is not: the runtime is
# preloaded, leak checks off: the tool's leaks are not ours)
gst_tool() {
  if [ "${METEOR_TEST_SETUP:-}" = asan ]; then
    LD_PRELOAD="$(cc -print-file-name=libasan.so) $(cc -print-file-name=libubsan.so)" \
      ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" "$@"
  else
    "$@"
  fi
}
# The registry is brought up to date first, by a throw-away process: in
# the station's, the scan would load every installed plugin, and some leak
# (libav, OpenNI2, fontconfig through pango) or start threads of their own.
gst_tool gst-inspect-1.0 meteorsky >/dev/null 2>&1
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

# start CONFIG [ARGS]: runs the station in the background (pid; its log
# in $work/log)
start() {
  "$station" --config "$@" >"$work/log" 2>&1 &
  pid=$!
}
# wait_log PATTERN SECONDS [COUNT]: until the log has COUNT (default 1)
# lines with PATTERN
wait_log() {
  i=0
  while [ $i -lt $(($2 * 10)) ]; do
    [ "$(grep -c "$1" "$work/log")" -ge "${3:-1}" ] && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}
# stop: SIGTERM, then the exit status (killed after 60 s)
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
  # what went wrong is at the end of its log (ASan's report, say)
  [ $status -eq 0 ] || tail -40 "$work/log" | sed 's/^/  | /'
  return $status
}
# run_to_end CONFIG [SECONDS]: the station over a recording to its end
# (within SECONDS, default 120; killed after), its exit status
run_to_end() {
  start "$1"
  i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt $((${2:-120} * 10)) ]; do
    sleep 0.1
    i=$((i + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"
    pid=""
    echo "the station did not end with its recording" >>"$work/log"
    return 1
  fi
  wait "$pid"
  status=$?
  pid=""
  return $status
}
# clips_whole DIR: every clip.json under DIR lists all its frames, and no
# clip is left half-written
clips_whole() {
  for f in "$1"/*/clips/*/clip.json; do
    [ -f "$f" ] || continue
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["frames"] == len(d["frame_list"]) > 0' "$f" ||
      bad "a clip is not whole: $f"
  done
  ls -d "$1"/*/clips/*.tmp* >/dev/null 2>&1 && bad "a clip left half-written"
}
# a TCP port free now on loopback
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# preload LIB: LD_PRELOAD's value for LIB in the station (under ASan the
# runtime must come first)
preload() {
  if [ "${METEOR_TEST_SETUP:-}" = asan ]; then
    echo "$(cc -print-file-name=libasan.so) $(cc -print-file-name=libubsan.so) $1"
  else
    echo "$1"
  fi
}
# metric PORT NAME: the value of NAME (a family, or a sample with its
# labels: 'name{label="v"}') on the station's /metrics
metric() {
  curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" 'index($1, m) == 1 &&
    (length($1) == length(m) || substr($1, length(m) + 1, 1) == "{") { print $2; exit }'
}
