/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a camera's WCS through wcslib; horizon through libnova. */
#include "camerawcs.h"

#include <fitsio.h>
#include <libnova/julian_day.h>
#include <libnova/precession.h>
#include <libnova/sidereal_time.h>
#include <libnova/transform.h>
#include <math.h>
#include <wcslib/wcs.h>
#include <wcslib/wcshdr.h>

struct _MeteorCameraWcs {
  struct wcsprm *wcs; /* nwcs of them; the first is used */
  int nwcs;
  int width, height;
};

MeteorCameraWcs *
meteor_camera_wcs_load (const char *path, GError **error)
{
  fitsfile *f = NULL;
  int status = 0, nkeys = 0, nreject = 0, ignored = 0;
  char *header = NULL, text[FLEN_STATUS];
  long w = 0, h = 0;
  MeteorCameraWcs *cw;

  fits_open_diskfile (&f, path, READONLY, &status);
  fits_hdr2str (f, 1, NULL, 0, &header, &nkeys, &status);
  if (status == 0) {
    fits_read_key_lng (f, "IMAGEW", &w, NULL, &ignored);
    ignored = 0;
    fits_read_key_lng (f, "IMAGEH", &h, NULL, &ignored);
  }
  ignored = 0;
  if (f)
    fits_close_file (f, &ignored);
  if (status) {
    fits_get_errstatus (status, text);
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "cannot read the WCS of %s: %s", path, text);
    return NULL;
  }
  cw = g_new0 (MeteorCameraWcs, 1);
  cw->width = (int)w;
  cw->height = (int)h;
  /* WCSHDR_all: astrometry.net's SIP keys are translated by wcspih */
  if (wcspih (header, nkeys, WCSHDR_all, 0, &nreject, &cw->nwcs, &cw->wcs) !=
          0 ||
      cw->nwcs < 1 || cw->wcs[0].naxis != 2 || wcsset (&cw->wcs[0]) != 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: no celestial WCS in its header", path);
    fits_free_memory (header, &ignored);
    meteor_camera_wcs_free (cw);
    return NULL;
  }
  fits_free_memory (header, &ignored);
  return cw;
}

void
meteor_camera_wcs_free (MeteorCameraWcs *w)
{
  if (w == NULL)
    return;
  if (w->wcs)
    wcsvfree (&w->nwcs, &w->wcs);
  g_free (w);
}

void
meteor_camera_wcs_size (MeteorCameraWcs *w, int *width, int *height)
{
  *width = w->width;
  *height = w->height;
}

gboolean
meteor_camera_wcs_pix2sky (
    MeteorCameraWcs *w, double x, double y, double *ra, double *dec)
{
  double pix[2] = { x + 1, y + 1 }, img[2], phi, theta, world[2];
  int stat = 0;

  if (wcsp2s (&w->wcs[0], 1, 2, pix, img, &phi, &theta, world, &stat) != 0 ||
      stat)
    return FALSE;
  *ra = world[w->wcs[0].lng];
  *dec = world[w->wcs[0].lat];
  return TRUE;
}

gboolean
meteor_camera_wcs_sky2pix (
    MeteorCameraWcs *w, double ra, double dec, double *x, double *y)
{
  double world[2], img[2], phi, theta, pix[2];
  int stat = 0;

  world[w->wcs[0].lng] = ra;
  world[w->wcs[0].lat] = dec;
  if (wcss2p (&w->wcs[0], 1, 2, world, &phi, &theta, img, pix, &stat) != 0 ||
      stat)
    return FALSE;
  *x = pix[0] - 1;
  *y = pix[1] - 1;
  /* the distortion's inverse may not converge far off the image */
  return isfinite (*x) && isfinite (*y);
}

void
meteor_sky_to_horizon (double ra, double dec, double utc, double lat,
    double lon, double *azim, double *elev)
{
  struct ln_equ_posn j2000 = { ra, dec }, now;
  struct ln_lnlat_posn where = { lon, lat };
  struct ln_hrz_posn hrz;
  double jd = utc / 86400.0 + 2440587.5;

  ln_get_equ_prec (&j2000, jd, &now); /* the equinox of the date */
  ln_get_hrz_from_equ (&now, &where, jd, &hrz);
  /* libnova counts azimuth from the south, westwards */
  *azim = fmod (hrz.az + 180.0, 360.0);
  *elev = hrz.alt;
}

void
meteor_sky_follow (double *ra, double *dec, double from_utc, double to_utc)
{
  double jd0 = from_utc / 86400.0 + 2440587.5,
         jd1 = to_utc / 86400.0 + 2440587.5;
  double turn = 15.0 * (ln_get_mean_sidereal_time (jd1) -
                           ln_get_mean_sidereal_time (jd0));
  struct ln_equ_posn j2000 = { *ra, *dec }, then, now;

  /* hour angle and declination of the date stay; the sidereal clock
   * turns the right ascension of the date */
  ln_get_equ_prec (&j2000, jd0, &then);
  then.ra = fmod (then.ra + turn + 720.0, 360.0);
  ln_get_equ_prec2 (&then, jd1, 2451545.0, &now);
  *ra = fmod (now.ra + 360.0, 360.0);
  *dec = now.dec;
}

double
meteor_sky_separation (double ra1, double dec1, double ra2, double dec2)
{
  double r = M_PI / 180, c;

  c = sin (dec1 * r) * sin (dec2 * r) +
      cos (dec1 * r) * cos (dec2 * r) * cos ((ra1 - ra2) * r);
  return acos (CLAMP (c, -1.0, 1.0)) / r;
}
