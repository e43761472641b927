/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteordetect, its detections on the sky: the camera's WCS
 * (calibration=, meteor-calibrate's file) turns each point into RA/Dec,
 * the station's place and the frame's capture time into azimuth and
 * elevation, and the file's zero point an intensity into a magnitude. */
#include "gstmeteordetect-private.h"

#include <gst/meteor/meteordetection.h>
#include <math.h>

/* Loads calibration= when it changed (at start, and while playing when
 * the station recalibrates). At start a file that cannot be read is an
 * error; later it is a warning and the last calibration stays. */
gboolean
md_sky_update (GstMeteorDetect *self, gboolean starting)
{
  gchar *path = NULL;
  MeteorCameraWcs *wcs = NULL;
  GError *error = NULL;
  gboolean reload;

  GST_OBJECT_LOCK (self);
  reload = self->sky_reload || starting;
  self->sky_reload = FALSE;
  if (reload)
    path = g_strdup (self->calibration);
  GST_OBJECT_UNLOCK (self);
  if (!reload)
    return TRUE;
  if (path && (wcs = meteor_camera_wcs_load (path, &error)) == NULL) {
    if (starting)
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
          ("Cannot use the calibration %s.", path), ("%s", error->message));
    else
      GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ,
          ("Cannot use the calibration %s: the last one stays.", path),
          ("%s", error->message));
    g_error_free (error);
    g_free (path);
    return !starting;
  }
  g_clear_pointer (&self->wcs, meteor_camera_wcs_free);
  self->wcs = wcs;
  md_sky_scale (self);
  self->calibration_utc = wcs ? meteor_calibration_time (path) : 0;
  if (wcs)
    meteor_photometry_load (path, &self->photometry);
  GST_INFO_OBJECT (
      self, "calibration %s, zero point %f", path, self->photometry.zero_point);
  g_free (path);
  return TRUE;
}

/* A frame pixel on the sky: the WCS is of the image the solver saw,
 * which may be larger or smaller than the frames (the same view). */
static gboolean
pixel_to_sky (
    GstMeteorDetect *self, double x, double y, double *ra, double *dec)
{
  int w = 0, h = 0, fw = GST_VIDEO_INFO_WIDTH (&self->info);
  int fh = GST_VIDEO_INFO_HEIGHT (&self->info);

  meteor_camera_wcs_size (self->wcs, &w, &h);
  if (w > 0 && h > 0 && fw > 0 && fh > 0) {
    x = (x + 0.5) * w / fw - 0.5;
    y = (y + 0.5) * h / fh - 0.5;
  }
  return meteor_camera_wcs_pix2sky (self->wcs, x, y, ra, dec);
}

/* cells of the sky's scale over the frame, across and down */
#define SCALE_COLS 16
#define SCALE_ROWS 9

/* Gives the detector the sky's scale over the frame (degrees a frame
 * pixel, at the middle of each cell), for its speed limits in deg/s;
 * without a calibration, none. */
void
md_sky_scale (GstMeteorDetect *self)
{
  float grid[SCALE_COLS * SCALE_ROWS];
  int fw = GST_VIDEO_INFO_WIDTH (&self->info);
  int fh = GST_VIDEO_INFO_HEIGHT (&self->info);
  int col, row;

  if (self->detector == NULL)
    return;
  if (self->wcs == NULL || fw <= 0 || fh <= 0) {
    detector_set_sky_scale (self->detector, NULL, 0, 0);
    return;
  }
  for (row = 0; row < SCALE_ROWS; row++)
    for (col = 0; col < SCALE_COLS; col++) {
      double x = (col + 0.5) * fw / SCALE_COLS;
      double y = (row + 0.5) * fh / SCALE_ROWS;
      double ra[4], dec[4];

      /* 4 px across and down: a lens's scale may differ with direction */
      if (pixel_to_sky (self, x - 2, y, &ra[0], &dec[0]) &&
          pixel_to_sky (self, x + 2, y, &ra[1], &dec[1]) &&
          pixel_to_sky (self, x, y - 2, &ra[2], &dec[2]) &&
          pixel_to_sky (self, x, y + 2, &ra[3], &dec[3]))
        grid[row * SCALE_COLS + col] =
            (float)((meteor_sky_separation (ra[0], dec[0], ra[1], dec[1]) +
                        meteor_sky_separation (ra[2], dec[2], ra[3], dec[3])) /
                    8);
      else
        grid[row * SCALE_COLS + col] = NAN;
    }
  detector_set_sky_scale (self->detector, grid, SCALE_COLS, SCALE_ROWS);
}

/* sky[]: utc (s since 1970), ra, dec, azimuth, elevation, magnitude;
 * NAN what is not known (no capture time or place: no horizon; no zero
 * point: no magnitude) */
