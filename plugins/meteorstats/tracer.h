/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the meteorstats tracer's own declarations, shared by
 * gstmeteorstats.c (hooks and object), scrape.c (/metrics), report.c
 * (/report) and server.c (HTTP). */
#ifndef __METEOR_STATS_TRACER_H__
#define __METEOR_STATS_TRACER_H__

#include "metrics.h"
#include "server.h"

#include <gst/gst.h>
#include <gst/meteor/meteor.h>

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (meteorstats_debug);

#define GST_TYPE_METEOR_STATS_TRACER (gst_meteor_stats_tracer_get_type ())
G_DECLARE_FINAL_TYPE (GstMeteorStatsTracer, gst_meteor_stats_tracer, GST,
    METEOR_STATS_TRACER, GstTracer)

/* What the tracer keeps per element it saw pushing or receiving buffers.
 * Referenced by the tracer's list and by the element's qdata. */
typedef struct {
  gint refcount;
  GWeakRef element;
  gboolean is_bin;
  MetricsTimeHist proc;
  guint64 buffers_in;
  guint64 buffers_out;
  guint64 ring_in;      /* received buffers whose memory is in the ring */
  guint64 non_ring_out; /* pushed buffers whose memory is not */
  guint64 qos_dropped;  /* last QoS message's count */
} ElementEntry;

struct _GstMeteorStatsTracer {
  GstTracer parent;

  /* settings, set at construction */
  gchar *address;
  guint port;
  gboolean report_at_eos;
  gchar *port_file;

  gdouble idle_timeout;
  guint max_connections;

  MeteorHttpServer *http;
  GMutex lock; /* memory_root */
  gchar *memory_root;

  /* atomics */
  guint64 buffers_created, buffers_freed;
  guint64 memories_created, memories_freed;
  guint64 scrapes;

  GMutex elements_lock;
  GPtrArray *elements; /* of ElementEntry, a ref each */
  gint64 started_at;
};

static inline void
count (guint64 *counter, guint64 n)
{
  __atomic_fetch_add (counter, n, __ATOMIC_RELAXED);
}

static inline guint64
load (const guint64 *counter)
{
  return __atomic_load_n (counter, __ATOMIC_RELAXED);
}

/* Live entries, each with a ref on its element (in @elements, same
 * order); dead ones pruned. */
G_GNUC_INTERNAL
GPtrArray *live_entries (GstMeteorStatsTracer *self, GPtrArray **elements);

/* A numeric GValue (integers, floats, booleans) as a double. */
G_GNUC_INTERNAL
gboolean numeric_value (const GValue *v, gdouble *out);

/* The /metrics page (Prometheus text format; length in @len). */
G_GNUC_INTERNAL
gchar *build_metrics (
    GstMeteorStatsTracer *self, MeteorHttpServer *http, gsize *len);

/* The /report page. */
G_GNUC_INTERNAL
gchar *build_report (GstMeteorStatsTracer *self);

G_END_DECLS

#endif /* __METEOR_STATS_TRACER_H__ */
