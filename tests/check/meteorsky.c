/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteorsky element tests
 *
 * The synthetic sky is a test instrument, so it is held to what a test
 * instrument needs: the same seed gives the same bytes, every format and
 * odd size renders, downstream's pool and strides are used (meteorpool's
 * ring: zero copies), the ground truth is complete and parseable, bad
 * settings are named on the bus, and a live sky keeps time.
 */
#include <gst/check/gstcheck.h>
#include "meteortest.h"
#include <json-glib/json-glib.h>
#include <gst/app/gstappsink.h>
#include <gst/meteor/meteor.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <math.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */

static void
set_sky (GstElement *pipeline, const gchar *first_property, ...)
{
  GstElement *sky = gst_bin_get_by_name (GST_BIN (pipeline), "sky");
  va_list args;

  fail_unless (sky != NULL, "no element named sky");
  va_start (args, first_property);
  g_object_set_valist (G_OBJECT (sky), first_property, args);
  va_end (args);
  gst_object_unref (sky);
}

static void
fail_on_error_message (GstMessage *msg)
{
  GError *err = NULL;
  gchar *dbg = NULL;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ERROR)
    return;
  gst_message_parse_error (msg, &err, &dbg);
  fail ("error from %s: %s (%s)", GST_OBJECT_NAME (msg->src), err->message,
      dbg ? dbg : "");
  g_clear_error (&err);
  g_free (dbg);
}

/* Plays @pipeline to EOS, failing on an ERROR; returns the structures of
 * the meteorsky-truth messages, in order. */
static GPtrArray *
play_to_eos (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GPtrArray *truth =
      g_ptr_array_new_with_free_func ((GDestroyNotify)gst_structure_free);
  gboolean done = FALSE;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
               GST_STATE_CHANGE_FAILURE);
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);

    fail_unless (msg != NULL, "timeout waiting for EOS");
    fail_on_error_message (msg);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
      done = TRUE;
    else if (gst_message_has_name (msg, "meteorsky-truth"))
      g_ptr_array_add (
          truth, gst_structure_copy (gst_message_get_structure (msg)));
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return truth;
}

/* Waits for the first ERROR of a pipeline that must fail; returns its
 * message text, and in @ret what setting it PLAYING returned. */
static gchar *
expect_error (GstElement *pipeline, GstStateChangeReturn *ret)
{
  return meteor_test_expect_error_full (pipeline, NULL, NULL, ret);
}

/* ------------------------------------------ frames pulled from appsink */

typedef struct {
  GstVideoInfo info; /* of the negotiated caps */
  GPtrArray *frames; /* GBytes: the visible pixels, plane by plane, rows
                        without padding */
  GArray *pts, *duration, *offset, *offset_end;
  gboolean padded; /* some frame had a video meta with padded rows */
} Run;

static void
run_free (Run *run)
{
  g_ptr_array_unref (run->frames);
  g_array_unref (run->pts);
  g_array_unref (run->duration);
  g_array_unref (run->offset);
  g_array_unref (run->offset_end);
  g_free (run);
}

/* Bytes of visible pixels in a row of @plane. */
static gint
row_bytes (const GstVideoFrame *frame, guint plane)
{
  gint comp[GST_VIDEO_MAX_COMPONENTS];

  gst_video_format_info_component (frame->info.finfo, plane, comp);
  return GST_VIDEO_FRAME_COMP_WIDTH (frame, comp[0]) *
         GST_VIDEO_FRAME_COMP_PSTRIDE (frame, comp[0]);
}

static gint
plane_rows (const GstVideoFrame *frame, guint plane)
{
  gint comp[GST_VIDEO_MAX_COMPONENTS];

  gst_video_format_info_component (frame->info.finfo, plane, comp);
  return GST_VIDEO_FRAME_COMP_HEIGHT (frame, comp[0]);
}

static void
record_frame (Run *run, GstBuffer *buf)
{
  GstVideoFrame frame;
  GByteArray *pixels = g_byte_array_new ();
  guint64 v;
  guint p;
  gint y;

  fail_unless (gst_video_frame_map (&frame, &run->info, buf, GST_MAP_READ),
      "cannot map a %" G_GSIZE_FORMAT "-byte frame", gst_buffer_get_size (buf));
  for (p = 0; p < GST_VIDEO_FRAME_N_PLANES (&frame); p++) {
    const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (&frame, p);
    gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, p);

    /* strides other than the default layout's, from a video meta */
    if (gst_buffer_get_video_meta (buf) != NULL &&
        stride != GST_VIDEO_INFO_PLANE_STRIDE (&run->info, p))
      run->padded = TRUE;
    for (y = 0; y < plane_rows (&frame, p); y++)
      g_byte_array_append (pixels, data + y * stride, row_bytes (&frame, p));
  }
  gst_video_frame_unmap (&frame);
  g_ptr_array_add (run->frames, g_byte_array_free_to_bytes (pixels));

  v = GST_BUFFER_PTS (buf);
  g_array_append_val (run->pts, v);
  v = GST_BUFFER_DURATION (buf);
  g_array_append_val (run->duration, v);
  v = GST_BUFFER_OFFSET (buf);
  g_array_append_val (run->offset, v);
  v = GST_BUFFER_OFFSET_END (buf);
  g_array_append_val (run->offset_end, v);
}

