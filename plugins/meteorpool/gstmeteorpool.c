/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteorpool
 *
 * SECTION:element-meteorpool
 * @title: meteorpool
 *
 * The ingress of a meteor camera pipeline. It offers upstream a frame pool
 * whose buffers live in one mmap'd ring (GstMeteorBufferPool), so a source
 * that takes it (videotestsrc, v4l2src, appsrc, meteorsky) captures straight
 * into memory that is never copied again: tee hands the same GstMemory to
 * every branch. Frames from a foreign pool are copied once into the ring
 * (ingress=auto|copy) or passed as they are (ingress=wrap). Every frame
 * gets a GstMeteorFrameMeta (frame id, UTC capture time, camera, exposure,
 * gain, temperature).
 *
 * The pool has what downstream holds (min-buffers in its answer to the
 * allocation query) plus 2 frames in flight, at least max-buffers. A
 * downstream that asks to hold more than 65534 frames, or more frames than
 * fit in RAM, is an element error naming the number, the elements that
 * asked and the limit: the pipeline could not run as configured.
 *
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=300 ! video/x-raw,format=RGB ! \
 *   meteorpool camera-id=cam0 gain=4 ! tee name=t \
 *   t. ! queue max-size-buffers=4 ! fakesink \
 *   t. ! queue max-size-buffers=4 ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeteorpool-priv.h"
#include <gst/meteor/meteorformat.h>
#include <gst/meteor/meteorstatsfields.h>

#include <string.h>
#include <unistd.h>

GST_DEBUG_CATEGORY (meteorpool_debug);
#define GST_CAT_DEFAULT meteorpool_debug

#define RAW_FORMATS METEOR_FORMATS_CAPS
#define POOL_CAPS                                                              \
  GST_VIDEO_CAPS_MAKE (RAW_FORMATS)                                            \
  "; "                                                                         \
  "image/jpeg, width = (int) [ 1, max ], height = (int) [ 1, max ]; "          \
  "video/x-h264, stream-format = (string) byte-stream, "                       \
  "alignment = (string) au"

enum {
  PROP_0,
  PROP_MAX_BUFFERS,
  PROP_MEMORY,
  PROP_RING_PATH,
  PROP_INGRESS,
  PROP_LEAKY,
  PROP_CAMERA_ID,
  PROP_EXPOSURE_TIME,
  PROP_GAIN,
  PROP_TEMPERATURE,
  PROP_TEMPERATURE_FILE,
  PROP_START_UTC,
  PROP_STATS,
};

#define DEFAULT_MAX_BUFFERS 16
#define DEFAULT_MEMORY GST_METEOR_RING_BACKING_MEMFD
#define DEFAULT_INGRESS GST_METEOR_POOL_INGRESS_AUTO
#define DEFAULT_LEAKY GST_METEOR_POOL_LEAKY_NO
#define DEFAULT_CAMERA_ID "cam0"
#define DEFAULT_EXPOSURE_TIME 40000
#define DEFAULT_GAIN 1.0

