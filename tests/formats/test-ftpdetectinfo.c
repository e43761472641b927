/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: FTPdetectinfo: RMS's real files read and written back byte
 * for byte, the line fit against RMS's Rho and Phi, an uncalibrated
 * meteor's rows, bad files.
 * usage: test-ftpdetectinfo [RMS_FF_DIR] (METEOR_RMS_FF wins) */
#include "ftpdetectinfo.h"
#include "minitest.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static const char *data_dir;

static gchar *
written (const MeteorFtpFile *f)
{
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream (&text, &len);

  meteor_ftp_write (out, f);
  fclose (out);
  return text;
}

static gchar *
without_cr (const gchar *text)
{
  gchar **parts = g_strsplit (text, "\r\n", -1), *joined;

  joined = g_strjoinv ("\n", parts);
  g_strfreev (parts);
  return joined;
}

/* each excerpt: its meteors, and the first point of the first one */
static const struct {
  const char *file;
  guint meteors, points;
  double frame, x, y, ra, dec, azim, elev, mag;
  unsigned inten;
} excerpts[] = {
  { "FTPdetectinfo_UK000F_20230423_195211_138993_excerpt.txt", 1, 15, 69.6083,
      743.58, 438.00, 197.9315, -1.2106, 146.9768, 31.9215, 5.80, 44 },
  { "FTPdetectinfo_UK0006_20230423_195209_508127_excerpt.txt", 2, 17, 0, 0, 0,
      0, 0, 0, 0, 0, 0 },
};

static void
test_real_round_trip (void)
{
  guint i;

  if (data_dir == NULL || !g_file_test (data_dir, G_FILE_TEST_IS_DIR)) {
    printf ("SKIP: real FTPdetectinfo: no rms-ff data set at '%s'\n",
        data_dir ? data_dir : "");
    return;
  }
  for (i = 0; i < G_N_ELEMENTS (excerpts); i++) {
    gchar *path = g_build_filename (data_dir, excerpts[i].file, NULL);
    gchar *text = NULL, *want, *got;
    GError *error = NULL;
    MeteorFtpFile *f = meteor_ftp_read_file (path, &error);
    MeteorFtpMeteor *m;
    const MeteorFtpPoint *p;

    EXPECT (f != NULL, "%s", error ? error->message : "");
    if (f == NULL) {
      g_clear_error (&error);
      g_free (path);
      continue;
    }
    EXPECT (f->meteors->len == excerpts[i].meteors, "%s: %u meteors",
        excerpts[i].file, f->meteors->len);
    m = g_ptr_array_index (f->meteors, 0);
    EXPECT (m->points->len == excerpts[i].points && m->calibration != NULL,
        "%s: %u points", excerpts[i].file, m->points->len);
    p = &g_array_index (m->points, MeteorFtpPoint, 0);
    if (excerpts[i].frame > 0)
      EXPECT (p->frame == excerpts[i].frame && p->x == excerpts[i].x &&
                  p->y == excerpts[i].y && p->ra == excerpts[i].ra &&
                  p->dec == excerpts[i].dec && p->azim == excerpts[i].azim &&
                  p->elev == excerpts[i].elev && p->mag == excerpts[i].mag &&
                  p->intensity == excerpts[i].inten,
          "first point: %g %g %g %g %g %g %g %u %g", p->frame, p->x, p->y,
          p->ra, p->dec, p->azim, p->elev, p->intensity, p->mag);
    /* written back: RMS's text, byte for byte (its line ends aside) */
    g_file_get_contents (path, &text, NULL, NULL);
    want = without_cr (text);
    got = written (f);
    EXPECT (strcmp (want, got) == 0, "%s written back differs:\n%s",
        excerpts[i].file, got);
    g_free (text);
    g_free (want);
    g_free (got);
    meteor_ftp_file_free (f);
    g_free (path);
  }
}

/* Rho, Phi and Pix/fm of our line fit against RMS's (from its Hough
 * transform, so within a pixel and a degree) */
