/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tieredsink element tests
 *
 * What is asserted: hot frames are the upstream GstMemory itself and the
 * upstream pool grows by hot-frames (alone and behind a tee); get-frame
 * finds frames in each tier, promotes them, and gives back the same pixels
 * and frame meta; memory pressure trims and evicts hot and says so; clips
 * start pre-trigger before a detection and overlapping ones merge; a full
 * quota, write errors and a restart lose nothing that was stored; bad
 * settings are clear errors.
 */
#include "tieredtest.h"

/* ------------------------------------------ hot: zero copy, pool size */

typedef struct {
  GMutex lock;
  GHashTable *mem; /* frame id -> GstMemory seen upstream */
} Seen;

static void
on_handoff (GstElement *identity, GstBuffer *buf, Seen *seen)
{
  GstMeteorFrameMeta *meta = gst_buffer_get_meteor_frame_meta (buf);

  fail_unless (meta != NULL);
  g_mutex_lock (&seen->lock);
  g_hash_table_insert (seen->mem, GUINT_TO_POINTER ((guint)meta->frame_id),
      gst_buffer_peek_memory (buf, 0));
  g_mutex_unlock (&seen->lock);
}

/* Plays @pipeline to EOS (failing on an error), collecting the warnings
 * of @from (if set) in @warnings; the elements stay PLAYING, so what they
 * hold can still be asked for. */
static void
play_to_eos (GstElement *pipeline, const gchar *from, GString *warnings)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  gboolean done = FALSE;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
               GST_STATE_CHANGE_FAILURE);
  while (!done) {
    GError *err = NULL;
    gchar *dbg = NULL;

    msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
    fail_unless (msg != NULL, "no EOS: the pipeline stalled");
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ERROR:
        gst_message_parse_error (msg, &err, &dbg);
        fail ("error from %s: %s (%s)", GST_OBJECT_NAME (msg->src),
            err->message, dbg ? dbg : "");
        break;
      case GST_MESSAGE_WARNING:
        gst_message_parse_warning (msg, &err, NULL);
        if (warnings && from && g_str_equal (GST_OBJECT_NAME (msg->src), from))
          g_string_append_printf (warnings, "%s\n", err->message);
        g_clear_error (&err);
        break;
      default:
        done = TRUE;
        break;
    }
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
}

static GstStructure *
element_stats (GstElement *pipeline, const gchar *name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);
  GstStructure *s = NULL;

  fail_unless (e != NULL);
  g_object_get (e, "stats", &s, NULL);
  gst_object_unref (e);
  fail_unless (s != NULL);
  return s;
}

GST_START_TEST (test_hot_is_zero_copy)
{
  gchar *dir = make_tmpdir ();
  gchar *desc = g_strdup_printf ("meteorsky num-buffers=40 ! " CAPS
                                 " ! meteorpool name=p ! "
                                 "identity name=id signal-handoffs=true ! "
                                 "tieredsink name=ts location=%s hot-frames=10",
      dir);
  GstElement *pipeline = meteor_test_parse (desc);
  GstElement *identity = gst_bin_get_by_name (GST_BIN (pipeline), "id");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "ts");
  Seen seen;
  GstStructure *stats;
  guint64 id;

  g_mutex_init (&seen.lock);
  seen.mem = g_hash_table_new (NULL, NULL);
  g_signal_connect (identity, "handoff", G_CALLBACK (on_handoff), &seen);
  play_to_eos (pipeline, NULL, NULL);

  /* the last 10 frames are held: the very memory meteorpool handed out */
  for (id = 30; id < 40; id++) {
    GstSample *sample = get_frame (sink, id);
    GstBuffer *buf;

    fail_unless (sample != NULL, "frame %" G_GUINT64_FORMAT " not found", id);
    fail_unless_equals_string (sample_tier (sample), "hot");
    buf = gst_sample_get_buffer (sample);
    fail_unless (gst_buffer_peek_memory (buf, 0) ==
                 g_hash_table_lookup (seen.mem, GUINT_TO_POINTER ((guint)id)));
    fail_unless (gst_is_meteor_ring_memory (gst_buffer_peek_memory (buf, 0)));
    fail_unless_equals_uint64 (
        gst_buffer_get_meteor_frame_meta (buf)->frame_id, id);
    gst_sample_unref (sample);
  }
  stats = element_stats (pipeline, "ts");
  fail_unless_equals_uint64 (meteor_test_stat (stats, "frames"), 40);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "hot-frames"), 10);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "hot-hits"), 10);
  /* the 30 older frames were copied once each into the warm ring */
  fail_unless_equals_uint64 (meteor_test_stat (stats, "warm-copies"), 30);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "warm-frames"), 30);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "merge-copies"), 0);
  gst_structure_free (stats);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_hash_table_unref (seen.mem);
  g_mutex_clear (&seen.lock);
  gst_object_unref (identity);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  tier_remove_tree (dir);
  g_free (dir);
  g_free (desc);
}

