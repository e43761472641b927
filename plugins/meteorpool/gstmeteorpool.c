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

#include "gstmeteorpool.h"

#include <gst/meteor/meteor.h>
#include <gst/video/video.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC (meteorpool_debug);
#define GST_CAT_DEFAULT meteorpool_debug

#define RAW_FORMATS                                                            \
  "{ GRAY8, GRAY16_LE, I420, NV12, YUY2, RGB, BGR, RGBx, BGRx }"
#define POOL_CAPS                                                              \
  GST_VIDEO_CAPS_MAKE (RAW_FORMATS)                                            \
  "; "                                                                         \
  "image/jpeg, width = (int) [ 1, max ], height = (int) [ 1, max ]; "          \
  "video/x-h264, stream-format = (string) byte-stream, "                       \
  "alignment = (string) au"

/* Buffers beyond what downstream holds: one being filled upstream, one on
 * its way through meteorpool. */
#define POOL_SLACK 2
/* Temperature files (sysfs thermal nodes) are read at most this often. */
#define TEMPERATURE_PERIOD_US G_USEC_PER_SEC
/* Below this, the temperature property means "unknown". */
#define TEMPERATURE_UNKNOWN -273.15

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
  PROP_STATS,
};

#define DEFAULT_MAX_BUFFERS 16
#define DEFAULT_MEMORY GST_METEOR_RING_BACKING_MEMFD
#define DEFAULT_INGRESS GST_METEOR_POOL_INGRESS_AUTO
#define DEFAULT_LEAKY GST_METEOR_POOL_LEAKY_NO
#define DEFAULT_CAMERA_ID "cam0"
#define DEFAULT_EXPOSURE_TIME 40000
#define DEFAULT_GAIN 1.0

/* Counters of frames through the element (object lock). */
typedef struct {
  guint64 frames;
  guint64 zero_copy_frames;
  guint64 wrapped_frames;
  guint64 ingress_copies;
  guint64 ingress_bytes;
  guint64 dropped;
} FrameCounters;

struct _GstMeteorPool {
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, object lock */
  guint max_buffers;
  GstMeteorRingBacking memory;
  gchar *ring_path;
  GstMeteorPoolIngress ingress;
  GstMeteorPoolLeaky leaky;
  const gchar *camera_id; /* interned: frames carry it without a copy */
  guint64 exposure_time;
  gdouble gain;
  gdouble temperature;
  gchar *temperature_file;

  /* streaming thread */
  gboolean is_raw;
  GstVideoInfo info;
  GstCaps *caps;
  GstSegment segment;
  guint64 next_frame_id;
  guint downstream_min;
  gboolean downstream_video_meta;
  GstBufferPool *foreign_pool; /* last foreign pool seen ... */
  gboolean foreign_pool_wrap;  /* ... and whether auto wraps its frames */
  gint64 temperature_read_at;
  gdouble temperature_from_file;
  gchar *temperature_warned_for;
  guint64 waits_reported;
  guint64 drops_reported;
  gchar *rejected_format;

  /* object lock */
  GstBufferPool *pool;       /* proposed upstream, and copied into */
  gboolean pool_ours_active; /* we activated it (upstream did not) */
  FrameCounters counters;
  GstMeteorPoolStats retired; /* counters of pools replaced since start */
};

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

  st = gst_structure_new ("meteorpool-stats", "frames", G_TYPE_UINT64,
      fc.frames, "zero-copy-frames", G_TYPE_UINT64, fc.zero_copy_frames,
      "wrapped-frames", G_TYPE_UINT64, fc.wrapped_frames, "ingress-copies",
      G_TYPE_UINT64, fc.ingress_copies, "bytes-copied", G_TYPE_UINT64,
      fc.ingress_bytes + rs.bytes_copied, "downstream-copies", G_TYPE_UINT64,
      rs.copies, "dropped", G_TYPE_UINT64, fc.dropped, "allocations",
      G_TYPE_UINT64, ps.allocations, "reuses", G_TYPE_UINT64, ps.reuses,
      "pool-size", G_TYPE_UINT, ps.pool_size, "buffers-used", G_TYPE_UINT,
      (guint)(ps.acquires - ps.reuses), "in-use", G_TYPE_UINT, ps.in_use,
      "max-in-use", G_TYPE_UINT, ps.max_in_use, "acquire-waits", G_TYPE_UINT64,
      ps.acquire_waits, "acquire-wait-ns", G_TYPE_UINT64, ps.wait_ns,
      "ring-slots", G_TYPE_UINT, ring_slots, "ring-overflows", G_TYPE_UINT64,
      rs.overflows, NULL);
  hist = gst_meteor_pool_stats_wait_histogram (&ps);
  gst_structure_set (
      st, "acquire-wait-histogram", GST_TYPE_STRUCTURE, hist, NULL);
  gst_structure_free (hist);
  return st;
}

