/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's pipeline, built from its config: the
 * camera (a StationCameraBin with its watchdog), then meteorpool sized from
 * the hot seconds, a queue, meteordetect with the [detect] properties and
 * tieredsink in STORE/YYYYMMDD. */
#ifndef __METEOR_STATION_PIPELINE_H__
#define __METEOR_STATION_PIPELINE_H__

#include "stationcamera.h"
#include "stationconfig.h"

#include <gst/gst.h>

/* The pipeline for the night @night (YYYYMMDD), in @store_dir (g_free
 * it); NULL with @error naming the config's line for a bad [detect] key. */
GstElement *station_pipeline_build (const StationConfig *config,
    const gchar *night, gchar **store_dir, GError **error);

/* The camera part, as a gst-launch description; g_free it. */
gchar *station_source_description (const StationConfig *config);

/* Sets the [detect] properties on @detect, each checked against the
 * element; an unknown one or a bad value names the config's line. */
gboolean station_set_detect (
    const StationConfig *config, GstElement *detect, GError **error);

#endif /* __METEOR_STATION_PIPELINE_H__ */