GST_END_TEST;

/* pool-size of meteorpool (max-buffers=2, so it only grows when asked)
 * after 60 frames into @branches (@DIR@ in it stands for @dir). */
static guint
pool_size_with (const gchar *dir, const gchar *branches, guint hot_expect)
{
  gchar **parts = g_strsplit (branches, "@DIR@", -1);
  gchar *joined = g_strjoinv (dir, parts);
  gchar *full = g_strdup_printf ("meteorsky num-buffers=60 ! " CAPS
                                 " ! meteorpool name=p max-buffers=2 ! %s",
      joined);
  GstElement *pipeline = meteor_test_parse (full);
  GstStructure *stats;
  guint size;

  g_strfreev (parts);
  g_free (joined);
  play_to_eos (pipeline, NULL, NULL);
  stats = element_stats (pipeline, "p");
  size = (guint)meteor_test_stat (stats, "pool-size");
  gst_structure_free (stats);
  stats = element_stats (pipeline, "ts");
  fail_unless_equals_uint64 (meteor_test_stat (stats, "frames"), 60);
  /* hot got all its frames: the pool was not too small for them */
  fail_unless_equals_uint64 (
      meteor_test_stat (stats, "hot-frames"), hot_expect);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "hot-limit"), hot_expect);
  gst_structure_free (stats);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_free (full);
  return size;
}

GST_START_TEST (test_pool_grows_by_hot_frames)
{
  gchar *dir = make_tmpdir ();
  guint base, grown, tee_base, tee_grown;

  base = pool_size_with (dir,
      "queue max-size-buffers=2 ! tieredsink name=ts location=@DIR@/a "
      "hot-frames=0",
      0);
  grown = pool_size_with (dir,
      "queue max-size-buffers=2 ! tieredsink name=ts location=@DIR@/a "
      "hot-frames=12",
      12);
  fail_unless_equals_int (grown, base + 12);

  /* behind a tee, whose other branch answers the query too */
  tee_base = pool_size_with (dir,
      "tee name=t ! queue max-size-buffers=2 ! tieredsink name=ts "
      "location=@DIR@/a hot-frames=0 t. ! queue max-size-buffers=2 ! "
      "tieredsink location=@DIR@/b hot-frames=0",
      0);
  tee_grown = pool_size_with (dir,
      "tee name=t ! queue max-size-buffers=2 ! tieredsink name=ts "
      "location=@DIR@/a hot-frames=12 t. ! queue max-size-buffers=2 ! "
      "tieredsink location=@DIR@/b hot-frames=0",
      12);
  fail_unless (tee_grown >= tee_base + 12, "pool of %u, %u without hot",
      tee_grown, tee_base);
  tier_remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

/* A tee branch that does not answer the allocation query (fakesink) keeps
 * the pool small: hot keeps fewer frames, with a warning, and the stream
 * does not stall. */
GST_START_TEST (test_small_pool_caps_hot)
{
  gchar *dir = make_tmpdir ();
  gchar *desc = g_strdup_printf (
      "meteorsky num-buffers=60 ! " CAPS " ! meteorpool name=p max-buffers=6 ! "
      "tee name=t ! queue max-size-buffers=2 ! tieredsink name=ts "
      "location=%s hot-frames=20 t. ! queue max-size-buffers=2 ! fakesink",
      dir);
  GstElement *pipeline = meteor_test_parse (desc);
  GString *warnings = g_string_new (NULL);
  GstStructure *stats;

  play_to_eos (pipeline, "ts", warnings);
  fail_unless (strstr (warnings->str, "too few for hot-frames=20") != NULL,
      "warnings: %s", warnings->str);
  fail_unless (strstr (strstr (warnings->str, "hot-frames=20") + 1,
                   "hot-frames=20") == NULL,
      "warned twice: %s", warnings->str);
  g_string_free (warnings, TRUE);
  stats = element_stats (pipeline, "ts");
  fail_unless_equals_uint64 (meteor_test_stat (stats, "frames"), 60);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "hot-limit"), 4);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "hot-frames"), 4);
  gst_structure_free (stats);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  tier_remove_tree (dir);
  g_free (dir);
  g_free (desc);
}

GST_END_TEST;

/* ------------------------------------------------------ get-frame */

