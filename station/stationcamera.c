/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's camera bin and its watchdog.
 *
 * The source part lives in a child bin. Its errors never reach the
 * pipeline: the bin catches them (handle_message), and an end of stream
 * from a live camera is dropped at the bin's src pad. Either, or no frame
 * for no-frame-seconds, takes the child out, hands it to a thread that
 * takes it to NULL (a hung camera may take its time to let go: the main
 * loop never waits for it), and builds a new one after the backoff. The
 * pool, detector and storage downstream keep their state; meteorpool's
 * frame ids go on counting. */
#include "stationcamera.h"

#include "stationbytes.h"

#include <gst/meteor/meteorstatsfields.h>
#include <gst/meteor/meteorstatsregistry.h>

#define BACKOFF_MIN_S 1.0
#define BACKOFF_MAX_S 60.0

struct _StationCameraBin {
  GstBin parent;

  gchar *description;
  gboolean live;
  gdouble no_frame_s;

  GstPad *srcpad; /* ghost: targets the current source's src pad */
  GstElement *source;
  guint retry_timer, watchdog_timer, restart_idle;
  gdouble backoff;
  gboolean running;     /* between PAUSED->PLAYING and PLAYING->PAUSED */
  gint ending;          /* atomic: station_camera_bin_end() was called */
  GPtrArray *teardowns; /* Teardown: old sources going to NULL (main
                          thread's; joined when done, and in dispose) */

  GMutex lock; /* what the streaming thread and the stats read */
  gint64 last_frame_us, source_started_us, down_since_us;
  gboolean up, was_up;
  guint reconnects;
  guint64 frames;
  gdouble dropped_s;
  gchar *pending_reason;
  StationClockState clock;
};

enum { PROP_0, PROP_STATS };

G_DEFINE_TYPE (StationCameraBin, station_camera_bin, GST_TYPE_BIN)

static void attach_source (StationCameraBin *self);

/* the station's log, which says what its camera does */
#define say(fmt, ...) g_print ("meteor-station: camera: " fmt "\n", __VA_ARGS__)

typedef struct {
  GstElement *source;
  GThread *thread;
  gint done; /* atomic: the thread has let go of the source */
} Teardown;

static gpointer
teardown_thread (gpointer data)
{
  Teardown *t = data;

  gst_element_set_state (t->source, GST_STATE_NULL);
  gst_clear_object (&t->source);
  g_atomic_int_set (&t->done, 1);
  return NULL;
}

static void
teardown_join (gpointer data)
{
  Teardown *t = data;

  g_thread_join (t->thread);
  g_free (t);
}

/* Joins the teardowns that are over (main thread): none is left to exit
 * on its own, at any time */
static void
reap_teardowns (StationCameraBin *self)
{
  guint i = 0;

  while (i < self->teardowns->len) {
    Teardown *t = g_ptr_array_index (self->teardowns, i);
    if (g_atomic_int_get (&t->done))
      g_ptr_array_remove_index_fast (self->teardowns, i);
    else
      i++;
  }
}

/* Takes the current source out (main thread). */
static void
detach_source (StationCameraBin *self)
{
  Teardown *t;

  if (self->source == NULL)
    return;
  reap_teardowns (self);
  t = g_new0 (Teardown, 1);
  t->source = gst_object_ref (self->source);
  self->source = NULL;
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->srcpad), NULL);
  gst_bin_remove (GST_BIN (self), t->source);
  /* a hung camera may take its time: the main loop never waits for it */
  t->thread = g_thread_new ("camera-teardown", teardown_thread, t);
  g_ptr_array_add (self->teardowns, t);
}

static gboolean
on_retry (gpointer data)
{
  StationCameraBin *self = data;

  self->retry_timer = 0;
  if (self->running)
    attach_source (self);
  return G_SOURCE_REMOVE;
}

/* The source failed for @reason: out with it, and a new one after the
 * backoff (main thread). */
