/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a camera calibrated against the stars by solve-field. */
#include "calibrate.h"

#include "refine.h"

#include "camerawcs.h"
#include "ffblock.h"

#include <errno.h>
#include <fitsio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <png.h>
#include <string.h>

/* ---- images ---- */

static guint8 *
load_png (const char *path, int *width, int *height, GError **error)
{
  png_image img;
  guint8 *pixels;

  memset (&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file (&img, path)) {
    g_set_error (
        error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: %s", path, img.message);
    return NULL;
  }
  img.format = PNG_FORMAT_GRAY; /* colour: libpng's luma */
  pixels = g_malloc (PNG_IMAGE_SIZE (img));
  if (!png_image_finish_read (&img, NULL, pixels, 0, NULL)) {
    g_set_error (
        error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: %s", path, img.message);
    g_free (pixels);
    png_image_free (&img);
    return NULL;
  }
  *width = (int)img.width;
  *height = (int)img.height;
  return pixels;
}

/* a FITS image of any BITPIX, stretched from its minimum to its maximum */
static guint8 *
load_fits (const char *path, int *width, int *height, GError **error)
{
  fitsfile *f = NULL;
  int status = 0, naxis = 0, ignored = 0;
  long naxes[3] = { 0, 0, 0 };
  double *v, lo, hi;
  guint8 *pixels = NULL;
  char text[FLEN_STATUS];
  size_t i, n;

  fits_open_image (&f, path, READONLY, &status);
  fits_get_img_dim (f, &naxis, &status);
  fits_get_img_size (f, 3, naxes, &status);
  if (status == 0 && (naxis < 2 || naxes[0] < 1 || naxes[1] < 1)) {
    fits_close_file (f, &ignored);
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: its first image has %d axes, not 2", path, naxis);
    return NULL;
  }
  n = status ? 0 : (size_t)naxes[0] * naxes[1];
  v = g_new (double, n ? n : 1);
  fits_read_img (f, TDOUBLE, 1, (LONGLONG)n, NULL, v, NULL, &status);
  if (f)
    fits_close_file (f, &ignored);
  if (status) {
    fits_get_errstatus (status, text);
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "cannot read %s: %s",
        path, text);
    g_free (v);
    return NULL;
  }
  lo = hi = v[0];
  for (i = 1; i < n; i++) {
    lo = MIN (lo, v[i]);
    hi = MAX (hi, v[i]);
  }
  pixels = g_malloc (n);
  for (i = 0; i < n; i++)
    pixels[i] = hi > lo ? (guint8)lround ((v[i] - lo) * 255 / (hi - lo)) : 0;
  g_free (v);
  *width = (int)naxes[0];
  *height = (int)naxes[1];
  return pixels;
}

/* one frame's noise: the block's median STDPIXEL (a histogram: 8 bits) */
static double
median_std (const MeteorFFPlanes *p)
{
  size_t count[256] = { 0 }, n = (size_t)p->width * p->height, seen = 0, i;

  for (i = 0; i < n; i++)
    count[p->stdpixel[i]]++;
  for (i = 0; i < 256; i++)
    if ((seen += count[i]) * 2 >= n)
      return (double)i;
  return NAN;
}

guint8 *
meteor_calibrate_load_image (const char *path, int *width, int *height,
    double *utc, double *noise, GError **error)
{
  MeteorFFPlanes planes;
  MeteorFFHeader h;
  char magic[8] = "", why[512];
  FILE *f = fopen (path, "rb");
  gboolean png;
  guint8 *pixels;

  *utc = 0;
  *noise = NAN;
  if (f == NULL || fread (magic, 1, sizeof magic, f) != sizeof magic) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "cannot read %s: %s",
        path, f ? "too short" : g_strerror (errno));
    if (f)
      fclose (f);
    return NULL;
  }
  fclose (f);
  png = memcmp (magic, "\x89PNG", 4) == 0;
  if (png)
    return load_png (path, width, height, error);
  if (memcmp (magic, "SIMPLE", 6) != 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: neither FITS nor PNG", path);
    return NULL;
  }
  /* an RMS FF file: its average (the stars, without the meteor) */
  if (meteor_ff_read (path, &planes, &h, why, sizeof why) == 0) {
    pixels = planes.avepixel;
    planes.avepixel = NULL;
    *width = planes.width;
    *height = planes.height;
    *utc =
        h.start_ns / 1e9 +
        (h.fps > 0 ? (planes.summed ? planes.summed : planes.frames) / h.fps / 2
                   : 0);
    *noise = median_std (&planes);
    meteor_ff_planes_clear (&planes);
    return pixels;
  }
  return load_fits (path, width, height, error);
}

