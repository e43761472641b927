#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds each pure-C core with its tests for aarch64 (static) and runs them
# under qemu-aarch64: how NEON code and the cores' portability are tested
# without ARM hardware.  usage: cross-aarch64.sh SOURCE_ROOT BUILD_DIR
set -eu
root=$1
out=$2/cross-aarch64
CC=${CROSS_CC:-aarch64-linux-gnu-gcc}
QEMU=${QEMU:-qemu-aarch64}

for tool in "$CC" "$QEMU"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "cross-aarch64: $tool is not installed (scripts/deps.sh installs it): skipped"
    exit 77
  fi
done
mkdir -p "$out"
cd "$root"

# name | sources (test first) | include dirs | extra flags | libraries |
# arguments of the run
k=gst/meteor/kernels
# the tier stores link Debian's arm64 static libzstd and libz (scripts/deps.sh)
t=plugins/tieredsink
tier="$t/tiercommon.c $t/tierrecord.c $t/coldstore.c $t/coldindex.c $t/warmring.c $t/clipstore.c $t/clipper.c $t/storespace.c $t/memwatch.c"
tinc="$t gst/meteor tests/common tests/tier"
export="tools/clipexport.c tools/pngwrite.c"
s=plugins/meteorsky
sky="$s/skymodel.c $s/skydraw.c $s/skyformat.c $s/skyschedule.c"
d=plugins/meteordetect
det="$d/detector.c $d/detector-image.c $d/detector-noise.c $d/detector-chance.c $d/detector-canary.c $d/detector-clusters.c $d/detector-tracks.c $d/detector-judge.c"
cores="
skyrender|tests/sky/test-skyrender.c $sky|plugins/meteorsky gst/meteor tests/common
kernels|tests/kernels/test-kernels.c $k/kernels_c.c $k/cpu.c $k/arm/kernels_neon.c|$k|-DMETEOR_HAVE_NEON
detector|tests/detect/test-detector.c $det $sky $k/kernels_c.c $k/cpu.c $k/arm/kernels_neon.c|$k plugins/meteorsky plugins/meteordetect gst/meteor tests/common|-DMETEOR_HAVE_NEON
detector-video|tests/detect/test-detector-video.c $det $sky $k/kernels_c.c $k/cpu.c $k/arm/kernels_neon.c|$k plugins/meteorsky plugins/meteordetect gst/meteor tests/common|-DMETEOR_HAVE_NEON||--quick
metrics|tests/stats/test-metrics.c plugins/meteorstats/metrics.c|plugins/meteorstats gst/meteor tests/common
tier-coldstore|tests/tier/test-coldstore.c $tier|$tinc|-D_GNU_SOURCE|-lzstd
tier-warmring|tests/tier/test-warmring.c $tier|$tinc|-D_GNU_SOURCE|-lzstd
tier-memwatch|tests/tier/test-memwatch.c $tier|$tinc|-D_GNU_SOURCE|-lzstd
tier-clip|tests/tier/test-clip.c $tier $export|$tinc tools|-D_GNU_SOURCE|-lzstd -lz
tier-fuzz|tests/tier/test-fuzz.c $tier $export|$tinc tools|-D_GNU_SOURCE|-lzstd -lz
tier-crash|tests/tier/test-crash.c $tier|$tinc|-D_GNU_SOURCE|-lzstd
tier-clipper|tests/tier/test-clipper.c $tier|$tinc|-D_GNU_SOURCE|-lzstd
"

status=0
echo "$cores" | while IFS='|' read -r name sources includes extra libs args; do
  [ -n "$name" ] || continue
  flags="$extra"
  for inc in $includes; do flags="$flags -I$inc"; done
  # shellcheck disable=SC2086
  $CC -std=gnu11 -O2 -Wall -static $flags $sources $libs -lm -o "$out/$name"
  echo "=== $name (aarch64, under $QEMU)"
  # shellcheck disable=SC2086
  "$QEMU" "$out/$name" $args || exit 1
done || status=1
exit $status
