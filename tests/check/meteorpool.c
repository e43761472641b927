/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteorpool element tests
 *
 * Zero-copy is asserted, not assumed: every branch of a tee must see the
 * same GstMemory for a frame, pooled frames must reuse the same ring slots,
 * and the element's copy and allocation counters must say so too.
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include "meteortest.h"
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/meteor/meteor.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define MAX_FRAMES 1000
#define MAX_BRANCHES 8

/* ------------------------------------------------------------ helpers */

/* Plays @pipeline to EOS (or @stop_type), failing on an ERROR; returns the
 * meteorpool-stats element message if one came. */
static GstStructure *
play_to_eos (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstStructure *stats = NULL;
  gboolean done = FALSE;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
               GST_STATE_CHANGE_FAILURE);
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);

    fail_unless (msg != NULL, "timeout waiting for EOS");
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ERROR: {
        GError *err = NULL;
        gchar *dbg = NULL;

        gst_message_parse_error (msg, &err, &dbg);
        fail ("error from %s: %s (%s)", GST_OBJECT_NAME (msg->src),
            err->message, dbg ? dbg : "");
        break;
      }
      case GST_MESSAGE_ELEMENT:
        if (gst_message_has_name (msg, "meteorpool-stats")) {
          fail_unless (stats == NULL, "two meteorpool-stats messages");
          stats = gst_structure_copy (gst_message_get_structure (msg));
        }
        break;
      default:
        done = TRUE;
        break;
    }
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return stats;
}

static GstStructure *
pool_stats (GstElement *pipeline)
{
  GstElement *pool = gst_bin_get_by_name (GST_BIN (pipeline), "p");
  GstStructure *stats = NULL;

  fail_unless (pool != NULL);
  g_object_get (pool, "stats", &stats, NULL);
  gst_object_unref (pool);
  fail_unless (stats != NULL);
  return stats;
}

/* ------------------------------------------- frames seen per branch */

typedef struct {
  GMutex lock;
  guint n_branches;
  guint count[MAX_BRANCHES];
  GstMemory *mem[MAX_BRANCHES][MAX_FRAMES];
  gpointer data[MAX_BRANCHES][MAX_FRAMES];
  guint64 frame_id[MAX_BRANCHES][MAX_FRAMES];
  gdouble gain[MAX_BRANCHES][MAX_FRAMES];
  gboolean ring[MAX_BRANCHES][MAX_FRAMES];
  GstMeteorFrameMeta meta[MAX_BRANCHES][MAX_FRAMES];
  gboolean has_meta[MAX_BRANCHES][MAX_FRAMES];
} Seen;

static void
record (Seen *seen, guint branch, GstBuffer *buf)
{
  GstMeteorFrameMeta *meta = gst_buffer_get_meteor_frame_meta (buf);
  GstMemory *mem = gst_buffer_peek_memory (buf, 0);
  GstMapInfo map;
  guint i;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  g_mutex_lock (&seen->lock);
  i = seen->count[branch]++;
  fail_unless (i < MAX_FRAMES);
  seen->mem[branch][i] = mem;
  seen->data[branch][i] = map.data;
  seen->ring[branch][i] = gst_is_meteor_ring_memory (mem);
  seen->has_meta[branch][i] = meta != NULL;
  if (meta) {
    seen->meta[branch][i] = *meta;
    seen->frame_id[branch][i] = meta->frame_id;
  }
  g_mutex_unlock (&seen->lock);
  gst_buffer_unmap (buf, &map);
}

static void
on_handoff (GstElement *sink, GstBuffer *buf, GstPad *pad, Seen *seen)
{
  guint branch =
      GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (sink), "branch"));

  record (seen, branch, buf);
}

static void
watch_sinks (GstElement *pipeline, Seen *seen, guint n)
{
  guint b;

  seen->n_branches = n;
  for (b = 0; b < n; b++) {
    gchar *name = g_strdup_printf ("s%u", b);
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), name);

    fail_unless (sink != NULL, "no sink %s", name);
    g_object_set_data (G_OBJECT (sink), "branch", GUINT_TO_POINTER (b));
    g_object_set (sink, "signal-handoffs", TRUE, NULL);
    g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), seen);
    gst_object_unref (sink);
    g_free (name);
  }
}

static Seen *
seen_new (void)
{
  Seen *seen = g_new0 (Seen, 1);

  g_mutex_init (&seen->lock);
  return seen;
}

static void
seen_free (Seen *seen)
{
  g_mutex_clear (&seen->lock);
  g_free (seen);
}

/* videotestsrc → meteorpool → tee → @n branches of queue → fakesink */
static gchar *
fanout_pipeline (const gchar *src, const gchar *pool_props, guint n,
    const gchar *branch_middle)
{
  GString *desc = g_string_new (NULL);
  guint b;

  g_string_append_printf (
      desc, "%s ! meteorpool name=p %s ! tee name=t", src, pool_props);
  for (b = 0; b < n; b++)
    g_string_append_printf (desc,
        " t. ! queue max-size-buffers=4 ! %s "
        "fakesink name=s%u sync=false",
        branch_middle, b);
  return g_string_free (desc, FALSE);
}

/* ------------------------------------------------------------- tests */