/* Plays a pipeline ending in "appsink name=sink" to EOS and keeps every
 * frame. */
static Run *
pull_frames (GstElement *pipeline)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstBus *bus = gst_element_get_bus (pipeline);
  Run *run = g_new0 (Run, 1);
  GstMessage *msg;

  run->frames = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  run->pts = g_array_new (FALSE, FALSE, sizeof (guint64));
  run->duration = g_array_new (FALSE, FALSE, sizeof (guint64));
  run->offset = g_array_new (FALSE, FALSE, sizeof (guint64));
  run->offset_end = g_array_new (FALSE, FALSE, sizeof (guint64));

  fail_unless (sink != NULL, "no appsink named sink");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
               GST_STATE_CHANGE_FAILURE);
  for (;;) {
    GstSample *sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 30 * GST_SECOND);

    if (sample == NULL) {
      /* an error ends the stream too: name it rather than a timeout */
      msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      if (msg) {
        fail_on_error_message (msg);
        gst_message_unref (msg);
      }
      fail_unless (gst_app_sink_is_eos (GST_APP_SINK (sink)),
          "timeout waiting for a frame");
      break;
    }
    if (run->frames->len == 0)
      fail_unless (
          gst_video_info_from_caps (&run->info, gst_sample_get_caps (sample)));
    record_frame (run, gst_sample_get_buffer (sample));
    gst_sample_unref (sample);
  }
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg) {
    fail_on_error_message (msg);
    gst_message_unref (msg);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  return run;
}

static Run *
run_desc (const gchar *desc)
{
  GstElement *pipeline = meteor_test_parse (desc);
  Run *run = pull_frames (pipeline);

  gst_object_unref (pipeline);
  return run;
}

static Run *
run_sky (const gchar *sky_props, const gchar *caps)
{
  gchar *desc = g_strdup_printf (
      "meteorsky name=sky %s ! %s ! appsink name=sink sync=false", sky_props,
      caps);
  Run *run = run_desc (desc);

  g_free (desc);
  return run;
}

static GBytes *
frame_at (Run *run, guint i)
{
  return g_ptr_array_index (run->frames, i);
}

static guint64
frame_u64 (GArray *a, guint i)
{
  return g_array_index (a, guint64, i);
}