static void
restart (StationCameraBin *self, const gchar *reason)
{
  if (!self->running || self->retry_timer || g_atomic_int_get (&self->ending))
    return;
  detach_source (self);
  g_mutex_lock (&self->lock);
  if (self->up) { /* it had come back: a new outage, a new backoff */
    self->backoff = BACKOFF_MIN_S;
    self->down_since_us = self->last_frame_us;
    self->was_up = TRUE;
  }
  self->up = FALSE;
  self->reconnects++;
  g_mutex_unlock (&self->lock);
  say ("%s; reconnecting in %.0f s (reconnect %u)", reason, self->backoff,
      self->reconnects);
  self->retry_timer =
      g_timeout_add ((guint)(self->backoff * 1000), on_retry, self);
  self->backoff = MIN (self->backoff * 2, BACKOFF_MAX_S);
}

static gboolean
on_restart_idle (gpointer data)
{
  StationCameraBin *self = data;
  gchar *reason;

  g_mutex_lock (&self->lock);
  reason = self->pending_reason;
  self->pending_reason = NULL;
  self->restart_idle = 0;
  g_mutex_unlock (&self->lock);
  if (reason)
    restart (self, reason);
  g_free (reason);
  return G_SOURCE_REMOVE;
}

/* From any thread: a restart, in the main loop. */
static void
restart_later (StationCameraBin *self, gchar *reason)
{
  g_mutex_lock (&self->lock);
  if (self->pending_reason == NULL) {
    self->pending_reason = reason;
    reason = NULL;
    self->restart_idle = g_idle_add (on_restart_idle, self);
  }
  g_mutex_unlock (&self->lock);
  g_free (reason);
}

/* Its element "out" gives the bin's src pad. Not ghost_unlinked_pads:
 * that ghosts the first unlinked sink pad too, which in "rtspsrc !
 * decodebin ! videoconvert" is videoconvert's, still waiting for its
 * delayed link. (GST_PARSE_FLAG_FATAL_ERRORS would refuse caps filters:
 * an element missing is told by the error instead.) */
static GstElement *
parse_source (const gchar *description, GError **error)
{
  GError *err = NULL;
  GstElement *bin = gst_parse_bin_from_description (description, FALSE, &err);
  GstElement *out = NULL;
  GstPad *pad;

  if (bin && err == NULL)
    out = gst_bin_get_by_name (GST_BIN (bin), "out");
  if (out == NULL) {
    if (err == NULL)
      err = g_error_new (GST_PARSE_ERROR, GST_PARSE_ERROR_NO_SUCH_ELEMENT,
          "the camera's description has no element named \"out\"");
    g_propagate_error (error, err);
    gst_clear_object (&bin);
    return NULL;
  }
  pad = gst_element_get_static_pad (out, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", pad));
  gst_object_unref (pad);
  gst_object_unref (out);
  return bin;
}

static void
attach_source (StationCameraBin *self)
{
  GError *err = NULL;
  GstElement *source;
  GstPad *pad;

  source = parse_source (self->description, &err);
  if (source == NULL) { /* checked at start; only a plugin gone since */
    gchar *reason = g_strdup_printf ("cannot build: %s", err->message);
    g_clear_error (&err);
    self->source = NULL;
    self->retry_timer = 0;
    say ("%s", reason);
    g_free (reason);
    return;
  }
  self->source = source;
  gst_bin_add (GST_BIN (self), source);
  pad = gst_element_get_static_pad (source, "src");
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->srcpad), pad);
  gst_object_unref (pad);
  g_mutex_lock (&self->lock);
  self->source_started_us = g_get_monotonic_time ();
  g_mutex_unlock (&self->lock);
  if (!gst_element_sync_state_with_parent (source))
    restart_later (self, g_strdup ("the camera does not start"));
}

/* Frames, and a live camera's end of stream (streaming thread). */
static GstPadProbeReturn
on_src_data (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  StationCameraBin *self = data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    gint64 now = g_get_monotonic_time ();
    gdouble lost = -1;

    g_mutex_lock (&self->lock);
    self->frames++;
    if (!self->up) {
      self->up = TRUE;
      if (self->was_up) {
        lost = (now - self->down_since_us) / 1e6;
        self->dropped_s += lost;
      }
    }
    self->last_frame_us = now;
    g_mutex_unlock (&self->lock);
    if (lost >= 0)
      say ("frames again, %.1f s after the last one", lost);
    return GST_PAD_PROBE_OK;
  }
  if (self->live && !g_atomic_int_get (&self->ending) &&
      GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS) {
    restart_later (self, g_strdup ("the camera ended its stream"));
    return GST_PAD_PROBE_DROP;
  }
  return GST_PAD_PROBE_OK;
}

