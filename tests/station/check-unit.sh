#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# meteor-station@.service as systemd reads it (systemd-analyze verify),
# pointing at the station just built; skipped without systemd-analyze.
# usage: check-unit.sh UNIT BUILD_STATION_DIR
set -u
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# an instance, with the program where the build put it
sed "s|^ExecStart=[^ ]*/meteor-station |ExecStart=$2/meteor-station |" "$1" \
  >"$work/meteor-station@test.service"
grep -q "^ExecStart=$2/meteor-station --config .*/gst-meteor/%i.ini" \
  "$work/meteor-station@test.service" || { echo "FAIL: ExecStart: $(grep ExecStart "$1")"; exit 1; }
grep -q '^ExecReload=/bin/kill -HUP $MAINPID' "$1" || { echo "FAIL: no reload by SIGHUP"; exit 1; }
if out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
  "$work/meteor-station@test.service" 2>&1) && [ -z "$out" ]; then
  echo "ok: systemd-analyze verify finds nothing to say"
else
  echo "FAIL: systemd-analyze verify: $out"
  exit 1
fi
