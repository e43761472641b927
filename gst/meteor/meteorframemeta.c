/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: GstMeteorFrameMeta */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "meteorframemeta.h"

#include <math.h>

/**
 * gst_meteor_frame_meta_api_get_type:
 *
 * Returns: the API type of #GstMeteorFrameMeta, for gst_buffer_get_meta()
 */
GType
gst_meteor_frame_meta_api_get_type (void)
{
  static GType type = 0;
  /* No tags: the meta describes the capture, not the pixels, so every
   * transform (crop, scale, convert) keeps it. */
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstMeteorFrameMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
frame_meta_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  GstMeteorFrameMeta *fmeta = (GstMeteorFrameMeta *)meta;

  gst_meteor_frame_meta_set (fmeta, 0, GST_CLOCK_TIME_NONE, NULL, 0, 1.0, NAN);
  return TRUE;
}

static gboolean
frame_meta_transform (
    GstBuffer *dest, GstMeta *meta, GstBuffer *src, GQuark type, gpointer data)
{
  GstMeteorFrameMeta *s = (GstMeteorFrameMeta *)meta;
  GstMeteorFrameMeta *d;

  /* Copies, crops and scales all describe the same capture. */
  d = gst_buffer_get_meteor_frame_meta (dest);
  if (d == NULL)
    d = (GstMeteorFrameMeta *)gst_buffer_add_meta (
        dest, GST_METEOR_FRAME_META_INFO, NULL);
  if (d == NULL)
    return FALSE;
  gst_meteor_frame_meta_set (d, s->frame_id, s->capture_time_utc, s->camera_id,
      s->exposure_time_us, s->gain, s->temperature_c);
  return TRUE;
}

/**
 * gst_meteor_frame_meta_get_info:
 *
 * Returns: (transfer none): the registered #GstMetaInfo of
 * #GstMeteorFrameMeta
 */
const GstMetaInfo *
gst_meteor_frame_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **)&info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_METEOR_FRAME_META_API_TYPE,
        "GstMeteorFrameMeta", sizeof (GstMeteorFrameMeta), frame_meta_init,
        NULL, frame_meta_transform);
    g_once_init_leave ((GstMetaInfo **)&info, (GstMetaInfo *)mi);
  }
  return info;
}

/**
 * gst_meteor_frame_meta_set:
 * @meta: the meta to overwrite
 * @frame_id: frame number
 * @capture_time_utc: capture time, ns since the Unix epoch (UTC), or
 *   %GST_CLOCK_TIME_NONE
 * @camera_id: (nullable): camera name (%NULL: empty)
 * @exposure_time_us: exposure time in µs
 * @gain: sensor gain (linear)
 * @temperature_c: temperature in °C, NaN when unknown
 *
 * Overwrites every field of @meta. @camera_id is interned, so the meta owns
 * no memory and reusing it on a pooled buffer allocates nothing.
 */
void
gst_meteor_frame_meta_set (GstMeteorFrameMeta *meta, guint64 frame_id,
    GstClockTime capture_time_utc, const gchar *camera_id,
    guint64 exposure_time_us, gdouble gain, gdouble temperature_c)
{
  g_return_if_fail (meta != NULL);

  meta->frame_id = frame_id;
  meta->capture_time_utc = capture_time_utc;
  meta->camera_id = g_intern_string (camera_id ? camera_id : "");
  meta->exposure_time_us = exposure_time_us;
  meta->gain = gain;
  meta->temperature_c = temperature_c;
}

/**
 * gst_buffer_add_meteor_frame_meta:
 * @buffer: a writable buffer
 * @frame_id: frame number
 * @capture_time_utc: capture time, ns since the Unix epoch (UTC), or
 *   %GST_CLOCK_TIME_NONE
 * @camera_id: (nullable): camera name (%NULL: empty)
 * @exposure_time_us: exposure time in µs
 * @gain: sensor gain (linear)
 * @temperature_c: temperature in °C, NaN when unknown
 *
 * Adds a #GstMeteorFrameMeta to @buffer (meteorpool does this for every
 * frame).
 *
 * Returns: (transfer none) (nullable): the meta, owned by @buffer
 */
GstMeteorFrameMeta *
gst_buffer_add_meteor_frame_meta (GstBuffer *buffer, guint64 frame_id,
    GstClockTime capture_time_utc, const gchar *camera_id,
    guint64 exposure_time_us, gdouble gain, gdouble temperature_c)
{
  GstMeteorFrameMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (gst_buffer_is_writable (buffer), NULL);

  meta = (GstMeteorFrameMeta *)gst_buffer_add_meta (
      buffer, GST_METEOR_FRAME_META_INFO, NULL);
  if (meta)
    gst_meteor_frame_meta_set (meta, frame_id, capture_time_utc, camera_id,
        exposure_time_us, gain, temperature_c);
  return meta;
}

/**
 * gst_buffer_get_meteor_frame_meta:
 * @buffer: a buffer
 *
 * The capture metadata of the frame in @buffer: frame_id, capture time,
 * camera, exposure, gain, temperature. Works from C and, through GObject
 * introspection (GstMeteor-1.0), from Python.
 *
 * Returns: (transfer none) (nullable): the meta, owned by @buffer, or %NULL
 * when the buffer has none (it did not come through meteorpool)
 */
GstMeteorFrameMeta *
gst_buffer_get_meteor_frame_meta (GstBuffer *buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  return (GstMeteorFrameMeta *)gst_buffer_get_meta (
      buffer, GST_METEOR_FRAME_META_API_TYPE);
}

/**
 * gst_meteor_frame_meta_to_structure:
 * @meta: a frame meta
 *
 * Returns: (transfer full): a "meteor-frame" structure with fields frame-id,
 * capture-time-utc (ns since the epoch), utc (ISO 8601 string), camera-id,
 * exposure-time-us, gain and, when known, temperature-c. Used for messages
 * and sidecar files.
 */
GstStructure *
gst_meteor_frame_meta_to_structure (const GstMeteorFrameMeta *meta)
{
  GstStructure *s;
  gchar *iso = NULL;

  g_return_val_if_fail (meta != NULL, NULL);

  if (GST_CLOCK_TIME_IS_VALID (meta->capture_time_utc)) {
    GDateTime *dt = g_date_time_new_from_unix_utc (
        (gint64)(meta->capture_time_utc / GST_SECOND));
    if (dt) {
      gchar *base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
      iso = g_strdup_printf ("%s.%06uZ", base,
          (guint)((meta->capture_time_utc % GST_SECOND) / 1000));
      g_free (base);
      g_date_time_unref (dt);
    }
  }

  s = gst_structure_new ("meteor-frame", "frame-id", G_TYPE_UINT64,
      meta->frame_id, "capture-time-utc", G_TYPE_UINT64, meta->capture_time_utc,
      "utc", G_TYPE_STRING, iso ? iso : "", "camera-id", G_TYPE_STRING,
      meta->camera_id, "exposure-time-us", G_TYPE_UINT64,
      meta->exposure_time_us, "gain", G_TYPE_DOUBLE, meta->gain, NULL);
  if (!isnan (meta->temperature_c))
    gst_structure_set (
        s, "temperature-c", G_TYPE_DOUBLE, meta->temperature_c, NULL);
  g_free (iso);
  return s;
}
