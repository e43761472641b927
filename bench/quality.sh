#!/bin/sh
# Detection quality over simulated nights: recall per SNR bin, precision and
# false positives per hour from tests/quality/meteor-score, for a few skies.
# usage: bench/quality.sh [BUILD_DIR] [FRAMES]   (default 54000 = 30 min a
# sky, 2 simulated hours in all: longer than the 10 minutes of the tests)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
frames=${2:-54000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for sky in "640 480 1 0" "640 480 2 0.2" "640 480 3 0.4" "1280 720 4 0.2"; do
  set -- $sky
  "$build/bench/bench-quality" "$1" "$2" "$frames" "$3" "$4" \
    "$work/truth.jsonl" "$work/det.jsonl"
  echo "== ${1}x${2}, seed $3, cloud-cover $4, $frames frames ($((frames / 1800)) min)"
  python3 tests/quality/meteor-score "$work/truth.jsonl" "$work/det.jsonl" |
    grep -E '^(recall|  snr|precision|false positives|fp/hour|duplicates)' |
    sed 's/^/  /'
done