static void
check_fanout (guint n_branches)
{
  const guint n = 60;
  gchar *desc = fanout_pipeline ("videotestsrc num-buffers=60 pattern=ball ! "
                                 "video/x-raw,format=RGB,width=640,height=480",
      "", n_branches, "");
  GstElement *pipeline = meteor_test_parse (desc);
  Seen *seen = seen_new ();
  GstStructure *eos_stats, *stats;
  guint b, i;

  watch_sinks (pipeline, seen, n_branches);
  eos_stats = play_to_eos (pipeline);
  stats = pool_stats (pipeline);

  for (b = 0; b < n_branches; b++)
    fail_unless_equals_int (seen->count[b], n);
  for (i = 0; i < n; i++) {
    fail_unless (seen->ring[0][i], "frame %u is not in the ring", i);
    fail_unless_equals_uint64 (seen->frame_id[0][i], i);
    for (b = 1; b < n_branches; b++) {
      /* the very same GstMemory, the very same bytes */
      fail_unless (seen->mem[b][i] == seen->mem[0][i],
          "frame %u: branch %u has another GstMemory", i, b);
      fail_unless (seen->data[b][i] == seen->data[0][i],
          "frame %u: branch %u has another data pointer", i, b);
      fail_unless_equals_uint64 (seen->frame_id[b][i], i);
    }
  }

  fail_unless (eos_stats != NULL, "no meteorpool-stats message at EOS");
  fail_unless_equals_uint64 (meteor_test_stat (eos_stats, "frames"), n);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "frames"), n);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "zero-copy-frames"), n);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "ingress-copies"), 0);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "bytes-copied"), 0);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "downstream-copies"), 0);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "dropped"), 0);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_structure_free (eos_stats);
  gst_structure_free (stats);
  gst_object_unref (pipeline);
  seen_free (seen);
  g_free (desc);
}

GST_START_TEST (test_zero_copy_fanout_3)
{
  check_fanout (3);
}

GST_END_TEST;

GST_START_TEST (test_zero_copy_fanout_8)
{
  check_fanout (8);
}

GST_END_TEST;

GST_START_TEST (test_pool_reuse_1000_frames)
{
  const guint n = 1000;
  gchar *desc = fanout_pipeline (
      "videotestsrc num-buffers=1000 "
      "pattern=black ! video/x-raw,format=RGB,width=640,height=480",
      "", 1, "");
  GstElement *pipeline = meteor_test_parse (desc);
  Seen *seen = seen_new ();
  GHashTable *addresses = g_hash_table_new (NULL, NULL);
  GstStructure *stats, *eos_stats;
  guint64 allocations;
  guint i;

  watch_sinks (pipeline, seen, 1);
  eos_stats = play_to_eos (pipeline);
  stats = pool_stats (pipeline);
  fail_unless_equals_int (seen->count[0], n);

  for (i = 0; i < n; i++) {
    fail_unless (seen->ring[0][i], "frame %u is not in the ring", i);
    g_hash_table_add (addresses, seen->data[0][i]);
  }

  /* the pool is allocated whole at start (default max-buffers 16) and never
   * again: 0 allocations per frame */
  allocations = meteor_test_stat (stats, "allocations");
  fail_unless_equals_uint64 (allocations, 16);
  fail_unless_equals_uint64 (
      meteor_test_stat (stats, "pool-size"), allocations);
  /* the buffer just returned is the next handed out: 1,000 frames live in
   * no more slots than were ever out at once, each slot reused over and
   * over at the same address */
  fail_unless (
      g_hash_table_size (addresses) <= meteor_test_stat (stats, "max-in-use"),
      "%u addresses, %u in use at most", g_hash_table_size (addresses),
      (guint)meteor_test_stat (stats, "max-in-use"));
  fail_unless_equals_uint64 (
      meteor_test_stat (stats, "reuses"), n - g_hash_table_size (addresses));
  fail_unless_equals_uint64 (meteor_test_stat (stats, "zero-copy-frames"), n);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "ring-overflows"), 0);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_hash_table_unref (addresses);
  gst_structure_free (eos_stats);
  gst_structure_free (stats);
  gst_object_unref (pipeline);
  seen_free (seen);
  g_free (desc);
}

GST_END_TEST;

/* A sink whose pad answers the allocation query: it holds
 * GPOINTER_TO_UINT (@data) buffers. */
static GstPadProbeReturn
hold_buffers (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);

  if (GST_QUERY_TYPE (query) != GST_QUERY_ALLOCATION)
    return GST_PAD_PROBE_OK;
  gst_query_add_allocation_pool (query, NULL, 0, GPOINTER_TO_UINT (data), 0);
  return GST_PAD_PROBE_HANDLED;
}

typedef enum {
  COPIED,    /* once, into meteorpool's ring: ingress-copies */
  WRAPPED,   /* passed as they are: wrapped-frames */
  ZERO_COPY, /* already in a ring: zero-copy-frames */
} Ingress;

#define FOREIGN_CAPS "video/x-raw,format=GRAY8,width=64,height=48"

/* A frame for appsrc: plain memory (@from NULL), from an allocator, or from
 * a buffer pool. */
static GstBuffer *
upstream_buffer (GstObject *from, gsize size)
{
  GstBuffer *buf = NULL;

  if (from == NULL || GST_IS_ALLOCATOR (from))
    return gst_buffer_new_allocate ((GstAllocator *)from, size, NULL);
  fail_unless_equals_int (
      gst_buffer_pool_acquire_buffer (GST_BUFFER_POOL (from), &buf, NULL),
      GST_FLOW_OK);
  return buf;
}

/* An active upstream pool of FOREIGN_CAPS frames, at most @max (0: no
 * bound): a GstVideoBufferPool, or another meteor ring pool. */
