#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# meteorstats on a port another process holds: a clear warning on stderr,
# and the pipeline still runs to the end.
# usage: port-in-use.sh BUILD_DIR
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
[ -n "${GST_PLUGIN_PATH:-}" ] || . "$root/scripts/env.sh" "$1"
export GST_PLUGIN_PATH
work=$(mktemp -d)
holder=""
trap '[ -z "$holder" ] || kill "$holder" 2>/dev/null || true; rm -rf "$work"' EXIT

# a listener on a free port, holding it until killed
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
time.sleep(120)' "$work/port" &
holder=$!
i=0
while [ ! -s "$work/port" ]; do
  i=$((i + 1))
  [ $i -le 100 ] || { echo "port-in-use: no listener"; exit 1; }
  sleep 0.1
done
port=$(cat "$work/port")

GST_REGISTRY="$work/registry.bin" GST_TRACERS="meteorstats(port=$port)" \
  gst-launch-1.0 videotestsrc num-buffers=30 ! fakesink \
  > "$work/out" 2> "$work/err" || {
  echo "port-in-use: the pipeline failed:"
  cat "$work/out" "$work/err"
  exit 1
}
grep -q "Got EOS" "$work/out" || { echo "port-in-use: no EOS"; cat "$work/out"; exit 1; }
grep -q "meteorstats: cannot serve metrics on 127.0.0.1:$port.*in use" "$work/err" || {
  echo "port-in-use: no clear warning on stderr:"
  cat "$work/err"
  exit 1
}
echo "warned: $(cat "$work/err")"
echo "ok"
