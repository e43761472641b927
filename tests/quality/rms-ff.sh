#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# meteordetect on real meteor-camera data: the 8 RMS FF blocks of the rms-ff
# data set (3 meteors with RMS's own ground truth, 3 more, a fireball, 2
# sky-wide flashes; satellites and slow movers left out of the truth). Each
# block is rebuilt into a 25 fps GRAY8 video by the data set's ff2raw (with
# RMS-like background noise, a fixed seed, and the recorded per-frame
# brightness where the block has a fieldsum file), run through
#   filesrc ! rawvideoparse ! meteorpool ! meteordetect ! fakesink
# and scored by rms-ff-score against truth.jsonl.
#
# usage: rms-ff.sh [DATA_DIR] [rms-ff-score options]
#   DATA_DIR   the rms-ff folder; METEOR_RMS_FF, when set, wins over it
#   METEOR_FF2RAW  the ff2raw tool (default: DATA_DIR/../../tools/ff2raw)
#   METEOR_RMS_SEED  noise seed (default 12345)
#   METEOR_RMS_KEEP  a folder to keep the logs and detections in
# Exit 77 (skipped) when the data, ff2raw or its numpy/astropy are missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=
case "${1:-}" in
  -*|"") ;;
  *) data=$1; shift ;;
esac
data=${METEOR_RMS_FF:-$data}
if [ -z "$data" ] || [ ! -f "$data/truth.jsonl" ]; then
  echo "rms-ff: SKIP: no rms-ff data set (truth.jsonl) at '${data:-}';" \
    "set METEOR_RMS_FF to its folder"
  exit 77
fi
data=$(cd "$data" && pwd)
ff2raw=${METEOR_FF2RAW:-$data/../../tools/ff2raw}
if [ ! -x "$ff2raw" ]; then
  echo "rms-ff: SKIP: no ff2raw at $ff2raw; set METEOR_FF2RAW"
  exit 77
fi
# ff2raw imports numpy and astropy at start: --help fails without them
if ! "$ff2raw" --help > /dev/null 2>&1; then
  echo "rms-ff: SKIP: $ff2raw does not run (needs python3-numpy and" \
    "python3-astropy: scripts/deps.sh installs them)"
  exit 77
fi
seed=${METEOR_RMS_SEED:-12345}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${METEOR_RMS_KEEP:-$work}
mkdir -p "$out"

echo "rms-ff: $data, noise 1.0 x STDPIXEL, seed $seed"
for ff in "$data"/FF_*.fits; do
  block=$(basename "$ff" .fits)
  fs="$data/FS_${block#FF_}_fieldsum.bin"
  fsopt=""
  [ -f "$fs" ] && fsopt="--fieldsum $fs"
  # shellcheck disable=SC2086
  "$ff2raw" "$ff" $fsopt --noise 1.0 --seed "$seed" -o "$work/video.gray" \
    > "$out/$block.ff2raw" 2>&1 || { cat "$out/$block.ff2raw"; exit 1; }
  gst-launch-1.0 -m filesrc location="$work/video.gray" \
    ! rawvideoparse format=gray8 width=1280 height=720 framerate=25/1 \
    ! meteorpool ! meteordetect ! fakesink > "$out/$block.log" 2>&1 ||
    { tail -20 "$out/$block.log"; exit 1; }
  rm -f "$work/video.gray"
  "$here/messages-to-jsonl" < "$out/$block.log" > "$out/$block.detections.jsonl"
  grep -o 'meteordetect-flash, frame=([a-z0-9]*)[0-9]*' "$out/$block.log" |
    sed 's/.*)//' > "$out/$block.flashes" || true
done
# not exec: the trap above removes the work directory
python3 "$here/rms-ff-score" "$data/truth.jsonl" "$out" "$@"