static GstObject *
upstream_pool (gboolean meteor, guint max)
{
  GstBufferPool *pool =
      meteor ? gst_meteor_buffer_pool_new () : gst_video_buffer_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstCaps *caps = gst_caps_from_string (FOREIGN_CAPS);

  gst_buffer_pool_config_set_params (config, caps, 64 * 48, 1, max);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  gst_caps_unref (caps);
  return GST_OBJECT (pool);
}

/* appsrc pushes frames made by upstream_buffer (@from) through meteorpool
 * ingress=@ingress to an appsink holding @held buffers (through the
 * allocation query; 0: no answer; it holds its preroll frame too), one
 * frame at a time; each must arrive as
 * @expect says (memory identity, ring memory, pixels) and the counters
 * must say the same. */
static void
check_ingress (
    const gchar *ingress, GstObject *from, guint held, Ingress expect)
{
  const guint n = 20, size = 64 * 48;
  gchar *desc = g_strdup_printf (
      "appsrc name=src format=time caps=" FOREIGN_CAPS ",framerate=30/1 ! "
      "meteorpool name=p ingress=%s ! "
      "appsink name=sink sync=false enable-last-sample=false",
      ingress);
  GstElement *pipeline = meteor_test_parse (desc);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstPad *sinkpad = gst_element_get_static_pad (sink, "sink");
  GstStructure *stats;
  guint i;

  if (held)
    gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
        hold_buffers, GUINT_TO_POINTER (held), NULL);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
               GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < n; i++) {
    GstBuffer *buf = upstream_buffer (from, size), *out;
    GstMemory *in_mem = gst_buffer_peek_memory (buf, 0), *mem;
    GstMeteorFrameMeta *meta;
    GstSample *sample;
    GstMapInfo map;

    gst_buffer_memset (buf, 0, (guint8)(i * 7), size);
    GST_BUFFER_PTS (buf) = i * GST_SECOND / 30;
    GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
    fail_unless_equals_int (
        gst_app_src_push_buffer (GST_APP_SRC (src), buf), GST_FLOW_OK);
    sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 30 * GST_SECOND);
    fail_unless (sample != NULL, "frame %u missing", i);

    out = gst_sample_get_buffer (sample);
    mem = gst_buffer_peek_memory (out, 0);
    meta = gst_buffer_get_meteor_frame_meta (out);
    fail_unless (meta != NULL);
    fail_unless_equals_uint64 (meta->frame_id, i);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * GST_SECOND / 30);
    /* in_mem is compared, never read: a copied frame's may be gone */
    fail_unless ((mem == in_mem) == (expect != COPIED), "frame %u: %s", i,
        expect == COPIED ? "not copied" : "copied");
    fail_unless (gst_is_meteor_ring_memory (mem) == (expect != WRAPPED),
        "frame %u: %s", i, expect == WRAPPED ? "in a ring" : "not in a ring");
    fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
    fail_unless_equals_int (map.data[0], (guint8)(i * 7));
    fail_unless_equals_int (map.data[size - 1], (guint8)(i * 7));
    gst_buffer_unmap (out, &map);
    gst_sample_unref (sample);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));

  stats = pool_stats (pipeline);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "frames"), n);
  fail_unless_equals_uint64 (
      meteor_test_stat (stats, "ingress-copies"), expect == COPIED ? n : 0);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "bytes-copied"),
      expect == COPIED ? n * size : 0);
  fail_unless_equals_uint64 (
      meteor_test_stat (stats, "wrapped-frames"), expect == WRAPPED ? n : 0);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "zero-copy-frames"),
      expect == ZERO_COPY ? n : 0);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_structure_free (stats);
  gst_object_unref (sinkpad);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  if (from && GST_IS_BUFFER_POOL (from))
    fail_unless (gst_buffer_pool_set_active (GST_BUFFER_POOL (from), FALSE));
  gst_clear_object (&from);
}

/* appsrc pushing its own (foreign, freshly allocated) buffers */
GST_START_TEST (test_foreign_upstream_copied_once)
{
  check_ingress ("auto", NULL, 0, COPIED);
  check_ingress ("copy", NULL, 0, COPIED);
}

GST_END_TEST;

GST_START_TEST (test_foreign_upstream_wrapped)
{
  check_ingress ("wrap", NULL, 0, WRAPPED);
}

GST_END_TEST;

/* ingress=auto with frames from another pool: they pass as they are when
 * the pool is unbounded or has at least what downstream holds plus the 2 in
 * flight (downstream can hold them without starving upstream); from a
 * smaller pool they are copied once. */
GST_START_TEST (test_ingress_auto_pooled_upstream)
{
  check_ingress ("auto", upstream_pool (FALSE, 0), 4, WRAPPED);
  check_ingress ("auto", upstream_pool (FALSE, 6), 4, WRAPPED);
  check_ingress ("auto", upstream_pool (FALSE, 5), 4, COPIED);
  check_ingress ("auto", upstream_pool (FALSE, 2), 0, WRAPPED);
  check_ingress ("auto", upstream_pool (FALSE, 1), 0, COPIED);
}

GST_END_TEST;

/* Frames already in a ring (another meteor pool's, however small, or ring
 * memory without a pool) are never copied, whatever ingress says. */
