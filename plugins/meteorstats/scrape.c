/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the meteorstats tracer's /metrics page: its own counters,
 * the stats of the elements in the libgstmeteor registry, the process
 * and cgroup memory, the HTTP server's counters. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "tracer.h"

#include <stdlib.h>
#include <string.h>

#define GST_CAT_DEFAULT meteorstats_debug

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

gboolean
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
    { "meteor_stats_http_connections_closed_total", METRIC_COUNTER, closed_help,
        "reason", "over-cap",
        G_STRUCT_OFFSET (MeteorHttpCounters, connections_over_cap) },
    { "meteor_stats_http_connections_closed_total", METRIC_COUNTER, closed_help,
        "reason", "idle-timeout",
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

gchar *
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