GST_START_TEST (test_get_frame_every_tier)
{
  /* 2 hot frames, a warm ring of 6 slots, every frame also to cold */
  Tiered *t =
      tiered_new (NULL, "hot-frames=2 warm-max-bytes=32768 cold-all=true");
  GstBuffer *last = make_frame (19, FALSE);
  GstMemory *last_mem = gst_buffer_peek_memory (last, 0);
  GstSample *sample;
  GstBuffer *buf;
  GstStructure *stats;
  GstCaps *caps = gst_caps_from_string (CAPS);
  guint64 id;

  tiered_push (t, 0, 18, FALSE);
  fail_unless_equals_int (
      gst_harness_push (t->h, gst_buffer_ref (last)), GST_FLOW_OK);
  stats = tiered_stats (t);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "warm-slots"), 6);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "hot-frames"), 2);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "warm-frames"), 6);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "cold-frames"), 18);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "warm-evictions"), 12);
  fail_unless (meteor_test_stat (stats, "cold-bytes") > 0);
  gst_structure_free (stats);
  /* while reading, hot keeps every frame promoted to it */
  g_object_set (t->sink, "hot-frames", 100, NULL);

  /* hot: the pushed buffer itself */
  sample = get_frame (t->sink, 19);
  fail_unless (sample != NULL);
  fail_unless_equals_string (sample_tier (sample), "hot");
  fail_unless (
      gst_buffer_peek_memory (gst_sample_get_buffer (sample), 0) == last_mem);
  gst_sample_unref (sample);

  /* warm: frames 12..17, read in place, same pixels and meta */
  for (id = 12; id <= 17; id++) {
    sample = get_frame (t->sink, id);
    fail_unless (sample != NULL, "frame %" G_GUINT64_FORMAT, id);
    fail_unless_equals_string (sample_tier (sample), "warm");
    buf = gst_sample_get_buffer (sample);
    fail_unless (same_pixels (buf, id, FALSE));
    check_meta (buf, id);
    fail_unless (GST_MEMORY_IS_READONLY (gst_buffer_peek_memory (buf, 0)));
    fail_unless (gst_caps_is_equal (gst_sample_get_caps (sample), caps));
    gst_sample_unref (sample);
  }

  /* cold: zstd round trip, bit-exact */
  for (id = 0; id < 12; id++) {
    sample = get_frame (t->sink, id);
    fail_unless (sample != NULL, "frame %" G_GUINT64_FORMAT, id);
    fail_unless_equals_string (sample_tier (sample), "cold");
    buf = gst_sample_get_buffer (sample);
    fail_unless (same_pixels (buf, id, FALSE), "frame %" G_GUINT64_FORMAT, id);
    check_meta (buf, id);
    gst_sample_unref (sample);
  }
  /* the last one read was promoted: it is hot now */
  sample = get_frame (t->sink, 11);
  fail_unless_equals_string (sample_tier (sample), "hot");
  fail_unless (same_pixels (gst_sample_get_buffer (sample), 11, FALSE));
  gst_sample_unref (sample);

  /* a frame nobody holds */
  fail_unless (get_frame (t->sink, 1000) == NULL);

  stats = tiered_stats (t);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "hot-hits"), 2);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "warm-hits"), 6);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "cold-hits"), 12);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "hot-misses"), 19);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "warm-misses"), 13);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "cold-misses"), 1);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "promotions"), 18);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "hot-frames"), 20);
  {
    gdouble ratio = 0;
    fail_unless (gst_structure_get_double (stats, "compression-ratio", &ratio));
    fail_unless (ratio > 1.0, "compression ratio %f", ratio);
  }
  gst_structure_free (stats);
  gst_buffer_unref (last);
  gst_caps_unref (caps);
  tiered_free (t, FALSE);
}

GST_END_TEST;

/* ------------------------------------------------------ pressure */

static void
write_file (const gchar *root, const gchar *rel, const gchar *text)
{
  gchar *path = g_build_filename (root, rel, NULL);
  gchar *dir = g_path_get_dirname (path);

  g_mkdir_with_parents (dir, 0755);
  fail_unless (g_file_set_contents (path, text, -1, NULL));
  g_free (dir);
  g_free (path);
}

static void
set_current (const gchar *root, guint64 bytes)
{
  gchar *text = g_strdup_printf ("%" G_GUINT64_FORMAT "\n", bytes);

  write_file (root, "sys/fs/cgroup/meteor.slice/memory.current", text);
  g_free (text);
}

static const gchar *
pressure_level (GList *messages, guint index)
{
  GstStructure *s = g_list_nth_data (messages, index);

  fail_unless (s != NULL, "no pressure message %u", index);
  return gst_structure_get_string (s, "level");
}