static void
test_line_fit (void)
{
  guint i, j;

  if (data_dir == NULL || !g_file_test (data_dir, G_FILE_TEST_IS_DIR)) {
    printf ("SKIP: line fit: no rms-ff data set\n");
    return;
  }
  for (i = 0; i < G_N_ELEMENTS (excerpts); i++) {
    gchar *path = g_build_filename (data_dir, excerpts[i].file, NULL);
    MeteorFtpFile *f = meteor_ftp_read_file (path, NULL);

    for (j = 0; f && j < f->meteors->len; j++) {
      MeteorFtpMeteor *m = g_ptr_array_index (f->meteors, j);
      double rho = m->rho, phi = m->phi, pix = m->pix_fm;

      meteor_ftp_meteor_fit_line (m, 1280, 720);
      EXPECT (fabs (m->rho - rho) < 1.5 && fabs (m->phi - phi) < 1.0 &&
                  fabs (m->pix_fm - pix) <= 0.05,
          "%s meteor %u: rho %.1f phi %.1f pix/fm %.2f, RMS %.1f %.1f %.1f",
          excerpts[i].file, m->meteor_no, m->rho, m->phi, m->pix_fm, rho, phi,
          pix);
    }
    meteor_ftp_file_free (f);
    g_free (path);
  }
}

static void
test_uncalibrated (void)
{
  MeteorFtpFile *f = meteor_ftp_file_new ("XX0001_20261207_160000", "none");
  MeteorFtpMeteor *m = meteor_ftp_file_add (
      f, "FF_XX0001_20261207_180000_000_0000256.fits", "XX0001", 25, NULL);
  MeteorFtpPoint p = { .frame = 12,
    .x = 100,
    .y = 360,
    .ra = 1,
    .dec = 2,
    .azim = 3,
    .elev = 4,
    .intensity = 517,
    .mag = 1.5 };
  gchar *text, *dir, *path;
  GError *error = NULL;
  MeteorFtpFile *back;

  meteor_ftp_meteor_add_point (m, &p);
  p.frame = 14;
  p.x = 120;
  meteor_ftp_meteor_add_point (m, &p);
  meteor_ftp_meteor_fit_line (m, 1280, 720);
  EXPECT (fabs (m->pix_fm - 10) < 1e-9 && fabs (m->rho) < 1e-9,
      "pix/fm %g rho %g", m->pix_fm, m->rho);
  text = written (f);
  EXPECT (strstr (text, "Meteor Count = 000001\n") == text, "%s", text);
  EXPECT (strstr (text, "\nUncalibrated\n"
                        "XX0001 0001 0002 0025.00 000.0 000.0  00.0 010.0 "
                        "0000.0 ") != NULL,
      "%s", text);
  /* no made-up coordinates, nor magnitude */
  EXPECT (strstr (text, "\n12.0000 0100.00 0360.00 000.00 000.00 000.00 "
                        "000.00 000517 0.00\n") != NULL,
      "%s", text);
  dir = g_dir_make_tmp ("test-ftp-XXXXXX", NULL);
  path = g_build_filename (dir, "FTPdetectinfo_XX0001.txt", NULL);
  EXPECT (meteor_ftp_write_file (path, f, &error), "%s",
      error ? error->message : "");
  back = meteor_ftp_read_file (path, &error);
  EXPECT (back && back->meteors->len == 1 &&
              ((MeteorFtpMeteor *)g_ptr_array_index (back->meteors, 0))
                      ->calibration == NULL,
      "read back");
  meteor_ftp_file_free (back);
  /* a cut point row: the line named */
  g_file_set_contents (path,
      "Meteor Count = 000001\n-\nP\n-\nFF  folder = a\n"
      "CAL folder = b\n-\nFF\nCAL\nCam#\nPer\n"
      "-------------------------------------------------------\nFF_x.fits\n"
      "Uncalibrated\nXX0001 0001 0001 0025.00 000.0 000.0  00.0 000.0 0000.0 "
      "0000.0\n12.0000 0100.00\n",
      -1, NULL);
  back = meteor_ftp_read_file (path, &error);
  EXPECT (back == NULL && error && strstr (error->message, ":16: ") != NULL,
      "a cut row: %s", error ? error->message : "read");
  g_clear_error (&error);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
  g_free (text);
  meteor_ftp_file_free (f);
}

int
main (int argc, char **argv)
{
  static const MiniTest tests[] = {
    { "RMS's files read and written back byte for byte", test_real_round_trip },
    { "line fit against RMS's Rho and Phi", test_line_fit },
    { "an uncalibrated meteor", test_uncalibrated },
  };

  data_dir = g_getenv ("METEOR_RMS_FF");
  if (data_dir == NULL && argc > 1)
    data_dir = argv[1];
  return minitest_run (tests, G_N_ELEMENTS (tests));
}
