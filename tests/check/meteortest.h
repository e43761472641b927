/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: helpers shared by the gst-check suites */
#ifndef __METEOR_TEST_H__
#define __METEOR_TEST_H__

#include <gst/check/gstcheck.h>
#include <sys/wait.h>
#include <unistd.h>

/* Brings the registry up to date in a child process, so that the suite's
 * own process, from which check forks each test, never has every
 * installed plugin loaded into it. The suites run with
 * GST_REGISTRY_FORK=no (the plugin scanner cannot load sanitized
 * plugins), so building the registry in-process loads them all,
 * libgstlibcamera among them, whose liblttng-ust starts threads when
 * loaded and cancels them at exit: a test forked from such a process that
 * exits runs that handler for threads that do not exist in the child
 * (SIGSEGV, once the test has passed, on every run that rebuilds the
 * registry: a fresh clone's first). */
static inline void
meteor_test_update_registry (void)
{
  pid_t child = fork ();
  int status;

  if (child == 0) {
    gst_init (NULL, NULL);
    _exit (0); /* no exit handlers: they are what crashes */
  }
  if (child > 0)
    waitpid (child, &status, 0);
}

/* GST_CHECK_MAIN, with the registry brought up to date in a child first. */
#define METEOR_CHECK_MAIN(name)                                                \
  int main (int argc, char **argv)                                             \
  {                                                                            \
    meteor_test_update_registry ();                                            \
    gst_check_init (&argc, &argv);                                             \
    return gst_check_run_suite (name##_suite (), #name, __FILE__);             \
  }

/* A pipeline from a gst-launch description; fails the test if it does not
 * parse. */
static inline GstElement *
meteor_test_parse (const gchar *desc)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);

  fail_unless (pipeline != NULL, "cannot parse '%s': %s", desc,
      error ? error->message : "?");
  g_clear_error (&error);
  return pipeline;
}

/* A counter of a stats structure, guint64 or guint; fails the test when
 * the field is missing. */
static inline guint64
meteor_test_stat (const GstStructure *s, const gchar *field)
{
  guint64 v64;
  guint v;

  if (gst_structure_get_uint64 (s, field, &v64))
    return v64;
  fail_unless (
      gst_structure_get_uint (s, field, &v), "no stats field %s", field);
  return v;
}

/* Sets a pipeline that must fail PLAYING (what that returned in @ret)
 * and waits for its first ERROR; returns its message text (and the debug
 * text in @debug) and collects WARNING texts in @warnings. */
static inline gchar *
meteor_test_expect_error_full (GstElement *pipeline, gchar **debug,
    GString *warnings, GstStateChangeReturn *ret)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gchar *text = NULL;
  GstStateChangeReturn r;

  r = gst_element_set_state (pipeline, GST_STATE_PLAYING);
  if (ret)
    *ret = r;
  while (text == NULL) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
        GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_EOS);
    GError *err = NULL;

    fail_unless (msg != NULL, "no error posted");
    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS, "EOS, not an error");
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      gst_message_parse_warning (msg, &err, NULL);
      if (warnings)
        g_string_append_printf (warnings, "%s\n", err->message);
    } else {
      gst_message_parse_error (msg, &err, debug);
      text = g_strdup (err->message);
    }
    g_clear_error (&err);
    gst_message_unref (msg);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  return text;
}

static inline gchar *
meteor_test_expect_error (
    GstElement *pipeline, gchar **debug, GString *warnings)
{
  return meteor_test_expect_error_full (pipeline, debug, warnings, NULL);
}

#endif /* __METEOR_TEST_H__ */
