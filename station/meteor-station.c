/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station — one camera, one config file, every night.
 *
 *   meteor-station --config station.ini [--now 2026-12-07T12:00:00Z]
 *
 * Builds the pipeline from the config (the camera, meteorpool sized from
 * the hot seconds, meteordetect with the [detect] properties, tieredsink
 * in STORE/YYYYMMDD), runs it from dusk to dawn (or always), and rebuilds
 * it after a camera error with a backoff of 1 s doubling to 60 s.
 * SIGINT/SIGTERM finish the clips being written and exit 0. --now (or
 * METEOR_STATION_NOW) sets the clock, for tests. */
#include "stationconfig.h"
#include "stationsun.h"

#include <errno.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <math.h>
#include <string.h>

/* how far ahead the schedule looks for dusk or dawn */
#define HORIZON_S (2 * 86400.0)
/* checked again when no dusk or dawn is in sight (high latitudes) */
#define RECHECK_S (6 * 3600.0)
#define QUEUE_BUFFERS 8

typedef struct {
  StationConfig *cfg;
  gdouble clock_offset; /* --now minus the real time at start */
  GMainLoop *loop;
  GstElement *pipeline;
  guint timer;
  gboolean quitting;
  gdouble backoff;
  gint status;
} Station;

static gdouble
station_now (Station *st)
{
  return g_get_real_time () / 1e6 + st->clock_offset;
}

static gchar *
iso (gdouble t)
{
  GDateTime *d = g_date_time_new_from_unix_utc ((gint64)t);
  gchar *s = g_date_time_format (d, "%Y-%m-%dT%H:%M:%SZ");

  g_date_time_unref (d);
  return s;
}

static void say (const gchar *fmt, ...) G_GNUC_PRINTF (1, 2);
static void
say (const gchar *fmt, ...)
{
  va_list ap;
  gchar *msg;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_print ("meteor-station: %s\n", msg);
  g_free (msg);
}

/* The camera part of the pipeline, up to raw video in the config's
 * format and size. */
static gchar *
source_desc (const StationConfig *c)
{
  GString *s = g_string_new (NULL);
  gboolean convert = TRUE;

  switch (c->source) {
    case STATION_CAMERA_SKY:
      g_string_append (s, "meteorsky is-live=true");
      if (c->sky_options)
        g_string_append_printf (s, " %s", c->sky_options);
      convert = FALSE;
      break;
    case STATION_CAMERA_LIBCAMERA:
      g_string_append (s, "libcamerasrc");
      convert = FALSE;
      break;
    case STATION_CAMERA_V4L2:
      g_string_append_printf (
          s, "v4l2src device=\"%s\" ! decodebin", c->device);
      break;
    case STATION_CAMERA_RTSP:
      g_string_append_printf (s,
          "rtspsrc location=\"%s\" latency=200 protocols=tcp ! decodebin",
          c->url);
      break;
    case STATION_CAMERA_FILE:
      g_string_append_printf (
          s, "filesrc location=\"%s\" ! decodebin", c->file);
      break;
  }
  if (convert)
    g_string_append (s, " ! videoconvert");
  g_string_append (s, " ! video/x-raw");
  if (c->format)
    g_string_append_printf (s, ",format=%s", c->format);
  if (c->width)
    g_string_append_printf (s, ",width=%d", c->width);
  if (c->height)
    g_string_append_printf (s, ",height=%d", c->height);
  if (c->fps_n)
    g_string_append_printf (s, ",framerate=%d/%d", c->fps_n, c->fps_d);
  return g_string_free (s, FALSE);
}

/* Sets the [detect] properties on meteordetect, each checked against the
 * element: an unknown one or a bad value names the config's line. */
static gboolean
set_detect (const StationConfig *c, GstElement *detect, GError **error)
{
  guint i;

  for (i = 0; i < c->n_detect; i++) {
    const StationProperty *p = &c->detect[i];
    GParamSpec *spec =
        g_object_class_find_property (G_OBJECT_GET_CLASS (detect), p->name);
    GValue v = G_VALUE_INIT;

    if (spec == NULL || !(spec->flags & G_PARAM_WRITABLE)) {
      g_set_error (error, STATION_CONFIG_ERROR, 0,
          "%s:%d: [detect] %s: meteordetect has no such property "
          "(gst-inspect-1.0 meteordetect)",
          c->path, p->line, p->name);
      return FALSE;
    }
    g_value_init (&v, spec->value_type);
    if (!gst_value_deserialize (&v, p->value) ||
        g_param_value_validate (spec, &v)) {
      g_set_error (error, STATION_CONFIG_ERROR, 0,
          "%s:%d: [detect] %s: \"%s\" is not a valid value", c->path, p->line,
          p->name, p->value);
      g_value_unset (&v);
      return FALSE;
    }
    g_object_set_property (G_OBJECT (detect), p->name, &v);
    g_value_unset (&v);
  }
  return TRUE;
}

