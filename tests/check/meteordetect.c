/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteordetect element tests
 *
 * The detector runs in place: the frames that leave are the frames that
 * came in (the same GstMemory, no copy counted anywhere). On meteorsky's
 * synthetic sky, whose truth is known, a scheduled meteor is found once,
 * where it was, and reported three ways (bus message, downstream event,
 * region-of-interest metas); every format negotiates, and the luma formats
 * give identical detections; a flash is reported, never swallowed; bad
 * settings are named on the bus.
 */
#include <gst/check/gstcheck.h>
#include "meteortest.h"
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/meteor/meteor.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define QUIET_SKY                                                              \
  "meteor-rate=0 fireball-rate=0 plane-rate=0 satellite-rate=0 "               \
  "flash-rate=0 cloud-cover=0 hot-pixels=0"
#define METEOR_SCHEDULE                                                        \
  "meteor@40,x=60,y=50,angle=20,speed=15,duration=0.7,snr=20"

/* ------------------------------------------------------------ helpers */

static GstElement *
get_element (GstElement *pipeline, const gchar *name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name);

  fail_unless (e != NULL, "no element named %s", name);
  return e;
}

static void
set_element (
    GstElement *pipeline, const gchar *name, const gchar *first_property, ...)
{
  GstElement *e = get_element (pipeline, name);
  va_list args;

  va_start (args, first_property);
  g_object_set_valist (G_OBJECT (e), first_property, args);
  va_end (args);
  gst_object_unref (e);
}

static GstStructure *
element_stats (GstElement *pipeline, const gchar *name)
{
  GstElement *e = get_element (pipeline, name);
  GstStructure *stats = NULL;

  g_object_get (e, "stats", &stats, NULL);
  gst_object_unref (e);
  fail_unless (stats != NULL);
  return stats;
}

static gdouble
get_double (const GstStructure *s, const gchar *field)
{
  gdouble v;

  fail_unless (gst_structure_get_double (s, field, &v), "no field %s in %s",
      field, gst_structure_get_name (s));
  return v;
}

static guint64
get_uint64 (const GstStructure *s, const gchar *field)
{
  guint64 v;

  fail_unless (gst_structure_get_uint64 (s, field, &v), "no field %s in %s",
      field, gst_structure_get_name (s));
  return v;
}

/* What the bus said during a run. */
typedef struct {
  GPtrArray *meteors;  /* meteor-detected */
  GPtrArray *truth;    /* meteorsky-truth */
  GPtrArray *flashes;  /* meteordetect-flash */
  GstStructure *stats; /* meteordetect-stats, at EOS */
  GString *warnings;   /* one line each */
  guint n_warnings;
} Messages;

static void
messages_free (Messages *m)
{
  g_ptr_array_unref (m->meteors);
  g_ptr_array_unref (m->truth);
  g_ptr_array_unref (m->flashes);
  if (m->stats)
    gst_structure_free (m->stats);
  g_string_free (m->warnings, TRUE);
  g_free (m);
}

static GPtrArray *
structure_array (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify)gst_structure_free);
}

/* Plays @pipeline to EOS, failing on an ERROR; returns the messages. */
static Messages *
play_to_eos (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  Messages *m = g_new0 (Messages, 1);
  gboolean done = FALSE;

  m->meteors = structure_array ();
  m->truth = structure_array ();
  m->flashes = structure_array ();
  m->warnings = g_string_new (NULL);

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
               GST_STATE_CHANGE_FAILURE);
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING |
            GST_MESSAGE_ELEMENT);
    const GstStructure *s;
    GError *err = NULL;
    gchar *dbg = NULL;

    fail_unless (msg != NULL, "timeout waiting for EOS");
    s = gst_message_get_structure (msg);
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_ERROR:
        gst_message_parse_error (msg, &err, &dbg);
        fail ("error from %s: %s (%s)", GST_OBJECT_NAME (msg->src),
            err->message, dbg ? dbg : "");
        break;
      case GST_MESSAGE_WARNING:
        gst_message_parse_warning (msg, &err, NULL);
        g_string_append_printf (
            m->warnings, "%s: %s\n", GST_OBJECT_NAME (msg->src), err->message);
        m->n_warnings++;
        break;
      case GST_MESSAGE_ELEMENT:
        if (gst_structure_has_name (s, "meteor-detected"))
          g_ptr_array_add (m->meteors, gst_structure_copy (s));
        else if (gst_structure_has_name (s, "meteorsky-truth"))
          g_ptr_array_add (m->truth, gst_structure_copy (s));
        else if (gst_structure_has_name (s, "meteordetect-flash"))
          g_ptr_array_add (m->flashes, gst_structure_copy (s));
        else if (gst_structure_has_name (s, "meteordetect-stats")) {
          fail_unless (m->stats == NULL, "two meteordetect-stats messages");
          m->stats = gst_structure_copy (s);
        }
        break;
      default:
        done = TRUE;
        break;
    }
    g_clear_error (&err);
    g_free (dbg);
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return m;
}

static gchar *
expect_error_from (const gchar *desc)
{
  GstElement *pipeline = meteor_test_parse (desc);
  gchar *text = meteor_test_expect_error (pipeline, NULL, NULL);

  gst_object_unref (pipeline);
  return text;
}

/* ------------------------------------------------ memory seen by probes */

typedef struct {
  GMutex lock;
  GArray *mem;  /* GstMemory * of each buffer, in order */
  GArray *data; /* its data pointer */
} MemLog;

static MemLog *
mem_log_new (void)
{
  MemLog *log = g_new0 (MemLog, 1);

  g_mutex_init (&log->lock);
  log->mem = g_array_new (FALSE, FALSE, sizeof (gpointer));
  log->data = g_array_new (FALSE, FALSE, sizeof (gpointer));
  return log;
}

static void
mem_log_free (MemLog *log)
{
  g_array_unref (log->mem);
  g_array_unref (log->data);
  g_mutex_clear (&log->lock);
  g_free (log);
}

