/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: checks for the example pipelines in pipelines/
 *
 * Every pipelines/NAME.pipeline file must build here, with every element
 * it names installed: a file that does not is a failure naming the file and
 * the missing elements, never a skip. videotestsrc.pipeline is also run to
 * EOS.
 */

#include <string.h>

#include <gst/check/gstcheck.h>
#include "meteortest.h"

#define MIN_PIPELINE_FILES 5
#define RUN_TIMEOUT (60 * GST_SECOND)

static gchar *
pipelines_dir (void)
{
  const gchar *root = g_getenv ("METEOR_SOURCE_ROOT");

  fail_unless (root != NULL, "METEOR_SOURCE_ROOT is not set");
  return g_build_filename (root, "pipelines", NULL);
}

/* Drop '#' comment lines and join the rest with spaces, as the
 * `$(grep -v '^#' file)` in each file's comment does for gst-launch-1.0. */
static gchar *
read_pipeline_description (const gchar *path)
{
  gchar *contents = NULL;
  GError *err = NULL;
  gchar **lines;
  GString *desc;
  guint i;

  if (!g_file_get_contents (path, &contents, NULL, &err))
    fail ("cannot read %s: %s", path, err->message);

  desc = g_string_new (NULL);
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++) {
    const gchar *line = g_strstrip (lines[i]);

    if (*line == '\0' || *line == '#')
      continue;
    if (desc->len > 0)
      g_string_append_c (desc, ' ');
    g_string_append (desc, line);
  }
  g_strfreev (lines);
  g_free (contents);

  return g_string_free (desc, FALSE);
}

/* The project's rule: every queue is bounded by max-size-buffers, or a
 * default queue (200 buffers) could starve meteorpool's pool. */
static void
check_queues_bounded (const gchar *name, const gchar *desc)
{
  gchar **links = g_strsplit (desc, "!", -1);
  guint i;

  for (i = 0; links[i] != NULL; i++) {
    gchar **words = g_strsplit_set (g_strstrip (links[i]), " \t", -1);
    guint j;

    /* "t. ! queue ..." and "queue ..." both start the link with the queue. */
    if (g_strcmp0 (words[0], "queue") == 0) {
      guint64 max = 0;

      for (j = 1; words[j] != NULL; j++) {
        if (g_str_has_prefix (words[j], "max-size-buffers="))
          max = g_ascii_strtoull (
              words[j] + strlen ("max-size-buffers="), NULL, 10);
      }
      fail_unless (max > 0 && max < 200,
          "%s: queue without a small max-size-buffers: %s", name, links[i]);
    }
    g_strfreev (words);
  }
  g_strfreev (links);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const gchar *const *)a, *(const gchar *const *)b);
}

/* Sorted names of the *.pipeline files, so failures are reproducible. */
static GPtrArray *
list_pipeline_files (const gchar *dir_path)
{
  GError *err = NULL;
  GPtrArray *names;
  const gchar *name;
  GDir *dir;

  dir = g_dir_open (dir_path, 0, &err);
  if (dir == NULL)
    fail ("cannot open %s: %s", dir_path, err->message);

  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL) {
    if (g_str_has_suffix (name, ".pipeline"))
      g_ptr_array_add (names, g_strdup (name));
  }
  g_dir_close (dir);
  g_ptr_array_sort (names, compare_names);

  return names;
}

/* Returns the pipeline (owned, not floating), or NULL with the reason
 * appended to @problems: an element that is not installed (named), a parse
 * error. The project's rules (meteorpool, bounded queues) fail the test. */
static GstElement *
parse_pipeline_file (
    const gchar *dir_path, const gchar *name, GString *problems)
{
  GstParseContext *ctx;
  GstElement *pipeline;
  GError *err = NULL;
  gchar **missing;
  gchar *path, *desc;

  path = g_build_filename (dir_path, name, NULL);
  desc = read_pipeline_description (path);
  g_free (path);

  fail_unless (*desc != '\0', "%s has no pipeline description", name);
  fail_unless (
      strstr (desc, "meteorpool") != NULL, "%s does not use meteorpool", name);
  check_queues_bounded (name, desc);

  ctx = gst_parse_context_new ();
  pipeline =
      gst_parse_launch_full (desc, ctx, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  missing = gst_parse_context_get_missing_elements (ctx);
  if (pipeline == NULL &&
      g_error_matches (err, GST_PARSE_ERROR, GST_PARSE_ERROR_NO_SUCH_ELEMENT) &&
      missing != NULL && missing[0] != NULL) {
    gchar *list = g_strjoinv (", ", missing);

    g_string_append_printf (problems, "%s: element%s not installed: %s\n", name,
        missing[1] != NULL ? "s" : "", list);
    g_free (list);
  } else if (pipeline == NULL) {
    g_string_append_printf (problems, "%s does not parse: %s\n", name,
        err ? err->message : "unknown error");
  }
  g_strfreev (missing);
  gst_parse_context_free (ctx);
  g_free (desc);
  if (pipeline == NULL) {
    g_clear_error (&err);
    return NULL;
  }

  /* With FATAL_ERRORS a non-NULL result means no error was set, but be
   * explicit: a half-built pipeline must never pass. */
  fail_unless (err == NULL, "%s: %s", name, err ? err->message : "");
  fail_unless (GST_IS_PIPELINE (pipeline), "%s did not build a pipeline", name);

  /* gst_parse_launch returns a floating reference; own it plainly so the
   * final unref does not trip GLib's floating-object check. */
  if (g_object_is_floating (pipeline))
    gst_object_ref_sink (pipeline);

  return pipeline;
}

static gboolean
is_meteorpool (GstElement *element)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  return factory != NULL &&
         g_strcmp0 (gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory)),
             "meteorpool") == 0;
}

