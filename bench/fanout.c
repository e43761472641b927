/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: bench-fanout
 *
 * One source fanned out to three subscribers, measured two ways in one run:
 *
 *  baseline:  appsrc ! tee ! 3x (queue ! fakesink), where the source
 *             allocates every frame fresh and every branch deep-copies it
 *             into a freshly allocated buffer (what the seed pipeline did);
 *  zero-copy: appsrc ! meteorpool ! tee ! 3x (queue ! fakesink), where the
 *             application captures into buffers of the pool meteorpool
 *             proposes (found with an ALLOCATION query, as a capture source
 *             does) and every branch gets the same GstMemory.
 *
 * Both use the same source code path (fill a moving gradient) and the same
 * branches; only allocation and copying differ. Everything printed is
 * measured in this run.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/app/app.h>
#include <gst/gst.h>
#include <gst/meteor/meteor.h>
#include <gst/video/video.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"

#define N_BRANCHES 3
#define DEFAULT_FRAMES 600
#define QUEUE_BUFFERS 4
#define FPS 30
#define WHO "bench-fanout"
/* How long to wait for appsrc to finish starting up before our query. */
#define SOURCE_START_TIMEOUT_US (5 * G_USEC_PER_SEC)

typedef struct {
  const gchar *label;
  GstVideoFormat format;
  gint width;
  gint height;
} BenchFormat;

static const BenchFormat formats[] = {
  { "640x480 RGB", GST_VIDEO_FORMAT_RGB, 640, 480 },
  { "1280x720 GRAY8", GST_VIDEO_FORMAT_GRAY8, 1280, 720 },
  { "1920x1080 NV12", GST_VIDEO_FORMAT_NV12, 1920, 1080 },
};

typedef struct {
  guint64 frames;
  gint64 wall_us;
  gint64 cpu_us;
  gdouble copies_per_frame;
  gdouble bytes_copied_per_frame;
  gdouble allocations_per_frame;
  guint peak_buffers;
  guint64 branch_buffers;
  guint64 foreign_buffers;
  guint64 probe_bytes;
  GstStructure *stats; /* zero-copy: meteorpool's stats at EOS */
  guint pool_min;      /* zero-copy: what the ALLOCATION query said */
  guint pool_max;
  gboolean pool_configured; /* we configured and activated the pool */
} RunResult;

/* The cheapest a frame copy can be: memcpy between two warm buffers. */
static gdouble
memcpy_floor_us (gsize size, guint n_frames)
{
  guint8 *src = g_malloc (size);
  guint8 *dst = g_malloc (size);
  volatile guint8 sink = 0;
  gint64 start;
  guint i;

  memset (src, 0x55, size);
  memset (dst, 0, size);
  start = g_get_monotonic_time ();
  for (i = 0; i < n_frames; i++) {
    src[(i * 4099u) % size] = (guint8)i;
    memcpy (dst, src, size);
    /* a read of the result keeps the copy from being optimized away */
    sink ^= dst[(i * 4099u) % size];
  }
  start = g_get_monotonic_time () - start;
  (void)sink;
  g_free (src);
  g_free (dst);
  return (gdouble)start / n_frames;
}

/* A moving gradient: one value per row, shifted every frame. Writes every
 * byte of the visible frame, as a capture does. */
static gboolean
fill_frame (GstBuffer *buf, const GstVideoInfo *info, guint n)
{
  GstVideoFrame frame;
  guint plane;

  if (!gst_video_frame_map (&frame, (GstVideoInfo *)info, buf, GST_MAP_WRITE))
    return FALSE;
  for (plane = 0; plane < GST_VIDEO_FRAME_N_PLANES (&frame); plane++) {
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (&frame, plane);
    gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, plane);
    gint rows, row_bytes, y;

    gst_video_format_info_component (frame.info.finfo, plane, comp);
    rows = GST_VIDEO_FRAME_COMP_HEIGHT (&frame, comp[0]);
    row_bytes = GST_VIDEO_FRAME_COMP_WIDTH (&frame, comp[0]) *
                GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, comp[0]);
    for (y = 0; y < rows; y++)
      memset (data + (gsize)y * stride, (y + n) & 0xff, row_bytes);
  }
  gst_video_frame_unmap (&frame);
  return TRUE;
}

