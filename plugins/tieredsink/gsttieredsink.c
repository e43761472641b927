/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: tieredsink
 *
 * SECTION:element-tieredsink
 * @title: tieredsink
 *
 * Keeps the recent frames of a stream in three tiers and writes event
 * clips around meteors:
 *
 * - hot: the GstBuffers themselves, held by reference (no copy, no map),
 *   at most `hot-frames` / `hot-max-bytes`, least recently used first out.
 *   The allocation query is answered with min-buffers = hot-frames, so the
 *   pool upstream (meteorpool) grows by that many frames instead of
 *   starving.
 * - warm: a fixed-size ring (`warm-max-bytes`) in memory (a memfd: nothing
 *   is written to disk), or in a file at `warm-location` for frames that
 *   survive a restart, at the cost of writing every frame to disk (a
 *   warning when that file is on the store's device). A frame leaving hot
 *   is copied there once (counted in stats); it is read back without a
 *   copy (a GstMemory over the mapping, whose slot is pinned while the
 *   memory lives).
 * - cold: zstd-compressed segment files with an index under
 *   `location`/cold, bounded by `cold-max-bytes` (oldest segments deleted
 *   first, each deletion a warning). What goes there: frames a pending
 *   clip needs that warm cannot keep, frames evicted under high memory
 *   pressure while a clip may still need them (within pre-trigger +
 *   post-trigger of the newest frame), and with `cold-all` every frame.
 *   Anything else that leaves the warm ring is gone, counted as dropped or
 *   warm-evictions.
 *
 * Clips: a `meteor-detected` custom downstream event (from meteordetect;
 * first-frame and last-frame fields) or the `save-clip` action signal
 * (first and last frame id) asks for a clip: for an event, first-frame -
 * pre-trigger to last-frame + post-trigger (converted to frames with the
 * caps' frame rate), for the signal exactly the frames given. Clips are
 * written by a thread of their own, never by the streaming thread: it
 * fetches each frame from whichever tier holds it (a buffer reference
 * from hot, a pinned slot from warm, a read from cold) and appends it to
 * the clip's directory under `location`/clips (see meteor-clip). A
 * meteor whose window reaches a clip still being written extends it; the
 * clip is committed (fsync, rename) once its last frame is written, and a
 * `tieredsink-clip-saved` element message is posted (path, name, frames,
 * bytes, raw-bytes, first-frame, last-frame, missing-frames, detections,
 * continues). A committed clip is never written again: a later window
 * that overlaps it gets a clip of the frames after it, whose sidecar and
 * message name the clip it `continues`; so does the rest of a window
 * after a caps change. Each frame goes into one clip, once. A frame no
 * tier holds any more when the writer gets to it (the writer fell
 * behind) is missing from the clip and counted (clip-missing-frames): the
 * stream never waits for the writer.
 *
 * Frame ids are those of the GstMeteorFrameMeta (meteorpool upstream),
 * else the buffer offset, else frames counted from 0 by this element. The
 * frame meta (and the plane layout of a GstVideoMeta) is stored with each
 * frame and put back on frames read from warm or cold.
 *
 * `get-frame` (frame id) returns a GstSample (caps, buffer with its frame
 * meta, info structure `tieredsink-frame` with tier and frame-id) from the
 * first tier that holds it and puts it into hot (a promotion); %NULL when
 * none does.
 *
 * Memory pressure: every `pressure-interval` the cgroup v2 memory.current
 * / memory.max, /proc/meminfo and /proc/pressure/memory (under
 * `memory-root`, or the environment variable METEOR_MEMORY_ROOT, for
 * tests) are read and the memory in use compared with `memory-limit`
 * (0: the cgroup's limit, else MemTotal). At or above `pressure-low` hot
 * keeps half its frames; at or above `pressure-high` hot is emptied
 * straight to cold (no warm) and the warm ring's pages are dropped from
 * memory. Each change of level posts a `tieredsink-pressure` element
 * message (level, usage, limit, in-use, hot-frames).
 *
 * Frames still in hot when the element stops were never copied and are
 * not kept (the clips that need them are written first).
 *
 * Pool sizing: the allocation query gets min-buffers = hot-frames. Behind
 * a tee it reaches the pool only if every branch answers the query
 * (fakesink and appsink do not); when the pool upstream is smaller than
 * hot-frames + 2, hot keeps fewer frames (a warning), so the stream never
 * waits for a buffer only hot could give back.
 *
 * On start the cold index and the warm ring left by an earlier run are
 * recovered; what the stores report (a discarded half-written record, a
 * deleted segment) is posted as a warning. Write errors (a full disk) are
 * warnings too: the frame in question is not stored, nothing stored before
 * is touched, the stream goes on. `stats` counts everything, and is posted
 * as a `tieredsink-stats` element message at EOS.
 *
 * |[
 * gst-launch-1.0 meteorsky is-live=true schedule="meteor@60,snr=10" \
 *   num-buffers=300 ! video/x-raw,format=GRAY8,width=640,height=480 ! \
 *   meteorpool ! meteordetect ! queue ! \
 *   tieredsink location=/var/lib/meteor hot-frames=30
 * meteor-clip list /var/lib/meteor/clips
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gsttieredsink-priv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

GST_DEBUG_CATEGORY (tieredsink_debug);

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_HOT_FRAMES,
  PROP_HOT_MAX_BYTES,
  PROP_WARM_LOCATION,
  PROP_WARM_MAX_BYTES,
  PROP_COLD_MAX_BYTES,
  PROP_MAX_BYTES,
  PROP_MIN_FREE_BYTES,
  PROP_COLD_ALL,
  PROP_COMPRESSION_LEVEL,
  PROP_PRE_TRIGGER,
  PROP_POST_TRIGGER,
  PROP_MEMORY_LIMIT,
  PROP_PRESSURE_HIGH,
  PROP_PRESSURE_LOW,
  PROP_PRESSURE_INTERVAL,
  PROP_MEMORY_ROOT,
  PROP_TEST_IO_FAULT,
  PROP_STATS,
};

enum {
  SIGNAL_GET_FRAME,
  SIGNAL_SAVE_CLIP,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

#define gst_tiered_sink_parent_class parent_class
G_DEFINE_TYPE (GstTieredSink, gst_tiered_sink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (tieredsink, "tieredsink", GST_RANK_NONE,
    GST_TYPE_TIERED_SINK, gst_meteor_init ());

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));

#define GST_TYPE_TIERED_SINK_IO_FAULT (gst_tiered_sink_io_fault_get_type ())
static GType
gst_tiered_sink_io_fault_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_TIERED_SINK_IO_FAULT_NONE, "File writes work", "none" },
    { GST_TIERED_SINK_IO_FAULT_ENOSPC, "Writes fail with ENOSPC (disk full)",
        "enospc" },
    { GST_TIERED_SINK_IO_FAULT_EIO, "Writes fail with EIO (I/O error)", "eio" },
    { GST_TIERED_SINK_IO_FAULT_SLOW,
        "Writes work but take 100 ms each (a worn SD card)", "slow" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstTieredSinkIoFault", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* ------------------------------------------------------------ render */

static guint64
frame_id_of (GstTieredSink *self, GstBuffer *buf)
{
  GstMeteorFrameMeta *meta = gst_buffer_get_meteor_frame_meta (buf);

  if (meta)
    return meta->frame_id;
  if (GST_BUFFER_OFFSET_IS_VALID (buf))
    return GST_BUFFER_OFFSET (buf);
  return self->counter;
}

/* Reads the max-buffers of the pool @buf comes from when it is a new one;
 * warns when it cannot give hot its frames. Called with the lock. */
static void
check_pool (GstTieredSink *self, GstBuffer *buf, const Settings *s)
{
  GstStructure *config;
  guint max = 0;

  if (buf->pool == NULL || buf->pool == self->seen_pool)
    return;
  self->seen_pool = buf->pool;
  config = gst_buffer_pool_get_config (buf->pool);
  gst_buffer_pool_config_get_params (config, NULL, NULL, NULL, &max);
  gst_structure_free (config);
  self->pool_max = max;
  if (hot_limit (self, s) < s->hot_frames)
    queue_warning (self, GST_RESOURCE_ERROR_SETTINGS,
        "the pool upstream holds %u buffers, too few for hot-frames=%u: hot "
        "keeps %u (the allocation query asking for %u did not reach the pool: "
        "behind a tee, every branch must answer it, and fakesink and appsink "
        "do not; or raise the pool's max-buffers)",
        max, s->hot_frames, hot_limit (self, s), s->hot_frames);
}

static GstFlowReturn
gst_tiered_sink_render (GstBaseSink *sink, GstBuffer *buf)
{
  GstTieredSink *self = GST_TIERED_SINK (sink);
  GstVideoMeta *vmeta = gst_buffer_get_video_meta (buf);
  Settings s;
  guint64 id;

  get_settings (self, &s);
  g_mutex_lock (&self->lock);
  if (self->fmt == NULL) {
    g_mutex_unlock (&self->lock);
    GST_ELEMENT_ERROR (
        self, CORE, NEGOTIATION, ("no caps before a frame"), (NULL));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  check_pool (self, buf, &s);
  id = frame_id_of (self, buf);
  self->counter = id + 1;
  self->c.frames++;
  self->c.bytes_in += gst_buffer_get_size (buf);
  if (GST_BUFFER_DURATION_IS_VALID (buf))
    self->last_duration = GST_BUFFER_DURATION (buf);
  if (vmeta && vmeta->n_planes <= TIER_CLIP_MAX_PLANES) {
    guint i;

    self->n_planes = vmeta->n_planes;
    for (i = 0; i < vmeta->n_planes; i++) {
      self->offset[i] = vmeta->offset[i];
      self->stride[i] = (guint32)vmeta->stride[i];
    }
  } else {
    self->n_planes = 0;
  }
  self->have_newest = TRUE;
  self->newest_id = id;
  hot_insert (self, gst_buffer_ref (buf), id, format_ref (self->fmt),
      ORIGIN_STREAM, &s);
  check_pressure (self, &s);
  enforce_hot (self, &s);
  keep_room (self, &s, self->write_failing || self->cold_yields);
  tier_clipper_advance (self->clipper, id);
  g_mutex_unlock (&self->lock);
  post_pending (self);
  return GST_FLOW_OK;
}

/* ------------------------------------------------------------ events */

static void
finish_stream (GstTieredSink *self)
{
  Settings s;
  gchar err[512];

  get_settings (self, &s);
  /* the writer takes the lock to fetch frames: waited for without it */
  tier_clipper_finish (self->clipper);
  g_mutex_lock (&self->lock);
  if (self->cold && tier_cold_seal (self->cold, err, sizeof err) < 0) {
    self->c.write_errors++;
    queue_warning (self, GST_RESOURCE_ERROR_WRITE, "%s", err);
  }
  if (self->warm) {
    g_mutex_lock (&self->warm->lock);
    if (tier_warm_sync (self->warm->warm, err, sizeof err) < 0)
      queue_warning (self, GST_RESOURCE_ERROR_WRITE, "%s", err);
    g_mutex_unlock (&self->warm->lock);
  }
  g_mutex_unlock (&self->lock);
  post_pending (self);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), make_stats (self)));
}

static gboolean
gst_tiered_sink_event (GstBaseSink *sink, GstEvent *event)
{
  GstTieredSink *self = GST_TIERED_SINK (sink);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CUSTOM_DOWNSTREAM: {
      const GstStructure *st = gst_event_get_structure (event);

      if (gst_meteor_detection_is (st))
        on_detection (self, st);
      break;
    }
    case GST_EVENT_EOS:
      finish_stream (self);
      break;
    default:
      break;
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (sink, event);
}

/* -------------------------------------------------------- properties */

static void
gst_tiered_sink_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstTieredSink *self = GST_TIERED_SINK (object);
  Settings *s = &self->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_free (self->location);
      self->location = g_value_dup_string (value);
      break;
    case PROP_HOT_FRAMES:
      s->hot_frames = g_value_get_uint (value);
      break;
    case PROP_HOT_MAX_BYTES:
      s->hot_max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_WARM_LOCATION:
      g_free (self->warm_location);
      self->warm_location = g_value_dup_string (value);
      break;
    case PROP_WARM_MAX_BYTES:
      s->warm_max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_COLD_MAX_BYTES:
      s->cold_max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_MAX_BYTES:
      s->max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_MIN_FREE_BYTES:
      s->min_free_bytes = g_value_get_uint64 (value);
      break;
    case PROP_COLD_ALL:
      s->cold_all = g_value_get_boolean (value);
      break;
    case PROP_COMPRESSION_LEVEL:
      s->level = g_value_get_int (value);
      break;
    case PROP_PRE_TRIGGER:
      s->pre_trigger = g_value_get_uint64 (value);
      break;
    case PROP_POST_TRIGGER:
      s->post_trigger = g_value_get_uint64 (value);
      break;
    case PROP_MEMORY_LIMIT:
      s->memory_limit = g_value_get_uint64 (value);
      break;
    case PROP_PRESSURE_HIGH:
      s->pressure_high = g_value_get_double (value);
      break;
    case PROP_PRESSURE_LOW:
      s->pressure_low = g_value_get_double (value);
      break;
    case PROP_PRESSURE_INTERVAL:
      s->pressure_interval = g_value_get_uint64 (value);
      break;
    case PROP_MEMORY_ROOT:
      g_free (self->memory_root);
      self->memory_root = g_value_dup_string (value);
      break;
    case PROP_TEST_IO_FAULT:
      g_atomic_int_set (&self->io_fault, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_tiered_sink_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstTieredSink *self = GST_TIERED_SINK (object);
  Settings *s = &self->settings;

  if (prop_id == PROP_STATS) {
    g_value_take_boxed (value, make_stats (self));
    return;
  }
  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_HOT_FRAMES:
      g_value_set_uint (value, s->hot_frames);
      break;
    case PROP_HOT_MAX_BYTES:
      g_value_set_uint64 (value, s->hot_max_bytes);
      break;
    case PROP_WARM_LOCATION:
      g_value_set_string (value, self->warm_location);
      break;
    case PROP_WARM_MAX_BYTES:
      g_value_set_uint64 (value, s->warm_max_bytes);
      break;
    case PROP_COLD_MAX_BYTES:
      g_value_set_uint64 (value, s->cold_max_bytes);
      break;
    case PROP_MAX_BYTES:
      g_value_set_uint64 (value, s->max_bytes);
      break;
    case PROP_MIN_FREE_BYTES:
      g_value_set_uint64 (value, s->min_free_bytes);
      break;
    case PROP_COLD_ALL:
      g_value_set_boolean (value, s->cold_all);
      break;
    case PROP_COMPRESSION_LEVEL:
      g_value_set_int (value, s->level);
      break;
    case PROP_PRE_TRIGGER:
      g_value_set_uint64 (value, s->pre_trigger);
      break;
    case PROP_POST_TRIGGER:
      g_value_set_uint64 (value, s->post_trigger);
      break;
    case PROP_MEMORY_LIMIT:
      g_value_set_uint64 (value, s->memory_limit);
      break;
    case PROP_PRESSURE_HIGH:
      g_value_set_double (value, s->pressure_high);
      break;
    case PROP_PRESSURE_LOW:
      g_value_set_double (value, s->pressure_low);
      break;
    case PROP_PRESSURE_INTERVAL:
      g_value_set_uint64 (value, s->pressure_interval);
      break;
    case PROP_MEMORY_ROOT:
      g_value_set_string (value, self->memory_root);
      break;
    case PROP_TEST_IO_FAULT:
      g_value_set_enum (value, g_atomic_int_get (&self->io_fault));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_tiered_sink_finalize (GObject *object)
{
  GstTieredSink *self = GST_TIERED_SINK (object);

  g_free (self->location);
  g_free (self->warm_location);
  g_free (self->memory_root);
  g_hash_table_unref (self->hot_index);
  g_ptr_array_free (self->pending, TRUE);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_tiered_sink_init (GstTieredSink *self)
{
  Settings *s = &self->settings;

  s->hot_frames = DEFAULT_HOT_FRAMES;
  s->hot_max_bytes = DEFAULT_HOT_MAX_BYTES;
  s->warm_max_bytes = DEFAULT_WARM_MAX_BYTES;
  s->cold_max_bytes = DEFAULT_COLD_MAX_BYTES;
  s->max_bytes = DEFAULT_MAX_BYTES;
  s->min_free_bytes = DEFAULT_MIN_FREE_BYTES;
  s->level = DEFAULT_COMPRESSION_LEVEL;
  s->pre_trigger = DEFAULT_PRE_TRIGGER;
  s->post_trigger = DEFAULT_POST_TRIGGER;
  s->pressure_high = DEFAULT_PRESSURE_HIGH;
  s->pressure_low = DEFAULT_PRESSURE_LOW;
  s->pressure_interval = DEFAULT_PRESSURE_INTERVAL;
  g_mutex_init (&self->lock);
  g_queue_init (&self->hot);
  self->hot_index = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->pending = g_ptr_array_new ();
  self->usage = -1;
  self->lock_fd = -1;
  /* a store, like filesink: frames are kept as they come, and the last one
   * is not held a second time */
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
  gst_base_sink_set_last_sample_enabled (GST_BASE_SINK (self), FALSE);
}

static void
gst_tiered_sink_class_init (GstTieredSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *sink_class = GST_BASE_SINK_CLASS (klass);
  const GParamFlags rw_ready =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;
  const GParamFlags rw_playing =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING;

  gobject_class->set_property = gst_tiered_sink_set_property;
  gobject_class->get_property = gst_tiered_sink_get_property;
  gobject_class->finalize = gst_tiered_sink_finalize;

  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "Directory of the stored frames: cold segments in <location>/cold, "
          "clips in <location>/clips (meteor-clip list <location>/clips); "
          "created if missing; locked (one tieredsink a store)",
          NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_HOT_FRAMES,
      g_param_spec_uint ("hot-frames", "Hot frames",
          "Frames held in memory by reference (no copy); also asked of the "
          "upstream pool as min-buffers",
          0, G_MAXINT, DEFAULT_HOT_FRAMES, rw_playing));
  g_object_class_install_property (gobject_class, PROP_HOT_MAX_BYTES,
      g_param_spec_uint64 ("hot-max-bytes", "Hot max bytes",
          "Bytes of frames held in memory at most (0: no byte limit)", 0,
          G_MAXUINT64, DEFAULT_HOT_MAX_BYTES, rw_playing));
  g_object_class_install_property (gobject_class, PROP_WARM_LOCATION,
      g_param_spec_string ("warm-location", "Warm location",
          "A file for the warm ring, for frames that survive a restart (unset: "
          "the ring lives in memory and nothing is written to disk). Every "
          "frame leaving hot is written to it: frame bytes x fps x 3600 an "
          "hour (1280x720 GRAY8 at 25 fps: 83 GB), so keep it off an SD card",
          NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_WARM_MAX_BYTES,
      g_param_spec_uint64 ("warm-max-bytes", "Warm max bytes",
          "Size of the warm ring (memory, or its file), which holds as many "
          "frames as fit; "
          "0: no warm tier (frames leaving hot are gone unless cold needs "
          "them)",
          0, G_MAXUINT64, DEFAULT_WARM_MAX_BYTES, rw_ready));
  g_object_class_install_property (gobject_class, PROP_COLD_MAX_BYTES,
      g_param_spec_uint64 ("cold-max-bytes", "Cold max bytes",
          "Disk quota of the cold segments: the oldest are deleted to make "
          "room (counted; a warning the first time); 0: no quota of their "
          "own (max-bytes and min-free-bytes still hold)",
          0, G_MAXUINT64, DEFAULT_COLD_MAX_BYTES, rw_ready));
  g_object_class_install_property (gobject_class, PROP_MAX_BYTES,
      g_param_spec_uint64 ("max-bytes", "Max bytes",
          "Quota over everything written to the store (cold segments, "
          "clips, a warm ring file): past it the oldest cold segments go "
          "first, then the oldest clips (with a warning); 0: none",
          0, G_MAXUINT64, DEFAULT_MAX_BYTES, rw_playing));
  g_object_class_install_property (gobject_class, PROP_MIN_FREE_BYTES,
      g_param_spec_uint64 ("min-free-bytes", "Min free bytes",
          "Free space kept on the store's filesystem: below it the oldest "
          "cold segments go first, then the oldest clips (with a warning). "
          "The stream never stops for a full disk",
          0, G_MAXUINT64, DEFAULT_MIN_FREE_BYTES, rw_playing));
  g_object_class_install_property (gobject_class, PROP_COLD_ALL,
      g_param_spec_boolean ("cold-all", "Cold all",
          "Also record every frame leaving hot to cold (under the quota); by "
          "default cold gets only what clips and memory pressure need",
          FALSE, rw_playing));
  g_object_class_install_property (gobject_class, PROP_COMPRESSION_LEVEL,
      g_param_spec_int ("compression-level", "Compression level",
          "zstd level of cold segments and clips (negative: faster; 0: zstd's "
          "default of 3)",
          -7, 19, DEFAULT_COMPRESSION_LEVEL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_PRE_TRIGGER,
      g_param_spec_uint64 ("pre-trigger", "Pre-trigger",
          "Time before a detection's first frame a clip starts (ns)", 0,
          G_MAXUINT64, DEFAULT_PRE_TRIGGER, rw_playing));
  g_object_class_install_property (gobject_class, PROP_POST_TRIGGER,
      g_param_spec_uint64 ("post-trigger", "Post-trigger",
          "Time after a detection's last frame a clip ends (ns)", 0,
          G_MAXUINT64, DEFAULT_POST_TRIGGER, rw_playing));
  g_object_class_install_property (gobject_class, PROP_MEMORY_LIMIT,
      g_param_spec_uint64 ("memory-limit", "Memory limit",
          "Bytes the memory in use is compared with (0: the cgroup's "
          "memory.max, else MemTotal)",
          0, G_MAXUINT64, 0, rw_playing));
  g_object_class_install_property (gobject_class, PROP_PRESSURE_HIGH,
      g_param_spec_double ("pressure-high", "Pressure high",
          "Fraction of memory-limit in use above which hot is evicted "
          "straight to cold and the warm ring's pages are dropped",
          0.0, 10.0, DEFAULT_PRESSURE_HIGH, rw_playing));
  g_object_class_install_property (gobject_class, PROP_PRESSURE_LOW,
      g_param_spec_double ("pressure-low", "Pressure low",
          "Fraction of memory-limit in use above which hot keeps half its "
          "frames",
          0.0, 10.0, DEFAULT_PRESSURE_LOW, rw_playing));
  g_object_class_install_property (gobject_class, PROP_PRESSURE_INTERVAL,
      g_param_spec_uint64 ("pressure-interval", "Pressure interval",
          "How often memory use is read, at most (ns; 0: every frame)", 0,
          G_MAXUINT64, DEFAULT_PRESSURE_INTERVAL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_MEMORY_ROOT,
      g_param_spec_string ("memory-root", "Memory root",
          "For testing: directory standing for / when reading "
          "proc/self/cgroup, sys/fs/cgroup/..., proc/meminfo and "
          "proc/pressure/memory (unset: the environment variable "
          "METEOR_MEMORY_ROOT, else /)",
          NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_TEST_IO_FAULT,
      g_param_spec_enum ("test-io-fault", "Test I/O fault",
          "For testing: make the element's file writes fail as if the disk "
          "were full or broken, or crawl as on a worn SD card",
          GST_TYPE_TIERED_SINK_IO_FAULT, GST_TIERED_SINK_IO_FAULT_NONE,
          rw_playing));
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Counters since start (a tieredsink-stats structure, also posted "
          "at EOS): frames and bytes held per tier (hot-, warm-, cold-frames "
          "/ -bytes), hits and misses of get-frame per tier, promotions, "
          "hot-evictions, pressure-evictions, pressure-to-cold, "
          "warm-evictions (aged out of the ring), cold-evictions (deleted by "
          "the quota), dropped (frames kept by no tier), copies and "
          "bytes-written (warm, cold, clips), compression-ratio, clips-saved, "
          "clip-frames, clip-bytes, clip-missing-frames, write-errors, "
          "pressure-level, memory-usage",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstTieredSink::get-frame:
   * @sink: the tieredsink
   * @frame_id: the frame
   *
   * Returns: (transfer full) (nullable): the frame from the first tier that
   * holds it, promoted to hot; %NULL if none does.
   */
  signals[SIGNAL_GET_FRAME] = g_signal_new_class_handler ("get-frame",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_tiered_sink_get_frame), NULL, NULL, NULL, GST_TYPE_SAMPLE,
      1, G_TYPE_UINT64);
  /**
   * GstTieredSink::save-clip:
   * @sink: the tieredsink
   * @first: first frame id
   * @last: last frame id
   *
   * Writes a clip of frames @first to @last once @last has arrived
   * (merged with overlapping clips).
   *
   * Returns: %TRUE if the clip was accepted.
   */
  signals[SIGNAL_SAVE_CLIP] = g_signal_new_class_handler ("save-clip",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_tiered_sink_save_clip), NULL, NULL, NULL, G_TYPE_BOOLEAN,
      2, G_TYPE_UINT64, G_TYPE_UINT64);

  sink_class->start = tiered_sink_start;
  sink_class->stop = tiered_sink_stop;
  sink_class->set_caps = tiered_sink_set_caps;
  sink_class->propose_allocation = tiered_sink_propose_allocation;
  sink_class->render = gst_tiered_sink_render;
  sink_class->event = gst_tiered_sink_event;

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class, "Tiered frame store",
      "Sink/Video",
      "Keeps frames hot (held buffers), warm (mmap'd ring file) and cold "
      "(zstd segments under a quota); writes event clips around meteors",
      "gst-meteor developers");

  gst_type_mark_as_plugin_api (GST_TYPE_TIERED_SINK_IO_FAULT, 0);
  GST_DEBUG_CATEGORY_INIT (
      tieredsink_debug, "tieredsink", 0, "gst-meteor tiered frame store");
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  return GST_ELEMENT_REGISTER (tieredsink, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, tieredsink,
    "Hot/warm/cold frame storage and event clips", plugin_init, VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