/* Returns a reference to the first meteorpool in the bin, or NULL. */
static GstElement *
find_meteorpool (GstBin *bin)
{
  GstIterator *it = gst_bin_iterate_recurse (bin);
  GValue item = G_VALUE_INIT;
  GstElement *found = NULL;
  gboolean done = FALSE;

  while (!done) {
    switch (gst_iterator_next (it, &item)) {
      case GST_ITERATOR_OK: {
        GstElement *element = g_value_get_object (&item);

        if (is_meteorpool (element)) {
          found = gst_object_ref (element);
          done = TRUE;
        }
        g_value_reset (&item);
        break;
      }
      case GST_ITERATOR_RESYNC:
        gst_clear_object (&found);
        gst_iterator_resync (it);
        break;
      case GST_ITERATOR_ERROR:
      case GST_ITERATOR_DONE:
        done = TRUE;
        break;
    }
  }
  g_value_unset (&item);
  gst_iterator_free (it);

  return found;
}

GST_START_TEST (test_pipelines_parse)
{
  gchar *dir_path = pipelines_dir ();
  GPtrArray *names = list_pipeline_files (dir_path);
  GString *problems = g_string_new (NULL);
  guint i, built = 0;

  fail_unless (names->len >= MIN_PIPELINE_FILES,
      "found %u .pipeline files in %s, expected at least %d", names->len,
      dir_path, MIN_PIPELINE_FILES);

  for (i = 0; i < names->len; i++) {
    const gchar *name = g_ptr_array_index (names, i);
    GstElement *pipeline = parse_pipeline_file (dir_path, name, problems);
    GstElement *pool;

    if (pipeline == NULL)
      continue;

    /* Only built: cameras are not attached on the test machine. */
    pool = find_meteorpool (GST_BIN (pipeline));
    fail_unless (pool != NULL, "%s has no meteorpool element", name);
    gst_object_unref (pool);
    gst_object_unref (pipeline);
    built++;
  }
  fail_unless (built == names->len, "built %u of %u pipelines in %s:\n%s",
      built, names->len, dir_path, problems->str);

  g_string_free (problems, TRUE);
  g_ptr_array_unref (names);
  g_free (dir_path);
}

GST_END_TEST;

GST_START_TEST (test_videotestsrc_runs)
{
  gchar *dir_path = pipelines_dir ();
  GString *problems = g_string_new (NULL);
  GstElement *pipeline, *pool;
  GstStateChangeReturn sret;
  GstStructure *stats = NULL;
  GstMessage *msg;
  GstBus *bus;
  guint64 frames = 0, copies = G_MAXUINT64;

  pipeline = parse_pipeline_file (dir_path, "videotestsrc.pipeline", problems);
  g_free (dir_path);
  fail_unless (pipeline != NULL, "%s", problems->str);
  g_string_free (problems, TRUE);

  pool = find_meteorpool (GST_BIN (pipeline));
  fail_unless (pool != NULL, "videotestsrc.pipeline has no meteorpool");

  sret = gst_element_set_state (pipeline, GST_STATE_PLAYING);
  fail_unless (sret != GST_STATE_CHANGE_FAILURE, "cannot start pipeline");

  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (
      bus, RUN_TIMEOUT, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS within %" GST_TIME_FORMAT,
      GST_TIME_ARGS (RUN_TIMEOUT));
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &err, &dbg);
    fail ("error from %s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
        err->message, GST_STR_NULL (dbg));
  }
  gst_message_unref (msg);
  gst_object_unref (bus);

  /* Read before going to NULL, while the pool's counters are still live. */
  g_object_get (pool, "stats", &stats, NULL);
  fail_unless (stats != NULL, "meteorpool returned no stats");
  fail_unless (gst_structure_get_uint64 (stats, "frames", &frames));
  fail_unless (gst_structure_get_uint64 (stats, "ingress-copies", &copies));
  GST_INFO ("meteorpool stats: %" GST_PTR_FORMAT, stats);
  gst_structure_free (stats);

  /* videotestsrc allocates from meteorpool's pool, so nothing is copied. */
  fail_unless_equals_uint64 (copies, 0);
  fail_unless_equals_uint64 (frames, 300);

  fail_unless (gst_element_set_state (pipeline, GST_STATE_NULL) ==
               GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pool);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
pipelines_suite (void)
{
  Suite *s = suite_create ("pipelines");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_pipelines_parse);
  tcase_add_test (tc, test_videotestsrc_runs);

  return s;
}

METEOR_CHECK_MAIN (pipelines);
