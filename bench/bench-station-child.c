/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: bench-station's child: one configuration's pipeline, in a
 * process of its own so that its peak RSS is its own (bench-station.c
 * runs it and reads the RESULT line it prints). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/app/app.h>
#include <gst/gst.h>
#include <gst/meteor/meteor.h>
#include "tiercommon.h"
#include <gst/video/video.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "bench-station.h"

#define QUEUE_BUFFERS 4
/* pool buffers beyond what storage and the queues hold: in the elements */
#define POOL_SLACK 8
#define N_TEMPLATES 8
#define SOURCE_START_TIMEOUT_US (5 * G_USEC_PER_SEC)

/* The branches' counters; arrivals and latency under their lock too. */
typedef struct {
  BenchCounters b;
  guint64 arrivals;
  /* latency samples, ns */
  gint64 *lat;
  guint n_lat;
  guint max_lat;
  gint64 origin_us; /* monotonic time of PTS 0 */
} Counters;

static gint64
proc_status_kb (const gchar *field)
{
  gchar *text = NULL;
  gint64 kb = -1;
  const gchar *p;

  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL))
    return -1;
  p = strstr (text, field);
  if (p)
    kb = g_ascii_strtoll (p + strlen (field) + 1, NULL, 10);
  g_free (text);
  return kb;
}

/* Resets VmHWM to the current RSS (Linux >= 4.0), so the peak is this
 * pipeline's, not the set-up's. */
static void
reset_peak_rss (void)
{
  FILE *f = fopen ("/proc/self/clear_refs", "w");

  if (f == NULL || fputs ("5", f) < 0 || fclose (f) != 0)
    g_printerr ("bench-station: cannot reset the peak RSS (VmHWM)\n");
}

/* N_TEMPLATES frames of synthetic sky, rendered once: the source copies
 * them into its buffers as a camera writes a capture. */
static GPtrArray *
render_templates (const BenchFormat *f, GstVideoInfo *info)
{
  gchar *desc = g_strdup_printf (
      "meteorsky num-buffers=%d seed=7 meteor-rate=3600 ! "
      "video/x-raw,format=%s,width=%d,height=%d,framerate=%d/1 ! "
      "appsink name=out sync=false",
      N_TEMPLATES, f->format, f->width, f->height, FPS);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink;
  GPtrArray *frames = g_ptr_array_new_with_free_func (g_free);
  GstSample *sample;

  g_free (desc);
  if (pipeline == NULL) {
    g_printerr ("bench-station: cannot render sky frames\n");
    exit (EXIT_FAILURE);
  }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstBuffer *buf = gst_sample_get_buffer (sample);
    GstMapInfo map;

    if (frames->len == 0)
      gst_video_info_from_caps (info, gst_sample_get_caps (sample));
    if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
      g_ptr_array_add (frames, g_memdup2 (map.data, map.size));
      gst_buffer_unmap (buf, &map);
    }
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  if (frames->len == 0) {
    g_printerr ("bench-station: meteorsky rendered no frame\n");
    exit (EXIT_FAILURE);
  }
  return frames;
}

static void
record_latency (Counters *c, GstBuffer *buf)
{
  GstClockTime now, pts = GST_BUFFER_PTS (buf);

  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return;
  now = (g_get_monotonic_time () - c->origin_us) * GST_USECOND;
  if (c->n_lat < c->max_lat)
    c->lat[c->n_lat++] = (gint64)now - (gint64)pts;
}

/* On each sink's sink pad: arrival. */
static GstPadProbeReturn
sink_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Counters *c = user_data;

  g_mutex_lock (&c->b.lock);
  c->arrivals++;
  record_latency (c, GST_PAD_PROBE_INFO_BUFFER (info));
  g_mutex_unlock (&c->b.lock);
  return GST_PAD_PROBE_OK;
}

/* Storage subscriber: tieredsink holding @hot_seconds of frames when it is
 * registered, else fakesink. Properties set from strings, so their exact
 * types do not matter here. */
