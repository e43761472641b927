/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: bench-station
 *
 * The seed's targets measured on the station pipeline, baseline and
 * zero-copy side by side in one run on one machine:
 *
 *  baseline:  appsrc (a freshly allocated buffer per frame) ! tee, and
 *             every subscriber deep-copies each frame into a freshly
 *             allocated buffer before its element (the seed's "before");
 *  zero-copy: appsrc (frames captured into the pool meteorpool proposes)
 *             ! meteorpool ! tee, every subscriber gets the same memory.
 *
 * Subscribers, the same elements in both: 1 = queue ! meteordetect !
 * fakesink, 2 = queue ! storage (tieredsink when it is registered, else
 * fakesink), 3.. = queue ! fakesink. The source writes every byte of every
 * frame from pre-rendered meteorsky frames (the capture), identically in
 * both.
 *
 * Every configuration runs in its own child process (this program with
 * --child), so peak RSS (VmHWM) is its own. Measured per run: bytes copied
 * and frame-buffer allocations per frame (counted where they happen),
 * peak RSS, CPU time per frame (getrusage, all threads), latency from
 * capture (the PTS, the running time when the frame was pushed) to each
 * sink's arrival, p50/p99, at a paced 30 fps; and the max sustainable frame
 * rate with the source unpaced. Also: 1/3/8 subscribers, hot pre-trigger
 * buffering in tieredsink (when registered) and an RSS soak on meteorsky.
 */
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

#define FPS 30
#define QUEUE_BUFFERS 4
/* pool buffers beyond what storage and the queues hold: in the elements */
#define POOL_SLACK 8
#define N_TEMPLATES 8
#define MAX_SUBS 16
#define SOURCE_START_TIMEOUT_US (5 * G_USEC_PER_SEC)
#define WHO "bench-station"

typedef struct {
  const gchar *label;
  const gchar *format;
  gint width;
  gint height;
} BenchFormat;

static const BenchFormat formats[] = {
  { "640x480 RGB", "RGB", 640, 480 },
  { "1280x720 GRAY8", "GRAY8", 1280, 720 },
  { "1920x1080 NV12", "NV12", 1920, 1080 },
};

/* ------------------------------------------------------------ the child */

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

/* One configuration, in this (child) process; prints one RESULT line. */
static int
child_run (const BenchFormat *f, gboolean zero_copy, guint n_subs,
    gboolean paced, guint n_frames, guint hot_seconds)
{
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
    } else if (i == 1) {
      location = g_dir_make_tmp ("bench-station-XXXXXX", NULL);
      sink = make_storage (hot_seconds, location ? location : "/tmp", &tiered);
      gst_bin_add (GST_BIN (pipeline), sink);
      gst_element_link_many (tee, queue, sink, NULL);
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

/* meteorsky through the full zero-copy station, unpaced, RSS sampled each
 * second into @csv; prints the slope after warm-up. */
static int
child_soak (guint n_frames, const gchar *csv_path)
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

/* ----------------------------------------------------------- the parent */

typedef struct {
  GHashTable *v; /* key -> gdouble* */
} Result;

static gdouble
rv (const Result *r, const gchar *key)
{
  gdouble *d = r->v ? g_hash_table_lookup (r->v, key) : NULL;

  return d ? *d : NAN;
}

static gchar *self_exe;
static FILE *csv_out;

/* Runs this program as a child for one configuration; parses its RESULT
 * line. */
static gboolean
spawn_child (gchar **args, Result *r, const gchar *tag)
{
  GPtrArray *argv = g_ptr_array_new ();
  gchar *out = NULL, *err = NULL, *line;
  gint status = 0;
  GError *error = NULL;
  gboolean ok;
  guint i;

  r->v = NULL;
  g_ptr_array_add (argv, self_exe);
  for (i = 0; args[i]; i++)
    g_ptr_array_add (argv, args[i]);
  g_ptr_array_add (argv, NULL);
  ok = g_spawn_sync (NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL,
      NULL, &out, &err, &status, &error);
  g_ptr_array_unref (argv);
  if (!ok) {
    g_printerr ("bench-station: %s: %s\n", tag, error->message);
    g_error_free (error);
    return FALSE;
  }
  if (err && *err)
    g_printerr ("%s", err);
  line = out ? strstr (out, "RESULT ") : NULL;
  ok = g_spawn_check_wait_status (status, NULL) && line != NULL;
  if (line) {
    gchar **kv = g_strsplit (g_strchomp (line + 7), " ", -1);

    r->v = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    for (i = 0; kv[i]; i++) {
      gchar *eq = strchr (kv[i], '=');
      gdouble *d;

      if (!eq)
        continue;
      *eq = '\0';
      d = g_new (gdouble, 1);
      *d = g_ascii_strtod (eq + 1, NULL);
      g_hash_table_insert (r->v, g_strdup (kv[i]), d);
    }
    g_strfreev (kv);
    if (csv_out)
      fprintf (csv_out, "%s %s\n", tag, line + 7);
  }
  if (!ok)
    g_printerr ("bench-station: %s failed\n", tag);
  g_free (out);
  g_free (err);
  return ok;
}

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->v, g_hash_table_unref);
}

