/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the catalogue stars on a solved image: the Tycho-2 index
 * astrometry.net solves with (Debian astrometry-data-tycho2-10-19, its
 * densest scale, index-tycho2-10: every star down to about VT 10), read by
 * astrometry.net's query-starkd with its MAG_VT tag-along column. */
#ifndef __METEOR_CATALOGUE_H__
#define __METEOR_CATALOGUE_H__

#include "camerawcs.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double x, y;    /* on the image, 0-based */
  double ra, dec; /* J2000 degrees */
  double mag;     /* Tycho VT */
} MeteorStar;

/* The stars of VT @max_mag and brighter that @w puts at least @margin px
 * inside a @width x @height image; NULL with the cause when the index
 * cannot be found ($METEOR_STAR_INDEX, else Debian's) or read. */
GArray *meteor_catalogue_stars (MeteorCameraWcs *w, int width, int height,
    double max_mag, double margin, GError **error);

G_END_DECLS

#endif /* __METEOR_CATALOGUE_H__ */