/* FNV-1a over every byte */
static guint64
checksum (GBytes *bytes)
{
  gsize n, i;
  const guint8 *p = g_bytes_get_data (bytes, &n);
  guint64 h = 14695981039346656037ULL;

  for (i = 0; i < n; i++)
    h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

static gboolean
frames_equal (Run *a, guint i, Run *b, guint j)
{
  return g_bytes_equal (frame_at (a, i), frame_at (b, j));
}

/* Mean sample value of frame @i (GRAY8 or GRAY16_LE). */
static gdouble
gray_mean (Run *run, guint i)
{
  gsize n, k;
  const guint8 *p = g_bytes_get_data (frame_at (run, i), &n);
  gdouble sum = 0;

  if (GST_VIDEO_INFO_FORMAT (&run->info) == GST_VIDEO_FORMAT_GRAY16_LE) {
    for (k = 0; k + 1 < n; k += 2)
      sum += p[k] | (p[k + 1] << 8);
    return sum / (n / 2);
  }
  for (k = 0; k < n; k++)
    sum += p[k];
  return sum / n;
}

/* Frame i at @base + i frame times; offsets count frames. */
static void
check_timestamps_from (Run *run, GstClockTime base, gint fps_n, gint fps_d)
{
  guint i;

  for (i = 0; i < run->frames->len; i++) {
    GstClockTime pts =
        base + gst_util_uint64_scale (i, fps_d * GST_SECOND, fps_n);
    GstClockTime next =
        gst_util_uint64_scale (i + 1, fps_d * GST_SECOND, fps_n);

    fail_unless_equals_uint64 (frame_u64 (run->pts, i), pts);
    fail_unless_equals_uint64 (frame_u64 (run->duration, i), base + next - pts);
    fail_unless_equals_uint64 (frame_u64 (run->offset, i), i);
    fail_unless_equals_uint64 (frame_u64 (run->offset_end, i), i + 1);
  }
}

static void
check_timestamps (Run *run, gint fps_n, gint fps_d)
{
  check_timestamps_from (run, 0, fps_n, fps_d);
}

/* ------------------------------------------- the truth file's lines */

/* The object a line of the truth file holds (json-glib), or NULL when it
 * is not one JSON object. */
static JsonObject *
parse_json_line (const gchar *line)
{
  JsonParser *parser = json_parser_new ();
  JsonObject *obj = NULL;
  JsonNode *root;

  if (json_parser_load_from_data (parser, line, -1, NULL) &&
      (root = json_parser_get_root (parser)) != NULL &&
      JSON_NODE_HOLDS_OBJECT (root))
    obj = json_object_ref (json_node_get_object (root));
  g_object_unref (parser);
  return obj;
}

/* Member @key, which must be there and be a number. */
static gdouble
json_number (JsonObject *obj, const gchar *key)
{
  JsonNode *n = json_object_get_member (obj, key);

  fail_unless (n != NULL && JSON_NODE_HOLDS_VALUE (n) &&
                   (json_node_get_value_type (n) == G_TYPE_DOUBLE ||
                       json_node_get_value_type (n) == G_TYPE_INT64),
      "no number %s", key);
  return json_node_get_double (n);
}

/* Member @key, which must be there and be a string. */
static const gchar *
json_string (JsonObject *obj, const gchar *key)
{
  JsonNode *n = json_object_get_member (obj, key);

  fail_unless (n != NULL && JSON_NODE_HOLDS_VALUE (n) &&
                   json_node_get_value_type (n) == G_TYPE_STRING,
      "no string %s", key);
  return json_node_get_string (n);
}

/* ------------------------------------------------------------- tests */

#define DETERMINISM_SKY "num-buffers=20 meteor-rate=600 plane-rate=60"

GST_START_TEST (test_determinism)
{
  const gchar *gray = "video/x-raw,format=GRAY8,width=320,height=240";
  const gchar *rgb = "video/x-raw,format=RGB,width=320,height=240";
  Run *a = run_sky ("seed=7 " DETERMINISM_SKY, gray);
  Run *b = run_sky ("seed=7 " DETERMINISM_SKY, gray);
  Run *c = run_sky ("seed=8 " DETERMINISM_SKY, gray);
  Run *ra, *rb;
  guint i, changes = 0;

  fail_unless_equals_int (a->frames->len, 20);
  fail_unless_equals_int (b->frames->len, 20);
  fail_unless_equals_int (c->frames->len, 20);
  fail_unless_equals_uint64 (g_bytes_get_size (frame_at (a, 0)), 320 * 240);
  check_timestamps (a, 30, 1);

  for (i = 0; i < 20; i++) {
    fail_unless_equals_uint64 (
        checksum (frame_at (a, i)), checksum (frame_at (b, i)));
    fail_unless (frames_equal (a, i, b, i), "seed 7 frame %u differs", i);
    fail_if (frames_equal (a, i, c, i), "seeds 7 and 8 give frame %u alike", i);
    if (i > 0 && !frames_equal (a, i, a, i - 1))
      changes++;
  }
  /* a sky, not a still: noise changes every frame */
  fail_unless_equals_int (changes, 19);

  ra = run_sky ("seed=7 " DETERMINISM_SKY, rgb);
  rb = run_sky ("seed=7 " DETERMINISM_SKY, rgb);
  fail_unless_equals_int (ra->frames->len, 20);
  fail_unless_equals_int (rb->frames->len, 20);
  for (i = 0; i < 20; i++)
    fail_unless (frames_equal (ra, i, rb, i), "seed 7 RGB frame %u differs", i);

  run_free (a);
  run_free (b);
  run_free (c);
  run_free (ra);
  run_free (rb);
}

GST_END_TEST;

/* The same element run twice (PLAYING, NULL, PLAYING) starts over: frame
 * numbers, timestamps and pixels. */
GST_START_TEST (test_restart_starts_over)
{
  GstElement *pipeline =
      meteor_test_parse ("meteorsky name=sky seed=3 num-buffers=8 "
                         "meteor-rate=600 ! "
                         "video/x-raw,format=GRAY8,width=160,height=120"
                         " ! appsink name=sink sync=false");
  Run *a = pull_frames (pipeline);
  Run *b = pull_frames (pipeline);
  guint i;

  fail_unless_equals_int (a->frames->len, 8);
  fail_unless_equals_int (b->frames->len, 8);
  check_timestamps (b, 30, 1);
  for (i = 0; i < 8; i++)
    fail_unless (frames_equal (a, i, b, i), "frame %u differs on restart", i);

  run_free (a);
  run_free (b);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static const gchar *all_formats[] = { "GRAY8", "GRAY16_LE", "I420", "NV12",
  "YUY2", "RGB", "BGR", "RGBx", "BGRx" };

GST_START_TEST (test_every_format_and_odd_sizes)
{
  static const gint sizes[][2] = { { 64, 48 }, { 97, 61 } };
  gdouble mean8 = 0, mean16 = 0;
  guint f, s, i;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    for (f = 0; f < G_N_ELEMENTS (all_formats); f++) {
      gchar *caps = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d",
          all_formats[f], sizes[s][0], sizes[s][1]);
      Run *run = run_sky ("seed=11 num-buffers=3", caps);
      GstVideoFormat fmt = gst_video_format_from_string (all_formats[f]);

      fail_unless_equals_int (run->frames->len, 3);
      fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&run->info), fmt);
      fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&run->info), sizes[s][0]);
      fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&run->info), sizes[s][1]);
      /* fixated: 30/1 */
      fail_unless_equals_int (GST_VIDEO_INFO_FPS_N (&run->info), 30);
      fail_unless_equals_int (GST_VIDEO_INFO_FPS_D (&run->info), 1);
      check_timestamps (run, 30, 1);
      for (i = 0; i < 3; i++) {
        gsize n;
        const guint8 *p = g_bytes_get_data (frame_at (run, i), &n);
        gsize k, varied = 0;

        /* something was drawn: not one value everywhere */
        for (k = 1; k < n; k++)
          varied += p[k] != p[0];
        fail_unless (varied > 0, "%s %dx%d frame %u is flat", all_formats[f],
            sizes[s][0], sizes[s][1], i);
      }
      if (s == 0 && fmt == GST_VIDEO_FORMAT_GRAY8)
        mean8 = (gray_mean (run, 0) + gray_mean (run, 1) + gray_mean (run, 2));
      if (s == 0 && fmt == GST_VIDEO_FORMAT_GRAY16_LE)
        mean16 = (gray_mean (run, 0) + gray_mean (run, 1) + gray_mean (run, 2));
      run_free (run);
      g_free (caps);
    }
  }
  /* 16-bit is the same sky scaled by 256 */
  fail_unless (mean8 > 0);
  fail_unless (fabs (mean16 / (256.0 * mean8) - 1.0) <= 0.02,
      "GRAY16_LE mean %.1f is not 256 x GRAY8 mean %.3f", mean16 / 3,
      mean8 / 3);
}

