/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: calibration against the stars: a WCS through wcslib, the
 * horizon through libnova, an image with no stars, and real RMS blocks
 * solved by astrometry.net, their meteors' RA/Dec against RMS's own.
 * usage: test-calibrate [RMS_FF_DIR] (METEOR_RMS_FF wins) */
#include "calibrate.h"
#include "camerawcs.h"
#include "ffblock.h"
#include "ftpdetectinfo.h"
#include "minitest.h"

#include <fitsio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static const char *data_dir;

static gboolean
have_solver (void)
{
  gchar *p = g_find_program_in_path ("solve-field");
  gboolean found = p != NULL || g_getenv ("METEOR_SOLVE_FIELD") != NULL;

  g_free (p);
  if (!found)
    printf ("SKIP: no solve-field (Debian astrometry.net)\n");
  return found;
}

/* a TAN WCS: centre (ra0, dec0) at pixel (640.5, 360.5) FITS, 200"/px,
 * north up, east left */
static gchar *
write_tan (const char *dir, double ra0, double dec0)
{
  gchar *path = g_build_filename (dir, "tan.wcs", NULL);
  fitsfile *f = NULL;
  int status = 0;
  double s = 200.0 / 3600;

  fits_create_diskfile (&f, path, &status);
  fits_create_img (f, BYTE_IMG, 0, NULL, &status);
  fits_update_key_str (f, "CTYPE1", "RA---TAN", NULL, &status);
  fits_update_key_str (f, "CTYPE2", "DEC--TAN", NULL, &status);
  fits_update_key_dbl (f, "CRVAL1", ra0, -15, NULL, &status);
  fits_update_key_dbl (f, "CRVAL2", dec0, -15, NULL, &status);
  fits_update_key_dbl (f, "CRPIX1", 640.5, -15, NULL, &status);
  fits_update_key_dbl (f, "CRPIX2", 360.5, -15, NULL, &status);
  fits_update_key_dbl (f, "CD1_1", -s, -15, NULL, &status);
  fits_update_key_dbl (f, "CD1_2", 0, -15, NULL, &status);
  fits_update_key_dbl (f, "CD2_1", 0, -15, NULL, &status);
  fits_update_key_dbl (f, "CD2_2", s, -15, NULL, &status);
  fits_update_key_lng (f, "IMAGEW", 1280, NULL, &status);
  fits_update_key_lng (f, "IMAGEH", 720, NULL, &status);
  fits_close_file (f, &status);
  EXPECT (status == 0, "cfitsio status %d", status);
  return path;
}

static void
test_wcs_and_horizon (void)
{
  gchar *dir = g_dir_make_tmp ("test-calib-XXXXXX", NULL);
  gchar *path = write_tan (dir, 150.0, 30.0);
  GError *error = NULL;
  MeteorCameraWcs *w = meteor_camera_wcs_load (path, &error);
  MeteorCalibration cal;
  double ra, dec, x, y, az, el, jd;
  int width, height;

  EXPECT (w != NULL, "%s", error ? error->message : "");
  if (w) {
    /* FITS pixel 640.5 is frame pixel 639.5 */
    EXPECT (meteor_camera_wcs_pix2sky (w, 639.5, 359.5, &ra, &dec) &&
                fabs (ra - 150) < 1e-9 && fabs (dec - 30) < 1e-9,
        "centre -> %f %f", ra, dec);
    EXPECT (meteor_camera_wcs_pix2sky (w, 100, 50, &ra, &dec) &&
                meteor_camera_wcs_sky2pix (w, ra, dec, &x, &y) &&
                fabs (x - 100) < 1e-6 && fabs (y - 50) < 1e-6,
        "round trip -> %f %f", x, y);
    meteor_camera_wcs_size (w, &width, &height);
    EXPECT (width == 1280 && height == 720, "%dx%d", width, height);
    meteor_camera_wcs_free (w);
  }
  /* stored top row first, FITS y grows down the frame: with north at
   * FITS y+ the frame's up points south; 1279 px of 200" through the
   * tangent plane are 2 atan (tan-plane half width) = 63.6 degrees */
  EXPECT (meteor_calibration_describe (path, 1280, 720, &cal, &error) &&
              fabs (cal.scale - 200) < 0.5 && fabs (cal.dec - 30) < 0.01 &&
              fabs (cal.rotation - 180) < 0.5 && fabs (cal.fov_w - 63.6) < 0.1,
      "describe: scale %f rotation %f fov %f", cal.scale, cal.rotation,
      cal.fov_w);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
  EXPECT (meteor_camera_wcs_load ("/nonexistent.wcs", &error) == NULL &&
              strstr (error->message, "/nonexistent.wcs"),
      "a missing WCS");
  g_clear_error (&error);

  /* Polaris from 45 N: due north, at about the latitude */
  meteor_sky_to_horizon (37.95, 89.264, 1765137600, 45.0, 16.0, &az, &el);
  EXPECT (fabs (el - 45) < 1.0 && (az < 1.5 || az > 358.5),
      "Polaris: az %f el %f", az, el);
  /* a star of Dec -20 crossing the meridian of a station at 45 N, 16 E
   * (the instant from the IAU's mean sidereal time, near J2000 where
   * precession is nil): due south, 25 degrees up */
  jd = 2451545.0 +
       fmod (60.0 - 16.0 - 280.46061837 + 720, 360) / 360.98564736629;
  meteor_sky_to_horizon (
      60.0, -20.0, (jd - 2440587.5) * 86400, 45.0, 16.0, &az, &el);
  EXPECT (fabs (az - 180) < 0.05 && fabs (el - 25) < 0.05,
      "on the meridian: az %f el %f", az, el);
  EXPECT (fabs (meteor_sky_separation (10, 0, 20, 0) - 10) < 1e-9,
      "separation on the equator");
}

