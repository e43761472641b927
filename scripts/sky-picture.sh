#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Writes docs/images/meteorsky-maxpixel.png: the max-pixel stack of 8 s of
# meteorsky with a meteor, a plane and a satellite, as docs/meteorsky.md
# shows it.  usage: sky-picture.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
. scripts/env.sh "${1:-build}"
"${1:-build}"/tools/meteor-stack -o docs/images/meteorsky-maxpixel.png \
  meteorsky num-buffers=240 seed=3 meteor-rate=0 plane-rate=0 \
  satellite-rate=0 flash-rate=0 fireball-rate=0 \
  "schedule=meteor@20,x=150,y=120,angle=25,speed=25,duration=0.8,snr=40;plane@0,x=0,y=380,angle=-10,speed=1.2,snr=6;satellite@0,x=600,y=20,angle=120,speed=1.5,snr=5" \
  ! video/x-raw,width=640,height=480,framerate=30/1
