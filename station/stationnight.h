/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's record of a night (pure C, GLib,
 * json-glib, libpng; no GStreamer): the max-pixel image of the night with
 * every detection's track drawn and numbered (night.png), and a summary
 * (night.json), both written into the night's directory at dawn or on
 * stop. Times are UTC seconds since 1970 (double: sub-second). */
#ifndef __METEOR_STATION_NIGHT_H__
#define __METEOR_STATION_NIGHT_H__

#include "stationclock.h" /* StationClockState */

#include <glib.h>

typedef struct StationNight StationNight;

typedef struct {
  guint id;                   /* meteordetect's id */
  gdouble start_utc, end_utc; /* unix seconds, UTC */
  guint64 first_frame, last_frame;
  gdouble x0, y0, x1, y1; /* track begin and end, pixels of the full frame */
  gdouble snr, peak, speed_px_s;
  gint n_points;
  /* the clip's directory relative to the night's, or NULL; copied */
  const gchar *clip;
  StationClockState clock; /* clock state when it was detected */
} StationDetection;

/* Counters the station keeps up to date (set, not added). A time <= 0 is
 * not known (null in night.json). */
typedef struct {
  gdouble start_utc, end_utc; /* capture started / stopped */
  /* frames seen, frames lost (pool, storage) */
  guint64 frames, frames_dropped;
  guint reconnects;        /* camera reconnects */
  gdouble dropped_seconds; /* camera time lost to outages */
  /* clips, and clips that could not be written */
  guint64 clips_written, clips_failed;
  gdouble canary_recall; /* < 0: not known */
  StationClockState clock_start, clock_end;
  gboolean clock_ever_unsynchronized;
} StationNightCounters;

/* @night_name is the night's YYYYMMDD. The counters start at zero, with
 * canary_recall not known. */
StationNight *station_night_new (const gchar *station_id,
    const gchar *night_name, gdouble latitude, gdouble longitude,
    gdouble elevation);
void station_night_free (StationNight *n);

/* One frame's luma plane (@height rows of @stride bytes), max-accumulated
 * into the night image. The image is allocated at the first frame's size;
 * a frame of another size (camera renegotiated) is ignored and counted.
 * @pixel_stride is 1 for planar luma (GRAY8, I420, NV12), 2 for YUY2
 * (luma at even bytes). */
void station_night_add_frame (StationNight *n, const guint8 *luma, gsize stride,
    guint width, guint height, guint pixel_stride);

/* Frames left out of the image because their size was not the first
 * frame's ("image_frames_ignored" in night.json). */
guint64 station_night_frames_ignored (const StationNight *n);

/* Numbered 1, 2, ... in the order added, in night.png and night.json. */
void station_night_add_detection (StationNight *n, const StationDetection *d);

void station_night_set_counters (
    StationNight *n, const StationNightCounters *c);

/* Writes @dir/night.png, then @dir/night.json, each atomically (a temp
 * name in @dir, fsync, rename; the temp file removed on failure). A night
 * with no frame writes no PNG ("image": null). If the PNG cannot be
 * written night.json is still written, with "image": null. Returns FALSE
 * with @error naming the file and the cause of the first failure
 * ("…/night.png: No space left on device"). */
gboolean station_night_write (
    StationNight *n, const gchar *dir, GError **error);

#define STATION_NIGHT_ERROR (station_night_error_quark ())
GQuark station_night_error_quark (void);

typedef enum {
  STATION_NIGHT_ERROR_WRITE, /* a file could not be written */
} StationNightError;

#endif /* __METEOR_STATION_NIGHT_H__ */