#define gst_meteor_pool_parent_class parent_class
G_DEFINE_TYPE (GstMeteorPool, gst_meteor_pool, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (meteorpool, "meteorpool", GST_RANK_NONE,
    GST_TYPE_METEOR_POOL, gst_meteor_init ());

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (POOL_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (POOL_CAPS));

static GType
gst_meteor_pool_ingress_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_METEOR_POOL_INGRESS_AUTO,
        "Copy foreign frames once, unless their "
        "pool is large enough to be held",
        "auto" },
    { GST_METEOR_POOL_INGRESS_COPY, "Always copy foreign frames into the ring",
        "copy" },
    { GST_METEOR_POOL_INGRESS_WRAP,
        "Never copy: pass foreign frames as they "
        "are",
        "wrap" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstMeteorPoolIngress", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static GType
gst_meteor_pool_leaky_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_METEOR_POOL_LEAKY_NO, "Producer waits for a free buffer", "no" },
    { GST_METEOR_POOL_LEAKY_DOWNSTREAM, "Drop the new frame and count it",
        "downstream" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstMeteorPoolLeaky", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ---------------------------------------------------------------- stats */

static GstStructure *
gst_meteor_pool_make_stats (GstMeteorPool *self)
{
  GstMeteorPoolStats ps = {
    0,
  };
  GstMeteorRingStats rs = {
    0,
  };
  GstMeteorRingAllocator *ring = NULL;
  GstBufferPool *pool;
  FrameCounters fc;
  guint ring_slots = 0;
  GstStructure *st, *hist;

  GST_OBJECT_LOCK (self);
  fc = self->counters;
  pool = self->pool ? gst_object_ref (self->pool) : NULL;
  GST_OBJECT_UNLOCK (self);

  if (pool) {
    gst_meteor_buffer_pool_get_stats (GST_METEOR_BUFFER_POOL (pool), &ps);
    ring = gst_meteor_buffer_pool_get_ring (GST_METEOR_BUFFER_POOL (pool));
    gst_object_unref (pool);
  }
  if (ring) {
    gst_meteor_ring_allocator_get_stats (ring, &rs);
    ring_slots = gst_meteor_ring_allocator_get_n_slots (ring);
    gst_object_unref (ring);
  }

  GST_OBJECT_LOCK (self);
  gst_meteor_pool_stats_add (&ps, &self->retired);
  GST_OBJECT_UNLOCK (self);

  st = gst_structure_new (GST_METEOR_STATS_POOL, GST_METEOR_STATS_FRAMES,
      G_TYPE_UINT64, fc.frames, GST_METEOR_STATS_ZERO_COPY_FRAMES,
      G_TYPE_UINT64, fc.zero_copy_frames, GST_METEOR_STATS_WRAPPED_FRAMES,
      G_TYPE_UINT64, fc.wrapped_frames, GST_METEOR_STATS_INGRESS_COPIES,
      G_TYPE_UINT64, fc.ingress_copies, GST_METEOR_STATS_BYTES_COPIED,
      G_TYPE_UINT64, fc.ingress_bytes + rs.bytes_copied,
      GST_METEOR_STATS_DOWNSTREAM_COPIES, G_TYPE_UINT64, rs.copies,
      GST_METEOR_STATS_DROPPED, G_TYPE_UINT64, fc.dropped,
      GST_METEOR_STATS_SKIPPED, G_TYPE_UINT64, fc.skipped,
      GST_METEOR_STATS_ALLOCATIONS, G_TYPE_UINT64, ps.allocations,
      GST_METEOR_STATS_REUSES, G_TYPE_UINT64, ps.reuses,
      GST_METEOR_STATS_POOL_SIZE, G_TYPE_UINT, ps.pool_size,
      GST_METEOR_STATS_BUFFERS_USED, G_TYPE_UINT,
      (guint)(ps.acquires - ps.reuses), GST_METEOR_STATS_IN_USE, G_TYPE_UINT,
      ps.in_use, GST_METEOR_STATS_MAX_IN_USE, G_TYPE_UINT, ps.max_in_use,
      GST_METEOR_STATS_ACQUIRE_WAITS, G_TYPE_UINT64, ps.acquire_waits,
      GST_METEOR_STATS_ACQUIRE_WAIT_NS, G_TYPE_UINT64, ps.wait_ns,
      GST_METEOR_STATS_RING_SLOTS, G_TYPE_UINT, ring_slots,
      GST_METEOR_STATS_RING_OVERFLOWS, G_TYPE_UINT64, rs.overflows, NULL);
  hist = gst_meteor_pool_stats_wait_histogram (&ps);
  gst_structure_set (
      st, "acquire-wait-histogram", GST_TYPE_STRUCTURE, hist, NULL);
  gst_structure_free (hist);
  return st;
}

/* ------------------------------------------------------------ events */

static gboolean
set_caps (GstMeteorPool *self, GstCaps *caps)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);

  gst_caps_replace (&self->caps, caps);
  self->is_raw = gst_structure_has_name (s, "video/x-raw");
  if (!self->is_raw)
    return TRUE;
  if (!gst_video_info_from_caps (&self->info, caps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("invalid video caps %" GST_PTR_FORMAT, caps), (NULL));
    return FALSE;
  }
  return TRUE;
}

