#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# meteor-clip on a real clip: list, info, the three exports, bad input.
# usage: test-meteor-clip.sh METEOR_CLIP TEST_CLIP
set -u
clip_tool=$1
maker=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/meteor-clipcli-XXXXXX")
trap 'rm -rf "$dir"' EXIT
# a cross build runs its binaries through an emulator (qemu): meson names it
if [ -n "${MESON_EXE_WRAPPER:-}" ]; then
  for tool in clip_tool maker; do
    eval "real=\$$tool"
    printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$MESON_EXE_WRAPPER" "$real" >"$dir/$tool"
    chmod +x "$dir/$tool"
    eval "$tool=\$dir/\$tool"
  done
fi
fail=0
check() { # description, then a command that must succeed
  what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}

"$maker" --make "$dir/clips" || { echo "FAIL: cannot make a clip"; exit 1; }
check "list names the clip" sh -c "'$clip_tool' list '$dir/clips' | grep -q '^night-1	3 frames	72 bytes	video/x-raw'"
check "info" sh -c "'$clip_tool' info --frames '$dir/clips/night-1' | grep -q 'frame 11 utc 2023-11-14T22:13:20.000000Z pts none size 24'"
check "export y4m" "$clip_tool" export --y4m "$dir/out.y4m" "$dir/clips/night-1"
check "y4m header" sh -c "head -c 40 '$dir/out.y4m' | grep -q 'YUV4MPEG2 W5 H3 F30:1 Ip A1:1 Cmono'"
check "y4m size" test "$(wc -c < "$dir/out.y4m")" -eq $((36 + 3 * (6 + 15)))
check "export png" "$clip_tool" export --png "$dir/png" "$dir/clips/night-1"
check "3 png files" test "$(ls "$dir/png" | wc -l)" -eq 3
check "export fits" "$clip_tool" export --fits "$dir/out.fits" "$dir/clips/night-1"
check "fits is 2 blocks" test "$(wc -c < "$dir/out.fits")" -eq 5760
check "missing clip: exit 1 with the reason" sh -c "! '$clip_tool' info '$dir/nope' 2>'$dir/err' && grep -q 'No such file' '$dir/err'"
check "export without a target: usage" sh -c "'$clip_tool' export '$dir/clips/night-1' 2>/dev/null; test \$? -eq 2"
check "export --ff without --station: exit 2, said" sh -c "'$clip_tool' export --ff '$dir/ff' '$dir/clips/night-1' 2>'$dir/err'; test \$? -eq 2 && grep -q -- '--station ID' '$dir/err'"
check "export --ff" "$clip_tool" export --ff "$dir/ff" --station XX0001 "$dir/clips/night-1"
# frames 10-12 of the station's block 0 (frame 10 at 22:13:20.000, 30 fps)
ff="$dir/ff/FF_XX0001_20231114_221319_666_0000000.fits"
check "the FF block named for the station and its frame 0" test -f "$ff"
# read as RMS's reader (RMS/Formats/FFfits.py) reads it: the header keys,
# then HDUs 1-4 as maxpixel, maxframe, avepixel, stdpixel
check "the FF block reads as RMS reads it (astropy)" /usr/bin/python3 - "$ff" <<'PY'
import sys
from astropy.io import fits
with fits.open(sys.argv[1]) as h:
    head = h[0].header
    assert (head['NROWS'], head['NCOLS'], head['NBITS']) == (3, 5, 8), head
    assert head["NFRAMES"] == 13 and head['NSUMMED'] == 3, head
    assert head['FIRST'] == 256 and head['CAMNO'] == 'XX0001', head
    assert head['FPS'] == 30.0 and head['DATE-OBS'] == '2023-11-14T22:13:19.666666', head
    names = [x.name for x in h[1:]]
    assert names == ['MAXPIXEL', 'MAXFRAME', 'AVEPIXEL', 'STDPIXEL'], names
    for x in h[1:]:
        assert x.data.shape == (3, 5) and x.data.dtype.name == 'uint8', x
    assert set(h[2].data.ravel()) <= {10, 11, 12}, h[2].data
    assert (h[1].data >= h[3].data).all()
PY
# its detection is no meteordetect structure: nothing written, said why
# (a build without GStreamer says it cannot read detections)
check "export --ftpdetectinfo of no meteor: fails, said, no file" sh -c "! '$clip_tool' export --ftpdetectinfo '$dir/ftp.txt' --station XX0001 '$dir/clips/night-1' 2>'$dir/err' && grep -q -e 'no detection with a path' -e 'built with GStreamer' '$dir/err' && test ! -e '$dir/ftp.txt'"
check "export --ftpdetectinfo without --station: exit 2" sh -c "'$clip_tool' export --ftpdetectinfo '$dir/ftp.txt' '$dir/clips/night-1' 2>/dev/null; test \$? -eq 2"
check "export --ecsv without its calibration and place: exit 2, said" sh -c "'$clip_tool' export --ecsv '$dir/ecsv' --station XX0001 '$dir/clips/night-1' 2>'$dir/err'; test \$? -eq 2 && grep -q -e '--calibration WCS' -e 'built with GStreamer' '$dir/err'"
check "--help says what each format gets" sh -c "'$clip_tool' --help | grep -q 'C444 converted'"

# one flipped byte in the second frame's record: the clip is damaged, its
# other frames are salvaged on request
cp -r "$dir/clips/night-1" "$dir/clips/night-2"
off=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["frame_list"][1]["offset"])' "$dir/clips/night-2/clip.json")
python3 -c 'import sys
p, at = sys.argv[1], int(sys.argv[2]) + 20
b = bytearray(open(p, "rb").read()); b[at] ^= 0xff; open(p, "wb").write(b)' \
  "$dir/clips/night-2/frames.mtrs" "$off"
check "damaged clip: export refuses, says --salvage" sh -c "! '$clip_tool' export --y4m '$dir/bad.y4m' '$dir/clips/night-2' 2>'$dir/err' && grep -q -- '--salvage' '$dir/err'"
check "--salvage exports the 2 good frames" "$clip_tool" export --salvage --y4m "$dir/bad.y4m" "$dir/clips/night-2"
check "salvaged y4m has 2 frames" test "$(wc -c < "$dir/bad.y4m")" -eq $((36 + 2 * (6 + 15)))
check "--salvage says 1 lost" sh -c "'$clip_tool' export --salvage --y4m '$dir/bad2.y4m' '$dir/clips/night-2' 2>&1 | grep -q 'salvaged 2 frames, 1 lost'"
mkdir "$dir/clips/night-3"
check "a clip directory without clip.json is listed as damaged" sh -c "'$clip_tool' list '$dir/clips' | grep -q '^night-3	damaged: no clip.json'"
exit $fail