GST_START_TEST (test_ingress_ring_upstream_zero_copy)
{
  GError *error = NULL;

  check_ingress ("auto", upstream_pool (TRUE, 2), 4, ZERO_COPY);
  check_ingress ("copy", upstream_pool (TRUE, 2), 4, ZERO_COPY);
  check_ingress ("auto",
      GST_OBJECT (gst_meteor_ring_allocator_new (
          GST_METEOR_RING_BACKING_MEMFD, NULL, 64 * 48, 4, &error)),
      4, ZERO_COPY);
  g_assert_no_error (error);
}

GST_END_TEST;

GST_START_TEST (test_meta_through_tee_queue_transforms)
{
  const guint n = 50;
  gchar *desc = fanout_pipeline (
      "videotestsrc num-buffers=50 ! "
      "video/x-raw,format=GRAY8,width=64,height=48,framerate=30/1",
      "camera-id=cam7 gain=2.5 exposure-time=20000 temperature=-3.5", 3,
      "identity ! videoflip method=horizontal-flip !");
  GstElement *pipeline = meteor_test_parse (desc);
  Seen *seen = seen_new ();
  GstClockTime before = g_get_real_time () * 1000, after;
  GstStructure *eos_stats;
  guint b, i;

  watch_sinks (pipeline, seen, 3);
  eos_stats = play_to_eos (pipeline);
  after = g_get_real_time () * 1000;

  for (b = 0; b < 3; b++) {
    fail_unless_equals_int (seen->count[b], n);
    for (i = 0; i < n; i++) {
      GstMeteorFrameMeta *m = &seen->meta[b][i];

      fail_unless (seen->has_meta[b][i], "branch %u frame %u: no meta", b, i);
      /* no gaps, in order */
      fail_unless_equals_uint64 (m->frame_id, i);
      fail_unless_equals_string (m->camera_id, "cam7");
      fail_unless_equals_float (m->gain, 2.5);
      fail_unless_equals_uint64 (m->exposure_time_us, 20000);
      fail_unless_equals_float (m->temperature_c, -3.5);
      fail_unless (
          m->capture_time_utc >= before && m->capture_time_utc <= after,
          "capture time out of the run");
      if (i > 0)
        fail_unless (
            m->capture_time_utc >= seen->meta[b][i - 1].capture_time_utc);
    }
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_structure_free (eos_stats);
  gst_object_unref (pipeline);
  seen_free (seen);
  g_free (desc);
}

GST_END_TEST;

typedef struct {
  GstElement *pool;
  guint64 switch_at;
} GainSwitch;

static void
switch_gain (GstElement *sink, GstBuffer *buf, GstPad *pad, GainSwitch *gs)
{
  GstMeteorFrameMeta *meta = gst_buffer_get_meteor_frame_meta (buf);

  if (meta && meta->frame_id == gs->switch_at)
    g_object_set (gs->pool, "gain", 8.0, NULL);
}

GST_START_TEST (test_gain_changes_while_playing)
{
  const guint n = 60;
  gchar *desc = fanout_pipeline (
      "videotestsrc num-buffers=60 ! "
      "video/x-raw,format=GRAY8,width=64,height=48,framerate=30/1",
      "", 1, "");
  GstElement *pipeline = meteor_test_parse (desc);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "s0");
  Seen *seen = seen_new ();
  GainSwitch gs = { NULL, 20 };
  GstStructure *eos_stats;
  gboolean switched = FALSE;
  guint i;

  gs.pool = gst_bin_get_by_name (GST_BIN (pipeline), "p");
  watch_sinks (pipeline, seen, 1);
  g_signal_connect (sink, "handoff", G_CALLBACK (switch_gain), &gs);
  eos_stats = play_to_eos (pipeline);

  fail_unless_equals_int (seen->count[0], n);
  for (i = 0; i < n; i++) {
    gdouble gain = seen->meta[0][i].gain;

    if (i <= gs.switch_at)
      fail_unless_equals_float (gain, 1.0);
    if (gain == 8.0)
      switched = TRUE;
    else
      fail_if (switched, "frame %u went back to gain %f", i, gain);
  }
  fail_unless (switched, "the new gain never reached a frame");
  fail_unless_equals_float (seen->meta[0][n - 1].gain, 8.0);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_structure_free (eos_stats);
  gst_object_unref (gs.pool);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  seen_free (seen);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_temperature_file)
{
  gchar *dir = g_dir_make_tmp ("meteor-temp-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "temp", NULL);
  gchar *desc;
  GstElement *pipeline;
  Seen *seen = seen_new ();
  GString *warnings = g_string_new (NULL);
  GstStructure *eos_stats;
  GstBus *bus;
  GstMessage *msg;

  fail_unless (g_file_set_contents (path, "41500\n", -1, NULL));
  desc = fanout_pipeline ("videotestsrc num-buffers=5 ! "
                          "video/x-raw,format=GRAY8,width=16,height=16",
      "temperature=20", 1, "");
  pipeline = meteor_test_parse (desc);
  watch_sinks (pipeline, seen, 1);
  {
    GstElement *pool = gst_bin_get_by_name (GST_BIN (pipeline), "p");
    g_object_set (pool, "temperature-file", path, NULL);
    gst_object_unref (pool);
  }
  eos_stats = play_to_eos (pipeline);
  fail_unless_equals_int (seen->count[0], 5);
  /* millidegrees from a sysfs-style node override the property */
  fail_unless_equals_float (seen->meta[0][4].temperature_c, 41.5);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_structure_free (eos_stats);
  gst_object_unref (pipeline);
  g_free (desc);

  /* a file that gives no temperature: a warning naming it, NaN in meta */
  g_unlink (path);
  memset (seen->count, 0, sizeof (seen->count));
  desc = fanout_pipeline ("videotestsrc num-buffers=3 ! "
                          "video/x-raw,format=GRAY8,width=16,height=16",
      "", 1, "");
  pipeline = meteor_test_parse (desc);
  watch_sinks (pipeline, seen, 1);
  {
    GstElement *pool = gst_bin_get_by_name (GST_BIN (pipeline), "p");
    g_object_set (pool, "temperature-file", path, NULL);
    gst_object_unref (pool);
  }
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_WARNING | GST_MESSAGE_ERROR))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);

    if (type == GST_MESSAGE_WARNING) {
      GError *err = NULL;

      gst_message_parse_warning (msg, &err, NULL);
      g_string_append (warnings, err->message);
      g_clear_error (&err);
    }
    gst_message_unref (msg);
    fail_if (type == GST_MESSAGE_ERROR);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  fail_unless (strstr (warnings->str, path) != NULL, "no warning names %s: %s",
      path, warnings->str);
  fail_unless_equals_int (seen->count[0], 3);
  fail_unless (isnan (seen->meta[0][0].temperature_c));

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_string_free (warnings, TRUE);
  g_rmdir (dir);
  g_free (desc);
  g_free (path);
  g_free (dir);
  seen_free (seen);
}