static void
post_stats (GstMeteorPool *self)
{
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self),
                              gst_meteor_pool_make_stats (self)));
}

static gboolean
gst_meteor_pool_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstMeteorPool *self = GST_METEOR_POOL (parent);
  gboolean ret;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS: {
      GstCaps *caps;

      gst_event_parse_caps (event, &caps);
      if (!set_caps (self, caps)) {
        gst_event_unref (event);
        return FALSE;
      }
      ret = gst_pad_event_default (pad, parent, event);
      if (ret && self->is_raw)
        gst_meteor_pool_query_downstream (self, self->caps, NULL);
      return ret;
    }
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &self->segment);
      break;
    case GST_EVENT_FLUSH_STOP: /* a seek: not a gap */
      self->last_running = GST_CLOCK_TIME_NONE;
      break;
    case GST_EVENT_EOS:
      post_stats (self);
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static const gchar *
caps_format_name (GstCaps *caps)
{
  GstStructure *s;

  if (gst_caps_get_size (caps) != 1)
    return NULL;
  s = gst_caps_get_structure (caps, 0);
  if (!gst_structure_has_name (s, "video/x-raw"))
    return gst_structure_get_name (s);
  return gst_structure_get_string (s, "format");
}

static gboolean
gst_meteor_pool_sink_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstMeteorPool *self = GST_METEOR_POOL (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_ALLOCATION:
      return gst_meteor_pool_propose_allocation (self, query);
    case GST_QUERY_ACCEPT_CAPS: {
      GstCaps *caps, *templ;
      gboolean ok;

      gst_query_parse_accept_caps (query, &caps);
      templ = gst_pad_get_pad_template_caps (pad);
      ok = gst_caps_is_subset (caps, templ);
      gst_caps_unref (templ);
      if (ok)
        return gst_pad_query_default (pad, parent, query);

      /* Name the reason once: upstream only reports "not-negotiated". */
      if (gst_caps_is_fixed (caps) && caps_format_name (caps) &&
          g_strcmp0 (self->rejected_format, caps_format_name (caps)) != 0) {
        g_free (self->rejected_format);
        self->rejected_format = g_strdup (caps_format_name (caps));
        GST_ELEMENT_WARNING (self, STREAM, FORMAT,
            ("unsupported format '%s': meteorpool takes raw video in "
             "GRAY8, GRAY16_LE, I420, NV12, YUY2, RGB, BGR, RGBx, BGRx, "
             "or image/jpeg, or video/x-h264",
                self->rejected_format),
            ("rejected caps %" GST_PTR_FORMAT, caps));
      }
      gst_query_set_accept_caps_result (query, FALSE);
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

/* ------------------------------------------------------ state, props */

static gboolean
check_settings (GstMeteorPool *self)
{
  gboolean ok = TRUE;
  gchar *dir = NULL;

  GST_OBJECT_LOCK (self);
  if (self->max_buffers == 0) {
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("max-buffers=0: the frame pool needs at least 1 buffer"),
        ("set max-buffers to the frames the pipeline may hold at once"));
    return FALSE;
  }
  if (self->memory == GST_METEOR_RING_BACKING_FILE) {
    if (self->ring_path == NULL || *self->ring_path == '\0') {
      GST_OBJECT_UNLOCK (self);
      GST_ELEMENT_ERROR (
          self, RESOURCE, SETTINGS, ("memory=file needs ring-path"), (NULL));
      return FALSE;
    }
    dir = g_path_get_dirname (self->ring_path);
  }
  GST_OBJECT_UNLOCK (self);

  if (dir && !g_file_test (dir, G_FILE_TEST_IS_DIR)) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("ring-path directory '%s' does not exist", dir),
        ("memory=file puts the frame ring in a file under an existing "
         "directory, e.g. /dev/shm"));
    ok = FALSE;
  } else if (dir && access (dir, W_OK) != 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("ring-path directory '%s' is not writable", dir), (NULL));
    ok = FALSE;
  }
  g_free (dir);
  return ok;
}

