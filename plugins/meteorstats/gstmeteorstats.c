/* gst-meteor: meteorstats tracer
 *
 * SECTION:tracer-meteorstats
 * @title: meteorstats
 *
 * Prometheus metrics and a plain-text report for a whole pipeline, served
 * over HTTP from the tracer's own thread and GMainContext:
 *
 * |[
 * GST_TRACERS="meteorstats(port=9464,address=127.0.0.1,report=true)" \
 *   gst-launch-1.0 ...
 * curl http://127.0.0.1:9464/metrics
 * curl http://127.0.0.1:9464/report
 * ]|
 *
 * Parameters: `port` (default 9464, 0 picks a free one), `address`
 * (default 127.0.0.1), `report` (print the report when a top-level
 * pipeline posts EOS), `port-file` (write the port served on into this
 * file, for scripts that use port=0), `idle-timeout` (seconds a connection
 * has to send its request and read the answer, default 10, 0 none),
 * `max-connections` (connections open at once, default 32). The last two
 * are also properties of the tracer, changeable at run time. server.c
 * serves the pages.
 *
 * What it measures itself, through the tracer hooks: buffers and memories
 * created and freed (mini-object-created/destroyed: rate() of the counters
 * is the allocation rate), buffers into and out of every element, the
 * time each element spends on a buffer without what it pushes downstream
 * (pad-push-pre/post, per thread), buffers an element pushes outside the
 * frame ring after receiving ring frames (it copied them), QoS drops.
 * What it reads: the stats structure of every element in the libgstmeteor
 * stats registry (meteorpool, meteordetect, tieredsink, ...), and the
 * process and cgroup memory. docs/meteorstats.md lists every metric.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "metrics.h"
#include "server.h"

#include <gst/gst.h>
#include <gst/meteor/meteor.h>
#include <stdio.h>
#include <string.h>

GST_DEBUG_CATEGORY (meteorstats_debug);
#define GST_CAT_DEFAULT meteorstats_debug

#define GST_TYPE_METEOR_STATS_TRACER (gst_meteor_stats_tracer_get_type ())
G_DECLARE_FINAL_TYPE (GstMeteorStatsTracer, gst_meteor_stats_tracer, GST,
    METEOR_STATS_TRACER, GstTracer)

#define DEFAULT_PORT 9464
#define DEFAULT_ADDRESS "127.0.0.1"
/* nested pushes followed per thread (a pipeline deeper than this is timed
 * only at its top) */
#define STACK_DEPTH 48
#define DEFAULT_IDLE_TIMEOUT 10.0 /* s */
#define DEFAULT_MAX_CONNECTIONS 32

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

  /* atomics */
  guint64 buffers_created, buffers_freed;
  guint64 memories_created, memories_freed;
  guint64 scrapes;

  GMutex elements_lock;
  GPtrArray *elements; /* of ElementEntry, a ref each */
  gint64 started_at;
};

enum {
  PROP_0,
  PROP_BOUND_PORT,
  PROP_IDLE_TIMEOUT,
  PROP_MAX_CONNECTIONS,
};

G_DEFINE_TYPE (GstMeteorStatsTracer, gst_meteor_stats_tracer, GST_TYPE_TRACER);

static GQuark entry_quark;

/* ------------------------------------------------------------ entries */

static void
entry_unref (gpointer data)
{
  ElementEntry *e = data;

  if (g_atomic_int_dec_and_test (&e->refcount)) {
    g_weak_ref_clear (&e->element);
    g_free (e);
  }
}

/* The entry of @element, made on first sight. No ref returned: the
 * element's qdata holds one for as long as the element lives. */
static ElementEntry *
get_entry (GstMeteorStatsTracer *self, GstElement *element)
{
  ElementEntry *e = g_object_get_qdata (G_OBJECT (element), entry_quark);

  if (G_LIKELY (e))
    return e;
  g_mutex_lock (&self->elements_lock);
  e = g_object_get_qdata (G_OBJECT (element), entry_quark);
  if (e == NULL) {
    e = g_new0 (ElementEntry, 1);
    e->refcount = 2;
    g_weak_ref_init (&e->element, element);
    e->is_bin = GST_IS_BIN (element);
    g_object_set_qdata_full (G_OBJECT (element), entry_quark, e, entry_unref);
    g_ptr_array_add (self->elements, e);
  }
  g_mutex_unlock (&self->elements_lock);
  return e;
}

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

/* ---------------------------------------------------------------- hooks */

typedef struct {
  ElementEntry *entry; /* the element the push enters, NULL: not timed */
  guint64 start;
  guint64 children; /* time spent in pushes it made */
} PushFrame;

typedef struct {
  guint depth;
  PushFrame frames[STACK_DEPTH];
} PushStack;

static __thread PushStack push_stack;

static GstElement *
pad_element (GstPad *pad)
{
  GstObject *parent = GST_OBJECT_PARENT (pad);

  return parent && GST_IS_ELEMENT (parent) ? GST_ELEMENT_CAST (parent) : NULL;
}

static gboolean
in_ring (GstBuffer *buffer)
{
  return gst_buffer_n_memory (buffer) > 0 &&
         gst_is_meteor_ring_memory (gst_buffer_peek_memory (buffer, 0));
}

