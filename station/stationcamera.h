/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's camera: a bin around the source part of
 * the pipeline (a gst-launch description ending in raw video) with a
 * watchdog. On a source error, an end of stream from a live camera, or no
 * frame for a while, it tears the source down and builds a new one, with
 * a backoff of 1 s doubling to 60 s, while the rest of the pipeline (pool,
 * detector, storage) keeps running. Its `stats` property (registered in
 * the stats registry, so /metrics has it) counts reconnects, the time
 * lost, and carries the clock state the station last read. */
#ifndef __METEOR_STATION_CAMERA_H__
#define __METEOR_STATION_CAMERA_H__

#include "stationclock.h"

#include <gst/gst.h>

G_BEGIN_DECLS

#define STATION_TYPE_CAMERA_BIN (station_camera_bin_get_type ())
G_DECLARE_FINAL_TYPE (
    StationCameraBin, station_camera_bin, STATION, CAMERA_BIN, GstBin)

/* @description: the source part (gst-launch syntax), the src pad of
 * its element named "out" becomes the bin's "src"; @live: an end of stream is a
 * camera gone, not the end of the night; @no_frame_seconds: a camera this
 * quiet is hung (0: never). NULL with @error when @description does not
 * parse. */
StationCameraBin *station_camera_bin_new (const gchar *name,
    const gchar *description, gboolean live, gdouble no_frame_seconds,
    GError **error);

/* Ends the stream (dawn, a stop): an end of stream sent downstream by
 * the bin itself, so that a hung camera cannot hold it up; no reconnect
 * after. */
void station_camera_bin_end (StationCameraBin *camera);

/* The clock state to report with the camera's stats. */
void station_camera_bin_set_clock (
    StationCameraBin *camera, const StationClockState *clock);

/* Reconnects so far, and seconds of camera time lost to outages. */
guint station_camera_bin_get_reconnects (StationCameraBin *camera);
gdouble station_camera_bin_get_dropped_seconds (StationCameraBin *camera);

G_END_DECLS

#endif /* __METEOR_STATION_CAMERA_H__ */
