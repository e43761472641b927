#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A live station's disk writes and clip bursts, measured in-process.

usage: station-io.py writes   a 2-minute live 1280x720 25 fps station with
                              tieredsink's defaults: the bytes the process
                              wrote (/proc/self/io write_bytes, counted when
                              pages are dirtied) are at most 1.2 x what the
                              store holds (clips, cold) + 16 MB
       station-io.py burst    1800 frames with a meteor every 1.5 s: the
                              stream keeps its pace (wall time within 2 % of
                              72 s), clip bytes written are at most 1.1 x
                              the clips' final size, every clip announced
                              is there and whole at the end

Exit 77 when python3-gi cannot be had."""
import os
import shutil
import sys
import tempfile
import time

try:
    import gi

    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
except (ImportError, ValueError) as e:
    print("station-io: python3-gi with Gst 1.0 is needed (%s): skipped" % e)
    sys.exit(77)

CAPS = "video/x-raw,format=GRAY8,width=1280,height=720,framerate=25/1"


def write_bytes():
    with open("/proc/self/io") as f:
        for line in f:
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    raise RuntimeError("/proc/self/io has no write_bytes")


def tree_bytes(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


def run(source, frames, store):
    """Runs the station over @frames frames; returns (wall seconds, clip
    messages, tieredsink's last stats)."""
    desc = (
        "%s num-buffers=%d ! %s ! meteorpool ! queue ! meteordetect ! queue "
        "! tieredsink name=store location=%s" % (source, frames, CAPS, store)
    )
    pipeline = Gst.parse_launch(desc)
    bus = pipeline.get_bus()
    clips, stats = [], None
    start = time.monotonic()
    pipeline.set_state(Gst.State.PLAYING)
    deadline = start + frames / 25.0 * 3 + 60
    while True:
        msg = bus.timed_pop(Gst.SECOND)
        if time.monotonic() > deadline:
            sys.exit("station-io: no EOS by the deadline")
        if msg is None:
            continue
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            sys.exit("station-io: error: %s (%s)" % (err.message, dbg))
        if msg.type == Gst.MessageType.EOS:
            break
        s = msg.get_structure()
        if msg.type == Gst.MessageType.ELEMENT and s is not None:
            if s.get_name() == "tieredsink-clip-saved":
                clips.append((s.get_string("path"), s.get_value("bytes")))
            elif s.get_name() == "tieredsink-stats":
                stats = s
    wall = time.monotonic() - start
    if stats is None:
        stats = pipeline.get_by_name("store").get_property("stats")
    pipeline.set_state(Gst.State.NULL)
    return wall, clips, stats


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    Gst.init(None)
    store = tempfile.mkdtemp(prefix="station-io-")
    try:
        if mode == "writes":
            before = write_bytes()
            wall, clips, stats = run(
                "meteorsky is-live=true seed=11 meteor-rate=120", 3000, store)
            written = write_bytes() - before
            stored = tree_bytes(os.path.join(store, "clips")) + tree_bytes(
                os.path.join(store, "cold"))
            bound = 1.2 * stored + 16e6
            print(
                "station-io writes: %.1f s, %d clips, %.1f MB stored "
                "(clips and cold), %.1f MB written by the process "
                "(bound %.1f MB), warm-bytes-written %d (in memory)"
                % (wall, len(clips), stored / 1e6, written / 1e6, bound / 1e6,
                   stats.get_value("warm-bytes-written"))
            )
            if written > bound:
                sys.exit("station-io: wrote %d bytes, more than %d" %
                         (written, bound))
        elif mode == "burst":
            wall, clips, stats = run(
                "meteorsky is-live=true seed=3 meteor-rate=2400", 1800, store)
            on_disk = tree_bytes(os.path.join(store, "clips"))
            clip_bytes = stats.get_value("clip-bytes")
            print(
                "station-io burst: %.2f s for 72 s of frames, %d clips "
                "(%d continued), %.1f MB written into clips, %.1f MB on disk, "
                "%d clip frames missing, writer at most %d frames behind"
                % (wall, len(clips), stats.get_value("clips-continued"),
                   clip_bytes / 1e6, on_disk / 1e6,
                   stats.get_value("clip-missing-frames"),
                   stats.get_value("clip-writer-max-lag"))
            )
            if abs(wall - 72.0) > 0.02 * 72.0:
                sys.exit("station-io: 72 s of frames took %.2f s" % wall)
            if not clips:
                sys.exit("station-io: no clip saved")
            if clip_bytes > 1.1 * on_disk:
                sys.exit("station-io: %d bytes written into clips, %d on disk"
                         % (clip_bytes, on_disk))
            for path, _size in clips:
                for name in ("clip.json", "frames.mtrs"):
                    if not os.path.isfile(os.path.join(path, name)):
                        sys.exit("station-io: announced clip %s has no %s" %
                                 (path, name))
        else:
            sys.exit(__doc__)
    finally:
        shutil.rmtree(store, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