static GstElement *
make_storage (guint hot_seconds, const gchar *location, gboolean *tiered)
{
  GstElement *e;
  gchar *v;

  *tiered = bench_has_factory ("tieredsink");
  if (!*tiered) {
    e = bench_make (WHO, "fakesink", "storage");
    g_object_set (e, "sync", FALSE, NULL);
    return e;
  }
  e = bench_make (WHO, "tieredsink", "storage");
  gst_util_set_object_arg (G_OBJECT (e), "location", location);
  /* no warm ring: it is one copy per frame by design in both
   * configurations, and its mapping (256 MB by default) would be most of
   * the RSS measured */
  gst_util_set_object_arg (G_OBJECT (e), "warm-max-bytes", "0");
  if (hot_seconds > 0) {
    v = g_strdup_printf ("%u", hot_seconds * FPS);
    gst_util_set_object_arg (G_OBJECT (e), "hot-frames", v);
    g_free (v);
    v = g_strdup_printf ("%u", hot_seconds);
    gst_util_set_object_arg (G_OBJECT (e), "pre-trigger", v);
    g_free (v);
  }
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (e), "sync"))
    g_object_set (e, "sync", FALSE, NULL);
  return e;
}

/* Removes @location (a storage directory of a run) and frees it. */
static void
remove_tree (gchar *location)
{
  if (location)
    tier_remove_tree (location);
  g_free (location);
}

/* What meteorpool @pool copied and allocated, from its stats. */
static void
pool_counts (GstElement *pool, guint64 *copied, guint64 *allocations)
{
  GstStructure *stats = NULL;

  g_object_get (pool, "stats", &stats, NULL);
  *copied = bench_stat (stats, "bytes-copied");
  *allocations = bench_stat (stats, "allocations");
  if (stats)
    gst_structure_free (stats);
}

static int
cmp_i64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

  return x < y ? -1 : x > y;
}

static gdouble
percentile_us (gint64 *v, guint n, gdouble p)
{
  guint i;

  if (n == 0)
    return -1;
  i = (guint)ceil (p / 100.0 * n);
  i = i == 0 ? 0 : i - 1;
  return v[MIN (i, n - 1)] / 1000.0;
}

/* BENCH_SEED's detector history: the last @keep frames it analysed, its
 * own copies (only the detection branch's streaming thread touches it). */
typedef struct {
  GQueue frames;
  guint keep;
} History;

static GstPadProbeReturn
history_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  History *h = user_data;

  g_queue_push_tail (
      &h->frames, gst_buffer_ref (GST_PAD_PROBE_INFO_BUFFER (info)));
  while (h->frames.length > h->keep)
    gst_buffer_unref (g_queue_pop_head (&h->frames));
  return GST_PAD_PROBE_OK;
}

/* The frames tieredsink @storage really holds of @frames asked for: its
 * hot-max-bytes caps them (the seed's detector history keeps as many). */
static guint
hot_frames_held (GstElement *storage, const GstVideoInfo *info, guint frames)
{
  guint64 max_bytes = 0;

  g_object_get (storage, "hot-max-bytes", &max_bytes, NULL);
  if (max_bytes == 0 || GST_VIDEO_INFO_SIZE (info) == 0)
    return frames;
  return (guint)MIN ((guint64)frames, max_bytes / GST_VIDEO_INFO_SIZE (info));
}