static gboolean
on_watchdog (gpointer data)
{
  StationCameraBin *self = data;
  gint64 now = g_get_monotonic_time (), since;

  g_mutex_lock (&self->lock);
  since = MAX (self->last_frame_us, self->source_started_us);
  g_mutex_unlock (&self->lock);
  if (self->source && self->no_frame_s > 0 &&
      now - since > self->no_frame_s * 1e6) {
    gchar *reason = g_strdup_printf ("no frame for %.0f s", self->no_frame_s);

    restart (self, reason);
    g_free (reason);
  }
  return G_SOURCE_CONTINUE;
}

static void
handle_message (GstBin *bin, GstMessage *msg)
{
  StationCameraBin *self = STATION_CAMERA_BIN (bin);

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR && self->live) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    restart_later (
        self, g_strdup_printf ("error from %s: %s",
                  GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message));
    g_clear_error (&err);
    gst_message_unref (msg);
    return;
  }
  GST_BIN_CLASS (station_camera_bin_parent_class)->handle_message (bin, msg);
}

static GstStateChangeReturn
change_state (GstElement *element, GstStateChange transition)
{
  StationCameraBin *self = STATION_CAMERA_BIN (element);

  if (transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED) {
    self->running = FALSE;
    g_clear_handle_id (&self->retry_timer, g_source_remove);
    g_clear_handle_id (&self->watchdog_timer, g_source_remove);
  }
  if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING) {
    self->running = TRUE;
    if (self->watchdog_timer == 0)
      self->watchdog_timer = g_timeout_add (250, on_watchdog, self);
  }
  return GST_ELEMENT_CLASS (station_camera_bin_parent_class)
      ->change_state (element, transition);
}

static GstStructure *
make_stats (StationCameraBin *self)
{
  GstStructure *s;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  s = gst_structure_new (GST_METEOR_STATS_CAMERA, GST_METEOR_STATS_FRAMES,
      G_TYPE_UINT64, self->frames, GST_METEOR_STATS_RECONNECTS, G_TYPE_UINT64,
      (guint64)self->reconnects, GST_METEOR_STATS_UP, G_TYPE_INT,
      self->up ? 1 : 0, GST_METEOR_STATS_SINCE_FRAME, G_TYPE_DOUBLE,
      (now - MAX (self->last_frame_us, self->source_started_us)) / 1e6,
      GST_METEOR_STATS_DROPPED_SECONDS, G_TYPE_DOUBLE, self->dropped_s,
      GST_METEOR_STATS_CLOCK_SYNCHRONIZED, G_TYPE_INT,
      self->clock.synchronized ? 1 : 0, GST_METEOR_STATS_CLOCK_ERROR,
      G_TYPE_DOUBLE, self->clock.error_s, GST_METEOR_STATS_CLOCK_OFFSET,
      G_TYPE_DOUBLE, self->clock.offset_s, NULL);
  g_mutex_unlock (&self->lock);
  /* the station's own writes: its camera bin is its element */
  gst_structure_set (s, GST_METEOR_STATS_WRITTEN_RECORDS, G_TYPE_UINT64,
      station_bytes_get (STATION_BYTES_RECORDS), GST_METEOR_STATS_WRITTEN_FF,
      G_TYPE_UINT64, station_bytes_get (STATION_BYTES_FF),
      GST_METEOR_STATS_WRITTEN_ECSV, G_TYPE_UINT64,
      station_bytes_get (STATION_BYTES_ECSV),
      GST_METEOR_STATS_WRITTEN_CALIBRATION, G_TYPE_UINT64,
      station_bytes_get (STATION_BYTES_CALIBRATION),
      GST_METEOR_STATS_WRITTEN_SUMMARY, G_TYPE_UINT64,
      station_bytes_get (STATION_BYTES_SUMMARY), GST_METEOR_STATS_DELETED_COLD,
      G_TYPE_UINT64, station_bytes_deleted_get (STATION_DELETED_COLD),
      GST_METEOR_STATS_DELETED_FF, G_TYPE_UINT64,
      station_bytes_deleted_get (STATION_DELETED_FF),
      GST_METEOR_STATS_DELETED_CLIP, G_TYPE_UINT64,
      station_bytes_deleted_get (STATION_DELETED_CLIP), NULL);
  return s;
}

