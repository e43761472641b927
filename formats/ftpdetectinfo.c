/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: RMS FTPdetectinfo files: writing them as RMS does, reading
 * RMS's. */
#include "config.h"

#include "ftpdetectinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define HEADER_RULE "-----------------------------------------------------"
#define METEOR_RULE "-------------------------------------------------------"
#define HEADER_LINES 11

static void
meteor_free (gpointer data)
{
  MeteorFtpMeteor *m = data;

  g_free (m->ff_name);
  g_free (m->calibration);
  g_free (m->cam_code);
  g_array_unref (m->points);
  g_free (m);
}

MeteorFtpFile *
meteor_ftp_file_new (const char *ff_folder, const char *cal_folder)
{
  MeteorFtpFile *f = g_new0 (MeteorFtpFile, 1);

  f->processed = g_strdup_printf ("Processed with gst-meteor %s", VERSION);
  f->ff_folder = g_strdup (ff_folder);
  f->cal_folder = g_strdup (cal_folder);
  f->meteors = g_ptr_array_new_with_free_func (meteor_free);
  return f;
}

void
meteor_ftp_file_free (MeteorFtpFile *f)
{
  if (f == NULL)
    return;
  g_free (f->processed);
  g_free (f->ff_folder);
  g_free (f->cal_folder);
  g_ptr_array_unref (f->meteors);
  g_free (f);
}

static MeteorFtpMeteor *
meteor_new (void)
{
  MeteorFtpMeteor *m = g_new0 (MeteorFtpMeteor, 1);

  m->points = g_array_new (FALSE, TRUE, sizeof (MeteorFtpPoint));
  return m;
}

MeteorFtpMeteor *
meteor_ftp_file_add (MeteorFtpFile *f, const char *ff_name,
    const char *cam_code, double fps, const char *calibration)
{
  MeteorFtpMeteor *m = meteor_new ();

  m->ff_name = g_strdup (ff_name);
  m->cam_code = g_strdup (cam_code);
  m->calibration = g_strdup (calibration);
  m->fps = fps;
  m->meteor_no = f->meteors->len + 1;
  g_ptr_array_add (f->meteors, m);
  return m;
}

void
meteor_ftp_meteor_add_point (MeteorFtpMeteor *m, const MeteorFtpPoint *p)
{
  g_array_append_vals (m->points, p, 1);
}

void
meteor_ftp_meteor_fit_line (MeteorFtpMeteor *m, int width, int height)
{
  const MeteorFtpPoint *p = (const MeteorFtpPoint *)m->points->data;
  guint i, n = m->points->len;
  double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0, theta, phi, rho;

  m->pix_fm = m->rho = m->phi = 0;
  if (n < 2)
    return;
  if (p[n - 1].frame != p[0].frame)
    m->pix_fm = hypot (p[n - 1].x - p[0].x, p[n - 1].y - p[0].y) /
                (p[n - 1].frame - p[0].frame);
  /* about the centre, y up */
  for (i = 0; i < n; i++) {
    mx += p[i].x - width / 2.0;
    my += height / 2.0 - p[i].y;
  }
  mx /= n;
  my /= n;
  for (i = 0; i < n; i++) {
    double dx = p[i].x - width / 2.0 - mx, dy = height / 2.0 - p[i].y - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  theta = 0.5 * atan2 (2 * sxy, sxx - syy); /* the line's direction */
  phi = theta + M_PI / 2;                   /* its normal's */
  rho = mx * cos (phi) + my * sin (phi);
  if (rho < 0) {
    rho = -rho;
    phi += M_PI;
  }
  phi = fmod (phi * 180 / M_PI, 360);
  if (phi > 180)
    phi -= 360;
  else if (phi <= -180)
    phi += 360;
  m->rho = rho;
  m->phi = phi;
}

void
meteor_ftp_write (FILE *out, const MeteorFtpFile *f)
{
  guint i, j;

  fprintf (out, "Meteor Count = %06u\n", f->meteors->len);
  fprintf (out, HEADER_RULE "\n%s\n" HEADER_RULE "\n", f->processed);
  fprintf (
      out, "FF  folder = %s\nCAL folder = %s\n", f->ff_folder, f->cal_folder);
  fprintf (out, HEADER_RULE "\nFF  file processed\nCAL file processed\n");
  fprintf (out, "Cam# Meteor# #Segments fps hnr mle bin Pix/fm Rho Phi\n");
  fprintf (out, "Per segment:  Frame# Col Row RA Dec Azim Elev Inten Mag\n");
  for (i = 0; i < f->meteors->len; i++) {
    const MeteorFtpMeteor *m = g_ptr_array_index (f->meteors, i);

    fprintf (out, METEOR_RULE "\n%s\n%s\n", m->ff_name,
        m->calibration ? m->calibration : "Uncalibrated");
    fprintf (out,
        "%4s %04u %04u %07.2f %05.1f %05.1f  %04.1f %05.1f %06.1f %06.1f\n",
        m->cam_code, m->meteor_no, m->points->len, m->fps, m->hnr, m->mle,
        m->bin, m->pix_fm, m->rho, m->phi);
    for (j = 0; j < m->points->len; j++) {
      const MeteorFtpPoint *p = &g_array_index (m->points, MeteorFtpPoint, j);

      if (m->calibration)
        fprintf (out,
            "%06.4f %07.2f %07.2f %08.4f %+08.4f %08.4f %+08.4f %06u %.2f\n",
            p->frame, p->x, p->y, p->ra, p->dec, p->azim, p->elev, p->intensity,
            p->mag);
      else /* no made-up coordinates */
        fprintf (out,
            "%06.4f %07.2f %07.2f 000.00 000.00 000.00 000.00 %06u 0.00\n",
            p->frame, p->x, p->y, p->intensity);
    }
  }
}

gboolean
meteor_ftp_write_file (const char *path, const MeteorFtpFile *f, GError **error)
{
  gchar *tmp = g_strdup_printf ("%s.tmp", path);
  FILE *out = fopen (tmp, "w");
  int err = 0;

  if (out == NULL) {
    err = errno;
  } else {
    meteor_ftp_write (out, f);
    if (fflush (out) != 0 || fsync (fileno (out)) != 0)
      err = errno;
    if (fclose (out) != 0 && err == 0)
      err = errno;
    if (err == 0 && rename (tmp, path) != 0)
      err = errno;
  }
  if (err) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
        "cannot write %s: %s", path, g_strerror (err));
    unlink (tmp);
  }
  g_free (tmp);
  return err == 0;
}