static gboolean
run_config (guint format, gboolean zero_copy, guint subs, gboolean paced,
    guint frames, guint hot_seconds, Result *r)
{
  gchar *a[16];
  gchar *tag;
  gboolean ok;
  guint n = 0, i;

  a[n++] = g_strdup ("--child=run");
  a[n++] = g_strdup_printf ("--format-index=%u", format);
  a[n++] = g_strdup_printf ("--zero-copy=%d", zero_copy);
  a[n++] = g_strdup_printf ("--child-subscribers=%u", subs);
  a[n++] = g_strdup_printf ("--paced=%d", paced);
  a[n++] = g_strdup_printf ("--child-frames=%u", frames);
  a[n++] = g_strdup_printf ("--child-hot=%u", hot_seconds);
  a[n] = NULL;
  tag = g_strdup_printf ("%s|%s|subs=%u|%s|hot=%u", formats[format].label,
      zero_copy ? "zero-copy" : "baseline", subs, paced ? "paced" : "unpaced",
      hot_seconds);
  for (i = 0; tag[i]; i++)
    if (tag[i] == ' ')
      tag[i] = '_';
  ok = spawn_child (a, r, tag);
  for (i = 0; i < n; i++)
    g_free (a[i]);
  g_free (tag);
  return ok;
}

/* Plot data (bench/plots.sh): ratios per metric and format, latency per
 * format, the scaling runs. */
#define N_METRICS 9
static GString *md;
static GString *latency_dat, *scaling_dat;
static gchar *metric_names[N_METRICS];
static gdouble metric_targets[N_METRICS];
static gdouble metric_ratios[N_METRICS][G_N_ELEMENTS (formats)];
static guint current_format, current_metric;

/* "ratio" column: zero-copy / baseline, and whether the seed's target is
 * met. @lower_is_better: target is ratio <= @target; else ratio >=. */
static void
row (GString *out, const gchar *metric, gint decimals, gdouble base, gdouble zc,
    gdouble target, gboolean lower_is_better, const gchar *tlabel)
{
  gchar b[64], z[64];
  gdouble ratio = base != 0 ? zc / base : NAN;
  gboolean met = lower_is_better ? ratio <= target : ratio >= target;

  if (base == 0 && zc == 0) {
    ratio = 1.0;
    met = FALSE;
  }
  g_snprintf (b, sizeof (b), "%.*f", decimals, base);
  g_snprintf (z, sizeof (z), "%.*f", decimals, zc);
  g_print ("  %-30s %14s %14s %9.3f   %-12s %s\n", metric, b, z, ratio, tlabel,
      isnan (ratio) ? ""
      : met         ? "met"
                    : "NOT met");
  g_string_append_printf (out, "| %s | %s | %s | %.3f | %s | %s |\n", metric, b,
      z, ratio, tlabel, met ? "met" : "**not met**");
  if (current_metric < N_METRICS) {
    if (metric_names[current_metric] == NULL)
      metric_names[current_metric] = g_strdelimit (g_strdup (metric), " ", '_');
    metric_targets[current_metric] = target;
    metric_ratios[current_metric][current_format] = ratio;
    current_metric++;
  }
}

