/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteorpool, what happens to each frame
 *
 * A frame already in a ring passes as it is; a foreign frame is copied once
 * into the pool or wrapped (ingress); every frame gets its frame meta.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeteorpool-priv.h"

#include <math.h>

#define GST_CAT_DEFAULT meteorpool_debug

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

/* Wall-clock time of capture: for a replay (start-utc) its start plus the
 * running time; else the buffer's running time mapped through the
 * pipeline clock when that is plausible (live sources stamp capture), else
 * the time of arrival. */
static GstClockTime
capture_time_utc (GstMeteorPool *self, GstBuffer *buf)
{
  gint64 now_utc = g_get_real_time () * 1000;
  GstClock *clock;
  GstClockTime utc = (GstClockTime)now_utc, start;

  GST_OBJECT_LOCK (self);
  start = self->start_utc_ns;
  GST_OBJECT_UNLOCK (self);
  if (start > 0 && GST_BUFFER_PTS_IS_VALID (buf)) {
    /* a replay: its own timeline from the configured start */
    GstClockTime running = gst_segment_to_running_time (
        &self->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buf));

    if (GST_CLOCK_TIME_IS_VALID (running))
      return start + running;
  }
  clock = gst_element_get_clock (GST_ELEMENT (self));

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

  if (!gst_meteor_pool_ensure_pool_active (self, pool))
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

/* A gap in the running times (a camera reconnected, frames it lost)
 * moves the frame id on by the frame times missed: ids count frame times,
 * so a gap shows downstream and in the clips. */
static void
skip_missed_frames (GstMeteorPool *self, GstBuffer *buf)
{
  gint fps_n = GST_VIDEO_INFO_FPS_N (&self->info);
  gint fps_d = GST_VIDEO_INFO_FPS_D (&self->info);
  GstClockTime running, frame;
  guint64 missed;

  if (!GST_BUFFER_PTS_IS_VALID (buf) || fps_n <= 0 || fps_d <= 0)
    return;
  running = gst_segment_to_running_time (
      &self->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
  if (!GST_CLOCK_TIME_IS_VALID (running))
    return;
  frame = gst_util_uint64_scale_int (GST_SECOND, fps_d, fps_n);
  if (GST_CLOCK_TIME_IS_VALID (self->last_running) && frame > 0 &&
      running > self->last_running + frame + frame / 2) {
    missed = (running - self->last_running + frame / 2) / frame - 1;
    self->next_frame_id += missed;
    GST_OBJECT_LOCK (self);
    self->counters.skipped += missed;
    GST_OBJECT_UNLOCK (self);
  }
  self->last_running = running;
}

GstFlowReturn
gst_meteor_pool_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstMeteorPool *self = GST_METEOR_POOL (parent);
  GstBufferPool *pool;
  GstMeteorPoolIngress ingress;
  GstBuffer *out = NULL;
  GstFlowReturn ret;
  gboolean pooled = FALSE;

  if (self->setup_failed) {
    /* the reason is on the bus already */
    gst_buffer_unref (buf);
    return GST_FLOW_ERROR;
  }
  if (!self->is_raw) {
    /* compressed frames pass with their meta */
    buf = gst_buffer_make_writable (buf);
    stamp_frame (self, buf, FALSE);
    count_frame (self, &self->counters.wrapped_frames, 0);
    return gst_pad_push (self->srcpad, buf);
  }

  skip_missed_frames (self, buf);
  GST_OBJECT_LOCK (self);
  pool = self->pool ? gst_object_ref (self->pool) : NULL;
  ingress = self->ingress;
  GST_OBJECT_UNLOCK (self);
  if (pool == NULL)
    pool = gst_meteor_pool_get_pool (self, self->caps);

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
