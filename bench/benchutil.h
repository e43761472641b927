/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: helpers shared by the pipeline benchmarks (bench-fanout,
 * bench-station). Header-only: each bench is one program. */
#ifndef __METEOR_BENCH_UTIL_H__
#define __METEOR_BENCH_UTIL_H__

#include <gst/app/app.h>
#include <gst/gst.h>
#include <gst/meteor/meteor.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>

/* CPU time of the whole process (every thread: source, queues, sinks). */
static inline gint64
bench_cpu_time_us (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (gint64)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC +
         ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* What a capture source does: asks downstream for a pool, and configures
 * and activates it unless someone already did. (appsrc's own start-up
 * query, in 1.22, carries no caps and gets no pool.) Returns a ref, or
 * NULL with the reason printed. */
static inline GstBufferPool *
bench_take_downstream_pool (const gchar *who, GstPad *srcpad, GstCaps *caps,
    const GstVideoInfo *info, guint *min, guint *max, gboolean *activated)
{
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  GstBufferPool *pool = NULL;
  GstStructure *config;
  guint size = 0;

  *activated = FALSE;
  if (!gst_pad_peer_query (srcpad, query) ||
      gst_query_get_n_allocation_pools (query) == 0) {
    g_printerr ("%s: downstream proposed no pool\n", who);
    goto done;
  }
  gst_query_parse_nth_allocation_pool (query, 0, &pool, &size, min, max);
  if (pool == NULL || !GST_IS_METEOR_BUFFER_POOL (pool)) {
    g_printerr ("%s: the first pool proposed is %s, not meteor's\n", who,
        pool ? G_OBJECT_TYPE_NAME (pool) : "none");
    g_clear_object (&pool);
    goto done;
  }
  if (gst_buffer_pool_is_active (pool))
    goto done;

  size = MAX (size, (guint)GST_VIDEO_INFO_SIZE (info));
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, size, *min, *max);
  if (gst_buffer_pool_has_option (pool, GST_BUFFER_POOL_OPTION_VIDEO_META))
    gst_buffer_pool_config_add_option (
        config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  /* set_config fails on a pool activated meanwhile: fine, it is usable */
  if ((!gst_buffer_pool_set_config (pool, config) &&
          !gst_buffer_pool_is_active (pool)) ||
      !gst_buffer_pool_set_active (pool, TRUE)) {
    g_printerr ("%s: cannot configure or activate the pool\n", who);
    g_clear_object (&pool);
    goto done;
  }
  *activated = TRUE;

done:
  gst_query_unref (query);
  return pool;
}

/* Undoes what bench_take_downstream_pool did; drops the ref. */
static inline void
bench_release_pool (GstBufferPool *pool, gboolean activated)
{
  if (pool == NULL)
    return;
  if (activated)
    gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
}

static inline gboolean
bench_has_factory (const gchar *name)
{
  GstElementFactory *f = gst_element_factory_find (name);

  if (f)
    gst_object_unref (f);
  return f != NULL;
}

/* An element, or exit with the reason printed. */
static inline GstElement *
bench_make (const gchar *who, const gchar *factory, const gchar *name)
{
  GstElement *e = gst_element_factory_make (factory, name);

  if (e == NULL) {
    g_printerr ("%s: no element '%s' (GST_PLUGIN_PATH=%s)\n", who, factory,
        g_getenv ("GST_PLUGIN_PATH"));
    exit (EXIT_FAILURE);
  }
  return e;
}

/* The source end of a fan-out in @pipeline: appsrc (@caps, at most 2
 * buffers queued, blocking: the producer runs at the pipeline's pace),
 * then meteorpool when @zero_copy, then a tee. Returns the tee; @meteor is
 * NULL in the baseline. */
static inline GstElement *
bench_add_source (const gchar *who, GstElement *pipeline, GstCaps *caps,
    gboolean zero_copy, GstElement **src, GstElement **meteor)
{
  GstElement *tee = bench_make (who, "tee", "t");
  GstElement *upstream;

  *src = bench_make (who, "appsrc", "src");
  *meteor = NULL;
  gst_app_src_set_caps (GST_APP_SRC (*src), caps);
  gst_app_src_set_max_buffers (GST_APP_SRC (*src), 2);
  g_object_set (*src, "format", GST_FORMAT_TIME, "block", TRUE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), *src, tee, NULL);
  upstream = *src;
  if (zero_copy) {
    *meteor = bench_make (who, "meteorpool", "pool");
    gst_bin_add (GST_BIN (pipeline), *meteor);
    gst_element_link (*src, *meteor);
    upstream = *meteor;
  }
  gst_element_link (upstream, tee);
  return tee;
}