static void
count_frame (GstMeteorPool *self, guint64 *counter, guint64 bytes)
{
  GST_OBJECT_LOCK (self);
  (*counter)++;
  if (counter != &self->counters.dropped)
    self->counters.frames++;
  self->counters.ingress_bytes += bytes;
  GST_OBJECT_UNLOCK (self);
}

/* ----------------------------------------------------------- the pool */

static guint
effective_max_buffers (GstMeteorPool *self, guint min)
{
  guint max;

  GST_OBJECT_LOCK (self);
  max = self->max_buffers;
  GST_OBJECT_UNLOCK (self);

  if (max < min) {
    GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
        ("max-buffers=%u is below the %u frames downstream holds plus %u in "
         "flight: using %u",
            max, min - POOL_SLACK, POOL_SLACK, min),
        ("raise max-buffers to at least %u", min));
    max = min;
  }
  return max;
}

/* Asks downstream how many buffers it holds and which metas it takes. */
static void
query_downstream_allocation (
    GstMeteorPool *self, GstCaps *caps, GstQuery *upstream_query)
{
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  guint i, min = 0;

  if (gst_pad_peer_query (self->srcpad, query)) {
    for (i = 0; i < gst_query_get_n_allocation_pools (query); i++) {
      guint pmin;

      gst_query_parse_nth_allocation_pool (query, i, NULL, NULL, &pmin, NULL);
      min = MAX (min, pmin);
    }
    if (upstream_query) {
      for (i = 0; i < gst_query_get_n_allocation_metas (query); i++) {
        const GstStructure *params;
        GType api = gst_query_parse_nth_allocation_meta (query, i, &params);

        gst_query_add_allocation_meta (upstream_query, api, params);
      }
    }
  }
  self->downstream_min = min;
  self->downstream_video_meta =
      gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  GST_DEBUG_OBJECT (self, "downstream holds %u buffers, video meta %d", min,
      self->downstream_video_meta);
  gst_query_unref (query);
}

static gboolean
pool_has_caps (GstBufferPool *pool, GstCaps *caps)
{
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstCaps *pcaps = NULL;
  gboolean same;

  gst_buffer_pool_config_get_params (config, &pcaps, NULL, NULL, NULL);
  same = pcaps != NULL && gst_caps_is_equal (pcaps, caps);
  gst_structure_free (config);
  return same;
}

/* The pool for @caps: the current one while it fits (or is idle), else a
 * new one. Returns a ref. */
static GstBufferPool *
get_pool (GstMeteorPool *self, GstCaps *caps)
{
  GstBufferPool *pool, *old = NULL;
  GstMeteorPoolStats old_stats;

  GST_OBJECT_LOCK (self);
  pool = self->pool ? gst_object_ref (self->pool) : NULL;
  GST_OBJECT_UNLOCK (self);

  if (pool && (!gst_buffer_pool_is_active (pool) || pool_has_caps (pool, caps)))
    return pool;

  old = pool;
  pool = gst_meteor_buffer_pool_new ();
  GST_OBJECT_LOCK (self);
  gst_meteor_buffer_pool_set_ring (
      GST_METEOR_BUFFER_POOL (pool), self->memory, self->ring_path);
  gst_meteor_buffer_pool_set_leaky (GST_METEOR_BUFFER_POOL (pool),
      self->leaky == GST_METEOR_POOL_LEAKY_DOWNSTREAM);
  if (old) {
    gst_meteor_buffer_pool_get_stats (GST_METEOR_BUFFER_POOL (old), &old_stats);
    gst_meteor_pool_stats_add (&self->retired, &old_stats);
  }
  gst_object_replace ((GstObject **)&self->pool, GST_OBJECT (pool));
  GST_OBJECT_UNLOCK (self);

  if (old) {
    if (self->pool_ours_active)
      gst_buffer_pool_set_active (old, FALSE);
    self->pool_ours_active = FALSE;
    gst_object_unref (old);
  }
  return pool;
}

