#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make test: builds and runs every suite three times:
#   1. plain build (debugoptimized), meson test -v
#   2. the same binaries under the GStreamer leaks tracer (fails on any leak)
#   3. a second build with AddressSanitizer + UndefinedBehaviorSanitizer
# The aarch64 cross run (qemu) and the python scorer tests run once, in 1.
set -eu
cd "$(dirname "$0")/.."

[ -f build/build.ninja ] || meson setup build
ninja -C build
echo "=== tests"
meson test -C build -v --print-errorlogs
echo "=== tests under the leaks tracer"
meson test -C build -v --print-errorlogs --setup leaks --no-suite cross --no-suite quality --no-suite integration

[ -f build-asan/build.ninja ] ||
  meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debug
ninja -C build-asan
echo "=== tests under ASan + UBSan"
meson test -C build-asan -v --print-errorlogs --setup asan --no-suite cross --no-suite quality --no-suite integration