void
md_sky_point (GstMeteorDetect *self, double x, double y, double intensity,
    GstClockTime utc, double sky[MD_SKY_VALUES])
{
  double lat, lon;
  gboolean placed;
  int i;

  for (i = 0; i < MD_SKY_VALUES; i++)
    sky[i] = NAN;
  GST_OBJECT_LOCK (self);
  lat = self->latitude;
  lon = self->longitude;
  placed = self->location_set;
  GST_OBJECT_UNLOCK (self);
  if (GST_CLOCK_TIME_IS_VALID (utc))
    sky[0] = utc / 1e9;
  if (!pixel_to_sky (self, x, y, &sky[1], &sky[2]))
    sky[1] = sky[2] = NAN;
  /* the WCS is of the sky when it was made: the camera stays, the sky
   * turns */
  else if (isfinite (sky[0]) && self->calibration_utc > 0)
    meteor_sky_follow (&sky[1], &sky[2], self->calibration_utc, sky[0]);
  if (placed && isfinite (sky[0]) && isfinite (sky[1]))
    meteor_sky_to_horizon (sky[1], sky[2], sky[0], lat, lon, &sky[3], &sky[4]);
  sky[5] = meteor_photometry_magnitude (self->photometry.zero_point, intensity);
}

static void
set_double (GstStructure *s, const char *field, double v)
{
  if (isfinite (v))
    gst_structure_set (s, field, G_TYPE_DOUBLE, v, NULL);
}

/* The meteor's begin and end on the sky and horizon, its angular speed
 * and its peak magnitude: the fields that are known. */
void
md_sky_set_meteor_fields (
    GstMeteorDetect *self, GstStructure *s, const DetectorMeteor *m)
{
  FrameEntry a = md_lookup_frame (self, m->first_frame);
  FrameEntry b = md_lookup_frame (self, m->last_frame);
  double begin[MD_SKY_VALUES], end[MD_SKY_VALUES], peak = NAN, seconds;
  int i;

  md_sky_point (self, m->x0, m->y0, 0, a.utc, begin);
  md_sky_point (self, m->x1, m->y1, 0, b.utc, end);
  set_double (s, GST_METEOR_DETECTION_BEGIN_RA, begin[1]);
  set_double (s, GST_METEOR_DETECTION_BEGIN_DEC, begin[2]);
  set_double (s, GST_METEOR_DETECTION_END_RA, end[1]);
  set_double (s, GST_METEOR_DETECTION_END_DEC, end[2]);
  set_double (s, GST_METEOR_DETECTION_BEGIN_AZIMUTH, begin[3]);
  set_double (s, GST_METEOR_DETECTION_BEGIN_ELEVATION, begin[4]);
  set_double (s, GST_METEOR_DETECTION_END_AZIMUTH, end[3]);
  set_double (s, GST_METEOR_DETECTION_END_ELEVATION, end[4]);
  /* the frames' capture times, else the frame rate */
  seconds = GST_CLOCK_TIME_IS_VALID (a.utc) && GST_CLOCK_TIME_IS_VALID (b.utc)
                ? (b.utc - a.utc) / 1e9
                : (GST_VIDEO_INFO_FPS_N (&self->info) > 0
                          ? (double)(m->last_frame - m->first_frame) *
                                GST_VIDEO_INFO_FPS_D (&self->info) /
                                GST_VIDEO_INFO_FPS_N (&self->info)
                          : 0);
  if (seconds > 0 && isfinite (begin[1]) && isfinite (end[1]))
    set_double (s, GST_METEOR_DETECTION_ANGULAR_SPEED,
        meteor_sky_separation (begin[1], begin[2], end[1], end[2]) / seconds);
  for (i = 0; i < m->n_points; i++) {
    double mag = meteor_photometry_magnitude (
        self->photometry.zero_point, m->points[i].intensity);
    if (isfinite (mag) && !(mag >= peak))
      peak = mag;
  }
  set_double (s, GST_METEOR_DETECTION_PEAK_MAGNITUDE, peak);
}

/* Whether there is a calibration, and its age at @utc (ns; NAN when
 * either time is not known). */
gdouble
md_sky_age (GstMeteorDetect *self, GstClockTime utc)
{
  if (self->wcs == NULL || self->calibration_utc <= 0 ||
      !GST_CLOCK_TIME_IS_VALID (utc))
    return NAN;
  return utc / 1e9 - self->calibration_utc;
}

void
md_sky_clear (GstMeteorDetect *self)
{
  g_clear_pointer (&self->wcs, meteor_camera_wcs_free);
  self->photometry.zero_point = NAN;
}
