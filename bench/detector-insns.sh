#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The whole detector on aarch64, without ARM hardware: executed
# instructions per frame of detector_process (luma, binning, background,
# threshold, clustering, tracking, judging) on a busy synthetic sky, at
# 1280x720 GRAY8 and 1920x1080 NV12, C kernels and NEON, counted under
# qemu-aarch64 (bench/qemu-insns.sh). Then what share of a Raspberry Pi
# core that is at 30 fps, from an assumed clock and instructions per cycle
# (override with PI4_GHZ, PI4_IPC, PI5_GHZ, PI5_IPC).
# Each count is a run that detects FRAMES frames minus one that detects the
# first WARMUP (both read the same FRAMES, rendered once), over
# FRAMES - WARMUP. Then where the NEON build's instructions go: the same
# difference counted inside each of the detector's busiest functions.
# usage: sh bench/detector-insns.sh [WORK_DIR]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-${TMPDIR:-/tmp}/meteor-detector-insns}
. "$root/bench/qemu-insns.sh"
ninja -C "$cross" bench/insncount-detector >/dev/null
exe=$cross/bench/insncount-detector
FRAMES=${FRAMES:-60}
WARMUP=${WARMUP:-20}
# Pi 4: Cortex-A72 at 1.8 GHz (1.5 on the first boards); Pi 5: Cortex-A76
# at 2.4 GHz. IPC: assumed, not measured (no ARM machine here).
PI4_GHZ=${PI4_GHZ:-1.8}
PI4_IPC=${PI4_IPC:-1.0}
PI5_GHZ=${PI5_GHZ:-2.4}
PI5_IPC=${PI5_IPC:-1.5}

echo "aarch64 instructions per frame of detector_process, frames $WARMUP-$FRAMES of a busy sky (the cross build's $(cross_buildtype), qemu-aarch64 + insncount)"
echo "Pi 4: A72 ${PI4_GHZ} GHz, IPC ${PI4_IPC}; Pi 5: A76 ${PI5_GHZ} GHz, IPC ${PI5_IPC} (assumed); share of one core at 30 fps"
printf '%-16s %-5s %12s %9s %9s %9s  %s\n' video set "insns/frame" "insns/px" \
  "Pi 4" "Pi 5" "the counted frames held"
for v in "GRAY8 1280 720" "NV12 1920 1080"; do
  set -- $v
  frames=$out/sky-$1-$2x$3.raw
  "$QEMU" "$exe" render "$1" "$2" "$3" "$FRAMES" "$frames"
  for s in c neon; do
    all=$(count "$exe" $s "$1" "$2" "$3" "$frames" "$FRAMES")
    warm=$(count "$exe" $s "$1" "$2" "$3" "$frames" "$WARMUP")
    held=$("$QEMU" "$exe" $s "$1" "$2" "$3" "$frames" "$FRAMES")
    awk -v v="$1 $2x$3" -v s=$s -v a="$all" -v b="$warm" -v px=$(($2 * $3)) \
      -v n=$((FRAMES - WARMUP)) -v held="$held" \
      -v g4="$PI4_GHZ" -v i4="$PI4_IPC" -v g5="$PI5_GHZ" -v i5="$PI5_IPC" 'BEGIN {
      f = (a - b) / n
      printf "%-16s %-5s %12.0f %9.3f %8.1f%% %8.1f%%  %s\n", v, s, f, f / px,
        100 * f * 30 / (g4 * 1e9 * i4), 100 * f * 30 / (g5 * 1e9 * i5), held }'
  done
done

# qemu-user loads a PIE guest at this base (64-bit hosts); a function's
# range is its symbol's address from nm plus it
base=${QEMU_PIE_BASE:-0x5500000000}
frames=$out/sky-GRAY8-1280x720.raw
echo
echo "where the NEON build's instructions go, GRAY8 1280x720, per frame (the function itself, not what it calls)"
printf '%-24s %12s %9s\n' function "insns/frame" "insns/px"
aarch64-linux-gnu-nm -S "$exe" | awk '$3 ~ /^[tT]$/ && $2 != "" {print $4, $1, $2}' |
  grep -E '^(detector_process|det_[a-z_]*|count_span|find_candidates|[a-z_0-9]*_neon) ' |
  while read -r name addr size; do
    lo=$((base + 0x$addr))
    hi=$((lo + 0x$size))
    r() {
      "$QEMU" -plugin "$plugin,lo=$lo,hi=$hi" -d plugin "$exe" neon GRAY8 \
        1280 720 "$frames" "$1" 2>&1 >/dev/null |
        sed -n 's/.*range=\([0-9]*\).*/\1/p'
    }
    a=$(r "$FRAMES")
    b=$(r "$WARMUP")
    [ "$a" -gt "$b" ] || continue
    awk -v n="$name" -v a="$a" -v b="$b" -v k=$((FRAMES - WARMUP)) 'BEGIN {
      f = (a - b) / k; printf "%-24s %12.0f %9.3f\n", n, f, f / (1280 * 720) }'
  done | sort -k2 -n -r
