/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the meteorstats tracer's /report page: memory and its
 * pressure, the elements' processing times, the registry's stats, and
 * advice. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "memwatch.h"
#include <gst/meteor/meteorstatsfields.h>
#include "tracer.h"

#include <stdlib.h>
#include <string.h>

#define GST_CAT_DEFAULT meteorstats_debug

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

/* Memory pressure as the report judges it: an element that publishes
 * memory-usage (tieredsink) is taken at its word; without one the report
 * reads memory itself (memwatch.c) against these, tieredsink's defaults.
 * PSI "some avg10" at or above REPORT_PSI_SOME counts as pressure too. */
#define REPORT_PRESSURE_HIGH 0.8
#define REPORT_PRESSURE_LOW 0.6
#define REPORT_PSI_SOME 10.0 /* % */

typedef enum {
  PRESSURE_NORMAL,
  PRESSURE_LOW,
  PRESSURE_HIGH,
} Pressure;

static const gchar *const pressure_names[] = { "normal", "low", "high" };

static Pressure
usage_pressure (gdouble usage, gdouble high, gdouble low)
{
  return usage >= high  ? PRESSURE_HIGH
         : usage >= low ? PRESSURE_LOW
                        : PRESSURE_NORMAL;
}

/* One advice line for pressure @level (nothing when normal); @remedies
 * for low and high. */
static void
advise_pressure (GString *advice, const gchar *who, Pressure level,
    gdouble usage, gdouble high, gdouble low, const gchar *const remedies[2])
{
  if (level == PRESSURE_NORMAL)
    return;
  g_string_append_printf (advice,
      "- %s: memory pressure %.0f%%, level %s (pressure-high %.0f%%, "
      "pressure-low %.0f%%): %s\n",
      who, usage * 100, pressure_names[level], high * 100, low * 100,
      remedies[level == PRESSURE_HIGH]);
}

/* The pressure an element publishes in @s (memory-usage, and
 * pressure-level, pressure-high, pressure-low when it has them) into
 * @advice; FALSE if it publishes none. */
static gboolean
report_element_pressure (
    GString *advice, const gchar *name, const GstStructure *s)
{
  static const gchar *const remedies[2] = {
    "the hot tier is being trimmed; consider a lower hot-frames.",
    "lower the hot size (hot-frames) or raise memory-limit; frames now go "
    "straight to cold storage.",
  };
  const gchar *level_name =
      gst_structure_get_string (s, GST_METEOR_STATS_PRESSURE_LEVEL);
  gdouble usage = -1, high, low;
  Pressure level;
  guint i;

  if (!gst_structure_get_double (s, GST_METEOR_STATS_MEMORY_USAGE, &usage) ||
      usage < 0)
    return FALSE;
  if (!gst_structure_get_double (s, GST_METEOR_STATS_PRESSURE_HIGH, &high))
    high = REPORT_PRESSURE_HIGH;
  if (!gst_structure_get_double (s, GST_METEOR_STATS_PRESSURE_LOW, &low))
    low = REPORT_PRESSURE_LOW;
  level = usage_pressure (usage, high, low);
  for (i = 0; level_name && i < G_N_ELEMENTS (pressure_names); i++)
    if (strcmp (level_name, pressure_names[i]) == 0)
      level = i; /* the element's own judgement */
  advise_pressure (advice, name, level, usage, high, low, remedies);
  return TRUE;
}

/* Writes @name's stats into @out and advice from them into @advice;
 * TRUE if they publish memory pressure (memory-usage). */
static gboolean
report_stats (
    GString *out, GString *advice, const gchar *name, const GstStructure *s)
{
  const gchar *kind = gst_structure_get_name (s);
  guint64 waits, dropped, copies, down;
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

  waits = field_u64 (s, GST_METEOR_STATS_ACQUIRE_WAITS);
  if (waits > 0)
    g_string_append_printf (advice,
        "- %s: the frame pool was exhausted %" G_GUINT64_FORMAT " times "
        "(producers waited %" G_GUINT64_FORMAT " ms in all; %" G_GUINT64_FORMAT
        " buffers, at most %" G_GUINT64_FORMAT " in use): raise max-buffers, "
        "or bound the queues (max-size-buffers) so branches hold fewer "
        "frames.\n",
        name, waits, field_u64 (s, GST_METEOR_STATS_ACQUIRE_WAIT_NS) / 1000000,
        field_u64 (s, GST_METEOR_STATS_POOL_SIZE),
        field_u64 (s, GST_METEOR_STATS_MAX_IN_USE));
  dropped = field_u64 (s, GST_METEOR_STATS_DROPPED);
  if (dropped > 0)
    g_string_append_printf (advice,
        "- %s dropped %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " frames: "
        "%s\n",
        name, dropped, field_u64 (s, GST_METEOR_STATS_FRAMES) + dropped,
        g_strcmp0 (kind, GST_METEOR_STATS_POOL) == 0
            ? "the pool was exhausted (leaky=downstream); raise max-buffers "
              "or find the branch that holds frames."
            : "it cannot keep up; see its processing time above.");
  copies = field_u64 (s, GST_METEOR_STATS_INGRESS_COPIES);
  if (copies > 0)
    g_string_append_printf (advice,
        "- %s copied %" G_GUINT64_FORMAT " foreign frames once at ingress "
        "(%" G_GUINT64_FORMAT " bytes): the source does not write into "
        "meteorpool's pool. Expected for libcamerasrc (a few DMABUFs); "
        "otherwise nothing between the source and meteorpool should answer "
        "the allocation query.\n",
        name, copies, field_u64 (s, GST_METEOR_STATS_BYTES_COPIED));
  down = field_u64 (s, GST_METEOR_STATS_DOWNSTREAM_COPIES);
  if (down > 0)
    g_string_append_printf (advice,
        "- %" G_GUINT64_FORMAT " frames of %s's ring were copied after "
        "ingress: an element downstream writes into or copies shared frames "
        "(see the copying elements below).\n",
        down, name);
  if (field_u64 (s, GST_METEOR_STATS_FLASHES) > 0)
    g_string_append_printf (advice,
        "- %s saw %" G_GUINT64_FORMAT " whole-frame flashes (lightning, "
        "headlights, exposure jumps): detection pauses during them.\n",
        name, field_u64 (s, GST_METEOR_STATS_FLASHES));
  return report_element_pressure (advice, name, s);
}