static void
push_enter (GstMeteorStatsTracer *self, guint64 ts, GstPad *pad,
    GstBuffer *buffer, guint n_buffers)
{
  GstElement *src = pad_element (pad), *dst = NULL;
  ElementEntry *to = NULL;
  gboolean ring = buffer && in_ring (buffer);
  GstPad *peer;

  if (src && !GST_IS_BIN (src)) {
    ElementEntry *from = get_entry (self, src);

    count (&from->buffers_out, n_buffers);
    if (buffer && !ring)
      count (&from->non_ring_out, n_buffers);
  }
  peer = gst_pad_get_peer (pad);
  if (peer) {
    dst = pad_element (peer);
    if (dst && !GST_IS_BIN (dst)) {
      to = get_entry (self, dst);
      count (&to->buffers_in, n_buffers);
      if (ring)
        count (&to->ring_in, n_buffers);
    }
    gst_object_unref (peer);
  }
  if (push_stack.depth < STACK_DEPTH) {
    PushFrame *f = &push_stack.frames[push_stack.depth];

    f->entry = to;
    f->start = ts;
    f->children = 0;
  }
  push_stack.depth++;
}

static void
push_leave (guint64 ts)
{
  PushFrame *f;
  guint64 total, self_time;

  if (push_stack.depth == 0)
    return; /* the tracer came up in the middle of a push */
  push_stack.depth--;
  if (push_stack.depth >= STACK_DEPTH)
    return;
  f = &push_stack.frames[push_stack.depth];
  total = ts > f->start ? ts - f->start : 0;
  self_time = total > f->children ? total - f->children : 0;
  if (f->entry)
    metrics_time_hist_record (&f->entry->proc, self_time);
  if (push_stack.depth > 0 && push_stack.depth <= STACK_DEPTH)
    push_stack.frames[push_stack.depth - 1].children += total;
}

static void
on_push_pre (GObject *tracer, GstClockTime ts, GstPad *pad, GstBuffer *buffer)
{
  push_enter (GST_METEOR_STATS_TRACER (tracer), ts, pad, buffer, 1);
}

static void
on_push_post (GObject *tracer, GstClockTime ts, GstPad *pad, GstFlowReturn res)
{
  push_leave (ts);
}

static void
on_push_list_pre (
    GObject *tracer, GstClockTime ts, GstPad *pad, GstBufferList *list)
{
  guint n = gst_buffer_list_length (list);

  push_enter (GST_METEOR_STATS_TRACER (tracer), ts, pad,
      n ? gst_buffer_list_get (list, 0) : NULL, n);
}

/* Counts @object in @buffers or @memories by its type (others are not
 * counted). */
static void
count_object (GstMiniObject *object, guint64 *buffers, guint64 *memories)
{
  GType type = GST_MINI_OBJECT_TYPE (object);

  if (type == GST_TYPE_BUFFER)
    count (buffers, 1);
  else if (type == GST_TYPE_MEMORY)
    count (memories, 1);
}

static void
on_mini_object_created (GObject *tracer, GstClockTime ts, GstMiniObject *object)
{
  GstMeteorStatsTracer *self = GST_METEOR_STATS_TRACER (tracer);

  count_object (object, &self->buffers_created, &self->memories_created);
}

static void
on_mini_object_destroyed (
    GObject *tracer, GstClockTime ts, GstMiniObject *object)
{
  GstMeteorStatsTracer *self = GST_METEOR_STATS_TRACER (tracer);

  count_object (object, &self->buffers_freed, &self->memories_freed);
}

static gchar *build_report (GstMeteorStatsTracer *self);

static void
on_post_message (
    GObject *tracer, GstClockTime ts, GstElement *element, GstMessage *message)
{
  GstMeteorStatsTracer *self = GST_METEOR_STATS_TRACER (tracer);

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_QOS &&
      GST_IS_ELEMENT (GST_MESSAGE_SRC (message))) {
    GstFormat format;
    guint64 processed, dropped;

    gst_message_parse_qos_stats (message, &format, &processed, &dropped);
    if (format == GST_FORMAT_BUFFERS || format == GST_FORMAT_DEFAULT)
      __atomic_store_n (
          &get_entry (self, GST_ELEMENT (GST_MESSAGE_SRC (message)))
               ->qos_dropped,
          dropped, __ATOMIC_RELAXED);
  } else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS &&
             self->report_at_eos && GST_OBJECT_PARENT (element) == NULL) {
    gchar *report = build_report (self);

    g_print ("%s", report);
    g_free (report);
  }
}

/* ----------------------------------------------------------- metrics */

typedef struct {
  MetricsSet *set;
  GHashTable *seen; /* "family{labels}" already added */
} Scrape;

static void
add (Scrape *sc, const gchar *name, MetricType type, const gchar *help,
    const gchar *const *labels, gdouble value)
{
  gchar error[160];

  if (metrics_add (
          sc->set, name, type, help, labels, value, error, sizeof (error)) < 0)
    GST_WARNING ("metric not exported: %s", error);
}

static gboolean
first_time (Scrape *sc, const gchar *family, const gchar *const *labels)
{
  GString *key = g_string_new (family);
  guint i;

  for (i = 0; labels && labels[i]; i += 2)
    g_string_append_printf (key, "|%s=%s", labels[i], labels[i + 1]);
  if (g_hash_table_contains (sc->seen, key->str)) {
    GST_WARNING ("duplicate series %s (two elements with one name?)", key->str);
    g_string_free (key, TRUE);
    return FALSE;
  }
  g_hash_table_add (sc->seen, g_string_free (key, FALSE));
  return TRUE;
}

