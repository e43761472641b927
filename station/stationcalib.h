/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station calibrating its camera against the stars
 * from its own frames (GLib and calib/, no GStreamer). Every interval it
 * stacks the next stack_seconds of frames (their average: the stars
 * without the noise; a detection in them starts the stack again), solves
 * the stack with astrometry.net and fits its photometry in a thread of
 * its own, and keeps the result in DIR/<time>.wcs and DIR/camera.wcs (the
 * latest, which the next night starts with). A sky that does not solve
 * (clouds, twilight) is tried again after retry seconds. */
#ifndef __METEOR_STATION_CALIB_H__
#define __METEOR_STATION_CALIB_H__

#include "calibrate.h"
#include "photometry.h"

#include <glib.h>

typedef struct {
  gdouble interval;              /* s between two calibrations */
  gdouble retry;                 /* s after one that did not solve */
  gdouble stack_seconds;         /* s of frames stacked */
  gdouble scale_low, scale_high; /* arcsec a pixel; 0: no hint */
} StationCalibSettings;

typedef struct StationCalib StationCalib;

/* Called from the solver's thread with DIR/camera.wcs when a calibration
 * is made. */
typedef void (*StationCalibDone) (const gchar *wcs_path,
    const MeteorCalibration *cal, const MeteorPhotometry *phot, gpointer data);

/* The first stack starts with the first frame. */
StationCalib *station_calib_new (const StationCalibSettings *settings,
    const gchar *dir, StationCalibDone done, gpointer data);
/* Waits for a solve under way. */
void station_calib_free (StationCalib *c);

/* A frame's luma (@pstride bytes between pixels) captured at @utc (s
 * since 1970); the streaming thread. */
void station_calib_frame (StationCalib *c, const guint8 *luma, gint stride,
    gint pstride, gint width, gint height, gdouble utc);

/* A meteor was seen: the stack under way starts again. */
void station_calib_interrupt (StationCalib *c);

/* Calibrations made, and tries that did not solve. */
void station_calib_counts (StationCalib *c, guint *made, guint *failed);

/* DIR/camera.wcs when there is one (g_free it), else NULL. */
gchar *station_calib_latest (const gchar *dir);

#endif /* __METEOR_STATION_CALIB_H__ */