/* no stars: a warning's cause, no WCS file */
static void
test_no_stars (void)
{
  gchar *dir, *path;
  guint8 *image;
  MeteorCalibrateOptions o = { .scale_low = 180, .scale_high = 280 };
  MeteorCalibration cal;
  GError *error = NULL;

  if (!have_solver ())
    return;
  dir = g_dir_make_tmp ("test-calib-XXXXXX", NULL);
  path = g_build_filename (dir, "camera.wcs", NULL);
  image = g_malloc (320 * 240);
  memset (image, 40, 320 * 240);
  EXPECT (!meteor_calibrate_solve (image, 320, 240, &o, path, &cal, &error) &&
              error && strstr (error->message, "no solution"),
      "a starless image: %s", error ? error->message : "solved");
  EXPECT (!g_file_test (path, G_FILE_TEST_EXISTS), "a WCS was written");
  g_clear_error (&error);
  g_free (image);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Each block with RMS's calibrated rows, solved from its own average:
 * the RA/Dec of RMS's pixel positions against RMS's RA/Dec. */
static void
test_real_blocks (void)
{
  static const char *const files[] = {
    "FTPdetectinfo_UK0006_20230423_195209_508127_excerpt.txt",
    "FTPdetectinfo_UK000F_20230423_195211_138993_excerpt.txt",
  };
  MeteorCalibrateOptions o = { .scale_low = 180, .scale_high = 280 };
  GArray *all;
  guint i, j, k, blocks = 0;

  if (data_dir == NULL || !g_file_test (data_dir, G_FILE_TEST_IS_DIR)) {
    printf ("SKIP: real blocks: no rms-ff data set at '%s'\n",
        data_dir ? data_dir : "");
    return;
  }
  if (!have_solver ())
    return;
  all = g_array_new (FALSE, FALSE, sizeof (double));
  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    gchar *path = g_build_filename (data_dir, files[i], NULL);
    GError *error = NULL;
    MeteorFtpFile *ftp = meteor_ftp_read_file (path, &error);

    EXPECT (ftp != NULL, "%s", error ? error->message : "");
    for (j = 0; ftp && j < ftp->meteors->len; j++) {
      MeteorFtpMeteor *m = g_ptr_array_index (ftp->meteors, j);
      gchar *ff = g_build_filename (data_dir, m->ff_name, NULL);
      gchar *wcs = g_strdup_printf (
          "%s/test-calibrate-%u.wcs", g_get_tmp_dir (), (guint)getpid ());
      MeteorCalibration cal;
      MeteorCameraWcs *w;
      double utc, noise, *sep = g_new (double, m->points->len), median;
      int width, height;
      guint8 *image = meteor_calibrate_load_image (
          ff, &width, &height, &utc, &noise, &error);

      EXPECT (image && width == 1280 && utc > 1.68e9, "%s: %s", ff,
          error ? error->message : "");
      if (image && meteor_calibrate_solve (
                       image, width, height, &o, wcs, &cal, &error)) {
        w = meteor_camera_wcs_load (wcs, &error);
        for (k = 0; w && k < m->points->len; k++) {
          const MeteorFtpPoint *p =
              &g_array_index (m->points, MeteorFtpPoint, k);
          double ra, dec;
          sep[k] = meteor_camera_wcs_pix2sky (w, p->x, p->y, &ra, &dec)
                       ? meteor_sky_separation (ra, dec, p->ra, p->dec)
                       : 180;
        }
        qsort (sep, m->points->len, sizeof *sep, cmp_double);
        median = sep[m->points->len / 2];
        printf ("  %s: %u stars, %.0f\"/px, RA/Dec of RMS's %u points: "
                "median %.3f deg from RMS's, largest %.3f\n",
            m->ff_name, cal.stars, cal.scale, m->points->len, median,
            sep[m->points->len - 1]);
        /* RMS's own calibration is of about 1'; ours is one image, the
         * solver's WCS refitted to the field's stars (refine.c) */
        EXPECT (median < 0.15, "%s: median %.3f deg", m->ff_name, median);
        for (k = 0; k < m->points->len; k++)
          g_array_append_val (all, sep[k]);
        EXPECT (cal.scale > 200 && cal.scale < 260, "scale %f", cal.scale);
        meteor_camera_wcs_free (w);
        /* the solution's stars, residual and the sky's time stay with it */
        {
          MeteorCalibration kept = { 0 };
          EXPECT (meteor_calibration_save (wcs, &cal, utc, &error) &&
                      meteor_calibration_describe (
                          wcs, width, height, &kept, &error) &&
                      kept.stars == cal.stars &&
                      fabs (kept.residual_px - cal.residual_px) < 1e-3 &&
                      fabs (kept.image_utc - utc) < 1e-3,
              "%s: kept %u stars, %f px, %f s (%s)", m->ff_name, kept.stars,
              kept.residual_px, kept.image_utc, error ? error->message : "");
        }
        blocks++;
      } else
        EXPECT (FALSE, "%s: %s", m->ff_name, error ? error->message : "");
      g_clear_error (&error);
      g_unlink (wcs);
      g_free (image);
      g_free (sep);
      g_free (wcs);
      g_free (ff);
    }
    g_clear_error (&error);
    meteor_ftp_file_free (ftp);
    g_free (path);
  }
  EXPECT (blocks == 3, "%u blocks solved, not 3", blocks);
  /* every point RMS measured, of all three meteors */
  g_array_sort (all, cmp_double);
  if (all->len) {
    double median = g_array_index (all, double, all->len / 2);
    printf ("  all %u points: median %.3f deg from RMS's\n", all->len, median);
    EXPECT (median < 0.1, "all points: median %.3f deg", median);
  }
  g_array_unref (all);
}

