/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: what the tieredsink test suites share: a tieredsink in a
 * harness on a temporary store, frames with known pixels and frame meta,
 * the bus messages it posts, its stats. */
#ifndef __METEOR_TIEREDTEST_H__
#define __METEOR_TIEREDTEST_H__

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include "meteortest.h"
#include <gst/meteor/meteor.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <string.h>

#include "clipstore.h"
#include "xorshift.h"

#define W 64
#define H 48
#define FRAME (W * H)
#define CAPS "video/x-raw,format=GRAY8,width=64,height=48,framerate=30/1"
#define FRAME_NS 33333333
#define UTC0 1700000000000000000ull

/* ------------------------------------------------------------ helpers */

static inline gchar *
make_tmpdir (void)
{
  gchar *dir = g_dir_make_tmp ("meteor-tiered-XXXXXX", NULL);

  fail_unless (dir != NULL);
  return dir;
}

/* The pixels of frame @id: a ramp with id-dependent bytes, or noise that
 * zstd cannot shrink. */
static inline void
fill_frame (guint8 *p, gsize size, guint64 id, gboolean noise)
{
  uint32_t s = (uint32_t)(id * 2654435761u) | 1;
  gsize i;

  for (i = 0; i < size; i++) {
    if (noise) {
      p[i] = (guint8)meteor_xorshift32 (&s);
    } else {
      p[i] = (guint8)(i / 16 + id * 7 + (i % 5 == 0 ? id : 0));
    }
  }
}

static inline gboolean
same_pixels (GstBuffer *buf, guint64 id, gboolean noise)
{
  guint8 want[FRAME];
  GstMapInfo map;
  gboolean same;

  fill_frame (want, FRAME, id, noise);
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return FALSE;
  same = map.size == FRAME && memcmp (map.data, want, FRAME) == 0;
  gst_buffer_unmap (buf, &map);
  return same;
}

static inline GstBuffer *
make_frame_sized (guint64 id, gsize size, gboolean noise)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  fill_frame (map.data, size, id, noise);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = id * FRAME_NS;
  GST_BUFFER_DURATION (buf) = FRAME_NS;
  gst_buffer_add_meteor_frame_meta (
      buf, id, UTC0 + id * FRAME_NS, "testcam", 33000, 2.5, -3.25);
  return buf;
}

static inline GstBuffer *
make_frame (guint64 id, gboolean noise)
{
  return make_frame_sized (id, FRAME, noise);
}

static GstStaticPadTemplate harness_src G_GNUC_UNUSED =
    GST_STATIC_PAD_TEMPLATE (
        "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));

typedef struct {
  GstHarness *h;
  GstElement *sink;
  GstBus *bus;
  gchar *dir;
} Tiered;

/* A tieredsink in a harness, on @dir (made if NULL), with the properties
 * in @props (a gst-launch style string of name=value pairs, may be NULL). */
static inline Tiered *
tiered_new (const gchar *dir, const gchar *props)
{
  Tiered *t = g_new0 (Tiered, 1);
  gchar *desc;
  GError *error = NULL;

  t->dir = dir ? g_strdup (dir) : make_tmpdir ();
  desc =
      g_strdup_printf ("tieredsink location=%s %s", t->dir, props ? props : "");
  t->sink = gst_parse_launch (desc, &error);
  fail_unless (t->sink != NULL, "%s: %s", desc, error ? error->message : "");
  g_free (desc);
  t->bus = gst_bus_new ();
  gst_element_set_bus (t->sink, t->bus);
  t->h = gst_harness_new_empty ();
  gst_harness_add_element_full (
      t->h, t->sink, &harness_src, "sink", NULL, NULL);
  gst_harness_play (t->h);
  gst_harness_set_src_caps_str (t->h, CAPS);
  return t;
}

static inline void
tiered_push (Tiered *t, guint64 from, guint64 to, gboolean noise)
{
  guint64 id;

  for (id = from; id <= to; id++)
    fail_unless_equals_int (
        gst_harness_push (t->h, make_frame (id, noise)), GST_FLOW_OK);
}

static inline void
tiered_free (Tiered *t, gboolean keep_dir)
{
  gst_harness_teardown (t->h);
  gst_element_set_bus (t->sink, NULL);
  gst_object_unref (t->sink);
  gst_bus_set_flushing (t->bus, TRUE);
  gst_object_unref (t->bus);
  if (!keep_dir)
    tier_remove_tree (t->dir);
  g_free (t->dir);
  g_free (t);
}

static inline GstStructure *
tiered_stats (Tiered *t)
{
  GstStructure *s = NULL;

  g_object_get (t->sink, "stats", &s, NULL);
  fail_unless (s != NULL);
  return s;
}

static inline guint64
stat_of (Tiered *t, const gchar *field)
{
  GstStructure *s = tiered_stats (t);
  guint64 v = meteor_test_stat (s, field);

  gst_structure_free (s);
  return v;
}

static inline GstSample *
get_frame (GstElement *sink, guint64 id)
{
  GstSample *sample = NULL;

  g_signal_emit_by_name (sink, "get-frame", id, &sample);
  return sample;
}

static inline const gchar *
sample_tier (GstSample *sample)
{
  return gst_structure_get_string (gst_sample_get_info (sample), "tier");
}

/* Checks the frame meta and timestamps of frame @id. */
static inline void
check_meta (GstBuffer *buf, guint64 id)
{
  GstMeteorFrameMeta *meta = gst_buffer_get_meteor_frame_meta (buf);

  fail_unless (meta != NULL, "frame %" G_GUINT64_FORMAT " has no meta", id);
  fail_unless_equals_uint64 (meta->frame_id, id);
  fail_unless_equals_uint64 (meta->capture_time_utc, UTC0 + id * FRAME_NS);
  fail_unless_equals_string (meta->camera_id, "testcam");
  fail_unless_equals_uint64 (meta->exposure_time_us, 33000);
  fail_unless (meta->gain == 2.5);
  fail_unless (meta->temperature_c == -3.25);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), id * FRAME_NS);
}

