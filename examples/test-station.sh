#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs an example station (C or Python) on the synthetic sky for a few
# seconds, stops it with SIGINT as a user would, and checks what it printed:
# the frame meta of consecutive frames, a meteor-detected message, the
# get-frame step (asserted when tieredsink is registered, else its skip
# notice), a clean stop after EOS, exit status 0, and nothing alarming on
# stderr.
# Usage: test-station.sh c|python PROGRAM   (environment from meson)
set -eu
kind=$1
prog=$2
RUN_SECONDS=${RUN_SECONDS:-5}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$work/out"
err="$work/err"

case $kind in
  c)
    set -- "$prog" --print-every 1
    if [ "${METEOR_TEST_SETUP:-}" = asan ]; then
      # LeakSanitizer's full stacks make every malloc slow: a sky the
      # sanitized station keeps up with live (two meteors in 5 s)
      set -- "$@" --source 'meteorsky is-live=true seed=2026 schedule="meteor@15,snr=12;meteor@40,snr=10" ! video/x-raw,format=GRAY8,width=320,height=240,framerate=10/1'
    fi
    ;;
  python)
    py=""
    # Debian's interpreter has python3-gi; another python3 first in PATH
    # (a virtualenv, pyenv) may not
    for p in /usr/bin/python3 python3; do
      if command -v "$p" >/dev/null 2>&1 &&
        "$p" -c 'import gi' >/dev/null 2>&1; then
        py=$p
        break
      fi
    done
    if [ -z "$py" ]; then
      echo "FAIL: no python3 with gi (python3-gi) found" >&2
      exit 1
    fi
    if [ "${METEOR_TEST_SETUP:-}" = asan ]; then
      # the library and plugins are sanitized, python is not: the ASan
      # runtime must be loaded first
      asan=$(cc -print-file-name=libasan.so)
      ubsan=$(cc -print-file-name=libubsan.so)
      export LD_PRELOAD="$asan $ubsan"
      export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
    fi
    set -- "$py" "$prog" --print-every 1
    ;;
  *)
    echo "usage: $0 c|python PROGRAM" >&2
    exit 2
    ;;
esac

# tieredsink's module on the plugin path (gst-inspect-1.0 cannot tell in
# the sanitizer build: it does not load ASan-built plugins)
have_tiered=no
for dir in $(echo "${GST_PLUGIN_PATH:-}" | tr ':' ' '); do
  [ -f "$dir/libgsttieredsink.so" ] && have_tiered=yes
done

# The registry is brought up to date by a throw-away process first: built
# in the station's own process (GST_REGISTRY_FORK=no), it would load every
# installed plugin there, and some start threads of their own when loaded
# (libcamera's lttng-ust, OpenNI2's drivers, libusb) that then took the
# SIGINT meant for the station.
(
  if [ "${METEOR_TEST_SETUP:-}" = asan ]; then
    LD_PRELOAD="$(cc -print-file-name=libasan.so) $(cc -print-file-name=libubsan.so)"
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
    export LD_PRELOAD ASAN_OPTIONS
  fi
  /usr/bin/python3 -c 'import os, gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst
Gst.init(None)
os._exit(0)' || echo "test-station: could not bring the registry up to date first" >&2
)

"$@" >"$out" 2>"$err" &
pid=$!
sleep "$RUN_SECONDS"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?

fail=0
check() {
  # check DESCRIPTION COMMAND...
  what=$1
  shift
  if "$@"; then
    echo "ok: $what"
  else
    echo "FAIL: $what"
    fail=1
  fi
}

check "exit status 0 (got $rc)" [ "$rc" -eq 0 ]
check "SIGINT handled" grep -q '^SIGINT: sending EOS' "$out"
check "EOS reached the application" grep -q '^EOS$' "$out"
check "stopped cleanly" grep -q '^stopped cleanly$' "$out"
frames=$(grep -c '^frame [0-9]* camera=cam0 utc=20[0-9-]*T' "$out" || true)
check "frame meta printed for at least 30 frames (got $frames)" [ "$frames" -ge 30 ]
check "frame ids consecutive from 0" awk '
  /^frame [0-9]+ camera=/ { if ($2 != n) bad = 1; n++ }
  END { exit bad || n == 0 }' "$out"
check "exposure and gain from meteorpool's meta" \
  grep -q '^frame 0 camera=cam0 .*exposure-us=[0-9][0-9]* gain=[0-9.]*' "$out"
check "no frame without meta and no gap" \
  grep -q '^frames [1-9][0-9]*, without meta 0, frame_id gaps 0, meteors [1-9]' "$out"
check "meteor-detected received" \
  grep -q '^meteor-detected id=[0-9]* frames [0-9]*-[0-9]*' "$out"
if [ "$have_tiered" = yes ]; then
  check "get-frame returned the meteor's first frame from tieredsink" \
    grep -q '^get-frame [0-9]*: ok, [1-9][0-9]* bytes, meta frame_id' "$out"
else
  check "get-frame skipped: tieredsink not registered" \
    grep -q '^get-frame: skipped, no tieredsink in the pipeline (element not registered)' "$out"
fi
check "meteorpool stats: frames zero-copy, nothing copied" \
  grep -q '^meteorpool stats: .*zero-copy-frames=(guint64)[1-9].*bytes-copied=(guint64)0[,;].*allocations=(guint64)[1-9]' "$out"
check "nothing alarming on stderr" sh -c \
  "! grep -E 'CRITICAL|WARNING \*\*|ERROR|Leaks detected|runtime error|Sanitizer|^error from' '$err'"

if [ $fail -ne 0 ]; then
  echo "--- stdout"
  cat "$out"
  echo "--- stderr"
  cat "$err"
  exit 1
fi
sed -n -e '/^meteor-detected/p' -e '/^get-frame/p' -e '/^frames /p' "$out"
echo "$kind station: all checks passed"
