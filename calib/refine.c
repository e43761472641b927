/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the solver's WCS refined against the denser catalogue.
 *
 * solve-field fits its SIP terms to the few stars its quads matched, and
 * on a wide lens those leave the image's edges to the polynomial's
 * extrapolation (0.2-0.4 degrees off at the edge of a real RMS camera).
 * Here every source on the image (astrometry.net's image2xy) is matched
 * to the nearest catalogue star the current WCS puts there, the radius
 * shrinking as the fit improves, and the SIP WCS is fitted again to all
 * of them by astrometry.net's fit-wcs: a few hundred stars over the whole
 * field instead of a few dozen. */
#include "refine.h"

#include "catalogue.h"

#include <fitsio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* px: the solver's WCS is a few px off at the edges; each fit closes in */
static const double radii[] = { 8, 6, 4, 3, 3, 2.5 };
/* the SIP orders the final pairs choose from, by cross-validation */
#define ORDER_MIN 2
#define ORDER_MAX 5
/* catalogue stars matched, for each source image2xy finds (at its 8 sigma)
 * on a real RMS average: a fifth of them fits best, more bends the fit */
#define STARS_PER_SOURCE 0.2
#define MIN_PAIRS 30 /* an order-3 SIP fit has 20 terms */

typedef struct {
  double x, y, ra, dec; /* x, y 1-based, as FITS and fit-wcs count */
} Pair;

/* image2xy's sources of @image, 1-based X, Y */
static GArray *
find_sources (const char *dir, const char *image, GError **error)
{
  gchar *out = g_build_filename (dir, "sources.xy", NULL), *log = NULL;
  const char *argv[] = { "image2xy", "-O", "-o", out, image, NULL };
  GArray *xy = NULL;
  fitsfile *f = NULL;
  int status = 0, wait = 0, cx = 0, cy = 0;
  long rows = 0, i;

  if (!g_spawn_sync (NULL, (gchar **)argv, NULL,
          G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
          &log, &wait, error) ||
      !g_spawn_check_wait_status (wait, error)) {
    g_prefix_error (error,
        "cannot find the image's stars (image2xy): %s: ", log ? log : "");
    goto done;
  }
  fits_open_table (&f, out, READONLY, &status);
  fits_get_num_rows (f, &rows, &status);
  fits_get_colnum (f, CASEINSEN, "X", &cx, &status);
  fits_get_colnum (f, CASEINSEN, "Y", &cy, &status);
  xy = g_array_sized_new (FALSE, FALSE, sizeof (double) * 2, (guint)rows);
  for (i = 0; status == 0 && i < rows; i++) {
    double p[2];
    fits_read_col (f, TDOUBLE, cx, i + 1, 1, 1, NULL, &p[0], NULL, &status);
    fits_read_col (f, TDOUBLE, cy, i + 1, 1, 1, NULL, &p[1], NULL, &status);
    g_array_append_val (xy, p);
  }
  if (f)
    fits_close_file (f, &wait);
  if (status) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
        "cannot read image2xy's %s (cfitsio status %d)", out, status);
    g_clear_pointer (&xy, g_array_unref);
  }
done:
  g_free (log);
  g_free (out);
  return xy;
}

static int
brighter (const void *a, const void *b)
{
  double x = ((const MeteorStar *)a)->mag, y = ((const MeteorStar *)b)->mag;
  return (x > y) - (x < y);
}

/* Each catalogue star on the image to its nearest source within @radius
 * px; a source two stars claim is left out (a blend, or a chance). */