typedef struct {
  double ra, dec, az, el, utc;
} HorizonRow;

/* the largest distance between RMS's azimuth and elevation and ours from
 * RMS's RA/Dec, for a station at (@lat, @lon) */
static double
horizon_misfit (const GArray *rows, double lat, double lon)
{
  double worst = 0, az, el;
  guint i;

  for (i = 0; i < rows->len; i++) {
    const HorizonRow *r = &g_array_index (rows, HorizonRow, i);
    meteor_sky_to_horizon (r->ra, r->dec, r->utc, lat, lon, &az, &el);
    worst = MAX (worst, meteor_sky_separation (az, el, r->az, r->el));
  }
  return worst;
}

/* RMS's azimuth and elevation of each point against ours from its RA/Dec
 * and time. The stations' places are not in the data: the place that fits
 * best is searched for (on a grid, then finer), and must be in the UK and
 * fit every row of both nights' files within 0.05 deg; a wrong azimuth
 * origin, time or precession fits nowhere. */
static void
test_horizon_against_rms (void)
{
  static const char *const files[] = {
    "FTPdetectinfo_UK0006_20230423_195209_508127_excerpt.txt",
    "FTPdetectinfo_UK000F_20230423_195211_138993_excerpt.txt",
  };
  guint i, j, k;

  if (data_dir == NULL || !g_file_test (data_dir, G_FILE_TEST_IS_DIR)) {
    printf ("SKIP: horizon: no rms-ff data set at '%s'\n",
        data_dir ? data_dir : "");
    return;
  }
  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    gchar *path = g_build_filename (data_dir, files[i], NULL);
    MeteorFtpFile *ftp = meteor_ftp_read_file (path, NULL);
    GArray *rows = g_array_new (FALSE, FALSE, sizeof (HorizonRow));
    double best = 1e9, lat = 0, lon = 0, step, a, b;
    int pass;

    for (j = 0; ftp && j < ftp->meteors->len; j++) {
      MeteorFtpMeteor *m = g_ptr_array_index (ftp->meteors, j);
      MeteorFFHeader h;
      EXPECT (meteor_ff_parse_name (m->ff_name, &h) == 0, "%s", m->ff_name);
      for (k = 0; k < m->points->len; k++) {
        const MeteorFtpPoint *p = &g_array_index (m->points, MeteorFtpPoint, k);
        HorizonRow r = { p->ra, p->dec, p->azim, p->elev,
          h.start_ns / 1e9 + p->frame / m->fps };
        g_array_append_val (rows, r);
      }
    }
    EXPECT (rows->len >= 15, "%s: %u rows", files[i], rows->len);
    /* Great Britain and around it, then ever finer about the best */
    for (pass = 0, step = 0.25; pass < 3; pass++, step /= 10) {
      double lat0 = pass ? lat : 54, lon0 = pass ? lon : -3;
      double span = pass ? step * 10 : 6;
      for (a = lat0 - span; a <= lat0 + span; a += step)
        for (b = lon0 - span; b <= lon0 + span; b += step) {
          double f = horizon_misfit (rows, a, b);
          if (f < best) {
            best = f;
            lat = a;
            lon = b;
          }
        }
    }
    printf ("  %s: %u rows fit best at %.3f N %.3f E: RMS's azimuth and "
            "elevation within %.4f deg of ours\n",
        files[i], rows->len, lat, lon, best);
    EXPECT (lat > 49.5 && lat < 59 && lon > -8.5 && lon < 2, "%s: %f %f",
        files[i], lat, lon);
    EXPECT (best < 0.05, "%s: misfit %f deg", files[i], best);
    g_array_unref (rows);
    meteor_ftp_file_free (ftp);
    g_free (path);
  }
}