static GstPadProbeReturn
mem_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  MemLog *log = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gpointer mem, data;
  GstMapInfo map;

  fail_unless_equals_int (gst_buffer_n_memory (buf), 1);
  mem = gst_buffer_peek_memory (buf, 0);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  data = map.data;
  gst_buffer_unmap (buf, &map);
  g_mutex_lock (&log->lock);
  g_array_append_val (log->mem, mem);
  g_array_append_val (log->data, data);
  g_mutex_unlock (&log->lock);
  return GST_PAD_PROBE_OK;
}

static void
watch_pad (GstElement *pipeline, const gchar *element, const gchar *pad_name,
    MemLog *log)
{
  GstElement *e = get_element (pipeline, element);
  GstPad *pad = gst_element_get_static_pad (e, pad_name);

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, mem_probe, log, NULL);
  gst_object_unref (pad);
  gst_object_unref (e);
}

/* Plays a pipeline with meteorpool "p" and meteordetect "d" and checks
 * that every frame left d in the memory it came in, and that nothing was
 * copied; returns d's shallow-copies. */
static guint64
check_same_memory (const gchar *desc)
{
  GstElement *pipeline = meteor_test_parse (desc);
  MemLog *in = mem_log_new (), *out = mem_log_new ();
  GstStructure *pool, *det;
  Messages *m;
  guint64 shallow;
  guint i;

  watch_pad (pipeline, "d", "sink", in);
  watch_pad (pipeline, "d", "src", out);
  m = play_to_eos (pipeline);
  pool = element_stats (pipeline, "p");
  det = element_stats (pipeline, "d");

  fail_unless_equals_int (in->mem->len, 60);
  fail_unless_equals_int (out->mem->len, 60);
  for (i = 0; i < 60; i++) {
    fail_unless (g_array_index (in->mem, gpointer, i) ==
                     g_array_index (out->mem, gpointer, i),
        "frame %u: other GstMemory after meteordetect", i);
    fail_unless (g_array_index (in->data, gpointer, i) ==
                     g_array_index (out->data, gpointer, i),
        "frame %u: other data after meteordetect", i);
  }
  fail_unless_equals_uint64 (meteor_test_stat (pool, "bytes-copied"), 0);
  fail_unless_equals_uint64 (meteor_test_stat (pool, "downstream-copies"), 0);
  fail_unless_equals_uint64 (meteor_test_stat (pool, "ingress-copies"), 0);
  /* buffers came back to the pool whole: none was replaced */
  if (meteor_test_stat (det, "shallow-copies") == 0)
    fail_unless_equals_uint64 (meteor_test_stat (pool, "allocations"),
        meteor_test_stat (pool, "pool-size"));
  fail_unless_equals_uint64 (meteor_test_stat (det, "frames"), 60);
  shallow = meteor_test_stat (det, "shallow-copies");
  /* the stats message at EOS says the same */
  fail_unless (m->stats != NULL, "no meteordetect-stats message at EOS");
  fail_unless_equals_uint64 (meteor_test_stat (m->stats, "frames"), 60);
  fail_unless (meteor_test_stat (det, "ns-per-frame") > 0);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  messages_free (m);
  gst_structure_free (pool);
  gst_structure_free (det);
  mem_log_free (in);
  mem_log_free (out);
  gst_object_unref (pipeline);
  return shallow;
}

/* ---------------------------------------- what reaches the sink pad */

typedef struct {
  GMutex lock;
  guint buffers;
  guint roi_buffers; /* with at least one "meteor" region */
  GArray *rois;      /* x, y, w, h (guint) of every "meteor" region */
  GPtrArray *events; /* meteor-detected events' structures */
  gboolean eos;
  guint events_after_eos;
} SinkLog;

static SinkLog *
sink_log_new (void)
{
  SinkLog *log = g_new0 (SinkLog, 1);

  g_mutex_init (&log->lock);
  log->rois = g_array_new (FALSE, FALSE, sizeof (guint));
  log->events = structure_array ();
  return log;
}

static void
sink_log_free (SinkLog *log)
{
  g_array_unref (log->rois);
  g_ptr_array_unref (log->events);
  g_mutex_clear (&log->lock);
  g_free (log);
}

static GstPadProbeReturn
sink_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  SinkLog *log = user_data;

  g_mutex_lock (&log->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    gpointer state = NULL;
    GstMeta *meta;
    gboolean marked = FALSE;

    log->buffers++;
    while ((meta = gst_buffer_iterate_meta_filtered (
                buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
      GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *)meta;

      if (g_strcmp0 (g_quark_to_string (roi->roi_type), "meteor") != 0)
        continue;
      marked = TRUE;
      g_array_append_val (log->rois, roi->x);
      g_array_append_val (log->rois, roi->y);
      g_array_append_val (log->rois, roi->w);
      g_array_append_val (log->rois, roi->h);
    }
    log->roi_buffers += marked;
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

    if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
      log->eos = TRUE;
    } else if (GST_EVENT_TYPE (event) == GST_EVENT_CUSTOM_DOWNSTREAM &&
               gst_event_has_name (event, "meteor-detected")) {
      g_ptr_array_add (
          log->events, gst_structure_copy (gst_event_get_structure (event)));
      log->events_after_eos += log->eos;
    }
  }
  g_mutex_unlock (&log->lock);
  return GST_PAD_PROBE_OK;
}

static void
watch_sink (GstElement *pipeline, SinkLog *log)
{
  GstElement *sink = get_element (pipeline, "sink");
  GstPad *pad = gst_element_get_static_pad (sink, "sink");

  gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      sink_probe, log, NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
}

/* A run on the synthetic sky: "meteorsky name=sky ... ! @caps !
 * meteordetect name=d @detect_props ! appsink name=sink". */
typedef struct {
  Messages *m;
  SinkLog *sink;
  GstStructure *stats;
} SkyRun;

static void
sky_run_free (SkyRun *run)
{
  messages_free (run->m);
  sink_log_free (run->sink);
  gst_structure_free (run->stats);
  g_free (run);
}