GST_END_TEST;

GST_START_TEST (test_compressed_pass_through)
{
  GstElement *pipeline = meteor_test_parse (
      "appsrc name=src format=time "
      "caps=image/jpeg,width=64,height=48,framerate=30/1 ! "
      "meteorpool name=p camera-id=jpegcam ! appsink name=sink sync=false");
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstMemory *in_mem[5];
  GstStructure *stats;
  guint i;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
               GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < 5; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, 100 + i * 10, NULL);

    gst_buffer_memset (buf, 0, 0xff, 100 + i * 10);
    in_mem[i] = gst_memory_ref (gst_buffer_peek_memory (buf, 0));
    fail_unless_equals_int (
        gst_app_src_push_buffer (GST_APP_SRC (src), buf), GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  for (i = 0; i < 5; i++) {
    GstSample *sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
    GstBuffer *out = gst_sample_get_buffer (sample);
    GstMeteorFrameMeta *meta = gst_buffer_get_meteor_frame_meta (out);

    fail_unless (gst_buffer_peek_memory (out, 0) == in_mem[i]);
    fail_unless (meta != NULL);
    fail_unless_equals_uint64 (meta->frame_id, i);
    fail_unless_equals_string (meta->camera_id, "jpegcam");
    gst_sample_unref (sample);
  }
  stats = pool_stats (pipeline);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "frames"), 5);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "ingress-copies"), 0);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "bytes-copied"), 0);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  for (i = 0; i < 5; i++)
    gst_memory_unref (in_mem[i]);
  gst_structure_free (stats);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* A downstream that holds 20 buffers, answered through the allocation
 * query, must reach meteorpool's proposed pool as min-buffers. */
static gboolean
holding_sink_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION) {
    gst_query_add_allocation_pool (query, NULL, 0, 20, 0);
    gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

GST_START_TEST (test_propose_allocation_grows_with_downstream)
{
  GstElement *pool = gst_element_factory_make ("meteorpool", NULL);
  GstPad *sinkpad, *srcpad, *peer;
  GstCaps *caps = gst_caps_from_string ("video/x-raw,format=NV12,"
                                        "width=320,height=240,framerate=30/1");
  GstQuery *query;
  GstBufferPool *proposed = NULL;
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  guint size, min, max;

  gst_element_set_bus (pool, bus);
  g_object_set (pool, "max-buffers", 8, NULL);
  peer = gst_pad_new ("peer", GST_PAD_SINK);
  gst_pad_set_query_function (peer, holding_sink_query);
  srcpad = gst_element_get_static_pad (pool, "src");
  fail_unless_equals_int (gst_pad_link (srcpad, peer), GST_PAD_LINK_OK);
  gst_pad_set_active (peer, TRUE);
  fail_unless (gst_element_set_state (pool, GST_STATE_PAUSED) !=
               GST_STATE_CHANGE_FAILURE);

  sinkpad = gst_element_get_static_pad (pool, "sink");
  query = gst_query_new_allocation (caps, TRUE);
  fail_unless (gst_pad_query (sinkpad, query));
  fail_unless (gst_query_get_n_allocation_pools (query) >= 1);
  gst_query_parse_nth_allocation_pool (query, 0, &proposed, &size, &min, &max);
  fail_unless (GST_IS_METEOR_BUFFER_POOL (proposed));
  fail_unless_equals_int (size, 320 * 240 * 3 / 2);
  fail_unless_equals_int (min, 22); /* 20 held downstream + 2 in flight */
  fail_unless_equals_int (max, 22); /* max-buffers=8 raised to fit */
  /* downstream's video meta support is passed on */
  fail_unless (
      gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL));

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning about max-buffers");
  {
    GError *err = NULL;
    gst_message_parse_warning (msg, &err, NULL);
    fail_unless (
        strstr (err->message, "max-buffers=8") != NULL, "%s", err->message);
    g_clear_error (&err);
  }
  gst_message_unref (msg);

  gst_element_set_state (pool, GST_STATE_NULL);
  gst_object_unref (proposed);
  gst_query_unref (query);
  gst_caps_unref (caps);
  gst_pad_unlink (srcpad, peer);
  gst_object_unref (srcpad);
  gst_object_unref (sinkpad);
  gst_object_unref (peer);
  gst_element_set_bus (pool, NULL);
  gst_object_unref (bus);
  gst_object_unref (pool);
}

