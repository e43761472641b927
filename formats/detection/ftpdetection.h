/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: a meteordetect detection (its meteor-detected structure,
 * gst/meteor/meteordetection.h) as an FTPdetectinfo entry: the one place
 * meteor-station and meteor-clip turn one into the other, so a night's
 * file and a clip's export agree. Needs GStreamer (built with it). */
#ifndef __METEOR_FTPDETECTION_H__
#define __METEOR_FTPDETECTION_H__

#include "ftpdetectinfo.h"

#include <gst/gst.h>

G_BEGIN_DECLS

/* s since 1970 of the detection's ISO 8601 time in @field (its
 * start-utc or end-utc), 0 without one. */
gdouble meteor_detection_utc (const GstStructure *s, const gchar *field);

/* Adds the detection @s, seen by camera @station at @fps in frames of
 * @width x @height, to @f: in the FF block of its first frame (frame ids
 * 256 k.., the block's time from the first frame's start-utc), with RA,
 * Dec, azimuth, elevation and magnitude per point when it was calibrated
 * (zero without, as RMS writes an uncalibrated meteor). The block's FF
 * name goes to @ff_name. FALSE, with @error naming what is missing (the
 * path, the time, the frame rate), when it cannot be placed. */
gboolean meteor_ftp_add_detection (MeteorFtpFile *f, const GstStructure *s,
    const char *station, double fps, int width, int height, char *ff_name,
    gsize ff_name_size, GError **error);

G_END_DECLS

#endif /* __METEOR_FTPDETECTION_H__ */