static SkyRun *
run_sky (const gchar *sky_props, const gchar *schedule, const gchar *caps,
    const gchar *detect_props)
{
  gchar *desc =
      g_strdup_printf ("meteorsky name=sky " QUIET_SKY " %s ! %s ! "
                       "meteordetect name=d %s ! appsink name=sink "
                       "sync=false max-buffers=1 drop=true wait-on-eos=false",
          sky_props, caps, detect_props);
  GstElement *pipeline = meteor_test_parse (desc);
  SkyRun *run = g_new0 (SkyRun, 1);

  if (schedule)
    set_element (pipeline, "sky", "schedule", schedule, NULL);
  run->sink = sink_log_new ();
  watch_sink (pipeline, run->sink);
  run->m = play_to_eos (pipeline);
  run->stats = element_stats (pipeline, "d");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_free (desc);
  return run;
}

/* the meteorsky-truth of the one meteor of a run */
static const GstStructure *
truth_meteor (Messages *m)
{
  const GstStructure *found = NULL;
  guint i;

  for (i = 0; i < m->truth->len; i++) {
    const GstStructure *t = g_ptr_array_index (m->truth, i);

    if (g_strcmp0 (gst_structure_get_string (t, "kind"), "meteor") == 0) {
      fail_unless (found == NULL, "two meteors in the truth");
      found = t;
    }
  }
  fail_unless (found != NULL, "no meteor in the truth");
  return found;
}

static gchar *
write_temp_file (
    const gchar *name, const gchar *contents, gsize len, gchar **dir)
{
  gchar *path;

  *dir = g_dir_make_tmp ("meteordetect-XXXXXX", NULL);
  fail_unless (*dir != NULL);
  path = g_build_filename (*dir, name, NULL);
  fail_unless (g_file_set_contents (path, contents, len, NULL));
  return path;
}

