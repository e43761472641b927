/* gst-meteor: tieredsink as a store on a disk that must last
 *
 * What is asserted: the warm ring lives in memory unless a file is asked
 * for (nothing written to disk for it); a ring file is locked, a cut one
 * turns warm off with a warning instead of a SIGBUS, and an impossible
 * size is a clear error; one store has one user at a time, the other
 * told who holds it.
 */
#include "tieredtest.h"

#include <sys/file.h>
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
  remove_tree (dir);
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
  fail_unless (strstr (text, ring) != NULL && strstr (text, "in use"), "%s",
      text);
  g_free (text);
  gst_object_unref (other);
  tiered_push (t, 10, 19, FALSE);
  fail_unless (stat_of (t, "warm-frames") > 0);
  tiered_free (t, FALSE);
  remove_tree (dir);
  g_free (desc);
  g_free (props);
  g_free (ring);
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
  return s;
}

GST_CHECK_MAIN (tieredstore);
