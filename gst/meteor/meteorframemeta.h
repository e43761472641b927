/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: per-frame capture metadata that travels with every buffer */
#ifndef __GST_METEOR_FRAME_META_H__
#define __GST_METEOR_FRAME_META_H__

#include <gst/meteor/meteor-prelude.h>

G_BEGIN_DECLS

#define GST_METEOR_FRAME_META_API_TYPE (gst_meteor_frame_meta_api_get_type ())
#define GST_METEOR_FRAME_META_INFO (gst_meteor_frame_meta_get_info ())

typedef struct _GstMeteorFrameMeta GstMeteorFrameMeta;

/**
 * GstMeteorFrameMeta:
 * @meta: parent #GstMeta
 * @frame_id: monotonic frame number, from 0, without gaps for frames that
 *   entered the pipeline (dropped frames keep their number: a gap downstream
 *   means a drop)
 * @capture_time_utc: wall-clock capture time, nanoseconds since the Unix
 *   epoch (UTC)
 * @camera_id: interned camera name (compare by pointer or g_str_equal); never
 *   %NULL
 * @exposure_time_us: exposure time in microseconds
 * @gain: sensor gain (linear)
 * @temperature_c: sensor or board temperature in °C, NaN when unknown
 *
 * Capture metadata of one frame. It has no tags, so tee, queue and in-place
 * transforms keep it, and it is copied with the buffer.
 */
struct _GstMeteorFrameMeta {
  GstMeta meta;

  guint64 frame_id;
  GstClockTime capture_time_utc;
  const gchar *camera_id;
  guint64 exposure_time_us;
  gdouble gain;
  gdouble temperature_c;
};

GST_METEOR_API
GType gst_meteor_frame_meta_api_get_type (void);

GST_METEOR_API
const GstMetaInfo *gst_meteor_frame_meta_get_info (void);

GST_METEOR_API
GstMeteorFrameMeta *gst_buffer_add_meteor_frame_meta (GstBuffer *buffer,
    guint64 frame_id, GstClockTime capture_time_utc, const gchar *camera_id,
    guint64 exposure_time_us, gdouble gain, gdouble temperature_c);

GST_METEOR_API
GstMeteorFrameMeta *gst_buffer_get_meteor_frame_meta (GstBuffer *buffer);

GST_METEOR_API
void gst_meteor_frame_meta_set (GstMeteorFrameMeta *meta, guint64 frame_id,
    GstClockTime capture_time_utc, const gchar *camera_id,
    guint64 exposure_time_us, gdouble gain, gdouble temperature_c);

GST_METEOR_API
GstStructure *gst_meteor_frame_meta_to_structure (
    const GstMeteorFrameMeta *meta);

G_END_DECLS

#endif /* __GST_METEOR_FRAME_META_H__ */