GST_START_TEST (test_memory_pressure)
{
  gchar *root = make_tmpdir ();
  gchar *props = g_strdup_printf (
      "hot-frames=20 warm-max-bytes=1048576 memory-limit=1000000 "
      "pressure-interval=0 memory-root=%s",
      root);
  Tiered *t;
  GList *msgs;
  GstStructure *stats;

  write_file (root, "proc/self/cgroup", "0::/meteor.slice\n");
  write_file (root, "sys/fs/cgroup/meteor.slice/memory.max", "max\n");
  write_file (root, "proc/meminfo",
      "MemTotal:       8000000 kB\nMemAvailable:   7000000 kB\n");
  set_current (root, 100000); /* 10 % */
  t = tiered_new (NULL, props);
  tiered_push (t, 0, 19, FALSE);
  fail_unless_equals_uint64 (stat_of (t, "hot-frames"), 20);
  msgs = pop_messages (t->bus, "tieredsink-pressure", NULL, NULL);
  fail_unless (msgs == NULL);

  /* 65 %: above pressure-low, hot keeps half */
  set_current (root, 650000);
  tiered_push (t, 20, 20, FALSE);
  stats = tiered_stats (t);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "hot-frames"), 10);
  /* one would have gone anyway (21 > hot-frames), 10 for the pressure */
  fail_unless_equals_uint64 (meteor_test_stat (stats, "hot-evictions"), 1);
  fail_unless_equals_uint64 (
      meteor_test_stat (stats, "pressure-evictions"), 10);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "warm-frames"), 11);
  fail_unless_equals_string (
      gst_structure_get_string (stats, "pressure-level"), "low");
  gst_structure_free (stats);
  msgs = pop_messages (t->bus, "tieredsink-pressure", NULL, NULL);
  fail_unless_equals_int (g_list_length (msgs), 1);
  fail_unless_equals_string (pressure_level (msgs, 0), "low");
  {
    gdouble usage = 0;
    gst_structure_get_double (msgs->data, "usage", &usage);
    fail_unless (usage > 0.64 && usage < 0.66, "usage %f", usage);
    fail_unless_equals_uint64 (field_u64 (msgs->data, "limit"), 1000000);
  }
  free_structures (msgs);

  /* 85 %: above pressure-high, hot goes straight to cold, warm pages are
   * dropped from memory */
  set_current (root, 850000);
  tiered_push (t, 21, 21, FALSE);
  stats = tiered_stats (t);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "hot-frames"), 0);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "pressure-to-cold"), 11);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "cold-frames"), 11);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "warm-frames"), 11);
  fail_unless (meteor_test_stat (stats, "warm-dropped-page-bytes") > 0);
  gst_structure_free (stats);
  msgs = pop_messages (t->bus, "tieredsink-pressure", NULL, NULL);
  fail_unless_equals_int (g_list_length (msgs), 1);
  fail_unless_equals_string (pressure_level (msgs, 0), "high");
  free_structures (msgs);
  /* what went to cold reads back */
  {
    GstSample *sample = get_frame (t->sink, 15);
    fail_unless (sample != NULL);
    fail_unless_equals_string (sample_tier (sample), "cold");
    fail_unless (same_pixels (gst_sample_get_buffer (sample), 15, FALSE));
    gst_sample_unref (sample);
  }

  /* back to 10 %: normal, hot fills again */
  set_current (root, 100000);
  tiered_push (t, 22, 25, FALSE);
  fail_unless_equals_uint64 (stat_of (t, "hot-frames"), 4);
  msgs = pop_messages (t->bus, "tieredsink-pressure", NULL, NULL);
  fail_unless_equals_int (g_list_length (msgs), 1);
  fail_unless_equals_string (pressure_level (msgs, 0), "normal");
  free_structures (msgs);

  tiered_free (t, FALSE);
  tier_remove_tree (root);
  g_free (root);
  g_free (props);
}

GST_END_TEST;

/* ------------------------------------------------------ clips */

