#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A plugin exports its entry points and nothing else: the cores it is built
# from (detector_*, tier_*, sky_*, metrics_*) stay inside it.
# usage: plugin-symbols.sh BUILD_DIR
set -eu
status=0
for so in "$1"/plugins/*/libgst*.so; do
  extra=$(nm -D --defined-only "$so" | awk '{ print $3 }' |
    grep -Ev '^(gst_plugin_|meteor_kernels|meteor_cpu_flags|_)' || true)
  if [ -n "$extra" ]; then
    echo "FAIL: $(basename "$so") exports:" $extra
    status=1
  else
    echo "ok: $(basename "$so") exports its entry points only"
  fi
done
exit $status
