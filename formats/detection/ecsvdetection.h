/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a calibrated meteordetect detection as a GDEF ECSV file
 * (formats/gdefecsv.h): the one place meteor-station and meteor-clip
 * make one. Needs GStreamer (built with it). */
#ifndef __METEOR_ECSVDETECTION_H__
#define __METEOR_ECSVDETECTION_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* Where the detection was seen: the camera's code, its calibration (the
 * WCS file meteordetect used), its place, the frames' size and the FF
 * block of the meteor (NULL: none). */
typedef struct MeteorEcsvSource {
  const char *station;
  const char *calibration;
  double latitude, longitude, elevation; /* degrees, east positive; m */
  int width, height;
  const char *ff_name;
} MeteorEcsvSource;

/* Writes the detection @s as a GDEF ECSV file in @dir, named by GDEF's
 * rule (its start to the second; a second meteor in that second gets its
 * id), whole or not at all; returns its path (g_free() it). NULL with
 * @error naming the cause: no calibrated point (the ECSV carries the sky,
 * not pixels), a calibration that cannot be read, a directory that cannot
 * be made or written. */
gchar *meteor_ecsv_write_detection (const gchar *dir, const GstStructure *s,
    const MeteorEcsvSource *src, GError **error);

G_END_DECLS

#endif /* __METEOR_ECSVDETECTION_H__ */