GST_START_TEST (test_clip_pre_trigger_and_merge)
{
  Tiered *t = tiered_new (NULL,
      "hot-frames=10 warm-max-bytes=1048576 pre-trigger=1000000000 "
      "post-trigger=1000000000");
  GList *msgs;
  const GstStructure *s;
  gboolean ok = FALSE;
  gchar *sidecar, *text = NULL, *old_path, *old_name, *clip_dir, **names = NULL,
                  err[256];
  gsize n = 0, i;

  /* a meteor in frame 300, reported after it: clip 270..330 */
  tiered_push (t, 0, 300, FALSE);
  send_detection (t, 300, 300);
  tiered_push (t, 301, 329, FALSE);
  msgs = pop_messages (t->bus, "tieredsink-clip-saved", NULL, NULL);
  fail_unless (msgs == NULL, "clip written before its last frame");
  tiered_push (t, 330, 330, FALSE);
  msgs = one_clip_saved (t, 270, 330);
  s = msgs->data;
  fail_unless_equals_uint64 (field_u64 (s, "frames"), 61);
  fail_unless_equals_uint64 (field_u64 (s, "missing-frames"), 0);
  fail_unless (field_u64 (s, "bytes") > 0);
  sidecar = g_build_filename (
      gst_structure_get_string (s, "path"), "clip.json", NULL);
  fail_unless (g_file_get_contents (sidecar, &text, NULL, NULL));
  fail_unless (strstr (text, "meteor-detected") != NULL);
  g_free (text);
  g_free (sidecar);
  free_structures (msgs);

  /* save-clip for frames still held */
  g_signal_emit_by_name (t->sink, "save-clip", (guint64)100, (guint64)120, &ok);
  fail_unless (ok);
  msgs = await_messages (t->bus, "tieredsink-clip-saved", 1, NULL, NULL);
  fail_unless_equals_int (g_list_length (msgs), 1);
  fail_unless_equals_uint64 (field_u64 (msgs->data, "frames"), 21);
  check_clip (gst_structure_get_string (msgs->data, "path"), 100, 120);
  free_structures (msgs);

  /* two overlapping meteors make one clip: 375..435 and 380..450 */
  tiered_push (t, 331, 405, FALSE);
  send_detection (t, 405, 405);
  tiered_push (t, 406, 420, FALSE);
  send_detection (t, 410, 420);
  tiered_push (t, 421, 460, FALSE);
  msgs = one_clip_saved (t, 375, 450);
  s = msgs->data;
  fail_unless_equals_uint64 (field_u64 (s, "detections"), 2);

  /* a detection cut short by EOS is written at EOS (425..460); it overlaps
   * the clip written before (375..450), which stays as it was announced:
   * the new clip holds only frames 451..460 and names the one it
   * continues (each frame goes into one clip, once) */
  old_path = g_strdup (gst_structure_get_string (s, "path"));
  old_name = g_strdup (gst_structure_get_string (s, "name"));
  free_structures (msgs);
  send_detection (t, 455, 458);
  fail_unless (gst_harness_push_event (t->h, gst_event_new_eos ()));
  msgs = one_clip_saved (t, 451, 460);
  s = msgs->data;
  fail_unless_equals_uint64 (field_u64 (s, "detections"), 1);
  fail_unless_equals_string (
      gst_structure_get_string (s, "continues"), old_name);
  check_clip (old_path, 375, 450);
  {
    TierClip *clip =
        tier_clip_open (gst_structure_get_string (s, "path"), err, sizeof err);

    fail_unless (clip != NULL, "%s", err);
    fail_unless_equals_string (clip->continues, old_name);
    fail_unless_equals_uint64 (clip->first, 451);
    fail_unless_equals_uint64 (clip->last, 460);
    tier_clip_close (clip);
  }
  free_structures (msgs);
  g_free (old_path);
  g_free (old_name);

  clip_dir = g_build_filename (t->dir, "clips", NULL);
  fail_unless (tier_clip_list (clip_dir, &names, &n, err, sizeof err) == 0);
  fail_unless_equals_int (n, 4);
  for (i = 0; i < n; i++)
    free (names[i]);
  free (names);
  g_free (clip_dir);
  fail_unless_equals_uint64 (stat_of (t, "clips-saved"), 4);
  fail_unless_equals_uint64 (stat_of (t, "clips-continued"), 1);
  /* each frame went into a clip once: 61 + 21 + 76 + 10 */
  fail_unless_equals_uint64 (stat_of (t, "clip-frames"), 168);
  fail_unless_equals_uint64 (stat_of (t, "detections"), 4);
  tiered_free (t, FALSE);
}

GST_END_TEST;

/* A caps change in a meteor's window: the frames before it stay in one
 * clip of the old format, those after go into a clip of the new format
 * that continues it; a later change deletes nothing announced. */
GST_START_TEST (test_clip_across_caps_change)
{
  Tiered *t = tiered_new (NULL,
      "hot-frames=10 warm-max-bytes=1048576 pre-trigger=500000000 "
      "post-trigger=1000000000");
  const gchar *small = "video/x-raw,format=GRAY8,width=32,height=24,"
                       "framerate=30/1";
  GList *msgs, *l;
  const GstStructure *a = NULL, *b = NULL;
  gchar err[256];
  TierClip *clip;
  guint64 id;

  tiered_push (t, 0, 29, FALSE);
  send_detection (t, 16, 29); /* clip 1..59 */
  gst_harness_set_src_caps_str (t->h, small);
  for (id = 30; id <= 59; id++)
    fail_unless_equals_int (
        gst_harness_push (t->h, make_frame_sized (id, 32 * 24, FALSE)),
        GST_FLOW_OK);
  msgs = await_messages (t->bus, "tieredsink-clip-saved", 2, NULL, NULL);
  fail_unless_equals_int (g_list_length (msgs), 2);
  for (l = msgs; l; l = l->next)
    if (field_u64 (l->data, "first-frame") == 1)
      a = l->data;
    else
      b = l->data;
  fail_unless (a != NULL && b != NULL);
  fail_unless_equals_uint64 (field_u64 (a, "last-frame"), 29);
  fail_unless_equals_uint64 (field_u64 (a, "frames"), 29);
  fail_unless_equals_uint64 (field_u64 (a, "missing-frames"), 0);
  check_clip (gst_structure_get_string (a, "path"), 1, 29);
  fail_unless_equals_uint64 (field_u64 (b, "first-frame"), 30);
  fail_unless_equals_uint64 (field_u64 (b, "last-frame"), 59);
  fail_unless_equals_uint64 (field_u64 (b, "frames"), 30);
  fail_unless_equals_uint64 (field_u64 (b, "missing-frames"), 0);
  fail_unless_equals_string (gst_structure_get_string (b, "continues"),
      gst_structure_get_string (a, "name"));
  clip = tier_clip_open (gst_structure_get_string (b, "path"), err, sizeof err);
  fail_unless (clip != NULL, "%s", err);
  fail_unless (
      strstr (clip->format, "width=(int)32") != NULL, "%s", clip->format);
  fail_unless_equals_uint64 (clip->n_frames, 30);
  tier_clip_close (clip);

  /* back to the first format, a meteor in it: both clips stay */
  gst_harness_set_src_caps_str (t->h, CAPS);
  tiered_push (t, 60, 130, FALSE);
  send_detection (t, 120, 125);
  fail_unless (gst_harness_push_event (t->h, gst_event_new_eos ()));
  free_structures (
      await_messages (t->bus, "tieredsink-clip-saved", 1, NULL, NULL));
  fail_unless (
      g_file_test (gst_structure_get_string (a, "path"), G_FILE_TEST_IS_DIR));
  check_clip (gst_structure_get_string (a, "path"), 1, 29);
  fail_unless (
      g_file_test (gst_structure_get_string (b, "path"), G_FILE_TEST_IS_DIR));
  free_structures (msgs);
  tiered_free (t, FALSE);
}