/* ---- the solver ---- */

static gboolean
write_fits (const char *path, const guint8 *image, int width, int height,
    GError **error)
{
  fitsfile *f = NULL;
  long naxes[2] = { width, height };
  int status = 0;
  char text[FLEN_STATUS];

  fits_create_diskfile (&f, (char *)path, &status);
  fits_create_img (f, BYTE_IMG, 2, naxes, &status);
  fits_write_img (
      f, TBYTE, 1, (LONGLONG)width * height, (void *)image, &status);
  fits_close_file (f, &status);
  if (status) {
    fits_get_errstatus (status, text);
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
        "cannot write %s: %s", path, text);
    return FALSE;
  }
  return TRUE;
}

/* the correspondences: how many, and their rms distance in pixels */
static void
read_matches (const char *path, guint *stars, double *rms)
{
  fitsfile *f = NULL;
  int status = 0, ignored = 0, cols[4];
  long rows = 0, i;
  static const char *const names[4] = { "field_x", "field_y", "index_x",
    "index_y" };
  double sum = 0;

  *stars = 0;
  *rms = NAN;
  fits_open_table (&f, path, READONLY, &status);
  fits_get_num_rows (f, &rows, &status);
  for (i = 0; i < 4; i++)
    fits_get_colnum (f, CASEINSEN, (char *)names[i], &cols[i], &status);
  for (i = 0; status == 0 && i < rows; i++) {
    double v[4];
    int c;
    for (c = 0; c < 4; c++)
      fits_read_col (
          f, TDOUBLE, cols[c], i + 1, 1, 1, NULL, &v[c], NULL, &status);
    sum += (v[0] - v[2]) * (v[0] - v[2]) + (v[1] - v[3]) * (v[1] - v[3]);
  }
  if (f)
    fits_close_file (f, &ignored);
  if (status == 0 && rows > 0) {
    *stars = (guint)rows;
    *rms = sqrt (sum / rows);
  }
}

static void
remove_flat_dir (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)) != NULL) {
    gchar *p = g_build_filename (dir, name, NULL);
    g_unlink (p);
    g_free (p);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (dir);
}

/* One run of the solver, the image downsampled by @downsample for its
 * source extraction; TRUE when it wrote @wcs. */
