# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the aarch64 instruction-count benchmarks (neon-insns.sh,
# detector-insns.sh): the insncount plugin (/work/shared/tools/insncount,
# built in a copy when that is read-only), the aarch64 cross build
# (build-aarch64, from cross/aarch64-linux-gnu.ini, set up here if it is
# not there yet) and count EXE ARGS..., the instructions one run executes
# under qemu-aarch64.
# Needs: root (the source tree), out (a work directory).
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

cross_buildtype() {
  meson introspect "$cross" --buildoptions | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"))'
}

count() {
  "$QEMU" -plugin "$plugin" -d plugin "$@" 2>&1 \
    >/dev/null | sed -n 's/.*insns total=\([0-9]*\).*/\1/p'
}
