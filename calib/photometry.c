/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a zero point against Tycho-2's MAG_VT. */
#include "photometry.h"

#include "catalogue.h"

#include <fitsio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APERTURE 3.0     /* px: a sky camera's star is 2-3 px wide */
#define ANNULUS_IN 6.0   /* px: the local background, clear of the star */
#define ANNULUS_OUT 10.0 /* px */
#define SEARCH 3         /* px: the WCS's residual on a wide lens */
/* DN: a star that peaks this high in the average is clipped at 255 in
 * the frames where it twinkles up */
#define SATURATED 200
#define MIN_SNR 10.0      /* stars fainter than this add noise, not scale */
#define CATALOGUE_MAG 9.0 /* stars that may spoil a neighbour's aperture */
#define MIN_STARS 5
/* stars near the detection limit are in the fit only when noise or an
 * uncatalogued neighbour lifted them (a biased zero point): a star counts
 * when the first fit expects it at this many times the limit */
#define COMPLETE 3.0

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

static double
median (double *v, size_t n)
{
  qsort (v, n, sizeof *v, compare_double);
  return n == 0 ? NAN : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef struct {
  double flux, noise; /* DN summed above the background; the sky's sigma */
  int pixels, peak;
} Measure;

/* Aperture photometry at the brightest pixel near (x, y). */
static void
measure_star (
    const guint8 *im, int width, int height, double x, double y, Measure *m)
{
  int bx = (int)lround (x), by = (int)lround (y), i, j, n = 0;
  double ring[(int)(2 * ANNULUS_OUT + 1) * (int)(2 * ANNULUS_OUT + 1)], sky;
  double sum = 0;

  m->peak = -1;
  for (j = -SEARCH; j <= SEARCH; j++)
    for (i = -SEARCH; i <= SEARCH; i++) {
      int v = im[(size_t)((int)lround (y) + j) * width + (int)lround (x) + i];
      if (v > m->peak) {
        m->peak = v;
        bx = (int)lround (x) + i;
        by = (int)lround (y) + j;
      }
    }
  m->pixels = 0;
  for (j = -(int)ANNULUS_OUT; j <= (int)ANNULUS_OUT; j++)
    for (i = -(int)ANNULUS_OUT; i <= (int)ANNULUS_OUT; i++) {
      double r = hypot (i, j);
      int px = bx + i, py = by + j;
      if (px < 0 || py < 0 || px >= width || py >= height)
        continue;
      if (r <= APERTURE) {
        sum += im[(size_t)py * width + px];
        m->pixels++;
      } else if (r >= ANNULUS_IN && r <= ANNULUS_OUT)
        ring[n++] = im[(size_t)py * width + px];
    }
  sky = median (ring, n);
  for (i = 0; i < n; i++)
    ring[i] = fabs (ring[i] - sky);
  /* the MAD of a clipped 8-bit sky is 0 on a flat one: at least 0.5 DN */
  m->noise = MAX (1.4826 * median (ring, n), 0.5);
  m->flux = sum - m->pixels * sky;
}

/* pixels within APERTURE of a pixel's centre */
static int
aperture_pixels (void)
{
  int i, j, n = 0, r = (int)APERTURE;

  for (j = -r; j <= r; j++)
    for (i = -r; i <= r; i++)
      n += hypot (i, j) <= APERTURE;
  return n;
}

/* no other catalogue star near enough and bright enough to add to it */
static gboolean
isolated (const GArray *stars, guint k)
{
  const MeteorStar *s = &g_array_index (stars, MeteorStar, k);
  guint i;

  for (i = 0; i < stars->len; i++) {
    const MeteorStar *o = &g_array_index (stars, MeteorStar, i);
    if (i != k && o->mag < s->mag + 2.5 &&
        hypot (o->x - s->x, o->y - s->y) < ANNULUS_OUT + APERTURE)
      return FALSE;
  }
  return TRUE;
}

gboolean
meteor_photometry_fit (const guint8 *image, int width, int height,
    double frame_noise, MeteorCameraWcs *w, MeteorPhotometry *out,
    GError **error)
{
  GArray *stars = meteor_catalogue_stars (
      w, width, height, CATALOGUE_MAG, ANNULUS_OUT, error);
  double *zp, *dev, *noise, *mag, med, spread, limit, sum = 0, sum2 = 0;
  guint i, k, n = 0, kept = 0;

  out->zero_point = out->sigma = out->limiting_mag = NAN;
  out->stars = 0;
  if (stars == NULL)
    return FALSE;
  zp = g_new (double, stars->len + 1);
  dev = g_new (double, stars->len + 1);
  noise = g_new (double, stars->len + 1);
  mag = g_new (double, stars->len + 1);
  for (i = 0; i < stars->len; i++) {
    const MeteorStar *s = &g_array_index (stars, MeteorStar, i);
    Measure m;
    measure_star (image, width, height, s->x, s->y, &m);
    if (m.peak >= SATURATED || !isolated (stars, i) ||
        m.flux < MIN_SNR * m.noise * sqrt (m.pixels))
      continue;
    /* METEOR_PHOTOMETRY_TRACE=1: each star in the fit, on stderr */
    if (g_getenv ("METEOR_PHOTOMETRY_TRACE"))
      fprintf (stderr, "star %.1f %.1f vt %.2f flux %.0f peak %d zp %.3f\n",
          s->x, s->y, s->mag, m.flux, m.peak, s->mag + 2.5 * log10 (m.flux));
    noise[n] = m.noise;
    mag[n] = s->mag;
    zp[n++] = s->mag + 2.5 * log10 (m.flux);
  }
  g_array_unref (stars);
  if (n >= MIN_STARS) {
    /* the complete bright end: expected well above the limit */
    memcpy (dev, noise, n * sizeof *noise);
    limit = MIN_SNR * median (dev, n) * sqrt (aperture_pixels ()) * COMPLETE;
    memcpy (dev, zp, n * sizeof *zp);
    med = median (dev, n);
    for (i = 0, k = 0; i < n; i++)
      if (pow (10, (med - mag[i]) / 2.5) >= limit) {
        noise[k] = noise[i];
        zp[k++] = zp[i];
      }
    n = k;
  }
  if (n >= MIN_STARS) {
    /* robust: the median, then the mean of those within 3 sigma of it
     * (a variable star, a blend, a cloud over one) */
    memcpy (dev, zp, n * sizeof *zp);
    med = median (dev, n);
    for (i = 0; i < n; i++)
      dev[i] = fabs (zp[i] - med);
    spread = MAX (1.4826 * median (dev, n), 0.05);
    for (i = 0; i < n; i++)
      if (fabs (zp[i] - med) <= 3 * spread) {
        sum += zp[i];
        sum2 += zp[i] * zp[i];
        kept++;
      }
    out->zero_point = sum / kept;
    out->sigma =
        sqrt (MAX (sum2 / kept - out->zero_point * out->zero_point, 0));
    out->stars = kept;
    if (!isfinite (frame_noise) || frame_noise <= 0)
      frame_noise = median (noise, n);
    out->limiting_mag =
        meteor_photometry_limiting_magnitude (out->zero_point, frame_noise);
  } else
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
        "photometry: %u catalogue stars measurable, %d needed (clouds, "
        "twilight, the lens out of focus?)",
        n, MIN_STARS);
  g_free (zp);
  g_free (dev);
  g_free (noise);
  g_free (mag);
  return n >= MIN_STARS;
}

