/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-meteor: the meteor-detected contract between elements and apps */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "meteordetection.h"

#include <string.h>

/**
 * gst_meteor_detection_to_structure:
 * @d: a detection
 *
 * Returns: (transfer full): a new #GST_METEOR_DETECTION_NAME structure with
 *   the fields of @d. The UTC times and the path are the caller's to add.
 */
GstStructure *
gst_meteor_detection_to_structure (const GstMeteorDetection *d)
{
  g_return_val_if_fail (d != NULL, NULL);

  return gst_structure_new (GST_METEOR_DETECTION_NAME, GST_METEOR_DETECTION_ID,
      G_TYPE_UINT, d->id, GST_METEOR_DETECTION_FIRST_FRAME, G_TYPE_UINT64,
      d->first_frame, GST_METEOR_DETECTION_LAST_FRAME, G_TYPE_UINT64,
      d->last_frame, GST_METEOR_DETECTION_START_TIME, G_TYPE_UINT64,
      d->start_time, GST_METEOR_DETECTION_END_TIME, G_TYPE_UINT64, d->end_time,
      GST_METEOR_DETECTION_X0, G_TYPE_DOUBLE, d->x0, GST_METEOR_DETECTION_Y0,
      G_TYPE_DOUBLE, d->y0, GST_METEOR_DETECTION_X1, G_TYPE_DOUBLE, d->x1,
      GST_METEOR_DETECTION_Y1, G_TYPE_DOUBLE, d->y1, GST_METEOR_DETECTION_SPEED,
      G_TYPE_DOUBLE, d->speed_px_s, GST_METEOR_DETECTION_PEAK, G_TYPE_DOUBLE,
      d->peak, GST_METEOR_DETECTION_SNR, G_TYPE_DOUBLE, d->snr,
      GST_METEOR_DETECTION_SCORE, G_TYPE_DOUBLE, d->score,
      GST_METEOR_DETECTION_POINTS, G_TYPE_INT, d->n_points, NULL);
}

/* A frame number as applications write it: any non-negative integer
 * (a gst-launch or Python caller gives an int), never a double or a
 * string. */
static gboolean
get_frame (const GstStructure *s, const gchar *field, guint64 *out)
{
  const GValue *v = gst_structure_get_value (s, field);
  GValue u = G_VALUE_INIT;
  gboolean ok;

  if (v == NULL || G_VALUE_HOLDS_DOUBLE (v) || G_VALUE_HOLDS_FLOAT (v) ||
      G_VALUE_HOLDS_STRING (v) ||
      !g_value_type_transformable (G_VALUE_TYPE (v), G_TYPE_UINT64))
    return FALSE;
  if ((G_VALUE_HOLDS_INT (v) && g_value_get_int (v) < 0) ||
      (G_VALUE_HOLDS_INT64 (v) && g_value_get_int64 (v) < 0))
    return FALSE;
  g_value_init (&u, G_TYPE_UINT64);
  ok = g_value_transform (v, &u);
  if (ok)
    *out = g_value_get_uint64 (&u);
  g_value_unset (&u);
  return ok;
}

static gdouble
get_double (const GstStructure *s, const gchar *field)
{
  gdouble v = 0;

  return gst_structure_get_double (s, field, &v) ? v : 0;
}

/**
 * gst_meteor_detection_parse:
 * @s: a structure, from a message or an event
 * @d: (out caller-allocates): where the detection goes
 *
 * Reads a #GST_METEOR_DETECTION_NAME structure. The frames are required
 * (as any non-negative integer); the other fields are read where present
 * (times default to GST_CLOCK_TIME_NONE, the rest to 0).
 *
 * Returns: %TRUE when @s is a detection with its frames
 */
gboolean
gst_meteor_detection_parse (const GstStructure *s, GstMeteorDetection *d)
{
  guint64 t;

  g_return_val_if_fail (s != NULL && d != NULL, FALSE);

  memset (d, 0, sizeof (*d));
  d->start_time = d->end_time = GST_CLOCK_TIME_NONE;
  if (!gst_meteor_detection_is (s) ||
      !get_frame (s, GST_METEOR_DETECTION_FIRST_FRAME, &d->first_frame) ||
      !get_frame (s, GST_METEOR_DETECTION_LAST_FRAME, &d->last_frame))
    return FALSE;
  gst_structure_get_uint (s, GST_METEOR_DETECTION_ID, &d->id);
  if (gst_structure_get_uint64 (s, GST_METEOR_DETECTION_START_TIME, &t))
    d->start_time = t;
  if (gst_structure_get_uint64 (s, GST_METEOR_DETECTION_END_TIME, &t))
    d->end_time = t;
  d->x0 = get_double (s, GST_METEOR_DETECTION_X0);
  d->y0 = get_double (s, GST_METEOR_DETECTION_Y0);
  d->x1 = get_double (s, GST_METEOR_DETECTION_X1);
  d->y1 = get_double (s, GST_METEOR_DETECTION_Y1);
  d->speed_px_s = get_double (s, GST_METEOR_DETECTION_SPEED);
  d->peak = get_double (s, GST_METEOR_DETECTION_PEAK);
  d->snr = get_double (s, GST_METEOR_DETECTION_SNR);
  d->score = get_double (s, GST_METEOR_DETECTION_SCORE);
  gst_structure_get_int (s, GST_METEOR_DETECTION_POINTS, &d->n_points);
  return TRUE;
}

/**
 * gst_meteor_detection_is:
 * @s: a structure
 *
 * Returns: whether @s is named #GST_METEOR_DETECTION_NAME
 */
gboolean
gst_meteor_detection_is (const GstStructure *s)
{
  return s != NULL && gst_structure_has_name (s, GST_METEOR_DETECTION_NAME);
}

/**
 * gst_meteor_detection_event_new:
 * @s: (transfer full): a detection structure
 *
 * Returns: (transfer full): the serialized custom downstream event that
 *   carries @s to tieredsink (ahead of the frame being processed)
 */
GstEvent *
gst_meteor_detection_event_new (GstStructure *s)
{
  g_return_val_if_fail (gst_meteor_detection_is (s), NULL);

  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s);
}
