#!/bin/sh
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

if [ -f "$dir/ratios.dat" ]; then
  gnuplot <<EOF
set terminal pngcairo size 1100,560 font "sans,10"
set output "$img/perf-ratios.png"
set title "bench-station: zero-copy / baseline for each seed target (3 subscribers)" noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
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
  made="$made perf-ratios.png"
fi

if [ -f "$dir/latency.dat" ]; then
  gnuplot <<EOF
set terminal pngcairo size 900,480 font "sans,10"
set output "$img/perf-latency.png"
set title "capture (PTS) to sink arrival at 30 fps, 3 subscribers" noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set ylabel "latency (us, log scale)"
set grid ytics
set key top left
plot "$dir/latency.dat" using 2:xtic(1) title "baseline p50", \
  '' using 3 title "zero-copy p50", '' using 4 title "baseline p99", \
  '' using 5 title "zero-copy p99"
EOF
  made="$made perf-latency.png"
fi

if [ -f "$dir/scaling.dat" ]; then
  gnuplot <<EOF
set terminal pngcairo size 1100,440 font "sans,10"
set output "$img/perf-scaling.png"
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
  made="$made perf-scaling.png"
fi

if [ -f "$dir/soak-rss.dat" ]; then
  gnuplot <<EOF
set terminal pngcairo size 900,420 font "sans,10"
set output "$img/perf-soak.png"
set title "soak: RSS of the full station on meteorsky, sampled each second" noenhanced
set xlabel "frames"
set ylabel "RSS (MB)"
set yrange [0:*]
set grid
set key bottom right
plot "$dir/soak-rss.dat" using 3:(\$2/1024) with lines lw 2 title "RSS"
EOF
  made="$made perf-soak.png"
fi

if [ -z "$made" ]; then
  echo "plots: no bench-station data in $dir" >&2
  exit 1
fi
echo "plots: wrote$made in $img"