int
bench_child_run (const BenchFormat *f, BenchMode mode, guint n_subs,
    gboolean paced, guint n_frames, guint hot_seconds)
{
  const gboolean zero_copy = mode == BENCH_ZERO_COPY;
  History history = { G_QUEUE_INIT, hot_seconds * FPS };
  GstElement *pipeline, *src, *tee, *meteor, *detect = NULL;
  GstBufferPool *pool = NULL;
  GPtrArray *templates;
  GstVideoInfo info;
  GstCaps *caps;
  GstBus *bus;
  GstPad *srcpad;
  BenchSourceWait sw;
  Counters c;
  gchar *location = NULL;
  gint64 wall0, cpu0, wall_us, cpu_us, start_rss, peak_rss;
  guint64 pushed = 0, pool_copied = 0, pool_allocations = 0;
  guint pool_min = 0, pool_max = 0;
  gboolean pool_configured = FALSE, tiered = FALSE, ok = TRUE;
  guint i;

  memset (&c, 0, sizeof (c));
  g_mutex_init (&c.b.lock);
  c.b.zero_copy = zero_copy;
  c.max_lat = n_frames * n_subs;
  c.lat = g_new0 (gint64, c.max_lat);

  templates = render_templates (f, &info);
  caps = gst_video_info_to_caps (&info);

  pipeline = gst_pipeline_new ("station");
  tee = bench_add_source (WHO, pipeline, caps, zero_copy, &src, &meteor);

  for (i = 0; i < n_subs; i++) {
    GstElement *queue = bench_make_queue (WHO, QUEUE_BUFFERS), *first, *sink;

    gst_bin_add (GST_BIN (pipeline), queue);
    if (i == 0) {
      detect = first = bench_make (WHO, "meteordetect", "detect");
      sink = bench_make (WHO, "fakesink", NULL);
      g_object_set (sink, "sync", FALSE, NULL);
      gst_bin_add_many (GST_BIN (pipeline), first, sink, NULL);
      gst_element_link_many (tee, queue, first, sink, NULL);
      /* after the detector: it got its frame writable, as in the seed */
      if (mode == BENCH_SEED && history.keep > 0)
        bench_probe_pad (sink, "sink", history_probe, &history);
    } else if (i == 1) {
      location = g_dir_make_tmp ("bench-station-XXXXXX", NULL);
      sink = make_storage (hot_seconds, location ? location : "/tmp", &tiered);
      gst_bin_add (GST_BIN (pipeline), sink);
      gst_element_link_many (tee, queue, sink, NULL);
      if (tiered)
        history.keep = hot_frames_held (sink, &info, history.keep);
      if (meteor && tiered) {
        /* the fakesink branches do not answer the allocation query, so the
         * tee cannot ask the pool for the hot frames: size it here */
        guint hot = 0;

        g_object_get (sink, "hot-frames", &hot, NULL);
        g_object_set (meteor, "max-buffers",
            hot + n_subs * QUEUE_BUFFERS + POOL_SLACK, NULL);
      }
    } else {
      sink = bench_make (WHO, "fakesink", NULL);
      g_object_set (sink, "sync", FALSE, NULL);
      gst_bin_add (GST_BIN (pipeline), sink);
      gst_element_link_many (tee, queue, sink, NULL);
    }
    bench_probe_pad (queue, "src", bench_branch_probe, &c.b);
    bench_probe_pad (sink, "sink", sink_probe, &c);
  }

  srcpad = gst_element_get_static_pad (src, "src");
  bench_source_wait_init (&sw, src);
  bus = gst_element_get_bus (pipeline);

  reset_peak_rss ();
  start_rss = proc_status_kb ("VmRSS:");
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_printerr ("bench-station: cannot start the pipeline\n");
    ok = FALSE;
    goto stop;
  }
  bench_source_wait_started (&sw, SOURCE_START_TIMEOUT_US);
  if (zero_copy) {
    pool = bench_take_downstream_pool (
        WHO, srcpad, caps, &info, &pool_min, &pool_max, &pool_configured);
    if (pool == NULL) {
      ok = FALSE;
      goto stop;
    }
  }

  wall0 = c.origin_us = g_get_monotonic_time ();
  cpu0 = bench_cpu_time_us ();
  for (i = 0; i < n_frames; i++) {
    GstBuffer *buf = NULL;
    GstMapInfo map;

    if (paced) {
      gint64 due = wall0 + (gint64)i * G_USEC_PER_SEC / FPS;
      gint64 now = g_get_monotonic_time ();

      if (due > now)
        g_usleep (due - now);
    }
    if (zero_copy) {
      if (gst_buffer_pool_acquire_buffer (pool, &buf, NULL) != GST_FLOW_OK)
        break;
    } else {
      buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
      c.b.source_allocations++;
    }
    /* the capture: every byte of the frame written */
    if (!gst_buffer_map (buf, &map, GST_MAP_WRITE)) {
      gst_buffer_unref (buf);
      break;
    }
    memcpy (map.data, g_ptr_array_index (templates, i % templates->len),
        MIN (map.size, GST_VIDEO_INFO_SIZE (&info)));
    gst_buffer_unmap (buf, &map);
    /* capture time (monotonic, from the run's start): latency runs from
     * here to each sink */
    GST_BUFFER_PTS (buf) =
        (g_get_monotonic_time () - c.origin_us) * GST_USECOND;
    GST_BUFFER_DURATION (buf) = GST_SECOND / FPS;
    if (gst_app_src_push_buffer (GST_APP_SRC (src), buf) != GST_FLOW_OK)
      break;
    pushed++;
  }
  if (!bench_finish_run (src, bus, wall0, cpu0, &wall_us, &cpu_us, WHO, NULL))
    ok = FALSE;
  peak_rss = proc_status_kb ("VmHWM:");
  if (meteor)
    pool_counts (meteor, &pool_copied, &pool_allocations);
  if (pushed != n_frames) {
    g_printerr ("bench-station: pushed %" G_GUINT64_FORMAT " of %u\n", pushed,
        n_frames);
    ok = FALSE;
  }

