/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteorpool internals shared by its source files
 *
 * gstmeteorpool.c: properties, stats, events, states;
 * gstmeteorpool-alloc.c: the pool offered upstream, sized for downstream;
 * gstmeteorpool-ingress.c: frame meta and what happens to each frame.
 */
#ifndef __GST_METEOR_POOL_PRIV_H__
#define __GST_METEOR_POOL_PRIV_H__

#include "gstmeteorpool.h"

#include <gst/meteor/meteor.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (meteorpool_debug);

/* Buffers beyond what downstream holds: one being filled upstream, one on
 * its way through meteorpool. */
#define POOL_SLACK 2
/* The most buffers a pool may have, whatever downstream asks for. */
#define POOL_MAX_BUFFERS 65536
/* Temperature files (sysfs thermal nodes) are read at most this often. */
#define TEMPERATURE_PERIOD_US G_USEC_PER_SEC
/* Below this, the temperature property means "unknown". */
#define TEMPERATURE_UNKNOWN -273.15

/* Counters of frames through the element (object lock). */
typedef struct {
  guint64 frames;
  guint64 zero_copy_frames;
  guint64 wrapped_frames;
  guint64 ingress_copies;
  guint64 ingress_bytes;
  guint64 dropped;
  guint64 skipped; /* frame times with no frame: ids moved on past them */
} FrameCounters;

struct _GstMeteorPool {
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, object lock */
  guint max_buffers;
  GstMeteorRingBacking memory;
  gchar *ring_path;
  GstMeteorPoolIngress ingress;
  GstMeteorPoolLeaky leaky;
  const gchar *camera_id; /* interned: frames carry it without a copy */
  guint64 exposure_time;
  gdouble gain;
  gdouble temperature;
  gchar *temperature_file;
  gchar *start_utc;          /* a replay's UTC at running time 0, or NULL */
  GstClockTime start_utc_ns; /* it, in ns since 1970; 0: unset */

  /* streaming thread */
  gboolean is_raw;
  GstVideoInfo info;
  GstCaps *caps;
  GstSegment segment;
  guint64 next_frame_id;
  /* running time of the last raw frame: a gap after it moves the ids on */
  GstClockTime last_running;
  guint downstream_min;
  gboolean downstream_video_meta;
  GstBufferPool *foreign_pool; /* last foreign pool seen ... */
  gboolean foreign_pool_wrap;  /* ... and whether auto wraps its frames */
  gint64 temperature_read_at;
  gdouble temperature_from_file;
  gchar *temperature_warned_for;
  guint64 waits_reported;
  guint64 drops_reported;
  gchar *rejected_format;

  /* object lock */
  GstBufferPool *pool;       /* proposed upstream, and copied into */
  gboolean pool_ours_active; /* we activated it (upstream did not) */
  gboolean setup_failed;     /* an error was posted: frames are refused */
  FrameCounters counters;
  GstMeteorPoolStats retired; /* counters of pools replaced since start */
};

G_GNUC_INTERNAL
void gst_meteor_pool_query_downstream (
    GstMeteorPool *self, GstCaps *caps, GstQuery *upstream_query);

G_GNUC_INTERNAL
GstBufferPool *gst_meteor_pool_get_pool (GstMeteorPool *self, GstCaps *caps);

G_GNUC_INTERNAL
void gst_meteor_pool_retire_pool (GstMeteorPool *self, GstBufferPool *pool);

G_GNUC_INTERNAL
gboolean gst_meteor_pool_ensure_pool_active (
    GstMeteorPool *self, GstBufferPool *pool);

G_GNUC_INTERNAL
gboolean gst_meteor_pool_propose_allocation (
    GstMeteorPool *self, GstQuery *query);

G_GNUC_INTERNAL
GstFlowReturn gst_meteor_pool_chain (
    GstPad *pad, GstObject *parent, GstBuffer *buf);

G_END_DECLS

#endif /* __GST_METEOR_POOL_PRIV_H__ */