static void
add_time_hist (Scrape *sc, const gchar *name, const gchar *help,
    const gchar *const *labels, const MetricsTimeHist *h)
{
  guint64 counts[METRICS_TIME_BUCKETS + 1], sum;
  gdouble bounds[METRICS_TIME_BUCKETS];
  gchar error[160];
  guint i;

  metrics_time_hist_snapshot (h, counts, &sum, NULL);
  for (i = 0; i < METRICS_TIME_BUCKETS; i++)
    bounds[i] = metrics_time_bounds_ns[i] * 1e-9;
  if (metrics_add_histogram (sc->set, name, help, labels, METRICS_TIME_BUCKETS,
          bounds, counts, sum * 1e-9, error, sizeof (error)) < 0)
    GST_WARNING ("metric not exported: %s", error);
}

static gboolean
numeric_value (const GValue *v, gdouble *out)
{
  switch (G_VALUE_TYPE (v)) {
    case G_TYPE_UINT64:
      *out = g_value_get_uint64 (v);
      return TRUE;
    case G_TYPE_INT64:
      *out = g_value_get_int64 (v);
      return TRUE;
    case G_TYPE_UINT:
      *out = g_value_get_uint (v);
      return TRUE;
    case G_TYPE_INT:
      *out = g_value_get_int (v);
      return TRUE;
    case G_TYPE_ULONG:
      *out = g_value_get_ulong (v);
      return TRUE;
    case G_TYPE_LONG:
      *out = g_value_get_long (v);
      return TRUE;
    case G_TYPE_DOUBLE:
      *out = g_value_get_double (v);
      return TRUE;
    case G_TYPE_FLOAT:
      *out = g_value_get_float (v);
      return TRUE;
    case G_TYPE_BOOLEAN:
      *out = g_value_get_boolean (v) ? 1 : 0;
      return TRUE;
    default:
      return FALSE;
  }
}

typedef struct {
  Scrape *sc;
  const gchar *stats_name;
  const gchar *element;
} FieldCtx;

static void
add_histogram_field (FieldCtx *ctx, const gchar *field, const GstStructure *h)
{
  guint n, i;
  guint64 *bounds_ns, *counts, sum;
  gdouble *bounds;
  MetricsField map;
  gchar error[160];
  const gchar *labels[] = { "element", ctx->element, NULL, NULL, NULL };

  if (!gst_meteor_stats_histogram_parse (
          h, &n, &bounds_ns, &counts, &sum, NULL)) {
    GST_WARNING (
        "%s: field %s is not a well-formed histogram", ctx->element, field);
    return;
  }
  metrics_map_field (ctx->stats_name, field, 1, &map);
  if (map.label[0]) {
    labels[2] = map.label;
    labels[3] = map.label_value;
  }
  bounds = g_new (gdouble, n + 1);
  for (i = 0; i < n; i++)
    bounds[i] = bounds_ns[i] * map.scale;
  if (first_time (ctx->sc, map.name, labels) &&
      metrics_add_histogram (ctx->sc->set, map.name, map.help, labels, n,
          bounds, counts, sum * map.scale, error, sizeof (error)) < 0)
    GST_WARNING ("metric not exported: %s", error);
  g_free (bounds);
  g_free (bounds_ns);
  g_free (counts);
}

static gboolean
add_field (GQuark field_id, const GValue *value, gpointer data)
{
  FieldCtx *ctx = data;
  const gchar *field = g_quark_to_string (field_id);
  const gchar *labels[] = { "element", ctx->element, NULL, NULL, NULL };
  MetricsField map;
  gdouble v;

  if (GST_VALUE_HOLDS_STRUCTURE (value)) {
    const GstStructure *h = gst_value_get_structure (value);

    if (h && gst_structure_has_name (h, GST_METEOR_STATS_HISTOGRAM))
      add_histogram_field (ctx, field, h);
    return TRUE;
  }
  if (!numeric_value (value, &v))
    return TRUE;
  metrics_map_field (ctx->stats_name, field, 0, &map);
  if (map.label[0]) {
    labels[2] = map.label;
    labels[3] = map.label_value;
  }
  if (first_time (ctx->sc, map.name, labels))
    add (ctx->sc, map.name, map.type, map.help, labels, v * map.scale);
  return TRUE;
}

static void
add_registry (Scrape *sc)
{
  GList *elements = gst_meteor_stats_get_elements (), *l;

  for (l = elements; l; l = l->next) {
    GstElement *element = l->data;
    GstStructure *stats = gst_meteor_stats_get (element);
    gchar *name = gst_object_get_name (GST_OBJECT (element));
    FieldCtx ctx = { sc, NULL, name };

    if (stats) {
      ctx.stats_name = gst_structure_get_name (stats);
      gst_structure_foreach (stats, add_field, &ctx);
      gst_structure_free (stats);
    }
    g_free (name);
  }
  g_list_free_full (elements, gst_object_unref);
}