GST_END_TEST;

/* @caps ! meteorpool ! queue ! fakesink name=greedy, greedy holding @held
 * buffers: the first error must be meteorpool's, and name @held, the
 * elements that asked and @limit. */
static void
check_too_many_held (const gchar *caps, guint held, const gchar *limit)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=5 ! %s ! "
                                 "meteorpool name=p ! queue name=q ! "
                                 "fakesink name=greedy",
      caps);
  GstElement *pipeline = meteor_test_parse (desc);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "greedy");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  gchar *number = g_strdup_printf ("hold %u buffers", held);
  gchar *text;

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM, hold_buffers,
      GUINT_TO_POINTER (held), NULL);
  text = meteor_test_expect_error (pipeline, NULL, NULL);
  fail_unless (strstr (text, number) && strstr (text, "q ! greedy") &&
                   strstr (text, limit),
      "unclear error: %s", text);

  g_free (text);
  g_free (number);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
}

/* A downstream that asks, through the allocation query, to hold more than a
 * pool may have or more frames than fit in RAM: meteorpool's error says so,
 * not a bare not-negotiated. */
GST_START_TEST (test_downstream_holds_too_many)
{
  check_too_many_held (
      "video/x-raw,format=GRAY8,width=64,height=48", G_MAXINT, "at most 65536");
  check_too_many_held (
      "video/x-raw,format=GRAY8,width=64,height=48", 65535, "at most 65536");
  check_too_many_held (
      "video/x-raw,format=RGB,width=8192,height=8192", 60000, "MiB of RAM");
}

GST_END_TEST;

GST_START_TEST (test_file_ring)
{
  gchar *dir = g_dir_make_tmp ("meteor-ring-XXXXXX", NULL);
  gchar *ring = g_build_filename (dir, "frames.ring", NULL);
  gchar *props = g_strdup_printf ("memory=file ring-path=%s", ring);
  gchar *desc = fanout_pipeline ("videotestsrc num-buffers=30 ! "
                                 "video/x-raw,format=I420,width=320,height=240",
      props, 2, "");
  GstElement *pipeline = meteor_test_parse (desc);
  Seen *seen = seen_new ();
  GstStructure *eos_stats, *stats;

  watch_sinks (pipeline, seen, 2);
  eos_stats = play_to_eos (pipeline);
  fail_unless (g_file_test (ring, G_FILE_TEST_EXISTS));
  stats = pool_stats (pipeline);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "zero-copy-frames"), 30);
  fail_unless (seen->ring[0][29] && seen->data[1][29] == seen->data[0][29]);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  fail_if (g_file_test (ring, G_FILE_TEST_EXISTS), "ring file left behind");

  g_rmdir (dir);
  gst_structure_free (eos_stats);
  gst_structure_free (stats);
  seen_free (seen);
  g_free (desc);
  g_free (props);
  g_free (ring);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_bad_ring_path)
{
  GstElement *pipeline = meteor_test_parse (
      "videotestsrc num-buffers=5 ! "
      "meteorpool name=p ring-path=/nonexistent-meteor-dir/frames.ring ! "
      "fakesink");
  gchar *text = meteor_test_expect_error (pipeline, NULL, NULL);

  fail_unless (strstr (text, "/nonexistent-meteor-dir") != NULL &&
                   strstr (text, "does not exist") != NULL,
      "unclear error: %s", text);
  g_free (text);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* meteorpool name=p ring-path=@path: the first error, which must name
 * @path and @cause, posted by meteorpool. */
static void
check_ring_path_error (const gchar *path, const gchar *cause)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=5 ! "
                                 "meteorpool name=p ring-path=%s ! fakesink",
      path);
  GstElement *pipeline = meteor_test_parse (desc);
  gchar *text = meteor_test_expect_error (pipeline, NULL, NULL);

  fail_unless (strstr (text, path) != NULL && strstr (text, cause) != NULL,
      "unclear error: %s", text);
  g_free (text);
  gst_object_unref (pipeline);
  g_free (desc);
}

/* ring-path naming someone's file, or a directory: a clear error, and the
 * file is left as it was. */