static void
remove_temp_file (gchar *path, gchar *dir)
{
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

/* A binary PGM of @w x @h: 255 everywhere but columns below @zero_below. */
static gchar *
make_pgm (gint w, gint h, gint zero_below, gsize *len)
{
  GString *s = g_string_new (NULL);
  gint x, y;

  g_string_append_printf (s, "P5\n# a mask\n%d %d\n255\n", w, h);
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      g_string_append_c (s, x < zero_below ? 0 : (gchar)255);
  *len = s->len;
  return g_string_free (s, FALSE);
}

/* ------------------------------------------------------------- tests */

/* The frames leave meteordetect in the memory they came in: with
 * meteorpool upstream, not one byte is copied anywhere, and a writable
 * buffer is passed on as it is. */
GST_START_TEST (test_passthrough_zero_copy)
{
  guint64 shallow;

  shallow = check_same_memory (
      "meteorsky num-buffers=60 ! video/x-raw,format=RGB,width=320,height=240 "
      "! meteorpool name=p ! meteordetect name=d ! fakesink sync=false");
  fail_unless_equals_uint64 (shallow, 0);

  /* right after a tee every buffer is shared: one without a meteor goes
   * on as it is (the pool gets it back whole, no allocation beyond its
   * size); one with a meteor in flight gets a new GstBuffer for its meta,
   * on the same memory, counted, and still no copy */
  shallow =
      check_same_memory ("meteorsky num-buffers=60 meteor-rate=0 ! "
                         "video/x-raw,format=RGB,width=320,height=240 "
                         "! meteorpool name=p ! tee name=t "
                         "t. ! queue max-size-buffers=4 ! fakesink sync=false "
                         "t. ! meteordetect name=d ! fakesink sync=false");
  fail_unless_equals_uint64 (shallow, 0);
  shallow =
      check_same_memory ("meteorsky num-buffers=60 meteor-rate=0 "
                         "schedule=meteor@34,snr=15,speed=10,duration=0.4 ! "
                         "video/x-raw,format=RGB,width=320,height=240 "
                         "! meteorpool name=p ! tee name=t "
                         "t. ! queue max-size-buffers=4 ! fakesink sync=false "
                         "t. ! meteordetect name=d ! fakesink sync=false");
  fail_unless (shallow > 0 && shallow <= 12,
      "%" G_GUINT64_FORMAT " shallow copies for a 12-frame meteor", shallow);
}

GST_END_TEST;

/* The scheduled meteor is found once, where it flew, and reported as a
 * message, as an event downstream (before EOS) and as region-of-interest
 * metas on the frames it was in. */
/* "path": a < frame, x, y, intensity > for each of the @points points, in
 * frame order within the detection's frames @f0-@f1, within 5 px of its
 * line. */
static void
check_path (const GstStructure *det, gint points, guint64 f0, guint64 f1)
{
  const GValue *path = gst_structure_get_value (det, "path");
  gdouble x0 = get_double (det, "x0"), y0 = get_double (det, "y0");
  gdouble dx = get_double (det, "x1") - x0, dy = get_double (det, "y1") - y0;
  gdouble prev = -1;
  guint i;

  fail_unless (path != NULL && GST_VALUE_HOLDS_ARRAY (path), "no path array");
  fail_unless_equals_int (gst_value_array_get_size (path), points);
  for (i = 0; i < (guint)points; i++) {
    const GValue *p = gst_value_array_get_value (path, i);
    gdouble v[4], cross;
    guint k;

    fail_unless_equals_int (gst_value_array_get_size (p), 4);
    for (k = 0; k < 4; k++)
      v[k] = g_value_get_double (gst_value_array_get_value (p, k));
    fail_unless (v[0] >= f0 && v[0] <= f1 && v[0] > prev,
        "point %u in frame %f", i, v[0]);
    cross = (v[1] - x0) * dy - (v[2] - y0) * dx;
    fail_unless (cross * cross < 25 * (dx * dx + dy * dy),
        "point %u (%f,%f) off the track", i, v[1], v[2]);
    fail_unless (v[3] > 0, "point %u intensity %f", i, v[3]);
    prev = v[0];
  }
}

GST_START_TEST (test_detection_outputs)
{
  SkyRun *run = run_sky ("num-buffers=120", METEOR_SCHEDULE,
      "video/x-raw,format=GRAY8,width=320,height=240", "");
  const GstStructure *truth = truth_meteor (run->m), *det, *event;
  guint64 first_frame, last_frame, t_first;
  GstClockTime start_time, end_time;
  guint i, id;
  gint points;

  fail_unless_equals_int (run->m->meteors->len, 1);
  det = g_ptr_array_index (run->m->meteors, 0);
  first_frame = get_uint64 (det, "first-frame");
  last_frame = get_uint64 (det, "last-frame");
  t_first = get_uint64 (truth, "first-frame");
  fail_unless (first_frame >= 40 && first_frame <= 60,
      "first-frame %" G_GUINT64_FORMAT, first_frame);
  fail_unless (
      first_frame >= t_first && last_frame <= get_uint64 (truth, "last-frame"),
      "frames %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT " outside the truth's",
      first_frame, last_frame);
  fail_unless (gst_structure_get_uint (det, "id", &id) && id > 0);
  fail_unless (gst_structure_get_int (det, "points", &points));
  fail_unless (points >= 3 && (guint64)points <= last_frame - first_frame + 1);
  check_path (det, points, first_frame, last_frame);

  /* the ends of the track */
  fail_unless (fabs (get_double (det, "x0") - get_double (truth, "x0")) <= 20,
      "x0 %f, truth %f", get_double (det, "x0"), get_double (truth, "x0"));
  fail_unless (fabs (get_double (det, "y0") - get_double (truth, "y0")) <= 20,
      "y0 %f, truth %f", get_double (det, "y0"), get_double (truth, "y0"));
  fail_unless (fabs (get_double (det, "x1") - get_double (truth, "x1")) <= 20,
      "x1 %f, truth %f", get_double (det, "x1"), get_double (truth, "x1"));
  fail_unless (fabs (get_double (det, "y1") - get_double (truth, "y1")) <= 20,
      "y1 %f, truth %f", get_double (det, "y1"), get_double (truth, "y1"));
  fail_unless (fabs (get_double (det, "speed-px-s") -
                     get_double (truth, "speed-px-s")) <=
                   0.25 * get_double (truth, "speed-px-s"),
      "speed %f px/s, truth %f", get_double (det, "speed-px-s"),
      get_double (truth, "speed-px-s"));
  fail_unless (get_double (det, "peak") > 0);
  fail_unless (get_double (det, "snr") > 5);
  fail_unless (get_double (det, "score") > get_double (det, "snr"));

  /* running times of the frames at 30/1 */
  start_time = get_uint64 (det, "start-time");
  end_time = get_uint64 (det, "end-time");
  fail_unless_equals_uint64 (
      start_time, gst_util_uint64_scale (first_frame, GST_SECOND, 30));
  fail_unless_equals_uint64 (
      end_time, gst_util_uint64_scale (last_frame, GST_SECOND, 30));
  /* no frame meta upstream: no capture time */
  fail_if (gst_structure_has_field (det, "start-utc"));
  fail_if (gst_structure_has_field (det, "end-utc"));

  /* the same downstream, once, before the EOS */
  fail_unless_equals_int (run->sink->events->len, 1);
  event = g_ptr_array_index (run->sink->events, 0);
  fail_unless (gst_structure_is_equal (event, det),
      "event %" GST_PTR_FORMAT " is not the message %" GST_PTR_FORMAT, event,
      det);
  fail_unless (run->sink->eos);
  fail_unless_equals_int (run->sink->events_after_eos, 0);

  /* frames marked while the meteor flew, around its track */
  fail_unless_equals_int (run->sink->buffers, 120);
  fail_unless (run->sink->roi_buffers > 0, "no frame has a meteor region");
  fail_unless (run->sink->roi_buffers <= last_frame - first_frame + 1);
  for (i = 0; i < run->sink->rois->len; i += 4) {
    guint x = g_array_index (run->sink->rois, guint, i);
    guint y = g_array_index (run->sink->rois, guint, i + 1);
    guint w = g_array_index (run->sink->rois, guint, i + 2);
    guint h = g_array_index (run->sink->rois, guint, i + 3);

    fail_unless (w > 0 && h > 0 && x + w <= 320 && y + h <= 240,
        "region %u,%u %ux%u", x, y, w, h);
    fail_unless (
        x + w + 20 >= MIN (get_double (det, "x0"), get_double (det, "x1")) &&
            x <= MAX (get_double (det, "x0"), get_double (det, "x1")) + 20 &&
            y + h + 20 >=
                MIN (get_double (det, "y0"), get_double (det, "y1")) &&
            y <= MAX (get_double (det, "y0"), get_double (det, "y1")) + 20,
        "region %u,%u %ux%u is off the track", x, y, w, h);
  }

  /* the counters agree */
  fail_unless_equals_uint64 (meteor_test_stat (run->stats, "frames"), 120);
  fail_unless_equals_uint64 (meteor_test_stat (run->stats, "detections"), 1);
  fail_unless_equals_uint64 (meteor_test_stat (run->stats, "flashes"), 0);
  fail_unless (meteor_test_stat (run->stats, "tracks") >= 1);
  fail_unless (meteor_test_stat (run->stats, "candidates") > 0);
  fail_unless_equals_uint64 (
      meteor_test_stat (run->stats, "rejected-flash"), 0);
  fail_unless (gst_structure_is_equal (run->stats, run->m->stats) ||
               meteor_test_stat (run->m->stats, "detections") == 1);
  fail_unless_equals_int (run->m->n_warnings, 0);

  sky_run_free (run);
}

GST_END_TEST;

/* A meteor still in flight at EOS is judged then, and reported before the
 * EOS goes downstream. */
GST_START_TEST (test_meteor_in_flight_at_eos)
{
  SkyRun *run = run_sky ("num-buffers=56", METEOR_SCHEDULE,
      "video/x-raw,format=GRAY8,width=320,height=240", "");
  const GstStructure *det;

  fail_unless_equals_int (run->m->meteors->len, 1);
  det = g_ptr_array_index (run->m->meteors, 0);
  fail_unless (get_uint64 (det, "last-frame") >= 50 &&
                   get_uint64 (det, "last-frame") <= 55,
      "last-frame %" G_GUINT64_FORMAT, get_uint64 (det, "last-frame"));
  fail_unless_equals_int (run->sink->events->len, 1);
  fail_unless (
      gst_structure_is_equal (g_ptr_array_index (run->sink->events, 0), det));
  fail_unless (run->sink->eos);
  fail_unless_equals_int (run->sink->events_after_eos, 0);
  fail_unless (run->m->stats != NULL);
  fail_unless_equals_uint64 (meteor_test_stat (run->m->stats, "detections"), 1);
  sky_run_free (run);
}

GST_END_TEST;

/* Frame numbers and capture times come from GstMeteorFrameMeta when the
 * frames have it, else from the buffer offsets. */
#define TEST_UTC_BASE (G_GUINT64_CONSTANT (1723497243) * GST_SECOND)

typedef enum {
  RESTAMP_NONE,
  RESTAMP_OFFSET, /* offsets + 500 */
  RESTAMP_META,   /* offsets + 500, and a frame meta with id offset + 1000 */
} Restamp;

static GstPadProbeReturn
restamp_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Restamp how = GPOINTER_TO_INT (user_data);
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));

  if (how == RESTAMP_META)
    gst_buffer_add_meteor_frame_meta (buf, GST_BUFFER_OFFSET (buf) + 1000,
        TEST_UTC_BASE + GST_BUFFER_PTS (buf), "test", 0, 1.0, NAN);
  GST_BUFFER_OFFSET (buf) += 500;
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  return GST_PAD_PROBE_OK;
}