static gboolean
run_solver (const MeteorCalibrateOptions *o, const char *dir, const char *input,
    const char *wcs, const char *corr, int downsample, gchar **log,
    GError **error)
{
  const char *solver = g_getenv ("METEOR_SOLVE_FIELD");
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  gchar *out = NULL;
  gboolean ran;
  int wait = 0;

#define ARG(...) g_ptr_array_add (argv, g_strdup_printf (__VA_ARGS__))
  ARG ("%s", solver ? solver : "solve-field");
  ARG ("--no-plots");
  ARG ("--overwrite");
  ARG ("--dir");
  ARG ("%s", dir);
  ARG ("--temp-dir");
  ARG ("%s", dir);
  ARG ("--new-fits");
  ARG ("none");
  ARG ("--wcs");
  ARG ("%s", wcs);
  ARG ("--corr");
  ARG ("%s", corr);
  ARG ("--downsample");
  ARG ("%d", downsample);
  ARG ("--crpix-center");
  ARG ("--tweak-order");
  ARG ("%d", o->tweak_order > 0 ? o->tweak_order : 3);
  ARG ("--cpulimit");
  ARG ("%d", o->cpu_limit_s > 0 ? o->cpu_limit_s : 120);
  if (o->scale_low > 0 && o->scale_high >= o->scale_low) {
    ARG ("--scale-units");
    ARG ("arcsecperpix");
    ARG ("--scale-low");
    ARG ("%g", o->scale_low);
    ARG ("--scale-high");
    ARG ("%g", o->scale_high);
  }
  ARG ("%s", input);
#undef ARG
  g_ptr_array_add (argv, NULL);
  g_free (*log);
  *log = NULL;
  ran = g_spawn_sync (NULL, (gchar **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH,
      NULL, NULL, &out, log, &wait, error);
  g_ptr_array_unref (argv);
  g_free (out);
  if (!ran) {
    g_prefix_error (error, "cannot run the solver (Debian astrometry.net): ");
    return FALSE;
  }
  return g_file_test (wcs, G_FILE_TEST_EXISTS);
}

gboolean
meteor_calibrate_solve (const guint8 *image, int width, int height,
    const MeteorCalibrateOptions *o, const char *wcs_path,
    MeteorCalibration *out, GError **error)
{
  gchar *dir = g_dir_make_tmp ("meteor-calibrate-XXXXXX", error);
  gchar *input, *wcs, *corr, *text = NULL, *log = NULL;
  gboolean ok = FALSE, solved = FALSE, refined;
  guint stars = 0;
  double rms = NAN;
  gsize len;
  int downsample;

  if (dir == NULL)
    return FALSE;
  input = g_build_filename (dir, "image.fits", NULL);
  wcs = g_build_filename (dir, "image.wcs", NULL);
  corr = g_build_filename (dir, "image.corr", NULL);
  if (!write_fits (input, image, width, height, error))
    goto done;
  /* a sky camera's stars are a few pixels wide: halved first (fast),
   * then at full resolution when that found too few */
  for (downsample = 2; !solved && downsample >= 1; downsample--) {
    solved = run_solver (o, dir, input, wcs, corr, downsample, &log, error);
    if (!solved && error && *error)
      goto done;
  }
  if (!solved) {
    gchar **lines = g_strsplit (log ? log : "", "\n", -1);
    guint n = g_strv_length (lines);
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
        "no solution: too few stars (clouds, daylight, the lens covered?) or "
        "a wrong scale hint%s%s",
        n > 1 ? "; the solver said: " : "", n > 1 ? lines[n - 2] : "");
    g_strfreev (lines);
    goto done;
  }
  {
    GError *why = NULL;
    refined = meteor_calibrate_refine (dir, input, width, height,
        o->tweak_order > 0 ? o->tweak_order : 4, wcs, &stars, &rms, &why);
    if (why) /* the solver's own WCS stays */
      g_debug ("no refit: %s", why->message);
    g_clear_error (&why);
  }
  if (!g_file_get_contents (wcs, &text, &len, error) ||
      !g_file_set_contents (wcs_path, text, (gssize)len, error))
    goto done;
  ok = meteor_calibration_describe (wcs_path, width, height, out, error);
  if (ok && refined) {
    out->stars = stars;
    out->residual_px = rms;
  } else if (ok)
    read_matches (corr, &out->stars, &out->residual_px);
  ok = ok && meteor_calibration_save (wcs_path, out, 0, error);
done:
  remove_flat_dir (dir);
  g_free (log);
  g_free (text);
  g_free (input);
  g_free (wcs);
  g_free (corr);
  g_free (dir);
  return ok;
}

/* the position angle of (ra2, dec2) seen from (ra1, dec1): east of north */
static double
position_angle (double ra1, double dec1, double ra2, double dec2)
{
  double r = M_PI / 180, d = (ra2 - ra1) * r;

  return fmod (atan2 (sin (d) * cos (dec2 * r),
                   cos (dec1 * r) * sin (dec2 * r) -
                       sin (dec1 * r) * cos (dec2 * r) * cos (d)) /
                       r +
                   360,
      360);
}

/* what meteor_calibration_save kept */
static void
read_meta (const char *wcs_path, MeteorCalibration *out)
{
  fitsfile *f = NULL;
  int status = 0, ignored = 0;
  long stars = 0;
  char iso[FLEN_VALUE] = "";

  out->residual_px = NAN;
  fits_open_diskfile (&f, wcs_path, READONLY, &status);
  if (fits_read_key_lng (f, "CALSTARS", &stars, NULL, &status) == 0)
    out->stars = (guint)stars;
  status = status == KEY_NO_EXIST ? 0 : status;
  fits_read_key_dbl (f, "CALRESPX", &out->residual_px, NULL, &status);
  status = status == KEY_NO_EXIST ? 0 : status;
  if (fits_read_key_str (f, "DATE-OBS", iso, NULL, &status) == 0) {
    gchar *z = g_strconcat (iso, "Z", NULL);
    GDateTime *d = g_date_time_new_from_iso8601 (z, NULL);
    if (d) {
      out->image_utc =
          g_date_time_to_unix (d) + g_date_time_get_microsecond (d) / 1e6;
      g_date_time_unref (d);
    }
    g_free (z);
  }
  if (f)
    fits_close_file (f, &ignored);
}

