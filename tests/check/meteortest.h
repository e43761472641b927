/* gst-meteor: helpers shared by the gst-check suites */
#ifndef __METEOR_TEST_H__
#define __METEOR_TEST_H__

#include <gst/check/gstcheck.h>

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

#endif /* __METEOR_TEST_H__ */
