/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteordetect's canaries, through the elements
 *
 * Canary meteors go into the detector's working image only: the frames
 * that leave meteordetect are byte for byte the frames that came in, with
 * or without canaries; no canary is a meteor-detected message, a region of
 * interest or a clip in tieredsink; the canaries are counted in stats; and
 * a lens that fogs up mid-run (meteorsky's transparency and blur, changed
 * while playing) brings the meteordetect-canary message and warning.
 */
#include <gst/check/gstcheck.h>
#include "../check/meteortest.h"
#include "tiercommon.h"
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define QUIET_SKY                                                              \
  "meteor-rate=0 fireball-rate=0 plane-rate=0 satellite-rate=0 "               \
  "flash-rate=0 cloud-cover=0"
/* one real meteor, bright and in the middle of the run */
#define ONE_METEOR                                                             \
  "meteor@600,x=100,y=380,angle=-30,speed=12,duration=0.6,snr=20"
#define CAPS "video/x-raw,format=GRAY8,width=640,height=480,framerate=25/1"

/* What the frames leaving meteordetect were: a checksum a frame, and the
 * regions of interest on them. */
typedef struct {
  GArray *sums;  /* guint64 */
  GArray *rois;  /* frame, x, y, w, h (guint) */
  guint64 light; /* frame light above 25 DN, summed, before / after fog */
  guint64 light_frames[2], light_sum[2];
  gint fog_at;
  GstElement *sky;
} Seen;

