/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the catalogue stars on a solved image. */
#include "catalogue.h"

#include <stdio.h>

/* The Tycho-2 index of the solver: $METEOR_STAR_INDEX, else Debian's
 * astrometry-data-tycho2-10-19 scale 10 (the densest: every star down to
 * about VT 10 in a station's field). */
static gchar *
find_index (void)
{
  const char *env = g_getenv ("METEOR_STAR_INDEX");
  const char *dir = "/usr/share/astrometry", *name;
  gchar *found = NULL;
  GDir *d;

  if (env)
    return g_strdup (env);
  d = g_dir_open (dir, 0, NULL);
  while (d && found == NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "index-tycho2-10.") &&
        g_str_has_suffix (name, ".fits"))
      found = g_build_filename (dir, name, NULL);
  if (d)
    g_dir_close (d);
  return found;
}

GArray *
meteor_catalogue_stars (MeteorCameraWcs *w, int width, int height,
    double max_mag, double margin, GError **error)
{
  gchar *index = find_index (), *out = NULL, *err = NULL, **lines, **l;
  gchar ra_s[32], dec_s[32], radius_s[32];
  double ra0, dec0, radius = 0, cx[4] = { 0, width - 1, 0, width - 1 };
  double cy[4] = { 0, 0, height - 1, height - 1 };
  int status = 0, i;
  GArray *stars;

  if (index == NULL) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
        "no Tycho-2 index (Debian astrometry-data-tycho2-10-19, or "
        "$METEOR_STAR_INDEX)");
    return NULL;
  }
  meteor_camera_wcs_pix2sky (
      w, (width - 1) / 2.0, (height - 1) / 2.0, &ra0, &dec0);
  for (i = 0; i < 4; i++) {
    double ra, dec;
    if (meteor_camera_wcs_pix2sky (w, cx[i], cy[i], &ra, &dec))
      radius = MAX (radius, meteor_sky_separation (ra0, dec0, ra, dec));
  }
  g_ascii_dtostr (ra_s, sizeof ra_s, ra0);
  g_ascii_dtostr (dec_s, sizeof dec_s, dec0);
  g_ascii_dtostr (radius_s, sizeof radius_s, MIN (radius + 1, 90));
  {
    const char *argv[] = { "query-starkd", "-r", ra_s, "-d", dec_s, "-R",
      radius_s, "-t", "MAG_VT", index, NULL };
    if (!g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
            NULL, &out, &err, &status, error) ||
        !g_spawn_check_wait_status (status, error)) {
      g_prefix_error (error, "cannot read the stars of %s (query-starkd): %s",
          index, err ? err : "");
      g_free (out);
      g_free (err);
      g_free (index);
      return NULL;
    }
  }
  stars = g_array_new (FALSE, FALSE, sizeof (MeteorStar));
  lines = g_strsplit (out, "\n", -1);
  for (l = lines; *l; l++) {
    double ra, dec, mag;
    MeteorStar s;
    /* "ra, dec, mag" (query-starkd's ASCII; its "# RA, Dec, MAG_VT" and
     * its log skipped) */
    if (**l == '#' || sscanf (*l, "%lf, %lf, %lf", &ra, &dec, &mag) != 3 ||
        mag > max_mag ||
        /* behind the tangent plane's edge the distortion's inverse
         * does not converge */
        meteor_sky_separation (ra0, dec0, ra, dec) > radius + 1 ||
        !meteor_camera_wcs_sky2pix (w, ra, dec, &s.x, &s.y) || s.x < margin ||
        s.y < margin || s.x > width - 1 - margin || s.y > height - 1 - margin)
      continue;
    s.ra = ra;
    s.dec = dec;
    s.mag = mag;
    g_array_append_val (stars, s);
  }
  g_strfreev (lines);
  g_free (out);
  g_free (err);
  g_free (index);
  return stars;
}
