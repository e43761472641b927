/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: GDEF ECSV files: the header astropy's ECSV reader and WMPL's
 * loader take (columns, meta, quoting), the rows (times to the
 * microsecond, what is not known as nan), the name, an atomic write.
 * (The station's test reads the station's files with astropy.) */
#include "gdefecsv.h"
#include "minitest.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* 2023-04-23T21:37:49.340Z */
#define START 1682285869.34

static const MeteorEcsvPoint points[2] = {
  { START, 151.754300, 14.4349, 214.2977, 48.2462, 385.16, 275.54, 581, 3.17 },
  { START + 0.04, 151.282, 14.0252, 214.716, 47.6992, 387.31, 284.77, 545,
      NAN },
};

static MeteorEcsvMeta
meta (void)
{
  MeteorEcsvMeta m = { .camera_id = "UK0'06",
    .image_file = "FF_UK0006_20230423_213749_340_0145408.fits",
    .photometric_band = "Tycho VT",
    .latitude = 51.5,
    .longitude = -1.25,
    .elevation = 80,
    .width = 1280,
    .height = 720,
    .start_utc = START,
    .stars = 44,
    .azimuth = 210.5,
    .altitude = 45.25,
    .rotation = NAN,
    .fov_horizontal = 79.7,
    .fov_vertical = 45.8 };
  return m;
}

static void
test_text (void)
{
  MeteorEcsvMeta m = meta ();
  char *text = meteor_ecsv_format (&m, points, 2);
  gchar **lines = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (lines), data = 0, i;

  EXPECT (g_str_has_prefix (text, "# %ECSV 0.9\n# ---\n# datatype:\n"
                                  "# - {name: datetime, datatype: string}\n"
                                  "# - {name: ra, unit: deg, datatype: "
                                  "float64}\n"),
      "%s", text);
  EXPECT (
      strstr (text, "# delimiter: ','\n# meta: !!omap\n") != NULL, "%s", text);
  /* a quote in a YAML string is doubled */
  EXPECT (strstr (text, "# - {camera_id: 'UK0''06'}\n") != NULL, "%s", text);
  EXPECT (strstr (text, "# - {obs_latitude: 51.5}\n# - {obs_longitude: "
                        "-1.25}\n# - {obs_elevation: 80}\n") != NULL,
      "%s", text);
  EXPECT (strstr (text, "# - {isodate_start_obs: '2023-04-23T21:37:49."
                        "340000'}\n") != NULL,
      "%s", text);
  /* no calibration time given: no key; no rotation known: YAML's nan */
  EXPECT (strstr (text, "isodate_calib") == NULL, "%s", text);
  EXPECT (strstr (text, "# - {obs_rot: .nan}\n") != NULL, "%s", text);
  EXPECT (
      strstr (text, "# - {astrometry_number_stars: 44}\n") != NULL, "%s", text);
  for (i = 0; i < n; i++)
    if (lines[i][0] != '#' && lines[i][0] != '\0')
      data++;
  EXPECT (data == 3, "%u lines of CSV", data);
  EXPECT (g_strv_contains ((const gchar *const *)lines,
              "datetime,ra,dec,azimuth,altitude,x_image,y_image,"
              "integrated_pixel_value,mag_data"),
      "%s", text);
  EXPECT (g_strv_contains ((const gchar *const *)lines,
              "2023-04-23T21:37:49.340000,151.754300,+14.434900,214.297700,"
              "+48.246200,385.160,275.540,581.0,+3.17"),
      "%s", text);
  /* 40 ms later, no magnitude */
  EXPECT (g_strv_contains ((const gchar *const *)lines,
              "2023-04-23T21:37:49.380000,151.282000,+14.025200,214.716000,"
              "+47.699200,387.310,284.770,545.0,nan"),
      "%s", text);
  g_strfreev (lines);
  g_free (text);
}

static void
test_name_and_write (void)
{
  MeteorEcsvMeta m = meta ();
  gchar *dir = g_dir_make_tmp ("gdefecsv-XXXXXX", NULL), *path, *text = NULL;
  gchar *name = meteor_ecsv_file_name (START, "UK0006"), *missing;
  GError *error = NULL;

  EXPECT (strcmp (name, "2023-04-23T21_37_49_gst-meteor_UK0006.ecsv") == 0,
      "%s", name);
  path = g_build_filename (dir, name, NULL);
  EXPECT (meteor_ecsv_write (path, &m, points, 2, &error), "%s",
      error ? error->message : "");
  EXPECT (g_file_get_contents (path, &text, NULL, NULL) &&
              g_str_has_suffix (text, "545.0,nan\n"),
      "%s", text ? text : "(none)");
  /* a directory that is not there: an error naming the file */
  missing = g_build_filename (dir, "gone", name, NULL);
  EXPECT (!meteor_ecsv_write (missing, &m, points, 2, &error) && error &&
              strstr (error->message, "gone") != NULL,
      "%s", error ? error->message : "no error");
  g_clear_error (&error);
  g_unlink (path);
  g_rmdir (dir);
  g_free (missing);
  g_free (text);
  g_free (path);
  g_free (name);
  g_free (dir);
}

int
main (void)
{
  static const MiniTest tests[] = {
    { "gdefecsv: header, meta and rows", test_text },
    { "gdefecsv: name, written whole, a missing directory",
        test_name_and_write },
  };

  return minitest_run (tests, G_N_ELEMENTS (tests));
}
