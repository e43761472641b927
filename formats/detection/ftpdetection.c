/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a meteor-detected structure into an FTPdetectinfo entry. */
#include "ftpdetection.h"

#include "ffblock.h"

#include <gst/meteor/meteordetection.h>
#include <math.h>

/* a path point's value @i: 0 when it has none or does not know it */
static gdouble
path_value (const GValue *point, guint i)
{
  gdouble v = i < gst_value_array_get_size (point)
                  ? g_value_get_double (gst_value_array_get_value (point, i))
                  : 0;

  return isfinite (v) ? v : 0;
}

gdouble
meteor_detection_utc (const GstStructure *s, const gchar *field)
{
  const gchar *iso = gst_structure_get_string (s, field);
  GDateTime *d = iso ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;
  gdouble utc = 0;

  if (d) {
    utc = g_date_time_to_unix (d) + g_date_time_get_microsecond (d) / 1e6;
    g_date_time_unref (d);
  }
  return utc;
}

gboolean
meteor_ftp_add_detection (MeteorFtpFile *f, const GstStructure *s,
    const char *station, double fps, int width, int height, char *ff_name,
    gsize ff_name_size, GError **error)
{
  const GValue *path = gst_structure_get_value (s, GST_METEOR_DETECTION_PATH);
  gdouble start_utc = meteor_detection_utc (s, GST_METEOR_DETECTION_START_UTC);
  GstMeteorDetection det;
  guint64 counter, start_ns;
  MeteorFtpMeteor *m;
  const gchar *missing = NULL;
  guint i, n;

  if (!gst_meteor_detection_parse (s, &det))
    missing = "detection fields";
  else if (path == NULL || !GST_VALUE_HOLDS_ARRAY (path))
    missing = "path";
  else if (!(fps > 0))
    missing = "frame rate";
  else if (start_utc <= 0)
    missing = "time (" GST_METEOR_DETECTION_START_UTC ")";
  if (missing) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "a meteor with no %s: not in FTPdetectinfo", missing);
    return FALSE;
  }
  start_ns = meteor_ff_block_start (
      det.first_frame, (guint64)(start_utc * 1e9), fps, &counter);
  meteor_ff_file_name (station, start_ns, counter, ff_name, ff_name_size);
  m = meteor_ftp_file_add (f, ff_name, station, fps,
      gst_structure_has_field (s, GST_METEOR_DETECTION_BEGIN_RA)
          ? "Calibrated with gst-meteor (meteor-calibrate)"
          : NULL);
  n = gst_value_array_get_size (path);
  for (i = 0; i < n; i++) {
    const GValue *v = gst_value_array_get_value (path, i);
    MeteorFtpPoint p = { 0 };

    if (!GST_VALUE_HOLDS_ARRAY (v) || gst_value_array_get_size (v) < 4)
      continue;
    p.frame = path_value (v, 0) - counter;
    p.x = path_value (v, 1);
    p.y = path_value (v, 2);
    p.intensity = (guint)MAX (0, path_value (v, 3));
    /* calibrated: utc, ra, dec, azimuth, elevation, magnitude follow */
    p.ra = path_value (v, 5);
    p.dec = path_value (v, 6);
    p.azim = path_value (v, 7);
    p.elev = path_value (v, 8);
    p.mag = path_value (v, 9);
    meteor_ftp_meteor_add_point (m, &p);
  }
  meteor_ftp_meteor_fit_line (m, width, height);
  return TRUE;
}