/* Prints warnings left on the bus (e.g. meteorpool's pool pressure). */
static void
print_bus_warnings (GstBus *bus, const gchar *label)
{
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;

    gst_message_parse_warning (msg, &err, NULL);
    g_print ("%s  warning from %s: %s\n", label, GST_MESSAGE_SRC_NAME (msg),
        err->message);
    g_error_free (err);
    gst_message_unref (msg);
  }
}

static gboolean
run_config (
    const BenchFormat *f, gboolean zero_copy, guint n_frames, RunResult *r)
{
  GstElement *pipeline, *src, *tee, *meteor;
  GstBufferPool *pool = NULL;
  gboolean ok = TRUE;
  GstVideoInfo info;
  GstCaps *caps;
  GstBus *bus;
  GstPad *srcpad;
  BenchSourceWait sw;
  BenchCounters c;
  gint64 wall0, cpu0;
  guint64 pushed = 0;
  guint i;

  memset (&c, 0, sizeof (c));
  g_mutex_init (&c.lock);
  c.zero_copy = zero_copy;
  c.track_copies = TRUE;
  memset (r, 0, sizeof (*r));

  gst_video_info_set_format (&info, f->format, f->width, f->height);
  GST_VIDEO_INFO_FPS_N (&info) = FPS;
  GST_VIDEO_INFO_FPS_D (&info) = 1;
  caps = gst_video_info_to_caps (&info);

  pipeline = gst_pipeline_new (zero_copy ? "zero-copy" : "baseline");
  tee = bench_add_source (WHO, pipeline, caps, zero_copy, &src, &meteor);

  for (i = 0; i < N_BRANCHES; i++) {
    GstElement *queue = bench_make_queue (WHO, QUEUE_BUFFERS);
    GstElement *sink = bench_make (WHO, "fakesink", NULL);

    g_object_set (sink, "sync", FALSE, NULL);
    gst_bin_add_many (GST_BIN (pipeline), queue, sink, NULL);
    gst_element_link_many (tee, queue, sink, NULL);
    bench_probe_pad (queue, "src", bench_branch_probe, &c);
  }

  srcpad = gst_element_get_static_pad (src, "src");
  /* in both configurations, for the same per-frame cost */
  bench_source_wait_init (&sw, src);

  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_printerr (WHO ": %s: cannot start the pipeline\n", f->label);
    ok = FALSE;
    goto stop;
  }

  if (zero_copy) {
    /* ours after appsrc's own start-up query, never racing it for the
     * pool */
    bench_source_wait_started (&sw, SOURCE_START_TIMEOUT_US);
    pool = bench_take_downstream_pool (WHO, srcpad, caps, &info, &r->pool_min,
        &r->pool_max, &r->pool_configured);
    if (pool == NULL) {
      ok = FALSE;
      goto stop;
    }
  }

  wall0 = g_get_monotonic_time ();
  cpu0 = bench_cpu_time_us ();
  for (i = 0; i < n_frames; i++) {
    GstBuffer *buf = NULL;
    GstFlowReturn ret;

    if (zero_copy) {
      ret = gst_buffer_pool_acquire_buffer (pool, &buf, NULL);
      if (ret != GST_FLOW_OK)
        break;
    } else {
      buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
      bench_track_buffer (&c, buf);
      g_mutex_lock (&c.lock);
      c.source_allocations++;
      g_mutex_unlock (&c.lock);
    }
    if (!fill_frame (buf, &info, i)) {
      g_printerr (WHO ": %s: cannot map a frame\n", f->label);
      gst_buffer_unref (buf);
      break;
    }
    GST_BUFFER_PTS (buf) = gst_util_uint64_scale (i, GST_SECOND, FPS);
    GST_BUFFER_DURATION (buf) = gst_util_uint64_scale (1, GST_SECOND, FPS);
    if (gst_app_src_push_buffer (GST_APP_SRC (src), buf) != GST_FLOW_OK)
      break;
    pushed++;
  }
  if (!bench_finish_run (
          src, bus, wall0, cpu0, &r->wall_us, &r->cpu_us, WHO, f->label))
    ok = FALSE;
  if (meteor)
    g_object_get (meteor, "stats", &r->stats, NULL);
  if (pushed != n_frames) {
    g_printerr ("bench-fanout: %s: pushed %" G_GUINT64_FORMAT " of %u\n",
        f->label, pushed, n_frames);
    ok = FALSE;
  }

