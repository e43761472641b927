#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# PNG plots of bench-station's data (gnuplot, Debian's gnuplot-nox).
# Usage: sh bench/plots.sh RESULTS_DIR [IMAGES_DIR]   (default docs/images)
# RESULTS_DIR is bench-station's --out: ratios.dat, latency.dat,
# scaling.dat, soak-rss.dat; plots are made for the files that are there.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 RESULTS_DIR [IMAGES_DIR]" >&2; exit 2; }
dir=$1
img=${2:-docs/images}
if ! command -v gnuplot >/dev/null 2>&1; then
  echo "plots: gnuplot is not installed (scripts/deps.sh installs gnuplot-nox)" >&2
  exit 1
fi
mkdir -p "$img"
made=""

# plot DATA PNG SIZE: when $dir/DATA is there, runs the gnuplot script on
# stdin drawing into $img/PNG of SIZE (w,h) pixels.
plot() {
  if [ -f "$dir/$1" ]; then
    { printf 'set terminal pngcairo size %s font "sans,10"\nset output "%s"\n' \
        "$3" "$img/$2"; cat; } | gnuplot
    made="$made $2"
  else
    cat >/dev/null
  fi
}
# bars side by side, one cluster a row of the data
histograms="set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1"

plot ratios.dat perf-ratios.png 1100,560 <<EOF
set title "bench-station: zero-copy / baseline for each seed target (3 subscribers)" noenhanced
$histograms
set xtics rotate by -25 noenhanced
set bmargin 8
set ylabel "ratio zero-copy / baseline"
set yrange [0:*]
set grid ytics
set key top left noenhanced
plot "$dir/ratios.dat" using 3:xtic(1) title "640x480 RGB", \
  '' using 4 title "1280x720 GRAY8", '' using 5 title "1920x1080 NV12", \
  '' using 0:2 with points pt 9 ps 2 lc rgb "black" \
    title "seed target (fps: at least; others: at most)"
EOF

plot latency.dat perf-latency.png 900,480 <<EOF
set title "capture (PTS) to sink arrival at 30 fps, 3 subscribers" noenhanced
$histograms
set logscale y
set ylabel "latency (us, log scale)"
set grid ytics
set key top left
plot "$dir/latency.dat" using 2:xtic(1) title "baseline p50", \
  '' using 3 title "zero-copy p50", '' using 4 title "baseline p99", \
  '' using 5 title "zero-copy p99"
EOF

plot scaling.dat perf-scaling.png 1100,440 <<EOF
set multiplot layout 1,2 title "subscribers, 640x480 RGB at 30 fps" noenhanced
set xlabel "subscribers"
set grid
set key top left
set ylabel "CPU time per frame (us)"
set yrange [0:*]
plot "$dir/scaling.dat" using 1:2 with linespoints pt 7 title "baseline", \
  '' using 1:3 with linespoints pt 5 title "zero-copy"
set ylabel "bytes copied per frame (MB)"
plot "$dir/scaling.dat" using 1:(\$4/1e6) with linespoints pt 7 title "baseline", \
  '' using 1:(\$5/1e6) with linespoints pt 5 title "zero-copy"
unset multiplot
EOF

plot soak-rss.dat perf-soak.png 900,420 <<EOF
set title "soak: RSS of the full station on meteorsky, sampled each second" noenhanced
set xlabel "frames"
set ylabel "RSS (MB)"
set yrange [0:*]
set grid
set key bottom right
plot "$dir/soak-rss.dat" using 3:(\$2/1024) with lines lw 2 title "RSS"
EOF

if [ -z "$made" ]; then
  echo "plots: no bench-station data in $dir" >&2
  exit 1
fi
echo "plots: wrote$made in $img"
