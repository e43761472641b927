/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor example: a meteor station embedded in a C application.
 *
 * Builds the station pipeline with gst_parse_launch(), reads each frame's
 * GstMeteorFrameMeta from an appsink, listens for meteordetect's
 * meteor-detected messages, asks tieredsink for the first frame of each
 * meteor with its get-frame action signal, and stops cleanly on SIGINT
 * (EOS through the pipeline, then NULL).
 *
 * Build against an installed gst-meteor:
 *   cc station-example.c -o station-example \
 *     $(pkg-config --cflags --libs gstreamer-meteor-1.0 gstreamer-app-1.0)
 *
 * Run:  ./station-example                 synthetic sky (meteorsky), Ctrl-C to
 * stop
 *       ./station-example --source "v4l2src ! videoconvert"
 *       ./station-example --pipeline "... appsink name=frames"   any pipeline
 *
 * A pipeline given with --pipeline needs an appsink named "frames"; the
 * elements named "pool" (meteorpool) and "store" (tieredsink) are used when
 * present.
 */
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/app/app.h>
#include <gst/gst.h>
#include <gst/meteor/meteor.h>
#include <signal.h>
#include <stdlib.h>

/* How long EOS may take to reach the sinks after SIGINT. */
#define EOS_TIMEOUT_S 10

typedef struct {
  GMainLoop *loop;
  GstElement *pipeline;
  GstElement *store; /* tieredsink, or NULL */
  guint print_every;
  gboolean stopping;
  gboolean failed;
  guint eos_timeout_id;
  guint time_up_id;

  /* written by the appsink's streaming thread */
  GMutex lock;
  guint64 frames;
  guint64 frames_without_meta;
  guint64 last_frame_id;
  guint64 frame_id_gaps;

  /* main thread only */
  guint meteors;
  guint get_frame_ok;
  guint get_frame_missing;
} Station;

/* buffers the queues (3 x 4), appsink (4) and the elements (2) hold */
#define POOL_IN_FLIGHT 18

static const gchar *default_source =
    "meteorsky is-live=true seed=2026 "
    "schedule=\"meteor@15,snr=12;meteor@70,snr=10\" ! "
    "video/x-raw,format=GRAY8,width=640,height=480,framerate=30/1";

/* The station: capture into meteorpool's ring, detect, and fan the same
 * frames out to storage and to the application. Every queue is bounded: a
 * queue holds pool buffers. The pool is sized for what storage holds:
 * appsink does not answer the allocation query, so the tee cannot ask the
 * pool for it. */
static gchar *
station_description (const gchar *source, const gchar *storage, gint held)
{
  return g_strdup_printf (
      "%s ! meteorpool name=pool camera-id=cam0 max-buffers=%d "
      "! meteordetect name=detect "
      "! tee name=t "
      "t. ! queue max-size-buffers=4 ! %s "
      "t. ! queue max-size-buffers=4 "
      "! appsink name=frames sync=false max-buffers=4",
      source, held + POOL_IN_FLIGHT, storage);
}

static gboolean
has_factory (const gchar *name)
{
  GstElementFactory *f = gst_element_factory_find (name);

  if (f == NULL)
    return FALSE;
  gst_object_unref (f);
  return TRUE;
}