gboolean
meteor_calibration_describe (const char *wcs_path, int width, int height,
    MeteorCalibration *out, GError **error)
{
  MeteorCameraWcs *w = meteor_camera_wcs_load (wcs_path, error);
  double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0, ra[6], dec[6];
  const double px[6] = { cx, cx + 1, cx, 0, width - 1, cx };
  /* centre, a pixel right, bottom, left, right, top */
  const double py[6] = { cy, cy, height - 1, cy, cy, 0 };
  gboolean ok = TRUE;
  int i;

  if (w == NULL)
    return FALSE;
  memset (out, 0, sizeof *out);
  for (i = 0; i < 6 && ok; i++)
    ok = meteor_camera_wcs_pix2sky (w, px[i], py[i], &ra[i], &dec[i]);
  meteor_camera_wcs_free (w);
  if (!ok) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: its WCS does not map the image's centre and edges", wcs_path);
    return FALSE;
  }
  out->width = width;
  out->height = height;
  out->ra = ra[0];
  out->dec = dec[0];
  out->scale = meteor_sky_separation (ra[0], dec[0], ra[1], dec[1]) * 3600;
  /* up: from the bottom edge to the top one */
  out->rotation = position_angle (ra[2], dec[2], ra[5], dec[5]);
  out->fov_w = meteor_sky_separation (ra[3], dec[3], ra[4], dec[4]);
  out->fov_h = meteor_sky_separation (ra[2], dec[2], ra[5], dec[5]);
  read_meta (wcs_path, out);
  return TRUE;
}

double
meteor_calibration_time (const char *wcs_path)
{
  MeteorCalibration c = { 0 };

  read_meta (wcs_path, &c);
  return c.image_utc;
}

gboolean
meteor_calibration_save (const char *wcs_path, const MeteorCalibration *cal,
    double image_utc, GError **error)
{
  fitsfile *f = NULL;
  int status = 0, ignored = 0;
  char text[FLEN_STATUS];

  fits_open_diskfile (&f, wcs_path, READWRITE, &status);
  fits_update_key_lng (f, "CALSTARS", (long)cal->stars,
      "catalogue stars in the astrometric solution", &status);
  if (isfinite (cal->residual_px))
    fits_update_key_dbl (f, "CALRESPX", cal->residual_px, 4,
        "their rms residual, pixels", &status);
  if (image_utc > 0) {
    gint64 ms = llround (image_utc * 1000); /* .340, not .339999 */
    GDateTime *d = g_date_time_new_from_unix_utc (ms / 1000);
    gchar *day = g_date_time_format (d, "%Y-%m-%dT%H:%M:%S");
    gchar *iso = g_strdup_printf ("%s.%03d", day, (int)(ms % 1000));
    fits_update_key_str (f, "DATE-OBS", iso, "UTC of the sky solved", &status);
    g_free (iso);
    g_free (day);
    g_date_time_unref (d);
  }
  if (f)
    fits_close_file (f, status ? &ignored : &status);
  if (status) {
    fits_get_errstatus (status, text);
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
        "cannot write the calibration's stars to %s: %s", wcs_path, text);
    return FALSE;
  }
  return TRUE;
}

gboolean
meteor_calibration_horizon (const char *wcs_path, int width, int height,
    double utc, double lat, double lon, double *azimuth, double *altitude,
    double *rotation, GError **error)
{
  MeteorCameraWcs *w = meteor_camera_wcs_load (wcs_path, error);
  double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0, ra[2], dec[2];
  double az[2], alt[2], step = MAX (width / 20, 1), daz;
  gboolean ok;

  if (w == NULL)
    return FALSE;
  /* the centre, and a step right of it along the row */
  ok = meteor_camera_wcs_pix2sky (w, cx, cy, &ra[0], &dec[0]) &&
       meteor_camera_wcs_pix2sky (w, cx + step, cy, &ra[1], &dec[1]);
  meteor_camera_wcs_free (w);
  if (!ok) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: its WCS does not map the image's centre", wcs_path);
    return FALSE;
  }
  meteor_sky_to_horizon (ra[0], dec[0], utc, lat, lon, &az[0], &alt[0]);
  meteor_sky_to_horizon (ra[1], dec[1], utc, lat, lon, &az[1], &alt[1]);
  *azimuth = az[0];
  *altitude = alt[0];
  daz = fmod (az[1] - az[0] + 540.0, 360.0) - 180.0;
  *rotation =
      -atan2 (alt[1] - alt[0], daz * cos (alt[0] * M_PI / 180)) * 180 / M_PI;
  return TRUE;
}