GST_END_TEST;

/* The real thing: meteordetect's event cuts the clip of the meteor
 * meteorsky draws, 1 s before its first frame to 0.5 s after its last. */
GST_START_TEST (test_clip_from_meteordetect)
{
  gchar *dir = make_tmpdir ();
  gchar *desc = g_strdup_printf (
      "meteorsky num-buffers=120 meteor-rate=0 fireball-rate=0 plane-rate=0 "
      "satellite-rate=0 flash-rate=0 cloud-cover=0 hot-pixels=0 "
      "schedule=\"meteor@40,x=60,y=50,angle=20,speed=15,duration=0.7,snr=20\" "
      "! "
      "video/x-raw,format=GRAY8,width=320,height=240,framerate=30/1 ! "
      "meteorpool ! queue ! meteordetect ! queue ! tieredsink name=ts "
      "location=%s pre-trigger=1000000000 post-trigger=500000000",
      dir);
  GstElement *pipeline = meteor_test_parse (desc);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstStructure *detected = NULL, *saved = NULL;
  guint64 f0, f1;
  gboolean done = FALSE;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
               GST_STATE_CHANGE_FAILURE);
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);

    fail_unless (msg != NULL);
    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
      done = TRUE;
    else if (gst_message_has_name (msg, "meteor-detected")) {
      fail_unless (detected == NULL, "two meteors");
      detected = gst_structure_copy (gst_message_get_structure (msg));
    } else if (gst_message_has_name (msg, "tieredsink-clip-saved")) {
      fail_unless (saved == NULL, "two clips");
      saved = gst_structure_copy (gst_message_get_structure (msg));
    }
    gst_message_unref (msg);
  }
  fail_unless (detected != NULL, "no meteor detected");
  fail_unless (saved != NULL, "no clip saved");
  f0 = field_u64 (detected, "first-frame");
  f1 = field_u64 (detected, "last-frame");
  fail_unless_equals_uint64 (field_u64 (saved, "first-frame"), f0 - 30);
  fail_unless_equals_uint64 (field_u64 (saved, "last-frame"), f1 + 15);
  fail_unless_equals_uint64 (field_u64 (saved, "frames"), f1 - f0 + 46);
  fail_unless_equals_uint64 (field_u64 (saved, "missing-frames"), 0);
  {
    gchar err[256];
    TierClip *clip = tier_clip_open (
        gst_structure_get_string (saved, "path"), err, sizeof err);

    fail_unless (clip != NULL, "%s", err);
    fail_unless_equals_uint64 (clip->frames[0].frame_id, f0 - 30);
    fail_unless (strstr (clip->detection, "meteor-detected") != NULL);
    tier_clip_close (clip);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_structure_free (detected);
  gst_structure_free (saved);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  tier_remove_tree (dir);
  g_free (dir);
  g_free (desc);
}

GST_END_TEST;

/* ------------------------------------------------------ faults */

