/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: one camera's calibrated observation of a meteor in the
 * Global Meteor Data Exchange Format (GDEF), the ECSV file (astropy's
 * "Enhanced CSV": a YAML header in comment lines, then CSV) that the
 * Global Meteor Network, UKMON, the DFN and WMPL's trajectory solver
 * exchange (pure C on GLib).
 *
 * The header names the columns and carries the observation's meta: the
 * station's place, the camera, its pointing and field of view, the
 * catalogue's photometric band and the calibration's star count. One row
 * a point: its UTC time (microseconds), RA and Dec (J2000), azimuth
 * (north through east) and altitude, the pixel, the summed intensity
 * above the background and the magnitude. */
#ifndef __METEOR_GDEFECSV_H__
#define __METEOR_GDEFECSV_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double utc; /* s since 1970 */
  double ra, dec, azimuth, altitude;
  double x, y;
  double intensity;
  double magnitude;
} MeteorEcsvPoint;

typedef struct {
  const char *camera_id;
  const char *image_file;       /* the FF block or video; NULL: none */
  const char *photometric_band; /* of the catalogue the zero point is from */
  double latitude, longitude, elevation; /* degrees, east positive; m */
  int width, height;
  double start_utc;         /* the observation's start, s since 1970 */
  double calibration_utc;   /* when the camera was calibrated; 0: not said */
  unsigned stars;           /* in the astrometric calibration */
  double azimuth, altitude; /* of the field's centre */
  double rotation;          /* of the field from the horizon, degrees */
  double fov_horizontal, fov_vertical;
} MeteorEcsvMeta;

/* "2023-04-23T21_37_49_gst-meteor_UK0006.ecsv" for the meteor starting at
 * @start_utc (GDEF's naming: time, origin, camera); g_free() it. */
char *meteor_ecsv_file_name (double start_utc, const char *camera_id);

/* The file's text. */
char *meteor_ecsv_format (
    const MeteorEcsvMeta *meta, const MeteorEcsvPoint *points, size_t n);

/* Written whole or not at all (a temporary file, synced, renamed). */
gboolean meteor_ecsv_write (const char *path, const MeteorEcsvMeta *meta,
    const MeteorEcsvPoint *points, size_t n, GError **error);

G_END_DECLS

#endif /* __METEOR_GDEFECSV_H__ */