GST_END_TEST;

GST_START_TEST (test_fixate_defaults)
{
  Run *run = run_sky ("num-buffers=1", "video/x-raw");

  /* 640x480 at 30/1 in the first format listed, GRAY8 */
  fail_unless_equals_int (run->frames->len, 1);
  fail_unless_equals_int (
      GST_VIDEO_INFO_FORMAT (&run->info), GST_VIDEO_FORMAT_GRAY8);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&run->info), 640);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&run->info), 480);
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_N (&run->info), 30);
  fail_unless_equals_int (GST_VIDEO_INFO_FPS_D (&run->info), 1);
  run_free (run);
}

GST_END_TEST;

static gboolean
have_element (const gchar *name)
{
  GstElementFactory *f = gst_element_factory_find (name);

  if (f)
    gst_object_unref (f);
  return f != NULL;
}

/* The sky's luma is its DN in every format: I420, NV12 and YUY2 say full range
 * in their colorimetry, so a converter to GRAY8 (as an IP camera pipeline
 * has after its decoder) keeps the same values at HD sizes too, where
 * studio range is the default and would clip the dark sky at black; and
 * the range survives an H.264 round trip. */
GST_START_TEST (test_yuv_full_range)
{
  const gchar *size = "width=1280,height=720";
  gchar *caps = g_strdup_printf ("video/x-raw,format=GRAY8,%s", size);
  Run *gray = run_sky ("seed=4 num-buffers=3", caps);
  const gchar *yuv[] = { "I420", "NV12", "YUY2" };
  guint f, i;

  g_free (caps);
  for (f = 0; f < G_N_ELEMENTS (yuv); f++) {
    gchar *desc;
    Run *run;

    caps = g_strdup_printf ("video/x-raw,format=%s,%s", yuv[f], size);
    run = run_sky ("seed=4 num-buffers=1", caps);
    fail_unless_equals_int (
        run->info.colorimetry.range, GST_VIDEO_COLOR_RANGE_0_255);
    run_free (run);

    desc = g_strdup_printf ("meteorsky seed=4 num-buffers=3 ! %s ! "
                            "videoconvert ! video/x-raw,format=GRAY8 ! "
                            "appsink name=sink sync=false",
        caps);
    run = run_desc (desc);
    fail_unless_equals_int (run->frames->len, 3);
    for (i = 0; i < 3; i++)
      fail_unless (frames_equal (run, i, gray, i),
          "%s through videoconvert: frame %u is not the GRAY8 sky", yuv[f], i);
    run_free (run);
    g_free (desc);
    g_free (caps);
  }
  run_free (gray);

  /* through the encoder and back: the decoder says full range too */
  if (have_element ("x264enc") && have_element ("avdec_h264")) {
    Run *run = run_desc ("meteorsky seed=4 num-buffers=2 ! "
                         "video/x-raw,format=I420,width=320,height=240 ! "
                         "x264enc ! avdec_h264 ! appsink name=sink sync=false");

    fail_unless_equals_int (run->frames->len, 2);
    fail_unless_equals_int (
        run->info.colorimetry.range, GST_VIDEO_COLOR_RANGE_0_255);
    run_free (run);
  } else {
    g_print ("test_yuv_full_range: no x264enc or avdec_h264, H.264 part "
             "skipped\n");
  }
}

GST_END_TEST;

/* An appsink whose pool pads every row and plane, with video meta: the
 * sky must land in the same visible pixels as without padding. */