/* The Memory lines of the report from the tracer's own reading under
 * @root: memory in use (the cgroup's, v2 or v1, else the system's) and
 * PSI. Pressure advice from the PSI, and from the memory in use unless an
 * element judged it (@judged). */
static void
report_memory (
    GString *out, GString *advice, const gchar *root, gboolean judged)
{
  static const gchar *const remedies[2] = {
    "memory is getting short; lower max-buffers or the queues' sizes.",
    "lower max-buffers and the queues' sizes, or raise the memory limit.",
  };
  TierMemInfo info;
  gdouble usage;

  tier_mem_read (root, &info);
  usage = tier_mem_usage (&info, 0);
  if (info.cgroup_current >= 0) {
    g_string_append_printf (
        out, "  cgroup %.1f MiB", info.cgroup_current / 1048576.0);
    if (info.cgroup_max > 0)
      g_string_append_printf (out, " of %.1f MiB", info.cgroup_max / 1048576.0);
    g_string_append (out, "\n");
  }
  if (usage >= 0)
    g_string_append_printf (
        out, "  memory in use: %.0f%% of the limit\n", usage * 100);
  if (info.psi_some_avg10 >= 0)
    g_string_append_printf (out,
        "  PSI: some %.2f%%, full %.2f%% of the last 10 s stalled on "
        "memory\n",
        info.psi_some_avg10, MAX (info.psi_full_avg10, 0));

  if (!judged && usage >= 0)
    advise_pressure (advice, "the process",
        usage_pressure (usage, REPORT_PRESSURE_HIGH, REPORT_PRESSURE_LOW),
        usage, REPORT_PRESSURE_HIGH, REPORT_PRESSURE_LOW, remedies);
  if (info.psi_some_avg10 >= REPORT_PSI_SOME)
    g_string_append_printf (advice,
        "- memory pressure (PSI): tasks stalled on memory %.1f%% of the "
        "last 10 s (pressure from %.0f%%): the system is short of memory; "
        "lower hot-frames or max-buffers, or give it more memory.\n",
        info.psi_some_avg10, REPORT_PSI_SOME);
}

gchar *
build_report (GstMeteorStatsTracer *self)
{
  GString *out = g_string_new (NULL), *advice = g_string_new (NULL);
  GString *registry = g_string_new (NULL);
  GPtrArray *elements, *entries;
  GList *registered, *l;
  MetricsMemory m;
  gdouble uptime = (g_get_monotonic_time () - self->started_at) / 1e6;
  guint64 created = load (&self->buffers_created);
  guint64 freed = load (&self->buffers_freed);
  gboolean judged = FALSE;
  gchar *root;
  guint i;

  /* the registry first: an element there may judge memory pressure */
  registered = gst_meteor_stats_get_elements ();
  if (registered == NULL)
    g_string_append (registry, "  (no element registered)\n");
  for (l = registered; l; l = l->next) {
    GstStructure *s = gst_meteor_stats_get (l->data);
    gchar *name = gst_object_get_name (l->data);

    if (s) {
      judged |= report_stats (registry, advice, name, s);
      gst_structure_free (s);
    }
    g_free (name);
  }
  g_list_free_full (registered, gst_object_unref);

  g_string_append_printf (out,
      "gst-meteor report (meteorstats tracer), after %.1f s\n\nMemory\n",
      uptime);
  metrics_read_memory ("", &m);
  if (m.rss_bytes >= 0)
    g_string_append_printf (out, "  resident %.1f MiB (peak %.1f MiB)\n",
        m.rss_bytes / 1048576.0, m.rss_peak_bytes / 1048576.0);
  g_mutex_lock (&self->lock);
  root = g_strdup (self->memory_root);
  g_mutex_unlock (&self->lock);
  report_memory (out, advice, root, judged);
  g_free (root);
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
  g_string_append (out, registry->str);
  g_string_free (registry, TRUE);

  g_string_append (out, "\nRecommendations\n");
  if (advice->len == 0)
    g_string_append (out, "  none: no pool exhaustion, drops, copies after "
                          "ingress or memory pressure seen.\n");
  else
    g_string_append (out, advice->str);
  g_string_free (advice, TRUE);
  return g_string_free (out, FALSE);
}