/* The one meteor of a run of the scheduled sky, @probe (when not NULL)
 * on meteordetect's sink pad. */
static Messages *
run_sky_meteor (GstPadProbeCallback probe, gpointer data)
{
  GstElement *pipeline =
      meteor_test_parse ("meteorsky name=sky num-buffers=90 " QUIET_SKY " ! "
                         "video/x-raw,format=GRAY8,width=320,height=240 ! "
                         "meteordetect name=d ! fakesink sync=false");
  GstElement *d = get_element (pipeline, "d");
  GstPad *pad = gst_element_get_static_pad (d, "sink");
  Messages *m;

  set_element (pipeline, "sky", "schedule", METEOR_SCHEDULE, NULL);
  if (probe)
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, probe, data, NULL);
  m = play_to_eos (pipeline);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pad);
  gst_object_unref (d);
  gst_object_unref (pipeline);
  fail_unless_equals_int (m->meteors->len, 1);
  return m;
}

/* ... its frames restamped on the way into meteordetect */
static Messages *
run_restamped (Restamp how)
{
  return run_sky_meteor (
      how != RESTAMP_NONE ? restamp_probe : NULL, GINT_TO_POINTER (how));
}

static void
check_utc (const GstStructure *det, const gchar *field, guint64 frame)
{
  const gchar *iso = gst_structure_get_string (det, field);
  GTimeZone *utc = g_time_zone_new_utc ();
  GDateTime *dt;
  gint64 us, want;

  fail_unless (iso != NULL, "no %s", field);
  fail_unless (g_str_has_suffix (iso, "Z"), "%s=%s is not UTC", field, iso);
  fail_unless (g_str_has_prefix (iso, "2024-08-12T21:1"), "%s=%s", field, iso);
  dt = g_date_time_new_from_iso8601 (iso, utc);
  fail_unless (dt != NULL, "%s=%s is not ISO 8601", field, iso);
  us = g_date_time_to_unix (dt) * G_USEC_PER_SEC +
       g_date_time_get_microsecond (dt);
  want = (TEST_UTC_BASE + gst_util_uint64_scale (frame, GST_SECOND, 30)) /
         GST_USECOND;
  fail_unless (
      us == want, "%s=%s, want %" G_GINT64_FORMAT " us", field, iso, want);
  g_date_time_unref (dt);
  g_time_zone_unref (utc);
}

GST_START_TEST (test_frame_ids_and_utc)
{
  Messages *plain = run_restamped (RESTAMP_NONE);
  Messages *offsets = run_restamped (RESTAMP_OFFSET);
  Messages *meta = run_restamped (RESTAMP_META);
  const GstStructure *a = g_ptr_array_index (plain->meteors, 0);
  const GstStructure *b = g_ptr_array_index (offsets->meteors, 0);
  const GstStructure *c = g_ptr_array_index (meta->meteors, 0);
  guint64 first_frame = get_uint64 (a, "first-frame");
  guint64 last_frame = get_uint64 (a, "last-frame");
  gboolean calibrated = TRUE;

  /* meteorsky's offsets count frames from 0 */
  fail_unless (
      first_frame >= 40 && first_frame < last_frame && last_frame < 90);
  fail_unless_equals_uint64 (get_uint64 (b, "first-frame"), first_frame + 500);
  fail_unless_equals_uint64 (get_uint64 (b, "last-frame"), last_frame + 500);
  fail_unless_equals_uint64 (get_uint64 (c, "first-frame"), first_frame + 1000);
  fail_unless_equals_uint64 (get_uint64 (c, "last-frame"), last_frame + 1000);
  /* times are running times either way */
  fail_unless_equals_uint64 (
      get_uint64 (c, "start-time"), get_uint64 (a, "start-time"));
  fail_unless_equals_uint64 (
      get_uint64 (c, "end-time"), get_uint64 (a, "end-time"));
  /* capture times only from the meta */
  fail_if (gst_structure_has_field (b, "start-utc"));
  /* no calibration: said, and nothing on the sky */
  fail_unless (
      gst_structure_get_boolean (a, "calibrated", &calibrated) && !calibrated);
  fail_if (gst_structure_has_field (a, "begin-ra"));
  check_utc (c, "start-utc", first_frame);
  check_utc (c, "end-utc", last_frame);
  /* the rest of the detection is the same */
  fail_unless_equals_float (get_double (a, "x0"), get_double (c, "x0"));
  fail_unless_equals_float (get_double (a, "y1"), get_double (c, "y1"));

  messages_free (plain);
  messages_free (offsets);
  messages_free (meta);
}

GST_END_TEST;

/* A WCS file as meteor-calibrate writes one (a FITS header of 80-column
 * cards in a 2880-byte block): TAN, 0.25 deg a pixel, centred on
 * (150, +20) over 320x240, zero point 10. */