static guint64
fnv1a (const guint8 *p, gsize n, guint64 h)
{
  gsize i;

  for (i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

static GstPadProbeReturn
watch_frames (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Seen *seen = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstVideoRegionOfInterestMeta *roi;
  gpointer state = NULL;
  GstMapInfo map;
  guint64 sum;
  guint frame = seen->sums->len;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  sum = fnv1a (map.data, map.size, 0xcbf29ce484222325ull);
  gst_buffer_unmap (buf, &map);
  g_array_append_val (seen->sums, sum);
  while (
      (roi = (GstVideoRegionOfInterestMeta *)gst_buffer_iterate_meta_filtered (
           buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    guint v[5] = { frame, roi->x, roi->y, roi->w, roi->h };

    g_array_append_vals (seen->rois, v, 5);
  }
  return GST_PAD_PROBE_OK;
}

/* Before it goes to meteordetect: fogs the lens at frame fog_at, and sums
 * the stars' light before and after. */
static GstPadProbeReturn
fog_lens (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Seen *seen = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  guint64 frame = GST_BUFFER_OFFSET (buf), light = 0;
  GstMapInfo map;
  gsize i;
  int after = seen->fog_at >= 0 && frame >= (guint64)seen->fog_at + 25;

  if (seen->fog_at >= 0 && frame == (guint64)seen->fog_at)
    g_object_set (seen->sky, "transparency", 0.15, "blur", 1.0, NULL);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  for (i = 0; i < map.size; i++)
    light += map.data[i] > 25 ? map.data[i] - 25 : 0;
  gst_buffer_unmap (buf, &map);
  if (seen->fog_at < 0 || frame < (guint64)seen->fog_at || after) {
    seen->light_sum[after] += light;
    seen->light_frames[after]++;
  }
  return GST_PAD_PROBE_OK;
}

typedef struct {
  GPtrArray *meteors;  /* meteor-detected */
  GPtrArray *clips;    /* tieredsink-clip-saved */
  GstStructure *stats; /* meteordetect's, at the end */
  GstStructure *canary_message;
  gboolean canary_warning;
} Heard;

static void
heard_free (Heard *h)
{
  g_ptr_array_unref (h->meteors);
  g_ptr_array_unref (h->clips);
  if (h->stats)
    gst_structure_free (h->stats);
  if (h->canary_message)
    gst_structure_free (h->canary_message);
}

/* Plays @pipeline until EOS, or with @until_canary until the canary
 * warning and message have both come (a deadline of 120 s either way). */
static void
play (GstElement *pipeline, gboolean until_canary, Heard *h)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstElement *det = gst_bin_get_by_name (GST_BIN (pipeline), "det");
  gint64 deadline = g_get_monotonic_time () + 120 * G_TIME_SPAN_SECOND;
  gboolean done = FALSE;

  memset (h, 0, sizeof (*h));
  h->meteors =
      g_ptr_array_new_with_free_func ((GDestroyNotify)gst_structure_free);
  h->clips =
      g_ptr_array_new_with_free_func ((GDestroyNotify)gst_structure_free);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
               GST_STATE_CHANGE_FAILURE);
  while (!done) {
    gint64 left = deadline - g_get_monotonic_time ();
    GstMessage *msg =
        gst_bus_timed_pop_filtered (bus, left > 0 ? left * GST_USECOND : 0,
            GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING |
                GST_MESSAGE_ELEMENT);
    const GstStructure *s;

    fail_unless (msg != NULL, "deadline passed (no EOS, no canary warning)");
    s = gst_message_get_structure (msg);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err = NULL;

      gst_message_parse_error (msg, &err, NULL);
      fail ("error from %s: %s", GST_OBJECT_NAME (msg->src), err->message);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      done = TRUE;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      const GstStructure *details = NULL;

      gst_message_parse_warning_details (msg, &details);
      if (GST_MESSAGE_SRC (msg) == GST_OBJECT (det) && details &&
          gst_structure_has_field (details, "recall"))
        h->canary_warning = TRUE;
    } else if (gst_structure_has_name (s, "meteor-detected")) {
      g_ptr_array_add (h->meteors, gst_structure_copy (s));
    } else if (gst_structure_has_name (s, "tieredsink-clip-saved")) {
      g_ptr_array_add (h->clips, gst_structure_copy (s));
    } else if (gst_structure_has_name (s, "meteordetect-canary") &&
               !h->canary_message) {
      h->canary_message = gst_structure_copy (s);
    }
    if (until_canary && h->canary_warning && h->canary_message)
      done = TRUE;
    gst_message_unref (msg);
  }
  g_object_get (det, "stats", &h->stats, NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (det);
  gst_object_unref (bus);
}

static GstElement *
station (const gchar *canary, const gchar *store, Seen *seen)
{
  gchar *desc = g_strdup_printf (
      "meteorsky name=sky seed=4 num-buffers=1500 " QUIET_SKY
      " schedule=\"" ONE_METEOR "\" ! " CAPS " ! meteorpool ! "
      "meteordetect name=det %s ! tieredsink location=%s hot-frames=60 "
      "warm-max-bytes=0 pre-trigger=1000000000 post-trigger=1000000000",
      canary, store);
  GstElement *pipeline = meteor_test_parse (desc);
  GstElement *det = gst_bin_get_by_name (GST_BIN (pipeline), "det");
  GstPad *pad = gst_element_get_static_pad (det, "src");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, watch_frames, seen, NULL);
  gst_object_unref (pad);
  gst_object_unref (det);
  g_free (desc);
  return pipeline;
}

static void
seen_init (Seen *seen)
{
  memset (seen, 0, sizeof (*seen));
  seen->sums = g_array_new (FALSE, FALSE, sizeof (guint64));
  seen->rois = g_array_new (FALSE, FALSE, sizeof (guint));
  seen->fog_at = -1;
}

static void
seen_clear (Seen *seen)
{
  g_array_unref (seen->sums);
  g_array_unref (seen->rois);
}

/* The real meteor is the same with canaries around: its frames and ends
 * (their capture times differ: they are the wall clock's). */
static void
same_meteor (const GstStructure *a, const GstStructure *b)
{
  static const gchar *ends[] = { "x0", "y0", "x1", "y1" };
  guint64 fa, fb;
  gdouble va, vb;
  guint i;

  fail_unless (gst_structure_get_uint64 (a, "first-frame", &fa) &&
               gst_structure_get_uint64 (b, "first-frame", &fb) && fa == fb);
  fail_unless (gst_structure_get_uint64 (a, "last-frame", &fa) &&
               gst_structure_get_uint64 (b, "last-frame", &fb) && fa == fb);
  for (i = 0; i < G_N_ELEMENTS (ends); i++) {
    fail_unless (gst_structure_get_double (a, ends[i], &va) &&
                 gst_structure_get_double (b, ends[i], &vb));
    fail_unless (
        fabs (va - vb) < 1.0, "%s %f, with canaries %f", ends[i], va, vb);
  }
}

GST_START_TEST (test_canaries_leave_no_trace)
{
  gchar *store_a = g_dir_make_tmp ("canary-XXXXXX", NULL);
  gchar *store_b = g_dir_make_tmp ("canary-XXXXXX", NULL);
  Seen plain, with;
  Heard hp, hw;
  GstElement *pipeline;
  guint i, f_first, f_last;

  seen_init (&plain);
  seen_init (&with);
  pipeline = station ("", store_a, &plain);
  play (pipeline, FALSE, &hp);
  gst_object_unref (pipeline);
  pipeline = station ("canary-rate=3600", store_b, &with);
  play (pipeline, FALSE, &hw);
  gst_object_unref (pipeline);

  /* the canaries were there, found and counted */
  fail_unless (meteor_test_stat (hw.stats, "canary-injected") >= 20,
      "%" G_GUINT64_FORMAT " canaries in a minute at 3600/h",
      meteor_test_stat (hw.stats, "canary-injected"));
  fail_unless (meteor_test_stat (hw.stats, "canary-found") >= 10);
  fail_unless_equals_uint64 (meteor_test_stat (hp.stats, "canary-injected"), 0);
  /* one meteor, the real one, both ways: as a message and as a clip */
  fail_unless_equals_int (hp.meteors->len, 1);
  fail_unless_equals_int (hw.meteors->len, 1);
  same_meteor (
      g_ptr_array_index (hp.meteors, 0), g_ptr_array_index (hw.meteors, 0));
  fail_unless_equals_int (hp.clips->len, 1);
  fail_unless_equals_int (hw.clips->len, 1);
  fail_unless_equals_uint64 (meteor_test_stat (hw.stats, "detections"), 1);
  /* the frames that left, byte for byte, and regions of interest only on
   * the real meteor's frames */
  fail_unless_equals_int (plain.sums->len, 1500);
  fail_unless_equals_int (with.sums->len, 1500);
  for (i = 0; i < 1500; i++)
    fail_unless (g_array_index (plain.sums, guint64, i) ==
                     g_array_index (with.sums, guint64, i),
        "frame %u differs with canaries", i);
  {
    guint64 f0, f1;

    fail_unless (gst_structure_get_uint64 (
        g_ptr_array_index (hw.meteors, 0), "first-frame", &f0));
    fail_unless (gst_structure_get_uint64 (
        g_ptr_array_index (hw.meteors, 0), "last-frame", &f1));
    f_first = (guint)f0;
    f_last = (guint)f1;
  }
  fail_unless (with.rois->len > 0);
  fail_unless_equals_int (with.rois->len, plain.rois->len);
  for (i = 0; i < with.rois->len; i += 5) {
    guint frame = g_array_index (with.rois, guint, i);

    fail_unless (frame >= f_first && frame <= f_last,
        "a region of interest on frame %u, the meteor was in %u-%u", frame,
        f_first, f_last);
    fail_unless (
        memcmp (&g_array_index (with.rois, guint, i),
            &g_array_index (plain.rois, guint, i), 5 * sizeof (guint)) == 0,
        "regions of interest differ with canaries");
  }

  heard_free (&hp);
  heard_free (&hw);
  seen_clear (&plain);
  seen_clear (&with);
  tier_remove_tree (store_a);
  tier_remove_tree (store_b);
  g_free (store_a);
  g_free (store_b);
}

GST_END_TEST;

/* The stats name the canaries' counters as meteorstats' /metrics reads
 * them: counters as integers, recalls as doubles (NaN until known). */
GST_START_TEST (test_canary_stats_fields)
{
  static const gchar *counters[] = { "canary-injected", "canary-found",
    "canary-missed", "canary-injected-snr3", "canary-found-snr3",
    "canary-missed-snr3", "canary-injected-snr5", "canary-found-snr5",
    "canary-missed-snr5", "canary-injected-snr10", "canary-found-snr10",
    "canary-missed-snr10" };
  static const gchar *recalls[] = { "canary-recall", "canary-recall-snr3",
    "canary-recall-snr5", "canary-recall-snr10", "canary-optics" };
  GstElement *det = gst_element_factory_make ("meteordetect", NULL);
  GstStructure *s = NULL;
  gdouble v;
  guint i;

  g_object_get (det, "stats", &s, NULL);
  for (i = 0; i < G_N_ELEMENTS (counters); i++)
    fail_unless_equals_uint64 (meteor_test_stat (s, counters[i]), 0);
  for (i = 0; i < G_N_ELEMENTS (recalls) - 1; i++)
    fail_unless (gst_structure_get_double (s, recalls[i], &v) && isnan (v),
        "%s is not NaN before any canary", recalls[i]);
  gst_structure_free (s);
  g_object_set (det, "canary-rate", 60.0, "canary-window", 5,
      "canary-min-recall", 0.7, NULL);
  g_object_get (det, "canary-rate", &v, NULL);
  fail_unless_equals_float (v, 60.0);
  gst_object_unref (det);
}

GST_END_TEST;

/* A lens fogging up mid-run dims the canaries as it dims the stars and
 * meteors: their recall falls below canary-min-recall and says so, with
 * a meteordetect-canary message and a warning. */
GST_START_TEST (test_fogged_lens_warns)
{
  GstElement *pipeline = meteor_test_parse (
      "meteorsky name=sky seed=5 num-buffers=20000 " QUIET_SKY " ! " CAPS
      " ! meteordetect name=det canary-rate=3600 canary-window=10 "
      "canary-min-recall=0.5 ! fakesink");
  GstElement *sky = gst_bin_get_by_name (GST_BIN (pipeline), "sky");
  GstPad *pad = gst_element_get_static_pad (sky, "src");
  gdouble recall, optics;
  Seen seen;
  Heard h;

  seen_init (&seen);
  seen.sky = sky;
  seen.fog_at = 1500;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, fog_lens, &seen, NULL);
  play (pipeline, TRUE, &h);
  fail_unless (h.canary_warning, "no warning");
  fail_unless (h.canary_message != NULL, "no meteordetect-canary message");
  fail_unless (gst_structure_get_double (h.canary_message, "recall", &recall));
  fail_unless (recall < 0.5, "recall %f", recall);
  fail_unless (gst_structure_get_double (h.stats, "canary-optics", &optics));
  fail_unless (optics < 0.5, "optics %f through the fog", optics);
  /* the sky's stars did dim in the frames themselves */
  fail_unless (seen.light_frames[0] > 0 && seen.light_frames[1] > 0);
  fail_unless (seen.light_sum[1] * seen.light_frames[0] <
                   0.7 * seen.light_sum[0] * seen.light_frames[1],
      "the frames' light went from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
      " a frame",
      seen.light_sum[0] / seen.light_frames[0],
      seen.light_sum[1] / seen.light_frames[1]);
  /* and nothing was reported as a meteor */
  fail_unless_equals_int (h.meteors->len, 0);

  heard_free (&h);
  seen_clear (&seen);
  gst_object_unref (pad);
  gst_object_unref (sky);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
canary_suite (void)
{
  Suite *s = suite_create ("meteordetect-canary");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 300);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_canary_stats_fields);
  tcase_add_test (tc, test_canaries_leave_no_trace);
  tcase_add_test (tc, test_fogged_lens_warns);
  return s;
}

METEOR_CHECK_MAIN (canary);