/* Live entries, each with a ref on its element; dead ones pruned. */
static GPtrArray *
live_entries (GstMeteorStatsTracer *self, GPtrArray **elements)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (entry_unref);
  guint i = 0;

  *elements = g_ptr_array_new_with_free_func (gst_object_unref);
  g_mutex_lock (&self->elements_lock);
  while (i < self->elements->len) {
    ElementEntry *e = g_ptr_array_index (self->elements, i);
    GstElement *element = g_weak_ref_get (&e->element);

    if (element == NULL) {
      g_ptr_array_remove_index (self->elements, i);
      continue;
    }
    g_atomic_int_inc (&e->refcount);
    g_ptr_array_add (out, e);
    g_ptr_array_add (*elements, element);
    i++;
  }
  g_mutex_unlock (&self->elements_lock);
  return out;
}

static void
add_elements (GstMeteorStatsTracer *self, Scrape *sc)
{
  GPtrArray *elements, *entries = live_entries (self, &elements);
  guint i;

  for (i = 0; i < entries->len; i++) {
    ElementEntry *e = g_ptr_array_index (entries, i);
    gchar *name;
    const gchar *labels[] = { "element", NULL, NULL };

    if (e->is_bin)
      continue;
    name = gst_object_get_name (g_ptr_array_index (elements, i));
    labels[1] = name;
    if (first_time (sc, "meteor_element", labels)) {
      add (sc, "meteor_element_buffers_in_total", METRIC_COUNTER,
          "Buffers pushed into the element", labels, load (&e->buffers_in));
      add (sc, "meteor_element_buffers_out_total", METRIC_COUNTER,
          "Buffers the element pushed", labels, load (&e->buffers_out));
      add (sc, "meteor_element_ring_buffers_in_total", METRIC_COUNTER,
          "Buffers received whose memory is in the frame ring", labels,
          load (&e->ring_in));
      add (sc, "meteor_element_non_ring_buffers_out_total", METRIC_COUNTER,
          "Buffers pushed whose memory is not in the frame ring", labels,
          load (&e->non_ring_out));
      add (sc, "meteor_element_qos_dropped_frames_total", METRIC_COUNTER,
          "Frames the element dropped, from its QoS messages", labels,
          load (&e->qos_dropped));
      add_time_hist (sc, "meteor_element_processing_seconds",
          "Time the element spends on a buffer, without the time of what it "
          "pushes downstream (a sink's clock wait included)",
          labels, &e->proc);
    }
    g_free (name);
  }
  g_ptr_array_unref (entries);
  g_ptr_array_unref (elements);
}

static void
add_memory (GstMeteorStatsTracer *self, Scrape *sc)
{
  /* the memory gauges: each an int64_t of MetricsMemory, -1 unknown (then
   * not exported) */
  static const struct {
    const gchar *name, *help;
    glong offset;
  } gauges[] = {
    { "meteor_process_resident_memory_bytes",
        "Resident memory of the process (VmRSS)",
        G_STRUCT_OFFSET (MetricsMemory, rss_bytes) },
    { "meteor_process_resident_memory_peak_bytes",
        "Peak resident memory of the process (VmHWM)",
        G_STRUCT_OFFSET (MetricsMemory, rss_peak_bytes) },
    { "meteor_cgroup_memory_bytes",
        "Memory charged to the process's cgroup (memory.current)",
        G_STRUCT_OFFSET (MetricsMemory, cgroup_current) },
    { "meteor_cgroup_memory_limit_bytes",
        "Memory limit of the cgroup (memory.max)",
        G_STRUCT_OFFSET (MetricsMemory, cgroup_max) },
    { "meteor_cgroup_memory_peak_bytes",
        "Peak memory of the cgroup (memory.peak)",
        G_STRUCT_OFFSET (MetricsMemory, cgroup_peak) },
  };
  MetricsMemory m;
  guint i;

  metrics_read_memory ("", &m);
  for (i = 0; i < G_N_ELEMENTS (gauges); i++) {
    int64_t v = G_STRUCT_MEMBER (int64_t, &m, gauges[i].offset);

    if (v >= 0)
      add (sc, gauges[i].name, METRIC_GAUGE, gauges[i].help, NULL, v);
  }

  add (sc, "meteor_buffers_allocated_total", METRIC_COUNTER,
      "GstBuffers created (rate() is the allocation rate; pooled buffers "
      "are created once)",
      NULL, load (&self->buffers_created));
  add (sc, "meteor_buffers_freed_total", METRIC_COUNTER, "GstBuffers freed",
      NULL, load (&self->buffers_freed));
  add (sc, "meteor_memories_allocated_total", METRIC_COUNTER,
      "GstMemory blocks created", NULL, load (&self->memories_created));
  add (sc, "meteor_memories_freed_total", METRIC_COUNTER,
      "GstMemory blocks freed", NULL, load (&self->memories_freed));
}

