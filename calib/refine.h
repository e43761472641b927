/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a solved WCS refitted to every star the image shows
 * (astrometry.net's image2xy and fit-wcs against the Tycho-2 index). */
#ifndef __METEOR_REFINE_H__
#define __METEOR_REFINE_H__

#include <glib.h>

G_BEGIN_DECLS

/* Refits the SIP WCS at @wcs_path (of @image, a FITS file, @width x
 * @height) with SIP @order, working in @dir. The file is replaced only
 * when the refit matches at least 30 stars and fits them better than the
 * solver's WCS did: TRUE then, with the stars matched and their rms
 * distance (px). FALSE leaves the file as it was; @error says why when a
 * tool or the catalogue failed, and is not set when the refit only did
 * not do better. */
gboolean meteor_calibrate_refine (const char *dir, const char *image, int width,
    int height, int order, const char *wcs_path, guint *stars, double *rms_px,
    GError **error);

G_END_DECLS

#endif /* __METEOR_REFINE_H__ */
