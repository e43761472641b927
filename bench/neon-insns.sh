#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# NEON speed without ARM hardware: executed aarch64 instructions per pixel
# of every kernel entry, C reference vs NEON, over a 1280x720 frame,
# counted under qemu-aarch64 with the insncount plugin
# (/work/shared/tools/insncount; built in a copy when that is read-only).
# The kernels are those of the aarch64 cross build (build-aarch64, from
# cross/aarch64-linux-gnu.ini, set up here if it is not there yet).
# Each count is a whole run minus a run that only sets up (same inputs).
# usage: sh bench/neon-insns.sh [WORK_DIR]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-${TMPDIR:-/tmp}/meteor-neon-insns}
. "$root/bench/qemu-insns.sh"
ninja -C "$cross" bench/insncount-kernels >/dev/null
exe=$cross/bench/insncount-kernels

base=$(count "$exe" c none)
echo "aarch64 instructions per pixel, 1280x720 (the cross build's $(cross_buildtype), qemu-aarch64 + insncount)"
printf '%-16s %10s %13s %7s\n' entry "C insns/px" "NEON insns/px" "ratio"
for e in $("$QEMU" "$exe" list); do
  c=$(count "$exe" c "$e")
  n=$(count "$exe" neon "$e")
  awk -v e="$e" -v b="$base" -v c="$c" -v n="$n" 'BEGIN {
    px = 1280 * 720; cp = (c - b) / px; np = (n - b) / px
    printf "%-16s %10.3f %13.3f %6.1fx\n", e, cp, np, cp / np }'
done
