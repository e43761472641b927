/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* meteor-calibrate: a camera calibrated against the stars.
 *
 *   meteor-calibrate IMAGE -o CAMERA.wcs [--lat D --lon D --elev M]
 *                    [--time ISO] [--scale-low A --scale-high A]
 *
 * IMAGE: an RMS FF file (its AVEPIXEL; its time from its name), a FITS
 * image or a PNG. Solved by astrometry.net's solve-field; CAMERA.wcs is
 * its WCS with SIP terms (readable by astropy and wcslib). Prints a JSON
 * report. Exit status 0 solved, 1 not (the cause on stderr), 2 usage. */
#include "calibrate.h"
#include "camerawcs.h"
#include "photometry.h"

#include <getopt.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void
usage (FILE *out)
{
  fputs ("usage: meteor-calibrate IMAGE -o CAMERA.wcs [--lat D --lon D "
         "[--elev M]]\n"
         "                        [--time ISO] [--scale-low A --scale-high "
         "A]\n"
         "                        [--tweak-order N]\n"
         "\n"
         "IMAGE: an RMS FF file (its AVEPIXEL, its time from its name), a "
         "FITS image\n"
         "or a PNG. The scale hints are arcsec a pixel. With the station's "
         "place\n"
         "(degrees, east positive) and a time, the centre's azimuth and "
         "elevation\n"
         "are reported too. Needs solve-field (Debian astrometry.net) and "
         "index\n"
         "files (astrometry-data-tycho2-10-19).\n",
      out);
}

static void
member_double (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, v);
}