GST_START_TEST (test_quota_retention)
{
  Tiered *t = tiered_new (
      NULL, "hot-frames=2 warm-max-bytes=0 cold-all=true cold-max-bytes=65536");
  guint warned = 0;
  GstStructure *stats;
  GstSample *sample;
  guint64 id;

  tiered_push (t, 0, 99, TRUE);
  free_structures (pop_messages (t->bus, "none", "cold quota", &warned));
  stats = tiered_stats (t);
  /* routine deletions are counted; one warning says they have begun */
  fail_unless (meteor_test_stat (stats, "cold-deleted-segments") > 1);
  fail_unless_equals_int (warned, 1);
  fail_unless (meteor_test_stat (stats, "cold-bytes") <= 65536);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "frames"), 100);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "write-errors"), 0);
  gst_structure_free (stats);
  /* the oldest are gone, the newest are there */
  fail_unless (get_frame (t->sink, 0) == NULL);
  for (id = 90; id < 98; id++) {
    sample = get_frame (t->sink, id);
    fail_unless (sample != NULL, "frame %" G_GUINT64_FORMAT, id);
    fail_unless (same_pixels (gst_sample_get_buffer (sample), id, TRUE));
    gst_sample_unref (sample);
  }
  tiered_free (t, FALSE);
}

GST_END_TEST;

GST_START_TEST (test_write_errors)
{
  Tiered *t = tiered_new (NULL, "hot-frames=2 warm-max-bytes=0 cold-all=true");
  guint warned = 0;
  gboolean ok = TRUE;
  GstSample *sample;
  GList *clips;
  gchar **names = NULL, *clip_dir, err[256];
  gsize n = 0;
  guint64 id, written;

  tiered_push (t, 0, 19, FALSE);
  written = stat_of (t, "cold-frames-written");
  fail_unless_equals_uint64 (written, 18);

  g_object_set (t->sink, "test-io-fault", 1 /* enospc */, NULL);
  tiered_push (t, 20, 39, FALSE);
  g_signal_emit_by_name (t->sink, "save-clip", (guint64)5, (guint64)10, &ok);
  /* the clip's failure comes from the writer thread: wait for the stats */
  {
    gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

    while (
        stat_of (t, "clip-failures") == 0 && g_get_monotonic_time () < deadline)
      g_usleep (10000);
  }
  clips = pop_messages (
      t->bus, "tieredsink-clip-saved", "No space left on device", &warned);
  fail_unless (clips == NULL);
  /* one warning for the run of failed frames, one for the clip */
  fail_unless_equals_int (warned, 2);
  fail_unless (stat_of (t, "write-errors") >= 21);
  fail_unless_equals_uint64 (stat_of (t, "clip-failures"), 1);
  fail_unless_equals_uint64 (stat_of (t, "cold-frames-written"), written);
  clip_dir = g_build_filename (t->dir, "clips", NULL);
  fail_unless (tier_clip_list (clip_dir, &names, &n, err, sizeof err) == 0);
  fail_unless_equals_int (n, 0);
  free (names);

  /* nothing stored before the errors is lost, and writing works again */
  g_object_set (t->sink, "test-io-fault", 0, NULL);
  for (id = 0; id < 18; id++) {
    sample = get_frame (t->sink, id);
    fail_unless (sample != NULL, "frame %" G_GUINT64_FORMAT " lost", id);
    fail_unless (same_pixels (gst_sample_get_buffer (sample), id, FALSE));
    gst_sample_unref (sample);
  }
  tiered_push (t, 40, 49, FALSE);
  /* 40..47 left hot (after the two frames promoted by the reads, which
   * are not written again), and 38, 39 left it during the reads */
  fail_unless_equals_uint64 (stat_of (t, "cold-frames-written"), written + 10);
  sample = get_frame (t->sink, 45);
  fail_unless (sample != NULL);
  fail_unless (same_pixels (gst_sample_get_buffer (sample), 45, FALSE));
  gst_sample_unref (sample);
  g_free (clip_dir);
  tiered_free (t, FALSE);
}

GST_END_TEST;

GST_START_TEST (test_restart_recovers)
{
  gchar *dir = make_tmpdir (), *clip_dir, **names = NULL, err[256];
  /* a warm ring file: what survives a restart (in memory, nothing does) */
  gchar *props = g_strdup_printf (
      "hot-frames=4 warm-max-bytes=65536 cold-all=true "
      "pre-trigger=100000000 post-trigger=100000000 warm-location=%s/warm.ring",
      dir);
  Tiered *t = tiered_new (dir, props);
  GList *msgs;
  GstSample *sample;
  gsize n = 0;
  guint64 id;

  tiered_push (t, 0, 29, FALSE);
  send_detection (t, 20, 22);
  tiered_push (t, 30, 39, FALSE);
  msgs = await_messages (t->bus, "tieredsink-clip-saved", 1, NULL, NULL);
  fail_unless_equals_int (g_list_length (msgs), 1);
  free_structures (msgs);
  tiered_free (t, TRUE);

  /* the same location again: frames come back before any new frame */
  t = tiered_new (dir, props);
  for (id = 0; id < 36; id++) {
    sample = get_frame (t->sink, id);
    fail_unless (sample != NULL, "frame %" G_GUINT64_FORMAT " lost", id);
    fail_unless (same_pixels (gst_sample_get_buffer (sample), id, FALSE));
    check_meta (gst_sample_get_buffer (sample), id);
    gst_sample_unref (sample);
  }
  /* 36..39 were hot when it stopped: gone (cold-all writes frames as they
   * leave hot); 28..35 come from the recovered warm ring */
  fail_unless (stat_of (t, "warm-hits") > 0);
  fail_unless (stat_of (t, "warm-recovered") > 0);
  fail_unless (stat_of (t, "cold-hits") > 0);
  clip_dir = g_build_filename (dir, "clips", NULL);
  fail_unless (tier_clip_list (clip_dir, &names, &n, err, sizeof err) == 0);
  fail_unless_equals_int (n, 1);
  {
    gchar *path = g_build_filename (clip_dir, names[0], NULL);
    check_clip (path, 17, 25);
    g_free (path);
  }
  free (names[0]);
  free (names);
  g_free (clip_dir);
  tiered_free (t, FALSE);
  g_free (dir);
  g_free (props);
}

