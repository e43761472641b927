/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tieredsink as a store on a disk that must last
 *
 * What is asserted: the warm ring lives in memory unless a file is asked
 * for (nothing written to disk for it); a ring file is locked, a cut one
 * turns warm off with a warning instead of a SIGBUS, and an impossible
 * size is a clear error; one store has one user at a time, the other
 * told who holds it.
 */
#include "tieredtest.h"

#include <errno.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <unistd.h>

/* ------------------------------------------------------ warm in memory */

/* The entries the store directory holds, but its lock file. */
static guint
entries_in (const gchar *dir, const gchar *except)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  guint n = 0;

  while (d && (name = g_dir_read_name (d)) != NULL)
    if (g_strcmp0 (name, except) != 0 && g_strcmp0 (name, ".lock") != 0)
      n++;
  if (d)
    g_dir_close (d);
  return n;
}

GST_START_TEST (test_warm_in_memory_by_default)
{
  Tiered *t = tiered_new (NULL, "hot-frames=4 warm-max-bytes=1048576");
  GstSample *sample;

  tiered_push (t, 0, 99, FALSE);
  /* the frames that left hot are in warm, read back... */
  fail_unless (stat_of (t, "warm-frames") > 0);
  sample = get_frame (t->sink, 50);
  fail_unless (sample != NULL);
  fail_unless_equals_string (sample_tier (sample), "warm");
  fail_unless (same_pixels (gst_sample_get_buffer (sample), 50, FALSE));
  gst_sample_unref (sample);
  /* ...and no file of the store holds them: cold and clips only */
  fail_unless_equals_int (entries_in (t->dir, NULL), 2);
  fail_unless_equals_int (entries_in (t->dir, "cold"), 1);
  tiered_free (t, FALSE);
}

GST_END_TEST;

GST_START_TEST (test_warm_file_on_store_device_warns)
{
  gchar *dir = make_tmpdir ();
  gchar *props = g_strdup_printf (
      "hot-frames=4 warm-max-bytes=1048576 warm-location=%s/ring", dir);
  Tiered *t = tiered_new (dir, props);
  guint warned = 0;

  tiered_push (t, 0, 9, FALSE);
  free_structures (pop_messages (t->bus, "none", "same device", &warned));
  fail_unless_equals_int (warned, 1);
  fail_unless (stat_of (t, "warm-file-bytes") == 1048576);
  tiered_free (t, FALSE);
  g_free (props);
  g_free (dir);
}

GST_END_TEST;

/* Someone cuts the ring file under a running pipeline: warm goes off
 * with a warning, the stream goes on (no SIGBUS). */
GST_START_TEST (test_warm_file_cut_under_it)
{
  gchar *dir = make_tmpdir (), *ring = g_build_filename (dir, "ring", NULL);
  gchar *props = g_strdup_printf (
      "hot-frames=4 warm-max-bytes=1048576 warm-location=%s", ring);
  Tiered *t = tiered_new (dir, props);
  guint warned = 0;
  guint64 frames;

  tiered_push (t, 0, 19, FALSE);
  fail_unless (stat_of (t, "warm-frames") > 0);
  fail_unless (truncate (ring, 4096) == 0);
  tiered_push (t, 20, 59, FALSE);
  free_structures (pop_messages (t->bus, "none", "was cut", &warned));
  fail_unless_equals_int (warned, 1);
  frames = stat_of (t, "frames");
  fail_unless_equals_uint64 (frames, 60);
  tiered_free (t, FALSE);
  g_free (props);
  g_free (ring);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_warm_too_big_is_an_error)
{
  gchar *dir = make_tmpdir ();
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=5 ! " CAPS
                                 " ! tieredsink location=%s "
                                 "warm-max-bytes=18446744073709551615",
      dir);
  GstElement *pipeline = meteor_test_parse (desc);
  gchar *text = meteor_test_expect_error (pipeline, NULL, NULL);

  fail_unless (strstr (text, "warm-max-bytes") != NULL, "%s", text);
  g_free (text);
  gst_object_unref (pipeline);
  g_free (desc);
  tier_remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

/* ------------------------------------------------------ one user a store */

