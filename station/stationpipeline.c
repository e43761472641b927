/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: meteor-station's pipeline from its config. */
#include "stationpipeline.h"

#include <errno.h>
#include <math.h>

#define QUEUE_BUFFERS 8

/* up to raw video in the config's format and size */
gchar *
station_source_description (const StationConfig *c)
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
  /* a capsfilter by name: a bin cannot end in a caps shorthand */
  g_string_append (s, " ! capsfilter name=out caps=\"video/x-raw");
  if (c->format)
    g_string_append_printf (s, ",format=%s", c->format);
  if (c->width)
    g_string_append_printf (s, ",width=%d", c->width);
  if (c->height)
    g_string_append_printf (s, ",height=%d", c->height);
  if (c->fps_n)
    g_string_append_printf (s, ",framerate=%d/%d", c->fps_n, c->fps_d);
  g_string_append_c (s, '"');
  return g_string_free (s, FALSE);
}

gboolean
station_set_detect (const StationConfig *c, GstElement *detect, GError **error)
{
  guint i;

  /* calibrated points are placed on the horizon from here ([detect] may
   * still say otherwise) */
  if (c->has_location)
    g_object_set (detect, "latitude", c->latitude, "longitude", c->longitude,
        "elevation", c->elevation, NULL);
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

GstElement *
station_pipeline_build (const StationConfig *c, const gchar *night,
    gchar **store_dir, GError **error)
{
  gdouble fps = c->fps_n ? (gdouble)c->fps_n / c->fps_d : 30;
  guint hot = (guint)ceil (c->hot_seconds * fps);
  gchar *src = station_source_description (c);
  gchar *store = g_build_filename (c->store, night, NULL);
  /* a recording's frames are stamped from its configured start */
  gboolean replay = c->source == STATION_CAMERA_FILE && c->start_time;
  /* the part after the camera; the camera is added and linked after */
  gchar *desc = g_strdup_printf (
      "meteorpool name=pool camera-id=\"%s\" max-buffers=%u%s%s%s "
      "! meteordetect name=detect ! queue max-size-buffers=%d "
      "! tieredsink name=store location=\"%s\" hot-frames=%u "
      "warm-max-bytes=%" G_GUINT64_FORMAT " cold-max-bytes=%" G_GUINT64_FORMAT
      " max-bytes=%" G_GUINT64_FORMAT " min-free-bytes=%" G_GUINT64_FORMAT,
      c->id,
      station_pool_buffers (c->hot_seconds, c->fps_n, c->fps_d, QUEUE_BUFFERS),
      replay ? " start-utc=\"" : "", replay ? c->start_time : "",
      replay ? "\"" : "", QUEUE_BUFFERS, store, MAX (hot, 1), c->warm_bytes,
      c->cold_bytes, c->quota_bytes, c->min_free_bytes);
  GstElement *pipeline = NULL, *rest, *detect, *pool;
  StationCameraBin *camera = NULL;
  GError *err = NULL;

  /* a missing plugin gives an error and a partial pipeline */
  rest = gst_parse_launch (desc, &err);
  if (err) {
    g_propagate_error (error, err);
    gst_clear_object (&rest);
  }
  if (rest) {
    detect = gst_bin_get_by_name (GST_BIN (rest), "detect");
    if (station_set_detect (c, detect, error))
      camera = station_camera_bin_new ("camera", src,
          c->source != STATION_CAMERA_FILE, c->no_frame_seconds, error);
    gst_object_unref (detect);
  }
  if (camera) {
    pipeline = rest;
    rest = NULL;
    pool = gst_bin_get_by_name (GST_BIN (pipeline), "pool");
    gst_bin_add (GST_BIN (pipeline), GST_ELEMENT (camera));
    if (!gst_element_link (GST_ELEMENT (camera), pool)) {
      g_set_error (error, STATION_CONFIG_ERROR, 0,
          "the camera (%s) cannot be linked to meteorpool", src);
      gst_clear_object (&pipeline);
    }
    gst_object_unref (pool);
  }
  gst_clear_object (&rest);
  if (pipeline && g_mkdir_with_parents (store, 0755) < 0) {
    g_set_error (error, STATION_CONFIG_ERROR, 0, "cannot create %s: %s", store,
        g_strerror (errno));
    gst_clear_object (&pipeline);
  }
  if (pipeline) {
    g_print ("meteor-station: capturing into %s: %s ! %s\n", store, src, desc);
    *store_dir = store;
    store = NULL;
  }
  g_free (desc);
  g_free (store);
  g_free (src);
  return pipeline;
}
