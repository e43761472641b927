#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A real Prometheus server scrapes the meteorstats tracer of a running
# pipeline; its HTTP API must then return the pipeline's metrics.
# usage: prometheus.sh BUILD_DIR   (exit 77: prometheus cannot be installed)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)

if ! command -v prometheus >/dev/null 2>&1; then
  sh "$root/scripts/deps.sh" >/dev/null 2>&1 || true
fi
if ! command -v prometheus >/dev/null 2>&1; then
  echo "prometheus: the Debian package prometheus is not installed and could" \
    "not be installed here (scripts/deps.sh): skipped"
  exit 77
fi
[ -n "${GST_PLUGIN_PATH:-}" ] || . "$root/scripts/env.sh" "$build"
export GST_PLUGIN_PATH

work=$(mktemp -d)
gst_pid=""
prom_pid=""
cleanup() {
  [ -z "$gst_pid" ] || kill "$gst_pid" 2>/dev/null || true
  [ -z "$prom_pid" ] || kill "$prom_pid" 2>/dev/null || true
  [ -z "$gst_pid" ] || wait "$gst_pid" 2>/dev/null || true
  [ -z "$prom_pid" ] || wait "$prom_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

fail() {
  echo "prometheus: $*"
  for f in gst.log prom.log; do
    [ -f "$work/$f" ] && { echo "--- $f"; tail -n 30 "$work/$f"; }
  done
  exit 1
}

# the pipeline, serving on a free port it writes into port-file
GST_REGISTRY="$work/registry.bin" \
GST_TRACERS="meteorstats(port=0,port-file=$work/port)" \
  gst-launch-1.0 meteorsky is-live=true seed=7 \
    ! video/x-raw,format=GRAY8,width=320,height=240,framerate=30/1 \
    ! meteorpool name=pool ! queue max-size-buffers=4 \
    ! meteordetect name=detect ! fakesink sync=true > "$work/gst.log" 2>&1 &
gst_pid=$!
i=0
while [ ! -s "$work/port" ]; do
  i=$((i + 1))
  [ $i -le 300 ] || fail "the tracer wrote no port-file"
  kill -0 "$gst_pid" 2>/dev/null || fail "the pipeline exited"
  sleep 0.1
done
port=$(cat "$work/port")
echo "meteorstats serves on 127.0.0.1:$port"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

cat > "$work/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: meteorstats
    static_configs:
      - targets: ['127.0.0.1:$port']
YML

# a free port for Prometheus; another process may take it first: retry
for attempt in 1 2 3; do
  prom_port=$(free_port)
  prometheus --config.file="$work/prometheus.yml" \
    --storage.tsdb.path="$work/data" \
    --web.listen-address="127.0.0.1:$prom_port" > "$work/prom.log" 2>&1 &
  prom_pid=$!
  # ready when its readiness endpoint answers; a lost port race ends it
  i=0
  while kill -0 "$prom_pid" 2>/dev/null && [ $i -le 300 ] &&
    ! python3 -c 'import sys, urllib.request
urllib.request.urlopen("http://127.0.0.1:%s/-/ready" % sys.argv[1], timeout=1)' \
      "$prom_port" 2>/dev/null; do
    i=$((i + 1))
    sleep 0.1
  done
  kill -0 "$prom_pid" 2>/dev/null && break
  wait "$prom_pid" 2>/dev/null || true
  prom_pid=""
done
[ -n "$prom_pid" ] || fail "prometheus did not start"
echo "prometheus listens on 127.0.0.1:$prom_port"

# asks Prometheus's HTTP API for an instant query; prints the value
query() {
  python3 - "$prom_port" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
port, q = sys.argv[1], sys.argv[2]
url = "http://127.0.0.1:%s/api/v1/query?query=%s" % (port, urllib.parse.quote(q))
try:
    with urllib.request.urlopen(url, timeout=5) as r:
        data = json.load(r)
except Exception:
    sys.exit(0)
res = data.get("data", {}).get("result", [])
if data.get("status") == "success" and res:
    print(res[0]["value"][1])
PY
}

frames=""
i=0
while :; do
  i=$((i + 1))
  [ $i -le 120 ] || fail "no scraped frames after 60 s"
  kill -0 "$gst_pid" 2>/dev/null || fail "the pipeline exited"
  kill -0 "$prom_pid" 2>/dev/null || fail "prometheus exited"
  frames=$(query 'meteor_element_frames_total{job="meteorstats",element="pool"}')
  if [ -n "$frames" ] && [ "${frames%%.*}" -gt 0 ]; then
    break
  fi
  sleep 0.5
done
up=$(query 'up{job="meteorstats"}')
[ "$up" = "1" ] || fail "up{job=\"meteorstats\"} is '$up', not 1"

# rate() needs two samples in its window: ask until Prometheus holds them
# (scrapes are 1 s apart, so a few seconds on a busy machine)
query_until() {
  i=0
  while :; do
    v=$(query "$1")
    [ -z "$v" ] || { echo "$v"; return 0; }
    i=$((i + 1))
    [ $i -le 120 ] || return 1
    kill -0 "$gst_pid" 2>/dev/null || return 1
    kill -0 "$prom_pid" 2>/dev/null || return 1
    sleep 0.5
  done
}
# a histogram through PromQL
p99=$(query_until 'histogram_quantile(0.99, rate(meteor_element_processing_seconds_bucket{element="detect"}[10s]))') ||
  fail "no processing-time histogram for detect after 60 s"
rate=$(query_until 'rate(meteor_buffers_allocated_total[10s])') ||
  fail "no allocation rate after 60 s"
echo "prometheus scraped: pool frames $frames, detect p99 ${p99} s," \
  "allocation rate ${rate:-?}/s, up $up"
echo "ok"
