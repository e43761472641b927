/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: GDEF ECSV observations. */
#include "gdefecsv.h"

#include <math.h>
#include <string.h>

/* UTC with microseconds, as GDEF's rows and meta have it:
 * "%Y-%m-%dT%H:%M:%S.%f"
 * (@sep ':' for text, '_' for file names, without the fraction) */
static char *
format_utc (double utc, char sep, gboolean fraction)
{
  gint64 us = (gint64)llround (utc * 1e6);
  GDateTime *d = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  char format[32];
  char *text, *out;

  if (d == NULL)
    return g_strdup ("");
  g_snprintf (format, sizeof format, "%%Y-%%m-%%dT%%H%c%%M%c%%S", sep, sep);
  text = g_date_time_format (d, format);
  g_date_time_unref (d);
  out = fraction ? g_strdup_printf ("%s.%06d", text, (int)(us % G_USEC_PER_SEC))
                 : g_strdup (text);
  g_free (text);
  return out;
}

char *
meteor_ecsv_file_name (double start_utc, const char *camera_id)
{
  char *t = format_utc (start_utc, '_', FALSE);
  char *name = g_strdup_printf ("%s_gst-meteor_%s.ecsv", t, camera_id);

  g_free (t);
  return name;
}

/* a YAML string: single-quoted, a quote doubled */
static void
append_string (GString *s, const char *key, const char *value)
{
  gchar **parts = g_strsplit (value ? value : "", "'", -1);
  gchar *quoted = g_strjoinv ("''", parts);

  g_string_append_printf (s, "# - {%s: '%s'}\n", key, quoted);
  g_free (quoted);
  g_strfreev (parts);
}

/* a number in the C locale; YAML's .nan for what is not known */
static void
append_number (GString *s, const char *key, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (s, "# - {%s: %s}\n", key,
      isfinite (value) ? g_ascii_dtostr (buf, sizeof buf, value) : ".nan");
}

static void
append_cell (GString *s, const char *format, double value, gboolean last)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (s, isfinite (value)
                          ? g_ascii_formatd (buf, sizeof buf, format, value)
                          : "nan");
  g_string_append_c (s, last ? '\n' : ',');
}

char *
meteor_ecsv_format (
    const MeteorEcsvMeta *m, const MeteorEcsvPoint *points, size_t n)
{
  GString *s = g_string_new ("# %ECSV 0.9\n# ---\n# datatype:\n");
  static const char *const columns[][3] = { { "datetime", NULL, "string" },
    { "ra", "deg", "float64" }, { "dec", "deg", "float64" },
    { "azimuth", "deg", "float64" }, { "altitude", "deg", "float64" },
    { "x_image", "pix", "float64" }, { "y_image", "pix", "float64" },
    { "integrated_pixel_value", NULL, "float64" },
    { "mag_data", NULL, "float64" } };
  char *t;
  size_t i, c;

  for (c = 0; c < G_N_ELEMENTS (columns); c++) {
    g_string_append_printf (s, "# - {name: %s, ", columns[c][0]);
    if (columns[c][1])
      g_string_append_printf (s, "unit: %s, ", columns[c][1]);
    g_string_append_printf (s, "datatype: %s}\n", columns[c][2]);
  }
  g_string_append (s, "# delimiter: ','\n# meta: !!omap\n");
  append_number (s, "obs_latitude", m->latitude);
  append_number (s, "obs_longitude", m->longitude);
  append_number (s, "obs_elevation", m->elevation);
  append_string (s, "origin", "gst-meteor");
  append_string (s, "camera_id", m->camera_id);
  append_number (s, "cx", m->width);
  append_number (s, "cy", m->height);
  append_string (s, "photometric_band", m->photometric_band);
  append_string (s, "image_file", m->image_file);
  t = format_utc (m->start_utc, ':', TRUE);
  append_string (s, "isodate_start_obs", t);
  g_free (t);
  if (m->calibration_utc > 0) {
    t = format_utc (m->calibration_utc, ':', TRUE);
    append_string (s, "isodate_calib", t);
    g_free (t);
  }
  append_number (s, "astrometry_number_stars", m->stars);
  append_string (s, "mag_label", "mag_data");
  append_number (s, "no_frags", 1);
  append_number (s, "obs_az", m->azimuth);
  append_number (s, "obs_ev", m->altitude);
  append_number (s, "obs_rot", m->rotation);
  append_number (s, "fov_horiz", m->fov_horizontal);
  append_number (s, "fov_vert", m->fov_vertical);
  g_string_append (s, "# schema: astropy-2.0\n"
                      "datetime,ra,dec,azimuth,altitude,x_image,y_image,"
                      "integrated_pixel_value,mag_data\n");
  for (i = 0; i < n; i++) {
    const MeteorEcsvPoint *p = &points[i];

    t = format_utc (p->utc, ':', TRUE);
    g_string_append_printf (s, "%s,", t);
    g_free (t);
    append_cell (s, "%.6f", p->ra, FALSE);
    append_cell (s, "%+.6f", p->dec, FALSE);
    append_cell (s, "%.6f", p->azimuth, FALSE);
    append_cell (s, "%+.6f", p->altitude, FALSE);
    append_cell (s, "%.3f", p->x, FALSE);
    append_cell (s, "%.3f", p->y, FALSE);
    append_cell (s, "%.1f", p->intensity, FALSE);
    append_cell (s, "%+.2f", p->magnitude, TRUE);
  }
  return g_string_free (s, FALSE);
}

gboolean
meteor_ecsv_write (const char *path, const MeteorEcsvMeta *meta,
    const MeteorEcsvPoint *points, size_t n, GError **error)
{
  char *text = meteor_ecsv_format (meta, points, n);
  gboolean ok = g_file_set_contents_full (path, text, -1,
      G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0644,
      error);

  g_free (text);
  return ok;
}
