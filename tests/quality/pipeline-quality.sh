#!/bin/sh
# Detection quality through the real elements: meteorsky -> meteordetect
# (gst-launch-1.0), scored against the sky's truth by meteor-score.
# usage: pipeline-quality.sh FORMAT WIDTH HEIGHT FRAMES SEED [meteor-score options]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
format=$1 width=$2 height=$3 frames=$4 seed=$5
shift 5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# busy night: meteors at 1200/h for the statistics, planes, satellites,
# flashes, drifting clouds (a fifth of the sky), twinkling stars and hot
# pixels at their defaults or above
gst-launch-1.0 -m meteorsky num-buffers="$frames" seed="$seed" \
    meteor-rate=1200 plane-rate=30 satellite-rate=60 flash-rate=12 \
    cloud-cover=0.2 \
    truth-location="$work/truth.jsonl" \
  ! "video/x-raw,format=$format,width=$width,height=$height,framerate=30/1" \
  ! meteordetect ! fakesink > "$work/log" 2>&1 || { tail -20 "$work/log"; exit 1; }
"$here/messages-to-jsonl" < "$work/log" > "$work/detections.jsonl"
echo "pipeline-quality: $format ${width}x${height}, $frames frames, seed $seed"
exec python3 "$here/meteor-score" "$work/truth.jsonl" "$work/detections.jsonl" "$@"