/* ---- reading ---- */

static gboolean
bad_line (GError **error, const char *path, guint line, const char *what)
{
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
      "%s:%u: not an FTPdetectinfo file: %s", path, line, what);
  return FALSE;
}

/* "Cam# Meteor# #Segments fps hnr mle bin Pix/fm Rho Phi" */
static gboolean
parse_meteor_header (MeteorFtpMeteor *m, const char *line)
{
  char cam[64];
  unsigned no, segments;

  if (sscanf (line, "%63s %u %u %lf %lf %lf %lf %lf %lf %lf", cam, &no,
          &segments, &m->fps, &m->hnr, &m->mle, &m->bin, &m->pix_fm, &m->rho,
          &m->phi) != 10)
    return FALSE;
  m->cam_code = g_strdup (cam);
  m->meteor_no = no;
  return TRUE;
}

static gboolean
parse_point (MeteorFtpPoint *p, const char *line)
{
  int n;

  memset (p, 0, sizeof *p);
  n = sscanf (line, "%lf %lf %lf %lf %lf %lf %lf %u %lf", &p->frame, &p->x,
      &p->y, &p->ra, &p->dec, &p->azim, &p->elev, &p->intensity, &p->mag);
  if (n == 8)
    p->mag = NAN; /* older files end with Inten */
  return n >= 8;
}

static const char *
after (const char *line, const char *prefix)
{
  return g_str_has_prefix (line, prefix) ? line + strlen (prefix) : NULL;
}

MeteorFtpFile *
meteor_ftp_read_file (const char *path, GError **error)
{
  gchar *text = NULL, **lines;
  MeteorFtpFile *f;
  MeteorFtpMeteor *m = NULL;
  guint i, n, row = 0; /* row: the line within the current meteor */
  gboolean ok = TRUE;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  g_free (text);
  n = g_strv_length (lines);
  for (i = 0; i < n; i++)
    g_strchomp (lines[i]); /* "\r\n" files: RMS's own */
  while (n > 0 && lines[n - 1][0] == '\0')
    n--;
  f = meteor_ftp_file_new ("", "");
  if (n < HEADER_LINES || !g_str_has_prefix (lines[0], "Meteor Count = ") ||
      !after (lines[4], "FF  folder = ") || !after (lines[5], "CAL folder = "))
    ok = bad_line (error, path, 1, "no FTPdetectinfo header");
  else {
    g_free (f->processed);
    g_free (f->ff_folder);
    g_free (f->cal_folder);
    f->processed = g_strdup (lines[2]);
    f->ff_folder = g_strdup (after (lines[4], "FF  folder = "));
    f->cal_folder = g_strdup (after (lines[5], "CAL folder = "));
  }
  for (i = HEADER_LINES; ok && i < n; i++, row++) {
    const char *line = lines[i];
    MeteorFtpPoint p;

    if (strcmp (line, METEOR_RULE) == 0) {
      m = meteor_new ();
      g_ptr_array_add (f->meteors, m);
      row = 0;
    } else if (m == NULL) {
      ok = bad_line (error, path, i + 1, "a line before the first meteor");
    } else if (row == 1) {
      m->ff_name = g_strdup (line);
    } else if (row == 2) {
      m->calibration =
          strcmp (line, "Uncalibrated") == 0 ? NULL : g_strdup (line);
    } else if (row == 3) {
      if (!parse_meteor_header (m, line))
        ok = bad_line (error, path, i + 1, "a bad meteor header");
    } else if (strstr (line, "nan") != NULL) {
      continue; /* RMS writes a point it could not measure as nan */
    } else if (!parse_point (&p, line)) {
      ok = bad_line (error, path, i + 1, "a bad point");
    } else {
      meteor_ftp_meteor_add_point (m, &p);
    }
  }
  if (ok && m != NULL && m->cam_code == NULL)
    ok = bad_line (error, path, n, "a meteor cut short");
  g_strfreev (lines);
  if (!ok) {
    meteor_ftp_file_free (f);
    return NULL;
  }
  return f;
}