GST_START_TEST (test_store_has_one_user)
{
  Tiered *t = tiered_new (NULL, "hot-frames=4");
  gchar *desc = g_strdup_printf (
      "videotestsrc num-buffers=5 ! " CAPS " ! tieredsink location=%s", t->dir);
  GstElement *other = meteor_test_parse (desc);
  gchar *text, *pid = g_strdup_printf ("process %ld", (long)getpid ());

  tiered_push (t, 0, 9, FALSE);
  text = meteor_test_expect_error (other, NULL, NULL);
  fail_unless (strstr (text, t->dir) != NULL, "%s", text);
  fail_unless (strstr (text, pid) != NULL, "%s", text);
  g_free (text);
  gst_object_unref (other);
  /* the first goes on, its store untouched */
  tiered_push (t, 10, 19, FALSE);
  fail_unless_equals_uint64 (stat_of (t, "frames"), 20);
  fail_unless_equals_uint64 (stat_of (t, "write-errors"), 0);
  tiered_free (t, FALSE);
  g_free (desc);
  g_free (pid);
}

GST_END_TEST;

GST_START_TEST (test_ring_file_has_one_user)
{
  gchar *dir = make_tmpdir (), *ring = g_build_filename (dir, "ring", NULL);
  gchar *props = g_strdup_printf (
      "hot-frames=4 warm-max-bytes=1048576 warm-location=%s", ring);
  Tiered *t = tiered_new (NULL, props);
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=5 ! " CAPS
                                 " ! tieredsink location=%s/other %s",
      dir, props);
  GstElement *other = meteor_test_parse (desc);
  gchar *text;

  tiered_push (t, 0, 9, FALSE);
  text = meteor_test_expect_error (other, NULL, NULL);
  fail_unless (
      strstr (text, ring) != NULL && strstr (text, "in use"), "%s", text);
  g_free (text);
  gst_object_unref (other);
  tiered_push (t, 10, 19, FALSE);
  fail_unless (stat_of (t, "warm-frames") > 0);
  tiered_free (t, FALSE);
  tier_remove_tree (dir);
  g_free (desc);
  g_free (props);
  g_free (ring);
  g_free (dir);
}

GST_END_TEST;

/* ------------------------------------------------------ clips from cold */

/* Frames a clip takes from cold are copied as the records they are
 * stored as, not decoded and compressed again. */
GST_START_TEST (test_clip_copies_cold_records)
{
  Tiered *t = tiered_new (NULL, "hot-frames=2 warm-max-bytes=0 cold-all=true");
  gboolean ok = FALSE;
  GList *msgs;

  tiered_push (t, 0, 49, TRUE);
  g_signal_emit_by_name (t->sink, "save-clip", (guint64)10, (guint64)20, &ok);
  fail_unless (ok);
  msgs = await_messages (t->bus, "tieredsink-clip-saved", 1, NULL, NULL);
  fail_unless_equals_int (g_list_length (msgs), 1);
  check_clip_frames (
      gst_structure_get_string (msgs->data, "path"), 10, 20, FRAME, TRUE, 0);
  fail_unless_equals_uint64 (stat_of (t, "clip-records-copied"), 11);
  free_structures (msgs);
  tiered_free (t, FALSE);
}

GST_END_TEST;

/* ------------------------------------------------------ one quota */

/* Names of the clips under @t's store, sorted. */
static gchar **
clip_names (Tiered *t, gsize *n)
{
  gchar *dir = g_build_filename (t->dir, "clips", NULL), err[256];
  gchar **names = NULL, **copy;
  gsize i;

  fail_unless (
      tier_clip_list (dir, &names, n, err, sizeof err) == 0, "%s", err);
  copy = g_new0 (gchar *, *n + 1);
  for (i = 0; i < *n; i++) {
    copy[i] = g_strdup (names[i]);
    free (names[i]);
  }
  free (names);
  g_free (dir);
  return copy;
}

/* max-bytes over everything: with no cold frames to give, the oldest
 * clips go, with one warning, and the store stays within its quota. */
