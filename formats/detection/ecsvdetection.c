/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a calibrated meteor-detected structure as a GDEF ECSV file. */
#include "ecsvdetection.h"

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

/* The header's meta: the place, the camera and its pointing at the
 * meteor's start (from the calibration). */
static gboolean
describe (const MeteorEcsvSource *src, double start_utc, MeteorEcsvMeta *meta,
    GError **error)
{
  MeteorCalibration cal;
  MeteorPhotometry phot;

  memset (meta, 0, sizeof (*meta));
  meta->camera_id = src->station;
  meta->image_file = src->ff_name;
  meta->latitude = src->latitude;
  meta->longitude = src->longitude;
  meta->elevation = src->elevation;
  meta->width = src->width;
  meta->height = src->height;
  meta->start_utc = start_utc;
  meteor_photometry_load (src->calibration, &phot);
  meta->photometric_band = isfinite (phot.zero_point) ? "Tycho VT" : "none";
  if (!meteor_calibration_describe (
          src->calibration, src->width, src->height, &cal, error) ||
      !meteor_calibration_horizon (src->calibration, src->width, src->height,
          start_utc, src->latitude, src->longitude, &meta->azimuth,
          &meta->altitude, &meta->rotation, error))
    return FALSE;
  meta->stars = cal.stars;
  meta->calibration_utc = cal.image_utc;
  meta->fov_horizontal = cal.fov_w;
  meta->fov_vertical = cal.fov_h;
  return TRUE;
}

gchar *
meteor_ecsv_write_detection (const gchar *dir, const GstStructure *s,
    const MeteorEcsvSource *src, GError **error)
{
  GArray *points = sky_points (s);
  MeteorEcsvMeta meta;
  gchar *name, *path = NULL;

  if (points->len == 0 || src->calibration == NULL || src->width <= 0 ||
      src->height <= 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "a meteor with no calibrated point (time and RA/Dec): no ECSV");
    goto done;
  }
  if (!describe (
          src, g_array_index (points, MeteorEcsvPoint, 0).utc, &meta, error))
    goto done;
  name = meteor_ecsv_file_name (meta.start_utc, src->station);
  path = g_build_filename (dir, name, NULL);
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
  if (g_mkdir_with_parents (dir, 0755) != 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s: %s",
        dir, g_strerror (errno));
    g_clear_pointer (&path, g_free);
  } else if (!meteor_ecsv_write (path, &meta,
                 (MeteorEcsvPoint *)(void *)points->data, points->len, error))
    g_clear_pointer (&path, g_free);
done:
  g_array_unref (points);
  return path;
}