/* One configuration, baseline into @b and zero-copy into @z; both are set
 * (the caller clears them), also when a run failed. */
static gboolean
run_pair (guint format, guint subs, gboolean paced, guint frames,
    guint hot_seconds, Result *b, Result *z)
{
  gboolean ok = run_config (format, FALSE, subs, paced, frames, hot_seconds, b);

  ok = run_config (format, TRUE, subs, paced, frames, hot_seconds, z) && ok;
  return ok;
}

static gchar *
seconds_to_str (gdouble s)
{
  return g_strdup_printf ("%.0f s", s);
}

static gboolean
bench_main_table (guint fi, guint paced_frames, guint frames)
{
  Result bp, zp, bu, zu;
  gboolean ok;
  gdouble bfps, zfps;

  g_print ("\n== %s: 3 subscribers (meteordetect, storage, fakesink) ==\n",
      formats[fi].label);
  ok = run_pair (fi, 3, TRUE, paced_frames, 0, &bp, &zp);
  ok = run_pair (fi, 3, FALSE, frames, 0, &bu, &zu) && ok;
  if (!ok)
    goto out;
  current_format = fi;
  current_metric = 0;
  g_string_append_printf (latency_dat, "\"%s\" %.1f %.1f %.1f %.1f\n",
      formats[fi].label, rv (&bp, "lat_p50_us"), rv (&zp, "lat_p50_us"),
      rv (&bp, "lat_p99_us"), rv (&zp, "lat_p99_us"));
  g_print ("  %-30s %14s %14s %9s   %-12s\n", "", "baseline", "zero-copy",
      "ratio", "seed target");
  g_string_append_printf (md,
      "\n### %s, 3 subscribers\n\n"
      "| metric | baseline | zero-copy | ratio | seed target | |\n"
      "|---|---:|---:|---:|---|---|\n",
      formats[fi].label);
  row (md, "bytes copied/frame", 0, rv (&bp, "bytes_copied_per_frame"),
      rv (&zp, "bytes_copied_per_frame"), 0.10, TRUE, "-90 % (<=0.10)");
  row (md, "frame allocations/frame", 3, rv (&bp, "allocations_per_frame"),
      rv (&zp, "allocations_per_frame"), 0.20, TRUE, "-80 % (<=0.20)");
  row (md, "peak RSS (MB)", 1, rv (&bp, "peak_rss_kb") / 1024,
      rv (&zp, "peak_rss_kb") / 1024, 0.40, TRUE, "-60 % (<=0.40)");
  row (md, "peak RSS above start (MB)", 1,
      (rv (&bp, "peak_rss_kb") - rv (&bp, "start_rss_kb")) / 1024,
      (rv (&zp, "peak_rss_kb") - rv (&zp, "start_rss_kb")) / 1024, 0.40, TRUE,
      "-60 % (<=0.40)");
  row (md, "CPU time/frame at 30 fps (us)", 1,
      rv (&bp, "cpu_us") / rv (&bp, "frames"),
      rv (&zp, "cpu_us") / rv (&zp, "frames"), 0.70, TRUE, "-30 % (<=0.70)");
  row (md, "latency p50 (us)", 1, rv (&bp, "lat_p50_us"),
      rv (&zp, "lat_p50_us"), 0.50, TRUE, "-50 % (<=0.50)");
  row (md, "latency p99 (us)", 1, rv (&bp, "lat_p99_us"),
      rv (&zp, "lat_p99_us"), 0.50, TRUE, "-50 % (<=0.50)");
  bfps = rv (&bu, "frames") / (rv (&bu, "wall_us") / 1e6);
  zfps = rv (&zu, "frames") / (rv (&zu, "wall_us") / 1e6);
  row (md, "max sustainable fps", 0, bfps, zfps, 2.0, FALSE, "2-3x (>=2)");
  row (md, "CPU time/frame unpaced (us)", 1,
      rv (&bu, "cpu_us") / rv (&bu, "frames"),
      rv (&zu, "cpu_us") / rv (&zu, "frames"), 0.70, TRUE, "-30 % (<=0.70)");
  if (rv (&zp, "foreign") > 0 || rv (&zu, "foreign") > 0) {
    g_print ("  CHECK FAILED: zero-copy subscribers saw buffers outside the "
             "ring\n");
    ok = FALSE;
  }
  g_print ("  storage subscriber: %s; zero-copy pool min-buffers from the "
           "allocation query: %.0f\n",
      rv (&zp, "tiered") > 0 ? "tieredsink" : "fakesink (no tieredsink)",
      rv (&zp, "pool_min"));
out:
  result_clear (&bp);
  result_clear (&zp);
  result_clear (&bu);
  result_clear (&zu);
  return ok;
}