static GArray *
match (MeteorCameraWcs *w, int width, int height, const GArray *stars,
    const GArray *sources, double radius)
{
  GArray *pairs = g_array_new (FALSE, FALSE, sizeof (Pair));
  int *claimed = g_new0 (int, sources->len), *nearest;
  guint i, j;

  nearest = g_new (int, stars->len);
  for (i = 0; i < stars->len; i++) {
    const MeteorStar *s = &g_array_index (stars, MeteorStar, i);
    double x, y, best = radius;
    nearest[i] = -1;
    if (!meteor_camera_wcs_sky2pix (w, s->ra, s->dec, &x, &y) || x < 0 ||
        y < 0 || x > width - 1 || y > height - 1)
      continue;
    for (j = 0; j < sources->len; j++) {
      const double *p = &g_array_index (sources, double, 2 * j);
      double d = hypot (p[0] - (x + 1), p[1] - (y + 1));
      if (d < best) {
        best = d;
        nearest[i] = (int)j;
      }
    }
    if (nearest[i] >= 0)
      claimed[nearest[i]]++;
  }
  for (i = 0; i < stars->len; i++)
    if (nearest[i] >= 0 && claimed[nearest[i]] == 1) {
      const MeteorStar *s = &g_array_index (stars, MeteorStar, i);
      const double *p = &g_array_index (sources, double, 2 * nearest[i]);
      Pair q = { p[0], p[1], s->ra, s->dec };
      g_array_append_val (pairs, q);
    }
  g_free (nearest);
  g_free (claimed);
  return pairs;
}

/* the pairs' rms distance under @w, px */
static double
rms_under (MeteorCameraWcs *w, const GArray *pairs)
{
  double sum = 0, x, y;
  guint i, n = 0;

  for (i = 0; i < pairs->len; i++) {
    const Pair *p = &g_array_index (pairs, Pair, i);
    if (meteor_camera_wcs_sky2pix (w, p->ra, p->dec, &x, &y)) {
      sum += (x + 1 - p->x) * (x + 1 - p->x) + (y + 1 - p->y) * (y + 1 - p->y);
      n++;
    }
  }
  return n == pairs->len && n ? sqrt (sum / n) : INFINITY;
}

/* two columns of the pairs (@first 0: X, Y; 2: RA, DEC) as a FITS table */
static gboolean
write_columns (const char *path, const GArray *pairs, int first)
{
  char *names[2] = { first ? "RA" : "X", first ? "DEC" : "Y" };
  char *forms[2] = { "D", "D" };
  fitsfile *f = NULL;
  int status = 0, c;
  guint i;

  fits_create_diskfile (&f, (char *)path, &status);
  fits_create_tbl (f, BINARY_TBL, 0, 2, names, forms, NULL, NULL, &status);
  for (c = 0; c < 2; c++)
    for (i = 0; i < pairs->len; i++) {
      double v = ((const double *)&g_array_index (pairs, Pair, i))[first + c];
      fits_write_col (f, TDOUBLE, c + 1, i + 1, 1, 1, &v, &status);
    }
  fits_close_file (f, &status);
  return status == 0;
}

/* fit-wcs: the SIP WCS of @order through @pairs, CRPIX at the centre */
static gboolean
fit (const char *dir, const GArray *pairs, int width, int height, int order,
    const char *out)
{
  gchar *xy = g_build_filename (dir, "pairs.xy", NULL);
  gchar *rd = g_build_filename (dir, "pairs.rd", NULL);
  gchar o[16], w[16], h[16];
  const char *argv[] = { "fit-wcs", "-x", xy, "-r", rd, "-o", out, "-s", o,
    "-W", w, "-H", h, "-C", NULL };
  int wait = 0;
  gboolean ok;

  g_snprintf (o, sizeof o, "%d", order);
  g_snprintf (w, sizeof w, "%d", width);
  g_snprintf (h, sizeof h, "%d", height);
  ok = write_columns (xy, pairs, 0) && write_columns (rd, pairs, 2) &&
       g_spawn_sync (NULL, (gchar **)argv, NULL,
           G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
               G_SPAWN_STDERR_TO_DEV_NULL,
           NULL, NULL, NULL, NULL, &wait, NULL) &&
       g_spawn_check_wait_status (wait, NULL) &&
       g_file_test (out, G_FILE_TEST_EXISTS);
  g_unlink (xy);
  g_unlink (rd);
  g_free (xy);
  g_free (rd);
  return ok;
}

/* The SIP order the pairs support: each order fitted to one half of them
 * and measured on the other (both ways); more terms than the stars pin
 * down bend the edges where no star holds them. */