static void
add_http (Scrape *sc, MeteorHttpServer *http)
{
  static const gchar requests_help[] =
      "HTTP requests to the tracer: ok, not-found (404), rejected (405 "
      "method, 413 a body, 431 headers)";
  static const gchar closed_help[] =
      "Connections the tracer closed: over-cap (max-connections reached: "
      "the oldest one still without a request, else the new one with a "
      "503), idle-timeout (no complete request and answer within "
      "idle-timeout)";
  static const struct {
    const gchar *name;
    MetricType type;
    const gchar *help;
    const gchar *label, *value;
    glong offset;
  } rows[] = {
    { "meteor_stats_http_requests_total", METRIC_COUNTER, requests_help,
        "result", "ok", G_STRUCT_OFFSET (MeteorHttpCounters, requests_ok) },
    { "meteor_stats_http_requests_total", METRIC_COUNTER, requests_help,
        "result", "not-found",
        G_STRUCT_OFFSET (MeteorHttpCounters, requests_not_found) },
    { "meteor_stats_http_requests_total", METRIC_COUNTER, requests_help,
        "result", "rejected",
        G_STRUCT_OFFSET (MeteorHttpCounters, requests_rejected) },
    { "meteor_stats_http_connections_accepted_total", METRIC_COUNTER,
        "TCP connections the tracer accepted", NULL, NULL,
        G_STRUCT_OFFSET (MeteorHttpCounters, connections_accepted) },
    { "meteor_stats_http_connections_closed_total", METRIC_COUNTER,
        closed_help, "reason", "over-cap",
        G_STRUCT_OFFSET (MeteorHttpCounters, connections_over_cap) },
    { "meteor_stats_http_connections_closed_total", METRIC_COUNTER,
        closed_help, "reason", "idle-timeout",
        G_STRUCT_OFFSET (MeteorHttpCounters, connections_timed_out) },
    { "meteor_stats_http_open_connections", METRIC_GAUGE,
        "TCP connections to the tracer open now", NULL, NULL,
        G_STRUCT_OFFSET (MeteorHttpCounters, connections_open) },
  };
  MeteorHttpCounters c;
  guint i;

  meteor_http_server_get_counters (http, &c);
  for (i = 0; i < G_N_ELEMENTS (rows); i++) {
    const gchar *labels[] = { rows[i].label, rows[i].value, NULL };

    add (sc, rows[i].name, rows[i].type, rows[i].help,
        rows[i].label ? labels : NULL,
        G_STRUCT_MEMBER (guint64, &c, rows[i].offset));
  }
}

static gchar *
build_metrics (GstMeteorStatsTracer *self, MeteorHttpServer *http, gsize *len)
{
  Scrape sc;
  gchar *text;
  gchar *copy;
  size_t n;

  count (&self->scrapes, 1);
  sc.set = metrics_set_new ();
  sc.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  add_memory (self, &sc);
  add_elements (self, &sc);
  add_registry (&sc);
  add (&sc, "meteor_stats_scrapes_total", METRIC_COUNTER,
      "Requests of /metrics served", NULL, load (&self->scrapes));
  add_http (&sc, http);
  add (&sc, "meteor_stats_uptime_seconds", METRIC_GAUGE,
      "Seconds since the tracer started", NULL,
      (g_get_monotonic_time () - self->started_at) / 1e6);
  text = metrics_render (sc.set, &n);
  metrics_set_free (sc.set);
  g_hash_table_unref (sc.seen);
  /* hand the server a GLib allocation */
  copy = g_memdup2 (text, n + 1);
  free (text);
  *len = n;
  return copy;
}

/* ------------------------------------------------------------ report */

static guint64
field_u64 (const GstStructure *s, const gchar *field)
{
  const GValue *v = gst_structure_get_value (s, field);
  gdouble d = 0;

  return v && numeric_value (v, &d) && d > 0 ? (guint64)d : 0;
}

static gchar *
format_ns (guint64 ns)
{
  if (ns == G_MAXUINT64)
    return g_strdup ("> 10 s");
  if (ns >= GST_SECOND)
    return g_strdup_printf ("%.2f s", ns / 1e9);
  if (ns >= GST_MSECOND)
    return g_strdup_printf ("%.2f ms", ns / 1e6);
  return g_strdup_printf ("%.1f us", ns / 1e3);
}