stop:
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_queue_clear_full (&history.frames, (GDestroyNotify)gst_buffer_unref);
  bench_release_pool (pool, pool_configured);
  if (ok) {
    guint64 frames = MAX (pushed, 1);
    guint64 det_frames = 0;
    GstStructure *ds = NULL;

    g_object_get (detect, "stats", &ds, NULL);
    if (ds) {
      gst_structure_get_uint64 (ds, "frames", &det_frames);
      gst_structure_free (ds);
    }
    qsort (c.lat, c.n_lat, sizeof (gint64), cmp_i64);
    g_print (
        "RESULT frames=%" G_GUINT64_FORMAT " wall_us=%" G_GINT64_FORMAT
        " cpu_us=%" G_GINT64_FORMAT " bytes_copied_per_frame=%.1f "
        "copies_per_frame=%.3f allocations_per_frame=%.4f "
        "start_rss_kb=%" G_GINT64_FORMAT " peak_rss_kb=%" G_GINT64_FORMAT
        " lat_p50_us=%.1f lat_p99_us=%.1f lat_n=%u arrivals=%" G_GUINT64_FORMAT
        " foreign=%" G_GUINT64_FORMAT " detected_frames=%" G_GUINT64_FORMAT
        " pool_min=%u tiered=%d\n",
        pushed, wall_us, cpu_us,
        (gdouble)(c.b.bytes_copied + pool_copied) / frames,
        (gdouble)c.b.copies / frames,
        (gdouble)(c.b.source_allocations + c.b.copies + pool_allocations) /
            frames,
        start_rss, peak_rss, percentile_us (c.lat, c.n_lat, 50),
        percentile_us (c.lat, c.n_lat, 99), c.n_lat, c.arrivals,
        c.b.foreign_buffers, det_frames, pool_min, tiered);
  }
  gst_object_unref (srcpad);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  gst_caps_unref (caps);
  g_ptr_array_unref (templates);
  g_free (c.lat);
  remove_tree (location);
  g_mutex_clear (&c.b.lock);
  bench_source_wait_clear (&sw);
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ----------------------------------------------------------------- soak */

typedef struct {
  GMutex lock;
  guint64 frames;
} SoakCount;

static GstPadProbeReturn
soak_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  SoakCount *sc = user_data;

  g_mutex_lock (&sc->lock);
  sc->frames++;
  g_mutex_unlock (&sc->lock);
  return GST_PAD_PROBE_OK;
}