static gboolean
bench_scaling (guint fi, const guint *subs, guint n_subs, guint paced_frames)
{
  gboolean ok = TRUE;
  guint i;

  g_print ("\n== scaling, %s, paced at %d fps: subscribers ==\n",
      formats[fi].label, FPS);
  g_print ("  %-5s %16s %16s %14s %14s %12s %12s\n", "subs", "base bytes/fr",
      "zc bytes/fr", "base CPU us/fr", "zc CPU us/fr", "base RSS MB",
      "zc RSS MB");
  g_string_append_printf (md,
      "\n### Subscribers, %s at %d fps\n\n"
      "| subscribers | bytes copied/frame baseline | zero-copy | CPU us/frame "
      "baseline | zero-copy | peak RSS MB baseline | zero-copy | latency p99 "
      "us baseline | zero-copy "
      "|\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
      formats[fi].label, FPS);
  for (i = 0; i < n_subs; i++) {
    Result b, z;

    if (!run_pair (fi, subs[i], TRUE, paced_frames, 0, &b, &z)) {
      ok = FALSE;
      result_clear (&b);
      result_clear (&z);
      continue;
    }
    g_print ("  %-5u %16.0f %16.0f %14.1f %14.1f %12.1f %12.1f\n", subs[i],
        rv (&b, "bytes_copied_per_frame"), rv (&z, "bytes_copied_per_frame"),
        rv (&b, "cpu_us") / rv (&b, "frames"),
        rv (&z, "cpu_us") / rv (&z, "frames"), rv (&b, "peak_rss_kb") / 1024,
        rv (&z, "peak_rss_kb") / 1024);
    g_string_append_printf (md,
        "| %u | %.0f | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n",
        subs[i], rv (&b, "bytes_copied_per_frame"),
        rv (&z, "bytes_copied_per_frame"),
        rv (&b, "cpu_us") / rv (&b, "frames"),
        rv (&z, "cpu_us") / rv (&z, "frames"), rv (&b, "peak_rss_kb") / 1024,
        rv (&z, "peak_rss_kb") / 1024, rv (&b, "lat_p99_us"),
        rv (&z, "lat_p99_us"));
    g_string_append_printf (scaling_dat, "%u %.1f %.1f %.0f %.0f %.1f %.1f\n",
        subs[i], rv (&b, "cpu_us") / rv (&b, "frames"),
        rv (&z, "cpu_us") / rv (&z, "frames"),
        rv (&b, "bytes_copied_per_frame"), rv (&z, "bytes_copied_per_frame"),
        rv (&b, "peak_rss_kb") / 1024, rv (&z, "peak_rss_kb") / 1024);
    if (rv (&z, "bytes_copied_per_frame") != 0 || rv (&z, "foreign") != 0) {
      g_print (
          "  CHECK FAILED: zero-copy copied with %u subscribers\n", subs[i]);
      ok = FALSE;
    }
    result_clear (&b);
    result_clear (&z);
  }
  return ok;
}