/* Keeps @msg's structure in @found if it is an element message named
 * @name; counts it in @n_warnings if it is a warning containing @warning. */
static inline void
take_message (GstMessage *msg, const gchar *name, const gchar *warning,
    guint *n_warnings, GList **found)
{
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT &&
      gst_message_has_name (msg, name)) {
    *found = g_list_append (
        *found, gst_structure_copy (gst_message_get_structure (msg)));
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING && warning) {
    GError *err = NULL;

    gst_message_parse_warning (msg, &err, NULL);
    if (strstr (err->message, warning) && n_warnings)
      (*n_warnings)++;
    g_clear_error (&err);
  }
  gst_message_unref (msg);
}

/* Pops the element messages named @name (and counts warnings containing
 * @warning, if set) queued on @bus. */
static inline GList *
pop_messages (
    GstBus *bus, const gchar *name, const gchar *warning, guint *n_warnings)
{
  GList *found = NULL;
  GstMessage *msg;

  while ((msg = gst_bus_pop (bus)) != NULL)
    take_message (msg, name, warning, n_warnings, &found);
  return found;
}

/* As pop_messages, but waits (up to 60 s) until @n messages named @name
 * have come: clips are written on a thread of their own, so their
 * messages come some time after the frames. */
static inline GList *
await_messages (GstBus *bus, const gchar *name, guint n, const gchar *warning,
    guint *n_warnings)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  GList *found = NULL;
  GstMessage *msg;

  while (g_list_length (found) < n && g_get_monotonic_time () < deadline)
    if ((msg = gst_bus_timed_pop (bus, 100 * GST_MSECOND)) != NULL)
      take_message (msg, name, warning, n_warnings, &found);
  return g_list_concat (found, pop_messages (bus, name, warning, n_warnings));
}

static inline void
free_structures (GList *l)
{
  g_list_free_full (l, (GDestroyNotify)gst_structure_free);
}

static inline guint64
field_u64 (const GstStructure *s, const gchar *field)
{
  return meteor_test_stat (s, field);
}

static inline void
send_detection (Tiered *t, guint64 first, guint64 last)
{
  GstStructure *s =
      gst_structure_new ("meteor-detected", "id", G_TYPE_UINT, 1, "first-frame",
          G_TYPE_UINT64, first, "last-frame", G_TYPE_UINT64, last, NULL);

  fail_unless (gst_harness_push_event (
      t->h, gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s)));
}

/* Opens the clip at @path and checks that its frames are frames of
 * @from..@to in order, with their pixels (@size bytes each), and that it
 * holds all of them but @missing. */
static inline void
check_clip_frames (const gchar *path, guint64 from, guint64 to, gsize size,
    gboolean noise, guint64 missing)
{
  gchar err[512];
  TierClip *clip = tier_clip_open (path, err, sizeof err);
  guint8 *data = g_malloc (size), *want = g_malloc (size);
  gsize i;

  fail_unless (clip != NULL, "%s", err);
  fail_unless_equals_uint64 (clip->n_frames + missing, to - from + 1);
  fail_unless (strstr (clip->format, "GRAY8") != NULL);
  for (i = 0; i < clip->n_frames; i++) {
    guint64 id = clip->frames[i].frame_id;

    fail_unless (id >= from && id <= to);
    fail_unless (i == 0 || id > clip->frames[i - 1].frame_id);
    fail_unless_equals_uint64 (clip->frames[i].utc_ns, UTC0 + id * FRAME_NS);
    fail_unless (
        tier_clip_read_frame (clip, i, data, size, err, sizeof err) == 0, "%s",
        err);
    fill_frame (want, size, id, noise);
    fail_unless (memcmp (data, want, size) == 0, "frame %" G_GSIZE_FORMAT, i);
  }
  tier_clip_close (clip);
  g_free (data);
  g_free (want);
}

/* Checks the clip at @path holds frames @from..@to with their pixels. */
static inline void
check_clip (const gchar *path, guint64 from, guint64 to)
{
  check_clip_frames (path, from, to, FRAME, FALSE, 0);
}

/* The one tieredsink-clip-saved message on the bus: frames @from..@to,
 * the clip checked on disk. Free with free_structures. */
static inline GList *
one_clip_saved (Tiered *t, guint64 from, guint64 to)
{
  GList *msgs = await_messages (t->bus, "tieredsink-clip-saved", 1, NULL, NULL);
  const GstStructure *s;

  fail_unless_equals_int (g_list_length (msgs), 1);
  s = msgs->data;
  fail_unless_equals_uint64 (field_u64 (s, "first-frame"), from);
  fail_unless_equals_uint64 (field_u64 (s, "last-frame"), to);
  check_clip (gst_structure_get_string (s, "path"), from, to);
  return msgs;
}

#endif /* __METEOR_TIEREDTEST_H__ */