/* The whole pipeline for the night @night (YYYYMMDD). */
static GstElement *
build (Station *st, const gchar *night, GError **error)
{
  const StationConfig *c = st->cfg;
  gdouble fps = c->fps_n ? (gdouble)c->fps_n / c->fps_d : 30;
  guint hot = (guint)ceil (c->hot_seconds * fps);
  gchar *src = source_desc (c);
  gchar *store = g_build_filename (c->store, night, NULL);
  gchar *desc = g_strdup_printf (
      "%s ! meteorpool name=pool camera-id=\"%s\" max-buffers=%u "
      "! queue max-size-buffers=%d ! meteordetect name=detect "
      "! tieredsink name=store location=\"%s\" hot-frames=%u "
      "warm-max-bytes=%" G_GUINT64_FORMAT " cold-max-bytes=%" G_GUINT64_FORMAT
      " max-bytes=%" G_GUINT64_FORMAT " min-free-bytes=%" G_GUINT64_FORMAT,
      src, c->id,
      station_pool_buffers (c->hot_seconds, c->fps_n, c->fps_d, QUEUE_BUFFERS),
      QUEUE_BUFFERS, store, MAX (hot, 1), c->warm_bytes, c->cold_bytes,
      c->quota_bytes, c->min_free_bytes);
  GstElement *pipeline, *detect;

  pipeline = gst_parse_launch (desc, error);
  if (pipeline) {
    detect = gst_bin_get_by_name (GST_BIN (pipeline), "detect");
    if (!set_detect (c, detect, error))
      g_clear_object (&pipeline);
    gst_object_unref (detect);
  }
  if (pipeline && g_mkdir_with_parents (store, 0755) < 0) {
    g_set_error (error, STATION_CONFIG_ERROR, 0, "cannot create %s: %s", store,
        g_strerror (errno));
    g_clear_object (&pipeline);
  }
  if (pipeline)
    say ("capturing into %s: %s", store, desc);
  g_free (desc);
  g_free (store);
  g_free (src);
  return pipeline;
}

static void schedule (Station *st);

static gboolean
on_timer (gpointer data)
{
  Station *st = data;

  st->timer = 0;
  schedule (st);
  return G_SOURCE_REMOVE;
}

static void
after (Station *st, gdouble seconds)
{
  if (st->timer)
    g_source_remove (st->timer);
  st->timer =
      g_timeout_add_seconds ((guint)MAX (1, ceil (seconds)), on_timer, st);
}