static int
choose_order (const char *dir, const GArray *pairs, int width, int height)
{
  gchar *path = g_build_filename (dir, "half.wcs", NULL);
  double best = INFINITY;
  int order, chosen = 0, half;
  guint i;

  for (order = ORDER_MIN; order <= ORDER_MAX; order++) {
    double sum = 0;
    for (half = 0; half < 2 && isfinite (sum); half++) {
      GArray *in = g_array_new (FALSE, FALSE, sizeof (Pair));
      GArray *out = g_array_new (FALSE, FALSE, sizeof (Pair));
      MeteorCameraWcs *w = NULL;
      for (i = 0; i < pairs->len; i++)
        g_array_append_val (
            (i % 2 == (guint)half) ? in : out, g_array_index (pairs, Pair, i));
      if (fit (dir, in, width, height, order, path) &&
          (w = meteor_camera_wcs_load (path, NULL)) != NULL) {
        double r = rms_under (w, out);
        sum += r * r;
      } else
        sum = INFINITY;
      g_clear_pointer (&w, meteor_camera_wcs_free);
      g_array_unref (in);
      g_array_unref (out);
    }
    if (sum < best) {
      best = sum;
      chosen = order;
    }
  }
  g_unlink (path);
  g_free (path);
  return chosen;
}

gboolean
meteor_calibrate_refine (const char *dir, const char *image, int width,
    int height, int order, const char *wcs_path, guint *stars, double *rms_px,
    GError **error)
{
  gchar *trial = g_build_filename (dir, "refined.wcs", NULL);
  GArray *sources = find_sources (dir, image, error), *catalogue = NULL;
  GArray *pairs = NULL;
  MeteorCameraWcs *w = NULL, *solver = NULL;
  gboolean better = FALSE;
  guint i;

  *stars = 0;
  *rms_px = NAN;
  if (sources == NULL ||
      (solver = meteor_camera_wcs_load (wcs_path, error)) == NULL ||
      (catalogue = meteor_catalogue_stars (
           solver, width, height, 10.0, 0, error)) == NULL)
    goto done;
  /* the brightest stars only: the image's sources are stars near its
   * limit, noise and hot pixels too, and a faint catalogue star next to
   * one of those is a chance match that bends the fit */
  g_array_sort (catalogue, brighter);
  g_array_set_size (
      catalogue, MIN (catalogue->len, sources->len * STARS_PER_SOURCE));
  for (i = 0; i < G_N_ELEMENTS (radii); i++) {
    MeteorCameraWcs *next;
    g_clear_pointer (&pairs, g_array_unref);
    pairs = match (w ? w : solver, width, height, catalogue, sources, radii[i]);
    if (pairs->len < MIN_PAIRS ||
        !fit (dir, pairs, width, height, order, trial))
      goto done;
    if ((next = meteor_camera_wcs_load (trial, NULL)) == NULL)
      goto done;
    g_clear_pointer (&w, meteor_camera_wcs_free);
    w = next;
  }
  /* the last match fitted again at the order its stars support */
  order = choose_order (dir, pairs, width, height);
  g_clear_pointer (&w, meteor_camera_wcs_free);
  if (order == 0 || !fit (dir, pairs, width, height, order, trial) ||
      (w = meteor_camera_wcs_load (trial, NULL)) == NULL)
    goto done;
  /* kept only when the final match fits better than the solver did */
  *rms_px = rms_under (w, pairs);
  better = *rms_px < rms_under (solver, pairs);
  if (better) {
    *stars = pairs->len;
    better = g_rename (trial, wcs_path) == 0;
  }
done:
  if (!better)
    *rms_px = NAN;
  g_clear_pointer (&pairs, g_array_unref);
  g_clear_pointer (&catalogue, g_array_unref);
  g_clear_pointer (&sources, g_array_unref);
  g_clear_pointer (&w, meteor_camera_wcs_free);
  g_clear_pointer (&solver, meteor_camera_wcs_free);
  g_unlink (trial);
  g_free (trial);
  return better;
}
