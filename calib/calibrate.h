/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: calibrating a camera against the stars with the field's own
 * solver, astrometry.net's solve-field and its Tycho-2 index files
 * (Debian astrometry.net, astrometry-data-tycho2-10-19). Pure C on GLib:
 * the image goes to the solver as FITS (cfitsio), its WCS comes back
 * with SIP distortion and is read with wcslib. */
#ifndef __METEOR_CALIBRATE_H__
#define __METEOR_CALIBRATE_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double scale_low, scale_high; /* arcsec a pixel; 0: no hint */
  int tweak_order; /* SIP order: the solver's (0: 3) and the refit's first
                    * (0: 4; the refit keeps the order its stars hold) */
  int cpu_limit_s; /* the solver's, 0: 120 */
} MeteorCalibrateOptions;

typedef struct {
  int width, height;
  double ra, dec;      /* of the image centre, J2000 degrees */
  double scale;        /* arcsec a pixel, at the centre */
  double rotation;     /* the image's up, degrees east of north */
  double fov_w, fov_h; /* degrees, through the centre */
  guint stars;         /* catalogue stars the solution matched */
  double residual_px;  /* their rms distance, pixels */
  double image_utc;    /* when the sky solved was seen, s; 0: not said */
} MeteorCalibration;

/* An 8-bit image: an RMS FF file's AVEPIXEL (its time, s since 1970, into
 * @utc, else 0: the block's middle, where its average sees the stars; one
 * frame's noise, its median STDPIXEL, into @noise, else NAN), a FITS file's
 * first image, or a PNG (grey, or its luma). */
guint8 *meteor_calibrate_load_image (const char *path, int *width, int *height,
    double *utc, double *noise, GError **error);

/* Solves @image and writes its WCS (a FITS header with SIP terms) to
 * @wcs_path; FALSE with the cause when the sky gives no solution. The
 * solver is solve-field on PATH, or $METEOR_SOLVE_FIELD. */
gboolean meteor_calibrate_solve (const guint8 *image, int width, int height,
    const MeteorCalibrateOptions *options, const char *wcs_path,
    MeteorCalibration *out, GError **error);

/* Centre, scale, rotation and field of view of a WCS, over a @width x
 * @height image; its stars, residual and time when the file keeps them. */
gboolean meteor_calibration_describe (const char *wcs_path, int width,
    int height, MeteorCalibration *out, GError **error);

/* When the sky of @wcs_path was seen (its DATE-OBS), s; 0: not said. */
double meteor_calibration_time (const char *wcs_path);

/* Keeps the solution's stars, residual and the image's time (@image_utc,
 * s; 0: not known) in the WCS file: CALSTARS, CALRESPX, DATE-OBS. */
gboolean meteor_calibration_save (const char *wcs_path,
    const MeteorCalibration *cal, double image_utc, GError **error);

/* The field's centre on the horizon at @utc from (@lat, @lon), and the
 * rotation of the frame's x axis from the horizon in degrees, clockwise
 * on the sky positive (GDEF's obs_rot): 0 when the frame's rows are level,
 * positive when its right side dips. */
gboolean meteor_calibration_horizon (const char *wcs_path, int width,
    int height, double utc, double lat, double lon, double *azimuth,
    double *altitude, double *rotation, GError **error);

G_END_DECLS

#endif /* __METEOR_CALIBRATE_H__ */