static void
reset_streaming (GstMeteorPool *self)
{
  GST_OBJECT_LOCK (self);
  memset (&self->counters, 0, sizeof (self->counters));
  memset (&self->retired, 0, sizeof (self->retired));
  GST_OBJECT_UNLOCK (self);
  self->next_frame_id = 0;
  self->last_running = GST_CLOCK_TIME_NONE;
  self->waits_reported = 0;
  self->drops_reported = 0;
  self->temperature_read_at = 0;
  self->downstream_min = 0;
  self->downstream_video_meta = FALSE;
  self->setup_failed = FALSE;
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  gst_clear_object (&self->foreign_pool);
  g_clear_pointer (&self->rejected_format, g_free);
}

static GstStateChangeReturn
gst_meteor_pool_change_state (GstElement *element, GstStateChange transition)
{
  GstMeteorPool *self = GST_METEOR_POOL (element);
  GstStateChangeReturn ret;
  GstBufferPool *pool;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY)
    gst_meteor_stats_register (element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    if (!check_settings (self))
      return GST_STATE_CHANGE_FAILURE;
    reset_streaming (self);
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    GST_OBJECT_LOCK (self);
    pool = self->pool;
    self->pool = NULL;
    GST_OBJECT_UNLOCK (self);
    if (pool)
      gst_meteor_pool_retire_pool (self, pool);
    gst_clear_caps (&self->caps);
    gst_clear_object (&self->foreign_pool);
    self->is_raw = FALSE;
  }
  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    gst_meteor_stats_unregister (element);
  return ret;
}