static void
stop_pipeline (Station *st)
{
  if (st->pipeline == NULL)
    return;
  gst_element_set_state (st->pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (GST_ELEMENT_BUS (st->pipeline));
  gst_clear_object (&st->pipeline);
}

static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer data)
{
  Station *st = data;
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_EOS:
      stop_pipeline (st);
      if (st->quitting)
        g_main_loop_quit (st->loop);
      else /* dawn, or a camera that ended: see what the schedule says */
        after (st, 1);
      return G_SOURCE_REMOVE;
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      say ("error from %s: %s; rebuilding in %.0f s",
          GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message, st->backoff);
      g_clear_error (&err);
      g_free (debug);
      stop_pipeline (st);
      if (st->quitting) {
        g_main_loop_quit (st->loop);
        return G_SOURCE_REMOVE;
      }
      after (st, st->backoff);
      st->backoff = MIN (st->backoff * 2, 60);
      return G_SOURCE_REMOVE;
    case GST_MESSAGE_STATE_CHANGED:
      if (GST_MESSAGE_SRC (msg) == GST_OBJECT (st->pipeline)) {
        GstState now;
        gst_message_parse_state_changed (msg, NULL, &now, NULL);
        if (now == GST_STATE_PLAYING)
          st->backoff = 1;
      }
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

/* Decides, now, whether to capture, and when to look again. */
static void
schedule (Station *st)
{
  const StationConfig *c = st->cfg;
  gdouble now = station_now (st), change = 0;
  gboolean night = TRUE;
  gchar night_name[9], *when;
  GError *err = NULL;

  if (!c->always) {
    gdouble alt = st->pipeline ? c->stop_altitude : c->start_altitude;
    night = station_night_at (
        c->latitude, c->longitude, alt, now, HORIZON_S, &change);
  }
  if (!night && st->pipeline) {
    /* dawn: an EOS lets tieredsink finish its clips; the EOS brings us
     * back here with the pipeline gone */
    say ("dawn: stopping capture");
    gst_element_send_event (st->pipeline, gst_event_new_eos ());
    return;
  }
  if (!night) {
    if (change == 0) {
      say ("the sun does not get %.1f degrees below the horizon at %.2f, "
           "%.2f in the next %.0f hours: no capture; looking again in %.0f "
           "hours",
          -c->start_altitude, c->latitude, c->longitude, HORIZON_S / 3600,
          RECHECK_S / 3600);
      after (st, RECHECK_S);
    } else {
      when = iso (change);
      say ("day: waiting for dusk at %s (in %.0f s)", when, change - now);
      g_free (when);
      after (st, change - now);
    }
    return;
  }
  if (st->pipeline == NULL) {
    if (c->always)
      station_night_name (0, 0, 90, now, night_name); /* the UTC date */
    else
      station_night_name (
          c->latitude, c->longitude, c->start_altitude, now, night_name);
    st->pipeline = build (st, night_name, &err);
    if (st->pipeline == NULL) {
      g_printerr ("meteor-station: %s\n", err->message);
      g_clear_error (&err);
      st->status = 2;
      g_main_loop_quit (st->loop);
      return;
    }
    gst_bus_add_watch (GST_ELEMENT_BUS (st->pipeline), on_bus, st);
    gst_element_set_state (st->pipeline, GST_STATE_PLAYING);
  }
  if (!c->always) {
    if (change > 0) {
      when = iso (change);
      say ("night: capturing until dawn at %s", when);
      g_free (when);
      after (st, change - now);
    } else {
      after (st, RECHECK_S); /* a polar night */
    }
  }
}

static gboolean
on_signal (gpointer data)
{
  Station *st = data;

  if (st->quitting || st->pipeline == NULL) {
    g_main_loop_quit (st->loop);
    return G_SOURCE_CONTINUE;
  }
  say ("stopping: finishing the clips being written");
  st->quitting = TRUE;
  gst_element_send_event (st->pipeline, gst_event_new_eos ());
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  gchar *config = NULL, *now = NULL;
  GOptionEntry entries[] = { { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
                                 "the station's config file", "FILE" },
    { "now", 0, 0, G_OPTION_ARG_STRING, &now,
        "take this UTC time as now (ISO 8601; tests)", "TIME" },
    { NULL } };
  GOptionContext *ctx = g_option_context_new (NULL);
  Station st = { .backoff = 1 };
  GError *err = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  g_option_context_set_summary (ctx,
      "Runs a meteor station from one config file (station.ini): captures "
      "from dusk to dawn, detects, stores clips.");
  if (!g_option_context_parse (ctx, &argc, &argv, &err) || config == NULL) {
    g_printerr ("meteor-station: %s\n",
        err ? err->message : "usage: meteor-station --config FILE");
    st.status = 2;
  }
  g_option_context_free (ctx);
  if (st.status)
    goto out;
  if (now == NULL && g_getenv ("METEOR_STATION_NOW"))
    now = g_strdup (g_getenv ("METEOR_STATION_NOW"));
  if (now) {
    GDateTime *d = g_date_time_new_from_iso8601 (now, NULL);
    if (d == NULL) {
      g_printerr ("meteor-station: --now %s is not an ISO 8601 time with a "
                  "zone (2026-12-07T12:00:00Z)\n",
          now);
      st.status = 2;
      goto out;
    }
    st.clock_offset = g_date_time_to_unix (d) - g_get_real_time () / 1e6;
    g_date_time_unref (d);
  }
  st.cfg = station_config_load (config, &err);
  if (st.cfg == NULL) {
    g_printerr ("meteor-station: %s\n", err->message);
    st.status = 2;
    goto out;
  }
  st.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, &st);
  g_unix_signal_add (SIGTERM, on_signal, &st);
  say ("station %s, config %s", st.cfg->id, config);
  schedule (&st);
  if (st.status == 0)
    g_main_loop_run (st.loop);
  stop_pipeline (&st);
  if (st.timer)
    g_source_remove (st.timer);
  g_main_loop_unref (st.loop);
out:
  g_clear_error (&err);
  station_config_free (st.cfg);
  g_free (config);
  g_free (now);
  gst_deinit ();
  return st.status;
}
