#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The one list of Debian 12 packages gst-meteor needs to build, test and run
# its demo. Installs only what is missing; needs root (or sudo) when it does.
set -eu

PACKAGES="
  build-essential meson ninja-build pkg-config
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad gstreamer1.0-libav
  gstreamer1.0-libcamera
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  libzstd-dev zlib1g-dev libjson-glib-dev libcfitsio-dev libpng-dev
  libzstd-dev:arm64 zlib1g-dev:arm64 libjson-glib-dev:arm64
  libcfitsio-dev:arm64 libpng-dev:arm64 libnova-dev libnova-dev:arm64
  astrometry.net astrometry-data-tycho2-10-19 wcslib-dev wcslib-dev:arm64
  libsoup-3.0-dev prometheus libgstrtspserver-1.0-dev
  mosquitto libmosquitto-dev libmosquitto-dev:arm64
  gobject-introspection libgirepository1.0-dev python3-gi gir1.2-gstreamer-1.0
  gir1.2-gst-plugins-base-1.0 gnuplot-nox
  python3-numpy python3-astropy
"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
# The aarch64 cross build (cross/aarch64-linux-gnu.ini) links the cores
# against Debian's arm64 multiarch libraries.
dpkg --print-foreign-architectures | grep -qx arm64 ||
  $SUDO dpkg --add-architecture arm64
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