GST_START_TEST (test_quota_deletes_oldest_clips)
{
  Tiered *t =
      tiered_new (NULL, "hot-frames=8 warm-max-bytes=1048576 max-bytes=300000 "
                        "pre-trigger=333333333 post-trigger=333333333");
  GList *msgs = NULL, *l;
  gchar **names, *first_path = NULL, *last_path = NULL;
  guint warned = 0, k;
  gsize n;

  for (k = 0; k < 12; k++) {
    guint64 at = 30 + k * 40;

    tiered_push (t, k * 40, at + 20, TRUE);
    send_detection (t, at, at);
    /* each clip (20..40 frames of noise: 65 KB) before the next */
    msgs = g_list_concat (msgs, await_messages (t->bus, "tieredsink-clip-saved",
                                    1, "oldest clips", &warned));
  }
  fail_unless_equals_int (g_list_length (msgs), 12);
  first_path = g_strdup (gst_structure_get_string (msgs->data, "path"));
  last_path =
      g_strdup (gst_structure_get_string (g_list_last (msgs)->data, "path"));
  free_structures (pop_messages (t->bus, "none", "oldest clips", &warned));
  fail_unless_equals_int (warned, 1);
  fail_unless (stat_of (t, "room-deleted-clips") > 0);
  fail_unless (stat_of (t, "store-bytes") <= 300000, "%" G_GUINT64_FORMAT,
      stat_of (t, "store-bytes"));
  /* the oldest went, the newest stays, whole */
  fail_if (g_file_test (first_path, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (last_path, G_FILE_TEST_IS_DIR));
  names = clip_names (t, &n);
  fail_unless_equals_uint64 (n + stat_of (t, "room-deleted-clips"), 12);
  for (l = msgs; l; l = l->next) {
    const gchar *path = gst_structure_get_string (l->data, "path");

    if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
      gchar err[256];
      TierClip *clip = tier_clip_open (path, err, sizeof err);

      fail_unless (clip != NULL, "%s", err);
      tier_clip_close (clip);
    }
  }
  g_strfreev (names);
  free_structures (msgs);
  g_free (first_path);
  g_free (last_path);
  tiered_free (t, FALSE);
}

GST_END_TEST;

/* A real full disk, a small tmpfs: the stream never stops, cold frames go
 * before any clip, and every clip announced is still there. */
GST_START_TEST (test_full_disk)
{
  gchar *dir = make_tmpdir ();
  Tiered *t;
  GList *msgs, *l;
  guint64 id, pushed = 0;
  const gsize size = 320 * 240;
  guint lost = 0;

  if (mount ("tmpfs", dir, "tmpfs", 0, "size=6m") < 0) {
    g_print ("test_full_disk: cannot mount a tmpfs on %s (%s): not tested "
             "here (it needs root)\n",
        dir, g_strerror (errno));
    tier_remove_tree (dir);
    g_free (dir);
    return;
  }
  t = tiered_new (dir, "hot-frames=4 warm-max-bytes=0 cold-all=true "
                       "cold-max-bytes=0 min-free-bytes=1048576 "
                       "pre-trigger=100000000 post-trigger=100000000");
  gst_harness_set_src_caps_str (
      t->h, "video/x-raw,format=GRAY8,width=320,height=240,framerate=30/1");
  /* 300 frames of noise: 23 MB through a 6 MB disk, a meteor every 50 */
  for (id = 0; id < 300; id++) {
    fail_unless_equals_int (
        gst_harness_push (t->h, make_frame_sized (id, size, TRUE)),
        GST_FLOW_OK);
    pushed++;
    if (id % 50 == 20)
      send_detection (t, id, id);
  }
  fail_unless (gst_harness_push_event (t->h, gst_event_new_eos ()));
  msgs =
      await_messages (t->bus, "tieredsink-clip-saved", 6, "not written", &lost);
  /* the disk full when a clip's index is written: room, not a lost clip */
  fail_unless_equals_int (lost, 0);
  fail_unless_equals_uint64 (stat_of (t, "frames"), pushed);
  fail_unless (stat_of (t, "room-deleted-segments") > 0);
  /* cold had frames to give every time: no clip went */
  fail_unless_equals_uint64 (stat_of (t, "room-deleted-clips"), 0);
  /* a meteor's clip cut by a full disk goes on in a second clip */
  fail_unless (g_list_length (msgs) >= 6);
  for (l = msgs; l; l = l->next)
    check_clip_frames (gst_structure_get_string (l->data, "path"),
        field_u64 (l->data, "first-frame"), field_u64 (l->data, "last-frame"),
        size, TRUE, field_u64 (l->data, "missing-frames"));
  free_structures (msgs);
  tiered_free (t, TRUE);
  fail_unless (umount (dir) == 0);
  tier_remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

static Suite *
tieredstore_suite (void)
{
  Suite *s = suite_create ("tieredstore");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_warm_in_memory_by_default);
  tcase_add_test (tc, test_warm_file_on_store_device_warns);
  tcase_add_test (tc, test_warm_file_cut_under_it);
  tcase_add_test (tc, test_warm_too_big_is_an_error);
  tcase_add_test (tc, test_store_has_one_user);
  tcase_add_test (tc, test_ring_file_has_one_user);
  tcase_add_test (tc, test_clip_copies_cold_records);
  tcase_add_test (tc, test_quota_deletes_oldest_clips);
  tcase_add_test (tc, test_full_disk);
  return s;
}

METEOR_CHECK_MAIN (tieredstore);