static gchar *
write_wcs (gchar **dir)
{
  static const char *const cards[] = { "SIMPLE  =                    T",
    "BITPIX  =                    8", "NAXIS   =                    0",
    "CTYPE1  = 'RA---TAN'", "CTYPE2  = 'DEC--TAN'",
    "CRVAL1  =                150.0", "CRVAL2  =                 20.0",
    "CRPIX1  =                160.5", "CRPIX2  =                120.5",
    "CDELT1  =                -0.25", "CDELT2  =                 0.25",
    "IMAGEW  =                  320", "IMAGEH  =                  240",
    "MAGZP   =                 10.0", "END" };
  char block[2880];
  guint i;

  memset (block, ' ', sizeof block);
  for (i = 0; i < G_N_ELEMENTS (cards); i++)
    memcpy (block + 80 * i, cards[i], strlen (cards[i]));
  return write_temp_file ("camera.wcs", block, sizeof block, dir);
}

typedef struct {
  gchar *bad, *good;
} Recalibration;

/* while playing: a file that is not there at frame 5 (a warning, nothing
 * to keep), the good one at frame 30 (before the meteor) */
static GstPadProbeReturn
recalibrate_probe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Recalibration *r = data;
  GstElement *d = GST_PAD_PARENT (pad);
  guint64 n = GST_BUFFER_OFFSET (GST_PAD_PROBE_INFO_BUFFER (info));

  if (n == 5)
    g_object_set (d, "calibration", r->bad, NULL);
  else if (n == 30)
    g_object_set (d, "calibration", r->good, NULL);
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_calibration_while_playing)
{
  Recalibration r = { g_strdup ("/nonexistent-camera.wcs"), NULL };
  const GstStructure *det;
  const GValue *path, *point;
  gdouble ra, dec, peak, x, y, intensity, brightest = -1;
  gboolean calibrated = FALSE;
  gchar *dir;
  Messages *m;
  guint i;

  r.good = write_wcs (&dir);
  m = run_sky_meteor (recalibrate_probe, &r);
  fail_unless (strstr (m->warnings->str, "/nonexistent-camera.wcs") != NULL,
      "warnings: %s", m->warnings->str);
  det = g_ptr_array_index (m->meteors, 0);
  fail_unless (
      gst_structure_get_boolean (det, "calibrated", &calibrated) && calibrated);
  /* the file says not when its sky was seen: no age */
  fail_if (gst_structure_has_field (det, "calibration-age"));
  /* on the sky: the TAN projection's centre is (150, +20) */
  ra = get_double (det, "begin-ra");
  dec = get_double (det, "begin-dec");
  fail_unless (fabs (ra - 150) < 40 && fabs (dec - 20) < 30, "%f %f", ra, dec);
  fail_unless (get_double (det, "angular-speed") > 0);
  /* no place: no horizon */
  fail_if (gst_structure_has_field (det, "begin-azimuth"));
  path = gst_structure_get_value (det, "path");
  for (i = 0; i < gst_value_array_get_size (path); i++) {
    point = gst_value_array_get_value (path, i);
    fail_unless_equals_int (gst_value_array_get_size (point), 10);
    x = g_value_get_double (gst_value_array_get_value (point, 1));
    y = g_value_get_double (gst_value_array_get_value (point, 2));
    intensity = g_value_get_double (gst_value_array_get_value (point, 3));
    brightest = MAX (brightest, intensity);
    /* the centre pixel is the reference point; 0.25 deg a pixel near it,
     * FITS rows counted from the frame's top (as RMS stores them) */
    dec = g_value_get_double (gst_value_array_get_value (point, 6));
    fail_unless (
        fabs (dec - (20 + (y - 119.5) * 0.25)) < 0.2 * fabs (y - 119.5) + 0.5,
        "(%f, %f) at Dec %f", x, y, dec);
    fail_unless (
        isnan (g_value_get_double (gst_value_array_get_value (point, 7))),
        "an azimuth without a place");
    fail_unless_equals_float (
        g_value_get_double (gst_value_array_get_value (point, 9)),
        10.0 - 2.5 * log10 (intensity));
  }
  peak = get_double (det, "peak-magnitude");
  fail_unless_equals_float (peak, 10.0 - 2.5 * log10 (brightest));
  messages_free (m);
  remove_temp_file (r.good, dir);
  g_free (r.bad);
}

GST_END_TEST;

/* Every format negotiates (the same caps on both pads) and runs; GRAY8,
 * I420, NV12 and YUY2 carry the same luma, so their detections are
 * identical, down to the last bit. */
GST_START_TEST (test_every_format)
{
  const gchar *sky_formats[] = { "GRAY8", "GRAY16_LE", "I420", "NV12", "YUY2",
    "RGB", "BGR", "RGBx", "BGRx" };
  const gchar *luma_formats[] = { "GRAY8", "I420", "NV12", "YUY2" };
  const gchar *counters[] = { "frames", "candidates", "clusters", "tracks",
    "detections", "rejected-short" };
  SkyRun *runs[G_N_ELEMENTS (luma_formats)];
  guint i, j, k;

  for (i = 0; i < G_N_ELEMENTS (sky_formats); i++) {
    gchar *caps = g_strdup_printf (
        "video/x-raw,format=%s,width=160,height=120", sky_formats[i]);
    SkyRun *run = run_sky ("num-buffers=20", NULL, caps, "");

    fail_unless_equals_uint64 (meteor_test_stat (run->stats, "frames"), 20);
    fail_unless_equals_int (run->sink->buffers, 20);
    sky_run_free (run);
    g_free (caps);
  }

  for (i = 0; i < G_N_ELEMENTS (luma_formats); i++) {
    gchar *caps = g_strdup_printf (
        "video/x-raw,format=%s,width=320,height=240", luma_formats[i]);

    runs[i] = run_sky ("seed=11 num-buffers=90", METEOR_SCHEDULE, caps, "");
    g_free (caps);
  }
  fail_unless (runs[0]->m->meteors->len >= 1, "no detection in GRAY8");
  for (i = 1; i < G_N_ELEMENTS (luma_formats); i++) {
    fail_unless_equals_int (runs[i]->m->meteors->len, runs[0]->m->meteors->len);
    for (j = 0; j < runs[0]->m->meteors->len; j++) {
      const GstStructure *a = g_ptr_array_index (runs[0]->m->meteors, j);
      const GstStructure *b = g_ptr_array_index (runs[i]->m->meteors, j);

      fail_unless (gst_structure_is_equal (a, b),
          "%s: %" GST_PTR_FORMAT ", GRAY8: %" GST_PTR_FORMAT, luma_formats[i],
          b, a);
    }
    for (k = 0; k < G_N_ELEMENTS (counters); k++)
      fail_unless_equals_uint64 (meteor_test_stat (runs[i]->stats, counters[k]),
          meteor_test_stat (runs[0]->stats, counters[k]));
  }
  for (i = 0; i < G_N_ELEMENTS (luma_formats); i++)
    sky_run_free (runs[i]);
}