GST_END_TEST;

/* ------------------------------------------------------ bad settings */

GST_START_TEST (test_unwritable_location)
{
  GstElement *pipeline =
      meteor_test_parse ("videotestsrc num-buffers=5 ! " CAPS
                         " ! tieredsink location=/proc/meteor-no-such-dir");
  gchar *text = meteor_test_expect_error (pipeline, NULL, NULL);

  fail_unless (strstr (text, "location") != NULL &&
                   strstr (text, "/proc/meteor-no-such-dir") != NULL,
      "%s", text);
  g_free (text);
  gst_object_unref (pipeline);
}

GST_END_TEST;

GST_START_TEST (test_warm_smaller_than_a_frame)
{
  gchar *dir = make_tmpdir ();
  gchar *desc =
      g_strdup_printf ("videotestsrc num-buffers=5 ! "
                       "video/x-raw,format=RGB,width=640,height=480 "
                       "! tieredsink location=%s warm-max-bytes=100000",
          dir);
  GstElement *pipeline = meteor_test_parse (desc);
  gchar *text = meteor_test_expect_error (pipeline, NULL, NULL);

  fail_unless (strstr (text, "warm-max-bytes") != NULL, "%s", text);
  fail_unless (strstr (text, "too small") != NULL, "%s", text);
  g_free (text);
  gst_object_unref (pipeline);
  tier_remove_tree (dir);
  g_free (dir);
  g_free (desc);
}

GST_END_TEST;

GST_START_TEST (test_no_location)
{
  GstElement *pipeline =
      meteor_test_parse ("videotestsrc num-buffers=5 ! " CAPS " ! tieredsink");
  gchar *text = meteor_test_expect_error (pipeline, NULL, NULL);

  fail_unless (strstr (text, "no location") != NULL, "%s", text);
  g_free (text);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* While it runs, tieredsink's stats are in libgstmeteor's registry (what
 * the meteorstats tracer and applications read); stopped, they are not. */
GST_START_TEST (test_stats_registered)
{
  gchar *dir = make_tmpdir ();
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=5 ! " CAPS
                                 " ! tieredsink name=s location=%s",
      dir);
  GstElement *pipeline = meteor_test_parse (desc);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "s");

  fail_if (gst_meteor_stats_is_registered (sink));
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PAUSED) !=
               GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_get_state (pipeline, NULL, NULL,
                   GST_CLOCK_TIME_NONE) == GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_meteor_stats_is_registered (sink));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_if (gst_meteor_stats_is_registered (sink));
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  tier_remove_tree (dir);
  g_free (desc);
  g_free (dir);
}

GST_END_TEST;

static Suite *
tieredsink_suite (void)
{
  Suite *s = suite_create ("tieredsink");
  TCase *tc = tcase_create ("general");

  gst_meteor_init ();
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_hot_is_zero_copy);
  tcase_add_test (tc, test_pool_grows_by_hot_frames);
  tcase_add_test (tc, test_small_pool_caps_hot);
  tcase_add_test (tc, test_get_frame_every_tier);
  tcase_add_test (tc, test_memory_pressure);
  tcase_add_test (tc, test_clip_pre_trigger_and_merge);
  tcase_add_test (tc, test_clip_across_caps_change);
  tcase_add_test (tc, test_clip_from_meteordetect);
  tcase_add_test (tc, test_quota_retention);
  tcase_add_test (tc, test_write_errors);
  tcase_add_test (tc, test_restart_recovers);
  tcase_add_test (tc, test_unwritable_location);
  tcase_add_test (tc, test_warm_smaller_than_a_frame);
  tcase_add_test (tc, test_no_location);
  tcase_add_test (tc, test_stats_registered);
  return s;
}

METEOR_CHECK_MAIN (tieredsink);