/* appsink's streaming thread: one sample per frame. */
static GstFlowReturn
on_new_sample (GstAppSink *sink, gpointer user_data)
{
  Station *st = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf;
  GstMeteorFrameMeta *meta;
  gboolean print;

  if (sample == NULL)
    return GST_FLOW_EOS;
  buf = gst_sample_get_buffer (sample);
  meta = buf ? gst_buffer_get_meteor_frame_meta (buf) : NULL;

  g_mutex_lock (&st->lock);
  if (meta == NULL) {
    st->frames_without_meta++;
  } else {
    if (st->frames > 0 && meta->frame_id != st->last_frame_id + 1)
      st->frame_id_gaps++;
    st->last_frame_id = meta->frame_id;
  }
  print = st->print_every > 0 && st->frames % st->print_every == 0;
  st->frames++;
  g_mutex_unlock (&st->lock);

  if (print && meta) {
    GstStructure *s = gst_meteor_frame_meta_to_structure (meta);
    const gchar *utc = gst_structure_get_string (s, "utc");

    g_print ("frame %" G_GUINT64_FORMAT
             " camera=%s utc=%s exposure-us=%" G_GUINT64_FORMAT
             " gain=%.2f pts=%" GST_TIME_FORMAT "\n",
        meta->frame_id, meta->camera_id, utc ? utc : "?",
        meta->exposure_time_us, meta->gain,
        GST_TIME_ARGS (GST_BUFFER_PTS (buf)));
    gst_structure_free (s);
  } else if (print) {
    g_print ("frame without GstMeteorFrameMeta (not from meteorpool)\n");
  }
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

/* Asks tieredsink for a frame it holds, by frame_id. */
static void
get_frame (Station *st, guint64 frame_id)
{
  GstSample *sample = NULL;
  GstBuffer *buf;
  GstMeteorFrameMeta *meta;

  if (st->store == NULL)
    return;
  g_signal_emit_by_name (st->store, "get-frame", frame_id, &sample);
  if (sample == NULL) {
    g_print (
        "get-frame %" G_GUINT64_FORMAT ": not held by tieredsink\n", frame_id);
    st->get_frame_missing++;
    return;
  }
  buf = gst_sample_get_buffer (sample);
  meta = buf ? gst_buffer_get_meteor_frame_meta (buf) : NULL;
  if (meta && meta->frame_id == frame_id) {
    g_print ("get-frame %" G_GUINT64_FORMAT ": ok, %" G_GSIZE_FORMAT
             " bytes, meta frame_id %" G_GUINT64_FORMAT "\n",
        frame_id, gst_buffer_get_size (buf), meta->frame_id);
    st->get_frame_ok++;
  } else {
    g_print ("get-frame %" G_GUINT64_FORMAT ": wrong frame (meta %s)\n",
        frame_id, meta ? "of another frame" : "missing");
    st->failed = TRUE;
  }
  gst_sample_unref (sample);
}

static void
on_meteor (Station *st, const GstStructure *s)
{
  GstMeteorDetection d;
  const gchar *utc =
      gst_structure_get_string (s, GST_METEOR_DETECTION_START_UTC);

  if (!gst_meteor_detection_parse (s, &d))
    return;
  st->meteors++;
  g_print ("meteor-detected id=%u frames %" G_GUINT64_FORMAT
           "-%" G_GUINT64_FORMAT
           " (%.0f,%.0f)->(%.0f,%.0f) %.0f px/s snr %.1f start-utc=%s\n",
      d.id, d.first_frame, d.last_frame, d.x0, d.y0, d.x1, d.y1, d.speed_px_s,
      d.snr, utc ? utc : "?");
  get_frame (st, d.first_frame);
}

static gboolean
on_eos_timeout (gpointer user_data)
{
  Station *st = user_data;

  g_printerr ("station-example: no EOS %d s after SIGINT, stopping anyway\n",
      EOS_TIMEOUT_S);
  st->failed = TRUE;
  st->eos_timeout_id = 0;
  g_main_loop_quit (st->loop);
  return G_SOURCE_REMOVE;
}

/* First SIGINT (or SIGTERM): EOS through the pipeline, so every sink
 * finishes (tieredsink writes its clips); a second one quits at once. */
static gboolean
on_signal (gpointer user_data)
{
  Station *st = user_data;

  if (st->stopping) {
    g_print ("second signal: quitting without waiting for EOS\n");
    g_main_loop_quit (st->loop);
    return G_SOURCE_CONTINUE;
  }
  st->stopping = TRUE;
  g_print ("SIGINT: sending EOS\n");
  gst_element_send_event (st->pipeline, gst_event_new_eos ());
  st->eos_timeout_id =
      g_timeout_add_seconds (EOS_TIMEOUT_S, on_eos_timeout, st);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_time_up (gpointer user_data)
{
  Station *st = user_data;

  st->time_up_id = 0;
  on_signal (st);
  return G_SOURCE_REMOVE;
}

/* Removes what tieredsink wrote into our temporary directory. */
static void
remove_tree (const gchar *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (dir) {
    while ((name = g_dir_read_name (dir))) {
      gchar *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
          !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
      g_free (child);
    }
    g_dir_close (dir);
  }
  g_rmdir (path);
}

static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  Station *st = user_data;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT: {
      const GstStructure *s = gst_message_get_structure (msg);

      if (gst_meteor_detection_is (s))
        on_meteor (st, s);
      else if (gst_structure_has_name (s, "tieredsink-clip-saved"))
        g_print ("clip saved: %s\n", gst_structure_get_string (s, "path"));
      break;
    }
    case GST_MESSAGE_WARNING: {
      GError *err = NULL;

      gst_message_parse_warning (msg, &err, NULL);
      g_printerr (
          "warning from %s: %s\n", GST_MESSAGE_SRC_NAME (msg), err->message);
      g_error_free (err);
      break;
    }
    case GST_MESSAGE_ERROR: {
      GError *err = NULL;
      gchar *dbg = NULL;

      gst_message_parse_error (msg, &err, &dbg);
      g_printerr ("error from %s: %s (%s)\n", GST_MESSAGE_SRC_NAME (msg),
          err->message, dbg ? dbg : "");
      g_error_free (err);
      g_free (dbg);
      st->failed = TRUE;
      g_main_loop_quit (st->loop);
      break;
    }
    case GST_MESSAGE_EOS:
      g_print ("EOS\n");
      g_main_loop_quit (st->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static void
print_pool_stats (GstElement *pipeline)
{
  GstElement *pool = gst_bin_get_by_name (GST_BIN (pipeline), "pool");
  GstStructure *stats = NULL;
  gchar *text;

  if (pool == NULL)
    return;
  g_object_get (pool, "stats", &stats, NULL);
  if (stats) {
    text = gst_structure_to_string (stats);
    g_print ("meteorpool stats: %s\n", text);
    g_free (text);
    gst_structure_free (stats);
  }
  gst_object_unref (pool);
}

int
main (int argc, char **argv)
{
  gchar *source = NULL, *pipeline_desc = NULL, *location = NULL;
  gint print_every = 30, seconds = 0, hot_frames = 90;
  GOptionEntry entries[] = {
    { "source", 's', 0, G_OPTION_ARG_STRING, &source,
        "Source part of the pipeline, up to the caps (default: synthetic sky)",
        "DESC" },
    { "pipeline", 'p', 0, G_OPTION_ARG_STRING, &pipeline_desc,
        "Whole pipeline instead (needs an appsink named frames)", "DESC" },
    { "location", 'l', 0, G_OPTION_ARG_FILENAME, &location,
        "tieredsink's directory (default: a new one in the temp dir)", "DIR" },
    { "hot-frames", 0, 0, G_OPTION_ARG_INT, &hot_frames,
        "tieredsink hot-frames (default 90)", "N" },
    { "print-every", 'e', 0, G_OPTION_ARG_INT, &print_every,
        "Print the meta of every Nth frame (default 30, 0: none)", "N" },
    { "seconds", 't', 0, G_OPTION_ARG_INT, &seconds,
        "Stop by itself after this long, as on SIGINT (default: run until "
        "SIGINT)",
        "S" },
    { NULL }
  };
  GOptionContext *ctx;
  GError *error = NULL;
  Station st = { 0 };
  GstElement *sink;
  GstBus *bus;
  GstAppSinkCallbacks callbacks = { 0 };
  gchar *desc, *tmpdir = NULL;
  gboolean have_tiered;
  guint sigint_id, sigterm_id;
  int status;

  ctx = g_option_context_new ("- a meteor station in an application");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("station-example: %s\n", error->message);
    g_error_free (error);
    g_option_context_free (ctx);
    return EXIT_FAILURE;
  }
  g_option_context_free (ctx);
  if (print_every < 0 || seconds < 0 || hot_frames < 0) {
    g_printerr ("station-example: --print-every, --seconds and --hot-frames "
                "take a number >= 0\n");
    return EXIT_FAILURE;
  }
  gst_meteor_init ();

  have_tiered = has_factory ("tieredsink");
  if (pipeline_desc) {
    desc = g_strdup (pipeline_desc);
  } else {
    gchar *storage;

    if (have_tiered) {
      if (location == NULL) {
        tmpdir = g_dir_make_tmp ("station-example-XXXXXX", &error);
        if (tmpdir == NULL) {
          g_printerr ("station-example: %s\n", error->message);
          g_error_free (error);
          return EXIT_FAILURE;
        }
      }
      storage = g_strdup_printf ("tieredsink name=store location=\"%s\" "
                                 "hot-frames=%d",
          location ? location : tmpdir, hot_frames);
    } else {
      storage = g_strdup ("fakesink name=store sync=false");
    }
    desc = station_description (source ? source : default_source, storage,
        have_tiered ? hot_frames : 0);
    g_free (storage);
  }
  g_print ("pipeline: %s\n", desc);

  st.pipeline = gst_parse_launch (desc, &error);
  g_free (desc);
  if (st.pipeline == NULL || error) {
    g_printerr ("station-example: cannot build the pipeline: %s\n",
        error ? error->message : "?");
    g_clear_error (&error);
    gst_clear_object (&st.pipeline);
    return EXIT_FAILURE;
  }

  sink = gst_bin_get_by_name (GST_BIN (st.pipeline), "frames");
  if (sink == NULL || !GST_IS_APP_SINK (sink)) {
    g_printerr ("station-example: the pipeline has no appsink named frames\n");
    gst_clear_object (&sink);
    gst_object_unref (st.pipeline);
    return EXIT_FAILURE;
  }
  st.store = gst_bin_get_by_name (GST_BIN (st.pipeline), "store");
  if (st.store && g_signal_lookup ("get-frame", G_OBJECT_TYPE (st.store)) == 0)
    gst_clear_object (&st.store);
  if (st.store)
    g_print ("get-frame: asking %s for the first frame of each meteor\n",
        GST_OBJECT_NAME (st.store));
  else
    g_print ("get-frame: skipped, no tieredsink in the pipeline (element %s)\n",
        have_tiered ? "registered" : "not registered");

  g_mutex_init (&st.lock);
  st.print_every = print_every;
  st.loop = g_main_loop_new (NULL, FALSE);
  callbacks.new_sample = on_new_sample;
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, &st, NULL);
  gst_object_unref (sink);

  bus = gst_element_get_bus (st.pipeline);
  gst_bus_add_watch (bus, on_bus, &st);
  sigint_id = g_unix_signal_add (SIGINT, on_signal, &st);
  sigterm_id = g_unix_signal_add (SIGTERM, on_signal, &st);
  if (seconds > 0)
    st.time_up_id = g_timeout_add_seconds (seconds, on_time_up, &st);

  if (gst_element_set_state (st.pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_printerr ("station-example: the pipeline does not start\n");
    st.failed = TRUE;
  } else {
    g_print ("running; Ctrl-C (SIGINT) stops\n");
    g_main_loop_run (st.loop);
  }

  /* before NULL: the pool's counters go with the pool */
  print_pool_stats (st.pipeline);
  gst_element_set_state (st.pipeline, GST_STATE_NULL);
  g_print ("frames %" G_GUINT64_FORMAT ", without meta %" G_GUINT64_FORMAT
           ", frame_id gaps %" G_GUINT64_FORMAT ", meteors %u, get-frame ok "
           "%u, not held %u\n",
      st.frames, st.frames_without_meta, st.frame_id_gaps, st.meteors,
      st.get_frame_ok, st.get_frame_missing);
  status = st.failed ? EXIT_FAILURE : EXIT_SUCCESS;
  g_print ("%s\n", st.failed ? "stopped with an error" : "stopped cleanly");

  if (st.eos_timeout_id)
    g_source_remove (st.eos_timeout_id);
  if (st.time_up_id)
    g_source_remove (st.time_up_id);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_clear_object (&st.store);
  gst_object_unref (st.pipeline);
  g_main_loop_unref (st.loop);
  g_mutex_clear (&st.lock);
  if (tmpdir) {
    /* tieredsink's files stay with the user-given --location only */
    remove_tree (tmpdir);
    g_free (tmpdir);
  }
  g_free (source);
  g_free (pipeline_desc);
  g_free (location);
  gst_deinit ();
  return status;
}
