/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's calibrated detections as GDEF ECSV files
 * (formats/gdefecsv.h), one a meteor in the night's ecsv/, the moment it
 * is reported. Uncalibrated detections have none: GDEF's rows are sky
 * positions. */
#ifndef __METEOR_STATION_ECSV_H__
#define __METEOR_STATION_ECSV_H__

#include <gst/gst.h>

/* The meteor-detected @s of @detect (its calibration, latitude, longitude
 * and elevation) in frames of @width x @height, into @dir/ecsv/; the FF
 * block @ff_name holds its first frame. The path of the file written, or
 * NULL (not calibrated, or a warning on stderr). */
gchar *station_ecsv_add (const gchar *dir, const gchar *station,
    GstElement *detect, const GstStructure *s, const gchar *ff_name, gint width,
    gint height);

#endif /* __METEOR_STATION_ECSV_H__ */
