#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""gst-meteor example: the meteor station from Python (python3-gi).

The same pipeline as station-example.c: reads each frame's GstMeteorFrameMeta
through GObject introspection (GstMeteor-1.0), prints meteordetect's
meteor-detected messages, asks tieredsink for each meteor's first frame
(get-frame) when it is there, and stops cleanly on SIGINT.

Installed gst-meteor: python3 station-example.py
Uninstalled build (see docs/embedding.md):
  GI_TYPELIB_PATH=build/gst/meteor LD_LIBRARY_PATH=build/gst/meteor \\
  GST_PLUGIN_PATH=... python3 examples/station-example.py --seconds 5
"""
import argparse
import builtins
import signal
import sys
import tempfile
import shutil
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstMeteor", "1.0")
from gi.repository import GLib, GObject, Gst, GstMeteor  # noqa: E402

_print_lock = threading.Lock()


def print(*args, **kwargs):  # noqa: A001
    """print, one line at a time: appsink's streaming thread and the main
    loop both print, and their lines must not interleave."""
    with _print_lock:
        builtins.print(*args, **kwargs)

DEFAULT_SOURCE = (
    'meteorsky is-live=true seed=2026 '
    'schedule="meteor@15,snr=12;meteor@70,snr=10" ! '
    'video/x-raw,format=GRAY8,width=640,height=480,framerate=30/1')

EOS_TIMEOUT_S = 10


# buffers the queues (3 x 4), appsink (4) and the elements (2) hold
POOL_IN_FLIGHT = 18


def station_description(source, storage, held):
    """The pool is sized for what storage holds: appsink does not answer
    the allocation query, so the tee cannot ask the pool for it."""
    return (f"{source} ! meteorpool name=pool camera-id=cam0 "
            f"max-buffers={held + POOL_IN_FLIGHT} "
            "! meteordetect name=detect "
            "! tee name=t "
            f"t. ! queue max-size-buffers=4 ! {storage} "
            "t. ! queue max-size-buffers=4 "
            "! appsink name=frames sync=false max-buffers=4 emit-signals=true")


class Station:
    def __init__(self, args):
        self.args = args
        self.loop = GLib.MainLoop()
        self.failed = False
        self.stopping = False
        self.frames = 0
        self.frames_without_meta = 0
        self.gaps = 0
        self.last_id = None
        self.meteors = 0
        self.get_frame_ok = 0
        self.get_frame_missing = 0
        self.tmpdir = None

        have_tiered = Gst.ElementFactory.find("tieredsink") is not None
        if have_tiered:
            self.tmpdir = tempfile.mkdtemp(prefix="station-example-")
            storage = (f'tieredsink name=store location="{self.tmpdir}" '
                       f"hot-frames={args.hot_frames}")
        else:
            storage = "fakesink name=store sync=false"
        desc = station_description(args.source or DEFAULT_SOURCE, storage,
                                   args.hot_frames if have_tiered else 0)
        print("pipeline:", desc, flush=True)
        self.pipeline = Gst.parse_launch(desc)
        self.store = self.pipeline.get_by_name("store")
        if self.store is not None and \
                GObject.signal_lookup("get-frame", type(self.store)) != 0:
            print("get-frame: asking store for the first frame of each meteor")
        else:
            self.store = None
            print("get-frame: skipped, no tieredsink in the pipeline "
                  f"(element {'registered' if have_tiered else 'not registered'})")
        sink = self.pipeline.get_by_name("frames")
        sink.connect("new-sample", self.on_new_sample)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)

    # appsink's streaming thread
    def on_new_sample(self, sink):
        sample = sink.emit("pull-sample")
        if sample is None:
            return Gst.FlowReturn.EOS
        buf = sample.get_buffer()
        meta = GstMeteor.buffer_get_meteor_frame_meta(buf)
        if meta is None:
            self.frames_without_meta += 1
        else:
            if self.last_id is not None and meta.frame_id != self.last_id + 1:
                self.gaps += 1
            self.last_id = meta.frame_id
        every = self.args.print_every
        if every and self.frames % every == 0 and meta is not None:
            utc = meta.to_structure().get_string("utc")
            print(f"frame {meta.frame_id} camera={meta.camera_id} utc={utc} "
                  f"exposure-us={meta.exposure_time_us} gain={meta.gain:.2f} "
                  f"pts={buf.pts / Gst.SECOND:.3f}", flush=True)
        self.frames += 1
        return Gst.FlowReturn.OK

    def get_frame(self, frame_id):
        sample = self.store.emit("get-frame", frame_id)
        if sample is None:
            print(f"get-frame {frame_id}: not held by tieredsink")
            self.get_frame_missing += 1
            return
        buf = sample.get_buffer()
        meta = GstMeteor.buffer_get_meteor_frame_meta(buf)
        if meta is not None and meta.frame_id == frame_id:
            print(f"get-frame {frame_id}: ok, {buf.get_size()} bytes, "
                  f"meta frame_id {meta.frame_id}")
            self.get_frame_ok += 1
        else:
            print(f"get-frame {frame_id}: wrong frame")
            self.failed = True

    def on_message(self, bus, msg):
        t = msg.type
        if t == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s.has_name("meteor-detected"):
                self.meteors += 1
                first = s.get_uint64("first-frame")[1]
                last = s.get_uint64("last-frame")[1]
                d = {k: s.get_double(k)[1]
                     for k in ("x0", "y0", "x1", "y1", "speed-px-s", "snr")}
                print(f"meteor-detected id={s.get_uint('id')[1]} "
                      f"frames {first}-{last} "
                      f"({d['x0']:.0f},{d['y0']:.0f})->({d['x1']:.0f},{d['y1']:.0f}) "
                      f"{d['speed-px-s']:.0f} px/s snr {d['snr']:.1f} "
                      f"start-utc={s.get_string('start-utc')}", flush=True)
                if self.store is not None:
                    self.get_frame(first)
            elif s.has_name("tieredsink-clip-saved"):
                print("clip saved:", s.get_string("path"))
        elif t == Gst.MessageType.WARNING:
            err, _ = msg.parse_warning()
            print(f"warning from {msg.src.get_name()}: {err.message}",
                  file=sys.stderr)
        elif t == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            print(f"error from {msg.src.get_name()}: {err.message} ({dbg})",
                  file=sys.stderr)
            self.failed = True
            self.loop.quit()
        elif t == Gst.MessageType.EOS:
            print("EOS")
            self.loop.quit()

    def on_signal(self, *unused):
        if self.stopping:
            print("second signal: quitting without waiting for EOS")
            self.loop.quit()
            return GLib.SOURCE_CONTINUE
        self.stopping = True
        print("SIGINT: sending EOS", flush=True)
        self.pipeline.send_event(Gst.Event.new_eos())
        GLib.timeout_add_seconds(EOS_TIMEOUT_S, self.on_eos_timeout)
        return GLib.SOURCE_CONTINUE

    def on_time_up(self):
        self.on_signal()
        return GLib.SOURCE_REMOVE

    def on_eos_timeout(self):
        print(f"no EOS {EOS_TIMEOUT_S} s after SIGINT, stopping anyway",
              file=sys.stderr)
        self.failed = True
        self.loop.quit()
        return GLib.SOURCE_REMOVE

    def run(self):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT,
                             self.on_signal)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM,
                             self.on_signal)
        if self.args.seconds:
            GLib.timeout_add_seconds(self.args.seconds, self.on_time_up)
        if self.pipeline.set_state(Gst.State.PLAYING) == \
                Gst.StateChangeReturn.FAILURE:
            print("the pipeline does not start", file=sys.stderr)
            self.failed = True
        else:
            print("running; Ctrl-C (SIGINT) stops", flush=True)
            self.loop.run()
        # before NULL: the pool's counters go with the pool
        pool = self.pipeline.get_by_name("pool")
        if pool is not None:
            print("meteorpool stats:", pool.get_property("stats").to_string())
        self.pipeline.set_state(Gst.State.NULL)
        self.pipeline.get_bus().remove_signal_watch()
        print(f"frames {self.frames}, without meta {self.frames_without_meta}, "
              f"frame_id gaps {self.gaps}, meteors {self.meteors}, "
              f"get-frame ok {self.get_frame_ok}, "
              f"not held {self.get_frame_missing}")
        print("stopped with an error" if self.failed else "stopped cleanly",
              flush=True)
        if self.tmpdir:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        return 1 if self.failed else 0


def main():
    ap = argparse.ArgumentParser(description="a meteor station from Python")
    ap.add_argument("--source", help="source part of the pipeline, up to "
                    "the caps (default: synthetic sky)")
    ap.add_argument("--hot-frames", type=int, default=90,
                    help="tieredsink hot-frames (default 90)")
    ap.add_argument("--print-every", type=int, default=30,
                    help="print the meta of every Nth frame (0: none)")
    ap.add_argument("--seconds", type=int, default=0,
                    help="stop by itself after this long, as on SIGINT")
    args = ap.parse_args()
    Gst.init(None)
    GstMeteor.meteor_init()
    return Station(args).run()


if __name__ == "__main__":
    sys.exit(main())