stop:
  gst_element_set_state (pipeline, GST_STATE_NULL);
  print_bus_warnings (bus, f->label);
  bench_release_pool (pool, r->pool_configured);
  gst_object_unref (srcpad);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  gst_caps_unref (caps);

  /* the pipeline is gone: no more probe or finalize callbacks */
  r->frames = MAX (pushed, 1);
  r->copies_per_frame = (gdouble)c.copies / r->frames;
  r->branch_buffers = c.branch_buffers;
  r->foreign_buffers = c.foreign_buffers;
  r->probe_bytes = c.bytes_copied;
  if (zero_copy && r->stats) {
    r->bytes_copied_per_frame =
        (gdouble)(bench_stat (r->stats, "bytes-copied") + c.bytes_copied) /
        r->frames;
    r->allocations_per_frame =
        (gdouble)bench_stat (r->stats, "allocations") / r->frames;
    /* buffers ever handed out: the others' ring pages were never touched */
    r->peak_buffers = bench_stat (r->stats, "buffers-used");
  } else {
    r->bytes_copied_per_frame = (gdouble)c.bytes_copied / r->frames;
    r->allocations_per_frame =
        (gdouble)(c.source_allocations + c.copies) / r->frames;
    r->peak_buffers = c.peak_alive;
  }
  g_mutex_clear (&c.lock);
  bench_source_wait_clear (&sw);
  return ok;
}

static void
print_row (const gchar *label, const gchar *metric, gint decimals, gdouble base,
    gdouble zc)
{
  gchar *b = g_strdup_printf ("%.*f", decimals, base);
  gchar *z = g_strdup_printf ("%.*f", decimals, zc);
  gchar *change = base != 0.0
                      ? g_strdup_printf ("%+.0f%%", (zc - base) / base * 100.0)
                      : g_strdup (zc == 0.0 ? "0%" : "n/a");

  g_print ("%-15s %-26s %12s %12s %8s\n", label, metric, b, z, change);
  g_free (b);
  g_free (z);
  g_free (change);
}