/* Hot pre-trigger buffering: tieredsink holding N seconds of frames. */
static gboolean
bench_hot (guint fi, const guint *secs, guint n_secs)
{
  gboolean ok = TRUE;
  guint i;

  g_print ("\n== hot pre-trigger buffering, %s ==\n", formats[fi].label);
  if (!bench_has_factory ("tieredsink")) {
    g_print ("  skipped: tieredsink is not registered\n");
    g_string_append_printf (md,
        "\n### Hot pre-trigger buffering\n\nNot measured: tieredsink is not "
        "registered in this build.\n");
    return TRUE;
  }
  g_print ("  %-6s %14s %14s %12s %12s\n", "hot s", "base RSS MB", "zc RSS MB",
      "base CPU/fr", "zc CPU/fr");
  g_string_append_printf (md,
      "\n### Hot pre-trigger buffering, %s (tieredsink hot-frames = "
      "seconds x %d)\n\n"
      "| hot seconds | peak RSS MB baseline | zero-copy | ratio | CPU us/frame "
      "baseline | zero-copy | bytes copied/frame baseline | zero-copy |\n"
      "|---:|---:|---:|---:|---:|---:|---:|---:|\n",
      formats[fi].label, FPS);
  for (i = 0; i < n_secs; i++) {
    Result b, z;
    guint frames = secs[i] * FPS + 150;

    if (!run_pair (fi, 3, FALSE, frames, secs[i], &b, &z)) {
      ok = FALSE;
      result_clear (&b);
      result_clear (&z);
      continue;
    }
    g_print ("  %-6u %14.1f %14.1f %12.1f %12.1f\n", secs[i],
        rv (&b, "peak_rss_kb") / 1024, rv (&z, "peak_rss_kb") / 1024,
        rv (&b, "cpu_us") / rv (&b, "frames"),
        rv (&z, "cpu_us") / rv (&z, "frames"));
    g_string_append_printf (md,
        "| %u | %.1f | %.1f | %.3f | %.1f | %.1f | %.0f | %.0f |\n", secs[i],
        rv (&b, "peak_rss_kb") / 1024, rv (&z, "peak_rss_kb") / 1024,
        rv (&z, "peak_rss_kb") / rv (&b, "peak_rss_kb"),
        rv (&b, "cpu_us") / rv (&b, "frames"),
        rv (&z, "cpu_us") / rv (&z, "frames"),
        rv (&b, "bytes_copied_per_frame"), rv (&z, "bytes_copied_per_frame"));
    result_clear (&b);
    result_clear (&z);
  }
  return ok;
}

static gboolean
bench_soak (guint frames, const gchar *out_dir)
{
  gchar *csv = g_build_filename (out_dir, "soak-rss.dat", NULL);
  gchar *a[4];
  Result r;
  gboolean ok;
  gchar *dur;

  g_print ("\n== soak: %u frames of meteorsky 640x480 RGB through the full "
           "zero-copy station, unpaced ==\n",
      frames);
  a[0] = g_strdup ("--child=soak");
  a[1] = g_strdup_printf ("--child-frames=%u", frames);
  a[2] = g_strdup_printf ("--soak-csv=%s", csv);
  a[3] = NULL;
  ok = spawn_child (a, &r, "soak");
  if (r.v) {
    dur = seconds_to_str (rv (&r, "seconds"));
    g_print ("  %.0f frames in %s (%.0f fps), RSS after warm-up %.1f MB, at "
             "the end %.1f MB, slope %.3f kB/s (%.3f kB per 1000 frames), "
             "bytes copied %.0f, pool allocations %.0f; samples in %s\n",
        rv (&r, "frames"), dur, rv (&r, "frames") / rv (&r, "seconds"),
        rv (&r, "rss_first_kb") / 1024, rv (&r, "rss_last_kb") / 1024,
        rv (&r, "slope_kb_per_s"),
        rv (&r, "slope_kb_per_s") * rv (&r, "seconds") / rv (&r, "frames") *
            1000,
        rv (&r, "bytes_copied"), rv (&r, "allocations"), csv);
    g_string_append_printf (md,
        "\n### Soak\n\n| frames | run time | RSS after warm-up (MB) | RSS at "
        "the end (MB) | slope after warm-up | bytes copied | pool allocations "
        "|\n|---:|---:|---:|---:|---:|---:|---:|\n"
        "| %.0f | %s | %.1f | %.1f | %.3f kB/s | %.0f | %.0f |\n",
        rv (&r, "frames"), dur, rv (&r, "rss_first_kb") / 1024,
        rv (&r, "rss_last_kb") / 1024, rv (&r, "slope_kb_per_s"),
        rv (&r, "bytes_copied"), rv (&r, "allocations"));
    g_free (dur);
  }
  result_clear (&r);
  g_free (a[0]);
  g_free (a[1]);
  g_free (a[2]);
  g_free (csv);
  return ok;
}