static void
report_stats (
    GString *out, GString *advice, const gchar *name, const GstStructure *s)
{
  const gchar *kind = gst_structure_get_name (s);
  guint64 waits, dropped, copies, down, level_pct = 0;
  gdouble level = -1;
  guint i, n = gst_structure_n_fields (s);

  g_string_append_printf (out, "  %s (%s):", name, kind);
  for (i = 0; i < n; i++) {
    const gchar *field = gst_structure_nth_field_name (s, i);
    const GValue *v = gst_structure_get_value (s, field);
    gdouble d;

    if (numeric_value (v, &d))
      g_string_append_printf (out, " %s=%.15g", field, d);
    else if (GST_VALUE_HOLDS_STRUCTURE (v) &&
             gst_structure_has_name (
                 gst_value_get_structure (v), GST_METEOR_STATS_HISTOGRAM))
      g_string_append_printf (out, " %s=(%" G_GUINT64_FORMAT " values)", field,
          field_u64 (gst_value_get_structure (v), "count"));
  }
  g_string_append (out, "\n");

  waits = field_u64 (s, "acquire-waits");
  if (waits > 0)
    g_string_append_printf (advice,
        "- %s: the frame pool was exhausted %" G_GUINT64_FORMAT " times "
        "(producers waited %" G_GUINT64_FORMAT " ms in all; %" G_GUINT64_FORMAT
        " buffers, at most %" G_GUINT64_FORMAT " in use): raise max-buffers, "
        "or bound the queues (max-size-buffers) so branches hold fewer "
        "frames.\n",
        name, waits, field_u64 (s, "acquire-wait-ns") / 1000000,
        field_u64 (s, "pool-size"), field_u64 (s, "max-in-use"));
  dropped = field_u64 (s, "dropped");
  if (dropped > 0)
    g_string_append_printf (advice,
        "- %s dropped %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " frames: "
        "%s\n",
        name, dropped, field_u64 (s, "frames") + dropped,
        g_strcmp0 (kind, "meteorpool-stats") == 0
            ? "the pool was exhausted (leaky=downstream); raise max-buffers "
              "or find the branch that holds frames."
            : "it cannot keep up; see its processing time above.");
  copies = field_u64 (s, "ingress-copies");
  if (copies > 0)
    g_string_append_printf (advice,
        "- %s copied %" G_GUINT64_FORMAT " foreign frames once at ingress "
        "(%" G_GUINT64_FORMAT " bytes): the source does not write into "
        "meteorpool's pool. Expected for libcamerasrc (a few DMABUFs); "
        "otherwise nothing between the source and meteorpool should answer "
        "the allocation query.\n",
        name, copies, field_u64 (s, "bytes-copied"));
  down = field_u64 (s, "downstream-copies");
  if (down > 0)
    g_string_append_printf (advice,
        "- %" G_GUINT64_FORMAT " frames of %s's ring were copied after "
        "ingress: an element downstream writes into or copies shared frames "
        "(see the copying elements below).\n",
        down, name);
  if (gst_structure_get_double (s, "memory-usage", &level) && level >= 0) {
    level_pct = (guint64)(level * 100 + 0.5);
    if (level >= 0.8)
      g_string_append_printf (advice,
          "- %s: memory pressure %" G_GUINT64_FORMAT "%% (above "
          "pressure-high): lower the hot size (hot-frames) or raise "
          "memory-limit; frames now go straight to cold storage.\n",
          name, level_pct);
    else if (level >= 0.6)
      g_string_append_printf (advice,
          "- %s: memory pressure %" G_GUINT64_FORMAT "%% (above "
          "pressure-low): the hot tier is being trimmed; consider a lower "
          "hot-frames.\n",
          name, level_pct);
  }
  if (field_u64 (s, "flashes") > 0)
    g_string_append_printf (advice,
        "- %s saw %" G_GUINT64_FORMAT " whole-frame flashes (lightning, "
        "headlights, exposure jumps): detection pauses during them.\n",
        name, field_u64 (s, "flashes"));
}