static void
gst_meteor_pool_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstMeteorPool *self = GST_METEOR_POOL (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_BUFFERS:
      self->max_buffers = g_value_get_uint (value);
      break;
    case PROP_MEMORY:
      self->memory = g_value_get_enum (value);
      break;
    case PROP_RING_PATH:
      g_free (self->ring_path);
      self->ring_path = g_value_dup_string (value);
      if (self->ring_path && *self->ring_path)
        self->memory = GST_METEOR_RING_BACKING_FILE;
      break;
    case PROP_INGRESS:
      self->ingress = g_value_get_enum (value);
      break;
    case PROP_LEAKY:
      self->leaky = g_value_get_enum (value);
      if (self->pool)
        gst_meteor_buffer_pool_set_leaky (GST_METEOR_BUFFER_POOL (self->pool),
            self->leaky == GST_METEOR_POOL_LEAKY_DOWNSTREAM);
      break;
    case PROP_CAMERA_ID:
      self->camera_id = g_intern_string (
          g_value_get_string (value) ? g_value_get_string (value) : "");
      break;
    case PROP_EXPOSURE_TIME:
      self->exposure_time = g_value_get_uint64 (value);
      break;
    case PROP_GAIN:
      self->gain = g_value_get_double (value);
      break;
    case PROP_TEMPERATURE:
      self->temperature = g_value_get_double (value);
      break;
    case PROP_TEMPERATURE_FILE:
      g_free (self->temperature_file);
      self->temperature_file = g_value_dup_string (value);
      if (self->temperature_file && !*self->temperature_file)
        g_clear_pointer (&self->temperature_file, g_free);
      self->temperature_read_at = 0;
      break;
    case PROP_START_UTC: {
      const gchar *iso = g_value_get_string (value);
      GDateTime *d =
          iso && *iso ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;

      if (iso && *iso && d == NULL)
        g_warning ("meteorpool: start-utc \"%s\" is not an ISO 8601 time "
                   "with a zone (2026-12-07T20:00:00Z): not used",
            iso);
      g_free (self->start_utc); /* under the object lock, as every one */
      self->start_utc = d ? g_strdup (iso) : NULL;
      self->start_utc_ns =
          d ? (g_date_time_to_unix (d) * GST_SECOND +
                  g_date_time_get_microsecond (d) * GST_USECOND)
            : 0;
      if (d)
        g_date_time_unref (d);
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_meteor_pool_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstMeteorPool *self = GST_METEOR_POOL (object);

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, gst_meteor_pool_make_stats (self));
    return;
  }

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_BUFFERS:
      g_value_set_uint (value, self->max_buffers);
      break;
    case PROP_MEMORY:
      g_value_set_enum (value, self->memory);
      break;
    case PROP_RING_PATH:
      g_value_set_string (value, self->ring_path);
      break;
    case PROP_INGRESS:
      g_value_set_enum (value, self->ingress);
      break;
    case PROP_LEAKY:
      g_value_set_enum (value, self->leaky);
      break;
    case PROP_CAMERA_ID:
      g_value_set_string (value, self->camera_id);
      break;
    case PROP_EXPOSURE_TIME:
      g_value_set_uint64 (value, self->exposure_time);
      break;
    case PROP_GAIN:
      g_value_set_double (value, self->gain);
      break;
    case PROP_TEMPERATURE:
      g_value_set_double (value, self->temperature);
      break;
    case PROP_TEMPERATURE_FILE:
      g_value_set_string (value, self->temperature_file);
      break;
    case PROP_START_UTC:
      g_value_set_string (value, self->start_utc);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_meteor_pool_finalize (GObject *object)
{
  GstMeteorPool *self = GST_METEOR_POOL (object);

  g_free (self->ring_path);
  g_free (self->temperature_file);
  g_free (self->temperature_warned_for);
  g_free (self->start_utc);
  g_free (self->rejected_format);
  gst_clear_caps (&self->caps);
  gst_clear_object (&self->pool);
  gst_clear_object (&self->foreign_pool);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_meteor_pool_init (GstMeteorPool *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, gst_meteor_pool_chain);
  gst_pad_set_event_function (self->sinkpad, gst_meteor_pool_sink_event);
  gst_pad_set_query_function (self->sinkpad, gst_meteor_pool_sink_query);
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->max_buffers = DEFAULT_MAX_BUFFERS;
  self->memory = DEFAULT_MEMORY;
  self->ingress = DEFAULT_INGRESS;
  self->leaky = DEFAULT_LEAKY;
  self->camera_id = g_intern_static_string (DEFAULT_CAMERA_ID);
  self->exposure_time = DEFAULT_EXPOSURE_TIME;
  self->gain = DEFAULT_GAIN;
  self->temperature = TEMPERATURE_UNKNOWN;
  self->last_running = GST_CLOCK_TIME_NONE;
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
}