GST_END_TEST;

/* A flash is reported on every flash frame, and warned about (once here:
 * at most one warning per 10 s of stream). */
GST_START_TEST (test_flash)
{
  SkyRun *run = run_sky ("num-buffers=90", "flash@40",
      "video/x-raw,format=GRAY8,width=320,height=240", "");
  guint i;

  fail_unless (run->m->flashes->len >= 1, "no meteordetect-flash message");
  for (i = 0; i < run->m->flashes->len; i++) {
    const GstStructure *f = g_ptr_array_index (run->m->flashes, i);
    guint64 frame = get_uint64 (f, "frame");

    fail_unless (
        frame >= 40 && frame < 90, "flash at frame %" G_GUINT64_FORMAT, frame);
    fail_unless (
        get_double (f, "fraction") >= 0 && get_double (f, "fraction") <= 1);
    fail_unless (get_double (f, "mean-jump") > 0);
  }
  fail_unless_equals_int (run->m->n_warnings, 1);
  fail_unless (strstr (run->m->warnings->str, "d: flash") != NULL,
      "warnings: %s", run->m->warnings->str);
  fail_unless_equals_uint64 (
      meteor_test_stat (run->stats, "flashes"), run->m->flashes->len);
  fail_unless_equals_int (run->m->meteors->len, 0);
  sky_run_free (run);
}

GST_END_TEST;

/* A mask hides what is behind it: the meteor flies at x 60..210, so with
 * the left two thirds masked it is not seen, with nothing masked it is. */
GST_START_TEST (test_mask)
{
  gchar *dir, *path, *pgm, *props;
  gsize len;
  SkyRun *run;

  pgm = make_pgm (320, 240, 0, &len);
  path = write_temp_file ("open.pgm", pgm, len, &dir);
  props = g_strdup_printf ("mask=%s", path);
  run = run_sky ("num-buffers=90", METEOR_SCHEDULE,
      "video/x-raw,format=GRAY8,width=320,height=240", props);
  fail_unless_equals_int (run->m->meteors->len, 1);
  sky_run_free (run);
  g_free (props);
  g_free (pgm);
  remove_temp_file (path, dir);

  pgm = make_pgm (320, 240, 220, &len);
  path = write_temp_file ("covered.pgm", pgm, len, &dir);
  props = g_strdup_printf ("mask=%s", path);
  run = run_sky ("num-buffers=90", METEOR_SCHEDULE,
      "video/x-raw,format=GRAY8,width=320,height=240", props);
  fail_unless_equals_int (run->m->meteors->len, 0);
  fail_unless_equals_int (run->sink->roi_buffers, 0);
  sky_run_free (run);
  g_free (props);
  g_free (pgm);
  remove_temp_file (path, dir);
}

GST_END_TEST;

/* New caps mid-stream: the detector starts over on the new frame size,
 * its counters go on. */
GST_START_TEST (test_renegotiation)
{
  GstElement *pipeline = meteor_test_parse (
      "meteorsky name=sky num-buffers=40 ! capsfilter name=cf "
      "caps=video/x-raw,format=GRAY8,width=320,height=240 ! "
      "meteordetect name=d ! appsink name=sink sync=false "
      "max-buffers=1");
  GstElement *cf = get_element (pipeline, "cf");
  GstElement *sink = get_element (pipeline, "sink");
  GstStructure *stats;
  GstCaps *small;
  guint i, n_small = 0;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
               GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < 40; i++) {
    GstSample *sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 30 * GST_SECOND);
    GstVideoInfo info;

    fail_unless (sample != NULL, "frame %u missing", i);
    fail_unless (
        gst_video_info_from_caps (&info, gst_sample_get_caps (sample)));
    n_small += GST_VIDEO_INFO_WIDTH (&info) == 160;
    gst_sample_unref (sample);
    if (i == 10) {
      small = gst_caps_from_string (
          "video/x-raw,format=GRAY8,width=160,height=120");
      g_object_set (cf, "caps", small, NULL);
      gst_caps_unref (small);
    }
  }
  fail_unless (n_small > 0 && n_small < 30, "%u small frames", n_small);
  /* every frame went through meteordetect before appsink had it */
  stats = element_stats (pipeline, "d");
  fail_unless_equals_uint64 (meteor_test_stat (stats, "frames"), 40);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  /* stopped: the counters stay readable */
  gst_structure_free (stats);
  stats = element_stats (pipeline, "d");
  fail_unless_equals_uint64 (meteor_test_stat (stats, "frames"), 40);

  gst_structure_free (stats);
  gst_object_unref (cf);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

GST_END_TEST;

#define BAD_SKY                                                                \
  "meteorsky num-buffers=5 ! video/x-raw,format=GRAY8,width=64,height=48 ! "