static void
member_double_or_null (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

/* the zero point and limiting magnitude, kept in the WCS file; a sky the
 * photometry cannot use still has its astrometry (a warning) */
static void
photometry (const guint8 *image, int width, int height, double noise,
    const char *wcs_path, MeteorPhotometry *phot)
{
  GError *error = NULL;
  MeteorCameraWcs *w = meteor_camera_wcs_load (wcs_path, &error);

  phot->zero_point = phot->sigma = phot->limiting_mag = NAN;
  phot->stars = 0;
  if (w == NULL ||
      !meteor_photometry_fit (image, width, height, noise, w, phot, &error) ||
      !meteor_photometry_save (wcs_path, phot, &error)) {
    fprintf (stderr, "meteor-calibrate: WARNING: no photometry: %s\n",
        error->message);
    g_error_free (error);
  }
  meteor_camera_wcs_free (w);
}

int
main (int argc, char **argv)
{
  static const struct option opts[] = { { "output", required_argument, 0, 'o' },
    { "lat", required_argument, 0, 'a' }, { "lon", required_argument, 0, 'n' },
    { "elev", required_argument, 0, 'e' },
    { "time", required_argument, 0, 't' },
    { "scale-low", required_argument, 0, 'l' },
    { "scale-high", required_argument, 0, 'h' },
    { "tweak-order", required_argument, 0, 'w' },
    { "help", no_argument, 0, 'H' }, { 0, 0, 0, 0 } };
  MeteorCalibrateOptions o = { 0 };
  MeteorCalibration cal;
  const char *output = NULL, *when = NULL;
  double lat = NAN, lon = NAN, elev = 0, utc = 0, noise, az, el;
  MeteorPhotometry phot;
  int c, width, height;
  guint8 *image;
  GError *error = NULL;
  JsonBuilder *b;
  JsonNode *root;
  gchar *text;

  while ((c = getopt_long (argc, argv, "o:", opts, NULL)) != -1) {
    switch (c) {
      case 'o':
        output = optarg;
        break;
      case 'a':
        lat = g_ascii_strtod (optarg, NULL);
        break;
      case 'n':
        lon = g_ascii_strtod (optarg, NULL);
        break;
      case 'e':
        elev = g_ascii_strtod (optarg, NULL);
        break;
      case 't':
        when = optarg;
        break;
      case 'l':
        o.scale_low = g_ascii_strtod (optarg, NULL);
        break;
      case 'h':
        o.scale_high = g_ascii_strtod (optarg, NULL);
        break;
      case 'w':
        o.tweak_order = atoi (optarg);
        break;
      case 'H':
        usage (stdout);
        return 0;
      default:
        usage (stderr);
        return 2;
    }
  }
  if (argc - optind != 1 || output == NULL || (isnan (lat) != isnan (lon)) ||
      fabs (lat) > 90) {
    usage (stderr);
    return 2;
  }
  image = meteor_calibrate_load_image (
      argv[optind], &width, &height, &utc, &noise, &error);
  if (image == NULL) {
    fprintf (stderr, "meteor-calibrate: %s\n", error->message);
    g_error_free (error);
    return 1;
  }
  if (when) {
    GDateTime *d = g_date_time_new_from_iso8601 (when, NULL);
    if (d == NULL) {
      fprintf (stderr,
          "meteor-calibrate: --time %s: not ISO 8601 with a "
          "zone (2026-12-07T20:00:00Z)\n",
          when);
      g_free (image);
      return 2;
    }
    utc = g_date_time_to_unix (d) + g_date_time_get_microsecond (d) / 1e6;
    g_date_time_unref (d);
  }
  if (!meteor_calibrate_solve (
          image, width, height, &o, output, &cal, &error)) {
    fprintf (stderr, "meteor-calibrate: WARNING: %s: %s\n", argv[optind],
        error->message);
    g_error_free (error);
    g_free (image);
    return 1;
  }
  photometry (image, width, height, noise, output, &phot);
  /* the time of the sky solved, kept with it */
  if (utc > 0 && !meteor_calibration_save (output, &cal, utc, &error)) {
    fprintf (stderr, "meteor-calibrate: WARNING: %s\n", error->message);
    g_clear_error (&error);
  }
  g_free (image);
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "image");
  json_builder_add_string_value (b, argv[optind]);
  json_builder_set_member_name (b, "wcs");
  json_builder_add_string_value (b, output);
  json_builder_set_member_name (b, "width");
  json_builder_add_int_value (b, width);
  json_builder_set_member_name (b, "height");
  json_builder_add_int_value (b, height);
  member_double (b, "ra", cal.ra);
  member_double (b, "dec", cal.dec);
  if (utc > 0 && !isnan (lat)) {
    meteor_sky_to_horizon (cal.ra, cal.dec, utc, lat, lon, &az, &el);
    member_double (b, "azimuth", az);
    member_double (b, "elevation", el);
    member_double (b, "station_elevation_m", elev);
  }
  if (utc > 0) {
    gint64 us = llround (utc * 1e6); /* .086000, not .085999 */
    GDateTime *d = g_date_time_new_from_unix_utc (us / 1000000);
    gchar *iso = g_date_time_format (d, "%Y-%m-%dT%H:%M:%S");
    gchar *t = g_strdup_printf ("%s.%06dZ", iso, (int)(us % 1000000));
    json_builder_set_member_name (b, "time");
    json_builder_add_string_value (b, t);
    g_free (t);
    g_free (iso);
    g_date_time_unref (d);
  }
  member_double (b, "scale_arcsec_px", cal.scale);
  member_double (b, "rotation_deg", cal.rotation);
  member_double (b, "fov_w_deg", cal.fov_w);
  member_double (b, "fov_h_deg", cal.fov_h);
  json_builder_set_member_name (b, "stars_matched");
  json_builder_add_int_value (b, cal.stars);
  member_double (b, "residual_px", cal.residual_px);
  member_double (b, "residual_arcmin", cal.residual_px * cal.scale / 60);
  member_double_or_null (b, "zero_point", phot.zero_point);
  member_double_or_null (b, "zero_point_sigma", phot.sigma);
  json_builder_set_member_name (b, "photometry_stars");
  json_builder_add_int_value (b, phot.stars);
  member_double_or_null (b, "limiting_magnitude", phot.limiting_mag);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, TRUE);
  printf ("%s\n", text);
  g_free (text);
  json_node_unref (root);
  g_object_unref (b);
  return 0;
}
