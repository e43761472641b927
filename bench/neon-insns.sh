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
QEMU=${QEMU:-qemu-aarch64}
INSNCOUNT=${INSNCOUNT:-/work/shared/tools/insncount}
cross=$root/build-aarch64
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

[ -f "$cross/build.ninja" ] ||
  meson setup "$cross" "$root" --cross-file "$root/cross/aarch64-linux-gnu.ini" \
    -Dgstreamer=disabled >/dev/null
ninja -C "$cross" bench/insncount-kernels >/dev/null
exe=$cross/bench/insncount-kernels

count() {
  "$QEMU" -plugin "$plugin" -d plugin "$exe" "$@" 2>&1 \
    >/dev/null | sed -n 's/.*insns total=\([0-9]*\).*/\1/p'
}

base=$(count c none)
echo "aarch64 instructions per pixel, 1280x720 (the cross build's $(meson introspect "$cross" --buildoptions | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"))'), qemu-aarch64 + insncount)"
printf '%-16s %10s %13s %7s\n' entry "C insns/px" "NEON insns/px" "ratio"
for e in $("$QEMU" "$exe" list); do
  c=$(count c "$e")
  n=$(count neon "$e")
  awk -v e="$e" -v b="$base" -v c="$c" -v n="$n" 'BEGIN {
    px = 1280 * 720; cp = (c - b) / px; np = (n - b) / px
    printf "%-16s %10.3f %13.3f %6.1fx\n", e, cp, np, cp / np }'
done