/* Makes sure meteorpool itself can take buffers from its pool (for ingress
 * copies), configuring and activating it when upstream did not. */
static gboolean
ensure_pool_active (GstMeteorPool *self, GstBufferPool *pool)
{
  GstStructure *config;
  guint min;

  if (gst_buffer_pool_is_active (pool))
    return TRUE;

  min = self->downstream_min + POOL_SLACK;
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, self->caps,
      GST_VIDEO_INFO_SIZE (&self->info), min,
      effective_max_buffers (self, min));
  if (self->downstream_video_meta)
    gst_buffer_pool_config_add_option (
        config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  if (!gst_buffer_pool_set_config (pool, config) ||
      !gst_buffer_pool_set_active (pool, TRUE)) {
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
        ("cannot set up the frame ring for %u-byte frames",
            (guint)GST_VIDEO_INFO_SIZE (&self->info)),
        ("configuring or activating the pool failed (memory=%d)",
            self->memory));
    return FALSE;
  }
  self->pool_ours_active = TRUE;
  return TRUE;
}

static gboolean
propose_allocation (GstMeteorPool *self, GstQuery *query)
{
  GstCaps *caps;
  gboolean need_pool;
  GstVideoInfo info;
  GstBufferPool *pool;
  guint min;

  gst_query_parse_allocation (query, &caps, &need_pool);
  if (caps == NULL)
    return FALSE;
  if (!gst_video_info_from_caps (&info, caps))
    return gst_pad_peer_query (self->srcpad, query); /* compressed */

  query_downstream_allocation (self, caps, query);
  min = self->downstream_min + POOL_SLACK;
  pool = get_pool (self, caps);
  gst_query_add_allocation_pool (query, pool, GST_VIDEO_INFO_SIZE (&info), min,
      effective_max_buffers (self, min));
  GST_DEBUG_OBJECT (
      self, "proposing %" GST_PTR_FORMAT " with %u+ buffers", pool, min);
  gst_object_unref (pool);
  return TRUE;
}

/* -------------------------------------------------------- frame meta */

static gdouble
read_temperature_file (GstMeteorPool *self, const gchar *path)
{
  gchar *contents = NULL;
  GError *error = NULL;
  gdouble value = NAN;

  if (g_file_get_contents (path, &contents, NULL, &error)) {
    gchar *end;
    gdouble v = g_ascii_strtod (g_strstrip (contents), &end);

    if (end != contents && *end == '\0')
      /* sysfs thermal zones report millidegrees */
      value = fabs (v) >= 1000.0 ? v / 1000.0 : v;
  }
  if (isnan (value) && g_strcmp0 (self->temperature_warned_for, path) != 0) {
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("temperature-file '%s' gives no temperature: %s", path,
            error ? error->message : "not a number"),
        ("frames get no temperature until it does"));
    g_free (self->temperature_warned_for);
    self->temperature_warned_for = g_strdup (path);
  } else if (!isnan (value)) {
    g_clear_pointer (&self->temperature_warned_for, g_free);
  }
  g_clear_error (&error);
  g_free (contents);
  return value;
}

/* Wall-clock time of capture: the buffer's running time mapped through the
 * pipeline clock when that is plausible (live sources stamp capture), else
 * the time of arrival. */