static gboolean
bench_format (const BenchFormat *f, guint n_frames)
{
  RunResult base, zc;
  GstVideoInfo info;
  gdouble floor_us;
  gboolean ok;

  gst_video_info_set_format (&info, f->format, f->width, f->height);
  g_print ("\n== %s: %" G_GSIZE_FORMAT " bytes/frame, %u frames, "
           "%d branches ==\n",
      f->label, GST_VIDEO_INFO_SIZE (&info), n_frames, N_BRANCHES);

  floor_us = memcpy_floor_us (GST_VIDEO_INFO_SIZE (&info), n_frames);
  g_print ("%-15s memcpy floor: %.1f us/frame (%.2f GB/s, warm buffers)\n",
      f->label, floor_us, GST_VIDEO_INFO_SIZE (&info) / floor_us / 1000.0);

  ok = run_config (f, FALSE, n_frames, &base);
  ok = run_config (f, TRUE, n_frames, &zc) && ok;
  if (!ok) {
    g_clear_pointer (&zc.stats, gst_structure_free);
    return FALSE;
  }

  g_print (
      "%-15s %-26s %12s %12s %8s\n", "", "", "baseline", "zero-copy", "change");
  print_row (f->label, "wall time/frame (us)", 1,
      (gdouble)base.wall_us / base.frames, (gdouble)zc.wall_us / zc.frames);
  print_row (f->label, "CPU time/frame (us)", 1,
      (gdouble)base.cpu_us / base.frames, (gdouble)zc.cpu_us / zc.frames);
  print_row (f->label, "bytes copied/frame", 0, base.bytes_copied_per_frame,
      zc.bytes_copied_per_frame);
  print_row (f->label, "frame copies/frame", 2, base.copies_per_frame,
      zc.copies_per_frame);
  print_row (f->label, "buffer allocations/frame", 3,
      base.allocations_per_frame, zc.allocations_per_frame);
  print_row (
      f->label, "frame buffers (peak)", 0, base.peak_buffers, zc.peak_buffers);

  g_print ("%-15s baseline: %" G_GUINT64_FORMAT " branch buffers, "
           "peak = most fresh buffers alive at once\n",
      f->label, base.branch_buffers);
  g_print ("%-15s zero-copy: %" G_GUINT64_FORMAT
           " branch buffers, %" G_GUINT64_FORMAT
           " not in the ring, probe copied %" G_GUINT64_FORMAT
           " bytes; peak = pool buffers ever used\n",
      f->label, zc.branch_buffers, zc.foreign_buffers, zc.probe_bytes);
  g_print ("%-15s zero-copy: pool from the ALLOCATION query: min %u, max %u, "
           "%s\n",
      f->label, zc.pool_min, zc.pool_max,
      zc.pool_configured ? "configured and activated by the bench"
                         : "already active");
  if (zc.stats) {
    g_print ("%-15s meteorpool: frames %" G_GUINT64_FORMAT
             ", zero-copy-frames %" G_GUINT64_FORMAT
             ", ingress-copies %" G_GUINT64_FORMAT
             ", downstream-copies %" G_GUINT64_FORMAT
             ", dropped %" G_GUINT64_FORMAT ", allocations %" G_GUINT64_FORMAT
             ", reuses %" G_GUINT64_FORMAT ", pool-size %" G_GUINT64_FORMAT
             ", max-in-use %" G_GUINT64_FORMAT ", "
             "acquire-waits %" G_GUINT64_FORMAT "\n",
        f->label, bench_stat (zc.stats, "frames"),
        bench_stat (zc.stats, "zero-copy-frames"),
        bench_stat (zc.stats, "ingress-copies"),
        bench_stat (zc.stats, "downstream-copies"),
        bench_stat (zc.stats, "dropped"), bench_stat (zc.stats, "allocations"),
        bench_stat (zc.stats, "reuses"), bench_stat (zc.stats, "pool-size"),
        bench_stat (zc.stats, "max-in-use"),
        bench_stat (zc.stats, "acquire-waits"));
  }
  if (zc.foreign_buffers > 0 || zc.probe_bytes > 0)
    g_print (
        "%-15s CHECK FAILED: the zero-copy branches saw copies\n", f->label);

  g_print ("%-15s CPU/frame zero-copy/baseline = %.2f (%.1f us vs %.1f us; "
           "baseline copies %.1f MB/s at %d fps)\n",
      f->label,
      base.cpu_us > 0 ? (gdouble)zc.cpu_us / zc.frames /
                            ((gdouble)base.cpu_us / base.frames)
                      : 0.0,
      (gdouble)zc.cpu_us / zc.frames, (gdouble)base.cpu_us / base.frames,
      base.bytes_copied_per_frame * FPS / 1e6, FPS);

  g_clear_pointer (&zc.stats, gst_structure_free);
  return zc.foreign_buffers == 0 && zc.probe_bytes == 0;
}

int
main (int argc, char **argv)
{
  gint frames = DEFAULT_FRAMES;
  gchar **rest = NULL;
  GOptionEntry entries[] = {
    { "frames", 'n', 0, G_OPTION_ARG_INT, &frames,
        "Frames per format and configuration (default 600)", "N" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, "[N]" },
    { NULL }
  };
  gboolean ok = TRUE;
  gint64 start;
  guint i;

  if (!bench_parse_options (WHO, "- deep-copy fan-out vs meteorpool zero-copy",
          entries, &argc, &argv))
    return EXIT_FAILURE;
  if (rest && rest[0]) {
    gchar *end;

    frames = (gint)g_ascii_strtoll (rest[0], &end, 10);
    if (*end != '\0' || rest[1] != NULL)
      frames = 0;
  }
  g_strfreev (rest);
  if (frames <= 0) {
    g_printerr ("bench-fanout: the frame count must be a positive number\n");
    return EXIT_FAILURE;
  }

  bench_ensure_plugins (BENCH_PLUGIN_PATH);
  g_print (
      "bench-fanout: 1 source -> tee -> %d x (queue max-size-buffers=%d "
      "! fakesink sync=false), %d frames per run\n"
      "  baseline:  appsrc (fresh buffer per frame) ! tee, each branch "
      "deep-copies\n"
      "  zero-copy: appsrc (frames from meteorpool's pool) ! meteorpool ! tee\n"
      "  change = (zero-copy - baseline) / baseline\n",
      N_BRANCHES, QUEUE_BUFFERS, frames);

  start = g_get_monotonic_time ();
  for (i = 0; i < G_N_ELEMENTS (formats); i++)
    ok = bench_format (&formats[i], frames) && ok;
  g_print ("\nbench-fanout: total run time %.1f s\n",
      (g_get_monotonic_time () - start) / 1e6);

  gst_deinit ();
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
