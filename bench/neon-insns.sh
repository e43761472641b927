#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# NEON speed without ARM hardware: executed aarch64 instructions per pixel
# of every kernel entry, C reference vs NEON, over a 1280x720 frame,
# counted under qemu-aarch64 with the insncount plugin
# (/work/shared/tools/insncount; built in a copy when that is read-only).
# Each count is a whole run minus a run that only sets up (same inputs).
# usage: sh bench/neon-insns.sh [WORK_DIR]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-${TMPDIR:-/tmp}/meteor-neon-insns}
CC=${CROSS_CC:-aarch64-linux-gnu-gcc}
QEMU=${QEMU:-qemu-aarch64}
INSNCOUNT=${INSNCOUNT:-/work/shared/tools/insncount}
CFLAGS=${CFLAGS:--O2}
mkdir -p "$out"

plugin=$INSNCOUNT/insncount.so
if [ ! -f "$plugin" ]; then
  if [ -w "$INSNCOUNT" ]; then
    make -s -C "$INSNCOUNT"
  else
    cp "$INSNCOUNT/insncount.c" "$INSNCOUNT/Makefile" "$out/"
    make -s -C "$out"
    plugin=$out/insncount.so
  fi
fi

k=$root/gst/meteor/kernels
# shellcheck disable=SC2086
$CC -std=gnu11 $CFLAGS -Wall -static -DMETEOR_HAVE_NEON -I"$k" \
  "$root/bench/insncount-kernels.c" "$k/kernels_c.c" "$k/cpu.c" \
  "$k/arm/kernels_neon.c" -o "$out/insncount-kernels"

count() {
  "$QEMU" -plugin "$plugin" -d plugin "$out/insncount-kernels" "$@" 2>&1 \
    >/dev/null | sed -n 's/.*insns total=\([0-9]*\).*/\1/p'
}

base=$(count c none)
echo "aarch64 instructions per pixel, 1280x720 ($CC $CFLAGS, qemu-aarch64 + insncount)"
printf '%-16s %10s %13s %7s\n' entry "C insns/px" "NEON insns/px" "ratio"
for e in $("$QEMU" "$out/insncount-kernels" list); do
  c=$(count c "$e")
  n=$(count neon "$e")
  awk -v e="$e" -v b="$base" -v c="$c" -v n="$n" 'BEGIN {
    px = 1280 * 720; cp = (c - b) / px; np = (n - b) / px
    printf "%-16s %10.3f %13.3f %6.1fx\n", e, cp, np, cp / np }'
done