static GstPadProbeReturn
offer_padded_pool (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  GstVideoAlignment align;
  GstBufferPool *pool;
  GstStructure *config;
  GstVideoInfo vinfo;
  GstCaps *caps;

  if (GST_QUERY_TYPE (query) != GST_QUERY_ALLOCATION)
    return GST_PAD_PROBE_OK;
  gst_query_parse_allocation (query, &caps, NULL);
  fail_unless (caps && gst_video_info_from_caps (&vinfo, caps));

  gst_video_alignment_reset (&align);
  align.padding_left = 16;
  align.padding_right = 32;
  align.padding_top = 2;
  align.padding_bottom = 4;
  pool = gst_video_buffer_pool_new ();
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, vinfo.size, 0, 0);
  /* no VIDEO_META option here: adding it, as downstream reads video meta,
   * is the source's job (GstVideoBufferPool pads only with it) */
  gst_buffer_pool_config_add_option (
      config, GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT);
  gst_buffer_pool_config_set_video_alignment (config, &align);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  gst_query_add_allocation_pool (query, pool, vinfo.size, 0, 0);
  gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  gst_object_unref (pool);
  return GST_PAD_PROBE_HANDLED;
}

GST_START_TEST (test_downstream_strides)
{
  static const gchar *cases[] = { "format=GRAY8,width=97,height=61",
    "format=I420,width=98,height=62", "format=NV12,width=64,height=48",
    "format=RGB,width=97,height=61" };
  guint c, i;

  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    gchar *desc = g_strdup_printf ("meteorsky seed=5 num-buffers=4 "
                                   "meteor-rate=600 ! video/x-raw,%s ! "
                                   "appsink name=sink sync=false",
        cases[c]);
    GstElement *pipeline = meteor_test_parse (desc);
    GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
    GstPad *pad = gst_element_get_static_pad (sink, "sink");
    Run *plain = run_desc (desc);
    Run *padded;

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
        offer_padded_pool, NULL, NULL);
    padded = pull_frames (pipeline);
    fail_unless (
        padded->padded, "%s: the frames had no padded video meta", cases[c]);
    fail_if (plain->padded);
    fail_unless_equals_int (padded->frames->len, 4);
    for (i = 0; i < 4; i++)
      fail_unless (frames_equal (plain, i, padded, i),
          "%s: frame %u differs with padded strides", cases[c], i);

    run_free (plain);
    run_free (padded);
    gst_object_unref (pad);
    gst_object_unref (sink);
    gst_object_unref (pipeline);
    g_free (desc);
  }
}

GST_END_TEST;

static void
on_handoff (GstElement *sink, GstBuffer *buf, GstPad *pad, guint *in_ring)
{
  guint i, n = gst_buffer_n_memory (buf), ring = 0;

  for (i = 0; i < n; i++)
    ring += gst_is_meteor_ring_memory (gst_buffer_peek_memory (buf, i));
  /* only the streaming thread counts */
  in_ring[0]++;
  if (n > 0 && ring == n)
    in_ring[1]++;
}

GST_START_TEST (test_zero_copy_into_meteorpool)
{
  GstElement *pipeline =
      meteor_test_parse ("meteorsky name=sky num-buffers=30 ! "
                         "video/x-raw,format=RGB,width=640,height=480 ! "
                         "meteorpool name=p ! fakesink name=s sync=false");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "s");
  GstElement *pool = gst_bin_get_by_name (GST_BIN (pipeline), "p");
  guint in_ring[2] = { 0, 0 }; /* frames, frames wholly in the ring */
  GstStructure *stats = NULL;
  GPtrArray *truth;

  g_object_set (sink, "signal-handoffs", TRUE, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), in_ring);
  truth = play_to_eos (pipeline);
  g_object_get (pool, "stats", &stats, NULL);
  fail_unless (stats != NULL);

  fail_unless_equals_int (in_ring[0], 30);
  fail_unless_equals_int (in_ring[1], 30);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "frames"), 30);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "zero-copy-frames"), 30);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "ingress-copies"), 0);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "bytes-copied"), 0);
  fail_unless_equals_uint64 (meteor_test_stat (stats, "ring-overflows"), 0);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_ptr_array_unref (truth);
  gst_structure_free (stats);
  gst_object_unref (pool);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

GST_END_TEST;

#define QUIET_SKY                                                              \
  "meteor-rate=0 fireball-rate=0 plane-rate=0 satellite-rate=0 "               \
  "flash-rate=0 cloud-cover=0 hot-pixels=0"

