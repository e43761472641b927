/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's config file (pure C, GLib's GKeyFile):
 * every key known, checked and defaulted here; an error names the file,
 * the line and the key. See station/station.ini for the keys. */
#ifndef __METEOR_STATION_CONFIG_H__
#define __METEOR_STATION_CONFIG_H__

#include "stationcalib.h"

#include <glib.h>

typedef enum {
  STATION_CAMERA_SKY, /* meteorsky: the synthetic sky */
  STATION_CAMERA_LIBCAMERA,
  STATION_CAMERA_V4L2,
  STATION_CAMERA_RTSP,
  STATION_CAMERA_FILE,
} StationCamera;

/* A [detect] key: a meteordetect property, set by name; the program
 * checks it against the element (its line for the error). */
typedef struct {
  gchar *name, *value;
  gint line;
} StationProperty;

typedef struct {
  gchar *path; /* the file read */

  /* [station] */
  gchar *id;
  gdouble latitude, longitude, elevation;
  gboolean has_location; /* latitude and longitude given */

  /* [camera] */
  StationCamera source;
  gchar *device, *url, *file; /* v4l2, rtsp, file */
  gchar *format;              /* raw format wanted, NULL: the camera's */
  gchar *sky_options;         /* source=sky: more meteorsky properties */
  gchar *start_time;  /* source=file: the recording's UTC start (ISO 8601) */
  gint width, height; /* 0: the camera's */
  gint fps_n, fps_d;  /* 0/1: the camera's */
  gdouble no_frame_seconds; /* the watchdog: a camera this quiet is hung */

  /* [detect] */
  StationProperty *detect;
  guint n_detect;

  /* [storage] */
  gchar *store;
  gdouble hot_seconds;
  guint64 warm_bytes, cold_bytes, quota_bytes, min_free_bytes;

  /* [metrics] */
  gint metrics_port; /* 0: off */
  gchar *metrics_bind;

  /* [schedule] */
  gboolean always;
  gdouble start_altitude, stop_altitude; /* degrees, the sun's */

  /* [calibration] */
  gboolean calibrate; /* by itself, from its frames */
  StationCalibSettings calib;
} StationConfig;

/* Reads and checks @path; NULL with @error naming the file, the line and
 * the key. */
StationConfig *station_config_load (const gchar *path, GError **error);
void station_config_free (StationConfig *config);

/* SIGHUP: the sections whose change in @next only a restart applies
 * ("[camera], [storage]"; g_free it), or NULL when none changed. */
gchar *station_config_restart_needed (
    const StationConfig *config, const StationConfig *next);

/* SIGHUP: takes what applies live from @next into @config: [detect]
 * (moved out of @next), [schedule] and the station's place. */
void station_config_take_live (StationConfig *config, StationConfig *next);

/* Buffers meteorpool needs: the frames hot keeps (@hot_seconds at the
 * frame rate), the queues' (@queued), and two for the camera to fill.
 * The user never sets max-buffers. */
guint station_pool_buffers (
    gdouble hot_seconds, gint fps_n, gint fps_d, guint queued);

#define STATION_CONFIG_ERROR (station_config_error_quark ())
GQuark station_config_error_quark (void);

#endif /* __METEOR_STATION_CONFIG_H__ */