static void
get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_STATS)
    g_value_take_boxed (value, make_stats (STATION_CAMERA_BIN (object)));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
dispose (GObject *object)
{
  StationCameraBin *self = STATION_CAMERA_BIN (object);

  gst_meteor_stats_unregister (GST_ELEMENT (self));
  g_clear_handle_id (&self->retry_timer, g_source_remove);
  g_clear_handle_id (&self->watchdog_timer, g_source_remove);
  g_mutex_lock (&self->lock);
  g_clear_handle_id (&self->restart_idle, g_source_remove);
  g_mutex_unlock (&self->lock);
  g_ptr_array_set_size (self->teardowns, 0); /* each joined */
  G_OBJECT_CLASS (station_camera_bin_parent_class)->dispose (object);
}

static void
finalize (GObject *object)
{
  StationCameraBin *self = STATION_CAMERA_BIN (object);

  g_free (self->description);
  g_free (self->pending_reason);
  g_mutex_clear (&self->lock);
  g_ptr_array_unref (self->teardowns);
  G_OBJECT_CLASS (station_camera_bin_parent_class)->finalize (object);
}

static void
station_camera_bin_class_init (StationCameraBinClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->get_property = get_property;
  gobject_class->dispose = dispose;
  gobject_class->finalize = finalize;
  GST_ELEMENT_CLASS (klass)->change_state = change_state;
  GST_BIN_CLASS (klass)->handle_message = handle_message;
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "The camera's reconnects, time lost and the clock state",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
station_camera_bin_init (StationCameraBin *self)
{
  g_mutex_init (&self->lock);
  self->teardowns = g_ptr_array_new_with_free_func (teardown_join);
  self->backoff = BACKOFF_MIN_S;
  self->clock.state = -1;
}

StationCameraBin *
station_camera_bin_new (const gchar *name, const gchar *description,
    gboolean live, gdouble no_frame_seconds, GError **error)
{
  StationCameraBin *self;
  GstElement *probe;

  /* a description that does not parse is the config's mistake: said now */
  probe = parse_source (description, error);
  if (probe == NULL)
    return NULL;
  gst_object_unref (probe);

  self = g_object_new (STATION_TYPE_CAMERA_BIN, "name", name, NULL);
  self->description = g_strdup (description);
  self->live = live;
  self->no_frame_s = no_frame_seconds;
  self->srcpad = gst_ghost_pad_new_no_target ("src", GST_PAD_SRC);
  gst_pad_add_probe (self->srcpad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      on_src_data, self, NULL);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
  attach_source (self);
  gst_meteor_stats_register (GST_ELEMENT (self));
  return self;
}

void
station_camera_bin_end (StationCameraBin *self)
{
  g_atomic_int_set (&self->ending, 1);
  g_clear_handle_id (&self->retry_timer, g_source_remove);
  gst_pad_push_event (self->srcpad, gst_event_new_eos ());
}

void
station_camera_bin_set_clock (
    StationCameraBin *self, const StationClockState *clock)
{
  g_mutex_lock (&self->lock);
  self->clock = *clock;
  g_mutex_unlock (&self->lock);
}

guint
station_camera_bin_get_reconnects (StationCameraBin *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = self->reconnects;
  g_mutex_unlock (&self->lock);
  return n;
}

gdouble
station_camera_bin_get_dropped_seconds (StationCameraBin *self)
{
  gdouble s;

  g_mutex_lock (&self->lock);
  s = self->dropped_s;
  g_mutex_unlock (&self->lock);
  return s;
}