/* A queue holding exactly @max_buffers frames, whatever their size. */
static inline GstElement *
bench_make_queue (const gchar *who, guint max_buffers)
{
  GstElement *queue = bench_make (who, "queue", NULL);

  g_object_set (queue, "max-size-buffers", max_buffers, "max-size-bytes", 0,
      "max-size-time", (guint64)0, NULL);
  return queue;
}

/* Set at appsrc's first need-data: its start-up negotiation (and its own
 * allocation query) is over and it waits for frames. */
typedef struct {
  GMutex lock;
  GCond cond;
  gboolean started;
} BenchSourceWait;

static inline void
bench_source_need_data (GstAppSrc *src, guint length, gpointer user_data)
{
  BenchSourceWait *w = user_data;

  g_mutex_lock (&w->lock);
  w->started = TRUE;
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->lock);
}

/* Watches @src's first need-data; @w lives until bench_source_wait_clear,
 * after the pipeline is gone. */
static inline void
bench_source_wait_init (BenchSourceWait *w, GstElement *src)
{
  GstAppSrcCallbacks callbacks = { NULL };

  memset (w, 0, sizeof (*w));
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  callbacks.need_data = bench_source_need_data;
  gst_app_src_set_callbacks (GST_APP_SRC (src), &callbacks, w, NULL);
}

/* Until appsrc started, or @timeout_us passed. */
static inline void
bench_source_wait_started (BenchSourceWait *w, gint64 timeout_us)
{
  gint64 until = g_get_monotonic_time () + timeout_us;

  g_mutex_lock (&w->lock);
  while (!w->started)
    if (!g_cond_wait_until (&w->cond, &w->lock, until))
      break;
  g_mutex_unlock (&w->lock);
}

static inline void
bench_source_wait_clear (BenchSourceWait *w)
{
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->cond);
}

/* Counters of a fan-out's branches, shared with the streaming threads (the
 * probes, buffer finalization): all under the lock. */
typedef struct {
  GMutex lock;
  gboolean zero_copy;
  gboolean track_copies; /* baseline: follow each copy until it is freed */
  guint64 source_allocations;
  guint64 copies;
  guint64 bytes_copied;
  guint64 branch_buffers;
  guint64 foreign_buffers; /* zero-copy: branch buffers not in the ring */
  guint alive;             /* baseline: tracked buffers not yet freed */
  guint peak_alive;
} BenchCounters;

static inline void
bench_buffer_freed (gpointer user_data, GstMiniObject *obj)
{
  BenchCounters *c = user_data;

  g_mutex_lock (&c->lock);
  c->alive--;
  g_mutex_unlock (&c->lock);
}

/* Follows a freshly allocated frame buffer until it is freed, for the peak
 * number alive. */
static inline void
bench_track_buffer (BenchCounters *c, GstBuffer *buf)
{
  gst_mini_object_weak_ref (GST_MINI_OBJECT_CAST (buf), bench_buffer_freed, c);
  g_mutex_lock (&c->lock);
  c->alive++;
  c->peak_alive = MAX (c->peak_alive, c->alive);
  g_mutex_unlock (&c->lock);
}

/* On each branch's queue src pad. Baseline: replaces the frame with the
 * branch's own deep copy, as each seed subscriber did. Zero-copy: copies
 * nothing, checks the frame is still in the ring. */