int
bench_child_soak (guint n_frames, const gchar *csv_path)
{
  gchar *desc = g_strdup_printf (
      "meteorsky num-buffers=%u seed=9 meteor-rate=600 plane-rate=30 ! "
      "video/x-raw,format=RGB,width=640,height=480,framerate=%d/1 ! "
      "meteorpool name=pool ! tee name=t "
      "t. ! queue max-size-buffers=%d ! meteordetect name=detect ! fakesink "
      "sync=false "
      "t. ! queue max-size-buffers=%d ! %s name=storage "
      "t. ! queue max-size-buffers=%d ! fakesink name=monitor sync=false",
      n_frames, FPS, QUEUE_BUFFERS, QUEUE_BUFFERS,
      bench_has_factory ("tieredsink") ? "tieredsink" : "fakesink sync=false",
      QUEUE_BUFFERS);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *monitor, *storage;
  gchar *location = NULL;
  GString *csv = g_string_new ("# seconds rss_kb frames\n");
  GArray *t = g_array_new (FALSE, FALSE, sizeof (gdouble));
  GArray *r = g_array_new (FALSE, FALSE, sizeof (gdouble));
  SoakCount sc;
  GstBus *bus;
  GstPad *pad;
  gint64 t0, cpu0;
  gboolean done = FALSE, ok = TRUE;
  gdouble slope = 0, mean_t = 0, mean_r = 0, sxx = 0, sxy = 0;
  guint i, skip, n;
  guint64 frames;
  guint64 copied = 0, allocations = 0;

  g_free (desc);
  if (pipeline == NULL) {
    g_printerr ("bench-station: cannot build the soak pipeline\n");
    return EXIT_FAILURE;
  }
  g_mutex_init (&sc.lock);
  sc.frames = 0;
  storage = gst_bin_get_by_name (GST_BIN (pipeline), "storage");
  if (bench_has_factory ("tieredsink")) {
    location = g_dir_make_tmp ("bench-soak-XXXXXX", NULL);
    gst_util_set_object_arg (G_OBJECT (storage), "location", location);
  }
  gst_object_unref (storage);
  monitor = gst_bin_get_by_name (GST_BIN (pipeline), "monitor");
  pad = gst_element_get_static_pad (monitor, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, soak_probe, &sc, NULL);
  gst_object_unref (pad);
  gst_object_unref (monitor);

  bus = gst_element_get_bus (pipeline);
  t0 = g_get_monotonic_time ();
  cpu0 = bench_cpu_time_us ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop_filtered (
        bus, GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    gdouble secs = (g_get_monotonic_time () - t0) / 1e6;
    gdouble rss = (gdouble)proc_status_kb ("VmRSS:");

    g_mutex_lock (&sc.lock);
    frames = sc.frames;
    g_mutex_unlock (&sc.lock);
    g_string_append_printf (
        csv, "%.3f %.0f %" G_GUINT64_FORMAT "\n", secs, rss, frames);
    g_array_append_val (t, secs);
    g_array_append_val (r, rss);
    if (msg) {
      if (!bench_check_end (msg, WHO, "soak"))
        ok = FALSE;
      gst_message_unref (msg);
      done = TRUE;
    }
  }
  {
    GstElement *pool = gst_bin_get_by_name (GST_BIN (pipeline), "pool");

    pool_counts (pool, &copied, &allocations);
    gst_object_unref (pool);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);

  /* least squares over the samples after warm-up (the first 20 %) */
  n = t->len;
  skip = n / 5;
  for (i = skip; i < n; i++) {
    mean_t += g_array_index (t, gdouble, i);
    mean_r += g_array_index (r, gdouble, i);
  }
  if (n > skip + 1) {
    mean_t /= n - skip;
    mean_r /= n - skip;
    for (i = skip; i < n; i++) {
      gdouble dt = g_array_index (t, gdouble, i) - mean_t;

      sxx += dt * dt;
      sxy += dt * (g_array_index (r, gdouble, i) - mean_r);
    }
    slope = sxx > 0 ? sxy / sxx : 0;
  }
  if (csv_path && !g_file_set_contents (csv_path, csv->str, -1, NULL))
    g_printerr ("bench-station: cannot write %s\n", csv_path);
  g_print ("RESULT frames=%" G_GUINT64_FORMAT
           " seconds=%.1f cpu_us=%" G_GINT64_FORMAT
           " samples=%u warmup_samples=%u rss_first_kb=%.0f rss_last_kb=%.0f "
           "rss_max_kb=%" G_GINT64_FORMAT " slope_kb_per_s=%.3f "
           "bytes_copied=%" G_GUINT64_FORMAT " allocations=%" G_GUINT64_FORMAT
           "\n",
      frames, (g_get_monotonic_time () - t0) / 1e6, bench_cpu_time_us () - cpu0,
      n, skip, n ? g_array_index (r, gdouble, skip < n ? skip : 0) : 0.0,
      n ? g_array_index (r, gdouble, n - 1) : 0.0, proc_status_kb ("VmHWM:"),
      slope, copied, allocations);
  g_array_unref (t);
  g_array_unref (r);
  g_string_free (csv, TRUE);
  g_mutex_clear (&sc.lock);
  remove_tree (location);
  return ok && frames == n_frames ? EXIT_SUCCESS : EXIT_FAILURE;
}