GST_START_TEST (test_truth_messages_and_file)
{
  gchar *dir = g_dir_make_tmp ("meteorsky-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "truth.jsonl", NULL);
  GstElement *pipeline = meteor_test_parse (
      "meteorsky name=sky seed=21 num-buffers=60 " QUIET_SKY " ! "
      "video/x-raw,format=GRAY8,width=320,height=240,framerate=30/1 ! "
      "fakesink sync=false");
  const GstStructure *m;
  GPtrArray *truth;
  JsonObject *header, *meteor, *end;
  gchar *contents = NULL, **lines;
  guint64 first_frame, last_frame;
  guint id;
  gdouble snr, v;
  guint n_lines;

  /* stale content must go: the file is truncated at start */
  fail_unless (
      g_file_set_contents (path, "stale\nstale\nstale\nstale\n", -1, NULL));
  set_sky (
      pipeline, "schedule", "meteor@10,snr=8", "truth-location", path, NULL);
  truth = play_to_eos (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  /* one object, the scheduled meteor */
  fail_unless_equals_int (truth->len, 1);
  m = g_ptr_array_index (truth, 0);
  fail_unless_equals_string (gst_structure_get_string (m, "kind"), "meteor");
  fail_unless (gst_structure_get_uint (m, "id", &id));
  fail_unless (gst_structure_get_uint64 (m, "first-frame", &first_frame));
  fail_unless (gst_structure_get_uint64 (m, "last-frame", &last_frame));
  fail_unless (
      first_frame >= 10, "first-frame %" G_GUINT64_FORMAT, first_frame);
  fail_unless (last_frame < 60, "last-frame %" G_GUINT64_FORMAT, last_frame);
  fail_unless (first_frame <= last_frame);
  fail_unless (gst_structure_get_double (m, "snr", &snr));
  fail_unless (fabs (snr - 8.0) <= 0.2 * 8.0, "snr %f, scheduled 8", snr);
  fail_unless (gst_structure_get_double (m, "x0", &v) && v >= -1 && v <= 321);
  fail_unless (gst_structure_get_double (m, "y0", &v) && v >= -1 && v <= 241);
  fail_unless (gst_structure_get_double (m, "x1", &v) && v >= -1 && v <= 321);
  fail_unless (gst_structure_get_double (m, "y1", &v) && v >= -1 && v <= 241);
  fail_unless (gst_structure_get_double (m, "peak", &v) && v > 0);
  fail_unless (gst_structure_get_double (m, "speed-px-s", &v) && v > 0);

  /* the file: sky header, the meteor, the end */
  fail_unless (g_file_get_contents (path, &contents, NULL, NULL));
  fail_unless (g_str_has_suffix (contents, "\n"), "last line unterminated");
  lines = g_strsplit (contents, "\n", -1);
  n_lines = g_strv_length (lines) - 1; /* after the last '\n' */
  fail_unless_equals_int (n_lines, 3);
  header = parse_json_line (lines[0]);
  meteor = parse_json_line (lines[1]);
  end = parse_json_line (lines[2]);
  fail_unless (header != NULL, "not JSON: %s", lines[0]);
  fail_unless (meteor != NULL, "not JSON: %s", lines[1]);
  fail_unless (end != NULL, "not JSON: %s", lines[2]);

  fail_unless_equals_string (json_string (header, "kind"), "sky");
  fail_unless_equals_float (json_number (header, "seed"), 21);
  fail_unless_equals_float (json_number (header, "width"), 320);
  fail_unless_equals_float (json_number (header, "height"), 240);
  fail_unless_equals_float (json_number (header, "fps"), 30);
  fail_unless_equals_float (json_number (header, "meteor-rate"), 0);
  fail_unless (json_number (header, "plate-scale") > 0);
  json_number (header, "noise");
  json_number (header, "sky-level");

  fail_unless_equals_string (json_string (meteor, "kind"), "meteor");
  fail_unless_equals_float (json_number (meteor, "id"), id);
  fail_unless_equals_float (json_number (meteor, "first-frame"), first_frame);
  fail_unless_equals_float (json_number (meteor, "last-frame"), last_frame);
  fail_unless (fabs (json_number (meteor, "snr") - snr) < 0.01);
  json_number (meteor, "x0");
  json_number (meteor, "y1");

  fail_unless_equals_string (json_string (end, "kind"), "end");
  fail_unless_equals_float (json_number (end, "frames"), 60);

  json_object_unref (header);
  json_object_unref (meteor);
  json_object_unref (end);
  g_strfreev (lines);
  g_free (contents);
  g_ptr_array_unref (truth);
  gst_object_unref (pipeline);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* Random events: every message is also a line, and an object still in
 * view at EOS is closed at the last frame. */
GST_START_TEST (test_truth_random_events)
{
  gchar *dir = g_dir_make_tmp ("meteorsky-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "truth.jsonl", NULL);
  GstElement *pipeline = meteor_test_parse (
      "meteorsky name=sky seed=9 num-buffers=90 meteor-rate=12000 "
      "plane-rate=200 hot-pixels=3 ! "
      "video/x-raw,format=GRAY8,width=320,height=240 ! "
      "fakesink sync=false");
  GPtrArray *truth;
  gchar *contents = NULL, **lines;
  guint i, n_lines, meteors = 0, hot = 0, planes_at_end = 0;

  set_sky (pipeline, "truth-location", path, "schedule", "plane@80", NULL);
  truth = play_to_eos (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  fail_unless (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  n_lines = g_strv_length (lines) - 1;
  fail_unless_equals_int (n_lines, truth->len + 2);
  for (i = 0; i < truth->len; i++) {
    const GstStructure *m = g_ptr_array_index (truth, i);
    JsonObject *line = parse_json_line (lines[i + 1]);
    guint64 first_frame, last_frame;

    fail_unless (line != NULL, "not JSON: %s", lines[i + 1]);
    fail_unless_equals_string (
        json_string (line, "kind"), gst_structure_get_string (m, "kind"));
    fail_unless (gst_structure_get_uint64 (m, "first-frame", &first_frame));
    fail_unless (gst_structure_get_uint64 (m, "last-frame", &last_frame));
    fail_unless (first_frame <= last_frame && last_frame < 90,
        "frames %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT, first_frame,
        last_frame);
    fail_unless_equals_float (json_number (line, "first-frame"), first_frame);
    fail_unless_equals_float (json_number (line, "last-frame"), last_frame);
    meteors += g_str_equal (gst_structure_get_string (m, "kind"), "meteor");
    hot += g_str_equal (gst_structure_get_string (m, "kind"), "hot-pixel");
    if (g_str_equal (gst_structure_get_string (m, "kind"), "plane") &&
        first_frame >= 80 && last_frame == 89)
      planes_at_end++;
    json_object_unref (line);
  }
  /* 12000/h over 3 s: about 10 meteors */
  fail_unless (meteors > 0, "no meteor at 12000 per hour");
  /* hot pixels and the plane scheduled at frame 80 are still there at EOS:
   * closed at the last frame */
  fail_unless_equals_int (hot, 3);
  fail_unless (planes_at_end >= 1, "the plane of frame 80 was not closed at "
                                   "frame 89");
  fail_unless (strstr (lines[n_lines - 1], "\"end\"") != NULL);
  fail_unless (strstr (lines[n_lines - 1], "\"frames\":90") != NULL);

  g_strfreev (lines);
  g_free (contents);
  g_ptr_array_unref (truth);
  gst_object_unref (pipeline);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* New caps mid-stream (a capsfilter changed while playing): frames go on
 * in the new size with continuous numbers, and the truth file gets the new
 * sky's header. */
GST_START_TEST (test_renegotiation)
{
  gchar *dir = g_dir_make_tmp ("meteorsky-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "truth.jsonl", NULL);
  GstElement *pipeline = meteor_test_parse (
      "meteorsky name=sky num-buffers=20 ! capsfilter name=cf "
      "caps=video/x-raw,format=GRAY8,width=320,height=240 ! "
      "appsink name=sink sync=false max-buffers=1");
  GstElement *cf = gst_bin_get_by_name (GST_BIN (pipeline), "cf");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gchar *contents = NULL;
  GstCaps *small;
  guint i, n_small = 0, n_headers = 0;
  gchar **lines, **l;

  set_sky (pipeline, "truth-location", path, NULL);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
               GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < 20; i++) {
    GstSample *sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 30 * GST_SECOND);
    GstBuffer *buf;
    GstVideoInfo info;

    fail_unless (sample != NULL, "frame %u missing", i);
    buf = gst_sample_get_buffer (sample);
    fail_unless (
        gst_video_info_from_caps (&info, gst_sample_get_caps (sample)));
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), i);
    fail_unless_equals_uint64 (
        GST_BUFFER_PTS (buf), gst_util_uint64_scale (i, GST_SECOND, 30));
    fail_unless (gst_buffer_get_size (buf) >= GST_VIDEO_INFO_SIZE (&info));
    if (GST_VIDEO_INFO_WIDTH (&info) == 160)
      n_small++;
    else
      fail_if (n_small > 0, "frame %u went back to the old size", i);
    gst_sample_unref (sample);
    if (i == 4) {
      small = gst_caps_from_string (
          "video/x-raw,format=GRAY8,width=160,height=120");
      g_object_set (cf, "caps", small, NULL);
      gst_caps_unref (small);
    }
  }
  fail_unless (
      n_small > 0 && n_small < 16, "%u frames in the new size", n_small);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  fail_unless (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (l = lines; *l && **l; l++)
    n_headers += g_str_has_prefix (*l, "{\"kind\":\"sky\"");
  fail_unless_equals_int (n_headers, 2);
  fail_unless (strstr (contents, "\"width\":160") != NULL);
  fail_unless (strstr (contents, "{\"kind\":\"end\",\"frames\":20}") != NULL);

  g_strfreev (lines);
  g_free (contents);
  gst_object_unref (cf);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* The caps say the sizes the sky renders: below 16 (or above 16384) on a
 * side does not negotiate, 16x16 does and renders. */
GST_START_TEST (test_caps_size_limits)
{
  static const gint sizes[][2] = { { 8, 8 }, { 15, 16 }, { 16, 15 },
    { 16385, 16 }, { 16, 16 } };
  Run *run;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    GstElement *bin = gst_bin_new (NULL);
    GstElement *sky = gst_element_factory_make ("meteorsky", NULL);
    GstElement *sink = gst_element_factory_make ("fakesink", NULL);
    GstCaps *caps = gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT,
        sizes[i][0], "height", G_TYPE_INT, sizes[i][1], NULL);
    gboolean expected = sizes[i][0] >= 16 && sizes[i][0] <= 16384 &&
                        sizes[i][1] >= 16 && sizes[i][1] <= 16384;

    gst_bin_add_many (GST_BIN (bin), sky, sink, NULL);
    fail_unless (gst_element_link_filtered (sky, sink, caps) == expected,
        "%dx%d: linked %d", sizes[i][0], sizes[i][1], !expected);
    gst_caps_unref (caps);
    gst_object_unref (bin);
  }

  run =
      run_sky ("num-buffers=2", "video/x-raw,format=GRAY8,width=16,height=16");
  fail_unless_equals_int (run->frames->len, 2);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&run->info), 16);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&run->info), 16);
  run_free (run);
}

