#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The element reference users read is gst-inspect-1.0's output, kept in
# docs/elements/<element>.txt. This regenerates it from the build and fails
# on any difference (--update rewrites the files instead).
# usage: check-inspect.sh BUILD_DIR [--update]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
update=${2:-}

if [ -z "${GST_PLUGIN_PATH:-}" ]; then
  . "$root/scripts/env.sh" "$build"
fi
# A sanitizer build's plugins need the sanitizer runtimes in gst-inspect.
if ldd "$build"/plugins/*/libgst*.so 2>/dev/null | grep -q libasan; then
  LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
  # gst-inspect-1.0's own allocations are GStreamer's to answer for: the
  # plugins' leaks are checked by the suites that run them
  ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
  export LD_PRELOAD ASAN_OPTIONS
fi

status=0
for dir in "$root"/plugins/*/; do
  element=$(basename "$dir")
  doc="$root/docs/elements/$element.txt"
  out=$(mktemp)
  # The file name is where this build lives: leave it out.
  # The kernel set in use depends on the CPU (and METEOR_SIMD): leave it out.
  gst-inspect-1.0 --no-colors "$element" | sed -e '/^  Filename /d' \
    -e 's/String\. Default: "\(c\|sse2\|avx2\|neon\)"$/String. Default: (the best kernel set this CPU runs)/' > "$out"
  if [ "$update" = "--update" ]; then
    mv "$out" "$doc"
    echo "docs: wrote docs/elements/$element.txt"
    continue
  fi
  if [ ! -f "$doc" ]; then
    echo "docs: docs/elements/$element.txt is missing (run make docs)"
    status=1
  elif ! diff -u "$doc" "$out"; then
    echo "docs: docs/elements/$element.txt differs from gst-inspect-1.0 $element (run make docs)"
    status=1
  else
    echo "docs: docs/elements/$element.txt matches gst-inspect-1.0 $element"
  fi
  rm -f "$out"
done
exit $status
