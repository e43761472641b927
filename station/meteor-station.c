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
#include "stationbytes.h"
#include "stationclock.h"
#include "stationconfig.h"
#include "stationpipeline.h"
#include "stationrecord.h"
#include "stationstore.h"
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
/* the kernel's clock state is read this often */
#define CLOCK_PERIOD_S 60
/* and the store's use over all nights checked this often */
#define STORE_PERIOD_S 5

typedef struct {
  StationConfig *cfg;
  gdouble clock_offset; /* --now minus the real time at start */
  GMainLoop *loop;
  GstElement *pipeline;
  StationCameraBin *camera; /* the pipeline's */
  gchar *store_dir;         /* the night's */
  gchar night[9];           /* its name, YYYYMMDD */
  StationRecord *record;    /* the night's */
  gdouble capture_start;
  StationClockState clock;
  guint timer, clock_timer, store_timer;
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
  g_clear_pointer (&st->record, station_record_free);
  gst_bus_remove_watch (GST_ELEMENT_BUS (st->pipeline));
  gst_clear_object (&st->camera);
  gst_clear_object (&st->pipeline);
  g_clear_pointer (&st->store_dir, g_free);
}

/* The night's summary and image, when capture stops. */
static void
finish_night (Station *st)
{
  GError *err = NULL;
  gchar *path;

  if (st->record == NULL)
    return;
  path = g_build_filename (st->store_dir, "night.json", NULL);
  if (station_record_finish (
          st->record, st->capture_start, station_now (st), &st->clock, &err))
    say ("summary: %s", path);
  else
    g_printerr ("meteor-station: WARNING: %s\n", err->message);
  g_clear_error (&err);
  g_free (path);
}