GST_END_TEST;

GST_START_TEST (test_bad_settings)
{
  GstElement *pipeline;
  GstStateChangeReturn ret;
  gchar *text;

  pipeline =
      meteor_test_parse ("meteorsky name=sky num-buffers=5 meteor-rate=-1 ! "
                         "fakesink");
  text = expect_error (pipeline, NULL);
  fail_unless (strstr (text, "meteor-rate") != NULL, "unclear: %s", text);
  g_free (text);
  gst_object_unref (pipeline);

  /* within the caps' ranges, beyond what the model renders */
  pipeline = meteor_test_parse ("meteorsky name=sky num-buffers=5 ! "
                                "video/x-raw,width=16384,height=8192 ! "
                                "fakesink");
  text = expect_error (pipeline, NULL);
  fail_unless (strstr (text, "16384x8192") != NULL && strstr (text, "Mpixel"),
      "unclear: %s", text);
  g_free (text);
  gst_object_unref (pipeline);

  pipeline = meteor_test_parse ("meteorsky name=sky num-buffers=5 ! fakesink");
  set_sky (
      pipeline, "truth-location", "/nonexistent-meteorsky-dir/t.jsonl", NULL);
  text = expect_error (pipeline, &ret);
  fail_unless_equals_int (ret, GST_STATE_CHANGE_FAILURE);
  fail_unless (strstr (text, "/nonexistent-meteorsky-dir/t.jsonl") != NULL &&
                   strstr (text, g_strerror (ENOENT)) != NULL,
      "unclear: %s", text);
  g_free (text);
  gst_object_unref (pipeline);

  pipeline = meteor_test_parse ("meteorsky name=sky num-buffers=5 ! fakesink");
  set_sky (pipeline, "schedule", "meteor@3;comet@5", NULL);
  text = expect_error (pipeline, NULL);
  fail_unless (strstr (text, "comet") != NULL, "unclear: %s", text);
  g_free (text);
  gst_object_unref (pipeline);
}

