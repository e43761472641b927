#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# meteor-stack against a reference computed here from the same frames:
# the max-pixel image and the frame map (which frame was brightest).
# usage: meteor-stack.sh METEOR_STACK
set -eu
stack=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/meteor-stack-XXXXXX")
trap 'rm -rf "$dir"' EXIT
src="videotestsrc pattern=ball num-buffers=12 ! video/x-raw,width=64,height=48"

# shellcheck disable=SC2086
"$stack" -o "$dir/max.png" -f "$dir/map.png" $src
# the frames themselves, and both images decoded by GStreamer's pngdec
# shellcheck disable=SC2086
gst-launch-1.0 -q $src ! videoconvert ! video/x-raw,format=GRAY8 ! \
  filesink location="$dir/video.raw"
for img in max map; do
  gst-launch-1.0 -q filesrc location="$dir/$img.png" ! pngdec ! \
    video/x-raw,format=GRAY8 ! filesink location="$dir/$img.raw"
done
python3 - "$dir" <<'PY'
import sys
d = sys.argv[1]
w, h, n = 64, 48, 12
video = open(f"{d}/video.raw", "rb").read()
got_max = open(f"{d}/max.raw", "rb").read()
got_map = open(f"{d}/map.raw", "rb").read()
assert len(video) == w * h * n, f"{len(video)} bytes of video"
assert len(got_max) == w * h and len(got_map) == w * h, "image sizes"
bad_max = bad_map = 0
for i in range(w * h):
    values = [video[k * w * h + i] for k in range(n)]
    top = max(values)
    # the first frame that reached the max (a later equal one does not win)
    first = values.index(top) if top > 0 else 0
    bad_max += got_max[i] != top
    bad_map += got_map[i] != first
moved = len(set(got_map))
print(f"max-pixel: {bad_max} wrong; frame map: {bad_map} wrong, "
      f"{moved} distinct frames")
assert bad_max == 0 and bad_map == 0
assert moved > 3, "the ball should be brightest in several frames"
PY
echo "ok: meteor-stack"