double
meteor_photometry_magnitude (double zero_point, double intensity)
{
  if (!isfinite (zero_point) || !(intensity > 0))
    return NAN;
  return zero_point - 2.5 * log10 (intensity);
}

double
meteor_photometry_limiting_magnitude (double zero_point, double noise)
{
  if (!isfinite (zero_point) || !(noise > 0))
    return NAN;
  return zero_point - 2.5 * log10 (5 * noise * sqrt (aperture_pixels ()));
}

gboolean
meteor_photometry_save (
    const char *wcs_path, const MeteorPhotometry *p, GError **error)
{
  fitsfile *f = NULL;
  int status = 0, ignored = 0, stars = (int)p->stars;
  char text[FLEN_STATUS];

  if (!isfinite (p->zero_point))
    return TRUE;
  fits_open_diskfile (&f, wcs_path, READWRITE, &status);
  fits_update_key_dbl (f, "MAGZP", p->zero_point, 4,
      "mag = MAGZP - 2.5 log10(intensity), Tycho-2 VT", &status);
  fits_update_key_dbl (
      f, "MAGZPSIG", p->sigma, 4, "stars' rms about MAGZP, mag", &status);
  fits_update_key_lng (f, "MAGNSTAR", stars, "stars in the fit", &status);
  fits_update_key_dbl (f, "MAGLIM", p->limiting_mag, 3,
      "point source at 5 sigma in one frame", &status);
  if (f)
    fits_close_file (f, status ? &ignored : &status);
  if (status) {
    fits_get_errstatus (status, text);
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
        "cannot write the photometry to %s: %s", wcs_path, text);
    return FALSE;
  }
  return TRUE;
}

void
meteor_photometry_load (const char *wcs_path, MeteorPhotometry *p)
{
  fitsfile *f = NULL;
  int status = 0, ignored = 0;
  long stars = 0;

  p->zero_point = p->sigma = p->limiting_mag = NAN;
  p->stars = 0;
  fits_open_diskfile (&f, wcs_path, READONLY, &status);
  /* the zero point is the photometry; the rest is said when known */
  if (fits_read_key_dbl (f, "MAGZP", &p->zero_point, NULL, &status) != 0)
    p->zero_point = NAN;
  if (status == 0) {
    if (fits_read_key_dbl (f, "MAGZPSIG", &p->sigma, NULL, &ignored) != 0)
      p->sigma = NAN;
    ignored = 0;
    if (fits_read_key_lng (f, "MAGNSTAR", &stars, NULL, &ignored) == 0)
      p->stars = (guint)stars;
    ignored = 0;
    if (fits_read_key_dbl (f, "MAGLIM", &p->limiting_mag, NULL, &ignored) != 0)
      p->limiting_mag = NAN;
  }
  ignored = 0;
  if (f)
    fits_close_file (f, &ignored);
}