static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer data)
{
  Station *st = data;
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:
    case GST_MESSAGE_WARNING:
      station_record_message (st->record, msg, &st->clock);
      break;
    case GST_MESSAGE_EOS:
      finish_night (st);
      stop_pipeline (st);
      if (st->cfg->source == STATION_CAMERA_FILE && !st->quitting)
        say ("the recording ended: stopping");
      if (st->quitting || st->cfg->source == STATION_CAMERA_FILE)
        g_main_loop_quit (st->loop);
      else /* dawn: see what the schedule says */
        after (st, 1);
      return G_SOURCE_REMOVE;
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      say ("error from %s: %s; rebuilding in %.0f s",
          GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message, st->backoff);
      g_clear_error (&err);
      g_free (debug);
      finish_night (st);
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
    station_camera_bin_end (st->camera);
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
    st->pipeline = station_pipeline_build (c, night_name, &st->store_dir, &err);
    if (st->pipeline == NULL) {
      g_printerr ("meteor-station: %s\n", err->message);
      g_clear_error (&err);
      st->status = 2;
      g_main_loop_quit (st->loop);
      return;
    }
    st->camera = STATION_CAMERA_BIN (
        gst_bin_get_by_name (GST_BIN (st->pipeline), "camera"));
    station_camera_bin_set_clock (st->camera, &st->clock);
    st->record = station_record_new (
        c, night_name, st->store_dir, st->pipeline, &st->clock);
    st->capture_start = now;
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

static void
read_clock (Station *st)
{
  StationClockState now;
  gchar *line;

  station_clock_read (NULL, &now);
  if (st->clock_timer == 0 || now.synchronized != st->clock.synchronized) {
    line = station_clock_describe (&now);
    if (now.synchronized)
      say ("clock: %s", line);
    else /* loud: detection times are what a network triangulates with */
      g_printerr ("meteor-station: WARNING: clock: %s; detection times are "
                  "not to be trusted\n",
          line);
    g_free (line);
  }
  st->clock = now;
  if (st->camera)
    station_camera_bin_set_clock (st->camera, &now);
  if (st->record)
    station_record_clock (st->record, &now);
}

static void
on_deleted (const gchar *night, const gchar *what, const gchar *path,
    guint64 bytes, gpointer data)
{
  station_bytes_deleted (what, bytes);
  if (strcmp (what, "cold") == 0)
    say ("storage: over the quota: deleted the cold frames of night %s "
         "(%.1f MB)",
        night, bytes / 1048576.0);
  else /* the last resort: said loudly */
    g_printerr ("meteor-station: WARNING: storage: over the quota: deleted "
                "the clip %s of night %s (%.1f MB)\n",
        path, night, bytes / 1048576.0);
}

/* One quota over the store: tieredsink keeps tonight within it; the
 * nights before make room, cold frames first, clips last. */
static void
make_room (Station *st, const gchar *tonight)
{
  station_store_make_room (
      st->cfg->store, tonight, st->cfg->quota_bytes, on_deleted, st);
}

static gboolean
on_clock_timer (gpointer data)
{
  read_clock (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_store_timer (gpointer data)
{
  Station *st = data;

  if (st->pipeline)
    make_room (st, st->night);
  return G_SOURCE_CONTINUE;
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
  station_camera_bin_end (st->camera);
  return G_SOURCE_CONTINUE;
}

/* SIGHUP: the config again; what can change live does, the rest is
 * said. A config with a mistake changes nothing. */
static gboolean
on_hangup (gpointer data)
{
  Station *st = data;
  GError *err = NULL;
  StationConfig *next = station_config_load (st->cfg->path, &err);
  GstElement *detect;
  gchar *needs;
  guint i;

  if (next == NULL) {
    g_printerr (
        "meteor-station: SIGHUP: config not applied: %s\n", err->message);
    g_clear_error (&err);
    return G_SOURCE_CONTINUE;
  }
  detect = st->pipeline ? gst_bin_get_by_name (GST_BIN (st->pipeline), "detect")
                        : NULL;
  if (detect && !station_set_detect (next, detect, &err)) {
    g_printerr (
        "meteor-station: SIGHUP: config not applied: %s\n", err->message);
    g_clear_error (&err);
    station_config_free (next);
    gst_object_unref (detect);
    return G_SOURCE_CONTINUE;
  }
  g_clear_object (&detect);
  for (i = 0; i < next->n_detect; i++)
    say ("SIGHUP: [detect] %s = %s applied", next->detect[i].name,
        next->detect[i].value);
  needs = station_config_restart_needed (st->cfg, next);
  if (needs)
    say ("SIGHUP: %s changed: applied at the next restart", needs);
  g_free (needs);
  station_config_take_live (st->cfg, next);
  station_config_free (next);
  schedule (st); /* the schedule may have changed */
  return G_SOURCE_CONTINUE;
}

/* The meteorstats tracer serves /metrics when [metrics] has a port: it
 * is set up before gst_init, which reads GST_TRACERS. */
static void
enable_metrics (const StationConfig *c)
{
  const gchar *tracers = g_getenv ("GST_TRACERS");
  gchar *ours;

  if (c->metrics_port <= 0 ||
      (tracers && strstr (tracers, "meteorstats") != NULL))
    return;
  ours = g_strdup_printf ("%s%smeteorstats(port=%d,address=%s)",
      tracers ? tracers : "", tracers && *tracers ? ";" : "", c->metrics_port,
      c->metrics_bind);
  g_setenv ("GST_TRACERS", ours, TRUE);
  g_free (ours);
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
  /* --gst-* options are GStreamer's, once the config is read */
  g_option_context_set_ignore_unknown_options (ctx, TRUE);
  g_option_context_set_summary (ctx,
      "Runs a meteor station from one config file (station.ini): captures "
      "from dusk to dawn, detects, stores clips. SIGTERM stops it, SIGHUP "
      "reads the config again.");
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
  enable_metrics (st.cfg);
  gst_init (&argc, &argv);
  st.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, &st);
  g_unix_signal_add (SIGTERM, on_signal, &st);
  g_unix_signal_add (SIGHUP, on_hangup, &st);
  say ("station %s, config %s", st.cfg->id, config);
  read_clock (&st);
  st.clock_timer = g_timeout_add_seconds (CLOCK_PERIOD_S, on_clock_timer, &st);
  if (st.cfg->quota_bytes > 0)
    st.store_timer =
        g_timeout_add_seconds (STORE_PERIOD_S, on_store_timer, &st);
  schedule (&st);
  if (st.status == 0)
    g_main_loop_run (st.loop);
  stop_pipeline (&st);
  if (st.timer)
    g_source_remove (st.timer);
  g_source_remove (st.clock_timer);
  if (st.store_timer)
    g_source_remove (st.store_timer);
  g_main_loop_unref (st.loop);
out:
  g_clear_error (&err);
  station_config_free (st.cfg);
  g_free (config);
  g_free (now);
  gst_deinit ();
  return st.status;
}