GST_END_TEST;

GST_START_TEST (test_live)
{
  GstElement *pipeline = meteor_test_parse (
      "meteorsky name=sky is-live=true num-buffers=10 ! "
      "video/x-raw,format=GRAY8,width=64,height=48,framerate=30/1 ! "
      "appsink name=sink");
  GstElement *sky = gst_bin_get_by_name (GST_BIN (pipeline), "sky");
  gboolean live = FALSE;
  gint64 start;
  Run *run;

  g_object_get (sky, "is-live", &live, NULL);
  fail_unless (live);
  /* a live source does not preroll */
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED),
      GST_STATE_CHANGE_NO_PREROLL);

  start = g_get_monotonic_time ();
  run = pull_frames (pipeline);
  fail_unless_equals_int (run->frames->len, 10);
  /* GstBaseSrc shifts a live source's timestamps by the running time of
   * the first frame; from there, one frame time apart */
  check_timestamps_from (run, frame_u64 (run->pts, 0), 30, 1);
  /* in time with the clock: frame 9 is due 0.3 s after the start */
  fail_unless (g_get_monotonic_time () - start >= 250 * 1000,
      "10 live frames at 30/1 in %" G_GINT64_FORMAT " us",
      g_get_monotonic_time () - start);

  run_free (run);
  gst_object_unref (sky);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
meteorsky_suite (void)
{
  Suite *s = suite_create ("meteorsky");
  TCase *tc = tcase_create ("general");

  gst_meteor_init ();
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_determinism);
  tcase_add_test (tc, test_restart_starts_over);
  tcase_add_test (tc, test_every_format_and_odd_sizes);
  tcase_add_test (tc, test_fixate_defaults);
  tcase_add_test (tc, test_yuv_full_range);
  tcase_add_test (tc, test_downstream_strides);
  tcase_add_test (tc, test_zero_copy_into_meteorpool);
  tcase_add_test (tc, test_truth_messages_and_file);
  tcase_add_test (tc, test_truth_random_events);
  tcase_add_test (tc, test_renegotiation);
  tcase_add_test (tc, test_caps_size_limits);
  tcase_add_test (tc, test_bad_settings);
  tcase_add_test (tc, test_live);
  return s;
}

METEOR_CHECK_MAIN (meteorsky);