GST_START_TEST (test_bad_settings)
{
  gchar *text, *desc, *dir, *path, *pgm, *debug = NULL;
  GstElement *pipeline, *src;
  GString *warnings;
  GstBuffer *buf;
  gsize len;

  text = expect_error_from (BAD_SKY "meteordetect k1=0 ! fakesink");
  fail_unless (strstr (text, "k1") != NULL, "unclear: %s", text);
  g_free (text);

  text = expect_error_from (
      BAD_SKY "meteordetect min-speed=100 max-speed=50 ! fakesink");
  fail_unless (strstr (text, "max-speed") != NULL, "unclear: %s", text);
  g_free (text);

  text = expect_error_from (BAD_SKY "meteordetect min-frames=1 ! fakesink");
  fail_unless (strstr (text, "min-frames") != NULL, "unclear: %s", text);
  g_free (text);

  /* variable framerate: speeds cannot be measured */
  text = expect_error_from ("videotestsrc num-buffers=5 ! "
                            "video/x-raw,format=GRAY8,width=64,height=48,"
                            "framerate=0/1 ! meteordetect ! fakesink");
  fail_unless (strstr (text, "framerate 0/1") != NULL, "unclear: %s", text);
  g_free (text);

  text = expect_error_from (
      BAD_SKY "meteordetect mask=/nonexistent-meteordetect.pgm ! fakesink");
  fail_unless (strstr (text, "/nonexistent-meteordetect.pgm") != NULL,
      "unclear: %s", text);
  g_free (text);

  /* a calibration that cannot be read, or is no WCS: named */
  text = expect_error_from (
      BAD_SKY "meteordetect calibration=/nonexistent-camera.wcs ! fakesink");
  fail_unless (
      strstr (text, "/nonexistent-camera.wcs") != NULL, "unclear: %s", text);
  g_free (text);
  path = write_temp_file ("camera.wcs", "not a FITS header", 17, &dir);
  desc =
      g_strdup_printf (BAD_SKY "meteordetect calibration=%s ! fakesink", path);
  text = expect_error_from (desc);
  fail_unless (strstr (text, path) != NULL, "unclear: %s", text);
  g_free (text);
  g_free (desc);
  remove_temp_file (path, dir);

  /* a mask of another size names both */
  pgm = make_pgm (32, 24, 0, &len);
  path = write_temp_file ("small.pgm", pgm, len, &dir);
  desc = g_strdup_printf (BAD_SKY "meteordetect mask=%s ! fakesink", path);
  text = expect_error_from (desc);
  fail_unless (strstr (text, path) != NULL && strstr (text, "32x24") != NULL &&
                   strstr (text, "64x48") != NULL,
      "unclear: %s", text);
  g_free (text);
  g_free (desc);
  g_free (pgm);
  remove_temp_file (path, dir);

  /* not a PGM at all */
  path = write_temp_file ("mask.png", "\x89PNG\r\n", 6, &dir);
  desc = g_strdup_printf (BAD_SKY "meteordetect mask=%s ! fakesink", path);
  text = expect_error_from (desc);
  fail_unless (strstr (text, path) != NULL && strstr (text, "P5") != NULL,
      "unclear: %s", text);
  g_free (text);
  g_free (desc);
  remove_temp_file (path, dir);

  /* a format meteordetect does not take: not negotiated, and named */
  pipeline =
      meteor_test_parse ("appsrc name=src format=time "
                         "caps=video/x-raw,format=AYUV,width=64,height=48,"
                         "framerate=30/1 ! meteordetect ! fakesink");
  src = get_element (pipeline, "src");
  buf = gst_buffer_new_allocate (NULL, 64 * 48 * 4, NULL);
  gst_buffer_memset (buf, 0, 0x80, 64 * 48 * 4);
  GST_BUFFER_PTS (buf) = 0;
  fail_unless_equals_int (
      gst_app_src_push_buffer (GST_APP_SRC (src), buf), GST_FLOW_OK);
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  warnings = g_string_new (NULL);
  text = meteor_test_expect_error (pipeline, &debug, warnings);
  fail_unless (debug && strstr (debug, "not-negotiated") != NULL,
      "not a negotiation error: %s (%s)", text, debug ? debug : "");
  fail_unless (
      strstr (warnings->str, "AYUV") != NULL, "warnings: %s", warnings->str);
  g_string_free (warnings, TRUE);
  g_free (text);
  g_free (debug);
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* simd names the kernel set in use; METEOR_SIMD=c, set before the element
 * is made, selects the C reference. */
GST_START_TEST (test_simd)
{
  const gchar *known[] = { "c", "sse2", "avx2", "neon" };
  gchar *saved = g_strdup (g_getenv ("METEOR_SIMD"));
  GstElement *d;
  gchar *simd = NULL;
  gboolean ok = FALSE;
  guint i;

  g_unsetenv ("METEOR_SIMD");
  d = gst_element_factory_make ("meteordetect", NULL);
  fail_unless (d != NULL);
  g_object_get (d, "simd", &simd, NULL);
  fail_unless (simd != NULL && *simd != '\0');
  for (i = 0; i < G_N_ELEMENTS (known); i++)
    ok |= g_str_equal (simd, known[i]);
  fail_unless (ok, "simd=%s", simd);
  g_free (simd);
  gst_object_unref (d);

  g_setenv ("METEOR_SIMD", "c", TRUE);
  d = gst_element_factory_make ("meteordetect", NULL);
  g_object_get (d, "simd", &simd, NULL);
  fail_unless_equals_string (simd, "c");
  g_free (simd);
  gst_object_unref (d);

  if (saved)
    g_setenv ("METEOR_SIMD", saved, TRUE);
  else
    g_unsetenv ("METEOR_SIMD");
  g_free (saved);
}

GST_END_TEST;

static Suite *
meteordetect_suite (void)
{
  Suite *s = suite_create ("meteordetect");
  TCase *tc = tcase_create ("general");

  gst_meteor_init ();
  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_passthrough_zero_copy);
  tcase_add_test (tc, test_detection_outputs);
  tcase_add_test (tc, test_meteor_in_flight_at_eos);
  tcase_add_test (tc, test_frame_ids_and_utc);
  tcase_add_test (tc, test_calibration_while_playing);
  tcase_add_test (tc, test_every_format);
  tcase_add_test (tc, test_flash);
  tcase_add_test (tc, test_mask);
  tcase_add_test (tc, test_renegotiation);
  tcase_add_test (tc, test_bad_settings);
  tcase_add_test (tc, test_simd);
  return s;
}

METEOR_CHECK_MAIN (meteordetect);