static void
gst_meteor_pool_class_init (GstMeteorPoolClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw_ready = rw | GST_PARAM_MUTABLE_READY;
  const GParamFlags rw_playing = rw | GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_meteor_pool_set_property;
  gobject_class->get_property = gst_meteor_pool_get_property;
  gobject_class->finalize = gst_meteor_pool_finalize;

  g_object_class_install_property (gobject_class, PROP_MAX_BUFFERS,
      g_param_spec_uint ("max-buffers", "Max buffers",
          "Frames in the pool (at least 1), all allocated at start; raised, "
          "with a warning, when downstream holds more. A downstream that "
          "asks to hold more than 65534 frames, or more than fit in RAM, "
          "is an error",
          0, POOL_MAX_BUFFERS, DEFAULT_MAX_BUFFERS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_MEMORY,
      g_param_spec_enum ("memory", "Memory", "What the frame ring is made of",
          GST_TYPE_METEOR_RING_BACKING, DEFAULT_MEMORY, rw_ready));
  g_object_class_install_property (gobject_class, PROP_RING_PATH,
      g_param_spec_string ("ring-path", "Ring path",
          "File for the frame ring (e.g. /dev/shm/meteor.ring); setting it "
          "selects memory=file. Created by meteorpool and locked while in "
          "use; an existing file is used only if it is a ring file left by "
          "a meteorpool that is gone, any other file is left untouched (an "
          "error). Removed when the ring is freed",
          NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_INGRESS,
      g_param_spec_enum ("ingress", "Ingress",
          "What to do with frames that are not in the frame pool",
          gst_meteor_pool_ingress_get_type (), DEFAULT_INGRESS, rw_playing));
  g_object_class_install_property (gobject_class, PROP_LEAKY,
      g_param_spec_enum ("leaky", "Leaky",
          "When the pool is exhausted: make the producer wait, or drop the "
          "new frame and count it",
          gst_meteor_pool_leaky_get_type (), DEFAULT_LEAKY, rw_playing));
  g_object_class_install_property (gobject_class, PROP_CAMERA_ID,
      g_param_spec_string ("camera-id", "Camera id",
          "Camera name put in every frame's meta", DEFAULT_CAMERA_ID,
          rw_playing));
  g_object_class_install_property (gobject_class, PROP_EXPOSURE_TIME,
      g_param_spec_uint64 ("exposure-time", "Exposure time",
          "Exposure time in microseconds, put in every frame's meta", 0,
          G_MAXUINT64, DEFAULT_EXPOSURE_TIME, rw_playing));
  g_object_class_install_property (gobject_class, PROP_GAIN,
      g_param_spec_double ("gain", "Gain",
          "Sensor gain (linear), put in every frame's meta", 0.0, G_MAXDOUBLE,
          DEFAULT_GAIN, rw_playing));
  g_object_class_install_property (gobject_class, PROP_TEMPERATURE,
      g_param_spec_double ("temperature", "Temperature",
          "Temperature in degrees Celsius put in every frame's meta; "
          "-273.15 means unknown",
          TEMPERATURE_UNKNOWN, 1000.0, TEMPERATURE_UNKNOWN, rw_playing));
  g_object_class_install_property (gobject_class, PROP_TEMPERATURE_FILE,
      g_param_spec_string ("temperature-file", "Temperature file",
          "File to read the temperature from, at most once a second (e.g. "
          "/sys/class/thermal/thermal_zone0/temp, millidegrees); overrides "
          "temperature",
          NULL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_START_UTC,
      g_param_spec_string ("start-utc", "Start UTC",
          "A recording replayed: the UTC time (ISO 8601) of its running time "
          "0; frames are stamped with it plus their running time. Unset: "
          "from the pipeline clock (a camera)",
          NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Counters: frames, zero-copy-frames, wrapped-frames, "
          "ingress-copies, bytes-copied, downstream-copies, dropped, "
          "skipped-frames (frame times with no frame), "
          "allocations, reuses, pool-size, buffers-used (ever handed out: "
          "their ring pages are committed), in-use, max-in-use, "
          "acquire-waits, acquire-wait-ns, ring-slots, ring-overflows, "
          "acquire-wait-histogram (meteor-histogram of the waits, ns)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  element_class->change_state = gst_meteor_pool_change_state;

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Meteor frame pool",
      "Filter/Video",
      "Zero-copy frame pool in an mmap'd ring, copy-once ingress and frame "
      "metadata for meteor cameras",
      "gst-meteor developers");

  gst_type_mark_as_plugin_api (gst_meteor_pool_ingress_get_type (), 0);
  gst_type_mark_as_plugin_api (gst_meteor_pool_leaky_get_type (), 0);
  gst_type_mark_as_plugin_api (GST_TYPE_METEOR_RING_BACKING, 0);

  GST_DEBUG_CATEGORY_INIT (
      meteorpool_debug, "meteorpool", 0, "gst-meteor frame pool");
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  return GST_ELEMENT_REGISTER (meteorpool, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, meteorpool,
    "Zero-copy frame pool and frame metadata for meteor cameras", plugin_init,
    VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