static void
write_data (const gchar *dir, const gchar *name, const GString *text)
{
  gchar *path = g_build_filename (dir, name, NULL);

  if (!g_file_set_contents (path, text->str, -1, NULL))
    g_printerr ("bench-station: cannot write %s\n", path);
  g_free (path);
}

static void
write_plot_data (const gchar *dir)
{
  GString *r = g_string_new ("# metric target");
  gboolean have_ratios = metric_names[0] != NULL;
  guint m, f;

  for (f = 0; f < G_N_ELEMENTS (formats); f++)
    g_string_append_printf (r, " \"%s\"", formats[f].label);
  g_string_append (r, "\n");
  for (m = 0; m < N_METRICS; m++) {
    if (metric_names[m] == NULL)
      continue;
    g_string_append_printf (r, "%s %.2f", metric_names[m], metric_targets[m]);
    for (f = 0; f < G_N_ELEMENTS (formats); f++)
      g_string_append_printf (r, " %.4f", metric_ratios[m][f]);
    g_string_append (r, "\n");
    g_free (metric_names[m]);
  }
  if (latency_dat->len > 60)
    write_data (dir, "latency.dat", latency_dat);
  if (scaling_dat->len > 80)
    write_data (dir, "scaling.dat", scaling_dat);
  if (have_ratios)
    write_data (dir, "ratios.dat", r);
  g_string_free (r, TRUE);
  g_string_free (latency_dat, TRUE);
  g_string_free (scaling_dat, TRUE);
}

static gboolean
parse_list (const gchar *s, guint *out, guint max, guint *n)
{
  gchar **parts = g_strsplit (s, ",", -1);
  guint i;

  *n = 0;
  for (i = 0; parts[i] && *n < max; i++) {
    gchar *end;
    guint64 v = g_ascii_strtoull (parts[i], &end, 10);

    if (*end || v == 0 || v > 100000) {
      g_strfreev (parts);
      return FALSE;
    }
    out[(*n)++] = (guint)v;
  }
  g_strfreev (parts);
  return *n > 0;
}

