/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a camera's brightness scale against catalogue stars. The
 * stars of the solved field come from the Tycho-2 index astrometry.net
 * solved with (its MAG_VT tag-along column, read by astrometry.net's
 * query-starkd); each is measured on the stacked image by aperture
 * photometry (the sum above the local background, as a meteor's intensity
 * is), and one zero point is fitted:
 *
 *   magnitude = zero_point - 2.5 log10 (intensity)
 *
 * Pure C on GLib. */
#ifndef __METEOR_PHOTOMETRY_H__
#define __METEOR_PHOTOMETRY_H__

#include "camerawcs.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double zero_point;   /* NAN: no fit */
  double sigma;        /* the fitted stars' scatter about it, mag */
  guint stars;         /* stars in the fit */
  double limiting_mag; /* a point source at 5 sigma of one frame's noise */
} MeteorPhotometry;

/* Fits the zero point of @image (8-bit, solved as @w) against the
 * catalogue. @frame_noise is one frame's background noise in DN (an FF
 * block's median STDPIXEL); NAN takes the stack's own. FALSE with the
 * cause when the catalogue cannot be read or too few stars are usable. */
gboolean meteor_photometry_fit (const guint8 *image, int width, int height,
    double frame_noise, MeteorCameraWcs *w, MeteorPhotometry *out,
    GError **error);

/* The magnitude of a summed intensity (DN above the background); NAN when
 * either is not positive or not known. */
double meteor_photometry_magnitude (double zero_point, double intensity);

/* The magnitude of a point source at 5 sigma of @noise (one frame's
 * background noise, DN a pixel) in the photometry's aperture; NAN when
 * either is not known. */
double meteor_photometry_limiting_magnitude (double zero_point, double noise);

/* Kept in (and read from) the camera's WCS file: MAGZP, MAGZPSIG,
 * MAGNSTAR, MAGLIM. Reading a file without them gives zero_point NAN. */
gboolean meteor_photometry_save (
    const char *wcs_path, const MeteorPhotometry *p, GError **error);
void meteor_photometry_load (const char *wcs_path, MeteorPhotometry *p);

G_END_DECLS

#endif /* __METEOR_PHOTOMETRY_H__ */
