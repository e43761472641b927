/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's GDEF ECSV files. */
#include "stationecsv.h"

#include "stationbytes.h"

#include "ecsvdetection.h"

#include <gst/meteor/meteordetection.h>

gchar *
station_ecsv_add (const gchar *dir, const gchar *station, GstElement *detect,
    const GstStructure *s, const gchar *ff_name, gint width, gint height)
{
  MeteorEcsvSource src = { 0 };
  gchar *wcs = NULL, *ecsv_dir, *path = NULL;
  GError *error = NULL;

  g_object_get (detect, "calibration", &wcs, "latitude", &src.latitude,
      "longitude", &src.longitude, "elevation", &src.elevation, NULL);
  if (wcs == NULL ||
      !gst_structure_has_field (s, GST_METEOR_DETECTION_BEGIN_RA)) {
    g_free (wcs);
    return NULL; /* not calibrated: GDEF's rows are sky positions */
  }
  src.station = station;
  src.calibration = wcs;
  src.width = width;
  src.height = height;
  src.ff_name = ff_name;
  ecsv_dir = g_build_filename (dir, "ecsv", NULL);
  path = meteor_ecsv_write_detection (ecsv_dir, s, &src, &error);
  if (path)
    station_bytes_add_file (STATION_BYTES_ECSV, path);
  else {
    g_printerr ("meteor-station: WARNING: no ECSV: %s\n", error->message);
    g_error_free (error);
  }
  g_free (ecsv_dir);
  g_free (wcs);
  return path;
}
