#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make test: builds and runs every suite:
#   1. plain build (debugoptimized), meson test -v
#   2. the pure-C cores cross-built for aarch64 through the meson cross file
#      (cross/aarch64-linux-gnu.ini, Debian's arm64 multiarch libraries),
#      their tests run under qemu-aarch64: how NEON is tested without ARM
#   3. the binaries of 1 under the GStreamer leaks tracer (fails on any leak)
#   4. a second build with AddressSanitizer + UndefinedBehaviorSanitizer
# The python scorer tests and the integration suites run in 1 only.
set -eu
cd "$(dirname "$0")/.."

[ -f build/build.ninja ] || meson setup build
ninja -C build
echo "=== tests"
meson test -C build -v --print-errorlogs

[ -f build-aarch64/build.ninja ] ||
  meson setup build-aarch64 --cross-file cross/aarch64-linux-gnu.ini \
    -Dgstreamer=disabled
ninja -C build-aarch64
echo "=== the pure-C cores for aarch64, under qemu-aarch64"
# qemu runs a core's test several times slower than the CPU would
meson test -C build-aarch64 -v --print-errorlogs --timeout-multiplier 4

echo "=== tests under the leaks tracer"
meson test -C build -v --print-errorlogs --setup leaks --no-suite quality --no-suite integration

[ -f build-asan/build.ninja ] ||
  meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debug
ninja -C build-asan
echo "=== tests under ASan + UBSan"
meson test -C build-asan -v --print-errorlogs --setup asan --no-suite quality --no-suite integration
