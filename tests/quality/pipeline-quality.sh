#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Detection quality through the real elements: meteorsky, optionally an
# H.264 round trip (x264enc ! avdec_h264, as an IP camera's stream is
# decoded) and a format conversion, then meteorpool ! meteordetect
# (gst-launch-1.0), scored against the sky's truth by meteor-score.
#
# usage: pipeline-quality.sh [options] FORMAT WIDTH HEIGHT FRAMES SEED
#            [meteor-score options]
#   FORMAT          what meteorsky renders (GRAY8, I420, RGB, ...)
#   --fps N         frame rate (default 30)
#   --h264 KBPS     encode at KBPS kbit/s and decode (FORMAT must be I420)
#   --gop FRAMES    keyframe interval of the encoder (default 2 s of frames)
#   --preset NAME   x264enc speed-preset (default veryfast)
#   --tune NAME     x264enc tune (e.g. zerolatency; default none)
#   --to FORMAT     videoconvert to FORMAT before meteorpool (e.g. GRAY8)
#   --canary RATE   canaries an hour in meteordetect (canary-rate), and their
#                   recall compared with the meteors' by tests/quality/canary-check
#   --keep DIR      keep the truth, the log and the detections in DIR
# Prints the pipeline, the scorer's report and the wall and CPU time taken.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fps=30 kbps= gop= preset=veryfast tune= to= keep= canary=
while [ $# -gt 0 ]; do
  case "$1" in
    --fps) fps=$2; shift 2 ;;
    --h264) kbps=$2; shift 2 ;;
    --gop) gop=$2; shift 2 ;;
    --preset) preset=$2; shift 2 ;;
    --tune) tune=$2; shift 2 ;;
    --to) to=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --canary) canary=$2; shift 2 ;;
    *) break ;;
  esac
done
format=$1 width=$2 height=$3 frames=$4 seed=$5
shift 5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${keep:-$work}
mkdir -p "$out"

codec=
what="$format ${width}x${height} at $fps fps"
if [ -n "$kbps" ]; then
  for e in x264enc avdec_h264; do
    if ! gst-inspect-1.0 "$e" > /dev/null 2>&1; then
      echo "pipeline-quality: SKIP: no $e (gstreamer1.0-plugins-ugly," \
        "gstreamer1.0-libav: scripts/deps.sh installs them)"
      exit 77
    fi
  done
  gop=${gop:-$((2 * fps))}
  codec="x264enc bitrate=$kbps key-int-max=$gop speed-preset=$preset"
  [ -n "$tune" ] && codec="$codec tune=$tune"
  codec="$codec ! avdec_h264 !"
  what="$what, H.264 $kbps kbit/s, keyframe every $gop frames, $preset${tune:+ $tune}"
fi
convert=
if [ -n "$to" ]; then
  convert="videoconvert ! video/x-raw,format=$to !"
  what="$what, videoconvert to $to"
fi

# busy night: meteors at 1200/h for the statistics, planes, satellites,
# flashes, drifting clouds (a fifth of the sky), twinkling stars and hot
# pixels at their defaults or above
start=$(date +%s)
# shellcheck disable=SC2086
gst-launch-1.0 -m meteorsky \
    num-buffers="$frames" seed="$seed" \
    meteor-rate=1200 plane-rate=30 satellite-rate=60 flash-rate=12 \
    cloud-cover=0.2 truth-location="$out/truth.jsonl" \
  ! "video/x-raw,format=$format,width=$width,height=$height,framerate=$fps/1" \
  ! $codec $convert meteorpool ! meteordetect ${canary:+canary-rate=$canary} \
  ! fakesink \
  > "$out/log" 2>&1 || { tail -20 "$out/log"; exit 1; }
end=$(date +%s)
"$here/messages-to-jsonl" < "$out/log" > "$out/detections.jsonl"
echo "pipeline-quality: $what, $frames frames ($((frames / fps / 60)) simulated min), seed $seed"
# the CPU time of the pipeline: times' second line, the children's
times > "$work/times"
cpu=$(tail -1 "$work/times")
echo "pipeline-quality: $((end - start)) s wall; CPU user, system: $cpu"
grep -o 'meteordetect-stats, .*' "$out/log" | sed 's/([a-z0-9]*)//g; s/^/pipeline-quality: /' || true
status=0
python3 "$here/meteor-score" "$out/truth.jsonl" "$out/detections.jsonl" \
  --json "$out/score.json" "$@" || status=$?
if [ -n "$canary" ] && [ $status -ne 2 ]; then
  python3 "$here/canary-check" "$out/log" "$out/score.json" || status=$?
fi
exit $status
