/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's GDEF ECSV files. */
#include "stationecsv.h"

#include "stationbytes.h"

#include "calibrate.h"
#include "gdefecsv.h"
#include "photometry.h"

#include <errno.h>
#include <gst/meteor/meteordetection.h>
#include <math.h>
#include <string.h>

/* the path's calibrated points: < frame, x, y, intensity, utc, ra, dec,
 * azimuth, elevation, magnitude > (meteordetection.h) */
#define SKY_POINT_VALUES 10

static GArray *
sky_points (const GstStructure *s)
{
  const GValue *path = gst_structure_get_value (s, GST_METEOR_DETECTION_PATH);
  GArray *points = g_array_new (FALSE, TRUE, sizeof (MeteorEcsvPoint));
  guint i, n = path && GST_VALUE_HOLDS_ARRAY (path)
                   ? gst_value_array_get_size (path)
                   : 0;

  for (i = 0; i < n; i++) {
    const GValue *v = gst_value_array_get_value (path, i);
    double d[SKY_POINT_VALUES];
    MeteorEcsvPoint p;
    guint k;

    if (!GST_VALUE_HOLDS_ARRAY (v) ||
        gst_value_array_get_size (v) < SKY_POINT_VALUES)
      continue;
    for (k = 0; k < SKY_POINT_VALUES; k++)
      d[k] = g_value_get_double (gst_value_array_get_value (v, k));
    if (!isfinite (d[4]) || !isfinite (d[5]))
      continue; /* no time or no sky: not a GDEF row */
    p.x = d[1];
    p.y = d[2];
    p.intensity = d[3];
    p.utc = d[4];
    p.ra = d[5];
    p.dec = d[6];
    p.azimuth = d[7];
    p.altitude = d[8];
    p.magnitude = d[9];
    g_array_append_val (points, p);
  }
  return points;
}

gchar *
station_ecsv_add (const gchar *dir, const gchar *station, GstElement *detect,
    const GstStructure *s, const gchar *ff_name, gint width, gint height)
{
  MeteorEcsvMeta meta = { 0 };
  MeteorCalibration cal;
  MeteorPhotometry phot;
  GArray *points = NULL;
  gchar *wcs = NULL, *ecsv_dir = NULL, *name, *path = NULL;
  GError *error = NULL;

  g_object_get (detect, "calibration", &wcs, "latitude", &meta.latitude,
      "longitude", &meta.longitude, "elevation", &meta.elevation, NULL);
  if (wcs == NULL || width <= 0 || height <= 0)
    goto done;
  points = sky_points (s);
  if (points->len == 0)
    goto done;
  meta.camera_id = station;
  meta.image_file = ff_name;
  meta.width = width;
  meta.height = height;
  meta.start_utc = g_array_index (points, MeteorEcsvPoint, 0).utc;
  meteor_photometry_load (wcs, &phot);
  meta.photometric_band = isfinite (phot.zero_point) ? "Tycho VT" : "none";
  meta.azimuth = meta.altitude = meta.rotation = NAN;
  meta.fov_horizontal = meta.fov_vertical = NAN;
  if (!meteor_calibration_describe (wcs, width, height, &cal, &error) ||
      !meteor_calibration_horizon (wcs, width, height, meta.start_utc,
          meta.latitude, meta.longitude, &meta.azimuth, &meta.altitude,
          &meta.rotation, &error)) {
    g_printerr ("meteor-station: WARNING: no ECSV: %s\n", error->message);
    g_error_free (error);
    goto done;
  }
  meta.stars = cal.stars;
  meta.calibration_utc = cal.image_utc;
  meta.fov_horizontal = cal.fov_w;
  meta.fov_vertical = cal.fov_h;
  ecsv_dir = g_build_filename (dir, "ecsv", NULL);
  name = meteor_ecsv_file_name (meta.start_utc, station);
  path = g_build_filename (ecsv_dir, name, NULL);
  g_free (name);
  /* GDEF's names are to the second: a second meteor in it gets its id */
  if (g_file_test (path, G_FILE_TEST_EXISTS)) {
    guint id = 0;
    gst_structure_get_uint (s, GST_METEOR_DETECTION_ID, &id);
    path[strlen (path) - strlen (".ecsv")] = '\0';
    name = g_strdup_printf ("%s_%u.ecsv", path, id);
    g_free (path);
    path = name;
  }
  if (g_mkdir_with_parents (ecsv_dir, 0755) != 0) {
    g_printerr (
        "meteor-station: WARNING: %s: %s\n", ecsv_dir, g_strerror (errno));
    g_clear_pointer (&path, g_free);
  } else if (!meteor_ecsv_write (path, &meta,
                 (MeteorEcsvPoint *)(void *)points->data, points->len,
                 &error)) {
    g_printerr ("meteor-station: WARNING: %s\n", error->message);
    g_error_free (error);
    g_clear_pointer (&path, g_free);
  } else
    station_bytes_add_file (STATION_BYTES_ECSV, path);
done:
  if (points)
    g_array_unref (points);
  g_free (ecsv_dir);
  g_free (wcs);
  return path;
}
