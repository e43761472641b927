#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Detection quality, side by side: recall per SNR bin, precision and false
# positives per hour from tests/quality/meteor-score (matching by place:
# frames within +-3, both ends within 30 px of the truth's line), for
#   core   the pure-C core on synthetic GRAY8 skies, 30 simulated minutes
#          each (bench-quality), 2 simulated hours in all
#   h264   meteorsky through an H.264 round trip, the detector reading the
#          decoder's I420 (x264enc veryfast, a keyframe every 2 s, at 2, 4,
#          6 and 8 Mbit/s, 640x480 and 1280x720, 25 fps, 10 simulated
#          minutes each), and the 4 Mbit/s 1280x720 stream through
#          videoconvert to GRAY8 as pipelines/ip-rtsp.pipeline has it
#   rms    the 8 real RMS FF blocks (tests/quality/rms-ff.sh), 3 noise seeds
# usage: bench/quality.sh [BUILD_DIR] [FRAMES]   (FRAMES: of each core sky,
#        default 54000 = 30 min); QUALITY_SECTIONS="core h264 rms" chooses
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
frames=${2:-54000}
sections=${QUALITY_SECTIONS:-core h264 rms}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. scripts/env.sh "$build"

summary () {
  grep -E '^(recall|  snr|precision|false positives|fp/hour|duplicates)|wall' |
    sed 's/^/  /'
}

for section in $sections; do
  case $section in
    core)
      for sky in "640 480 1 0" "640 480 2 0.2" "640 480 3 0.4" "1280 720 4 0.2"; do
        set -- $sky
        "$build/bench/bench-quality" "$1" "$2" "$frames" "$3" "$4" \
          "$work/truth.jsonl" "$work/det.jsonl"
        echo "== core: ${1}x${2}, seed $3, cloud-cover $4, $frames frames ($((frames / 1800)) min)"
        python3 tests/quality/meteor-score "$work/truth.jsonl" "$work/det.jsonl" |
          summary
      done
      ;;
    h264)
      seed=20
      for size in "640 480" "1280 720"; do
        for kbps in 2000 4000 6000 8000; do
          seed=$((seed + 1))
          set -- $size
          echo "== h264: ${1}x${2}, $((kbps / 1000)) Mbit/s, seed $seed"
          sh tests/quality/pipeline-quality.sh --fps 25 --h264 "$kbps" \
            I420 "$1" "$2" 15000 "$seed" | summary || true
        done
      done
      echo "== h264: 1280x720, 4 Mbit/s, videoconvert to GRAY8, seed 29"
      sh tests/quality/pipeline-quality.sh --fps 25 --h264 4000 --to GRAY8 \
        I420 1280 720 15000 29 | summary || true
      ;;
    rms)
      for seed in 12345 1 2; do
        echo "== rms: the 8 RMS FF blocks, noise seed $seed"
        METEOR_RMS_SEED=$seed sh tests/quality/rms-ff.sh \
          ../shared/data/rms-ff | grep -E '^(UK|meteors found|flashes|false)|FALSE|MISSED' |
          sed 's/^/  /' || true
      done
      ;;
  esac
done
