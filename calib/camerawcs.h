/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a camera's calibration against the stars: its WCS (a FITS
 * header, TAN with SIP distortion as astrometry.net writes it) through
 * wcslib, and the sky's horizon coordinates through libnova (pure C on
 * GLib).
 *
 * Pixels are the frame's: x to the right, y down, (0, 0) the centre of
 * the top-left pixel. The WCS maps them as FITS pixels (x + 1, y + 1) of
 * an image stored top row first, as RMS's FF files and our solver input
 * are. RA and Dec are ICRS (J2000) degrees; azimuth from north through
 * east, elevation above the horizon, both for the equinox of the date. */
#ifndef __METEOR_CAMERAWCS_H__
#define __METEOR_CAMERAWCS_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MeteorCameraWcs MeteorCameraWcs;

/* From a FITS file's primary header (astrometry.net's .wcs, or an image
 * with WCS keys). */
MeteorCameraWcs *meteor_camera_wcs_load (const char *path, GError **error);
void meteor_camera_wcs_free (MeteorCameraWcs *w);

gboolean meteor_camera_wcs_pix2sky (
    MeteorCameraWcs *w, double x, double y, double *ra, double *dec);
gboolean meteor_camera_wcs_sky2pix (
    MeteorCameraWcs *w, double ra, double dec, double *x, double *y);
/* the image size the solver saw (IMAGEW, IMAGEH), 0 when not said */
void meteor_camera_wcs_size (MeteorCameraWcs *w, int *width, int *height);

/* J2000 RA/Dec -> azimuth and elevation at @utc (s since 1970) for a
 * station at @lat, @lon (degrees, east positive). */
void meteor_sky_to_horizon (double ra, double dec, double utc, double lat,
    double lon, double *azim, double *elev);

/* A fixed camera's pixel seen at @from_utc at J2000 @ra, @dec: where
 * that pixel looks at @to_utc (the same azimuth and elevation; the sky
 * turned by the sidereal time between, precession taken out and back).
 * A calibration made an hour before a detection is 15 degrees off in RA
 * without it. */
void meteor_sky_follow (
    double *ra, double *dec, double from_utc, double to_utc);

/* The angle between two directions, degrees. */
double meteor_sky_separation (double ra1, double dec1, double ra2, double dec2);

G_END_DECLS

#endif /* __METEOR_CAMERAWCS_H__ */