/* A fixed camera's pixel an hour later: the same azimuth and elevation,
 * the RA turned by about the sidereal hour (15.041 deg). The sky turns
 * about the pole of the date, 0.13 deg from J2000's in 2023: the J2000
 * Dec moves by up to that much, the RA by as much again. */
static void
test_sky_follow (void)
{
  const double t0 = 1682285869.34, lat = 51.882, lon = -1.305; /* 21:37 */
  double ra = 134.1, dec = 18.5, az0, el0, az1, el1, turn;

  meteor_sky_to_horizon (ra, dec, t0, lat, lon, &az0, &el0);
  meteor_sky_follow (&ra, &dec, t0, t0);
  EXPECT (fabs (ra - 134.1) < 1e-9 && fabs (dec - 18.5) < 1e-9,
      "no time, no turn: %f %f", ra, dec);
  meteor_sky_follow (&ra, &dec, t0, t0 + 3600);
  meteor_sky_to_horizon (ra, dec, t0 + 3600, lat, lon, &az1, &el1);
  turn = ra - 134.1;
  EXPECT (fabs (turn - 15.0411) < 0.03 && fabs (dec - 18.5) < 0.05,
      "an hour: RA turned %f, Dec %f", turn, dec);
  EXPECT (meteor_sky_separation (az0, el0, az1, el1) < 1e-4,
      "an hour: the horizon moved %f deg",
      meteor_sky_separation (az0, el0, az1, el1));
  /* across midnight and the RA's wrap */
  ra = 355;
  dec = 18.5;
  meteor_sky_to_horizon (ra, dec, t0, lat, lon, &az0, &el0);
  meteor_sky_follow (&ra, &dec, t0, t0 + 6 * 3600);
  meteor_sky_to_horizon (ra, dec, t0 + 6 * 3600, lat, lon, &az1, &el1);
  EXPECT (ra >= 0 && ra < 360 && fabs (ra - (355 + 6 * 15.0411 - 360)) < 0.1 &&
              meteor_sky_separation (az0, el0, az1, el1) < 1e-4,
      "six hours from RA 355: %f, the horizon moved %f deg", ra,
      meteor_sky_separation (az0, el0, az1, el1));
}

int
main (int argc, char **argv)
{
  static const MiniTest tests[] = {
    { "a WCS through wcslib, the horizon through libnova",
        test_wcs_and_horizon },
    { "an image with no stars: no solution, no WCS", test_no_stars },
    { "real RMS blocks: RA/Dec against RMS's", test_real_blocks },
    { "the horizon against RMS's", test_horizon_against_rms },
    { "a fixed camera's pixel follows the turning sky", test_sky_follow },
  };

  data_dir = g_getenv ("METEOR_RMS_FF");
  if (data_dir == NULL && argc > 1)
    data_dir = argv[1];
  return minitest_run (tests, G_N_ELEMENTS (tests));
}