static inline GstPadProbeReturn
bench_branch_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  BenchCounters *c = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gsize size = gst_buffer_get_size (buf);
  gboolean in_ring = TRUE;

  if (c->zero_copy) {
    in_ring = gst_buffer_n_memory (buf) > 0 &&
              gst_is_meteor_ring_memory (gst_buffer_peek_memory (buf, 0));
  } else {
    GstBuffer *copy = gst_buffer_copy_deep (buf);

    if (c->track_copies)
      bench_track_buffer (c, copy);
    gst_buffer_unref (buf);
    GST_PAD_PROBE_INFO_DATA (info) = copy;
  }
  g_mutex_lock (&c->lock);
  c->branch_buffers++;
  if (!in_ring)
    c->foreign_buffers++;
  if (!c->zero_copy) {
    c->copies++;
    c->bytes_copied += size;
  }
  g_mutex_unlock (&c->lock);
  return GST_PAD_PROBE_OK;
}

static inline void
bench_probe_pad (GstElement *element, const gchar *pad_name,
    GstPadProbeCallback probe, gpointer user_data)
{
  GstPad *pad = gst_element_get_static_pad (element, pad_name);

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, probe, user_data, NULL);
  gst_object_unref (pad);
}

/* @msg is the EOS or ERROR that ended a run: FALSE, with the error printed
 * (prefixed "@who: @label: ", @label may be NULL), if it is an error. */
static inline gboolean
bench_check_end (GstMessage *msg, const gchar *who, const gchar *label)
{
  GError *err = NULL;
  gchar *dbg = NULL;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ERROR)
    return TRUE;
  gst_message_parse_error (msg, &err, &dbg);
  g_printerr ("%s: %s%serror from %s: %s%s%s%s\n", who, label ? label : "",
      label ? ": " : "", GST_MESSAGE_SRC_NAME (msg), err->message,
      dbg ? " (" : "", dbg ? dbg : "", dbg ? ")" : "");
  g_error_free (err);
  g_free (dbg);
  return FALSE;
}

/* Ends a run: end of stream from appsrc @src, then waits for it (or an
 * error) on @bus; the wall and CPU time since @wall0, @cpu0 go to
 * @wall_us, @cpu_us. FALSE, with the error printed, if one came. */
static inline gboolean
bench_finish_run (GstElement *src, GstBus *bus, gint64 wall0, gint64 cpu0,
    gint64 *wall_us, gint64 *cpu_us, const gchar *who, const gchar *label)
{
  GstMessage *msg;
  gboolean ok;

  gst_app_src_end_of_stream (GST_APP_SRC (src));
  msg = gst_bus_timed_pop_filtered (
      bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  *wall_us = g_get_monotonic_time () - wall0;
  *cpu_us = bench_cpu_time_us () - cpu0;
  ok = bench_check_end (msg, who, label);
  gst_message_unref (msg);
  return ok;
}

/* A counter of a stats structure (guint64 or guint), 0 when absent. */
static inline guint64
bench_stat (const GstStructure *s, const gchar *field)
{
  const GValue *v = s ? gst_structure_get_value (s, field) : NULL;

  if (v && G_VALUE_HOLDS_UINT64 (v))
    return g_value_get_uint64 (v);
  if (v && G_VALUE_HOLDS_UINT (v))
    return g_value_get_uint (v);
  return 0;
}

/* Parses the command line (with GStreamer's options, which also runs
 * gst_init); FALSE with the reason printed. */
static inline gboolean
bench_parse_options (const gchar *who, const gchar *summary,
    const GOptionEntry *entries, int *argc, char ***argv)
{
  GOptionContext *ctx = g_option_context_new (summary);
  GError *error = NULL;
  gboolean ok;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, &error);
  if (!ok) {
    g_printerr ("%s: %s\n", who, error->message);
    g_error_free (error);
  }
  g_option_context_free (ctx);
  return ok;
}

/* Lets a bench run from the build tree without GST_PLUGIN_PATH: scans
 * @fallback_path (':'-separated) when meteorpool is not found. */
static inline void
bench_ensure_plugins (const gchar *fallback_path)
{
  gchar **dirs;
  guint i;

  if (bench_has_factory ("meteorpool"))
    return;
  dirs = g_strsplit (fallback_path, ":", -1);
  for (i = 0; dirs[i]; i++)
    if (dirs[i][0])
      gst_registry_scan_path (gst_registry_get (), dirs[i]);
  g_strfreev (dirs);
}

#endif /* __METEOR_BENCH_UTIL_H__ */