GST_START_TEST (test_ring_path_not_ours)
{
  gchar *dir = g_dir_make_tmp ("meteor-ring-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "precious.txt", NULL);
  const gchar *text = "observing log, night of the Perseids\n";
  gchar *contents = NULL;

  fail_unless (g_file_set_contents (path, text, -1, NULL));
  check_ring_path_error (path, "not a frame ring file");
  fail_unless (g_file_get_contents (path, &contents, NULL, NULL),
      "%s was removed", path);
  fail_unless_equals_string (contents, text);

  check_ring_path_error (dir, "is a directory");

  g_unlink (path);
  g_rmdir (dir);
  g_free (contents);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

static guint64
frames_through (GstElement *pipeline)
{
  GstStructure *stats = pool_stats (pipeline);
  guint64 frames = meteor_test_stat (stats, "frames");

  gst_structure_free (stats);
  return frames;
}

/* Waits until more than @n frames went through, failing on an error. */
static void
wait_frames_beyond (GstElement *pipeline, guint64 n)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  GstMessage *msg;

  while (frames_through (pipeline) <= n) {
    fail_unless (g_get_monotonic_time () < deadline,
        "no more than %" G_GUINT64_FORMAT " frames in 30 s", n);
    msg = gst_bus_timed_pop_filtered (bus, 10 * GST_MSECOND, GST_MESSAGE_ERROR);
    fail_if (msg != NULL, "the running pipeline failed");
  }
  gst_object_unref (bus);
}

/* Two pipelines on one ring-path: the second fails, naming the path and the
 * process holding it, while the first keeps running. */
GST_START_TEST (test_ring_path_in_use)
{
  gchar *dir = g_dir_make_tmp ("meteor-ring-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "frames.ring", NULL);
  gchar *pid = g_strdup_printf ("process %d", (gint)getpid ());
  gchar *desc = g_strdup_printf (
      "videotestsrc is-live=true ! "
      "video/x-raw,format=GRAY8,width=64,height=48,framerate=100/1 ! "
      "meteorpool name=p ring-path=%s ! fakesink sync=false",
      path);
  GstElement *first = meteor_test_parse (desc);
  guint64 frames;

  fail_unless (gst_element_set_state (first, GST_STATE_PLAYING) !=
               GST_STATE_CHANGE_FAILURE);
  wait_frames_beyond (first, 0);

  check_ring_path_error (path, pid);
  frames = frames_through (first);
  wait_frames_beyond (first, frames + 10);
  fail_unless (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  gst_element_set_state (first, GST_STATE_NULL);
  fail_if (g_file_test (path, G_FILE_TEST_EXISTS), "ring file left behind");
  gst_object_unref (first);
  g_rmdir (dir);
  g_free (desc);
  g_free (pid);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_bad_max_buffers)
{
  GstElement *pipeline =
      meteor_test_parse ("videotestsrc num-buffers=5 ! "
                         "meteorpool name=p max-buffers=0 ! fakesink");
  gchar *text = meteor_test_expect_error (pipeline, NULL, NULL);

  fail_unless (strstr (text, "max-buffers") != NULL, "unclear error: %s", text);
  g_free (text);
  gst_object_unref (pipeline);
}

GST_END_TEST;

GST_START_TEST (test_unsupported_format)
{
  GstElement *pipeline = meteor_test_parse (
      "appsrc name=src format=time "
      "caps=video/x-raw,format=AYUV,width=64,height=48,framerate=30/1 ! "
      "meteorpool name=p ! fakesink");
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  GString *warnings = g_string_new (NULL);
  gchar *text;

  gst_app_src_push_buffer (
      GST_APP_SRC (src), gst_buffer_new_allocate (NULL, 64 * 48 * 4, NULL));
  text = meteor_test_expect_error (pipeline, NULL, warnings);
  fail_unless (strstr (warnings->str, "AYUV") != NULL &&
                   strstr (warnings->str, "unsupported format") != NULL,
      "the format is not named: warnings '%s', error '%s'", warnings->str,
      text);
  g_free (text);
  g_string_free (warnings, TRUE);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static GstPadProbeReturn
stall (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  return GST_PAD_PROBE_OK; /* blocking probe: stays blocked till removed */
}

/* A gap in the timestamps (a camera away, reconnected) moves the frame
 * ids on by the frame times missed, and is counted. */
GST_START_TEST (test_gap_moves_frame_ids)
{
  GstHarness *h = gst_harness_new ("meteorpool");
  /* at 10 fps: frames at 0, 0.1, 0.2 s, then nothing until 1.2 s */
  const GstClockTime pts[] = { 0, 100, 200, 1200, 1300, 1420 };
  const guint64 ids[] = { 0, 1, 2, 12, 13, 14 };
  GstStructure *stats;
  guint64 skipped = 0;
  guint i;

  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=GRAY8,width=16,height=16,framerate=10/1");
  for (i = 0; i < G_N_ELEMENTS (pts); i++) {
    GstBuffer *in = gst_buffer_new_allocate (NULL, 256, NULL), *out;
    GstMeteorFrameMeta *meta;

    GST_BUFFER_PTS (in) = pts[i] * GST_MSECOND;
    GST_BUFFER_DURATION (in) = 100 * GST_MSECOND;
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    out = gst_harness_pull (h);
    meta = gst_buffer_get_meteor_frame_meta (out);
    fail_unless (meta != NULL);
    /* 1.42 s is 1.2 frames after 1.3 s: jitter, not a frame missed */
    fail_unless_equals_uint64 (meta->frame_id, ids[i]);
    gst_buffer_unref (out);
  }
  g_object_get (h->element, "stats", &stats, NULL);
  fail_unless (gst_structure_get_uint64 (stats, "skipped-frames", &skipped));
  fail_unless_equals_uint64 (skipped, 9);
  gst_structure_free (stats);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* A recording replayed: frames are stamped with the configured start
 * plus their running time, not with when they were read. */
GST_START_TEST (test_replay_start_utc)
{
  GstHarness *h = gst_harness_new ("meteorpool");
  /* 2026-12-07T20:00:00.250Z */
  const GstClockTime start = 1796673600 * GST_SECOND + 250 * GST_MSECOND;
  GstBuffer *in, *out;
  GstMeteorFrameMeta *meta;
  gchar *iso = NULL;

  g_object_set (h->element, "start-utc", "2026-12-07T20:00:00.25Z", NULL);
  g_object_get (h->element, "start-utc", &iso, NULL);
  fail_unless_equals_string (iso, "2026-12-07T20:00:00.25Z");
  gst_harness_set_src_caps_str (
      h, "video/x-raw,format=GRAY8,width=16,height=16,framerate=10/1");
  in = gst_buffer_new_allocate (NULL, 256, NULL);
  GST_BUFFER_PTS (in) = 3 * GST_SECOND;
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  meta = gst_buffer_get_meteor_frame_meta (out);
  fail_unless (meta != NULL);
  fail_unless_equals_uint64 (meta->capture_time_utc, start + 3 * GST_SECOND);
  gst_buffer_unref (out);
  g_free (iso);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_leaky_with_stalled_branch)
{
  const guint n = 200;
  GstElement *pipeline = meteor_test_parse (
      "videotestsrc num-buffers=200 ! "
      "video/x-raw,format=GRAY8,width=64,height=48 ! "
      "meteorpool name=p leaky=downstream max-buffers=4 ! tee name=t "
      "t. ! queue name=stalled max-size-buffers=0 max-size-bytes=0 "
      "max-size-time=0 ! fakesink sync=false "
      "t. ! queue max-size-buffers=4 ! fakesink name=s0 sync=false");
  GstElement *queue = gst_bin_get_by_name (GST_BIN (pipeline), "stalled");
  GstPad *qsrc = gst_element_get_static_pad (queue, "src");
  Seen *seen = seen_new ();
  GstStructure *stats, *eos_stats;
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  gulong probe;
  guint64 dropped = 0, frames = 0;
  gint64 deadline;
  gboolean warned = FALSE;
  guint i;

  watch_sinks (pipeline, seen, 1);
  probe = gst_pad_add_probe (qsrc,
      GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_BUFFER, stall, NULL, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  /* The stalled branch holds every pooled frame; the source must go on,
   * its frames dropped and counted. */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (frames + dropped < n && g_get_monotonic_time () < deadline) {
    g_usleep (10000);
    stats = pool_stats (pipeline);
    dropped = meteor_test_stat (stats, "dropped");
    frames = meteor_test_stat (stats, "frames");
    gst_structure_free (stats);
  }
  fail_unless_equals_uint64 (frames + dropped, n);
  fail_unless (dropped > 0, "nothing dropped");
  fail_unless (
      frames <= 5, "%" G_GUINT64_FORMAT " frames passed a pool of 4", frames);

  /* un-stall: everything drains to EOS */
  gst_pad_remove_probe (qsrc, probe);
  eos_stats = NULL;
  while ((msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING |
                  GST_MESSAGE_ELEMENT))) {
    GstMessageType type = GST_MESSAGE_TYPE (msg);

    if (type == GST_MESSAGE_WARNING)
      warned = TRUE;
    if (type == GST_MESSAGE_ELEMENT &&
        gst_message_has_name (msg, "meteorpool-stats"))
      eos_stats = gst_structure_copy (gst_message_get_structure (msg));
    gst_message_unref (msg);
    fail_if (type == GST_MESSAGE_ERROR);
    if (type == GST_MESSAGE_EOS)
      break;
  }
  fail_unless (warned, "drops were not reported on the bus");
  fail_unless (eos_stats != NULL);
  fail_unless_equals_uint64 (meteor_test_stat (eos_stats, "dropped"), dropped);

  /* the frames that passed keep their ids: the gaps are the drops */
  fail_unless_equals_int (seen->count[0], frames);
  for (i = 1; i < seen->count[0]; i++)
    fail_unless (seen->frame_id[0][i] > seen->frame_id[0][i - 1]);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_structure_free (eos_stats);
  gst_object_unref (bus);
  gst_object_unref (qsrc);
  gst_object_unref (queue);
  gst_object_unref (pipeline);
  seen_free (seen);
}

GST_END_TEST;

static Suite *
meteorpool_suite (void)
{
  Suite *s = suite_create ("meteorpool");
  TCase *tc = tcase_create ("general");

  gst_meteor_init ();
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_zero_copy_fanout_3);
  tcase_add_test (tc, test_zero_copy_fanout_8);
  tcase_add_test (tc, test_pool_reuse_1000_frames);
  tcase_add_test (tc, test_foreign_upstream_copied_once);
  tcase_add_test (tc, test_foreign_upstream_wrapped);
  tcase_add_test (tc, test_ingress_auto_pooled_upstream);
  tcase_add_test (tc, test_ingress_ring_upstream_zero_copy);
  tcase_add_test (tc, test_meta_through_tee_queue_transforms);
  tcase_add_test (tc, test_gain_changes_while_playing);
  tcase_add_test (tc, test_temperature_file);
  tcase_add_test (tc, test_compressed_pass_through);
  tcase_add_test (tc, test_propose_allocation_grows_with_downstream);
  tcase_add_test (tc, test_downstream_holds_too_many);
  tcase_add_test (tc, test_file_ring);
  tcase_add_test (tc, test_bad_ring_path);
  tcase_add_test (tc, test_ring_path_not_ours);
  tcase_add_test (tc, test_ring_path_in_use);
  tcase_add_test (tc, test_bad_max_buffers);
  tcase_add_test (tc, test_unsupported_format);
  tcase_add_test (tc, test_leaky_with_stalled_branch);
  tcase_add_test (tc, test_gap_moves_frame_ids);
  tcase_add_test (tc, test_replay_start_utc);
  return s;
}

METEOR_CHECK_MAIN (meteorpool);