static GstClockTime
capture_time_utc (GstMeteorPool *self, GstBuffer *buf)
{
  gint64 now_utc = g_get_real_time () * 1000;
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  GstClockTime utc = (GstClockTime)now_utc;

  if (clock && GST_BUFFER_PTS_IS_VALID (buf)) {
    GstClockTime running = gst_segment_to_running_time (
        &self->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
    GstClockTime now = gst_clock_get_time (clock);
    GstClockTime at = running + gst_element_get_base_time (GST_ELEMENT (self));

    if (GST_CLOCK_TIME_IS_VALID (running) && at <= now &&
        now - at < 5 * GST_SECOND)
      utc = now_utc - (now - at);
  }
  if (clock)
    gst_object_unref (clock);
  return utc;
}

static void
stamp_frame (GstMeteorPool *self, GstBuffer *buf, gboolean pooled)
{
  GstMeteorFrameMeta *meta = gst_buffer_get_meteor_frame_meta (buf);
  gchar *temperature_file = NULL;
  const gchar *camera_id;
  guint64 exposure;
  gdouble gain, temperature;
  gint64 now = g_get_monotonic_time ();
  gboolean from_file;

  GST_OBJECT_LOCK (self);
  from_file = self->temperature_file != NULL;
  /* the file is read at most once a second: only then is its name copied,
   * so a frame costs no allocation */
  if (from_file &&
      (self->temperature_read_at == 0 ||
          now - self->temperature_read_at >= TEMPERATURE_PERIOD_US))
    temperature_file = g_strdup (self->temperature_file);
  camera_id = self->camera_id;
  exposure = self->exposure_time;
  gain = self->gain;
  temperature =
      self->temperature <= TEMPERATURE_UNKNOWN ? NAN : self->temperature;
  GST_OBJECT_UNLOCK (self);

  if (temperature_file) {
    self->temperature_from_file =
        read_temperature_file (self, temperature_file);
    self->temperature_read_at = now;
    g_free (temperature_file);
  }
  if (from_file)
    temperature = self->temperature_from_file;

  if (meta == NULL) {
    meta = gst_buffer_add_meteor_frame_meta (buf, 0, 0, NULL, 0, 0, 0);
    /* On a pooled buffer the meta stays with it: the next frame in the same
     * buffer overwrites it instead of allocating a new one. */
    if (pooled)
      GST_META_FLAG_SET (meta, GST_META_FLAG_POOLED);
  }
  gst_meteor_frame_meta_set (meta, self->next_frame_id++,
      capture_time_utc (self, buf), camera_id, exposure, gain, temperature);
}

/* ----------------------------------------------------------- ingress */

static gboolean
copy_meta_except_video (GstBuffer *src, GstMeta **meta, gpointer dest)
{
  const GstMetaInfo *info = (*meta)->info;
  GstMetaTransformCopy copy = { FALSE, 0, -1 };

  /* The pooled buffer has its own video meta (its own strides), and its
   * own frame meta, stamped next. */
  if (info->api == GST_VIDEO_META_API_TYPE ||
      info->api == GST_METEOR_FRAME_META_API_TYPE || !info->transform_func)
    return TRUE;
  info->transform_func (dest, *meta, src, _gst_meta_transform_copy, &copy);
  return TRUE;
}

/* One copy of a foreign frame into the ring. GST_FLOW_CUSTOM_SUCCESS: the
 * pool is exhausted in leaky mode, the frame is dropped. */
static GstFlowReturn
ingress_copy (
    GstMeteorPool *self, GstBufferPool *pool, GstBuffer *in, GstBuffer **out)
{
  GstBufferPoolAcquireParams params = {
    0,
  };
  GstVideoFrame src, dst;
  GstFlowReturn ret;
  gboolean copied;
  gboolean leaky;

  if (!ensure_pool_active (self, pool))
    return GST_FLOW_ERROR;

  GST_OBJECT_LOCK (self);
  leaky = self->leaky == GST_METEOR_POOL_LEAKY_DOWNSTREAM;
  GST_OBJECT_UNLOCK (self);
  if (leaky)
    params.flags = GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT;

  ret = gst_buffer_pool_acquire_buffer (pool, out, &params);
  if (ret == GST_FLOW_EOS && leaky)
    return GST_FLOW_CUSTOM_SUCCESS;
  if (ret != GST_FLOW_OK)
    return ret;

  if (!gst_video_frame_map (&src, &self->info, in, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("a %" G_GSIZE_FORMAT "-byte buffer is too small for a %s %dx%d frame",
            gst_buffer_get_size (in), GST_VIDEO_INFO_NAME (&self->info),
            GST_VIDEO_INFO_WIDTH (&self->info),
            GST_VIDEO_INFO_HEIGHT (&self->info)),
        (NULL));
    gst_buffer_unref (*out);
    return GST_FLOW_ERROR;
  }
  if (!gst_video_frame_map (&dst, &self->info, *out, GST_MAP_WRITE)) {
    gst_video_frame_unmap (&src);
    gst_buffer_unref (*out);
    return GST_FLOW_ERROR;
  }
  copied = gst_video_frame_copy (&dst, &src);
  gst_video_frame_unmap (&dst);
  gst_video_frame_unmap (&src);
  if (!copied) {
    gst_buffer_unref (*out);
    return GST_FLOW_ERROR;
  }

  gst_buffer_copy_into (
      *out, in, GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  gst_buffer_foreach_meta (in, copy_meta_except_video, *out);
  return GST_FLOW_OK;
}

static gboolean
buffer_in_pool (GstBuffer *buf, GstBufferPool *pool)
{
  guint i, n = gst_buffer_n_memory (buf);

  if (buf->pool == pool || GST_IS_METEOR_BUFFER_POOL (buf->pool))
    return TRUE;
  for (i = 0; i < n; i++)
    if (!gst_is_meteor_ring_memory (gst_buffer_peek_memory (buf, i)))
      return FALSE;
  return n > 0;
}

/* ingress=auto: a foreign pool's frames may be held downstream only when
 * the pool is unbounded or larger than what downstream holds. */
static gboolean
auto_wraps (GstMeteorPool *self, GstBufferPool *foreign)
{
  if (foreign == NULL)
    return FALSE;
  if (foreign != self->foreign_pool) {
    GstStructure *config = gst_buffer_pool_get_config (foreign);
    guint max = 0;

    gst_buffer_pool_config_get_params (config, NULL, NULL, NULL, &max);
    gst_structure_free (config);
    gst_object_replace (
        (GstObject **)&self->foreign_pool, GST_OBJECT (foreign));
    self->foreign_pool_wrap =
        max == 0 || max >= self->downstream_min + POOL_SLACK;
    GST_INFO_OBJECT (self, "upstream pool %" GST_PTR_FORMAT " (max %u): %s",
        foreign, max, self->foreign_pool_wrap ? "wrap" : "copy");
  }
  return self->foreign_pool_wrap;
}

/* Posts a rate-limited warning: on the first event and whenever the count
 * has doubled since the last report. */
static void
report_pressure (GstMeteorPool *self, GstBufferPool *pool)
{
  GstMeteorPoolStats ps;
  guint64 dropped;

  gst_meteor_buffer_pool_get_stats (GST_METEOR_BUFFER_POOL (pool), &ps);
  GST_OBJECT_LOCK (self);
  dropped = self->counters.dropped;
  GST_OBJECT_UNLOCK (self);

  if (ps.acquire_waits > 0 && ps.acquire_waits >= 2 * self->waits_reported) {
    self->waits_reported = MAX (ps.acquire_waits, 1);
    GST_ELEMENT_WARNING (self, RESOURCE, BUSY,
        ("frame pool exhausted %" G_GUINT64_FORMAT " times: all %u buffers "
         "were held downstream",
            ps.acquire_waits, ps.pool_size),
        ("the producer waited %" G_GUINT64_FORMAT " ms in all; raise "
         "max-buffers or bound the queues (max-size-buffers)",
            ps.wait_ns / GST_MSECOND));
  }
  if (dropped > 0 && dropped >= 2 * self->drops_reported) {
    self->drops_reported = dropped;
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("dropped %" G_GUINT64_FORMAT " frames: frame pool exhausted "
         "(leaky=downstream)",
            dropped),
        ("a branch holds every buffer; raise max-buffers or find the "
         "stalled branch"));
  }
}

static GstFlowReturn
gst_meteor_pool_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstMeteorPool *self = GST_METEOR_POOL (parent);
  GstBufferPool *pool;
  GstMeteorPoolIngress ingress;
  GstBuffer *out = NULL;
  GstFlowReturn ret;
  gboolean pooled = FALSE;

  if (!self->is_raw) {
    /* compressed frames pass with their meta */
    buf = gst_buffer_make_writable (buf);
    stamp_frame (self, buf, FALSE);
    count_frame (self, &self->counters.wrapped_frames, 0);
    return gst_pad_push (self->srcpad, buf);
  }

  GST_OBJECT_LOCK (self);
  pool = self->pool ? gst_object_ref (self->pool) : NULL;
  ingress = self->ingress;
  GST_OBJECT_UNLOCK (self);
  if (pool == NULL)
    pool = get_pool (self, self->caps);

  if (buf->pool == pool &&
      gst_meteor_buffer_pool_is_reserve (GST_METEOR_BUFFER_POOL (pool), buf)) {
    /* leaky and exhausted: upstream captured into the reserve buffer */
    self->next_frame_id++;
    count_frame (self, &self->counters.dropped, 0);
    gst_buffer_unref (buf);
    ret = GST_FLOW_OK;
    goto done;
  }

  if (buffer_in_pool (buf, pool)) {
    out = buf;
    pooled = TRUE;
    count_frame (self, &self->counters.zero_copy_frames, 0);
  } else if (ingress == GST_METEOR_POOL_INGRESS_WRAP ||
             (ingress == GST_METEOR_POOL_INGRESS_AUTO &&
                 auto_wraps (self, buf->pool))) {
    out = buf;
    count_frame (self, &self->counters.wrapped_frames, 0);
  } else {
    ret = ingress_copy (self, pool, buf, &out);
    gst_buffer_unref (buf);
    if (ret == GST_FLOW_CUSTOM_SUCCESS) {
      self->next_frame_id++;
      count_frame (self, &self->counters.dropped, 0);
      ret = GST_FLOW_OK;
      goto done;
    }
    if (ret != GST_FLOW_OK)
      goto done;
    pooled = TRUE;
    count_frame (self, &self->counters.ingress_copies,
        GST_VIDEO_INFO_SIZE (&self->info));
  }

  /* Only the GstBuffer is made writable (for the meta): its memory is
   * shared, never copied. */
  out = gst_buffer_make_writable (out);
  stamp_frame (self, out, pooled && out->pool != NULL);
  ret = gst_pad_push (self->srcpad, out);

done:
  report_pressure (self, pool);
  gst_object_unref (pool);
  return ret;
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
        query_downstream_allocation (self, self->caps, NULL);
      return ret;
    }
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &self->segment);
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
      return propose_allocation (self, query);
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
  self->waits_reported = 0;
  self->drops_reported = 0;
  self->temperature_read_at = 0;
  self->downstream_min = 0;
  self->downstream_video_meta = FALSE;
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
    if (pool) {
      if (self->pool_ours_active)
        gst_buffer_pool_set_active (pool, FALSE);
      gst_object_unref (pool);
    }
    self->pool_ours_active = FALSE;
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
          "with a warning, when downstream holds more",
          0, 65536, DEFAULT_MAX_BUFFERS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_MEMORY,
      g_param_spec_enum ("memory", "Memory", "What the frame ring is made of",
          GST_TYPE_METEOR_RING_BACKING, DEFAULT_MEMORY, rw_ready));
  g_object_class_install_property (gobject_class, PROP_RING_PATH,
      g_param_spec_string ("ring-path", "Ring path",
          "File for the frame ring (e.g. /dev/shm/meteor.ring); setting it "
          "selects memory=file. Removed when the ring is freed",
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
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Counters: frames, zero-copy-frames, wrapped-frames, "
          "ingress-copies, bytes-copied, downstream-copies, dropped, "
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