int
main (int argc, char **argv)
{
  gchar *child = NULL, *only = NULL, *subs_s = NULL, *hot_s = NULL;
  gchar *out_dir = NULL, *soak_csv = NULL;
  gint frames = 600, paced_frames = 300, soak_frames = 20000;
  gint format_index = 0, zero_copy = 0, child_subs = 3, paced = 0;
  gint child_frames = 0, child_hot = 0;
  GOptionEntry entries[] = {
    { "frames", 'n', 0, G_OPTION_ARG_INT, &frames,
        "Frames of each unpaced run (max frame rate; default 600)", "N" },
    { "paced-frames", 'p', 0, G_OPTION_ARG_INT, &paced_frames,
        "Frames of each run paced at 30 fps (CPU, latency, RSS; default 300 "
        "= 10 s)",
        "N" },
    { "soak-frames", 's', 0, G_OPTION_ARG_INT, &soak_frames,
        "Frames of the soak (default 20000; the report's is 100000)", "N" },
    { "subscribers", 0, 0, G_OPTION_ARG_STRING, &subs_s,
        "Subscriber counts of the scaling runs (default 1,3,8)", "LIST" },
    { "hot-seconds", 0, 0, G_OPTION_ARG_STRING, &hot_s,
        "Hot pre-trigger seconds (default 1,10,60; needs tieredsink)", "LIST" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only,
        "Run one part: main, scaling, hot or soak", "PART" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
        "Directory for results.dat, soak-rss.dat and station.md (default "
        "bench-results)",
        "DIR" },
    { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &child, NULL,
        NULL },
    { "format-index", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &format_index,
        NULL, NULL },
    { "zero-copy", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &zero_copy, NULL,
        NULL },
    { "child-subscribers", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT,
        &child_subs, NULL, NULL },
    { "paced", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &paced, NULL, NULL },
    { "child-frames", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &child_frames,
        NULL, NULL },
    { "child-hot", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &child_hot, NULL,
        NULL },
    { "soak-csv", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &soak_csv,
        NULL, NULL },
    { NULL }
  };
  guint subs[8], n_subs, hot[8], n_hot;
  gboolean ok = TRUE;
  gint64 start;
  gchar *path;
  int rc;
  guint i;

  if (!bench_parse_options (WHO,
          "- the seed's targets on the station pipeline, baseline vs zero-copy",
          entries, &argc, &argv))
    return EXIT_FAILURE;
  bench_ensure_plugins (BENCH_PLUGIN_PATH);

  if (child) {
    if (g_str_equal (child, "soak"))
      rc = child_soak ((guint)child_frames, soak_csv);
    else if (format_index < 0 || format_index >= (gint)G_N_ELEMENTS (formats) ||
             child_subs < 1 || child_subs > MAX_SUBS || child_frames <= 0)
      rc = EXIT_FAILURE;
    else
      rc = child_run (&formats[format_index], zero_copy, (guint)child_subs,
          paced, (guint)child_frames, (guint)child_hot);
    g_free (child);
    g_free (soak_csv);
    gst_deinit ();
    return rc;
  }

  if (frames <= 0 || paced_frames <= 0 || soak_frames <= 0 ||
      !parse_list (
          subs_s ? subs_s : "1,3,8", subs, G_N_ELEMENTS (subs), &n_subs) ||
      !parse_list (
          hot_s ? hot_s : "1,10,60", hot, G_N_ELEMENTS (hot), &n_hot)) {
    g_printerr ("bench-station: frame counts and lists take positive "
                "numbers\n");
    return EXIT_FAILURE;
  }
  for (i = 0; i < n_subs; i++)
    if (subs[i] > MAX_SUBS) {
      g_printerr ("bench-station: at most %d subscribers\n", MAX_SUBS);
      return EXIT_FAILURE;
    }
  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  if (out_dir == NULL)
    out_dir = g_strdup ("bench-results");
  g_mkdir_with_parents (out_dir, 0755);
  path = g_build_filename (out_dir, "results.dat", NULL);
  csv_out = fopen (path, "w");
  g_free (path);
  md = g_string_new ("");
  latency_dat = g_string_new ("# format base_p50_us zc_p50_us base_p99_us "
                              "zc_p99_us\n");
  scaling_dat = g_string_new ("# subscribers base_cpu_us zc_cpu_us "
                              "base_bytes zc_bytes base_rss_mb zc_rss_mb\n");

  g_print ("bench-station: baseline (fresh buffer per frame, each subscriber "
           "deep-copies) vs zero-copy (meteorpool ring, tee shares); each "
           "run a separate process\n"
           "  subscribers: meteordetect, storage (%s), then fakesinks; paced "
           "runs %d frames at %d fps, unpaced %d frames\n"
           "  ratio = zero-copy / baseline\n",
      bench_has_factory ("tieredsink") ? "tieredsink"
                                       : "fakesink: no tieredsink",
      paced_frames, FPS, frames);
  start = g_get_monotonic_time ();
  if (!only || g_str_equal (only, "main"))
    for (i = 0; i < G_N_ELEMENTS (formats); i++)
      ok = bench_main_table (i, (guint)paced_frames, (guint)frames) && ok;
  if (!only || g_str_equal (only, "scaling"))
    ok = bench_scaling (0, subs, n_subs, (guint)paced_frames / 2) && ok;
  if (!only || g_str_equal (only, "hot"))
    ok = bench_hot (0, hot, n_hot) && ok;
  if (!only || g_str_equal (only, "soak"))
    ok = bench_soak ((guint)soak_frames, out_dir) && ok;

  write_plot_data (out_dir);
  path = g_build_filename (out_dir, "station.md", NULL);
  if (!g_file_set_contents (path, md->str, -1, NULL))
    g_printerr ("bench-station: cannot write %s\n", path);
  g_print ("\nbench-station: total run time %.0f s; tables in %s, data in "
           "%s/results.dat\n",
      (g_get_monotonic_time () - start) / 1e6, path, out_dir);
  g_free (path);
  if (csv_out)
    fclose (csv_out);
  g_string_free (md, TRUE);
  g_free (self_exe);
  g_free (out_dir);
  g_free (only);
  g_free (subs_s);
  g_free (hot_s);
  gst_deinit ();
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