static gchar *
build_report (GstMeteorStatsTracer *self)
{
  GString *out = g_string_new (NULL), *advice = g_string_new (NULL);
  GPtrArray *elements, *entries;
  GList *registered, *l;
  MetricsMemory m;
  gdouble uptime = (g_get_monotonic_time () - self->started_at) / 1e6;
  guint64 created = load (&self->buffers_created);
  guint64 freed = load (&self->buffers_freed);
  guint i;

  g_string_append_printf (out,
      "gst-meteor report (meteorstats tracer), after %.1f s\n\nMemory\n",
      uptime);
  metrics_read_memory ("", &m);
  if (m.rss_bytes >= 0)
    g_string_append_printf (out, "  resident %.1f MiB (peak %.1f MiB)\n",
        m.rss_bytes / 1048576.0, m.rss_peak_bytes / 1048576.0);
  if (m.cgroup_current >= 0) {
    g_string_append_printf (
        out, "  cgroup %.1f MiB", m.cgroup_current / 1048576.0);
    if (m.cgroup_max > 0) {
      gdouble frac = (gdouble)m.cgroup_current / m.cgroup_max;

      g_string_append_printf (
          out, " of %.1f MiB (%.0f%%)", m.cgroup_max / 1048576.0, frac * 100);
      if (frac >= 0.9)
        g_string_append_printf (advice,
            "- the cgroup uses %.0f%% of its memory limit: lower hot-frames "
            "or max-buffers, or raise the limit.\n",
            frac * 100);
    }
    g_string_append (out, "\n");
  }
  g_string_append_printf (out,
      "  buffers: %" G_GUINT64_FORMAT " created (%.1f/s), %" G_GUINT64_FORMAT
      " freed, %" G_GINT64_FORMAT " alive; memories: %" G_GUINT64_FORMAT
      " created, %" G_GUINT64_FORMAT " freed\n",
      created, uptime > 0 ? created / uptime : 0.0, freed,
      (gint64)(created - freed), load (&self->memories_created),
      load (&self->memories_freed));

  g_string_append (out,
      "\nElements (buffers in/out; time per buffer without downstream: "
      "median, 99th percentile, mean)\n");
  entries = live_entries (self, &elements);
  for (i = 0; i < entries->len; i++) {
    ElementEntry *e = g_ptr_array_index (entries, i);
    guint64 counts[METRICS_TIME_BUCKETS + 1], sum, n;
    gchar *name, *p50, *p99, *mean;

    if (e->is_bin)
      continue;
    metrics_time_hist_snapshot (&e->proc, counts, &sum, &n);
    name = gst_object_get_name (g_ptr_array_index (elements, i));
    if (n == 0) {
      /* a source: its own loop pushes, nothing times it */
      g_string_append_printf (out,
          "  %-16s in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT
          "; not timed\n",
          name, load (&e->buffers_in), load (&e->buffers_out));
      g_free (name);
      continue;
    }
    p50 = format_ns (metrics_time_hist_quantile (counts, 0.5));
    p99 = format_ns (metrics_time_hist_quantile (counts, 0.99));
    mean = format_ns (sum / n);
    g_string_append_printf (out,
        "  %-16s in %" G_GUINT64_FORMAT " out %" G_GUINT64_FORMAT
        "; <= %s, <= %s, %s\n",
        name, load (&e->buffers_in), load (&e->buffers_out), p50, p99, mean);
    if (load (&e->ring_in) > 0 && load (&e->non_ring_out) > 0)
      g_string_append_printf (advice,
          "- %s received %" G_GUINT64_FORMAT " frames in the ring and pushed "
          "%" G_GUINT64_FORMAT " buffers outside it: it copies or converts "
          "frames (expected for an encoder, not for a filter: use a "
          "passthrough/in-place element or move it to its own branch).\n",
          name, load (&e->ring_in), load (&e->non_ring_out));
    if (load (&e->qos_dropped) > 0)
      g_string_append_printf (advice,
          "- %s dropped %" G_GUINT64_FORMAT " late frames (QoS): the "
          "pipeline upstream of it is too slow or its clock sync too "
          "strict.\n",
          name, load (&e->qos_dropped));
    g_free (name);
    g_free (p50);
    g_free (p99);
    g_free (mean);
  }
  g_ptr_array_unref (entries);
  g_ptr_array_unref (elements);

  g_string_append (out, "\nElement stats (libgstmeteor registry)\n");
  registered = gst_meteor_stats_get_elements ();
  if (registered == NULL)
    g_string_append (out, "  (no element registered)\n");
  for (l = registered; l; l = l->next) {
    GstStructure *s = gst_meteor_stats_get (l->data);
    gchar *name = gst_object_get_name (l->data);

    if (s) {
      report_stats (out, advice, name, s);
      gst_structure_free (s);
    }
    g_free (name);
  }
  g_list_free_full (registered, gst_object_unref);

  g_string_append (out, "\nRecommendations\n");
  if (advice->len == 0)
    g_string_append (out, "  none: no pool exhaustion, drops, copies after "
                          "ingress or memory pressure seen.\n");
  else
    g_string_append (out, advice->str);
  g_string_free (advice, TRUE);
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------- pages */

static gchar *
serve_page (MeteorHttpServer *http, const gchar *path, const gchar **type,
    gsize *len, gpointer user_data)
{
  GstMeteorStatsTracer *self = user_data;
  gchar *body;

  if (strcmp (path, "/metrics") == 0) {
    *type = "text/plain; version=0.0.4; charset=utf-8";
    return build_metrics (self, http, len);
  }
  if (strcmp (path, "/report") == 0)
    body = build_report (self);
  else if (strcmp (path, "/healthz") == 0)
    body = g_strdup ("ok\n");
  else if (strcmp (path, "/") == 0)
    body = g_strdup ("gst-meteor meteorstats: /metrics (Prometheus), /report "
                     "(plain text), /healthz\n");
  else
    return NULL;
  *len = strlen (body);
  return body;
}

/* -------------------------------------------------------------- object */

static void
parse_params (GstMeteorStatsTracer *self)
{
  gchar *params = NULL, *desc;
  GstStructure *s;
  const gchar *str;
  gint port;
  gboolean report;
  gdouble d;

  g_object_get (self, "params", &params, NULL);
  if (params == NULL)
    return;
  desc = g_strdup_printf ("meteorstats,%s", params);
  s = gst_structure_from_string (desc, NULL);
  if (s == NULL) {
    g_printerr ("meteorstats: cannot parse the parameters '%s' (expected "
                "e.g. port=9464,address=127.0.0.1,report=true): using the "
                "defaults\n",
        params);
  } else {
    if (gst_structure_get_int (s, "port", &port)) {
      if (port >= 0 && port <= 65535)
        self->port = port;
      else
        g_printerr ("meteorstats: port=%d is not a TCP port: using %u\n", port,
            self->port);
    } else if (gst_structure_has_field (s, "port")) {
      g_printerr ("meteorstats: port must be a number: using %u\n", self->port);
    }
    if ((str = gst_structure_get_string (s, "address"))) {
      g_free (self->address);
      self->address = g_strdup (str);
    }
    if (gst_structure_get_boolean (s, "report", &report))
      self->report_at_eos = report;
    if ((str = gst_structure_get_string (s, "port-file")))
      self->port_file = g_strdup (str);
    if (gst_structure_has_field (s, "idle-timeout")) {
      if (numeric_value (gst_structure_get_value (s, "idle-timeout"), &d) &&
          d >= 0 && d <= 86400)
        self->idle_timeout = d;
      else
        g_printerr ("meteorstats: idle-timeout must be seconds (0: none): "
                    "using %g\n",
            self->idle_timeout);
    }
    if (gst_structure_has_field (s, "max-connections")) {
      if (numeric_value (gst_structure_get_value (s, "max-connections"), &d) &&
          d >= 1 && d <= 65535)
        self->max_connections = d;
      else
        g_printerr ("meteorstats: max-connections must be 1 to 65535: "
                    "using %u\n",
            self->max_connections);
    }
    gst_structure_free (s);
  }
  g_free (desc);
  g_free (params);
}

static void
gst_meteor_stats_tracer_constructed (GObject *object)
{
  GstMeteorStatsTracer *self = GST_METEOR_STATS_TRACER (object);

  G_OBJECT_CLASS (gst_meteor_stats_tracer_parent_class)->constructed (object);
  parse_params (self);
  {
    MeteorHttpSettings settings = {
      .address = self->address,
      .port = self->port,
      .port_file = self->port_file,
      .idle_timeout_ms = self->idle_timeout * 1000,
      .max_connections = self->max_connections,
    };

    self->http = meteor_http_server_start (&settings, serve_page, self);
  }
}

static void
gst_meteor_stats_tracer_finalize (GObject *object)
{
  GstMeteorStatsTracer *self = GST_METEOR_STATS_TRACER (object);

  if (self->http)
    meteor_http_server_stop (self->http);
  g_ptr_array_unref (self->elements);
  g_free (self->address);
  g_free (self->port_file);
  g_mutex_clear (&self->elements_lock);
  G_OBJECT_CLASS (gst_meteor_stats_tracer_parent_class)->finalize (object);
}

static void
gst_meteor_stats_tracer_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstMeteorStatsTracer *self = GST_METEOR_STATS_TRACER (object);

  switch (prop_id) {
    case PROP_BOUND_PORT:
      g_value_set_uint (value, meteor_http_server_port (self->http));
      break;
    case PROP_IDLE_TIMEOUT:
    case PROP_MAX_CONNECTIONS: {
      guint idle_ms, max;

      meteor_http_server_get_limits (self->http, &idle_ms, &max);
      if (prop_id == PROP_IDLE_TIMEOUT)
        g_value_set_double (value, idle_ms / 1000.0);
      else
        g_value_set_uint (value, max);
      break;
    }

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_meteor_stats_tracer_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstMeteorStatsTracer *self = GST_METEOR_STATS_TRACER (object);
  guint idle_ms, max;

  switch (prop_id) {
    case PROP_IDLE_TIMEOUT:
    case PROP_MAX_CONNECTIONS:
      meteor_http_server_get_limits (self->http, &idle_ms, &max);
      if (prop_id == PROP_IDLE_TIMEOUT)
        idle_ms = g_value_get_double (value) * 1000;
      else
        max = g_value_get_uint (value);
      meteor_http_server_set_limits (self->http, idle_ms, max);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_meteor_stats_tracer_init (GstMeteorStatsTracer *self)
{
  GstTracer *tracer = GST_TRACER (self);

  g_mutex_init (&self->elements_lock);
  self->idle_timeout = DEFAULT_IDLE_TIMEOUT;
  self->max_connections = DEFAULT_MAX_CONNECTIONS;
  self->elements = g_ptr_array_new_with_free_func (entry_unref);
  self->address = g_strdup (DEFAULT_ADDRESS);
  self->port = DEFAULT_PORT;
  self->started_at = g_get_monotonic_time ();

  gst_tracing_register_hook (tracer, "pad-push-pre", G_CALLBACK (on_push_pre));
  gst_tracing_register_hook (
      tracer, "pad-push-post", G_CALLBACK (on_push_post));
  gst_tracing_register_hook (
      tracer, "pad-push-list-pre", G_CALLBACK (on_push_list_pre));
  gst_tracing_register_hook (
      tracer, "pad-push-list-post", G_CALLBACK (on_push_post));
  gst_tracing_register_hook (
      tracer, "mini-object-created", G_CALLBACK (on_mini_object_created));
  gst_tracing_register_hook (
      tracer, "mini-object-destroyed", G_CALLBACK (on_mini_object_destroyed));
  gst_tracing_register_hook (
      tracer, "element-post-message-pre", G_CALLBACK (on_post_message));
}

static void
gst_meteor_stats_tracer_class_init (GstMeteorStatsTracerClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->constructed = gst_meteor_stats_tracer_constructed;
  gobject_class->finalize = gst_meteor_stats_tracer_finalize;
  gobject_class->get_property = gst_meteor_stats_tracer_get_property;
  gobject_class->set_property = gst_meteor_stats_tracer_set_property;

  g_object_class_install_property (gobject_class, PROP_BOUND_PORT,
      g_param_spec_uint ("bound-port", "Bound port",
          "TCP port the metrics are served on (0: not serving)", 0, 65535, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_IDLE_TIMEOUT,
      g_param_spec_double ("idle-timeout", "Idle timeout",
          "Seconds a connection has to send its request and read the "
          "answer before it is closed (0: no limit; parameter idle-timeout)",
          0, 86400, DEFAULT_IDLE_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_MAX_CONNECTIONS,
      g_param_spec_uint ("max-connections", "Max connections",
          "Connections open at once; over it the oldest one still without "
          "a request is closed, else the new one gets a 503 (parameter "
          "max-connections)",
          1, 65535, DEFAULT_MAX_CONNECTIONS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  entry_quark = g_quark_from_static_string ("meteorstats-element");
  GST_DEBUG_CATEGORY_INIT (
      meteorstats_debug, "meteorstats", 0, "gst-meteor metrics tracer");
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  gst_meteor_init ();
  return gst_tracer_register (
      plugin, "meteorstats", GST_TYPE_METEOR_STATS_TRACER);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, meteorstats,
    "Prometheus metrics and a memory report for meteor pipelines", plugin_init,
    VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
