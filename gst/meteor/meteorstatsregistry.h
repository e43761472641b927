/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the stats registry
 *
 * Elements that keep counters (a read-only `stats` property holding a
 * GstStructure) register here while they run; the meteorstats tracer, or
 * any application, reads them all from one place without knowing the
 * pipeline.
 */
#ifndef __GST_METEOR_STATS_REGISTRY_H__
#define __GST_METEOR_STATS_REGISTRY_H__

#include <gst/meteor/meteor-prelude.h>

G_BEGIN_DECLS

/**
 * GST_METEOR_STATS_HISTOGRAM:
 *
 * Name of the structure a histogram field of a stats structure holds (see
 * gst_meteor_stats_histogram_new()).
 */
#define GST_METEOR_STATS_HISTOGRAM "meteor-histogram"

GST_METEOR_API
void gst_meteor_stats_register (GstElement *element);

GST_METEOR_API
void gst_meteor_stats_unregister (GstElement *element);

GST_METEOR_API
gboolean gst_meteor_stats_is_registered (GstElement *element);

GST_METEOR_API
GList *gst_meteor_stats_get_elements (void);

GST_METEOR_API
GstStructure *gst_meteor_stats_get (GstElement *element);

GST_METEOR_API
GstStructure *gst_meteor_stats_histogram_new (
    const guint64 *bounds, const guint64 *counts, guint n_bounds, guint64 sum);

GST_METEOR_API
gboolean gst_meteor_stats_histogram_parse (const GstStructure *histogram,
    guint *n_bounds, guint64 **bounds, guint64 **counts, guint64 *sum,
    guint64 *count);

G_END_DECLS

#endif /* __GST_METEOR_STATS_REGISTRY_H__ */
